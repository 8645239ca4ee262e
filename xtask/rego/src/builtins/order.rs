//! OPA's order of values: null < boolean < number < string < array < object < set. regorus's
//! derived `Value` order puts sets before objects, which shows wherever a set is compared with an
//! object at any depth: the comparison operators, `sort`, `min`/`max`, the order a set holding
//! both is iterated in and rendered in (`json.marshal`, `sprintf("%v")`, `policy-eval` output).
//!
//! This module is the order itself, over values only; the extensions that use it are in
//! `ordered.rs`, the rewrite that writes `a < b` as their calls in `order_rewrite.rs`. The
//! places here re-sort only a collection whose elements hold a set or an object, so plain
//! numbers and strings cost one scan at most.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use regorus::value::{Object, Set};
use regorus::Value;

/// Whether `v` is or holds a set or an object (where regorus's order may differ from OPA's).
pub(crate) fn holds_collection(v: &Value) -> bool {
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
pub(crate) fn sorted<'v>(values: impl Iterator<Item = &'v Value>) -> Vec<&'v Value> {
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
pub(crate) fn mixed(v: &Value) -> Option<Vec<&Value>> {
    match v {
        Value::Array(a) if a.iter().any(holds_collection) => Some(a.iter().collect()),
        Value::Set(s) if s.iter().any(holds_collection) => Some(s.iter().collect()),
        _ => None,
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
}
