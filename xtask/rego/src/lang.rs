//! Where regorus reads or evaluates the Rego language differently from OPA (not its builtins):
//! source rewrites before regorus parses a module, and the one extension they call.
//!
//! - A body line that starts with `(` is a new literal in OPA (a call needs its `(` right after
//!   the name); regorus reads it as a call of the previous line's last term. A `;` after that
//!   term ends the literal (done for every reader of a module, in `engine::source`).
//! - `some x in c` iterates nothing in OPA when `c` is a scalar; regorus raises an error. The
//!   collection goes through [`ITER`], which turns a scalar into `[]`. And `some _ in c` names
//!   its `_` (`__xtask_w<offset>`), which regorus's scheduler needs when `c` uses a variable.
//! - `not E`: OPA's compiler moves the references and calls nested in `E` (an operand of a call
//!   or operator, an element of a composite, an index of a reference) out of the negation into
//!   literals of their own before it, so an undefined one makes the body fail where `not` alone
//!   would succeed (`not startswith(input.x, "a")` with no `input.x` is undefined in OPA). The
//!   same literals are written before the `not` (`_ = input.x; not startswith(input.x, "a")`).
//!   Not in a module with OPA's not-bodies (`not_bodies.rs`), where `not E` negates `E` whole.
//!   And `not a = b` binds nothing in OPA: it is written `not a == b`, which regorus schedules
//!   after the literal that binds `a`.
//!
//! - `with x as v`: OPA evaluates `v` first, so an undefined `v` (a reference into `input`)
//!   makes the literal undefined; regorus went on. `_ = v` is written before the literal.
//!
//! - `some x` after a literal that iterates is moved to the start of its query (regorus declared
//!   it again on each pass and stopped), and a comprehension's own variables that the rule also
//!   uses outside it are renamed inside it (regorus read them as the rule's; OPA hides those).
//!
//! No line moves: what the user wrote keeps its line, and the loader maps columns back.

use std::collections::{BTreeMap, BTreeSet};
use std::num::{NonZeroU32, NonZeroUsize};

use anyhow::Result;
use regorus::unstable::Lexer;
use regorus::unstable::{
    AssignOp, BoolOp, Expr, Literal, LiteralStmt, Module, Query, Rule, RuleBody, RuleHead, Span,
    Token, TokenKind,
};
use regorus::{Engine, Source, Value};

use super::ast::Edit;
use super::ast::{children, open_string};

/// The extension `some .. in` iterates through: a collection as it is, a scalar as `[]`.
pub const ITER: &str = "__xtask_iter";
/// The extension `some x in c` iterates through (`builtins/ordered.rs`): as [`ITER`] (a scalar
/// is `[]`), and a set whose elements hold sets or objects becomes an array in OPA's order.
pub(crate) const ITER_ORDERED: &str = "__xtask_iter_ordered";
/// The check written for a term OPA evaluates before a literal: `true` once its argument is
/// defined (`_ = x` would do, but a call tells our literals from the user's; see [`is_inserted`]).
pub const DEFINED: &str = "__xtask_defined";
/// `k, v in c` (see `Walk::expr`): OPA's membership of a key and its value.
pub const MEMBER: &str = "__xtask_member";
/// A comparison OPA's rule index makes before a body runs: its argument, a boolean.
pub const INDEX: &str = "__xtask_index";

/// Whether `stmt` is a literal written by these rewrites (a trace leaves them out).
pub fn is_inserted(stmt: &LiteralStmt) -> bool {
    match &stmt.literal {
        Literal::Expr { expr, .. } => matches!(&**expr, Expr::Call { fcn, .. }
            if matches!(fcn.span().text(), DEFINED | INDEX)),
        _ => false,
    }
}

pub fn register(engine: &mut Engine) -> Result<()> {
    engine.add_extension(
        DEFINED.into(),
        1,
        Box::new(|_: Vec<Value>| Ok(Value::from(true))),
    )?;
    engine.add_extension(
        INDEX.into(),
        1,
        Box::new(|mut args: Vec<Value>| Ok(args.pop().unwrap_or(Value::Undefined))),
    )?;
    engine.add_extension(
        MEMBER.into(),
        3,
        Box::new(|args: Vec<Value>| {
            let [k, v, c] = <[Value; 3]>::try_from(args)
                .map_err(|_| anyhow::anyhow!("{MEMBER}: three arguments"))?;
            Ok(Value::from(match &c {
                Value::Set(s) => k == v && s.contains(&v),
                Value::Array(_) | Value::Object(_) => c[&k] == v,
                _ => false,
            }))
        }),
    )?;
    engine.add_extension(
        ITER.into(),
        1,
        Box::new(|mut args: Vec<Value>| {
            Ok(match args.pop() {
                Some(v @ (Value::Array(_) | Value::Set(_) | Value::Object(_))) => v,
                _ => Value::new_array(),
            })
        }),
    )
}

/// Whether `text` may need an edit of this module (a cheap test before lexing).
pub fn may_rewrite(text: &str) -> bool {
    ["not", " in ", "input", "data", "some", "walk("]
        .iter()
        .any(|w| text.contains(w))
}

/// The edits for `module` (its text `text`). `others` are the edits already
/// decided for it (aliases, `with`), applied to any text copied here. Put the returned edits
/// before `others`, so that an insertion here comes first where both insert at one place.
pub fn edits(
    module: &Module,
    text: &str,
    others: &[Edit],
    rules: &BTreeSet<String>,
    roots: &BTreeSet<String>,
    values: &WithValues,
) -> Vec<Edit> {
    let mut out = Vec::new();
    // An imported name (`import data.q.r`, `r`) can be undefined as a rule can: OPA moves it out
    // of a `not` (`not f(r)`) as it does the package's rules.
    let mut negated = rules.clone();
    negated.extend(import_names(module));
    let mut walk = Walk {
        text,
        others,
        rules,
        negated: &negated,
        roots,
        values,
        out: &mut out,
        rule: None,
        vars: Vec::new(),
        renames: Vec::new(),
        declaring: Vec::new(),
        lax_with: false,
        not_bodies: super::not_bodies::enabled(module),
    };
    for rule in &module.policy {
        walk.rule = Some(rule);
        walk.vars.clear();
        match &**rule {
            Rule::Spec { head, bodies, .. } => {
                match head {
                    RuleHead::Compr { refr, assign, .. } => {
                        walk.expr(refr);
                        if let Some(a) = assign {
                            walk.expr(&a.value);
                        }
                    }
                    RuleHead::Set { refr, key, .. } => {
                        walk.expr(refr);
                        if let Some(k) = key {
                            walk.expr(k);
                        }
                    }
                    RuleHead::Func {
                        refr, args, assign, ..
                    } => {
                        walk.expr(refr);
                        args.iter().for_each(|a| walk.expr(a));
                        if let Some(a) = assign {
                            walk.expr(&a.value);
                        }
                    }
                }
                // What the head reads (`a := input.x`, `s contains input.x`, `o[input.k] := 1`).
                let (refr, value) = match head {
                    RuleHead::Compr { refr, assign, .. } | RuleHead::Func { refr, assign, .. } => {
                        (refr, assign.as_ref().map(|a| &*a.value))
                    }
                    RuleHead::Set { refr, key, .. } => (refr, key.as_deref()),
                };
                // A rule without a body gets one for its checks (`r := input.x if { .. }`).
                let checks = match bodies.is_empty() {
                    true => walk.index_checks(&[], refr, value),
                    false => Vec::new(),
                };
                if !checks.is_empty() {
                    let end = walk.end(rule.span()) as usize;
                    walk.insert(end, format!(" if {{ {} }}", checks.join("; ")));
                }
                for b in bodies {
                    if let Some(a) = &b.assign {
                        walk.expr(&a.value);
                    }
                    let value = match (&b.assign, b.is_else) {
                        (Some(a), _) => Some(&*a.value),
                        (None, false) => value,
                        (None, true) => None,
                    };
                    let checks = walk.index_checks(&b.query.stmts, refr, value);
                    walk.lax_with = lax_with_body(head, b);
                    walk.body(&b.query, checks);
                    walk.lax_with = false;
                }
            }
            Rule::Default { value, .. } => walk.expr(value),
        }
    }
    out
}

