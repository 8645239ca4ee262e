//! Small OPA builtins regorus lacks: `array.flatten` and `strings.split_n`.

use anyhow::Result;
use regorus::{Engine, Value};

use super::{add, string, type_error};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "array.flatten", 1, flatten)?;
    add(engine, "strings.split_n", 3, split_n)?;
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

/// The parts of `x` split at `delimiter`: the first `n` of them, or the last `-n` when `n < 0`.
fn split_n(args: &[Value]) -> Result<Value> {
    let x = string(args, 0)?;
    let delimiter = string(args, 1)?;
    let n = int(args, 2)?;
    // Go's strings.Split: an empty delimiter splits after each UTF-8 sequence.
    let parts: Vec<&str> = if delimiter.is_empty() {
        x.char_indices()
            .map(|(i, c)| &x[i..i + c.len_utf8()])
            .collect()
    } else {
        x.split(delimiter).collect()
    };
    let len = parts.len() as i64;
    let picked = if n >= 0 {
        &parts[..n.min(len) as usize]
    } else {
        &parts[(len + n).max(0) as usize..]
    };
    Ok(Value::from(
        picked.iter().map(|s| Value::from(*s)).collect::<Vec<_>>(),
    ))
}

fn int(args: &[Value], i: usize) -> Result<i64> {
    match &args[i] {
        Value::Number(n) => n.as_i64().ok_or_else(|| {
            super::TypeError(format!(
                "operand {} must be integer number but got floating-point number",
                i + 1
            ))
            .into()
        }),
        other => Err(type_error(i + 1, "number", other)),
    }
}
