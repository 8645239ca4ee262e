//! `regex.globs_match` as OPA runs it: the algorithm of the Go module OPA calls
//! (`yashtewari/glob-intersection` v0.2.0), step for step, so its answers (and its quirks) are
//! OPA's. A glob here is a sequence of tokens (a character, `.` for any character, or a `[...]`
//! set with `a-z` ranges), each optionally followed by `*` or `+`; `\` escapes.

use anyhow::{bail, Result};
use regorus::{Engine, Value};

use super::{add, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "regex.globs_match", 2, |a| {
        let g1 = string(a, 0)?;
        let g2 = string(a, 1)?;
        Ok(Value::from(non_empty(g1, g2)?))
    })
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flag {
    None,
    Plus,
    Star,
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Kind {
    Char(char),
    Dot,
    Set(Vec<char>),
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    flag: Flag,
}

fn rank(k: &Kind) -> u8 {
    match k {
        Kind::Char(_) => 0,
        Kind::Dot => 1,
        Kind::Set(_) => 2,
    }
}

/// Whether two tokens can match a common character (flags aside).
fn matches(a: &Token, b: &Token) -> bool {
    let (a, b) = if rank(&a.kind) > rank(&b.kind) {
        (b, a)
    } else {
        (a, b)
    };
    match (&a.kind, &b.kind) {
        (Kind::Char(x), Kind::Char(y)) => x == y,
        (Kind::Char(_), Kind::Dot) | (Kind::Dot, _) => true,
        (Kind::Char(x), Kind::Set(s)) => s.binary_search(x).is_ok(),
        (Kind::Set(x), Kind::Set(y)) => {
            let (small, big) = if x.len() < y.len() { (x, y) } else { (y, x) };
            small.iter().any(|c| big.binary_search(c).is_ok())
        }
        _ => false,
    }
}

/// The tokenizer's reading of one rune: (next index, rune, escaped), `None` at the end.
fn next_rune(i: usize, input: &[char]) -> Result<Option<(usize, char, bool)>> {
    if i >= input.len() {
        return Ok(None);
    }
    if input[i] == '\\' {
        if i + 1 < input.len() {
            return Ok(Some((i + 2, input[i + 1], true)));
        }
        bail!(
            "input:{}, pos:{i}, input ends with a \\ (escape) character: the input provided is invalid",
            input.iter().collect::<String>()
        );
    }
    Ok(Some((i + 1, input[i], false)))
}

fn invalid(input: &[char], pos: usize, msg: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "input:{}, pos:{pos}, {msg}: the input provided is invalid",
        input.iter().collect::<String>()
    )
}

fn tokenize(input: &[char]) -> Result<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some((next, r, escaped)) = next_rune(i, input)? {
        i = next;
        let kind = if escaped {
            Kind::Char(r)
        } else {
            match r {
                '.' => Kind::Dot,
                ']' => return Err(invalid(input, i, "set-close ']' with no preceding '['")),
                '[' => {
                    let (next, set) = tokenize_set(i, input)?;
                    i = next;
                    Kind::Set(set)
                }
                '+' | '*' => {
                    return Err(invalid(
                        input,
                        i,
                        &format!("flag '{r}' must be preceded by a non-flag"),
                    ))
                }
                c => Kind::Char(c),
            }
        };
        // A flag directly after the token (an escaped one is a character).
        let mut flag = Flag::None;
        if let Some((next, f, false)) = next_rune(i, input)? {
            flag = match f {
                '+' => Flag::Plus,
                '*' => Flag::Star,
                _ => Flag::None,
            };
            if flag != Flag::None {
                i = next;
            }
        }
        tokens.push(Token { kind, flag });
    }
    Ok(tokens)
}

fn tokenize_set(start: usize, input: &[char]) -> Result<(usize, Vec<char>)> {
    let mut runes: Vec<char> = Vec::new();
    let mut prev = '\0';
    let mut prev_exists = false;
    let mut i = start;
    loop {
        let Some((next, r, escaped)) = next_rune(i, input)? else {
            return Err(invalid(input, i, "found [ without matching ]"));
        };
        i = next;
        if escaped {
            runes.push(r);
            prev = r;
            prev_exists = true;
            continue;
        }
        match r {
            '-' => {
                if !prev_exists {
                    return Err(invalid(
                        input,
                        i,
                        "range character '-' must be preceded by a Unicode character",
                    ));
                }
                if i + 1 >= input.len() {
                    return Err(invalid(
                        input,
                        i,
                        "range character '-' must be followed by a Unicode character",
                    ));
                }
                let Some((next, hi, esc)) = next_rune(i, input)? else {
                    return Err(invalid(input, i, "found [ without matching ]"));
                };
                i = next;
                if !esc && (hi == ']' || hi == '-') {
                    return Err(invalid(
                        input,
                        i,
                        "range character '-' cannot be followed by a special symbol",
                    ));
                }
                if hi < prev {
                    return Err(invalid(
                        input,
                        i,
                        &format!("range is out of order: '{hi}' comes before '{prev}' in Unicode"),
                    ));
                }
                runes.extend((prev as u32..=hi as u32).filter_map(char::from_u32));
                prev_exists = false;
            }
            ']' => {
                runes.sort_unstable();
                runes.dedup();
                return Ok((i, runes));
            }
            c => {
                runes.push(c);
                prev = c;
                prev_exists = true;
            }
        }
    }
}

