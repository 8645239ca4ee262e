//! The JSON model gojsonschema validates: numbers keep their exact decimal value (Go decodes
//! with `UseNumber` and compares with `big.Rat`), plus Go's `encoding/json` text for `enum` and
//! `const` and the `big.Float` text of `minimum`, `maximum` and `multipleOf` in messages.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use num_bigint::BigInt;
use regorus::Value;

/// Deepest nesting we accept in a document or schema (Go's decoder stops at 10000; we stop
/// earlier so that nothing recurses unbounded).
pub const MAX_DEPTH: usize = 1000;

/// An exact decimal: `mant * 10^exp`, `mant` without trailing zeros (zero has `exp` 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dec {
    pub mant: BigInt,
    pub exp: i64,
}

#[derive(Clone, Debug)]
pub enum J {
    Null,
    Bool(bool),
    Num(Dec),
    Str(String),
    Arr(Vec<J>),
    Obj(BTreeMap<String, J>),
}

fn zero() -> BigInt {
    BigInt::from(0u8)
}

fn ten_pow(n: u64) -> BigInt {
    BigInt::from(10u8).pow(n as u32)
}

impl Dec {
    fn new(mut mant: BigInt, mut exp: i64) -> Dec {
        if mant == zero() {
            return Dec { mant, exp: 0 };
        }
        let ten = BigInt::from(10u8);
        while (&mant % &ten) == zero() {
            mant /= &ten;
            exp += 1;
        }
        Dec { mant, exp }
    }

    /// Parses JSON number text (already checked by the grammar, or Rust's float text).
    pub fn parse(s: &str) -> Option<Dec> {
        let (neg, s) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (num, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
            None => (s, 0),
        };
        let (int, frac) = num.split_once('.').unwrap_or((num, ""));
        let digits: String = format!("{int}{frac}");
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = digits.trim_start_matches('0');
        let mut mant = if digits.is_empty() {
            zero()
        } else {
            BigInt::parse_bytes(digits.as_bytes(), 10)?
        };
        if neg {
            mant = -mant;
        }
        let exp = exp.checked_sub(frac.len() as i64)?;
        Some(Dec::new(mant, exp))
    }

    pub fn is_int(&self) -> bool {
        self.exp >= 0
    }

    pub fn is_neg(&self) -> bool {
        self.mant < zero()
    }

    fn ndigits(&self) -> i64 {
        let s = self.mant.to_string();
        s.trim_start_matches('-').len() as i64
    }

    /// The digits of `|mant|`.
    fn digits(&self) -> String {
        self.mant.to_string().trim_start_matches('-').to_string()
    }

    /// Go's `Int64()` of an integral JSON number, when it fits.
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_int() || self.exp > 19 {
            return None;
        }
        let v = &self.mant * ten_pow(self.exp as u64);
        i64::try_from(v).ok()
    }

    pub fn cmp(&self, other: &Dec) -> Ordering {
        let (an, bn) = (self.is_neg(), other.is_neg());
        let (az, bz) = (self.mant == zero(), other.mant == zero());
        let sign = |neg: bool, z: bool| {
            if z {
                0
            } else if neg {
                -1
            } else {
                1
            }
        };
        let (sa, sb) = (sign(an, az), sign(bn, bz));
        if sa != sb || sa == 0 {
            return sa.cmp(&sb);
        }
        // Same sign: compare magnitudes by order of magnitude first, so that huge exponents
        // never become huge integers.
        let (ma, mb) = (self.ndigits() + self.exp, other.ndigits() + other.exp);
        let mag = if ma != mb {
            ma.cmp(&mb)
        } else {
            let e = self.exp.min(other.exp);
            let a = abs(&self.mant) * ten_pow((self.exp - e) as u64);
            let b = abs(&other.mant) * ten_pow((other.exp - e) as u64);
            a.cmp(&b)
        };
        if sa < 0 {
            mag.reverse()
        } else {
            mag
        }
    }

    /// Whether `self / by` is an integer (`by` > 0), as `big.Rat` answers.
    pub fn is_multiple_of(&self, by: &Dec) -> bool {
        if self.mant == zero() {
            return true;
        }
        let (a, b) = (abs(&self.mant), abs(&by.mant));
        if self.exp >= by.exp {
            let k = BigInt::from((self.exp - by.exp) as u64);
            let m = BigInt::from(10u8).modpow(&k, &b);
            (a * m % &b) == zero()
        } else {
            let k = by.exp - self.exp;
            if k > self.ndigits() {
                return false;
            }
            (a % (b * ten_pow(k as u64))) == zero()
        }
    }

    /// `fmt.Sprint` of the `big.Float` gojsonschema puts in messages: `%v` is `%g` with the
    /// shortest digits, in exponent form below 1e-4 and from 1e+6.
    pub fn go_float_text(&self) -> String {
        if self.mant == zero() {
            return "0".into();
        }
        let digits = self.digits();
        let neg = if self.is_neg() { "-" } else { "" };
        // value = 0.digits * 10^point
        let point = digits.len() as i64 + self.exp;
        let e = point - 1;
        if !(-4..6).contains(&e) {
            let (first, rest) = digits.split_at(1);
            let frac = if rest.is_empty() {
                String::new()
            } else {
                format!(".{rest}")
            };
            let sign = if e < 0 { '-' } else { '+' };
            return format!("{neg}{first}{frac}e{sign}{:02}", e.abs());
        }
        format!("{neg}{}", fixed(&digits, point))
    }
}