/// A module's text as a lexer source without size limits: the token-level rewrites must see the
/// whole file; the parser applies OPA's limits afterwards.
pub(super) fn unlimited_source(name: &str, text: &str) -> Option<Source> {
    let (bytes, lines) = (NonZeroUsize::MAX, NonZeroUsize::MAX);
    Source::from_contents_with_limits(name.into(), text.into(), bytes, lines).ok()
}

/// `text` with a `;` after a body's term that ends a line when the next line starts with `(`.
/// The term is the last on its line, so every token keeps its line and column. `None`: nothing
/// to do.
pub fn separate_paren_lines(name: &str, text: &str) -> Option<String> {
    // Cheap test first: a line whose first non-blank character is `(`.
    let candidate = text
        .lines()
        .any(|l| l.trim_start_matches([' ', '\t']).starts_with('('));
    if !candidate {
        return None;
    }
    let src = unlimited_source(name, text)?;
    let mut lexer = Lexer::new(&src);
    lexer.set_max_col(NonZeroU32::MAX);
    let mut tokens = Vec::new();
    loop {
        let tok = lexer.next_token().ok()?;
        if tok.0 == TokenKind::Eof {
            break;
        }
        tokens.push(tok);
    }
    // Byte offsets just after the terms that a `(` on a later line would call.
    let mut ends: Vec<usize> = Vec::new();
    // Open brackets; for each, whether a `|` made it a comprehension's body.
    let mut open: Vec<(char, bool)> = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        // regorus lexes `set(` as one identifier; its `)` closes a bracket all the same.
        if tok.0 == TokenKind::Ident && tok.1.text().ends_with('(') {
            open.push(('(', false));
            continue;
        }
        if tok.0 != TokenKind::Symbol {
            continue;
        }
        match tok.1.text() {
            "|" => {
                if let Some(top) = open.last_mut() {
                    top.1 = true;
                }
            }
            ")" | "]" | "}" => {
                open.pop();
            }
            t @ ("{" | "[" | "(") => {
                let in_body = matches!(open.last(), Some(('{', _)) | Some((_, true)));
                if t == "(" && in_body {
                    let prev = i.checked_sub(1).map(|p| &tokens[p]);
                    if let Some(p) = prev.filter(|p| p.1.line < tok.1.line && ends_term(p)) {
                        ends.push(p.1.end as usize);
                    }
                }
                open.push((if t == "{" { '{' } else { '(' }, false));
            }
            _ => {}
        }
    }
    if ends.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(text.len() + ends.len());
    let mut copied = 0;
    for at in ends {
        out.push_str(text.get(copied..at)?);
        out.push(';');
        copied = at;
    }
    out.push_str(text.get(copied..)?);
    Some(out)
}

/// Whether `tok` can end a term (so a `(` after it would be read as a call of it).
fn ends_term(tok: &Token) -> bool {
    match tok.0 {
        TokenKind::Number | TokenKind::String | TokenKind::RawString => true,
        TokenKind::Ident => !matches!(
            tok.1.text(),
            "not" | "in" | "if" | "else" | "some" | "every" | "with" | "as" | "contains"
        ),
        TokenKind::Symbol => matches!(tok.1.text(), ")" | "]" | "}"),
        _ => false,
    }
}

/// The rules of a module's package that are values, not functions (`names`), and the package
/// (`pkg`, without `data.`): a `with` value that reads one of them is evaluated before the
/// literal.
#[derive(Default)]
pub struct WithValues {
    pub pkg: String,
    pub names: BTreeSet<String>,
    /// The module's import aliases: name to the reference it stands for, without `data.`.
    pub aliases: BTreeMap<String, String>,
    /// `package.name` (without `data.`) of every function of the tree.
    pub functions: BTreeSet<String>,
    /// Whether a value that evaluates rules anywhere is bound too (see
    /// [`WithValues::evaluates_rules`]); not for a lone module.
    pub evaluated: bool,
    /// The builtins only our extensions provide (with their arity), set by the loader: a call
    /// of one evaluates no rule.
    pub extension_only: Option<&'static BTreeMap<&'static str, u8>>,
}

impl WithValues {
    /// Whether `e` reads one of `names`, by its name or in full (`data.<pkg>.<name>`).
    fn read_by(&self, e: &Expr) -> bool {
        if self.names.is_empty() {
            return false;
        }
        match e {
            Expr::Var { span, .. } => self.names.contains(span.text()),
            Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                let mut base = e;
                while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = base {
                    base = refr;
                }
                let text = e.span().text();
                let full = text
                    .strip_prefix("data.")
                    .and_then(|t| t.strip_prefix(self.pkg.as_str()))
                    .and_then(|t| t.strip_prefix('.'))
                    .map(|t| t.split(['.', '[']).next().unwrap_or(t));
                full.is_some_and(|n| self.names.contains(n)) || self.read_by(base)
            }
            Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => false,
            Expr::Call { params, .. } => params.iter().any(|p| self.read_by(p)),
            _ => children(e).into_iter().any(|c| self.read_by(c)),
        }
    }

    /// Whether evaluating `e` as a `with` value may evaluate a rule of any package: a call of a
    /// function that is not a builtin, a reference into `data` (in full or through an alias), a
    /// comprehension. A bare reference that names a function (`with f as data.q.mock`) is a
    /// replacement, not a value, and is left alone.
    ///
    /// Why: regorus evaluates a `with` value after it has set aside what the enclosing query
    /// had evaluated, and a rule evaluated then is marked done while its value is dropped with
    /// the `with`'s documents: under the `with`, that rule reads as undefined
    /// (`with input.atts as mock(1)`, where `mock` reads `data.lib.kind` that `data.lib.matching`
    /// reads too). Bound before the literal, the value is evaluated as OPA does, outside it.
    fn evaluates_rules(&self, e: &Expr) -> bool {
        let bare = matches!(
            e,
            Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. }
        );
        if !self.evaluated || (bare && self.names_function(e)) {
            return false;
        }
        self.reads_rules(e)
    }

    /// Whether the reference `e` names a function of the tree.
    fn names_function(&self, e: &Expr) -> bool {
        let text = e.span().text();
        let (first, rest) = match text.split_once('.') {
            Some((f, r)) => (f, Some(r)),
            None => (text, None),
        };
        let full = match (first, rest) {
            ("data", Some(r)) => r.to_string(),
            (f, r) => match (self.aliases.get(f), r) {
                (Some(a), Some(r)) => format!("{a}.{r}"),
                (Some(a), None) => a.clone(),
                (None, Some(r)) => format!("{}.{f}.{r}", self.pkg),
                (None, None) => format!("{}.{f}", self.pkg),
            },
        };
        self.functions.contains(&full)
    }

    fn reads_rules(&self, e: &Expr) -> bool {
        match e {
            Expr::Var { span, .. } => {
                let n = span.text();
                n == "data" || self.aliases.contains_key(n) || self.names.contains(n)
            }
            Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => true,
            Expr::Call { fcn, params, .. } => {
                let name = fcn.span().text();
                let builtin = regorus::unstable::BUILTINS.contains_key(name)
                    || self.extension_only.is_some_and(|x| x.contains_key(name));
                !builtin || params.iter().any(|p| self.reads_rules(p))
            }
            _ => children(e).into_iter().any(|c| self.reads_rules(c)),
        }
    }
}

