//! Small walks over regorus's syntax tree and its spans that several readers of a module share,
//! and the text edit every rewrite makes. The bottom of the crate: uses regorus only.

use regorus::unstable::{Expr, Literal, LiteralStmt, Query, Rule, RuleHead};
use regorus::Value;

/// The direct sub-expressions of `e`, comprehension bodies aside.
pub(crate) fn children(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => items.iter().map(|i| &**i).collect(),
        Expr::Object { fields, .. } => fields.iter().flat_map(|(_, k, v)| [&**k, &**v]).collect(),
        Expr::ArrayCompr { term, .. } | Expr::SetCompr { term, .. } => vec![term],
        Expr::ObjectCompr { key, value, .. } => vec![key, value],
        Expr::Call { fcn, params, .. } => {
            let mut v: Vec<&Expr> = vec![fcn];
            v.extend(params.iter().map(|p| &**p));
            v
        }
        Expr::UnaryExpr { expr, .. } => vec![expr],
        Expr::RefDot { refr, .. } => vec![refr],
        Expr::RefBrack { refr, index, .. } => vec![refr, index],
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => vec![lhs, rhs],
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => {
            let mut v: Vec<&Expr> = key.iter().map(|k| &**k).collect();
            v.push(value);
            v.push(collection);
            v
        }
        _ => Vec::new(),
    }
}

/// A rule's first name (`r` for `r`, `r.a.b`, `r[x]`).
pub(crate) fn rule_name(rule: &Rule) -> String {
    let refr = match rule {
        Rule::Spec { head, .. } => match head {
            RuleHead::Compr { refr, .. }
            | RuleHead::Set { refr, .. }
            | RuleHead::Func { refr, .. } => refr,
        },
        Rule::Default { refr, .. } => refr,
    };
    let head = refr.span().text();
    let end = head
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(head.len());
    head[..end].to_string()
}

/// Whether a string literal is still open at the end of `text`.
pub(crate) fn open_string(text: &str) -> bool {
    let mut open: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        match open {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => open = None,
            Some(_) => {}
            None if c == '"' || c == '`' => open = Some(c),
            None => {}
        }
    }
    open.is_some()
}

/// `a.b.c` as written, if the expression is only a var and dots (a function name).
pub(crate) fn dotted(e: &Expr) -> Option<Vec<&str>> {
    match e {
        Expr::Var { span, .. } => Some(vec![span.text()]),
        Expr::RefDot { refr, field, .. } => {
            let mut v = dotted(refr)?;
            v.push(field.0.text());
            Some(v)
        }
        _ => None,
    }
}

/// Where an expression is visited from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pos {
    /// The whole expression of a body literal (`f(x, out)` may have an output argument).
    Statement,
    /// Anywhere else.
    Term,
}

/// Calls `f` on every expression of a rule (heads, bodies, comprehensions, `every`, `with`
/// values; not `with` targets), with its position.
pub(crate) fn walk_rule<'a>(rule: &'a Rule, f: &mut dyn FnMut(&'a Expr, Pos)) {
    match rule {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { refr, assign, .. } => {
                    walk_expr(refr, Pos::Term, f);
                    if let Some(a) = assign {
                        walk_expr(&a.value, Pos::Term, f);
                    }
                }
                RuleHead::Set { refr, key, .. } => {
                    walk_expr(refr, Pos::Term, f);
                    if let Some(k) = key {
                        walk_expr(k, Pos::Term, f);
                    }
                }
                RuleHead::Func {
                    refr, args, assign, ..
                } => {
                    walk_expr(refr, Pos::Term, f);
                    for a in args {
                        walk_expr(a, Pos::Term, f);
                    }
                    if let Some(a) = assign {
                        walk_expr(&a.value, Pos::Term, f);
                    }
                }
            }
            for b in bodies {
                if let Some(a) = &b.assign {
                    walk_expr(&a.value, Pos::Term, f);
                }
                walk_query(&b.query, f);
            }
        }
        Rule::Default {
            refr, args, value, ..
        } => {
            walk_expr(refr, Pos::Term, f);
            for a in args {
                walk_expr(a, Pos::Term, f);
            }
            walk_expr(value, Pos::Term, f);
        }
    }
}

pub(crate) fn walk_query<'a>(q: &'a Query, f: &mut dyn FnMut(&'a Expr, Pos)) {
    for s in &q.stmts {
        walk_stmt(s, f);
    }
}

