//! `glob.match` as OPA runs it: the syntax and matching of gobwas/glob (`*` stops at a
//! delimiter, `**` anywhere matches across them, `?`, `[abc]`, `[a-z]`, `[!a]` (a `^` is a
//! literal), `{a,b}` alternatives, an unclosed `{` closed at the end, `\` escapes), with `.` as the
//! delimiter when the list is empty and none when it is `null`; and `glob.quote_meta` (a `\`
//! before each of `*?\[]{}`).

use anyhow::{anyhow, bail, Result};
use regorus::{Engine, Value};

use super::{add, string, TypeError};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "glob.quote_meta", 1, |a| {
        let mut out = String::new();
        for c in string(a, 0)?.chars() {
            if matches!(c, '*' | '?' | '\\' | '[' | ']' | '{' | '}') {
                out.push('\\');
            }
            out.push(c);
        }
        Ok(Value::from(out))
    })?;
    add(engine, "glob.match", 3, |a| {
        let pattern = string(a, 0)?;
        let delimiters: Vec<char> =
            match a.get(1) {
                Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => {
                    let mut out = Vec::new();
                    for item in items.iter() {
                        let Value::String(s) = item else {
                            return Err(TypeError(format!(
                                "operand 2 must be array of strings but got array containing {}",
                                super::type_name(item)
                            ))
                            .into());
                        };
                        let mut chars = s.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => out.push(c),
                            _ => return Err(TypeError(
                                "operand 2 must be array of runes but got array containing string"
                                    .into(),
                            )
                            .into()),
                        }
                    }
                    if out.is_empty() {
                        out.push('.');
                    }
                    out
                }
                Some(v) => {
                    return Err(TypeError(format!(
                        "operand 2 must be one of {{array, null}} but got {}",
                        super::type_name(v)
                    ))
                    .into())
                }
                None => bail!("operand 2 missing"),
            };
        let subject = string(a, 2)?;
        let glob = Glob::compile(pattern, &delimiters)?;
        Ok(Value::from(glob.matches(subject)))
    })
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Char(char),
    /// `*`: any run of non-delimiters.
    Any,
    /// `**`: any run.
    Super,
    /// `?`: one non-delimiter.
    Single,
    /// `[...]`: one character in (or, negated, not in) the set, delimiters included.
    Class {
        chars: Vec<char>,
        lo: char,
        hi: char,
        not: bool,
    },
    /// `{a,b}`: one of the alternatives.
    AnyOf(Vec<Vec<Node>>),
}

/// A compiled pattern: its alternatives spelled out as flat sequences.
pub struct Glob {
    flat: Vec<Vec<Node>>,
    delimiters: Vec<char>,
}

/// At most this many flat sequences from `{...}` alternatives (each a product of choices).
const MAX_EXPANSIONS: usize = 4096;

impl Glob {
    pub fn compile(pattern: &str, delimiters: &[char]) -> Result<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let nodes = parse_seq(&chars, &mut pos, 0)?;
        let flat = expand(&nodes)?;
        Ok(Glob {
            flat,
            delimiters: delimiters.to_vec(),
        })
    }

    pub fn matches(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        self.flat.iter().any(|seq| self.match_seq(seq, &s))
    }

    /// Dynamic programming over (atom, position): `ok[j]` is whether the atoms so far can
    /// consume exactly `s[..j]`.
    fn match_seq(&self, seq: &[Node], s: &[char]) -> bool {
        let n = s.len();
        let mut ok = vec![false; n + 1];
        ok[0] = true;
        for node in seq {
            let mut next = vec![false; n + 1];
            match node {
                Node::Any | Node::Super => {
                    let mut reach = false;
                    for j in 0..=n {
                        if ok[j] {
                            reach = true;
                        }
                        next[j] = reach;
                        if j < n && matches!(node, Node::Any) && self.delimiters.contains(&s[j]) {
                            reach = false;
                        }
                    }
                }
                _ => {
                    for j in 0..n {
                        if ok[j] && self.one(node, s[j]) {
                            next[j + 1] = true;
                        }
                    }
                }
            }
            ok = next;
        }
        ok[n]
    }

    fn one(&self, node: &Node, c: char) -> bool {
        match node {
            Node::Char(x) => *x == c,
            Node::Single => !self.delimiters.contains(&c),
            Node::Class { chars, lo, hi, not } => {
                let inside = if chars.is_empty() {
                    (*lo..=*hi).contains(&c)
                } else {
                    chars.contains(&c)
                };
                inside != *not
            }
            _ => false,
        }
    }
}

