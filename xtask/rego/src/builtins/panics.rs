//! Builtins on which regorus panics, replaced: `object.subset` (an empty array as the subset
//! panics in `windows(0)`) re-implemented with OPA's semantics, and builtins whose panics we
//! cannot yet rule out (`time.parse_ns` slices Unicode text at byte offsets) delegated to
//! regorus behind a per-call panic boundary, so a panic is that call's builtin error.

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use anyhow::{anyhow, bail, Result};
use regorus::unstable::{Expr, Parser, BUILTINS};
use regorus::{Engine, Source, Value};

use super::type_name;

/// Builtins delegated to regorus behind a panic boundary.
const PANIC_SAFE: &[&str] = &["time.parse_ns"];

pub fn register(engine: &mut Engine) -> Result<()> {
    engine.add_extension(
        "object.subset".into(),
        2,
        Box::new(|args: Vec<Value>| object_subset(&args)),
    )?;
    for &name in PANIC_SAFE {
        let Some(&(_, arity)) = BUILTINS.get(name) else {
            continue;
        };
        engine.add_extension(
            name.into(),
            arity,
            Box::new(move |args: Vec<Value>| call_regorus(name, &args)),
        )?;
    }
    Ok(())
}

thread_local! {
    /// One parsed call expression per builtin (`strict.rs` sends every call of 141 builtins
    /// through here): regorus's builtins take the argument expressions, for error spans.
    static CALLS: RefCell<HashMap<&'static str, Rc<Expr>>> = RefCell::new(HashMap::new());
}

/// Calls regorus's own builtin `name`, as the interpreter would (strict errors), on a synthetic
/// call expression for its argument spans; a panic becomes `eval_builtin_error: name: ...`.
pub fn call_regorus(name: &str, args: &[Value]) -> Result<Value> {
    let (&key, &(f, _)) = BUILTINS
        .get_key_value(name)
        .ok_or_else(|| anyhow!("{name}: no such builtin"))?;
    let expr = match CALLS.with(|c| c.borrow().get(key).cloned()) {
        Some(e) => e,
        None => {
            let vars: Vec<String> = (0..args.len()).map(|i| format!("a{i}")).collect();
            let src = Source::from_contents(name.into(), format!("{name}({})", vars.join(", ")))?;
            let e = Rc::new(Parser::new(&src)?.parse_expr()?);
            CALLS.with(|c| c.borrow_mut().insert(key, e.clone()));
            e
        }
    };
    let Expr::Call { span, params, .. } = expr.as_ref() else {
        bail!("{name}: not a call");
    };
    match panic::catch_unwind(AssertUnwindSafe(|| f(span, params, args, true))) {
        Ok(Ok(v)) => Ok(v),
        // regorus's message spans lines (location, excerpt, caret): keep the message.
        Ok(Err(e)) => {
            let text = e.to_string();
            let msg = text
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or_else(|| text.lines().last().unwrap_or(""));
            bail!("eval_builtin_error: {name}: {}", msg.trim())
        }
        Err(_) => bail!("eval_builtin_error: {name}: cannot handle these arguments"),
    }
}

/// OPA's `object.subset(super, sub)`: objects recursively, arrays as a contiguous run, sets as
/// subsets; at the top level a set may also be a subset of an array's elements.
fn object_subset(args: &[Value]) -> Result<Value> {
    let name = "object.subset";
    let (sup, sub) = match args {
        [a, b] => (a, b),
        _ => bail!("eval_type_error: {name}: expects 2 arguments"),
    };
    for (i, v) in [sup, sub].iter().enumerate() {
        if !matches!(v, Value::Object(_) | Value::Array(_) | Value::Set(_)) {
            bail!(
                "eval_type_error: {name}: operand {} must be one of {{object, array, set}} but got {}",
                i + 1,
                type_name(v)
            );
        }
    }
    let r = match (sup, sub) {
        (Value::Array(a), Value::Set(s)) => s.iter().all(|x| a.iter().any(|y| y == x)),
        (Value::Object(_), Value::Object(_))
        | (Value::Array(_), Value::Array(_))
        | (Value::Set(_), Value::Set(_)) => subset(sup, sub),
        _ => bail!(
            "eval_type_error: {name}: both arguments object.subset must be of the same type or array and set"
        ),
    };
    Ok(Value::from(r))
}

fn subset(sup: &Value, sub: &Value) -> bool {
    match (sup, sub) {
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| subset(av, v))),
        (Value::Array(a), Value::Array(b)) => {
            let (a, b) = (a.to_vec(), b.to_vec());
            b.is_empty() || (b.len() <= a.len() && a.windows(b.len()).any(|w| w == b.as_slice()))
        }
        (Value::Set(a), Value::Set(b)) => b.iter().all(|x| a.contains(x)),
        _ => sup == sub,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sub(a: serde_json::Value, b: serde_json::Value) -> Result<Value> {
        object_subset(&[Value::from(a), Value::from(b)])
    }

    #[test]
    fn object_subset_as_opa() {
        assert_eq!(sub(json!([]), json!([])).unwrap(), Value::from(true));
        assert_eq!(
            sub(json!([1, 2, 3]), json!([2, 3])).unwrap(),
            Value::from(true)
        );
        assert_eq!(
            sub(json!([1, 2, 3]), json!([1, 3])).unwrap(),
            Value::from(false)
        );
        assert_eq!(
            sub(json!({"a": [1, 2]}), json!({"a": []})).unwrap(),
            Value::from(true)
        );
        assert_eq!(
            sub(
                json!({"a": [1, {"x": 1, "y": 2}]}),
                json!({"a": [{"x": 1}]})
            )
            .unwrap(),
            Value::from(false)
        );
        assert!(sub(json!({"a": 1}), json!([1])).is_err());
    }

    #[test]
    fn a_panicking_builtin_is_an_error() {
        let s = Value::from("héllo wörld");
        let e = call_regorus("time.parse_ns", &[s.clone(), s]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("eval_builtin_error: time.parse_ns:"),
            "{e}"
        );
        let ok = call_regorus(
            "time.parse_ns",
            &[Value::from("2006-01-02"), Value::from("2024-03-01")],
        )
        .unwrap();
        assert_eq!(ok, Value::from(1_709_251_200_000_000_000i64));
    }
}
