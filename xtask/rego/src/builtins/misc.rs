//! Small OPA builtins regorus lacks: `array.flatten`, `strings.split_n`, and the one a
//! template string becomes (`templates.rs`); and `uuid.parse` read as Go's google/uuid reads it.

use anyhow::{anyhow, Result};
use regorus::{Engine, Value};

use super::panics::call_regorus;
use super::{add, string, type_error, type_name};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "array.flatten", 1, flatten)?;
    add(engine, "strings.split_n", 3, split_n)?;
    add(engine, "uuid.parse", 1, uuid_parse)?;
    // Not through `add`: OPA's words for its one error carry no builtin name.
    engine
        .add_extension(
            crate::templates::BUILTIN.to_string(),
            1,
            Box::new(|args: Vec<Value>| template_string(&args)),
        )
        .map_err(|e| anyhow!("cannot register builtin {}: {e}", crate::templates::BUILTIN))?;
    // regorus's own, with OPA's checks and words first; their errors carry their full text.
    for (name, arity, f) in [
        (
            "json.marshal_with_options",
            2,
            marshal_with_options as fn(&[Value]) -> Result<Value>,
        ),
        ("net.cidr_expand", 1, cidr_expand),
    ] {
        engine
            .add_extension(
                name.to_string(),
                arity,
                Box::new(move |args: Vec<Value>| f(&args)),
            )
            .map_err(|e| anyhow!("cannot register builtin {name}: {e}"))?;
    }
    Ok(())
}

/// `json.marshal_with_options` with OPA's checks of the options object (each key a string,
/// one of `prefix`, `indent`, `pretty`, of its kind), in key order, before regorus marshals.
fn marshal_with_options(args: &[Value]) -> Result<Value> {
    const NAME: &str = "json.marshal_with_options";
    if let Some(Value::Object(opts)) = args.get(1) {
        for (idx, (k, v)) in opts.iter().enumerate() {
            let refuse = |m: String| Err(anyhow!("eval_type_error: {NAME}: operand 2 {m}"));
            let Value::String(key) = k else {
                return refuse(format!(
                    "failed to stringify key {} at index {idx}: operand {idx} must be string but got {}",
                    super::encoding::rego_text(k),
                    type_name(k)
                ));
            };
            let quoted = serde_json::to_string(key.as_ref()).unwrap_or_default();
            match (key.as_ref(), v) {
                ("prefix" | "indent", Value::String(_)) | ("pretty", Value::Bool(_)) => {}
                ("prefix" | "indent", v) => {
                    return refuse(format!(
                    "key {quoted} failed cast to string: operand {idx} must be string but got {}",
                    type_name(v)
                ))
                }
                ("pretty", _) => return refuse(format!("key {quoted} failed cast to bool")),
                _ => return refuse(format!("object contained unknown key {quoted}")),
            }
        }
    }
    super::strict::checked_call(NAME, args)
}

/// `net.cidr_expand` as OPA answers it: a set (regorus returns an array, so `is_set` and `==`
/// against a set were false), and Go's words for an address `net.ParseCIDR` refuses.
fn cidr_expand(args: &[Value]) -> Result<Value> {
    let hosts =
        super::strict::checked_call("net.cidr_expand", args).map_err(|e| match args.first() {
            Some(Value::String(s)) if e.to_string().contains("Error parsing") => {
                anyhow!("eval_builtin_error: net.cidr_expand: invalid CIDR address: {s}")
            }
            _ => e,
        })?;
    Ok(match hosts {
        Value::Array(a) => {
            Value::from(a.iter().cloned().collect::<std::collections::BTreeSet<_>>())
        }
        other => other,
    })
}

/// regorus's `uuid.parse`, except for the 38-byte form: google/uuid drops its first and last
/// byte unread (`(…)` parses as `{…}` does), where the uuid crate insists on braces.
fn uuid_parse(args: &[Value]) -> Result<Value> {
    let s = string(args, 0)?;
    if s.len() == 38 {
        if let Some(middle) = s.get(1..37) {
            return call_regorus("uuid.parse", &[Value::from(format!("{{{middle}}}"))]);
        }
    }
    call_regorus("uuid.parse", args)
}

/// OPA's `internal.template_string`: strings as they are, a set of one value as OPA prints a
/// term (a string unquoted), an empty set as `<undefined>`; a set of several is refused.
fn template_string(args: &[Value]) -> Result<Value> {
    let Some(Value::Array(parts)) = args.first() else {
        return Err(anyhow!(
            "eval_type_error: template string: operand 1 must be array"
        ));
    };
    let mut out = String::new();
    for part in parts.iter() {
        let one = match part {
            Value::Set(s) if s.len() > 1 => {
                return Err(anyhow!(
                    "eval_conflict_error: template-strings must not produce multiple outputs"
                ))
            }
            Value::Set(s) => s.iter().next(),
            other => Some(other),
        };
        match one {
            None => out.push_str("<undefined>"),
            Some(Value::String(s)) => out.push_str(s),
            Some(v) => out.push_str(&super::encoding::rego_text(v)),
        }
    }
    Ok(Value::from(out))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Value {
        uuid_parse(&[Value::from(s)]).unwrap()
    }

    #[test]
    fn uuid_38_bytes_are_read_in_the_middle_only() {
        let v4 = serde_json::json!({"variant": "RFC4122", "version": 4});
        let want = Value::from(v4);
        assert_eq!(parse("{00000000-0000-4000-8000-000000000000}"), want);
        assert_eq!(parse("(00000000-0000-4000-8000-000000000000)"), want);
        assert_eq!(parse("x00000000-0000-4000-8000-000000000000y"), want);
        assert_eq!(
            parse("(00000000-0000-4000-8000-00000000000)"),
            Value::Undefined
        );
        assert_eq!(
            parse("é0000000-0000-4000-8000-000000000000)"),
            Value::Undefined
        );
    }
}