struct Walk<'a> {
    text: &'a str,
    others: &'a [Edit],
    rules: &'a BTreeSet<String>,
    /// `rules` and the module's import aliases: the names a `not` moves out (see [`top`]).
    negated: &'a BTreeSet<String>,
    /// What a `with` value may read that gets it evaluated first (see [`WithValues`]).
    values: &'a WithValues,
    /// `package.name` of every rule of the tree (see [`ground_doc`]).
    roots: &'a BTreeSet<String>,
    out: &'a mut Vec<Edit>,
    /// The rule being walked.
    rule: Option<&'a Rule>,
    /// Every variable of that rule, once a comprehension declares one: its name and where it is
    /// (see [`Walk::shadowed`]).
    vars: Vec<(&'a str, u32, u32)>,
    /// The renames written by [`Walk::shadowed`], which text copied here gets too.
    renames: Vec<Edit>,
    /// The variables the `:=` being walked declares (`x` in `x := [x | ..]`): OPA declares them
    /// after its right side, so a comprehension there has its own `x`.
    declaring: Vec<String>,
    /// The body being walked is OPA's exception to undefined `with` values (see
    /// [`lax_with_body`]).
    lax_with: bool,
    /// The module has OPA's not-bodies (`not_bodies.rs`): nothing moves out of a `not`.
    not_bodies: bool,
}