pub(crate) fn walk_stmt<'a>(s: &'a LiteralStmt, f: &mut dyn FnMut(&'a Expr, Pos)) {
    match &s.literal {
        Literal::SomeVars { .. } => {}
        Literal::SomeIn {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(k) = key {
                walk_expr(k, Pos::Term, f);
            }
            walk_expr(value, Pos::Term, f);
            walk_expr(collection, Pos::Term, f);
        }
        Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => {
            walk_expr(expr, Pos::Statement, f)
        }
        Literal::Every { domain, query, .. } => {
            walk_expr(domain, Pos::Term, f);
            walk_query(query, f);
        }
    }
    for w in &s.with_mods {
        walk_expr(&w.r#as, Pos::Term, f);
    }
}

pub(crate) fn walk_expr<'a>(e: &'a Expr, pos: Pos, f: &mut dyn FnMut(&'a Expr, Pos)) {
    f(e, pos);
    let t = Pos::Term;
    match e {
        Expr::String { .. }
        | Expr::RawString { .. }
        | Expr::Number { .. }
        | Expr::Bool { .. }
        | Expr::Null { .. }
        | Expr::Var { .. } => {}
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for i in items {
                walk_expr(i, t, f);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                walk_expr(k, t, f);
                walk_expr(v, t, f);
            }
        }
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            walk_expr(term, t, f);
            walk_query(query, f);
        }
        Expr::ObjectCompr {
            key, value, query, ..
        } => {
            walk_expr(key, t, f);
            walk_expr(value, t, f);
            walk_query(query, f);
        }
        Expr::Call { fcn, params, .. } => {
            walk_expr(fcn, t, f);
            for p in params {
                walk_expr(p, t, f);
            }
        }
        Expr::UnaryExpr { expr, .. } => walk_expr(expr, t, f),
        Expr::RefDot { refr, .. } => walk_expr(refr, t, f),
        Expr::RefBrack { refr, index, .. } => {
            walk_expr(refr, t, f);
            walk_expr(index, t, f);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            walk_expr(lhs, t, f);
            walk_expr(rhs, t, f);
        }
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(k) = key {
                walk_expr(k, t, f);
            }
            walk_expr(value, t, f);
            walk_expr(collection, t, f);
        }
    }
}

/// A 1-based line and column (in characters, as OPA counts them) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Whether `text` imports the future keyword `kw` (alone or with all of `future.keywords`), by
/// its lines (a cheap test before lexing; OPA takes imports only before the rules).
pub(crate) fn imports_future(text: &str, kw: &str) -> bool {
    let one = format!("future.keywords.{kw}");
    text.lines().any(|l| {
        let code = l.split('#').next().unwrap_or(l);
        let mut words = code.split_whitespace();
        words.next() == Some("import")
            && words
                .next()
                .is_some_and(|w| w == "future.keywords" || w == one)
            && words.next().is_none()
    })
}

/// One text replacement: byte range, new text, and the line/column where it starts.
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub line: u32,
    pub col: u32,
}

impl Edit {
    /// `text[start..end]` replaced by `new`, with the line and column of `start`.
    pub fn new(text: &str, start: usize, end: usize, new: &str) -> Edit {
        let before = &text[..start];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Edit {
            start,
            end,
            text: new.to_string(),
            line: before.matches('\n').count() as u32 + 1,
            col: before[line_start..].chars().count() as u32 + 1,
        }
    }
}

/// `text` with `edits` (in order of `start`) applied; an edit that overlaps the one before it is
/// left out.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut copied = 0;
    for e in edits {
        if e.start < copied {
            continue;
        }
        out.push_str(&text[copied..e.start]);
        out.push_str(&e.text);
        copied = e.end;
    }
    out.push_str(&text[copied..]);
    out
}

/// The value of a scalar literal (a string either way it is quoted, a number, a boolean, null),
/// as OPA compares constant keys and terms; `None` for any other term.
pub(crate) fn literal_value(e: &Expr) -> Option<&Value> {
    match e {
        Expr::String { value, .. }
        | Expr::RawString { value, .. }
        | Expr::Number { value, .. }
        | Expr::Bool { value, .. }
        | Expr::Null { value, .. } => Some(value),
        _ => None,
    }
}
