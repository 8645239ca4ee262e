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
    if !holds_collection(a) && !holds_collection(b) {
        return a.cmp(b);
    }
    key(a).cmp(&key(b))
}

/// `v` with objects and sets swapped, so that regorus's own order of the result is OPA's order
/// of `v`: an object becomes the set of its `[key, value]` pairs (regorus orders sets after
/// arrays and before objects, pairs by key then value, then by length, as OPA orders objects),
/// a set becomes an object of its elements as keys (ordered element by element, then by
/// length, as OPA orders sets). Computed once per value, so a comparison stays linear however
/// deep sets nest.
fn key(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::from(a.iter().map(key).collect::<Vec<_>>()),
        Value::Object(o) => {
            let pairs: Set = o
                .iter()
                .map(|(k, v)| Value::from(vec![key(k), key(v)]))
                .collect();
            Value::from(pairs)
        }
        Value::Set(s) => {
            let mut out = BTreeMap::new();
            for e in s.iter() {
                out.insert(key(e), Value::Null);
            }
            Value::from(out)
        }
        other => other.clone(),
    }
}

/// `values` sorted in OPA's order (each keyed once).
fn sorted<'v>(values: impl Iterator<Item = &'v Value>) -> Vec<&'v Value> {
    let mut keyed: Vec<(Value, &Value)> = values.map(|v| (key(v), v)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    keyed.into_iter().map(|(_, v)| v).collect()
}

/// A set's elements in OPA's order.
pub fn items(s: &Set) -> Vec<&Value> {
    match s.iter().any(holds_collection) {
        true => sorted(s.iter()),
        false => s.iter().collect(),
    }
}

/// An object's entries in OPA's order of keys.
pub fn entries(o: &Object) -> Vec<(&Value, &Value)> {
    if !o.keys().any(holds_collection) {
        return o.iter().collect();
    }
    sorted(o.keys())
        .into_iter()
        .filter_map(|k| o.get(k).map(|v| (k, v)))
        .collect()
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
    match v {
        Value::Array(a) if a.iter().any(holds_collection) => Some(a.iter().collect()),
        Value::Set(s) if s.iter().any(holds_collection) => Some(s.iter().collect()),
        _ => None,
    }
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
                Some(all) => Value::from(
                    sorted(all.into_iter())
                        .into_iter()
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
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
            // regorus's spans of the sides can be off (an object holding `set()`); the whole
            // comparison's is not, and its one operator outside brackets is this one.
            let (start, end) = (starts(text, span.start), ends_span(text, span));
            let Some(whole) = text.get(start..end) else {
                return;
            };
            let Some((at, width)) = sole_operator(whole) else {
                return;
            };
            let at = start + at;
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

/// A `policy-eval` query with its comparisons in OPA's order (`None`: nothing to change), and
/// the text of each of its literals as written, for the results to show.
pub fn rewrite_query(query: &str) -> Option<(String, Vec<String>)> {
    if !may_apply(query) {
        return None;
    }
    // The query as the body of a rule, as `out_args::rewrite_query` reads it.
    let (head, tail) = ("package __xtask_query\n__xtask_q if {\n", "\n}\n");
    let text = format!("{head}{query}{tail}");
    let src = crate::engine::source_as_is("<query.rego>".into(), text.clone()).ok()?;
    let module = crate::engine::parse(&src).ok()?;
    let mut edits = edits(&module, &text);
    if edits.is_empty() {
        return None;
    }
    let written: Vec<String> = match module.policy.first().map(|r| &**r) {
        Some(regorus::unstable::Rule::Spec { bodies, .. }) => bodies
            .first()
            .map(|b| {
                b.query
                    .stmts
                    .iter()
                    .map(|s| {
                        let (start, end) = (starts(&text, s.span.start), ends_span(&text, &s.span));
                        text.get(start..end).unwrap_or("").to_string()
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    edits.sort_by_key(|e| (e.start, e.end));
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
    let out = out.strip_prefix(head)?.strip_suffix(tail)?.to_string();
    Some((out, written))
}

/// Where a term starts: regorus starts a string literal's span after its opening quote.
pub(crate) fn starts(text: &str, start: u32) -> usize {
    let at = start as usize;
    match at.checked_sub(1).and_then(|b| text.as_bytes().get(b)) {
        Some(b'"' | b'`') => at - 1,
        _ => at,
    }
}

/// The place and width of the one comparison operator of `text` outside brackets, strings and
/// comments; `None` when there is not exactly one (`(a < b) < c` is left as written).
fn sole_operator(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut depth, mut found, mut count) = (0i32, None, 0);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += 1;
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'<' | b'>' if depth == 0 => {
                count += 1;
                let width = if bytes.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                };
                found = Some((i, width));
                i += width - 1;
            }
            b'=' | b'!' if depth == 0 => count += 2, // `==`, `!=`, `=`: another operator
            _ => {}
        }
        i += 1;
    }
    (count == 1).then_some(found).flatten()
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
        let k = |x: Value| Value::from(BTreeMap::from([(Value::from("k"), x)]));
        assert_eq!(cmp(&k(obj.clone()), &k(set.clone())), Ordering::Less);
        assert_eq!(cmp(&v("{}"), &v(r#"{"a": 1}"#)), Ordering::Less);
        let one: Set = [Value::from(1)].into_iter().collect();
        assert_eq!(cmp(&set, &Value::from(one)), Ordering::Less);
    }

    #[test]
    fn a_query_compares_in_opa_order_and_keeps_its_text() {
        let (q, written) = rewrite_query("x := 1; {} < set()").unwrap();
        assert_eq!(q, "x := 1; __xtask_lt({} , set())");
        assert_eq!(written, ["x := 1", "{} < set()"]);
        assert_eq!(rewrite_query("count(x) > 1"), None);
    }

    #[test]
    fn deeply_nested_sets_compare_in_linear_time() {
        // Two elements per level, 40 levels: re-sorting at each level would take 2^40 steps.
        let mut a = Value::new_object();
        for i in 0..40 {
            let s: Set = [a.clone(), Value::from(i)].into_iter().collect();
            a = Value::from(vec![Value::from(s), Value::new_object()]);
        }
        let (x, y) = (
            Value::from(vec![a.clone(), v("{}")]),
            Value::from(vec![a, Value::new_set()]),
        );
        assert_eq!(cmp(&x, &y), Ordering::Less);
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
