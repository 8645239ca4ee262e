//! Encoding builtins where regorus differs from OPA: `json.is_valid`, `yaml.is_valid` and the
//! other `*.is_valid` are
//! `false` (not an error) for a non-string, `to_number` takes Go's float syntax only, `json.marshal` escapes HTML characters as Go does, and the Rego text of a value (`sprintf`'s `%v` of a
//! composite) is OPA's.

use anyhow::Result;
use regorus::{Engine, Value};

/// Go's `strconv.Quote` (`sprintf`'s `%q` and `%#v`, and the Rego text of a string).
pub fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        escape(c, '"', &mut out);
    }
    out.push('"');
    out
}

pub(super) fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    escape(c, '\'', &mut out);
    out.push('\'');
    out
}

fn escape(c: char, quote: char, out: &mut String) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c != ' ' && (c.is_whitespace() || c.is_control() || is_format(c)) => {
            if (c as u32) < 0x10000 {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push_str(&format!("\\U{:08x}", c as u32));
            }
        }
        c => out.push(c),
    }
}

/// Unicode format characters Go's `IsPrint` rejects (zero-width and directional marks).
fn is_format(c: char) -> bool {
    matches!(c as u32, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF)
}

pub fn register(engine: &mut Engine) -> Result<()> {
    engine.add_extension(
        "json.is_valid".into(),
        1,
        Box::new(|args: Vec<Value>| {
            Ok(Value::from(match args.first() {
                Some(Value::String(s)) => serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok(),
                _ => false,
            }))
        }),
    )?;
    engine.add_extension(
        "yaml.is_valid".into(),
        1,
        Box::new(|args: Vec<Value>| {
            Ok(Value::from(match args.first() {
                Some(Value::String(s)) => yaml_serde::from_str::<yaml_serde::Value>(s).is_ok(),
                _ => false,
            }))
        }),
    )?;
    // OPA's other `*.is_valid` builtins are `false` for a non-string too; regorus raises.
    // (`semver.is_valid` is semver.rs's, which is false on a non-string too.)
    for name in ["base64.is_valid", "net.cidr_is_valid"] {
        engine.add_extension(
            name.into(),
            1,
            Box::new(move |args: Vec<Value>| match args.first() {
                Some(Value::String(_)) => super::panics::call_regorus(name, &args),
                _ => Ok(Value::from(false)),
            }),
        )?;
    }
    engine.add_extension(
        "to_number".into(),
        1,
        Box::new(|args: Vec<Value>| match args.first() {
            Some(Value::String(s)) => go_number(s),
            _ => super::panics::call_regorus("to_number", &args),
        }),
    )?;
    engine.add_extension(
        "json.marshal".into(),
        1,
        Box::new(|args: Vec<Value>| {
            let v = args.first().cloned().unwrap_or(Value::Null);
            Ok(Value::from(go_json(&super::bigjson::to_json(&v)?)))
        }),
    )?;
    Ok(())
}

/// OPA's `to_number` on a string: Go's `strconv.ParseFloat` syntax (no surrounding space,
/// `+1.5` and `.5` allowed), and no infinities or NaN.
fn go_number(s: &str) -> Result<Value> {
    match s.parse::<f64>() {
        Ok(f) if f.is_finite() => {
            let digits = s.trim_start_matches('+');
            Ok(match digits.parse::<i64>() {
                Ok(i) => Value::from(i),
                Err(_) => Value::from(f),
            })
        }
        Ok(_) => anyhow::bail!(
            "eval_type_error: to_number: operand 1 must be valid number string but got string"
        ),
        Err(_) => anyhow::bail!(
            "eval_builtin_error: to_number: strconv.ParseFloat: parsing {}: invalid syntax",
            quote(s)
        ),
    }
}

/// Go's `encoding/json` escapes `<`, `>`, `&` and the JavaScript line separators; in JSON text
/// they can only occur inside strings, so a plain replacement is exact.
pub fn go_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A value as OPA prints a term: strings quoted as Go does, `[1, "a"]`, `{"k": v}`, `{1, 2}`,
/// `set()`; what `sprintf` shows for a non-string, non-number argument.
pub fn rego_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => quote(s),
        // OPA keeps an integer beyond 64 bits exactly (a certificate's serial number).
        Value::Number(_) => {
            super::bigjson::big_digits(v).unwrap_or_else(|| v.to_json_str().unwrap_or_default())
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(rego_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Set(s) if s.is_empty() => "set()".into(),
        Value::Set(s) => {
            let items: Vec<String> = s.iter().map(rego_text).collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Object(o) => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", rego_text(k), rego_text(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Undefined => "undefined".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rego_text_is_opas() {
        let v = Value::from(serde_json::json!({"a": [1, "x", null, true], "b": {}}));
        assert_eq!(rego_text(&v), r#"{"a": [1, "x", null, true], "b": {}}"#);
        assert_eq!(rego_text(&Value::new_set()), "set()");
        assert_eq!(go_json(r#"{"a":"<&>"}"#), r#"{"a":"\u003c\u0026\u003e"}"#);
    }
}
