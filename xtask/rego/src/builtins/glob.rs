//! `glob.match` and `glob.quote_meta` as OPA runs them: gobwas/glob v0.2.3 (the library OPA
//! calls) ported with its compiler's optimizations, which decide some answers (`a/**/b` matches
//! `a/b`; a fixed-length run cuts a multi-byte character; `a{}` is an error). Syntax: `*` stops at
//! a delimiter, `**` matches across them, `?`, `[abc]`, `[a-z]`, `[!a]` (a `^` is a literal),
//! `{a,b}`, an unclosed `{` closed at the end, `\` escapes; `.` is the delimiter when the list is
//! empty, none when it is `null`. `glob.quote_meta` puts a `\` before each of `*?\[]{}`.

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
        Ok(Value::from(glob.matches(subject)?))
    })
}

/// gobwas/glob's syntax tree.
#[derive(Clone, Debug, PartialEq)]
enum Ast {
    Pattern(Vec<Ast>),
    AnyOf(Vec<Ast>),
    Text(String),
    Any,
    Super,
    Single,
    List(Vec<char>, bool),
    Range(char, char, bool),
    Nothing,
}

/// A compiled pattern: gobwas/glob v0.2.3's matcher tree, whose optimizations decide some
/// answers (`a/**/b` matches `a/b`; fixed-length rows cut multi-byte characters), as in OPA.
pub struct Glob {
    m: M,
}

impl Glob {
    pub fn compile(pattern: &str, delimiters: &[char]) -> Result<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut pos = 0;
        let tree = Ast::Pattern(parse_seq(&chars, &mut pos, 0)?);
        Ok(Glob {
            m: compile(&tree, delimiters)?,
        })
    }

    pub fn matches(&self, s: &str) -> Result<bool> {
        self.m.matches(s.as_bytes())
    }
}

/// gobwas/glob's lexer and parser in one: a sequence up to the end (or, inside `{}` at
/// `depth > 0`, up to `,` or `}`); a run of text is one node.
fn parse_seq(p: &[char], pos: &mut usize, depth: usize) -> Result<Vec<Ast>> {
    let mut out = Vec::new();
    while *pos < p.len() {
        let c = p[*pos];
        match c {
            ',' | '}' if depth > 0 => return Ok(out),
            '{' => {
                *pos += 1;
                let mut alts = Vec::new();
                loop {
                    alts.push(Ast::Pattern(parse_seq(p, pos, depth + 1)?));
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
                out.push(Ast::AnyOf(alts));
            }
            '[' => {
                *pos += 1;
                out.push(parse_class(p, pos)?);
            }
            '?' => {
                *pos += 1;
                out.push(Ast::Single);
            }
            '*' => {
                *pos += 1;
                if p.get(*pos) == Some(&'*') {
                    *pos += 1;
                    out.push(Ast::Super);
                } else {
                    out.push(Ast::Any);
                }
            }
            _ => {
                // Text up to the next special character; `\` escapes the next one.
                let mut text = String::new();
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
                    text.push(c);
                    *pos += 1;
                }
                if !text.is_empty() {
                    out.push(Ast::Text(text));
                }
            }
        }
    }
    Ok(out)
}

/// `[` already read: `[!]lo-hi]` or `[!]chars]`.
fn parse_class(p: &[char], pos: &mut usize) -> Result<Ast> {
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
        return Ok(Ast::Range(first, hi, not));
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
    Ok(Ast::List(chars, not))
}

// ---- gobwas/glob v0.2.3's compiler ----

/// Parts (text runs, wildcards, classes, alternatives) of one pattern or alternative.
const MAX_PARTS: usize = 256;