/// OPA v1.20 takes an undefined `with` value (`with input.n as input.zz`) as no `with` at all,
/// rather than as an undefined literal, in one form only (fuzzer seeds 3207, 500468): a body
/// that is the single literal `true` with its `with`s, in a rule whose head reads a reference
/// (`s contains input.c`, `o[input.k] := 7`, `r := input.c`) or, for a partial object, whose key
/// is written as a collection (`o[{}] := 7`). A scalar or collection written in the head
/// otherwise (`s contains 7`, `o["a"] := 7`, `r := {}`), a function, a second literal or
/// another expression than `true` is undefined there as everywhere else. An `else` body goes by
/// its own value (`else := input.c`; a bare `else` is `true`), and a call in any `with` value
/// (`count(input.zz)`, `1 + input.zz`) is a literal of its own in OPA: a second literal.
fn lax_with_body(head: &RuleHead, body: &RuleBody) -> bool {
    let query = &body.query;
    let composite = |e: &Expr| {
        matches!(
            e,
            Expr::Array { .. } | Expr::Object { .. } | Expr::Set { .. }
        )
    };
    let composite = match head {
        RuleHead::Compr { refr, assign, .. } => {
            let key = match &**refr {
                Expr::RefBrack { index, .. } => Some(&**index),
                _ => None,
            };
            let value = match (&body.assign, body.is_else) {
                (Some(a), _) => Some(&*a.value),
                (None, false) => assign.as_ref().map(|a| &*a.value),
                (None, true) => None,
            };
            key.is_some_and(|k| (assign.is_some() && composite(k)) || reads_ref(k))
                || value.is_some_and(reads_ref)
        }
        RuleHead::Set { key, .. } => key.as_deref().is_some_and(reads_ref),
        RuleHead::Func { .. } => false,
    };
    let [stmt] = &query.stmts[..] else {
        return false;
    };
    let only_true = matches!(&stmt.literal, Literal::Expr { expr, .. }
        if matches!(&**expr, Expr::Bool { span, .. } if span.text() == "true"));
    let calls = stmt.with_mods.iter().any(|w| has_call(&w.r#as));
    composite && only_true && !stmt.with_mods.is_empty() && !calls
}

impl<'a> Walk<'a> {
    fn query(&mut self, q: &Query) {
        self.body(q, Vec::new());
    }

    /// A query whose first literal gets `first` written before it.
    fn body(&mut self, q: &Query, mut first: Vec<String>) {
        self.some_first(q);
        for stmt in &q.stmts {
            self.stmt(stmt, std::mem::take(&mut first));
        }
    }

    /// Moves each `some x` declaration after the query's first other literal to its start:
    /// regorus adds `x` to the scope again on each pass of an earlier literal that iterates
    /// (`v := c[i]; some x`) and stops at the second ("duplicated definition of local
    /// variable"). A declaration applies to the whole query (OPA), so its place does not matter.
    fn some_first(&mut self, q: &Query) {
        let lead = q
            .stmts
            .iter()
            .take_while(|s| matches!(s.literal, Literal::SomeVars { .. }))
            .count();
        let Some(first) = q.stmts.first() else {
            return;
        };
        let mut moved = String::new();
        for stmt in &q.stmts[lead..] {
            if let Literal::SomeVars { span, .. } = &stmt.literal {
                let (start, end) = (self.start(span), self.end(span));
                moved.push_str(&self.render(start, end));
                moved.push_str("; ");
                let mut edit = self.edit_at(start as usize, format!("{INDEX}(true)"));
                edit.end = end as usize;
                self.out.push(edit);
            }
        }
        if !moved.is_empty() {
            self.insert(self.start(&first.span) as usize, moved);
        }
    }

    /// What OPA's rule index checks before any literal of a rule body runs, as literals: a
    /// reference into `input` compared with a scalar (`input.s == "y"`, `input.s in ["a"]`)
    /// must match, and one that is a whole literal, unified with a variable, or nested in a
    /// literal's terms (`count(input.x) > 0`), or read by the head, must be defined. Only
    /// literals without `with`; references without variables. Each check repeats what the body
    /// does anyway, so only the order changes: a body that fails on it never gets to raise an
    /// error in an earlier literal, as in OPA.
    fn index_checks(
        &self,
        stmts: &[LiteralStmt],
        refr: &Expr,
        value: Option<&Expr>,
    ) -> Vec<String> {
        let mut refs: Vec<&Expr> = Vec::new();
        let mut dups: Vec<&Expr> = Vec::new();
        let mut head = Vec::new();
        ref_indices(refr, self.roots, &mut head);
        if let Some(v) = value {
            deep_refs(v, self.roots, &mut head);
        }
        refs.extend(head.into_iter().filter(|t| ground_doc(t, self.roots)));
        for stmt in stmts {
            if !stmt.with_mods.is_empty() {
                continue;
            }
            let expr = match &stmt.literal {
                Literal::Expr { expr, .. } => expr,
                // What `some x in c` needs from inside `c` (`some x in {"a": input.y}`).
                Literal::SomeIn { collection, .. } => {
                    match &**collection {
                        Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                            ref_indices(collection, self.roots, &mut refs)
                        }
                        c => deep_refs(c, self.roots, &mut refs),
                    }
                    continue;
                }
                // `every x in d`: OPA binds `d` to a variable first.
                Literal::Every { domain, .. } => {
                    match &**domain {
                        d if ground_doc(d, self.roots) => refs.push(d),
                        d => deep_refs(d, self.roots, &mut refs),
                    }
                    continue;
                }
                // What moves out of a `not` is a literal of its own, which the index sees.
                Literal::NotExpr { expr, .. } => {
                    let mut moved = Vec::new();
                    top(expr, self.rules, &mut moved);
                    refs.extend(moved.into_iter().filter(|t| ground_doc(t, self.roots)));
                    continue;
                }
                _ => continue,
            };
            match &**expr {
                e if ground_doc(e, self.roots) => refs.push(e),
                Expr::AssignExpr {
                    op: AssignOp::Eq,
                    lhs,
                    rhs,
                    ..
                }
                | Expr::BoolExpr {
                    op: BoolOp::Eq,
                    lhs,
                    rhs,
                    ..
                } => {
                    for (a, b) in [(lhs, rhs), (rhs, lhs)] {
                        if !ground_doc(a, self.roots) {
                            continue;
                        }
                        match &**b {
                            b if is_ground_value(b) => dups.push(expr),
                            Expr::Var { span, .. } if !self.rules.contains(span.text()) => {
                                refs.push(a)
                            }
                            // A call's result is a variable to OPA's index (`input.x = __local0__`).
                            Expr::Call { .. }
                            | Expr::ArithExpr { .. }
                            | Expr::BinExpr { .. }
                            | Expr::BoolExpr { .. }
                            | Expr::Membership { .. }
                            | Expr::UnaryExpr { .. } => refs.push(a),
                            _ => {}
                        }
                    }
                }
                // `input.s in ["a", "b"]`. Not a set or object of values, and not `"a" in
                // input.s`: OPA's index rules such a body out for some values of `input.s` only.
                Expr::Membership {
                    key: None,
                    value,
                    collection,
                    ..
                } if ground_doc(value, self.roots)
                    && matches!(&**collection, Expr::Array { .. })
                    && is_ground_value(collection) =>
                {
                    dups.push(expr)
                }
                _ => {}
            }
            index_refs(expr, self.roots, &mut refs);
        }
        let mut out: Vec<String> = Vec::new();
        // A term another edit blanks is gone (a repeated key's first value, `dup_keys.rs`).
        let blanked = |e: &Expr| {
            let span = e.span();
            self.others.iter().any(|o| {
                o.end > o.start
                    && o.start <= span.start as usize
                    && span.end as usize <= o.end
                    && o.text.trim().is_empty()
            })
        };
        refs.retain(|r| !blanked(r));
        dups.retain(|d| !blanked(d));
        for r in refs {
            let lit = format!("{DEFINED}({})", self.text_of(r));
            if !out.contains(&lit) {
                out.push(lit);
            }
        }
        for d in dups {
            // regorus takes no `=` in a call's argument; with one side ground, it is `==`.
            let lit = match d {
                Expr::AssignExpr { lhs, rhs, .. } => {
                    format!("{INDEX}({} == {})", self.text_of(lhs), self.text_of(rhs))
                }
                d => format!("{INDEX}({})", self.text_of(d)),
            };
            if !out.contains(&lit) {
                out.push(lit);
            }
        }
        out
    }

    /// An expression's text as regorus will read it (with the `others` edits).
    fn text_of(&self, e: &Expr) -> String {
        let span = e.span();
        self.render(self.start(span), self.end(span))
    }

    fn stmt(&mut self, stmt: &LiteralStmt, first: Vec<String>) {
        // OPA evaluates a `with` value before the literal: an undefined one (a reference into
        // `input`) makes the literal undefined. Other references may name functions (`with f
        // as data.q.mock`), so only `input`'s move.
        let mut moved: Vec<String> = first;
        if self.lax_with {
            // `true` stays `true` under any `with`; only an undefined value could change it,
            // which OPA ignores here: the `with`s go (blanked, so columns stay).
            if let (Some(w), Literal::Expr { expr, .. }) = (stmt.with_mods.first(), &stmt.literal) {
                let (start, end) = (expr.span().end, self.end(&stmt.span));
                if w.span.start >= start {
                    let blank: String = self.text[start as usize..end as usize]
                        .chars()
                        .map(|c| if c.is_whitespace() { c } else { ' ' })
                        .collect();
                    let mut edit = self.edit_at(start as usize, blank);
                    edit.end = end as usize;
                    self.out.push(edit);
                }
            }
            self.hoist(stmt, &moved);
            return;
        }
        // A value that reads a rule of the package is bound before the literal, as OPA's
        // compiler does (regorus evaluated it under the literal's own `with`s: undefined); the
        // literal's other computed values too, so that they keep their order (an error in an
        // earlier one comes first).
        let reads = |w: &regorus::unstable::WithModifier| {
            self.values.read_by(&w.r#as) || self.values.evaluates_rules(&w.r#as)
        };
        let any = stmt.with_mods.iter().any(reads);
        // OPA moves the calls in `with` values out first, in order; references are read when
        // the `with` applies.
        let mut later: Vec<String> = Vec::new();
        for w in &stmt.with_mods {
            self.expr(&w.refr);
            self.expr(&w.r#as);
            let computed = !matches!(
                &*w.r#as,
                Expr::Var { .. }
                    | Expr::RefDot { .. }
                    | Expr::RefBrack { .. }
                    | Expr::String { .. }
                    | Expr::RawString { .. }
                    | Expr::Number { .. }
                    | Expr::Bool { .. }
                    | Expr::Null { .. }
            );
            if reads(w) || (any && computed) {
                // From after `as` to the modifier's end (regorus's span of an object value
                // starts at its last field).
                let from = self.end(w.refr.span()) as usize;
                let rest = self.text.get(from..).unwrap_or("");
                let gap = rest.len() - rest.trim_start().len();
                let after_as = rest[gap..].strip_prefix("as").unwrap_or("");
                let skip = after_as.len() - after_as.trim_start().len();
                let start = (from + gap + 2 + skip) as u32;
                let end = self.end(&w.span);
                let var = format!("__xtask_wv{start}");
                let bind = format!("{var} := {}", self.render(start, end));
                match has_call(&w.r#as) {
                    true => moved.push(bind),
                    false => later.push(bind),
                }
                let mut edit = self.edit_at(start as usize, var);
                edit.end = end as usize;
                self.out.push(edit);
            } else {
                // An undefined reference into `input` or base data (never a function) makes
                // the literal undefined.
                let mut values = Vec::new();
                input_refs(&w.r#as, &mut values);
                let mut docs = Vec::new();
                deep_refs(&w.r#as, self.roots, &mut docs);
                let data = |e: &&Expr| e.span().text().starts_with("data.");
                values.extend(docs.into_iter().filter(data));
                for v in values {
                    later.push(format!("{DEFINED}({})", self.text_of(v)));
                }
            }
        }
        moved.extend(later);
        // Not in a lone module: explanations take its literals one for one.
        if stmt.with_mods.is_empty() && self.values.evaluated {
            self.walk_relations(stmt, &mut moved);
        }
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    self.expr(k);
                }
                self.expr(value);
                self.expr(collection);
                // regorus's scheduler calls a variable of the collection unsafe when every
                // variable declared is `_` (`x := y; some _ in {x}`); a named one it accepts.
                let wild = |e: &Expr| matches!(e, Expr::Var { span, .. } if span.text() == "_");
                if wild(value) && key.as_ref().is_none_or(|k| wild(k)) {
                    let end = value.span().end as usize;
                    self.insert(end, format!("_xtask_w{end}"));
                }
                // A collection written as one needs no check.
                let literal = matches!(
                    &**collection,
                    Expr::Array { .. }
                        | Expr::Set { .. }
                        | Expr::Object { .. }
                        | Expr::ArrayCompr { .. }
                        | Expr::SetCompr { .. }
                        | Expr::ObjectCompr { .. }
                );
                // A set written as one too, for its order (`builtins/order.rs`).
                let set = matches!(&**collection, Expr::Set { items, .. } if !items.is_empty())
                    || matches!(&**collection, Expr::SetCompr { .. });
                if !literal || (set && key.is_none()) {
                    let span = collection.span();
                    // One variable: a set holding collections is iterated in OPA's order.
                    let iter = match key {
                        None => ITER_ORDERED,
                        Some(_) => ITER,
                    };
                    self.insert(self.start(span) as usize, format!("{iter}("));
                    self.insert(self.end(span) as usize, ")".into());
                }
            }
            Literal::Expr { expr, .. } => {
                let mut names = Vec::new();
                if let Expr::AssignExpr {
                    op: AssignOp::ColEq,
                    lhs,
                    ..
                } = &**expr
                {
                    expr_vars(lhs, &mut names);
                }
                let names = names.into_iter().map(str::to_string).collect();
                let saved = std::mem::replace(&mut self.declaring, names);
                self.expr(expr);
                self.declaring = saved;
                // OPA evaluates the calls of a comparison left to right, each as a literal of
                // its own: an undefined left side stops the body before the right side runs
                // (and raises its errors); regorus evaluated both.
                if let Expr::BoolExpr { lhs, rhs, .. } = &**expr {
                    // A call's span is its text (an object's is not: see `stmt`).
                    let call = matches!(&**lhs, Expr::Call { .. });
                    let lone = !self.values.evaluated;
                    if stmt.with_mods.is_empty() && call && has_call(rhs) && !lone {
                        moved.push(format!("{DEFINED}({})", self.text_of(lhs)));
                    }
                }
            }
            Literal::NotExpr { expr, .. } => {
                self.expr(expr);
                let mut terms = Vec::new();
                if !self.not_bodies {
                    top(expr, self.negated, &mut terms);
                }
                // The literal's `with`s apply to what moves out of it (as in OPA).
                let with = match stmt.with_mods.first() {
                    Some(f) => format!(" {}", self.render(f.span.start, self.end(&stmt.span))),
                    None => String::new(),
                };
                for t in terms {
                    moved.push(format!("{DEFINED}({}){with}", self.text_of(t)));
                }
                // A negated literal binds nothing in OPA (its variables are bound elsewhere, or
                // it is refused), so `not a = f(1)` waits for the literal that binds `a`, after
                // it or not; regorus bound `a` there. Written as the comparison it is.
                if let Expr::AssignExpr {
                    op: AssignOp::Eq,
                    lhs,
                    rhs,
                    ..
                } = &**expr
                {
                    let (from, to) = (
                        self.end(lhs.span()) as usize,
                        self.start(rhs.span()) as usize,
                    );
                    let eq = self.text.get(from..to).and_then(|t| t.find('='));
                    if let (Some(i), false) = (eq, has_wildcard(expr)) {
                        self.insert(from + i, "=".into());
                    }
                }
            }
            Literal::Every { domain, query, .. } => {
                self.expr(domain);
                self.query(query);
            }
        }
        self.hoist(stmt, &moved);
    }

    /// A comprehension's own variables (`[x | some x in c]`, `[x | x := 1]`) hide the rule's
    /// variables of those names in OPA; regorus reads them as the rule's. Those also used
    /// outside the comprehension are renamed inside it (`x_xtask<offset>`).
    fn shadowed(&mut self, e: &Expr, query: &Query) {
        let mut declared: Vec<&str> = Vec::new();
        for stmt in &query.stmts {
            match &stmt.literal {
                Literal::SomeVars { vars, .. } => declared.extend(vars.iter().map(|v| v.text())),
                Literal::SomeIn { key, value, .. } => {
                    key.iter().for_each(|k| expr_vars(k, &mut declared));
                    expr_vars(value, &mut declared);
                }
                Literal::Expr { expr, .. } => {
                    if let Expr::AssignExpr {
                        op: AssignOp::ColEq,
                        lhs,
                        ..
                    } = &**expr
                    {
                        expr_vars(lhs, &mut declared);
                    }
                }
                _ => {}
            }
        }
        // The comprehension's own, when the `:=` it stands in declares the name (a rule's
        // variable of that name is bound only after it).
        let declaring = self.declaring.clone();
        declared.extend(declaring.iter().map(String::as_str));
        let (start, end) = (e.span().start, e.span().end);
        let inside = |at: u32| at >= start && at < end;
        declared.retain(|n| *n != "_");
        if declared.is_empty() {
            return;
        }
        if self.vars.is_empty() {
            if let Some(rule) = self.rule {
                rule_vars(rule, &mut self.vars);
            }
        }
        declared.sort_unstable();
        declared.dedup();
        for name in declared {
            let outside = self.vars.iter().any(|v| v.0 == name && !inside(v.1));
            if !outside {
                continue;
            }
            let to = format!("{name}_xtask{start}");
            let spots: Vec<(u32, u32)> = self
                .vars
                .iter()
                .filter(|v| v.0 == name && inside(v.1))
                .map(|v| (v.1, v.2))
                .collect();
            for (s, t) in spots {
                for list in [0, 1] {
                    let mut edit = self.edit_at(s as usize, to.clone());
                    edit.end = t as usize;
                    match list {
                        0 => self.renames.push(edit),
                        _ => self.out.push(edit),
                    }
                }
            }
        }
    }

    /// `walk(x)` with one argument is a relation in OPA: the literal is evaluated once per
    /// `[path, value]` pair. regorus returns the array of every pair instead, so
    /// `some _, v in walk(x)` iterated the two halves of one array, not the pairs. Each such
    /// call (outside comprehensions and `not`) becomes a variable that `walk(x, var)`, written
    /// before the literal, binds to each pair (the relation form, which regorus iterates).
    fn walk_relations(&mut self, stmt: &LiteralStmt, moved: &mut Vec<String>) {
        let mut calls = Vec::new();
        match &stmt.literal {
            Literal::Expr { expr, .. } => walk_calls(expr, &mut calls),
            Literal::SomeIn { collection, .. } => walk_calls(collection, &mut calls),
            _ => {}
        }
        for call in calls {
            let Expr::Call { params, .. } = call else {
                continue;
            };
            let (start, end) = (self.start(call.span()), self.end(call.span()));
            let var = format!("__xtask_walk{start}");
            moved.push(format!("walk({}, {var})", self.text_of(&params[0])));
            let mut edit = self.edit_at(start as usize, var);
            edit.end = end as usize;
            self.out.push(edit);
        }
    }

    /// Finds the comprehensions (their bodies are queries) inside `e`.
    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                self.shadowed(e, query);
                self.expr(term);
                self.query(query);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                self.shadowed(e, query);
                self.expr(key);
                self.expr(value);
                self.query(query);
            }
            // `k, v in c`: in OPA, a set's keys are its elements (`"a", "a" in {"a"}` is true);
            // regorus said false for any set. Written `__xtask_member(k, v , c)`.
            Expr::Membership {
                key: Some(key),
                value,
                collection,
                ..
            } => {
                children(e).into_iter().for_each(|c| self.expr(c));
                let (from, to) = (self.end(value.span()), self.start(collection.span()));
                let between = self.text.get(from as usize..to as usize).unwrap_or("");
                if let Some(i) = between.find("in") {
                    let at = from as usize + i;
                    self.insert(self.start(key.span()) as usize, format!("{MEMBER}("));
                    self.out.push(Edit::new(self.text, at, at + 2, ","));
                    self.insert(self.end(collection.span()) as usize, ")".into());
                }
            }
            _ => children(e).into_iter().for_each(|c| self.expr(c)),
        }
    }

    /// Writes `_ = term with ...` before `stmt` for each of `terms` (OPA's compiler moves them
    /// out of the literal: a `not`'s operands, `with` values).
    fn hoist(&mut self, stmt: &LiteralStmt, lits: &[String]) {
        if lits.is_empty() {
            return;
        }
        let lits: String = lits.iter().map(|l| format!("{l}; ")).collect();
        let start = self.start(&stmt.span) as usize;
        // A literal right after `if` (`p if not q`) is a body without braces: give it some.
        let before = self.text[..start].trim_end_matches([' ', '\t', '\r']);
        let fresh = before.ends_with(['\n', '{', ';', '|']) || before.is_empty();
        if fresh {
            self.insert(start, lits);
        } else {
            self.insert(start, format!("{{ {lits}"));
            self.insert(self.end(&stmt.span) as usize, " }".into());
        }
    }

    /// Where `span` starts in the text: regorus starts a span that starts with a string literal
    /// after the opening quote.
    fn start(&self, span: &Span) -> u32 {
        let at = span.start as usize;
        match at.checked_sub(1).and_then(|b| self.text.as_bytes().get(b)) {
            Some(b'"' | b'`') => span.start - 1,
            _ => span.start,
        }
    }

    /// Where `span` ends in the text: regorus ends a span that ends in a string literal before
    /// the closing quote.
    fn end(&self, span: &Span) -> u32 {
        let text = self
            .text
            .get(self.start(span) as usize..span.end as usize)
            .unwrap_or("");
        if open_string(text) {
            span.end + 1
        } else {
            span.end
        }
    }

    /// The text of `start..end` with the `others` edits inside it applied.
    fn render(&self, start: u32, end: u32) -> String {
        let (start, end) = (start as usize, end as usize);
        let mut out = String::new();
        let mut copied = start;
        let mut edits: Vec<&Edit> = self
            .others
            .iter()
            .chain(&self.renames)
            .filter(|e| e.start >= start && e.end <= end)
            .collect();
        edits.sort_by_key(|e| (e.start, e.end));
        for e in edits {
            if e.start < copied {
                continue;
            }
            out.push_str(self.text.get(copied..e.start).unwrap_or(""));
            out.push_str(&e.text);
            copied = e.end;
        }
        out.push_str(self.text.get(copied..end).unwrap_or(""));
        out
    }

    fn insert(&mut self, at: usize, text: String) {
        let edit = self.edit_at(at, text);
        self.out.push(edit);
    }

    /// An insertion of `text` at byte `at`.
    fn edit_at(&self, at: usize, text: String) -> Edit {
        let head = self.text.get(..at).unwrap_or("");
        let line = head.matches('\n').count() as u32 + 1;
        let col = head.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
        Edit {
            start: at,
            end: at,
            text,
            line,
            col,
        }
    }
}

