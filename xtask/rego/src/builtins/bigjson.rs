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

/// Marks a big integer in text output: `\u{1}` + digits + `\u{1}`, a string no value holds.
const MARK: char = '\u{1}';

fn has_mark(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains(MARK),
        Value::Array(a) => a.iter().any(has_mark),
        Value::Set(s) => s.iter().any(has_mark),
        Value::Object(o) => o.iter().any(|(k, v)| has_mark(k) || has_mark(v)),
        _ => false,
    }
}

fn mark(v: &Value) -> Value {
    if let Some(d) = big_digits(v) {
        return Value::from(format!("{MARK}{d}{MARK}"));
    }
    match v {
        Value::Array(a) => Value::from(a.iter().map(mark).collect::<Vec<_>>()),
        Value::Set(s) => Value::from(
            s.iter()
                .map(mark)
                .collect::<std::collections::BTreeSet<_>>(),
        ),
        Value::Object(o) => Value::from(
            o.iter()
                .map(|(k, v)| (mark(k), mark(v)))
                .collect::<std::collections::BTreeMap<_, _>>(),
        ),
        other => other.clone(),
    }
}

/// The results with every big integer replaced by a marked string, or `None` when there is
/// none (or a value already holds the mark): render them, then [`unmark`] the text.
pub fn mark_results(r: &regorus::QueryResults) -> Option<regorus::QueryResults> {
    let values = || {
        r.result
            .iter()
            .flat_map(|q| q.expressions.iter().map(|e| &e.value).chain([&q.bindings]))
    };
    if !values().any(has_big) || values().any(has_mark) {
        return None;
    }
    let mut out = r.clone();
    for q in out.result.iter_mut() {
        q.bindings = mark(&q.bindings);
        for e in q.expressions.iter_mut() {
            e.value = mark(&e.value);
        }
    }
    Some(out)
}

/// Rendered text with each marked string (JSON-quoted or bare) turned back into its digits.
pub fn unmark(text: &str) -> String {
    let quoted = "\"\\u0001";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let q = rest.find(quoted);
        let b = rest.find(MARK);
        let (start, open, close) = match (q, b) {
            (Some(q), b) if b.is_none_or(|b| q < b) => (q, quoted.len(), "\\u0001\""),
            (_, Some(b)) => (b, MARK.len_utf8(), "\u{1}"),
            _ => break,
        };
        let body = &rest[start + open..];
        let Some(end) = body.find(close) else { break };
        out.push_str(&rest[..start]);
        out.push_str(&body[..end]);
        rest = &body[end + close.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers_keep_their_digits() {
        let big =
            Value::from_numeric_string("698288171419062915029055636685880010421842335828").unwrap();
        let v = Value::from(vec![big.clone(), Value::from(1.5), Value::from("x")]);
        assert_eq!(
            to_json(&v).unwrap(),
            "[698288171419062915029055636685880010421842335828,1.5,\"x\"]"
        );
        let marked = mark(&v);
        let text = serde_json::to_string_pretty(&marked).unwrap();
        assert!(unmark(&text).contains("\n  698288171419062915029055636685880010421842335828,"));
        assert_eq!(unmark("\u{1}12\u{1} and \"\\u000134\\u0001\""), "12 and 34");
        // An exponent literal stays a float.
        assert_eq!(
            big_digits(&Value::from_numeric_string("1e20").unwrap()),
            None
        );
    }
}