/// `0.digits * 10^point` in fixed notation.
fn fixed(digits: &str, point: i64) -> String {
    if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        let (i, f) = digits.split_at(point as usize);
        format!("{i}.{f}")
    }
}

fn abs(b: &BigInt) -> BigInt {
    if *b < zero() {
        -b.clone()
    } else {
        b.clone()
    }
}

/// A regorus value as the JSON OPA hands gojsonschema (`ast.JSON`: sets become arrays).
pub fn from_value(v: &Value, depth: usize) -> Result<J> {
    if depth > MAX_DEPTH {
        bail!("value nested too deeply");
    }
    Ok(match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        // Integers with all their digits; floats as the shortest text that reads back the
        // same, which is the literal's own digits.
        Value::Number(n) => {
            J::Num(Dec::parse(&n.format_decimal()).ok_or_else(|| anyhow!("invalid number"))?)
        }
        Value::String(s) => J::Str(s.to_string()),
        Value::Array(a) => J::Arr(
            a.iter()
                .map(|x| from_value(x, depth + 1))
                .collect::<Result<_>>()?,
        ),
        Value::Set(s) => J::Arr(
            s.iter()
                .map(|x| from_value(x, depth + 1))
                .collect::<Result<_>>()?,
        ),
        Value::Object(o) => {
            let mut m = BTreeMap::new();
            for (k, x) in o.iter() {
                let Value::String(k) = k else {
                    bail!("invalid object key type");
                };
                m.insert(k.to_string(), from_value(x, depth + 1)?);
            }
            J::Obj(m)
        }
        Value::Undefined => bail!("undefined value"),
    })
}

/// Parses JSON text (one value, surrounding whitespace only); `None` if it is not valid JSON.
/// Duplicate keys: the last one wins, as Go's decoder does.
pub fn parse(s: &str) -> Option<J> {
    let mut p = Parser {
        b: s.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.b.len()).then_some(v)
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn lit(&mut self, s: &str) -> bool {
        if self.b[self.i..].starts_with(s.as_bytes()) {
            self.i += s.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Option<J> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match *self.b.get(self.i)? {
            b'n' => self.lit("null").then_some(J::Null),
            b't' => self.lit("true").then_some(J::Bool(true)),
            b'f' => self.lit("false").then_some(J::Bool(false)),
            b'"' => self.string().map(J::Str),
            b'[' => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.eat(b']') {
                    return Some(J::Arr(a));
                }
                loop {
                    a.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(b']') {
                        return Some(J::Arr(a));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut m = BTreeMap::new();
                self.ws();
                if self.eat(b'}') {
                    return Some(J::Obj(m));
                }
                loop {
                    self.ws();
                    if self.b.get(self.i) != Some(&b'"') {
                        return None;
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(b':') {
                        return None;
                    }
                    let v = self.value(depth + 1)?;
                    m.insert(k, v);
                    self.ws();
                    if self.eat(b'}') {
                        return Some(J::Obj(m));
                    }
                    if !self.eat(b',') {
                        return None;
                    }
                }
            }
            _ => self.number(),
        }
    }

    fn number(&mut self) -> Option<J> {
        let start = self.i;
        self.eat(b'-');
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.b.len() && p.b[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - s
        };
        if self.eat(b'0') {
            // no leading zeros
        } else if digits(self) == 0 {
            return None;
        }
        if self.eat(b'.') && digits(self) == 0 {
            return None;
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if digits(self) == 0 {
                return None;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        Dec::parse(text).map(J::Num)
    }

    fn string(&mut self) -> Option<String> {
        self.i += 1; // the opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.b.get(self.i)?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair, or U+FFFD as Go's decoder writes a lone one.
                                let save = self.i;
                                if self.lit("\\u") {
                                    if let Some(lo) = self.hex4() {
                                        if (0xDC00..0xE000).contains(&lo) {
                                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                            char::from_u32(c).unwrap_or('\u{FFFD}')
                                        } else {
                                            self.i = save;
                                            '\u{FFFD}'
                                        }
                                    } else {
                                        return None;
                                    }
                                } else {
                                    '\u{FFFD}'
                                }
                            } else {
                                char::from_u32(hi).unwrap_or('\u{FFFD}')
                            }
                        }
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return None,
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let s = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
        let v = u32::from_str_radix(s, 16).ok()?;
        if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        Some(v)
    }
}

/// gojsonschema's `marshalWithoutNumber`: Go's `json.Marshal` after a round trip through
/// `float64` (so `1.0` and `1` are the same), keys sorted, HTML characters escaped.
pub fn go_marshal(v: &J) -> String {
    let mut s = String::new();
    marshal_into(v, &mut s);
    s
}

fn marshal_into(v: &J, out: &mut String) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(d) => out.push_str(&go_float(d)),
        J::Str(s) => go_string(s, out),
        J::Arr(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                marshal_into(x, out);
            }
            out.push(']');
        }
        J::Obj(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                marshal_into(x, out);
            }
            out.push('}');
        }
    }
}