/// Whether `e` is or holds a reference or a variable (comprehension bodies aside).
fn reads_ref(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. }
    ) || children(e).into_iter().any(reads_ref)
}

/// The variables in `e` (a declaration's pattern: `[k, v]`), comprehension bodies aside.
fn expr_vars<'e>(e: &'e Expr, out: &mut Vec<&'e str>) {
    match e {
        Expr::Var { span, .. } => out.push(span.text()),
        _ => children(e).into_iter().for_each(|c| expr_vars(c, out)),
    }
}

/// Every variable occurrence of `rule` (name, start, end), comprehension bodies included.
fn rule_vars<'r>(rule: &'r Rule, out: &mut Vec<(&'r str, u32, u32)>) {
    match rule {
        Rule::Spec { head, bodies, .. } => {
            match head {
                RuleHead::Compr { refr, assign, .. } => {
                    all_vars(refr, out);
                    assign.iter().for_each(|a| all_vars(&a.value, out));
                }
                RuleHead::Set { refr, key, .. } => {
                    all_vars(refr, out);
                    key.iter().for_each(|k| all_vars(k, out));
                }
                RuleHead::Func {
                    refr, args, assign, ..
                } => {
                    all_vars(refr, out);
                    args.iter().for_each(|a| all_vars(a, out));
                    assign.iter().for_each(|a| all_vars(&a.value, out));
                }
            }
            for b in bodies {
                b.assign.iter().for_each(|a| all_vars(&a.value, out));
                query_vars(&b.query, out);
            }
        }
        Rule::Default { value, .. } => all_vars(value, out),
    }
}