fn compile(tree: &Ast, sep: &[char]) -> Result<M> {
    let m = match tree {
        Ast::AnyOf(children) => {
            if let Some(n) = minimize_any_of(children) {
                return compile(&n, sep);
            }
            return Ok(M::AnyOf(compile_children(children, sep)?));
        }
        Ast::Pattern(children) => {
            if children.is_empty() {
                return Ok(M::Nothing);
            }
            // gobwas's minimizer is cubic in the parts of a pattern; OPA would hang on what
            // this refuses.
            if children.len() > MAX_PARTS {
                bail!("glob pattern has more than {MAX_PARTS} parts");
            }
            let ms = compile_children(children, sep)?;
            compile_matchers(minimize_matchers(ms))?
        }
        Ast::Any => M::Any(sep.to_vec()),
        Ast::Super => M::Super,
        Ast::Single => M::Single(sep.to_vec()),
        Ast::Nothing => M::Nothing,
        Ast::List(c, not) => M::List(c.clone(), *not),
        Ast::Range(lo, hi, not) => M::Range(*lo, *hi, *not),
        Ast::Text(t) => M::text(t),
    };
    Ok(optimize(m))
}

fn compile_children(children: &[Ast], sep: &[char]) -> Result<Vec<M>> {
    children
        .iter()
        .map(|c| compile(c, sep).map(optimize))
        .collect()
}

fn children(a: &Ast) -> &[Ast] {
    match a {
        Ast::Pattern(c) | Ast::AnyOf(c) => c,
        _ => &[],
    }
}

/// `minimizeTreeAnyOf`: common leading and trailing nodes of the alternatives taken out.
fn minimize_any_of(alts: &[Ast]) -> Option<Ast> {
    if !alts.iter().all(|a| matches!(a, Ast::Pattern(_))) {
        return None;
    }
    let (left, right) = common_children(alts);
    if left.is_empty() && right.is_empty() {
        return None;
    }
    let mut result = Vec::new();
    if !left.is_empty() {
        result.push(Ast::Pattern(left.clone()));
    }
    let mut any_of: Vec<Ast> = Vec::new();
    for child in alts {
        let c = children(child);
        let reuse = c.get(left.len()..c.len().checked_sub(right.len())?)?;
        let node = if reuse.is_empty() {
            Ast::Nothing
        } else {
            Ast::Pattern(reuse.to_vec())
        };
        if !any_of.contains(&node) {
            any_of.push(node);
        }
    }
    if any_of.len() == 1 && any_of[0] != Ast::Nothing {
        result.push(any_of.remove(0));
    } else if any_of.len() > 1 {
        result.push(Ast::AnyOf(any_of));
    }
    if !right.is_empty() {
        result.push(Ast::Pattern(right));
    }
    Some(Ast::Pattern(result))
}

fn common_children(nodes: &[Ast]) -> (Vec<Ast>, Vec<Ast>) {
    if nodes.len() <= 1 {
        return (Vec::new(), Vec::new());
    }
    // The node with the fewest children (the first of them).
    let mut idx = 0;
    for (i, n) in nodes.iter().enumerate() {
        if children(n).len() < children(&nodes[idx]).len() {
            idx = i;
        }
    }
    let tree = children(&nodes[idx]);
    let tree_len = tree.len() as isize;
    let mut left = Vec::new();
    let mut right: Vec<Option<Ast>> = vec![None; tree.len()];
    let mut last_right = tree_len;
    let (mut break_left, mut break_right) = (false, false);
    let mut total = 0isize;
    let (mut i, mut j) = (0isize, tree_len - 1);
    while total < tree_len && j >= 0 && !(break_left && break_right) {
        let tl = &tree[i as usize];
        let tr = &tree[j as usize];
        for (k, node) in nodes.iter().enumerate() {
            if break_left && break_right {
                break;
            }
            if k == idx {
                continue;
            }
            let c = children(node);
            let rl = &c[i as usize];
            let rr = &c[(j + c.len() as isize - tree_len) as usize];
            break_left = break_left || tl != rl;
            break_right = break_right || (!break_left && j <= i);
            break_right = break_right || tr != rr;
        }
        if !break_left {
            total += 1;
            left.push(tl.clone());
        }
        if !break_right {
            total += 1;
            last_right = j;
            right[j as usize] = Some(tr.clone());
        }
        i += 1;
        j -= 1;
    }
    let right = right[last_right as usize..]
        .iter()
        .flatten()
        .cloned()
        .collect();
    (left, right)
}

