//! Small walks over regorus's syntax tree and its spans that several readers of a module share.

use regorus::unstable::{Expr, Rule, RuleHead};

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
