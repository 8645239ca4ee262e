//! Go-exact string builtins, replacing regorus's where they differ from OPA: `strings.count`
//! (non-overlapping, and no panic on ""), `strings.replace_n` (Go's `strings.Replacer`),
//! `indexof`/`indexof_n` (runes, error on ""), `substring`, `upper`/`lower` (Go's per-rune case
//! mapping), `array.slice` and `concat` (OPA's operand errors), `format_int`, `regex.split` (Go's `regexp.Split`) and `sprintf` (Go's `fmt`, see
//! `sprintf.rs`).

use anyhow::{bail, Result};
use regorus::{Engine, Value};

/// OPA's name for a value's type in operand errors.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}

/// Operand `i` (0-based) of `name` as a string, or OPA's `eval_type_error`.
pub fn str_arg<'a>(name: &str, args: &'a [Value], i: usize) -> Result<&'a str> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => bail!(
            "eval_type_error: {name}: operand {} must be string but got {}",
            i + 1,
            type_name(v)
        ),
        None => bail!("eval_type_error: {name}: missing operand {}", i + 1),
    }
}

/// Operand `i` of `name` as an integer, with OPA's errors for non-numbers and fractions.
pub fn int_arg(name: &str, args: &[Value], i: usize) -> Result<i64> {
    match args.get(i) {
        // OPA reads an integer operand as a Go int: beyond that it is "floating-point" too.
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) if n.is_integer() => Ok(v),
            _ => bail!(
                "eval_type_error: {name}: operand {} must be integer number but got floating-point number",
                i + 1
            ),
        },
        Some(v) => bail!(
            "eval_type_error: {name}: operand {} must be number but got {}",
            i + 1,
            type_name(v)
        ),
        None => bail!("eval_type_error: {name}: missing operand {}", i + 1),
    }
}