fn compile_matchers(ms: Vec<M>) -> Result<M> {
    if ms.is_empty() {
        bail!("compile error: need at least one matcher");
    }
    if ms.len() == 1 {
        return Ok(ms.into_iter().next().unwrap_or(M::Nothing));
    }
    if let Some(m) = glue(&ms) {
        return Ok(m);
    }
    let mut idx = None;
    let mut max = -1;
    for (i, m) in ms.iter().enumerate() {
        let l = m.len();
        if l != -1 && l >= max {
            max = l;
            idx = Some(i);
        }
    }
    let Some(idx) = idx else {
        let mut it = ms.into_iter();
        let first = it.next().unwrap_or(M::Nothing);
        let rest = compile_matchers(it.collect())?;
        return Ok(M::btree(first, None, Some(rest)));
    };
    let mut left = ms;
    let mut right = left.split_off(idx + 1);
    let value = left.pop().unwrap_or(M::Nothing);
    let l = if left.is_empty() {
        None
    } else {
        Some(compile_matchers(left)?)
    };
    let r = if right.is_empty() {
        None
    } else {
        Some(compile_matchers(std::mem::take(&mut right))?)
    };
    Ok(M::btree(value, l, r))
}

fn glue(ms: &[M]) -> Option<M> {
    glue_every(ms).or_else(|| glue_row(ms))
}

fn glue_row(ms: &[M]) -> Option<M> {
    if ms.len() <= 1 {
        return None;
    }
    let mut l = 0;
    for m in ms {
        let ml = m.len();
        if ml == -1 {
            return None;
        }
        l += ml;
    }
    Some(M::Row(ms.to_vec(), l))
}

fn glue_every(ms: &[M]) -> Option<M> {
    if ms.len() <= 1 {
        return None;
    }
    let (mut has_any, mut has_super, mut has_single) = (false, false, false);
    let mut min = 0;
    let mut separator: Vec<char> = Vec::new();
    for (i, m) in ms.iter().enumerate() {
        let sep: Vec<char> = match m {
            M::Super => {
                has_super = true;
                Vec::new()
            }
            M::Any(s) => {
                has_any = true;
                s.clone()
            }
            M::Single(s) => {
                has_single = true;
                min += 1;
                s.clone()
            }
            M::List(l, true) => {
                has_single = true;
                min += 1;
                l.clone()
            }
            _ => return None,
        };
        if i == 0 {
            separator = sep.clone();
        }
        if sep != separator {
            return None;
        }
    }
    if has_super && !has_any && !has_single {
        return Some(M::Super);
    }
    if has_any && !has_super && !has_single {
        return Some(M::Any(separator));
    }
    if (has_any || has_super) && min > 0 && separator.is_empty() {
        return Some(M::Min(min));
    }
    let mut every = Vec::new();
    if min > 0 {
        every.push(M::Min(min));
        if !has_any && !has_super {
            every.push(M::Max(min));
        }
    }
    if !separator.is_empty() {
        every.push(M::Contains(separator.iter().collect(), true));
    }
    Some(M::EveryOf(every))
}

fn minimize_matchers(ms: Vec<M>) -> Vec<M> {
    let mut done: Option<M> = None;
    let (mut left, mut right, mut count) = (0, 0, 0);
    for l in 0..ms.len() {
        for r in (l + 1..=ms.len()).rev() {
            if let Some(g) = glue(&ms[l..r]) {
                let swap = match &done {
                    None => true,
                    Some(d) => {
                        let (cl, gl) = (d.len(), g.len());
                        (cl > -1 && gl > -1 && gl > cl) || count < r - l
                    }
                };
                if swap {
                    done = Some(g);
                    left = l;
                    right = r;
                    count = r - l;
                }
            }
        }
    }
    let Some(done) = done else { return ms };
    let n = ms.len();
    let mut next: Vec<M> = ms[..left].to_vec();
    next.push(done);
    if right < n {
        next.extend_from_slice(&ms[right..]);
    }
    if next.len() == n {
        return next;
    }
    minimize_matchers(next)
}

