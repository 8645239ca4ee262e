//! `time.parse_duration_ns`: Go's `time.ParseDuration` plus the units OPA adds (`d`, `w`, `y`).

use anyhow::{bail, Result};
use regorus::{Engine, Value};

use super::{add, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "time.parse_duration_ns", 1, |a| {
        Ok(Value::from(parse(string(a, 0)?)?))
    })
}

const UNITS: [(&str, u128); 11] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
    ("w", 604_800_000_000_000),
    ("y", 31_536_000_000_000_000),
];

fn parse(orig: &str) -> Result<i64> {
    let invalid = || anyhow::anyhow!("time: invalid duration {orig:?}");
    let (neg, mut s) = match orig.as_bytes().first() {
        Some(b'-') => (true, &orig[1..]),
        Some(b'+') => (false, &orig[1..]),
        _ => (false, orig),
    };
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let int_end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (int, rest) = s.split_at(int_end);
        let (frac, rest) = match rest.strip_prefix('.') {
            Some(r) => {
                let e = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
                r.split_at(e)
            }
            None => ("", rest),
        };
        if int.is_empty() && frac.is_empty() {
            return Err(invalid());
        }
        let unit_end = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit, rest) = rest.split_at(unit_end);
        if unit.is_empty() {
            bail!("time: missing unit in duration {orig:?}");
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(u, _)| *u == unit) else {
            bail!("time: unknown unit {unit:?} in duration {orig:?}");
        };
        let whole: u128 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| invalid())?
        };
        let mut v = whole.checked_mul(scale).ok_or_else(invalid)?;
        if !frac.is_empty() {
            // Go keeps at most what fits and truncates the rest.
            let digits = &frac[..frac.len().min(21)];
            let f: u128 = digits.parse().map_err(|_| invalid())?;
            let div = 10u128.pow(digits.len() as u32);
            v = v
                .checked_add(f.checked_mul(scale).ok_or_else(invalid)? / div)
                .ok_or_else(invalid)?;
        }
        total = total.checked_add(v).ok_or_else(invalid)?;
        if total > i64::MAX as u128 + u128::from(neg) {
            return Err(invalid());
        }
        s = rest;
    }
    Ok(if neg {
        (total as i128).wrapping_neg() as i64
    } else {
        total as i64
    })
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn go_durations_and_opa_units() {
        assert_eq!(parse("1h30m").unwrap(), 5_400_000_000_000);
        assert_eq!(parse("1.5d").unwrap(), 129_600_000_000_000);
        assert_eq!(parse("-3us").unwrap(), -3_000);
        assert_eq!(parse("2562047h").unwrap(), 9_223_369_200_000_000_000);
        assert!(parse("2562048h").is_err());
        assert!(parse("1h-2m").is_err());
        assert!(parse("").is_err());
    }
}