/// Go's `encoding/json` text of the `float64` nearest to `d`.
fn go_float(d: &Dec) -> String {
    let text = format!("{}e{}", d.mant, d.exp);
    let f: f64 = text.parse().unwrap_or(0.0);
    if f.is_infinite() {
        // Go's Unmarshal refuses such a number; gojsonschema then compares nil strings.
        return String::new();
    }
    let a = f.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        let e = format!("{f:e}");
        let (m, x) = e.split_once('e').unwrap_or((&e, "0"));
        let x: i32 = x.parse().unwrap_or(0);
        let sign = if x < 0 { '-' } else { '+' };
        let digits = x.abs();
        return if digits < 10 && x < 0 {
            format!("{m}e{sign}{digits}")
        } else {
            format!("{m}e{sign}{digits:02}")
        };
    }
    if f == 0.0 && f.is_sign_negative() {
        return "-0".into();
    }
    format!("{f}")
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(d("1.50"), d("15e-1"));
        assert!(d("0.3").cmp(&d("0.30000000000000004")).is_lt());
        assert!(d("1e400").cmp(&d("-1e400")).is_gt());
        assert!(d("-1e400").cmp(&d("-1e399")).is_lt());
        assert!(d("0.9").is_multiple_of(&d("0.3")));
        assert!(!d("1").is_multiple_of(&d("0.3")));
        assert!(
            d("1e300").is_multiple_of(&d("7e-3")) == (BigInt::from(10u8).pow(303) % 7u8 == zero())
        );
        assert!(!d("1e-9").is_multiple_of(&d("1e300")));
        assert!(d("1").is_int() && d("1.0").is_int() && !d("1.5").is_int());
        assert_eq!(d("9223372036854775807").to_i64(), Some(i64::MAX));
        assert_eq!(d("9223372036854775808").to_i64(), None);
    }

    #[test]
    fn big_float_text_is_gos() {
        for (n, want) in [
            ("5", "5"),
            ("100", "100"),
            ("100000", "100000"),
            ("1000000", "1e+06"),
            ("0.3", "0.3"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("123456789012", "1.23456789012e+11"),
            ("-2.5", "-2.5"),
            ("12345.678", "12345.678"),
            ("0", "0"),
        ] {
            assert_eq!(d(n).go_float_text(), want, "{n}");
        }
    }

    #[test]
    fn marshal_is_gos() {
        let v = parse(r#"{"b":"<&>","a":[1.0,1e22,1e-7,0.000001,12345678901234567890]}"#).unwrap();
        assert_eq!(
            go_marshal(&v),
            r#"{"a":[1,1e+22,1e-7,0.000001,12345678901234567000],"b":"\u003c\u0026\u003e"}"#
        );
    }

    #[test]
    fn parser_refuses_what_go_refuses() {
        for bad in [
            "",
            "01",
            "1.",
            "{",
            "[1,]",
            "{\"a\" 1}",
            "tru",
            "\"\\x\"",
            "1 2",
            "-",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(parse(" [1, {\"a\": \"\\ud83d\\ude00\"}] ").is_some());
        let mut deep = "[".repeat(5000);
        deep.push_str(&"]".repeat(5000));
        assert!(parse(&deep).is_none());
    }
}