/// gobwas/glob's lexer and parser in one: a sequence up to the end (or, inside `{}` at
/// `depth > 0`, up to `,` or `}`).
fn parse_seq(p: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Node>> {
    let mut out = Vec::new();
    while *pos < p.len() {
        let c = p[*pos];
        match c {
            ',' | '}' if depth > 0 => return Ok(out),
            '{' => {
                *pos += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(parse_seq(p, pos, depth + 1)?);
                    match p.get(*pos) {
                        Some(',') => *pos += 1,
                        Some('}') => {
                            *pos += 1;
                            break;
                        }
                        // An unclosed `{` ends with the pattern.
                        _ => break,
                    }
                }
                out.push(Node::AnyOf(alts));
            }
            '[' => {
                *pos += 1;
                out.push(parse_class(p, pos)?);
            }
            '?' => {
                *pos += 1;
                out.push(Node::Single);
            }
            '*' => {
                *pos += 1;
                if p.get(*pos) == Some(&'*') {
                    *pos += 1;
                    out.push(Node::Super);
                } else {
                    out.push(Node::Any);
                }
            }
            _ => {
                // Text up to the next special character; `\` escapes the next one.
                let mut escaped = false;
                while let Some(&c) = p.get(*pos) {
                    if !escaped {
                        if c == '\\' {
                            escaped = true;
                            *pos += 1;
                            continue;
                        }
                        if matches!(c, '?' | '*' | '[' | '{')
                            || (depth > 0 && matches!(c, '}' | ','))
                        {
                            break;
                        }
                    }
                    escaped = false;
                    out.push(Node::Char(c));
                    *pos += 1;
                }
            }
        }
    }
    Ok(out)
}

/// `[` already read: `[!]lo-hi]` or `[!]chars]`.
fn parse_class(p: &[char], pos: &mut usize) -> Result<Node> {
    let eof = || anyhow!("unexpected end of input");
    let mut not = false;
    if p.get(*pos) == Some(&'!') {
        not = true;
        *pos += 1;
    }
    let first = *p.get(*pos).ok_or_else(eof)?;
    if p.get(*pos + 1) == Some(&'-') {
        let hi = *p.get(*pos + 2).ok_or_else(eof)?;
        *pos += 3;
        match p.get(*pos) {
            Some(']') => *pos += 1,
            Some(_) => bail!("expected close range character"),
            None => return Err(eof()),
        }
        if hi < first {
            bail!("hi character '{hi}' should be greater than lo '{first}'");
        }
        if first == '\0' || hi == '\0' {
            bail!("could not parse range");
        }
        return Ok(Node::Class {
            chars: Vec::new(),
            lo: first,
            hi,
            not,
        });
    }
    let mut chars = Vec::new();
    let mut escaped = false;
    while let Some(&c) = p.get(*pos) {
        if !escaped {
            if c == '\\' {
                escaped = true;
                *pos += 1;
                continue;
            }
            if c == ']' {
                break;
            }
        }
        escaped = false;
        chars.push(c);
        *pos += 1;
    }
    match p.get(*pos) {
        Some(']') => *pos += 1,
        _ => return Err(eof()),
    }
    if chars.is_empty() {
        bail!("could not parse range");
    }
    Ok(Node::Class {
        chars,
        lo: '\0',
        hi: '\0',
        not,
    })
}

/// Every way through the alternatives, as flat sequences.
fn expand(nodes: &[Node]) -> Result<Vec<Vec<Node>>> {
    let mut out: Vec<Vec<Node>> = vec![Vec::new()];
    for node in nodes {
        match node {
            Node::AnyOf(alts) => {
                let mut options = Vec::new();
                for alt in alts {
                    options.extend(expand(alt)?);
                }
                let mut next = Vec::new();
                for prefix in &out {
                    for o in &options {
                        if next.len() >= MAX_EXPANSIONS {
                            bail!("glob pattern has too many alternatives");
                        }
                        let mut v = prefix.clone();
                        v.extend(o.iter().cloned());
                        next.push(v);
                    }
                }
                out = next;
            }
            n => {
                for seq in out.iter_mut() {
                    seq.push(n.clone());
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, d: &[char], s: &str) -> bool {
        Glob::compile(p, d).unwrap().matches(s)
    }

    #[test]
    fn gobwas_semantics() {
        assert!(m("*.github.com", &['.'], "api.github.com"));
        assert!(!m("*.github.com", &['.'], "api.cdn.github.com"));
        assert!(m("**.github.com", &['.'], "api.cdn.github.com"));
        assert!(m("a**", &['.'], "a.b.c"));
        assert!(m("[^a]", &[], "^"));
        assert!(!m("[!a]", &[], "a"));
        assert!(m("{a,b", &[], "b"));
        assert!(m("a{,x}", &[], "a"));
        assert!(m("\\*", &[], "*"));
        assert!(m("?", &['.'], "é"));
        assert!(!m("?", &['.'], "."));
        assert!(m("[a-c]x", &[], "bx"));
        assert!(Glob::compile("[]", &[]).is_err());
        assert!(Glob::compile("[a", &[]).is_err());
    }
}