fn query_vars<'r>(q: &'r Query, out: &mut Vec<(&'r str, u32, u32)>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::SomeVars { vars, .. } => {
                out.extend(vars.iter().map(|s| (s.text(), s.start, s.end)))
            }
            Literal::Every { key, value, .. } => out.extend(
                key.iter()
                    .chain([value])
                    .map(|s| (s.text(), s.start, s.end)),
            ),
            _ => {}
        }
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                key.iter().for_each(|k| all_vars(k, out));
                all_vars(value, out);
                all_vars(collection, out);
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => all_vars(expr, out),
            Literal::Every { domain, query, .. } => {
                all_vars(domain, out);
                query_vars(query, out);
            }
        }
        for w in &stmt.with_mods {
            all_vars(&w.refr, out);
            all_vars(&w.r#as, out);
        }
    }
}

fn all_vars<'r>(e: &'r Expr, out: &mut Vec<(&'r str, u32, u32)>) {
    match e {
        Expr::Var { span, .. } => out.push((span.text(), span.start, span.end)),
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            all_vars(term, out);
            query_vars(query, out);
        }
        Expr::ObjectCompr {
            key, value, query, ..
        } => {
            all_vars(key, out);
            all_vars(value, out);
            query_vars(query, out);
        }
        _ => children(e).into_iter().for_each(|c| all_vars(c, out)),
    }
}

/// The names `module`'s imports bind (`import data.q.r` binds `r`; `as` renames), the keyword
/// imports (`future.keywords`, `rego.v1`) aside.
fn import_names(module: &Module) -> Vec<String> {
    let mut out = Vec::new();
    for imp in &module.imports {
        let path = imp.refr.span().text();
        if !(path.starts_with("data") || path.starts_with("input")) {
            continue;
        }
        let name = match &imp.r#as {
            Some(a) => a.text(),
            None => path.rsplit('.').next().unwrap_or(path),
        };
        if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            out.push(name.to_string());
        }
    }
    out
}