fn optimize(m: M) -> M {
    match m {
        M::Any(s) if s.is_empty() => M::Super,
        M::AnyOf(mut v) if v.len() == 1 => v.remove(0),
        M::List(l, false) if l.len() == 1 => M::text(&l.iter().collect::<String>()),
        M::BTree(mut b) => {
            b.left = b.left.map(|l| Box::new(optimize(*l)));
            b.right = b.right.map(|r| Box::new(optimize(*r)));
            let M::Text { s: text, .. } = &*b.value else {
                return M::BTree(b);
            };
            let text = text.clone();
            let (left, right) = (b.left.as_deref(), b.right.as_deref());
            match (left, right) {
                (None, None) => M::text(&text),
                (Some(M::Super), Some(M::Super)) => M::Contains(text, false),
                (Some(M::Super), None) => M::Suffix(text),
                (None, Some(M::Super)) => M::Prefix(text),
                (None, Some(M::Suffix(s))) => M::PrefixSuffix(text, s.clone()),
                (Some(M::Prefix(p)), None) => M::PrefixSuffix(p.clone(), text),
                (Some(M::Any(s)), None) => M::SuffixAny(text, s.clone()),
                (None, Some(M::Any(s))) => M::PrefixAny(text, s.clone()),
                _ => M::BTree(b),
            }
        }
        m => m,
    }
}

// ---- gobwas/glob v0.2.3's matchers, over Go's bytes ----

#[derive(Clone, Debug)]
struct BTree {
    value: Box<M>,
    left: Option<Box<M>>,
    right: Option<Box<M>>,
    llen: isize,
    rlen: isize,
    len: isize,
}

#[derive(Clone, Debug)]
enum M {
    Text { s: String, runes: isize },
    Any(Vec<char>),
    Super,
    Single(Vec<char>),
    List(Vec<char>, bool),
    Range(char, char, bool),
    Nothing,
    AnyOf(Vec<M>),
    EveryOf(Vec<M>),
    Min(usize),
    Max(usize),
    Contains(String, bool),
    Prefix(String),
    Suffix(String),
    PrefixSuffix(String, String),
    PrefixAny(String, Vec<char>),
    SuffixAny(String, Vec<char>),
    Row(Vec<M>, isize),
    BTree(BTree),
}

/// Go's `utf8.DecodeRuneInString`: the rune and its width (U+FFFD, 1 for a bad byte).
fn decode(s: &[u8]) -> (char, usize) {
    if s.is_empty() {
        return ('\u{FFFD}', 0);
    }
    let n = match s[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return ('\u{FFFD}', 1),
    };
    match s.get(..n).and_then(|b| std::str::from_utf8(b).ok()) {
        Some(t) => (t.chars().next().unwrap_or('\u{FFFD}'), n),
        None => ('\u{FFFD}', 1),
    }
}

/// Go's `for i, r := range s`: (byte index, rune, width).
fn runes(s: &[u8]) -> impl Iterator<Item = (usize, char, usize)> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        if i >= s.len() {
            return None;
        }
        let (r, w) = decode(&s[i..]);
        let at = i;
        i += w;
        Some((at, r, w))
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// gobwas's `IndexAnyRunes`: the first separator (in the list's order) found anywhere.
fn index_any_runes(s: &[u8], rs: &[char]) -> Option<usize> {
    rs.iter().find_map(|r| {
        let mut buf = [0u8; 4];
        find(s, r.encode_utf8(&mut buf).as_bytes())
    })
}

fn rune_count(s: &[u8]) -> usize {
    runes(s).count()
}

fn merge(target: &[usize], sub: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(target.len() + sub.len());
    let (mut x, mut y) = (0, 0);
    while x < target.len() || y < sub.len() {
        if x >= target.len() {
            out.extend_from_slice(&sub[y..]);
            break;
        }
        if y >= sub.len() {
            out.extend_from_slice(&target[x..]);
            break;
        }
        match target[x].cmp(&sub[y]) {
            std::cmp::Ordering::Equal => {
                out.push(target[x]);
                x += 1;
                y += 1;
            }
            std::cmp::Ordering::Less => {
                out.push(target[x]);
                x += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(sub[y]);
                y += 1;
            }
        }
    }
    out
}

/// A slice Go would take, or the runtime error Go panics with (OPA reports it as an error).
fn slice(s: &[u8], from: usize, to: usize) -> Result<&[u8]> {
    s.get(from..to)
        .ok_or_else(|| anyhow!("runtime error: slice bounds out of range [{from}:{to}]"))
}

