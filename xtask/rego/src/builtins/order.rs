//! OPA's order of values: null < boolean < number < string < array < object < set. regorus's
//! derived `Value` order puts sets before objects, which shows wherever a set is compared with an
//! object at any depth: the comparison operators, `sort`, `min`/`max`, the order a set holding
//! both is iterated in and rendered in (`json.marshal`, `sprintf("%v")`, `policy-eval` output).
//!
//! regorus's operators cannot be replaced by an extension, so `a < b` is written as
//! `__xtask_lt(a, b)` before regorus parses a module, except where a side is a scalar for sure
//! (a literal, arithmetic, `count(..)`): against a scalar both orders agree, and the common
//! comparison stays regorus's own. The other places re-sort only a collection whose elements
//! hold a set or an object, so plain numbers and strings cost one scan at most.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use anyhow::Result;
use regorus::unstable::{BoolOp, Expr, Module};
use regorus::value::{Object, Set};
use regorus::{Engine, Value};

use crate::check::walk_rule;
use crate::with::Edit;

/// The comparison extensions, by operator.
const OPERATORS: &[(BoolOp, &str)] = &[
    (BoolOp::Lt, "__xtask_lt"),
    (BoolOp::Le, "__xtask_lte"),
    (BoolOp::Gt, "__xtask_gt"),
    (BoolOp::Ge, "__xtask_gte"),
];

/// The extension `some x in c` iterates through (`lang.rs`): as `lang::ITER` (a scalar is
/// `[]`), and a set whose elements hold sets or objects becomes an array in OPA's order.
pub const ITER_ORDERED: &str = "__xtask_iter_ordered";

/// OPA's rank of a value's type.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
        Value::Set(_) => 6,
        Value::Undefined => 7,
    }
}

/// Whether `v` is or holds a set or an object (where regorus's order may differ from OPA's).
fn holds_collection(v: &Value) -> bool {
    match v {
        Value::Set(_) | Value::Object(_) => true,
        Value::Array(a) => a.iter().any(holds_collection),
        _ => false,
    }
}

/// OPA's comparison of two values.
pub fn cmp(a: &Value, b: &Value) -> Ordering {
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb {
        return ra.cmp(&rb);
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => seq(x.iter(), y.iter()),
        (Value::Set(x), Value::Set(y)) => seq(items(x).into_iter(), items(y).into_iter()),
        (Value::Object(x), Value::Object(y)) => {
            let (ex, ey) = (entries(x), entries(y));
            for ((kx, vx), (ky, vy)) in ex.iter().zip(&ey) {
                let c = cmp(kx, ky).then_with(|| cmp(vx, vy));
                if c != Ordering::Equal {
                    return c;
                }
            }
            ex.len().cmp(&ey.len())
        }
        _ => a.cmp(b),
    }
}

fn seq<'a>(x: impl Iterator<Item = &'a Value>, mut y: impl Iterator<Item = &'a Value>) -> Ordering {
    for a in x {
        let Some(b) = y.next() else {
            return Ordering::Greater;
        };
        let c = cmp(a, b);
        if c != Ordering::Equal {
            return c;
        }
    }
    match y.next() {
        Some(_) => Ordering::Less,
        None => Ordering::Equal,
    }
}

/// A set's elements in OPA's order.
pub fn items(s: &Set) -> Vec<&Value> {
    let mut v: Vec<&Value> = s.iter().collect();
    if v.iter().any(|x| holds_collection(x)) {
        v.sort_by(|a, b| cmp(a, b));
    }
    v
}

/// An object's entries in OPA's order of keys.
pub fn entries(o: &Object) -> Vec<(&Value, &Value)> {
    let mut v: Vec<(&Value, &Value)> = o.iter().collect();
    if o.keys().any(holds_collection) {
        v.sort_by(|a, b| cmp(a.0, b.0));
    }
    v
}

/// Whether rendering `v` needs [`for_json`]: a set somewhere whose elements hold a collection.
fn needs_reorder(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.iter().any(needs_reorder),
        Value::Set(s) => s.iter().any(|x| holds_collection(x) || needs_reorder(x)),
        Value::Object(o) => o.iter().any(|(k, v)| needs_reorder(k) || needs_reorder(v)),
        _ => false,
    }
}

/// `v` as its JSON text shows it in OPA: each set that regorus would iterate in another order
/// becomes an array in OPA's order (a set is a JSON array anyway). `None`: `v` shows as it is.
pub fn for_json(v: &Value) -> Option<Value> {
    needs_reorder(v).then(|| reordered(v))
}

