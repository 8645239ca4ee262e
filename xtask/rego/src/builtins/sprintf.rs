//! `sprintf` as OPA runs it: each Rego value converted the way OPA converts it (integers to
//! `int64` or `*big.Int`, other numbers to `float64`, strings to `string`, anything else to its
//! Rego text), then Go's `fmt.Sprintf`: verbs, flags, width, precision, `%[n]` indexes and Go's
//! `%!v(MISSING)` / `%!(EXTRA ...)` / `%!d(string=x)` renderings for mismatches.

use regorus::Value;

use super::encoding::{quote, quote_rune, rego_text};

/// One argument as Go's `fmt` sees it.
enum Arg {
    /// An integer; `true` when regorus held it as an integral float (so `%g` works on it too).
    Int(i64, bool),
    /// A decimal integer beyond `int64`.
    Big(String),
    Float(f64),
    Str(String),
}

impl Arg {
    fn of(v: &Value) -> Arg {
        let Value::Number(n) = v else {
            return match v {
                Value::String(s) => Arg::Str(s.to_string()),
                other => Arg::Str(rego_text(other)),
            };
        };
        // An integer beyond 64 bits (a certificate's serial number) is OPA's `*big.Int`: its
        // JSON form would be a rounded float.
        if let Some(digits) = super::bigjson::big_digits(v) {
            return Arg::Big(digits);
        }
        // regorus does not keep a number's text; its JSON form tells floats from integers.
        let text = v.to_json_str().unwrap_or_default();
        if !text.contains(['.', 'e', 'E']) {
            return match (n.as_i64(), n.as_big()) {
                (Some(i), _) => Arg::Int(i, false),
                (None, Some(b)) => Arg::Big(b.to_string()),
                _ => Arg::Str(text),
            };
        }
        let f = n.as_f64().or_else(|| text.parse().ok()).unwrap_or_default();
        // regorus keeps some arithmetic results as floats where OPA keeps integers: an integral
        // float within exact range is taken as the integer OPA would most likely hold.
        if f.fract() == 0.0 && f.abs() < 9.0e15 {
            Arg::Int(f as i64, true)
        } else {
            Arg::Float(f)
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Arg::Int(..) => "int64",
            Arg::Big(_) => "*big.Int",
            Arg::Float(_) => "float64",
            Arg::Str(_) => "string",
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Spec {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// Go's `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, values: &[Value]) -> String {
    let args: Vec<Arg> = values.iter().map(Arg::of).collect();
    let mut out = String::new();
    let mut arg = 0usize;
    let mut reordered = false;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = chars.peek() {
            match f {
                '+' => spec.plus = true,
                '-' => spec.minus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            chars.next();
        }
        let mut bad_index = false;
        let mut index = |chars: &mut std::iter::Peekable<std::str::Chars>, arg: &mut usize| {
            if chars.peek() == Some(&'[') {
                chars.next();
                let mut n = String::new();
                for d in chars.by_ref() {
                    if d == ']' {
                        break;
                    }
                    n.push(d);
                }
                reordered = true;
                match n.parse::<usize>() {
                    Ok(i) if i >= 1 && i <= args.len() => *arg = i - 1,
                    _ => bad_index = true,
                }
            }
        };
        index(&mut chars, &mut arg);
        // Width: digits or `*`.
        if chars.peek() == Some(&'*') {
            chars.next();
            match args.get(arg) {
                Some(Arg::Int(w, _)) => {
                    if *w < 0 {
                        spec.minus = true;
                    }
                    spec.width = Some(w.unsigned_abs() as usize);
                }
                _ => out.push_str("%!(BADWIDTH)"),
            }
            arg += 1;
        } else {
            spec.width = digits(&mut chars);
        }
        if chars.peek() == Some(&'.') {
            chars.next();
            index(&mut chars, &mut arg);
            if chars.peek() == Some(&'*') {
                chars.next();
                match args.get(arg) {
                    Some(Arg::Int(p, _)) if *p >= 0 => spec.prec = Some(*p as usize),
                    _ => out.push_str("%!(BADPREC)"),
                }
                arg += 1;
            } else {
                spec.prec = Some(digits(&mut chars).unwrap_or(0));
            }
        }
        index(&mut chars, &mut arg);
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if bad_index {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
            continue;
        }
        let Some(a) = args.get(arg) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        arg += 1;
        out.push_str(&format_arg(a, verb, spec));
    }
    if !reordered && arg < args.len() {
        let extra: Vec<String> = args[arg..]
            .iter()
            .map(|a| format!("{}={}", a.type_name(), format_arg(a, 'v', Spec::default())))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

fn digits(chars: &mut std::iter::Peekable<std::str::Chars>) -> Option<usize> {
    let mut n: Option<usize> = None;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        // Go caps absurd widths (1e6) rather than allocating them; so do we.
        n = Some((n.unwrap_or(0) * 10 + d as usize).min(1_000_000));
    }
    n
}

/// Go's `badVerb`: the argument printed with `%v` under the directive's own flags, width and
/// precision (`%.2f` of "abc" is `%!f(string=ab)`).
fn bad_verb(a: &Arg, verb: char, spec: Spec) -> String {
    format!("%!{verb}({}={})", a.type_name(), format_arg(a, 'v', spec))
}

fn format_arg(a: &Arg, verb: char, spec: Spec) -> String {
    match a {
        Arg::Int(i, true) if matches!(verb, 'e' | 'E' | 'f' | 'F' | 'g' | 'G') => {
            format_arg(&Arg::Float(*i as f64), verb, spec)
        }
        Arg::Int(i, _) => match verb {
            'v' | 'd' => int(*i < 0, &i.unsigned_abs().to_string(), "", spec),
            'b' => int(*i < 0, &format!("{:b}", i.unsigned_abs()), "0b", spec),
            'o' => int(*i < 0, &format!("{:o}", i.unsigned_abs()), "0", spec),
            'O' => int(
                *i < 0,
                &format!("{:o}", i.unsigned_abs()),
                "0o",
                Spec {
                    sharp: true,
                    ..spec
                },
            ),
            'x' => int(*i < 0, &format!("{:x}", i.unsigned_abs()), "0x", spec),
            'X' => int(*i < 0, &format!("{:X}", i.unsigned_abs()), "0X", spec),
            'c' => pad(
                &u32::try_from(*i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}')
                    .to_string(),
                spec,
            ),
            'q' => pad(
                &quote_rune(
                    u32::try_from(*i)
                        .ok()
                        .and_then(char::from_u32)
                        .unwrap_or('\u{FFFD}'),
                ),
                spec,
            ),
            'U' => pad(&format!("U+{:04X}", i), spec),
            _ => bad_verb(a, verb, spec),
        },
        Arg::Big(s) => {
            let (neg, mag) = match s.strip_prefix('-') {
                Some(m) => (true, m),
                None => (false, s.as_str()),
            };
            // Go's `big.Int` formats in any base.
            let radix = |r: u32| {
                rsa::BigUint::parse_bytes(mag.as_bytes(), 10)
                    .map(|n| n.to_str_radix(r))
                    .unwrap_or_default()
            };
            // `*big.Int` is a `fmt.Formatter`: `%s` and `%v` print its digits too.
            match verb {
                'v' | 'd' | 's' => int(neg, mag, "", spec),
                'b' => int(neg, &radix(2), "0b", spec),
                'o' => int(neg, &radix(8), "0", spec),
                'O' => int(
                    neg,
                    &radix(8),
                    "0o",
                    Spec {
                        sharp: true,
                        ..spec
                    },
                ),
                'x' => int(neg, &radix(16), "0x", spec),
                'X' => int(neg, &radix(16).to_ascii_uppercase(), "0X", spec),
                _ => format!("%!{verb}(big.Int={s})"),
            }
        }
        Arg::Float(f) => match verb {
            'v' => float(*f, 'g', spec.prec, spec),
            // Go's default precision is 6 for %e and %f, shortest for %g.
            'e' | 'E' | 'f' | 'F' => float(*f, verb, spec.prec.or(Some(6)), spec),
            'g' | 'G' => float(*f, verb, spec.prec, spec),
            _ => bad_verb(a, verb, spec),
        },
        Arg::Str(s) => match verb {
            // `%#v` is Go syntax: the string quoted.
            'v' if spec.sharp => pad(&quote(&truncate(s, spec.prec)), spec),
            'v' | 's' => pad(&truncate(s, spec.prec), spec),
            'q' if spec.sharp && can_backquote(&truncate(s, spec.prec)) => {
                pad(&format!("`{}`", truncate(s, spec.prec)), spec)
            }
            'q' => pad(&quote(&truncate(s, spec.prec)), spec),
            'x' | 'X' => {
                let bytes = truncate(s, spec.prec);
                let hex: String = bytes
                    .bytes()
                    .map(|b| {
                        if verb == 'x' {
                            format!("{b:02x}")
                        } else {
                            format!("{b:02X}")
                        }
                    })
                    .collect();
                pad(&hex, spec)
            }
            _ => bad_verb(a, verb, spec),
        },
    }
}

fn truncate(s: &str, prec: Option<usize>) -> String {
    match prec {
        Some(p) => s.chars().take(p).collect(),
        None => s.to_string(),
    }
}

/// Pads to the width (left, or right with `-`), counting runes as Go does; with `0` (and no
/// `-`) Go pads on the left with zeros, strings too (`%08s`).
fn pad(s: &str, spec: Spec) -> String {
    let n = s.chars().count();
    let Some(w) = spec.width.filter(|&w| w > n) else {
        return s.to_string();
    };
    let fill = if spec.zero && !spec.minus { "0" } else { " " }.repeat(w - n);
    if spec.minus {
        format!("{s}{fill}")
    } else {
        format!("{fill}{s}")
    }
}

/// An integer's digits with Go's precision (minimum digits), sign, `#` prefix and zero padding.
fn int(neg: bool, mag: &str, prefix: &str, spec: Spec) -> String {
    let mut digits = mag.to_string();
    if let Some(p) = spec.prec {
        if p == 0 && mag == "0" {
            digits.clear();
        }
        while digits.len() < p {
            digits.insert(0, '0');
        }
    }
    let mut head = String::new();
    if neg {
        head.push('-');
    } else if spec.plus {
        head.push('+');
    } else if spec.space {
        head.push(' ');
    }
    if spec.sharp {
        head.push_str(prefix);
    }
    zero_pad(head, digits, spec, spec.prec.is_none())
}

/// Sign/prefix, then zeros up to the width when `0` is set (and allowed), then the digits.
fn zero_pad(head: String, body: String, spec: Spec, zeros_allowed: bool) -> String {
    if spec.zero && !spec.minus && zeros_allowed {
        if let Some(w) = spec.width {
            let n = head.chars().count() + body.chars().count();
            if w > n {
                return format!("{head}{}{body}", "0".repeat(w - n));
            }
        }
    }
    pad(
        &format!("{head}{body}"),
        Spec {
            zero: false,
            ..spec
        },
    )
}

/// Go's `%e %f %g` (and `%v` = shortest `%g`) for a float64.
fn float(f: f64, verb: char, prec: Option<usize>, spec: Spec) -> String {
    let neg = f.is_sign_negative() && f != 0.0;
    let body = go_float(f.abs(), verb.to_ascii_lowercase(), prec);
    let body = if verb.is_ascii_uppercase() {
        body.to_uppercase()
    } else {
        body
    };
    let mut head = String::new();
    if neg {
        head.push('-');
    } else if spec.plus {
        head.push('+');
    } else if spec.space {
        head.push(' ');
    }
    zero_pad(head, body, spec, true)
}

/// Decimal digits (no leading/trailing zeros) and the exponent `dp` such that the value is
/// `0.DIGITS × 10^dp`: shortest round-trip digits, or rounded to `sig` significant digits.
fn decimal(f: f64, sig: Option<usize>) -> (String, i32) {
    if f == 0.0 {
        return (String::new(), 0);
    }
    let s = match sig {
        Some(p) => format!("{:.*e}", p.max(1) - 1, f),
        None => format!("{f:e}"),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0').to_string();
    (digits, exp + 1)
}

/// strconv.FormatFloat(f, verb, prec) for a non-negative f; `prec` None is Go's -1 (shortest).
pub fn go_float(f: f64, verb: char, prec: Option<usize>) -> String {
    match verb {
        'e' => match prec {
            Some(p) => exp_form(&format!("{:.*e}", p.min(1000), f)),
            None => {
                let (d, dp) = decimal(f, None);
                fmt_e(&d, dp, d.len().max(1) - 1)
            }
        },
        'f' => match prec {
            Some(p) => format!("{:.*}", p.min(1000), f),
            None => {
                let (d, dp) = decimal(f, None);
                fmt_f(&d, dp, (d.len() as i32 - dp).max(0) as usize)
            }
        },
        _ => {
            // 'g'
            let shortest = prec.is_none();
            let (d, dp) = decimal(f, prec.map(|p| p.max(1)));
            let nd = d.len().max(1);
            let mut eprec = prec.map(|p| p.max(1)).unwrap_or(nd);
            if eprec > nd && nd as i32 >= dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = dp - 1;
            if exp < -4 || exp >= eprec as i32 {
                fmt_e(&d, dp, nd - 1)
            } else {
                fmt_f(&d, dp, (nd as i32 - dp).max(0) as usize)
            }
        }
    }
}

/// Rust's `1.5e3` / `1.5e-7` exponent as Go's `1.5e+03` / `1.5e-07`.
fn exp_form(s: &str) -> String {
    let Some((m, e)) = s.split_once('e') else {
        return s.to_string();
    };
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{m}e{sign}{digits:0>2}")
}

/// `d.ddd e±xx` with `frac` digits after the point, from digits `d` and point position `dp`.
fn fmt_e(d: &str, dp: i32, frac: usize) -> String {
    let first = d.chars().next().unwrap_or('0');
    let mut s = first.to_string();
    if frac > 0 {
        s.push('.');
        let rest: String = d.chars().skip(1).collect();
        s.push_str(&format!("{rest:0<frac$}"));
    }
    let exp = if d.is_empty() { 0 } else { dp - 1 };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{s}e{sign}{:02}", exp.abs())
}

/// `ddd.ddd` with `frac` digits after the point.
fn fmt_f(d: &str, dp: i32, frac: usize) -> String {
    let mut int = String::new();
    if dp > 0 {
        for i in 0..dp as usize {
            int.push(d.as_bytes().get(i).map_or('0', |&b| b as char));
        }
    } else {
        int.push('0');
    }
    if frac == 0 {
        return int;
    }
    let mut frac_s = String::new();
    for i in 0..frac as i32 {
        let at = dp + i;
        frac_s.push(if at < 0 {
            '0'
        } else {
            d.as_bytes().get(at as usize).map_or('0', |&b| b as char)
        });
    }
    format!("{int}.{frac_s}")
}

/// Go's `strconv.CanBackquote`: no backquote, no control character below space but tab, no BOM.
fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || c >= ' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(f: &str, args: serde_json::Value) -> String {
        let v = Value::from(args);
        sprintf(f, &v.as_array().unwrap().to_vec())
    }

    #[test]
    fn go_fmt_verbs() {
        use serde_json::json;
        assert_eq!(sp("%d", json!([3])), "3");
        assert_eq!(sp("%d", json!([3.5])), "%!d(float64=3.5)");
        assert_eq!(sp("%v", json!([3.5])), "3.5");
        assert_eq!(sp("%v", json!([1e20])), "1e+20");
        assert_eq!(sp("%v", json!([1e-7])), "1e-07");
        assert_eq!(sp("%v", json!([0.1])), "0.1");
        assert_eq!(sp("%s", json!([1])), "%!s(int64=1)");
        assert_eq!(sp("%q", json!(["a\"b"])), "\"a\\\"b\"");
        assert_eq!(sp("%q", json!([1])), "'\\x01'");
        assert_eq!(sp("%x|%X|%x", json!([255, 255, "hi"])), "ff|FF|6869");
        assert_eq!(sp("%f|%.2f", json!([4.56789, 4.56789])), "4.567890|4.57");
        assert_eq!(sp("%e|%g", json!([1234.5, 1234.5])), "1.234500e+03|1234.5");
        assert_eq!(sp("%t", json!([true])), "%!t(string=true)");
        assert_eq!(sp("%b|%o|100%%", json!([5, 8])), "101|10|100%");
        assert_eq!(
            sp("%5d|%-5d|%05d|%8.3f|", json!([1, 2, 3, 4.56789])),
            "    1|2    |00003|   4.568|"
        );
        assert_eq!(sp("%d %d", json!([1])), "1 %!d(MISSING)");
        assert_eq!(sp("%d", json!([1, 2])), "1%!(EXTRA int64=2)");
        assert_eq!(sp("%d", json!(["x"])), "%!d(string=x)");
        assert_eq!(sp("%.3s|%+d", json!(["héllo", 5])), "hél|+5");
        assert_eq!(
            sp("%v", json!([{"a": [1, "x", null, true]}])),
            "{\"a\": [1, \"x\", null, true]}"
        );
        assert_eq!(sp("%v", json!([1.5e300])), "1.5e+300");
        assert_eq!(sp("%g", json!([100000.5])), "100000.5");
        assert_eq!(sp("%g", json!([1000000.5])), "1.0000005e+06");
        assert_eq!(
            sp("%.3g|%.3e", json!([1234.5678, 0.000123456])),
            "1.23e+03|1.235e-04"
        );
        assert_eq!(sp("%[2]d %[1]d", json!([1, 2])), "2 1");
        assert_eq!(sp("%", json!([])), "%!(NOVERB)");
    }
}
