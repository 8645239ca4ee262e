//! Small OPA builtins regorus lacks: `array.flatten` and `regex.find_all_string_submatch_n`.

use anyhow::{anyhow, Result};
use regorus::{Engine, Value};

use super::{add, string, type_error};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "array.flatten", 1, flatten)?;
    add(
        engine,
        "regex.find_all_string_submatch_n",
        3,
        find_all_submatch,
    )?;
    Ok(())
}

/// One level: nested arrays' elements are spliced in, deeper arrays stay.
fn flatten(args: &[Value]) -> Result<Value> {
    let Value::Array(a) = &args[0] else {
        return Err(type_error(1, "array", &args[0]));
    };
    let mut out = Vec::new();
    for v in a.iter() {
        match v {
            Value::Array(inner) => out.extend(inner.iter().cloned()),
            other => out.push(other.clone()),
        }
    }
    Ok(Value::from(out))
}

/// Go's `FindAllStringSubmatch(value, n)`: every match with its groups (an unmatched group is
/// ""), at most `n` matches when `n >= 0`.
fn find_all_submatch(args: &[Value]) -> Result<Value> {
    let pattern = string(args, 0)?;
    let value = string(args, 1)?;
    let n = match &args[2] {
        Value::Number(n) => n.as_i64().ok_or_else(|| {
            anyhow!("operand 3 must be integer number but got floating-point number")
        })?,
        other => return Err(type_error(3, "number", other)),
    };
    let re = regex::Regex::new(pattern).map_err(|e| {
        let why = e.to_string();
        let why = why
            .lines()
            .last()
            .unwrap_or("")
            .trim_start_matches("error: ");
        anyhow!("error parsing regexp: {why}: `{pattern}`")
    })?;
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let out: Vec<Value> = re
        .captures_iter(value)
        .take(limit)
        .map(|c| {
            Value::from(
                c.iter()
                    .map(|m| Value::from(m.map_or("", |m| m.as_str())))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Ok(Value::from(out))
}
