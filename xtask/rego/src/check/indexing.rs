//! References OPA's type checker refuses as `undefined ref` because the value indexed has a
//! type known from its literal: an array literal's element past its end or under a key that is
//! no index (`[1, 2][5]`, `[1, 2]["a"]`), an object literal's key it lacks (`{"a": 1}.b`), and
//! any key of a string, number, boolean or null. An empty `[]` or `{}` is open (any key). A
//! local assigned such a literal once (`x := [1, 2]; x[5]`) is the literal. Only constant keys:
//! a variable key leaves the type open.

use std::collections::HashMap;

use regorus::unstable::{Expr, Literal, Rule, Span};
use regorus::Value;

use super::safety::declaration_counts;
use super::{is_colon_eq, walk_rule, Program, Refusal};
use crate::ast::literal_value;

/// What a literal's type says about its keys.
enum Shape<'a> {
    /// An array of this many elements.
    Array(&'a [regorus::unstable::Ref<Expr>]),
    /// An object whose keys are all constants.
    Object(
        &'a [(
            Span,
            regorus::unstable::Ref<Expr>,
            regorus::unstable::Ref<Expr>,
        )],
    ),
    /// A string, number, boolean or null: no key at all.
    Scalar,
}

/// A constant key: its value, or `None` for a negative number (`-1`: no array index either).
enum Key {
    Value(Value),
    Negative,
}

pub(crate) fn undefined_refs(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for m in prog.mods {
        let globals = prog.rule_names.get(&m.package);
        for rule in &m.module.policy {
            let consts = constants(rule, &|n| globals.is_some_and(|g| g.contains(n)));
            walk_rule(rule, &mut |e, _| {
                let (refr, key) = match e {
                    Expr::RefBrack { refr, index, .. } => (refr, key(index)),
                    Expr::RefDot { refr, field, .. } => (refr, Some(Key::Value(field.1.clone()))),
                    _ => return,
                };
                let (Some(key), Some(shape)) = (key, shape(refr, &consts, true)) else {
                    return;
                };
                if !has(&shape, &key) {
                    let msg = format!("undefined ref: {}", e.span().text());
                    out.push(m.refusal(e.span(), "rego_type_error", msg));
                }
            });
        }
    }
    out
}

/// Locals of `rule` assigned (`:=`) once, at the top of a body, without `with`: name → value.
fn constants<'a>(rule: &'a Rule, is_rule: &dyn Fn(&str) -> bool) -> HashMap<&'a str, &'a Expr> {
    let mut out = HashMap::new();
    let Rule::Spec { bodies, .. } = rule else {
        return out;
    };
    let literal = |e: &Expr| {
        matches!(
            e,
            Expr::Array { .. }
                | Expr::Object { .. }
                | Expr::String { .. }
                | Expr::RawString { .. }
                | Expr::Number { .. }
                | Expr::Bool { .. }
                | Expr::Null { .. }
        )
    };
    // Counting declarations walks the whole rule: only for a rule that assigns a literal.
    let assigns_literal = bodies.iter().flat_map(|b| &b.query.stmts).any(|s| {
        matches!(&s.literal, Literal::Expr { expr, .. }
            if matches!(&**expr, Expr::AssignExpr { rhs, .. } if literal(rhs)))
    });
    if !assigns_literal {
        return out;
    }
    let counts = declaration_counts(rule);
    for stmt in bodies.iter().flat_map(|b| &b.query.stmts) {
        let Literal::Expr { expr, .. } = &stmt.literal else {
            continue;
        };
        let Expr::AssignExpr { op, lhs, rhs, .. } = &**expr else {
            continue;
        };
        let Expr::Var { span, .. } = &**lhs else {
            continue;
        };
        let name = span.text();
        // With several bodies, another body may mean the package's rule of that name.
        let ambiguous = bodies.len() > 1 && is_rule(name);
        if is_colon_eq(op)
            && stmt.with_mods.is_empty()
            && counts.get(name) == Some(&1)
            && !ambiguous
        {
            out.insert(name, &**rhs);
        }
    }
    out
}

fn key(e: &Expr) -> Option<Key> {
    match e {
        Expr::String { value, .. }
        | Expr::RawString { value, .. }
        | Expr::Number { value, .. }
        | Expr::Bool { value, .. }
        | Expr::Null { value, .. } => Some(Key::Value(value.clone())),
        Expr::UnaryExpr { expr, .. } if matches!(**expr, Expr::Number { .. }) => {
            Some(Key::Negative)
        }
        _ => None,
    }
}

/// The shape of `e` when its type is that of a literal; `vars`: through a constant local.
fn shape<'a>(e: &'a Expr, consts: &HashMap<&str, &'a Expr>, vars: bool) -> Option<Shape<'a>> {
    match e {
        // An empty literal's type is open (`[]`, `{}`: any element, any key).
        Expr::Array { items, .. } => (!items.is_empty()).then_some(Shape::Array(items)),
        Expr::Object { fields, .. } => (!fields.is_empty()
            && fields
                .iter()
                .all(|(_, k, _)| matches!(key(k), Some(Key::Value(_)))))
        .then_some(Shape::Object(fields)),
        Expr::String { .. }
        | Expr::RawString { .. }
        | Expr::Number { .. }
        | Expr::Bool { .. }
        | Expr::Null { .. } => Some(Shape::Scalar),
        Expr::Var { span, .. } if vars => shape(consts.get(span.text())?, consts, false),
        Expr::RefBrack { refr, index, .. } => element(shape(refr, consts, vars)?, key(index)?),
        Expr::RefDot { refr, field, .. } => {
            element(shape(refr, consts, vars)?, Key::Value(field.1.clone()))
        }
        _ => None,
    }
}

/// The shape of the element under `key`, when the literal has it and it is a literal.
fn element<'a>(of: Shape<'a>, key: Key) -> Option<Shape<'a>> {
    let item = match (of, key) {
        (Shape::Array(items), Key::Value(v)) => items.get(index(&v)?)?,
        (Shape::Object(fields), Key::Value(v)) => {
            &fields
                .iter()
                .find(|(_, k, _)| literal_value(k) == Some(&v))?
                .2
        }
        _ => return None,
    };
    shape(item, &HashMap::new(), false)
}

/// `v` as an array index: a non-negative whole number.
fn index(v: &Value) -> Option<usize> {
    let f = v.as_f64().ok()?;
    (f >= 0.0 && f.fract() == 0.0 && f < usize::MAX as f64).then_some(f as usize)
}

/// Whether a value of `shape` can have `key`.
fn has(shape: &Shape, key: &Key) -> bool {
    match (shape, key) {
        (Shape::Scalar, _) => false,
        (Shape::Array(_), Key::Negative) => false,
        (Shape::Array(items), Key::Value(v)) => index(v).is_some_and(|i| i < items.len()),
        (Shape::Object(_), Key::Negative) => true,
        (Shape::Object(fields), Key::Value(v)) => {
            fields.iter().any(|(_, k, _)| literal_value(k) == Some(v))
        }
    }
}