fn reordered(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::from(a.iter().map(reordered).collect::<Vec<_>>()),
        Value::Set(s) => Value::from(items(s).into_iter().map(reordered).collect::<Vec<_>>()),
        Value::Object(o) => {
            let mut out = BTreeMap::new();
            for (k, v) in o.iter() {
                out.insert(k.clone(), reordered(v));
            }
            Value::from(out)
        }
        other => other.clone(),
    }
}

/// Query results as [`for_json`] would render them (`None`: nothing to reorder).
pub fn results_for_json(r: &regorus::QueryResults) -> Option<regorus::QueryResults> {
    let any = r.result.iter().any(|q| {
        needs_reorder(&q.bindings) || q.expressions.iter().any(|e| needs_reorder(&e.value))
    });
    if !any {
        return None;
    }
    let mut out = r.clone();
    for q in out.result.iter_mut() {
        q.bindings = reordered(&q.bindings);
        for e in q.expressions.iter_mut() {
            e.value = reordered(&e.value);
        }
    }
    Some(out)
}

/// The elements of `sort`/`min`/`max`'s operand, when OPA's order may differ from regorus's.
fn mixed(v: &Value) -> Option<Vec<&Value>> {
    let all: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Set(s) => s.iter().collect(),
        _ => return None,
    };
    all.iter().any(|x| holds_collection(x)).then_some(all)
}

pub fn register(engine: &mut Engine) -> Result<()> {
    for (i, &(_, name)) in OPERATORS.iter().enumerate() {
        engine.add_extension(
            name.into(),
            2,
            Box::new(move |args: Vec<Value>| {
                let c = cmp(&args[0], &args[1]);
                // In the order of `OPERATORS`: `<`, `<=`, `>`, `>=`.
                Ok(Value::from(match i {
                    0 => c == Ordering::Less,
                    1 => c != Ordering::Greater,
                    2 => c == Ordering::Greater,
                    _ => c != Ordering::Less,
                }))
            }),
        )?;
    }
    engine.add_extension(
        ITER_ORDERED.into(),
        1,
        Box::new(|mut args: Vec<Value>| {
            Ok(match args.pop() {
                Some(Value::Set(s)) if s.iter().any(holds_collection) => {
                    Value::from(items(&s).into_iter().cloned().collect::<Vec<_>>())
                }
                Some(v @ (Value::Array(_) | Value::Set(_) | Value::Object(_))) => v,
                _ => Value::new_array(),
            })
        }),
    )?;
    engine.add_extension(
        "sort".into(),
        1,
        Box::new(|args: Vec<Value>| {
            let out = super::strict::checked_call("sort", &args)?;
            Ok(match mixed(&args[0]) {
                Some(mut all) => {
                    all.sort_by(|a, b| cmp(a, b));
                    Value::from(all.into_iter().cloned().collect::<Vec<_>>())
                }
                None => out,
            })
        }),
    )?;
    for (name, want) in [("min", Ordering::Less), ("max", Ordering::Greater)] {
        engine.add_extension(
            name.into(),
            1,
            Box::new(move |args: Vec<Value>| {
                let out = super::strict::checked_call(name, &args)?;
                Ok(match mixed(&args[0]) {
                    Some(all) => all
                        .into_iter()
                        .reduce(|best, x| if cmp(x, best) == want { x } else { best })
                        .cloned()
                        .unwrap_or(Value::Undefined),
                    None => out,
                })
            }),
        )?;
    }
    Ok(())
}

/// Whether `e` is a scalar for sure, whatever the input: a comparison with it is the same in
/// both orders.
fn scalar(e: &Expr) -> bool {
    match e {
        Expr::String { .. }
        | Expr::RawString { .. }
        | Expr::Number { .. }
        | Expr::Bool { .. }
        | Expr::Null { .. }
        | Expr::ArithExpr { .. }
        | Expr::UnaryExpr { .. } => true,
        Expr::Call { fcn, .. } => matches!(
            fcn.span().text(),
            "count"
                | "sum"
                | "product"
                | "to_number"
                | "abs"
                | "round"
                | "ceil"
                | "floor"
                | "time.now_ns"
                | "time.parse_rfc3339_ns"
                | "time.parse_ns"
                | "time.parse_duration_ns"
                | "time.add_date"
                | "units.parse"
                | "units.parse_bytes"
                | "lower"
                | "upper"
                | "concat"
                | "sprintf"
                | "trim_space"
                | "format_int"
                | "indexof"
                | "semver.compare"
                | "strings.count"
        ),
        _ => false,
    }
}

/// Whether `text` may hold a comparison (a cheap test before walking the module).
pub fn may_apply(text: &str) -> bool {
    text.contains('<') || text.contains('>')
}