fn add(
    engine: &mut Engine,
    name: &str,
    nargs: u8,
    f: fn(&str, &[Value]) -> Result<Value>,
) -> Result<()> {
    let owned = name.to_string();
    engine.add_extension(
        name.to_string(),
        nargs,
        Box::new(move |args: Vec<Value>| f(&owned, &args)),
    )
}

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "strings.count", 2, |n, a| {
        Ok(count(str_arg(n, a, 0)?, str_arg(n, a, 1)?).into())
    })?;
    add(engine, "strings.replace_n", 2, replace_n)?;
    add(engine, "indexof", 2, |n, a| {
        let (s, sub) = (str_arg(n, a, 0)?, str_arg(n, a, 1)?);
        if sub.is_empty() {
            bail!("eval_builtin_error: {n}: empty search character");
        }
        Ok(match s.find(sub) {
            Some(at) => Value::from(s[..at].chars().count()),
            None => Value::from(-1i64),
        })
    })?;
    add(engine, "indexof_n", 2, |n, a| {
        let (s, sub) = (str_arg(n, a, 0)?, str_arg(n, a, 1)?);
        if sub.is_empty() {
            bail!("eval_builtin_error: {n}: empty search character");
        }
        Ok(Value::from(indexof_n(s, sub)))
    })?;
    add(engine, "substring", 3, |n, a| {
        let s = str_arg(n, a, 0)?;
        let (start, len) = (int_arg(n, a, 1)?, int_arg(n, a, 2)?);
        Ok(substring(n, s, start, len)?.into())
    })?;
    add(engine, "array.slice", 3, |n, a| {
        let arr = match a.first() {
            Some(Value::Array(arr)) => arr.to_vec(),
            Some(v) => bail!(
                "eval_type_error: {n}: operand 1 must be array but got {}",
                type_name(v)
            ),
            None => bail!("eval_type_error: {n}: missing operand 1"),
        };
        let (start, stop) = (int_arg(n, a, 1)?, int_arg(n, a, 2)?);
        // OPA clamps both ends to the array; an empty range is [].
        let len = arr.len() as i64;
        let (start, stop) = (start.clamp(0, len), stop.clamp(0, len));
        let out = if start >= stop {
            Vec::new()
        } else {
            arr[start as usize..stop as usize].to_vec()
        };
        Ok(Value::from(out))
    })?;
    add(engine, "concat", 2, |n, a| {
        let sep = str_arg(n, a, 0)?;
        let (items, outer): (Vec<Value>, &str) = match a.get(1) {
            Some(Value::Array(arr)) => (arr.to_vec(), "array"),
            Some(Value::Set(set)) => (set.iter().cloned().collect(), "set"),
            Some(v) => bail!(
                "eval_type_error: {n}: operand 2 must be one of {{set, array}} but got {}",
                type_name(v)
            ),
            None => bail!("eval_type_error: {n}: missing operand 2"),
        };
        let mut parts = Vec::with_capacity(items.len());
        for item in &items {
            match item {
                Value::String(s) => parts.push(s.to_string()),
                other => bail!(
                    "eval_type_error: {n}: operand 2 must be {outer} of strings but got {outer} containing {}",
                    type_name(other)
                ),
            }
        }
        Ok(Value::from(parts.join(sep)))
    })?;
    add(engine, "upper", 1, |n, a| {
        Ok(upper(str_arg(n, a, 0)?).into())
    })?;
    add(engine, "lower", 1, |n, a| {
        Ok(lower(str_arg(n, a, 0)?).into())
    })?;
    add(engine, "format_int", 2, format_int)?;
    add(engine, "regex.split", 2, |n, a| {
        let (pattern, s) = (str_arg(n, a, 0)?, str_arg(n, a, 1)?);
        let re = regex::Regex::new(pattern).map_err(|e| {
            anyhow::anyhow!("eval_builtin_error: {n}: {}", one_line(&e.to_string()))
        })?;
        Ok(Value::from(
            go_regex_split(&re, s)
                .into_iter()
                .map(Value::from)
                .collect::<Vec<_>>(),
        ))
    })?;
    add(engine, "sprintf", 2, |n, a| {
        let f = str_arg(n, a, 0)?;
        match a.get(1) {
            Some(Value::Array(items)) => Ok(super::sprintf::sprintf(f, &items.to_vec()).into()),
            Some(v) => bail!(
                "eval_type_error: {n}: operand 2 must be array but got {}",
                type_name(v)
            ),
            None => bail!("eval_type_error: {n}: missing operand 2"),
        }
    })?;
    Ok(())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Go's `regexp.Split(s, -1)`: no leading empty piece for a match at 0 of zero width, no
/// trailing piece when the last match ends the string, `[]` for an empty pattern on "".
fn go_regex_split<'a>(re: &regex::Regex, s: &'a str) -> Vec<&'a str> {
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![""];
    }
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    let mut prev_end: Option<usize> = None;
    for m in re.find_iter(s) {
        // Go ignores an empty match right after the previous match.
        if m.start() == m.end() && prev_end == Some(m.start()) {
            continue;
        }
        end = m.start();
        if m.end() != 0 {
            out.push(&s[beg..end]);
        }
        beg = m.end();
        prev_end = Some(m.end());
    }
    if end != s.len() {
        out.push(&s[beg..]);
    }
    out
}

/// Go's `strings.Count`: non-overlapping matches; "" matches once per rune, plus one.
pub fn count(s: &str, sub: &str) -> usize {
    if sub.is_empty() {
        return s.chars().count() + 1;
    }
    s.matches(sub).count()
}

/// OPA's `indexof_n`: rune positions of every (possibly overlapping) match.
fn indexof_n(s: &str, sub: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (runes, (at, _)) in s.char_indices().enumerate() {
        if s[at..].starts_with(sub) {
            out.push(Value::from(runes));
        }
    }
    out
}

