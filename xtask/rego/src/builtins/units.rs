//! `units.parse` and `units.parse_bytes`: regorus's values, behind OPA's checks of the text
//! first, in OPA's words (`units.parse_bytes: no byte amount provided`, `... exponent too
//! large` for an exponent of more than six digits, `... byte unit X not recognized`), where
//! regorus said `could not parse number` or answered.

use anyhow::{anyhow, Result};
use regorus::{Engine, Value};

use super::strict::checked_call;

pub fn register(engine: &mut Engine) -> Result<()> {
    for (name, bytes) in [("units.parse_bytes", true), ("units.parse", false)] {
        engine
            .add_extension(
                name.into(),
                1,
                Box::new(move |args: Vec<Value>| {
                    check(name, bytes, &args)?;
                    checked_call(name, &args)
                }),
            )
            .map_err(|e| anyhow!("cannot register builtin {name}: {e}"))?;
    }
    Ok(())
}

/// OPA's checks (`parse_bytes.go`, `parse_units.go`); an operand that is not a string is left
/// to the type check.
fn check(name: &str, bytes: bool, args: &[Value]) -> Result<()> {
    let Some(Value::String(raw)) = args.first() else {
        return Ok(());
    };
    // OPA's errors carry the builtin's name, and OPA names it again in front.
    let err = |m: &str| anyhow!("eval_builtin_error: {name}: {name}: {m}");
    let s = match bytes {
        true => raw.to_lowercase().replace('"', ""),
        false => raw.replace('"', ""),
    };
    if s.contains(' ') {
        return Err(err("spaces not allowed in resource strings"));
    }
    let (num, unit) = split(&s).ok_or_else(|| err("exponent too large"))?;
    if num.is_empty() {
        return Err(err(match bytes {
            true => "no byte amount provided",
            false => "no amount provided",
        }));
    }
    let known = if bytes {
        matches!(
            unit,
            "" | "kb"
                | "k"
                | "kib"
                | "ki"
                | "mb"
                | "m"
                | "mib"
                | "mi"
                | "gb"
                | "g"
                | "gib"
                | "gi"
                | "tb"
                | "t"
                | "tib"
                | "ti"
                | "pb"
                | "p"
                | "pib"
                | "pi"
                | "eb"
                | "e"
                | "eib"
                | "ei"
        )
    } else {
        // Lower case after the first letter, which tells `m` from `M`.
        let mut chars = unit.chars();
        let unit: String = chars
            .next()
            .into_iter()
            .chain(chars.flat_map(char::to_lowercase))
            .collect();
        matches!(
            unit.as_str(),
            "" | "m"
                | "k"
                | "K"
                | "ki"
                | "Ki"
                | "M"
                | "mi"
                | "Mi"
                | "g"
                | "G"
                | "gi"
                | "Gi"
                | "t"
                | "T"
                | "ti"
                | "Ti"
                | "p"
                | "P"
                | "pi"
                | "Pi"
                | "e"
                | "E"
                | "ei"
                | "Ei"
        )
    };
    if !known {
        return Err(err(&match bytes {
            true => format!("byte unit {unit} not recognized"),
            false => format!("unit {unit} not recognized"),
        }));
    }
    if !is_decimal(num) {
        return Err(err(match bytes {
            true => "could not parse byte amount to a number",
            false => "could not parse amount to a number",
        }));
    }
    Ok(())
}

/// Go's `extractNumAndUnit`: the number (digits, `.`, an exponent, signs) and the unit after
/// it; `None` for an exponent of more than six digits.
fn split(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    let num = |c: u8| c.is_ascii_digit() || c == b'.';
    let mut idx = 0;
    while idx < b.len() {
        let c = b[idx];
        if !num(c) && !matches!(c, b'e' | b'E' | b'+' | b'-') {
            return Some((&s[..idx], &s[idx..]));
        }
        if matches!(c, b'e' | b'E') {
            let next = b.get(idx + 1).copied();
            if !next.is_some_and(|n| n.is_ascii_digit() || n == b'+' || n == b'-') {
                return Some((&s[..idx], &s[idx..]));
            }
            if matches!(next, Some(b'+' | b'-')) {
                idx += 1;
            }
            let digits = b[idx + 1..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            if digits > 6 {
                return None;
            }
        }
        idx += 1;
    }
    Some((s, ""))
}

/// A number Go's `big.Float`/`big.Rat` `SetString` reads from these characters.
fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty());
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exp_ok && !mantissa.contains(['+', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(name: &str, bytes: bool, s: &str) -> String {
        check(name, bytes, &[Value::from(s)]).map_or_else(|e| e.to_string(), |_| "ok".into())
    }

    #[test]
    fn opa_checks_the_text_first() {
        let b = |s| words("units.parse_bytes", true, s);
        assert_eq!(b("10KiB"), "ok");
        assert_eq!(b("1.5e3mb"), "ok");
        assert!(b("GiB").ends_with("units.parse_bytes: units.parse_bytes: no byte amount provided"));
        assert!(b("10e10000000EiB").ends_with("exponent too large"));
        assert!(b("1 KB").ends_with("spaces not allowed in resource strings"));
        assert!(b("1.2.3").ends_with("could not parse byte amount to a number"));
        assert!(b("10xb").ends_with("byte unit xb not recognized"));
        let u = |s| words("units.parse", false, s);
        assert_eq!(u("10m"), "ok");
        assert_eq!(u("10MI"), "ok");
        assert!(u("m").ends_with("units.parse: units.parse: no amount provided"));
        assert!(u("1-2").ends_with("could not parse amount to a number"));
        assert!(u("10kb").ends_with("unit kb not recognized"));
    }
}