/// The terms OPA moves out of `not e` (see the module's notes), outermost first.
fn top<'e>(e: &'e Expr, rules: &BTreeSet<String>, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. } => ref_inner(e, rules, out),
        // `=` and `==` unify: a reference on either side stays inside (`not input.x == 1`).
        Expr::AssignExpr {
            op: AssignOp::Eq,
            lhs,
            rhs,
            ..
        }
        | Expr::BoolExpr {
            op: BoolOp::Eq,
            lhs,
            rhs,
            ..
        } => {
            for side in [lhs, rhs] {
                match &**side {
                    Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. } => {
                        ref_inner(side, rules, out)
                    }
                    s => operand(s, rules, out),
                }
            }
        }
        Expr::Call { params, .. } => params.iter().for_each(|p| operand(p, rules, out)),
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => {}
        _ => children(e).into_iter().for_each(|c| operand(c, rules, out)),
    }
}

/// An operand or element: a reference or call is moved out whole; a composite, element-wise.
fn operand<'e>(e: &'e Expr, rules: &BTreeSet<String>, out: &mut Vec<&'e Expr>) {
    match e {
        // A rule of the package can be undefined; a local variable is bound.
        Expr::Var { span, .. } if rules.contains(span.text()) => out.push(e),
        Expr::RefDot { .. }
        | Expr::RefBrack { .. }
        | Expr::Call { .. }
        | Expr::UnaryExpr { .. }
        | Expr::BinExpr { .. }
        | Expr::BoolExpr { .. }
        | Expr::ArithExpr { .. }
        | Expr::Membership { .. }
            if !has_wildcard(e) =>
        {
            out.push(e)
        }
        Expr::Array { .. } | Expr::Set { .. } | Expr::Object { .. } => {
            children(e).into_iter().for_each(|c| operand(c, rules, out))
        }
        _ => {}
    }
}

/// Inside a reference that stays: its indices are operands; a base that is not a name too.
fn ref_inner<'e>(e: &'e Expr, rules: &BTreeSet<String>, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::RefDot { refr, .. } => ref_inner(refr, rules, out),
        Expr::RefBrack { refr, index, .. } => {
            ref_inner(refr, rules, out);
            operand(index, rules, out);
        }
        Expr::Var { .. } => {}
        other => operand(other, rules, out),
    }
}

/// The references into `input` OPA's compiler moves out of a literal `e` into literals of their
/// own (`count(input.x) > 0`: `input.x`), which its rule index then requires to be defined. A
/// reference that is a side of `=`/`==` stays where it is.
fn index_refs<'e>(e: &'e Expr, roots: &BTreeSet<String>, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::AssignExpr {
            op: AssignOp::Eq,
            lhs,
            rhs,
            ..
        }
        | Expr::BoolExpr {
            op: BoolOp::Eq,
            lhs,
            rhs,
            ..
        } => {
            for side in [lhs, rhs] {
                match &**side {
                    Expr::RefDot { .. } | Expr::RefBrack { .. } => ref_indices(side, roots, out),
                    other => deep_refs(other, roots, out),
                }
            }
        }
        Expr::RefDot { .. } | Expr::RefBrack { .. } => ref_indices(e, roots, out),
        Expr::Call { params, .. } => params.iter().for_each(|p| deep_refs(p, roots, out)),
        _ => children(e)
            .into_iter()
            .for_each(|c| deep_refs(c, roots, out)),
    }
}

/// The references into `input` in the indices of reference `e`.
fn ref_indices<'e>(e: &'e Expr, roots: &BTreeSet<String>, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::RefDot { refr, .. } => ref_indices(refr, roots, out),
        Expr::RefBrack { refr, index, .. } => {
            ref_indices(refr, roots, out);
            deep_refs(index, roots, out);
        }
        _ => {}
    }
}

/// Every reference into `input` without variables in `e`, comprehension bodies aside.
fn deep_refs<'e>(e: &'e Expr, roots: &BTreeSet<String>, out: &mut Vec<&'e Expr>) {
    match e {
        e if ground_doc(e, roots) => out.push(e),
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => {}
        Expr::Call { params, .. } => params.iter().for_each(|p| deep_refs(p, roots, out)),
        _ => children(e)
            .into_iter()
            .for_each(|c| deep_refs(c, roots, out)),
    }
}

/// Whether `e` is a reference without variables into `input` (`input.a[0]["b"]`) or into a
/// base document of `data` (one that no rule of the tree is under or above, `rules` holding
/// each rule's `package.name`): OPA's index does not look into rules.
fn ground_doc(e: &Expr, rules: &BTreeSet<String>) -> bool {
    let mut base = e;
    let mut path: Vec<&str> = Vec::new();
    loop {
        match base {
            Expr::RefDot { refr, field, .. } => {
                path.push(field.0.text());
                base = refr;
            }
            Expr::RefBrack { refr, index, .. } if is_scalar(index) => {
                path.push(index.span().text());
                base = refr;
            }
            Expr::Var { span, .. } => {
                path.reverse();
                return match span.text() {
                    "input" => !path.is_empty(),
                    "data" => !path.is_empty() && !under_rules(&path, rules),
                    _ => false,
                };
            }
            _ => return false,
        }
    }
}

/// Whether the `data` path `path` is above, at or under one of `rules` (`pkg.name`).
fn under_rules(path: &[&str], rules: &BTreeSet<String>) -> bool {
    rules.iter().any(|r| {
        let rule: Vec<&str> = r.split('.').collect();
        let n = rule.len().min(path.len());
        rule[..n] == path[..n]
    })
}

/// `package.name` of every rule of `module`.
pub fn module_rule_paths(module: &Module) -> BTreeSet<String> {
    let package = module.package.refr.span().text();
    let package = package.strip_prefix("data.").unwrap_or(package);
    module
        .policy
        .iter()
        .map(|rule| format!("{package}.{}", super::ast::rule_name(rule)))
        .collect()
}

/// A value OPA's rule index compares with: a scalar, or an array of such values (not an
/// object or set: `input.x == {}` is evaluated in its turn).
fn is_ground_value(e: &Expr) -> bool {
    match e {
        Expr::Array { items, .. } => items.iter().all(|i| is_ground_value(i)),
        e => is_scalar(e),
    }
}

fn is_scalar(e: &Expr) -> bool {
    matches!(
        e,
        Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. }
    )
}

/// The references into `input` in `e`, comprehension bodies aside.
fn input_refs<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::RefDot { .. } | Expr::RefBrack { .. } => {
            let mut base = e;
            while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = base {
                base = refr;
            }
            match base {
                Expr::Var { span, .. } if span.text() == "input" && !has_wildcard(e) => out.push(e),
                _ => children(e).into_iter().for_each(|c| input_refs(c, out)),
            }
        }
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => {}
        _ => children(e).into_iter().for_each(|c| input_refs(c, out)),
    }
}

/// Whether `e` calls a function or operator (comprehension bodies aside).
/// The one-argument `walk(x)` calls in `e`, comprehensions aside (see
/// [`Walk::walk_relations`]).
fn walk_calls<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match e {
        Expr::Call { fcn, params, .. } if fcn.span().text() == "walk" && params.len() == 1 => {
            out.push(e)
        }
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => {}
        _ => children(e).into_iter().for_each(|c| walk_calls(c, out)),
    }
}