/// OPA's `substring`: in runes; a negative length means "to the end", a negative offset is an
/// error, an offset past the end gives "".
fn substring(name: &str, s: &str, start: i64, len: i64) -> Result<String> {
    if start < 0 {
        bail!("eval_builtin_error: {name}: negative offset");
    }
    let start = usize::try_from(start).unwrap_or(usize::MAX);
    let rest = s.chars().skip(start);
    Ok(match usize::try_from(len) {
        Ok(len) => rest.take(len).collect(),
        Err(_) => rest.collect(),
    })
}

/// Go's `unicode.ToUpper` per rune: only one-rune mappings apply (`ß`, `ﬁ` stay as they are).
pub fn upper(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut m = c.to_uppercase();
            match (m.next(), m.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        })
        .collect()
}

/// Go's `unicode.ToLower` per rune: `Σ` is always `σ`, `İ` is `i`.
pub fn lower(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut m = c.to_lowercase();
            match (m.next(), m.next()) {
                (Some(l), None) => l,
                // The one multi-rune lowercase mapping: U+0130 to "i\u{307}"; Go keeps the `i`.
                (Some(l), Some(_)) if c == '\u{130}' => l,
                _ => c,
            }
        })
        .collect()
}

/// `strings.replace_n(patterns, s)` as OPA does it: Go's `strings.NewReplacer` over the pairs in
/// key order. One left-to-right pass; at each position the first pair (in key order) that
/// matches wins; replaced text is never matched again.
fn replace_n(name: &str, args: &[Value]) -> Result<Value> {
    let pairs = match args.first() {
        Some(Value::Object(o)) => {
            let mut pairs = Vec::new();
            for (k, v) in o.iter() {
                let (Value::String(k), Value::String(v)) = (k, v) else {
                    let what = if matches!(k, Value::String(_)) {
                        "value"
                    } else {
                        "key"
                    };
                    bail!(
                        "eval_type_error: {name}: operand 1 non-string {what} found in pattern object"
                    );
                };
                pairs.push((k.to_string(), v.to_string()));
            }
            pairs
        }
        Some(v) => bail!(
            "eval_type_error: {name}: operand 1 must be object but got {}",
            type_name(v)
        ),
        None => bail!("eval_type_error: {name}: missing operand 1"),
    };
    let s = str_arg(name, args, 1)?;
    Ok(go_replace(s, &pairs).into())
}

