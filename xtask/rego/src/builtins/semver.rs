//! `semver.is_valid` and `semver.compare` with OPA's (looser than SemVer 2.0) grammar: a leading
//! `v` and leading zeros are accepted, as OPA's vendored semver package accepts them.

use std::cmp::Ordering;

use anyhow::{anyhow, Result};
use regorus::{Engine, Value};

use super::{add, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "semver.is_valid", 1, |a| {
        Ok(Value::from(match &a[0] {
            Value::String(s) => Version::parse(s).is_some(),
            _ => false,
        }))
    })?;
    add(engine, "semver.compare", 2, compare)
}

#[derive(Debug, PartialEq, Eq)]
struct Version<'a> {
    core: [&'a str; 3],
    pre: Vec<&'a str>,
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A version number: digits that fit Go's int64.
fn number(s: &str) -> bool {
    digits(s) && s.parse::<i64>().is_ok()
}

fn ident(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl<'a> Version<'a> {
    fn parse(s: &'a str) -> Option<Version<'a>> {
        let s = s.strip_prefix('v').unwrap_or(s);
        let (s, build) = match s.split_once('+') {
            Some((v, b)) => (v, Some(b)),
            None => (s, None),
        };
        if build.is_some_and(|b| !b.split('.').all(ident)) {
            return None;
        }
        let (core, pre) = match s.split_once('-') {
            Some((c, p)) => (c, p.split('.').collect::<Vec<_>>()),
            None => (s, Vec::new()),
        };
        if !pre.iter().all(|p| ident(p)) {
            return None;
        }
        let parts: Vec<&str> = core.split('.').collect();
        let [a, b, c] = parts.as_slice() else {
            return None;
        };
        if ![a, b, c].iter().all(|p| number(p)) {
            return None;
        }
        Some(Version {
            core: [a, b, c],
            pre,
        })
    }
}

/// Numeric strings by value, whatever their length or leading zeros.
fn cmp_num(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn cmp(a: &Version, b: &Version) -> Ordering {
    for i in 0..3 {
        let o = cmp_num(a.core[i], b.core[i]);
        if o != Ordering::Equal {
            return o;
        }
    }
    match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.pre.iter().zip(&b.pre) {
        let o = match (digits(x), digits(y)) {
            (true, true) => cmp_num(x, y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.pre.len().cmp(&b.pre.len())
}

fn compare(args: &[Value]) -> Result<Value> {
    let parse = |i: usize| -> Result<Version> {
        let s = string(args, i)?;
        Version::parse(s)
            .ok_or_else(|| anyhow!("operand {}: string {s:?} is not a valid SemVer", i + 1))
    };
    let (a, b) = (parse(0)?, parse(1)?);
    Ok(Value::from(match cmp(&a, &b) {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }))
}