/// The edits that write each `a < b` (`<=`, `>`, `>=`) of `module` whose sides may both be
/// collections as a call of the comparison extension: `__xtask_lt(a , b)`. Only insertions and
/// the operator replaced by as wide a text, so the loader's column shifts map errors back.
pub fn edits(module: &Module, text: &str) -> Vec<Edit> {
    let mut out = Vec::new();
    for rule in &module.policy {
        walk_rule(rule, &mut |e, _| {
            let Expr::BoolExpr {
                span, op, lhs, rhs, ..
            } = e
            else {
                return;
            };
            let Some(&(_, name)) = OPERATORS.iter().find(|(o, _)| o == op) else {
                return;
            };
            if scalar(lhs) || scalar(rhs) {
                return;
            }
            let (start, lend) = (starts(text, lhs.span().start), ends(text, lhs));
            let (rstart, end) = (starts(text, rhs.span().start), ends(text, rhs));
            if end > ends_span(text, span) {
                return;
            }
            let Some(gap) = text.get(lend..rstart) else {
                return;
            };
            // Only the operator between the sides (a parenthesized side, a comment: left alone).
            let Some(at) = gap.find(['<', '>']) else {
                return;
            };
            let width = if gap[at + 1..].starts_with('=') { 2 } else { 1 };
            if !matches!(gap.trim(), "<" | "<=" | ">" | ">=") {
                return;
            }
            let at = lend + at;
            out.push(edit(text, start, start, &format!("{name}(")));
            out.push(edit(
                text,
                at,
                at + width,
                &format!(",{}", " ".repeat(width - 1)),
            ));
            out.push(edit(text, end, end, ")"));
        });
    }
    out
}

/// Where a term starts: regorus starts a string literal's span after its opening quote.
pub(crate) fn starts(text: &str, start: u32) -> usize {
    let at = start as usize;
    match at.checked_sub(1).and_then(|b| text.as_bytes().get(b)) {
        Some(b'"' | b'`') => at - 1,
        _ => at,
    }
}

/// Where a term ends. regorus's span of an empty `set()` runs on over the next token.
fn ends(text: &str, e: &Expr) -> usize {
    let span = e.span();
    if let Expr::Set { items, .. } = e {
        if items.is_empty() {
            if let Some(close) = span.text().find(')') {
                return span.start as usize + close + 1;
            }
        }
    }
    ends_span(text, span)
}

/// Where a span ends: regorus ends a string literal's span before its closing quote.
fn ends_span(text: &str, span: &regorus::unstable::Span) -> usize {
    let s = starts(text, span.start);
    let body = text.get(s..span.end as usize).unwrap_or("");
    match crate::ast::open_string(body) {
        true => span.end as usize + 1,
        false => span.end as usize,
    }
}

fn edit(text: &str, start: usize, end: usize, new: &str) -> Edit {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json_str(json).unwrap()
    }

    #[test]
    fn objects_order_before_sets() {
        let set = Value::new_set();
        let obj = Value::new_object();
        assert_eq!(cmp(&obj, &set), Ordering::Less);
        assert_eq!(
            cmp(&v("[{}]"), &Value::from(vec![set.clone()])),
            Ordering::Less
        );
        assert_eq!(cmp(&v("[1]"), &v("[1, 2]")), Ordering::Less);
        assert_eq!(cmp(&v(r#"{"a": 1}"#), &v(r#"{"a": 2}"#)), Ordering::Less);
        assert_eq!(cmp(&v(r#"{"a": 1}"#), &v(r#"{"b": 0}"#)), Ordering::Less);
        let s: Set = [set.clone(), obj.clone()].into_iter().collect();
        assert_eq!(items(&s), vec![&obj, &set]);
    }

    #[test]
    fn comparisons_with_a_scalar_side_stay_operators() {
        let text = "package p\n\nr if {\n\tinput.a < input.b\n\tcount(x) > 0\n\t[1] >= {}\n\t\"a\" <= input.s\n}\n";
        let src = crate::engine::source_as_is("p.rego".into(), text.into()).unwrap();
        let module = crate::engine::parse(&src).unwrap();
        let mut edits = edits(&module, text);
        edits.sort_by_key(|e| (e.start, e.end));
        let mut out = String::new();
        let mut copied = 0;
        for e in edits {
            out.push_str(&text[copied..e.start]);
            out.push_str(&e.text);
            copied = e.end;
        }
        out.push_str(&text[copied..]);
        assert_eq!(
            out,
            "package p\n\nr if {\n\t__xtask_lt(input.a , input.b)\n\tcount(x) > 0\n\t__xtask_gte([1] ,  {})\n\t\"a\" <= input.s\n}\n"
        );
    }
}