/// Go's generic `strings.Replacer`: at each byte position the highest-priority (earliest) old
/// string matching there wins; an empty old string matches between runes, but not twice in a row.
pub fn go_replace(s: &str, pairs: &[(String, String)]) -> String {
    // Go keeps the first of duplicate keys; object keys are unique anyway.
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    let mut prev_empty = false;
    while i <= s.len() {
        let found = pairs
            .iter()
            .find(|(old, _)| s[i..].starts_with(old.as_str()) && !(old.is_empty() && prev_empty));
        match found {
            Some((old, new)) => {
                prev_empty = old.is_empty();
                out.push_str(&s[last..i]);
                out.push_str(new);
                i += old.len();
                last = i;
            }
            None => {
                prev_empty = false;
                // Go steps one byte; we step one rune, which differs only where Go would split a
                // multi-byte rune with an empty pattern (invalid UTF-8, which Rego cannot hold).
                i += s[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    if last < s.len() {
        out.push_str(&s[last..]);
    }
    out
}

/// OPA's `format_int(number, base)`: the number truncated toward zero, in base 2, 8, 10 or 16.
fn format_int(name: &str, args: &[Value]) -> Result<Value> {
    let n = match args.first() {
        Some(Value::Number(n)) => n,
        Some(v) => bail!(
            "eval_type_error: {name}: operand 1 must be number but got {}",
            type_name(v)
        ),
        None => bail!("eval_type_error: {name}: missing operand 1"),
    };
    let base = match args.get(1) {
        Some(Value::Number(b)) => match b.as_i64() {
            Some(b @ (2 | 8 | 10 | 16)) => b as u32,
            _ => bail!("eval_type_error: {name}: operand 2 must be one of {{2, 8, 10, 16}}"),
        },
        Some(v) => bail!(
            "eval_type_error: {name}: operand 2 must be number but got {}",
            type_name(v)
        ),
        None => bail!("eval_type_error: {name}: missing operand 2"),
    };
    let text = if let (true, Some(big)) = (n.is_integer(), n.as_big()) {
        big.to_str_radix(base)
    } else {
        let f = n.as_f64().unwrap_or(0.0).trunc();
        if f.abs() < 9.0e15 {
            radix(f as i64, base)
        } else {
            // Beyond exact i64 territory: the float's exact integer digits, in base 10 only
            // via its decimal expansion (rare: a fractional input this large has no fraction).
            format!("{f:.0}")
        }
    };
    Ok(text.into())
}

fn radix(v: i64, base: u32) -> String {
    let neg = v < 0;
    let mut u = v.unsigned_abs();
    if u == 0 {
        return "0".into();
    }
    let mut digits = Vec::new();
    while u > 0 {
        let d = (u % u64::from(base)) as u32;
        digits.push(char::from_digit(d, base).unwrap_or('?'));
        u /= u64::from(base);
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(s: &str, pairs: &[(&str, &str)]) -> String {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        go_replace(s, &pairs)
    }

    #[test]
    fn count_is_go_strings_count() {
        assert_eq!(count("abc", ""), 4);
        assert_eq!(count("héllo", ""), 6);
        assert_eq!(count("11111", "11"), 2);
        assert_eq!(count("", ""), 1);
    }

    #[test]
    fn replacer_is_one_pass_first_pair_wins() {
        assert_eq!(rep("abba", &[("a", "b"), ("b", "a")]), "baab");
        assert_eq!(rep("aaa", &[("a", "1"), ("aa", "2")]), "111");
        assert_eq!(rep("abc", &[("", "-")]), "-a-b-c-");
        assert_eq!(rep("abc", &[("", "-"), ("b", "X")]), "-a-X-c-");
        assert_eq!(rep("abcabc", &[("ab", "x"), ("bc", "y")]), "xcxc");
        assert_eq!(rep("héllo", &[("", "-")]), "-h-é-l-l-o-");
    }

    #[test]
    fn regex_split_is_gos() {
        fn split<'a>(p: &str, s: &'a str) -> Vec<&'a str> {
            go_regex_split(&regex::Regex::new(p).unwrap(), s)
        }
        assert_eq!(split("", "a"), ["a"]);
        assert!(split("", "").is_empty());
        assert_eq!(split("", "abc"), ["a", "b", "c"]);
        assert_eq!(split(",", ""), [""]);
        assert_eq!(split(",", "a,b,"), ["a", "b", ""]);
        assert_eq!(split("x*", "axbc"), ["a", "b", "c"]);
    }

    #[test]
    fn case_mapping_is_per_rune() {
        assert_eq!(upper("straße ǆ ﬁ"), "STRAßE Ǆ ﬁ");
        assert_eq!(lower("İSTANBUL ΣΑΣ ǅ"), "istanbul σασ ǆ");
    }

    #[test]
    fn runes_not_bytes() {
        assert_eq!(
            indexof_n("héllo héllo", "l"),
            [2, 3, 8, 9].map(Value::from).to_vec()
        );
        assert_eq!(substring("s", "héllo", 1, 3).unwrap(), "éll");
        assert_eq!(substring("s", "héllo", 1, -1).unwrap(), "éllo");
        assert_eq!(substring("s", "héllo", 10, 3).unwrap(), "");
        assert!(substring("s", "héllo", -1, 3).is_err());
        assert_eq!(radix(-255, 2), "-11111111");
        assert_eq!(radix(0, 16), "0");
    }
}