impl M {
    fn text(s: &str) -> M {
        M::Text {
            s: s.to_string(),
            runes: s.chars().count() as isize,
        }
    }

    fn btree(value: M, left: Option<M>, right: Option<M>) -> M {
        let vlen = value.len();
        let mut ok = vlen != -1;
        let llen = left.as_ref().map_or(0, M::len);
        let rlen = right.as_ref().map_or(0, M::len);
        ok = ok && llen != -1 && rlen != -1;
        M::BTree(BTree {
            value: Box::new(value),
            left: left.map(Box::new),
            right: right.map(Box::new),
            llen,
            rlen,
            len: if ok { llen + vlen + rlen } else { -1 },
        })
    }

    /// Length in runes when fixed, else -1.
    fn len(&self) -> isize {
        match self {
            M::Text { runes, .. } => *runes,
            M::Single(_) | M::List(..) | M::Range(..) => 1,
            M::Nothing => 0,
            M::AnyOf(ms) => {
                let mut l = -1;
                for (i, m) in ms.iter().enumerate() {
                    let ml = m.len();
                    if i == 0 {
                        l = ml;
                    } else if ml == -1 || l != ml {
                        return -1;
                    }
                }
                l
            }
            // Go's EveryOf.Len starts at 0 and gives up unless it is positive: -1 for any.
            M::EveryOf(ms) if ms.is_empty() => 0,
            M::Row(_, l) => *l,
            M::BTree(b) => b.len,
            _ => -1,
        }
    }

    fn matches(&self, s: &[u8]) -> Result<bool> {
        Ok(match self {
            M::Text { s: t, .. } => s == t.as_bytes(),
            M::Any(sep) => index_any_runes(s, sep).is_none(),
            M::Super => true,
            M::Single(sep) => {
                let (r, w) = decode(s);
                s.len() <= w && !sep.contains(&r)
            }
            M::List(l, not) => {
                let (r, w) = decode(s);
                s.len() <= w && l.contains(&r) != *not
            }
            M::Range(lo, hi, not) => {
                let (r, w) = decode(s);
                s.len() <= w && ((*lo..=*hi).contains(&r)) != *not
            }
            M::Nothing => s.is_empty(),
            M::AnyOf(ms) => {
                for m in ms {
                    if m.matches(s)? {
                        return Ok(true);
                    }
                }
                false
            }
            M::EveryOf(ms) => {
                for m in ms {
                    if !m.matches(s)? {
                        return Ok(false);
                    }
                }
                true
            }
            M::Min(n) => rune_count(s) >= *n,
            M::Max(n) => rune_count(s) <= *n,
            M::Contains(needle, not) => find(s, needle.as_bytes()).is_some() != *not,
            M::Prefix(p) => s.starts_with(p.as_bytes()),
            M::Suffix(x) => s.ends_with(x.as_bytes()),
            // No check that the two do not overlap: `a/**/b` matches `a/b`, as in gobwas.
            M::PrefixSuffix(p, x) => s.starts_with(p.as_bytes()) && s.ends_with(x.as_bytes()),
            M::PrefixAny(p, sep) => {
                s.starts_with(p.as_bytes()) && index_any_runes(&s[p.len()..], sep).is_none()
            }
            M::SuffixAny(x, sep) => {
                s.ends_with(x.as_bytes()) && index_any_runes(&s[..s.len() - x.len()], sep).is_none()
            }
            M::Row(ms, l) => rune_count(s) as isize == *l && row_match_all(ms, s)?,
            M::BTree(b) => btree_match(b, s)?,
        })
    }