fn has_call(e: &Expr) -> bool {
    match e {
        Expr::Call { .. }
        | Expr::ArithExpr { .. }
        | Expr::BinExpr { .. }
        | Expr::BoolExpr { .. }
        | Expr::UnaryExpr { .. }
        | Expr::Membership { .. } => true,
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => false,
        _ => children(e).into_iter().any(has_call),
    }
}

/// Whether `e` holds `_` (unsafe outside the negation; OPA refuses such a `not`).
fn has_wildcard(e: &Expr) -> bool {
    match e {
        Expr::Var { span, .. } => span.text() == "_",
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => false,
        _ => children(e).into_iter().any(has_wildcard),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{show, Policy};
    use crate::tree::PolicyTree;

    /// `data.p` as text, or the error, with `input` the JSON text `input`.
    fn eval(src: &str, input: &str) -> String {
        let test = format!("package t\n\nv := x if {{ x := data.p with input as {input} }}\n");
        let t = PolicyTree::of(&[("p.rego", src), ("t.rego", &test)]);
        let mut p = match Policy::load(&t, &serde_json::json!({})) {
            Ok(p) => p,
            Err(e) => return format!("error: {e}"),
        };
        match p.eval("t", "v") {
            Ok(v) => show(&v),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn a_paren_line_after_a_line_with_set_is_a_new_literal() {
        let src = "package p\n\ns if {\n\tset() != input.zz\n\t(1 + 2) in input.s\n}\n";
        assert_eq!(eval(src, r#"{"s": [3], "zz": []}"#), r#"{"s":true}"#);
    }

    #[test]
    fn not_fails_on_an_undefined_operand_as_in_opa() {
        let src = "package p\n\na if not startswith(input.x, \"a\")\nb if { not input.x }\n\
                   c if { not input.x == 1 }\nd if { not count([input.x]) == 1 }\n";
        assert_eq!(eval(src, "{}"), r#"{"b":true,"c":true}"#);
        assert_eq!(eval(src, r#"{"x": "b"}"#), r#"{"a":true,"c":true}"#);
    }

    #[test]
    fn what_moves_out_of_a_not_keeps_its_with() {
        let src = "package p\n\na if { not startswith(input.x, \"a\") with input.x as \"\" }\n";
        assert_eq!(eval(src, "{}"), r#"{"a":true}"#);
    }

    #[test]
    fn an_undefined_with_value_makes_the_literal_undefined() {
        let src = "package p\n\na if { true with input.c as input.e[1] }\n\
                   b if { true with input as {\"x\": input.e} }\n\
                   c if not false with input.c as input.e\n";
        assert_eq!(eval(src, "{}"), "{}");
        assert_eq!(
            eval(src, r#"{"e": [0, 1]}"#),
            r#"{"a":true,"b":true,"c":true}"#
        );
    }

    #[test]
    fn the_rule_index_rules_a_body_out_before_an_earlier_error() {
        let src = "package p\n\na if { 0 < to_number(\"b\"); input.zz }\n\
                   b if { 0 < to_number(\"b\"); input.s == \"y\" }\n\
                   c := count(input.zz) if { 0 < to_number(\"b\") }\n";
        assert_eq!(eval(src, r#"{"s": "x"}"#), "{}");
        let out = eval(src, r#"{"s": "y"}"#);
        assert!(
            out.contains("p.rego:4:21: eval_builtin_error: to_number"),
            "{out}"
        );
    }

    #[test]
    fn some_in_a_scalar_iterates_nothing() {
        let src =
            "package p\n\ns contains x if { some x in input.n }\nk := [i | some i, _ in input.n]\n";
        assert_eq!(eval(src, r#"{"n": 1}"#), r#"{"k":[],"s":[]}"#);
        assert_eq!(eval(src, r#"{"n": "ab"}"#), r#"{"k":[],"s":[]}"#);
        assert_eq!(eval(src, r#"{"n": [7]}"#), r#"{"k":[0],"s":[7]}"#);
    }

    #[test]
    fn some_wildcard_in_a_collection_of_variables() {
        let src = "package p\n\na if { x1 := false; x2 := x1; some _, _ in {x2} }\n\
                   b if { x := 1; some _ in [x]; some _ in [x] }\n";
        assert_eq!(eval(src, "{}"), r#"{"a":true,"b":true}"#);
    }

    #[test]
    fn a_line_starting_with_a_paren_is_a_new_literal() {
        let src = "package p\n\na if {\n\tx := input.x\n(x == 2)\n}\n";
        assert_eq!(eval(src, r#"{"x": 2}"#), r#"{"a":true}"#);
        assert_eq!(eval(src, r#"{"x": 3}"#), "{}");
    }

    #[test]
    fn errors_keep_the_columns_as_written() {
        // Same width, so the same column: with a `not` (rewritten) and without.
        let src = "package p\n\na if { not startswith(input.x, \"a\"); x := 1 / 0 }\n";
        let plain = "package p\n\na if { 0 < count([input.x, \"abcd\"]); x := 1 / 0 }\n";
        let out = eval(src, r#"{"x": "b"}"#);
        assert!(
            out.contains("p.rego:3:45: eval_builtin_error: div: divide by zero"),
            "{out}"
        );
        let out = eval(plain, r#"{"x": "b"}"#);
        assert!(
            out.contains("p.rego:3:45: eval_builtin_error: div: divide by zero"),
            "{out}"
        );
    }

    #[test]
    fn a_with_value_that_evaluates_rules_leaves_them_defined_under_the_with() {
        let lib = "package lib\nkind := \"K\"\nkinds := {kind}\n\
                   matching := [a | some a in input.atts; a.kind in kinds]\n";
        let t = "package t\nimport data.lib\nmock(x) := [{\"kind\": lib.kind, \"x\": x}]\n\
                 a := n if { n := count(lib.matching) with input.atts as mock(1) }\n\
                 b := n if { n := count(lib.matching) with input as {\"atts\": mock(1)} }\n";
        let tree = PolicyTree::of(&[("lib.rego", lib), ("t.rego", t)]);
        let mut p = Policy::load(&tree, &serde_json::json!({})).unwrap();
        for r in ["a", "b"] {
            assert_eq!(show(&p.eval("t", r).unwrap()), "1", "{r}");
        }
    }

    #[test]
    fn a_one_argument_walk_is_a_relation() {
        let src = "package p\ndoc := {\"m\": {\"a\": 1}}\n\
                   keys := [k | some _, v in walk(doc); some k, _ in v.m]\n\
                   pairs contains x if x := walk(doc)\n";
        let tree = PolicyTree::of(&[("p.rego", src)]);
        let mut p = Policy::load(&tree, &serde_json::json!({})).unwrap();
        assert_eq!(show(&p.eval("p", "keys").unwrap()), r#"["a"]"#);
        // Three pairs (the root, `m`, `m.a`), not one array of them.
        let pairs = p.eval("p", "pairs").unwrap();
        assert_eq!(pairs.as_set().map(|s| s.len()).ok(), Some(3));
    }

    #[test]
    fn an_undefined_left_side_of_a_comparison_stops_before_the_right_side() {
        let src = "package p\nf(x) := x if x > 1\n\
                   a if f(1) == to_number(\"x\")\n\
                   b := 1 if { not a }\n";
        let tree = PolicyTree::of(&[("p.rego", src)]);
        let mut p = Policy::load(&tree, &serde_json::json!({})).unwrap();
        assert_eq!(show(&p.eval("p", "b").unwrap()), "1");
    }
}
