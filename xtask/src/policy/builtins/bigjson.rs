//! JSON text of a value with every digit of integers beyond 64 bits (certificate serial
//! numbers, key numbers), as OPA's `json.marshal` writes them; regorus's serializer goes through
//! float64 and rounds them (or fails beyond float64's range).

use anyhow::{anyhow, Result};
use regorus::Value;

/// An integer beyond 64 bits with more than 17 significant digits: OPA holds such a number
/// exactly. (regorus also holds exponent literals like `1e+20` as big integers; their few
/// significant digits keep them on the float path, as OPA prints them.)
pub fn big_digits(v: &Value) -> Option<String> {
    let Value::Number(n) = v else { return None };
    if n.as_i64().is_some() || n.as_u64().is_some() {
        return None;
    }
    let digits = n.as_big()?.to_string();
    (digits.trim_start_matches('-').trim_end_matches('0').len() > 17).then_some(digits)
}

fn has_big(v: &Value) -> bool {
    match v {
        Value::Number(_) => big_digits(v).is_some(),
        Value::Array(a) => a.iter().any(has_big),
        Value::Set(s) => s.iter().any(has_big),
        Value::Object(o) => o.iter().any(|(k, v)| has_big(k) || has_big(v)),
        _ => false,
    }
}

/// `serde_json::to_string(v)`, except that big integers keep their digits.
pub fn to_json(v: &Value) -> Result<String> {
    if !has_big(v) {
        return serde_json::to_string(v).map_err(|e| anyhow!("{e}"));
    }
    let mut out = String::new();
    write(v, &mut out)?;
    Ok(out)
}

fn write(v: &Value, out: &mut String) -> Result<()> {
    if let Some(d) = big_digits(v) {
        out.push_str(&d);
        return Ok(());
    }
    match v {
        Value::Array(a) => list(a.iter(), out),
        Value::Set(s) => list(s.iter(), out),
        Value::Object(o) => {
            out.push('{');
            for (i, (k, v)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                match k {
                    Value::String(s) => out.push_str(&serde_json::to_string(s.as_ref())?),
                    // A non-string key is written as regorus writes it (its JSON text, quoted).
                    other => {
                        let text = serde_json::to_string(other).unwrap_or_default();
                        out.push_str(&serde_json::to_string(&text)?);
                    }
                }
                out.push(':');
                write(v, out)?;
            }
            out.push('}');
            Ok(())
        }
        other => {
            out.push_str(&serde_json::to_string(other).map_err(|e| anyhow!("{e}"))?);
            Ok(())
        }
    }
}

fn list<'a>(items: impl Iterator<Item = &'a Value>, out: &mut String) -> Result<()> {
    out.push('[');
    for (i, v) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write(v, out)?;
    }
    out.push(']');
    Ok(())
}