    /// The first index where the matcher matches and the lengths it can match there.
    fn index(&self, s: &[u8]) -> Result<Option<(usize, Vec<usize>)>> {
        Ok(match self {
            M::Text { s: t, .. } => find(s, t.as_bytes()).map(|i| (i, vec![t.len()])),
            M::Single(sep) => runes(s)
                .find(|(_, r, _)| !sep.contains(r))
                .map(|(i, _, w)| (i, vec![w])),
            M::List(l, not) => runes(s)
                .find(|(_, r, _)| *not != l.contains(r))
                .map(|(i, _, w)| (i, vec![w])),
            M::Range(lo, hi, not) => runes(s)
                .find(|(_, r, _)| *not != (*lo..=*hi).contains(r))
                .map(|(i, _, w)| (i, vec![w])),
            M::Nothing => Some((0, vec![0])),
            M::Super => {
                let mut seg: Vec<usize> = runes(s).map(|(i, _, _)| i).collect();
                seg.push(s.len());
                Some((0, seg))
            }
            M::Any(sep) => {
                let s = match index_any_runes(s, sep) {
                    Some(0) => return Ok(Some((0, vec![0]))),
                    Some(f) => &s[..f],
                    None => s,
                };
                let mut seg: Vec<usize> = runes(s).map(|(i, _, _)| i).collect();
                seg.push(s.len());
                Some((0, seg))
            }
            M::AnyOf(ms) => {
                let mut best: Option<(usize, Vec<usize>)> = None;
                for m in ms {
                    let Some((idx, seg)) = m.index(s)? else {
                        continue;
                    };
                    best = match best {
                        None => Some((idx, seg)),
                        Some((b, _)) if idx < b => Some((idx, seg)),
                        Some((b, bs)) if idx == b => Some((b, merge(&bs, &seg))),
                        keep => keep,
                    };
                }
                best
            }
            M::Row(ms, l) => {
                for (i, _, _) in runes(s) {
                    if ((s.len() - i) as isize) < *l {
                        break;
                    }
                    if row_match_all(ms, &s[i..])? {
                        return Ok(Some((i, vec![*l as usize])));
                    }
                }
                None
            }
            // Only fixed-length matchers are searched for; gobwas leaves the rest at -1.
            _ => None,
        })
    }
}

/// Go's `Row.matchAll`: each matcher on its next `Len()` runes, cut where Go cuts (after the
/// first byte of the last rune).
fn row_match_all(ms: &[M], s: &[u8]) -> Result<bool> {
    let mut idx = 0;
    for m in ms {
        let length = m.len();
        let (mut next, mut i) = (0usize, 0isize);
        for (at, _, _) in runes(s.get(idx..).unwrap_or_default()) {
            next = at;
            i += 1;
            if i == length {
                break;
            }
        }
        if i < length || !m.matches(slice(s, idx, idx + next + 1)?)? {
            return Ok(false);
        }
        idx += next + 1;
    }
    Ok(true)
}

/// Go's `BTree.Match`, which mixes rune lengths with byte offsets as gobwas does.
fn btree_match(b: &BTree, s: &[u8]) -> Result<bool> {
    let n = s.len();
    if b.len != -1 && b.len > n as isize {
        return Ok(false);
    }
    let mut offset = if b.llen >= 0 { b.llen as usize } else { 0 };
    let limit = if b.rlen >= 0 {
        (n as isize - b.rlen).max(0) as usize
    } else {
        n
    };
    while offset < limit {
        let Some((index, segments)) = b.value.index(slice(s, offset, limit)?)? else {
            return Ok(false);
        };
        let l = slice(s, 0, offset + index)?;
        let left = match &b.left {
            Some(m) => m.matches(l)?,
            None => l.is_empty(),
        };
        if left {
            for &length in segments.iter().rev() {
                let r: &[u8] = if n <= offset + index + length {
                    &[]
                } else {
                    &s[offset + index + length..]
                };
                let right = match &b.right {
                    Some(m) => m.matches(r)?,
                    None => r.is_empty(),
                };
                if right {
                    return Ok(true);
                }
            }
        }
        let (_, step) = decode(&s[offset + index..]);
        offset += index + step.max(1);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, d: &[char], s: &str) -> bool {
        Glob::compile(p, d).unwrap().matches(s).unwrap()
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
        // gobwas's own answers, which OPA gives.
        assert!(m("a/**/b", &['/'], "a/b"));
        assert!(!m("?a", &[], "éa"));
        assert!(m("*?", &['.', ','], "a.b"));
        assert!(m("?", &['.'], "é"));
        assert!(!m("?", &['.'], "."));
        assert!(m("[a-c]x", &[], "bx"));
        assert!(Glob::compile("[]", &[]).is_err());
        assert!(Glob::compile("[a", &[]).is_err());
    }
}
