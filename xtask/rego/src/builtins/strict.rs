//! OPA's operand type errors for the builtins regorus evaluates: every builtin of
//! `strict_table.rs` that regorus provides, and no other extension of ours replaces, is
//! registered under its own name; it checks its operands' kinds as OPA does (`eval_type_error:
//! NAME: operand N must be T but got U`), then calls regorus's own builtin.

use anyhow::{bail, Result};
use regorus::unstable::BUILTINS;
use regorus::{Engine, Value};

use super::panics::call_regorus;
use super::strict_table::{Operand, OPERANDS};
use super::strings::type_name;

/// Builtins regorus caches per query (`rand.intn` must repeat its answer): a wrapper would
/// bypass that cache, so these keep regorus's own words.
const SKIP: &[&str] = &["rand.intn", "uuid.rfc4122", "time.now_ns", "opa.runtime"];

/// Operands whose elements OPA checks too: builtin, operand, element kind, elements' plural
/// (`operand 1 must be array of numbers but got array containing string`).
const ELEMENTS: &[(&str, usize, char, &str)] = &[
    ("sum", 0, 'n', "numbers"),
    ("product", 0, 'n', "numbers"),
    ("object.union_n", 0, 'o', "objects"),
    ("strings.any_prefix_match", 0, 's', "strings"),
    ("strings.any_prefix_match", 1, 's', "strings"),
    ("strings.any_suffix_match", 0, 's', "strings"),
    ("strings.any_suffix_match", 1, 's', "strings"),
];

/// OPA's error for a collection operand with an element of the wrong kind, if any.
pub fn element_error(name: &str, i: usize, v: &Value, want: char, plural: &str) -> Result<()> {
    let (outer, bad) = match v {
        Value::Array(a) => ("array", a.iter().find(|x| kind(x) != want).cloned()),
        Value::Set(s) => ("set", s.iter().find(|x| kind(x) != want).cloned()),
        _ => return Ok(()),
    };
    match bad {
        Some(x) => bail!(
            "eval_type_error: {name}: operand {} must be {outer} of {plural} but got {outer} containing {}",
            i + 1,
            type_name(&x)
        ),
        None => Ok(()),
    }
}

pub fn register(engine: &mut Engine) -> Result<()> {
    for &(name, operands) in OPERANDS {
        if SKIP.contains(&name) {
            continue;
        }
        let Some(&(_, arity)) = BUILTINS.get(name) else {
            continue;
        };
        // Refused only when a family module already replaces the builtin: that one words its
        // own errors.
        let _ = engine.add_extension(
            name.into(),
            arity,
            Box::new(move |args: Vec<Value>| checked(name, operands, &args)),
        );
    }
    Ok(())
}

/// `name` with its operands checked as its wrapper checks them, for an extension of ours that
/// replaces the wrapper (`ordered.rs`: `sort`, `min`, `max`).
pub fn checked_call(name: &str, args: &[Value]) -> Result<Value> {
    let operands = OPERANDS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[][..], |(_, o)| *o);
    checked(name, operands, args)
}

/// The one-letter kind of `strict_table.rs`.
fn kind(v: &Value) -> char {
    match v {
        Value::Null => 'z',
        Value::Bool(_) => 'b',
        Value::Number(_) => 'n',
        Value::String(_) => 's',
        Value::Array(_) => 'a',
        Value::Object(_) => 'o',
        Value::Set(_) => 'S',
        Value::Undefined => 'u',
    }
}

/// Checks the operands in order, as OPA does, then evaluates with regorus.
fn checked(name: &str, operands: &[Operand], args: &[Value]) -> Result<Value> {
    for &(i, kinds, want) in operands {
        let Some(v) = args.get(i) else { continue };
        if !kinds.contains(kind(v)) {
            bail!(
                "eval_type_error: {name}: operand {} must be {want} but got {}",
                i + 1,
                type_name(v)
            );
        }
        // OPA's integer operands (`bits.*`) tell a fraction apart from a non-number.
        if want == "integer" {
            if let Value::Number(n) = v {
                if !n.is_integer() {
                    bail!(
                        "eval_type_error: {name}: operand {} must be integer number but got floating-point number",
                        i + 1
                    );
                }
            }
        }
    }
    for &(n, i, want, plural) in ELEMENTS {
        if n == name {
            if let Some(v) = args.get(i) {
                element_error(name, i, v, want, plural)?;
            }
        }
    }
    call_regorus(name, args)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(name: &'static str, args: serde_json::Value) -> Result<Value> {
        let ops = OPERANDS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, o)| *o)
            .unwrap_or(&[]);
        let args: Vec<Value> = match Value::from(args) {
            Value::Array(a) => a.to_vec(),
            _ => vec![],
        };
        checked(name, ops, &args)
    }

    #[test]
    fn wrong_kinds_are_worded_as_opa() {
        let e = run("count", json!([1])).unwrap_err().to_string();
        assert_eq!(
            e,
            "eval_type_error: count: operand 1 must be one of {array, object, set, string} but got number"
        );
        let e = run("bits.or", json!([1, 1.5])).unwrap_err().to_string();
        assert_eq!(
            e,
            "eval_type_error: bits.or: operand 2 must be integer number but got floating-point number"
        );
        let e = run("sum", json!([[1, "a"]])).unwrap_err().to_string();
        assert_eq!(
            e,
            "eval_type_error: sum: operand 1 must be array of numbers but got array containing string"
        );
        let e = run("split", json!(["a", 1])).unwrap_err().to_string();
        assert_eq!(
            e,
            "eval_type_error: split: operand 2 must be string but got number"
        );
    }

    #[test]
    fn well_typed_calls_reach_regorus() {
        assert_eq!(run("count", json!(["héllo"])).unwrap(), Value::from(5u64));
        assert_eq!(
            run("split", json!(["a,b", ","])).unwrap(),
            Value::from(json!(["a", "b"]))
        );
        assert_eq!(run("bits.and", json!([6, 3])).unwrap(), Value::from(2u64));
        assert_eq!(run("sum", json!([[1, 2.5]])).unwrap(), Value::from(3.5));
    }
}