/// Merges a flagged token into an equal flagged predecessor (`t+t*` is `t+`, `t*t*` is `t*`).
fn simplify(tokens: Vec<Token>) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(tokens.len());
    for t in tokens {
        if let Some(last) = out.last_mut() {
            if t.flag != Flag::None && last.flag != Flag::None && same(&t.kind, &last.kind) {
                last.flag = if t.flag == Flag::Plus || last.flag == Flag::Plus {
                    Flag::Plus
                } else {
                    Flag::Star
                };
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// Sets are kept sorted and deduplicated, so equal sets are equal vectors.
fn same(a: &Kind, b: &Kind) -> bool {
    a == b
}

fn glob(s: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = s.chars().collect();
    Ok(simplify(tokenize(&chars)?))
}

/// `gintersect.NonEmpty`.
pub fn non_empty(lhs: &str, rhs: &str) -> Result<bool> {
    let g1 = glob(lhs)?;
    let g2 = glob(rhs)?;
    let Some((g1, g2)) = trim(&g1, &g2)? else {
        return Ok(false);
    };
    Ok(normal(g1, g2))
}

/// Removes matching unflagged prefixes and suffixes, leaving one token of each.
fn trim<'a>(g1: &'a [Token], g2: &'a [Token]) -> Result<Option<(&'a [Token], &'a [Token])>> {
    let mut l = 0usize;
    while l < g1.len() && l < g2.len() && g1[l].flag == Flag::None && g2[l].flag == Flag::None {
        if !matches(&g1[l], &g2[l]) {
            return Ok(None);
        }
        l += 1;
    }
    l = l.saturating_sub(1);
    let (mut r1, mut r2) = (g1.len() as isize - 1, g2.len() as isize - 1);
    let li = l as isize;
    while r1 >= 0
        && r1 >= li
        && r2 >= 0
        && r2 >= li
        && g1[r1 as usize].flag == Flag::None
        && g2[r2 as usize].flag == Flag::None
    {
        if !matches(&g1[r1 as usize], &g2[r2 as usize]) {
            return Ok(None);
        }
        r1 -= 1;
        r2 -= 1;
    }
    if r1 < g1.len() as isize - 1 {
        r1 += 1;
        r2 += 1;
    }
    // Go slices `g[l : r+1]`; bounds it would panic on are an error there too.
    let (e1, e2) = ((r1 + 1) as usize, (r2 + 1) as usize);
    match (g1.get(l..e1), g2.get(l..e2)) {
        (Some(a), Some(b)) => Ok(Some((a, b))),
        _ => bail!("runtime error: slice bounds out of range"),
    }
}

fn normal(g1: &[Token], g2: &[Token]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < g1.len() && j < g2.len() {
        if g1[i].flag == Flag::None && g2[j].flag == Flag::None {
            if !matches(&g1[i], &g2[j]) {
                return false;
            }
        } else {
            return special(&g1[i..], &g2[j..]);
        }
        i += 1;
        j += 1;
    }
    i == g1.len() && j == g2.len()
}

fn special(g1: &[Token], g2: &[Token]) -> bool {
    if g1[0].flag != Flag::None {
        match g1[0].flag {
            Flag::Plus => plus(g1, g2),
            _ => star(g1, g2),
        }
    } else {
        match g2[0].flag {
            Flag::Plus => plus(g2, g1),
            Flag::Star => star(g2, g1),
            Flag::None => false,
        }
    }
}

fn plus(plussed: &[Token], other: &[Token]) -> bool {
    let Some(first) = other.first() else {
        return false;
    };
    if !matches(&plussed[0], first) {
        return false;
    }
    if star(plussed, &other[1..]) {
        return true;
    }
    first.flag != Flag::None && normal(&plussed[1..], other)
}

fn star(starred: &[Token], other: &[Token]) -> bool {
    let star_token = &starred[0];
    let next = starred.get(1);
    for (i, t) in other.iter().enumerate() {
        if next.is_some_and(|n| matches(t, n)) {
            if normal(&starred[1..], &other[i..]) {
                return true;
            }
            if !matches(t, star_token) {
                return false;
            }
        } else if !matches(t, star_token) {
            return false;
        }
    }
    next.is_none()
}

#[cfg(test)]
mod tests {
    use super::non_empty;

    #[test]
    fn intersections() {
        assert!(non_empty("a.a.", ".b.b").unwrap());
        assert!(!non_empty("[a-z]+", "[0-9]*").unwrap());
        assert!(non_empty("a*", "aaa").unwrap());
        assert!(non_empty("[ab]+c", "[bc]+").unwrap());
        assert!(non_empty("*", "a").is_err());
        assert!(non_empty("[a", "a").is_err());
        assert!(non_empty("a\\", "a").is_err());
    }
}
