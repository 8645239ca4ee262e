//! gojsonschema's `format` checkers, on the Go functions they call: `time.Parse` with five
//! layouts, `net/mail.ParseAddress`, `net.ParseIP`, `net/url.Parse`, RE2 `regexp.Compile`, and
//! its own regular expressions. A format gojsonschema does not know always passes.

use std::net::IpAddr;
use std::sync::OnceLock;

use regex::Regex;

use super::super::gourl;

/// Whether `s` has format `name`.
pub fn is_format(name: &str, s: &str) -> bool {
    match name {
        "date" => go_time(s, DATE),
        "time" => go_time(s, TIME_TZ) || go_time(s, TIME),
        "date-time" => [TIME, TIME_TZ, DATE, RFC3339, RFC3339_NANO]
            .iter()
            .any(|l| go_time(s, l)),
        "hostname" => s.len() < 256 && re(&HOST, HOSTNAME).is_match(s),
        "email" | "idn-email" => mail_address(s),
        "ipv4" => go_parse_ip(s) && s.contains('.'),
        "ipv6" => go_parse_ip(s) && s.contains(':'),
        "uri" | "iri" => gourl::parse(s).is_ok_and(|u| !u.scheme.is_empty()) && !s.contains('\\'),
        "uri-reference" | "iri-reference" => gourl::parse(s).is_ok() && !s.contains('\\'),
        "uri-template" => match gourl::parse(s) {
            Ok(u) if !s.contains('\\') => {
                re(&TEMPLATE, r"^([^{]*(\{[^}]*\})?)*$").is_match(&u.path)
            }
            _ => false,
        },
        "uuid" => re(
            &UUID,
            "^(?i)[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$",
        )
        .is_match(s),
        "regex" => s.is_empty() || go_regex(s).is_some(),
        "json-pointer" => re(&POINTER, "^(?:/(?:[^~/]|~0|~1)*)*$").is_match(s),
        "relative-json-pointer" => re(
            &REL_POINTER,
            "^(?:0|[1-9][0-9]*)(?:#|(?:/(?:[^~/]|~0|~1)*)*)$",
        )
        .is_match(s),
        _ => true,
    }
}

const HOSTNAME: &str = r"^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9]))*$";
static HOST: OnceLock<Regex> = OnceLock::new();
static TEMPLATE: OnceLock<Regex> = OnceLock::new();
static UUID: OnceLock<Regex> = OnceLock::new();
static POINTER: OnceLock<Regex> = OnceLock::new();
static REL_POINTER: OnceLock<Regex> = OnceLock::new();

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    // The patterns are constants of this file; a test compiles each one.
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|_| unreachable_regex()))
}

fn unreachable_regex() -> Regex {
    // Matches nothing; only reached if a constant above stopped compiling.
    Regex::new("[^\\s\\S]").unwrap_or_else(|_| panic!("empty class regex"))
}

/// Go's RE2 `regexp.Compile` on the `regex` crate: Perl classes (`\d`, `\w`, `\s`, `\b`) are
/// ASCII in Go, and Go refuses repeat counts above 1000.
pub fn go_regex(pattern: &str) -> Option<Regex> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let n = chars.next()?;
                let rep = match (n, in_class) {
                    ('d', false) => "[0-9]",
                    ('D', false) => "[^0-9]",
                    ('w', false) => "[0-9A-Za-z_]",
                    ('W', false) => "[^0-9A-Za-z_]",
                    ('s', false) => "[\\t\\n\\f\\r ]",
                    ('S', false) => "[^\\t\\n\\f\\r ]",
                    ('b', false) => "(?-u:\\b)",
                    ('B', false) => "(?-u:\\B)",
                    ('d', true) => "0-9",
                    ('w', true) => "0-9A-Za-z_",
                    ('s', true) => "\\t\\n\\f\\r ",
                    _ => {
                        out.push('\\');
                        out.push(n);
                        continue;
                    }
                };
                out.push_str(rep);
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` right after `[` or `[^` is a literal in both engines.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // `[:alpha:]` inside a class
                out.push('[');
                for c in chars.by_ref() {
                    out.push(c);
                    if c == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '{' if !in_class => {
                out.push('{');
                let mut count = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() || d == ',' {
                        count.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if chars.peek() == Some(&'}')
                    && count
                        .split(',')
                        .any(|n| n.parse::<u64>().is_ok_and(|n| n > 1000))
                {
                    return None;
                }
                out.push_str(&count);
            }
            c => out.push(c),
        }
    }
    // Go knows no `x` (verbose) or `u` flags; the `regex` crate would accept them.
    if flag_groups(pattern).any(|f| f.contains(['x', 'u', 'R'])) {
        return None;
    }
    Regex::new(&out).ok()
}

/// The flag letters of every `(?flags)` / `(?flags:` group.
fn flag_groups(p: &str) -> impl Iterator<Item = &str> {
    p.match_indices("(?").filter_map(move |(i, _)| {
        let rest = &p[i + 2..];
        let end = rest.find([')', ':'])?;
        let flags = &rest[..end];
        flags
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '-')
            .then_some(flags)
    })
}

/// Go's `net.ParseIP`: IPv4 dotted quads without leading zeros, IPv6 (with an embedded IPv4
/// tail), no zones.
fn go_parse_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok()
}

/// One element of the Go time layouts gojsonschema uses.
#[derive(Clone, Copy, PartialEq)]
enum T {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Frac,
    Zone,
    Lit(u8),
}

const TIME: &[T] = &[T::Hour, T::Lit(b':'), T::Minute, T::Lit(b':'), T::Second];
const TIME_TZ: &[T] = &[
    T::Hour,
    T::Lit(b':'),
    T::Minute,
    T::Lit(b':'),
    T::Second,
    T::Zone,
];
const DATE: &[T] = &[T::Year, T::Lit(b'-'), T::Month, T::Lit(b'-'), T::Day];
const RFC3339: &[T] = &[
    T::Year,
    T::Lit(b'-'),
    T::Month,
    T::Lit(b'-'),
    T::Day,
    T::Lit(b'T'),
    T::Hour,
    T::Lit(b':'),
    T::Minute,
    T::Lit(b':'),
    T::Second,
    T::Zone,
];
const RFC3339_NANO: &[T] = &[
    T::Year,
    T::Lit(b'-'),
    T::Month,
    T::Lit(b'-'),
    T::Day,
    T::Lit(b'T'),
    T::Hour,
    T::Lit(b':'),
    T::Minute,
    T::Lit(b':'),
    T::Second,
    T::Frac,
    T::Zone,
];

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(v: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let d = |i: usize| {
        v.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| (c - b'0') as u32)
    };
    let a = d(0)?;
    match d(1) {
        Some(b) => Some((a * 10 + b, &v[2..])),
        None if fixed => None,
        None => Some((a, &v[1..])),
    }
}

fn digits_len(v: &[u8]) -> usize {
    v.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Go's `time.Parse(layout, s)` succeeds.
fn go_time(s: &str, layout: &[T]) -> bool {
    let mut v = s.as_bytes();
    let (mut year, mut month, mut day) = (0u32, 1u32, 1u32);
    for (i, item) in layout.iter().enumerate() {
        match *item {
            T::Lit(c) => match v.split_first() {
                Some((&x, rest)) if x == c => v = rest,
                _ => return false,
            },
            T::Year => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return false;
                }
                year = v[..4].iter().fold(0, |a, c| a * 10 + (c - b'0') as u32);
                v = &v[4..];
            }
            T::Month => match getnum(v, true) {
                Some((m, rest)) if (1..=12).contains(&m) => (month, v) = (m, rest),
                _ => return false,
            },
            T::Day => match getnum(v, true) {
                Some((d, rest)) => (day, v) = (d, rest),
                None => return false,
            },
            T::Hour => match getnum(v, false) {
                Some((h, rest)) if h < 24 => v = rest,
                _ => return false,
            },
            T::Minute => match getnum(v, true) {
                Some((m, rest)) if m < 60 => v = rest,
                _ => return false,
            },
            T::Second => {
                match getnum(v, true) {
                    Some((sec, rest)) if sec < 60 => v = rest,
                    _ => return false,
                }
                // A fraction the layout does not spell out is accepted anyway.
                if layout.get(i + 1) != Some(&T::Frac)
                    && v.len() >= 2
                    && matches!(v[0], b'.' | b',')
                    && v[1].is_ascii_digit()
                {
                    v = &v[1 + digits_len(&v[1..])..];
                }
            }
            T::Frac => {
                if v.len() >= 2 && matches!(v[0], b'.' | b',') && v[1].is_ascii_digit() {
                    v = &v[1 + digits_len(&v[1..])..];
                }
            }
            T::Zone => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                    continue;
                }
                if v.len() < 6 || v[3] != b':' || !matches!(v[0], b'+' | b'-') {
                    return false;
                }
                match (getnum(&v[1..3], true), getnum(&v[4..6], true)) {
                    (Some((h, _)), Some((m, _))) if h <= 24 && m <= 60 => v = &v[6..],
                    _ => return false,
                }
            }
        }
    }
    if !v.is_empty() {
        return false;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days).contains(&day)
}

/// Go's `net/mail.ParseAddress(s)` succeeds.
fn mail_address(s: &str) -> bool {
    let mut p = Mail { s };
    let Some(n) = p.parse_address(true) else {
        return false;
    };
    if !p.skip_cfws() || !p.s.is_empty() {
        return false;
    }
    n == 1
}

struct Mail<'a> {
    s: &'a str,
}

fn is_vchar(c: char) -> bool {
    ('!'..='~').contains(&c) || c as u32 >= 0x80
}

fn is_atext(c: char, dot: bool) -> bool {
    match c {
        '.' => dot,
        '(' | ')' | '<' | '>' | '[' | ']' | ':' | ';' | '@' | '\\' | ',' | '"' => false,
        c => is_vchar(c),
    }
}

impl Mail<'_> {
    fn skip_space(&mut self) {
        self.s = self.s.trim_start_matches([' ', '\t']);
    }

    fn consume(&mut self, c: char) -> bool {
        match self.s.strip_prefix(c) {
            Some(r) => {
                self.s = r;
                true
            }
            None => false,
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.chars().next()
    }

    /// The number of addresses, or `None` on a parse error.
    fn parse_address(&mut self, group: bool) -> Option<usize> {
        self.skip_space();
        if self.s.is_empty() {
            return None;
        }
        if self.addr_spec().is_some() {
            self.skip_space();
            if self.peek() == Some('(') {
                self.display_name_comment()?;
            }
            return Some(1);
        }
        let mut name = String::new();
        if self.peek() != Some('<') {
            name = self.phrase()?;
        }
        self.skip_space();
        if group && self.consume(':') {
            return self.group_list();
        }
        // (Go words the refusal by whether `name` was one atom; the answer is no either way.)
        let _ = name;
        if !self.consume('<') {
            return None;
        }
        self.addr_spec()?;
        self.consume('>').then_some(1)
    }

    fn group_list(&mut self) -> Option<usize> {
        let mut n = 0;
        self.skip_space();
        if self.consume(';') {
            return self.skip_cfws().then_some(0);
        }
        loop {
            self.skip_space();
            n += self.parse_address(false)?;
            if !self.skip_cfws() {
                return None;
            }
            if self.consume(';') {
                return self.skip_cfws().then_some(n);
            }
            if !self.consume(',') {
                return None;
            }
        }
    }

    fn addr_spec(&mut self) -> Option<()> {
        let orig = self.s;
        let r = self.addr_spec_inner();
        if r.is_none() {
            self.s = orig;
        }
        r
    }

    fn addr_spec_inner(&mut self) -> Option<()> {
        self.skip_space();
        match self.peek()? {
            '"' => {
                if self.quoted_string()?.is_empty() {
                    return None;
                }
            }
            _ => {
                self.atom(true, false)?;
            }
        }
        if !self.consume('@') {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            '[' => self.domain_literal(),
            _ => self.atom(true, false).map(|_| ()),
        }
    }

    fn phrase(&mut self) -> Option<String> {
        let mut words: Vec<String> = Vec::new();
        loop {
            if !words.is_empty() && !self.skip_cfws() {
                return None;
            }
            self.skip_space();
            if self.s.is_empty() {
                break;
            }
            let word = if self.peek() == Some('"') {
                self.quoted_string()
            } else {
                self.atom(true, true).filter(|w| !charset_error(w))
            };
            match word {
                Some(w) => words.push(w),
                None => break,
            }
        }
        (!words.is_empty()).then(|| words.join(" "))
    }

    fn quoted_string(&mut self) -> Option<String> {
        let mut out = String::new();
        let mut escaped = false;
        let mut it = self.s.char_indices().skip(1);
        loop {
            let (i, c) = it.next()?;
            if escaped {
                if !is_vchar(c) && c != ' ' && c != '\t' {
                    return None;
                }
                out.push(c);
                escaped = false;
            } else if (is_vchar(c) && c != '\\' && c != '"') || c == ' ' || c == '\t' {
                out.push(c);
            } else if c == '"' {
                self.s = &self.s[i + 1..];
                return Some(out);
            } else if c == '\\' {
                escaped = true;
            } else {
                return None;
            }
        }
    }

    fn atom(&mut self, dot: bool, permissive: bool) -> Option<String> {
        let end = self
            .s
            .char_indices()
            .find(|&(_, c)| !is_atext(c, dot))
            .map_or(self.s.len(), |(i, _)| i);
        if end == 0 {
            return None;
        }
        let atom = &self.s[..end];
        if !permissive && (atom.starts_with('.') || atom.contains("..") || atom.ends_with('.')) {
            return None;
        }
        self.s = &self.s[end..];
        Some(atom.to_string())
    }

    fn domain_literal(&mut self) -> Option<()> {
        if !self.consume('[') {
            return None;
        }
        let end = self.s.find(']')?;
        let text = &self.s[..end];
        if text.chars().any(|c| c == '[' || c == '\\' || !is_vchar(c)) {
            return None;
        }
        self.s = &self.s[end + 1..];
        go_parse_ip(text).then_some(())
    }

    fn display_name_comment(&mut self) -> Option<()> {
        if !self.consume('(') {
            return None;
        }
        let comment = self.comment()?;
        let bad = comment
            .split([' ', '\t'])
            .filter(|w| !w.is_empty())
            .any(charset_error);
        (!bad).then_some(())
    }

    fn skip_cfws(&mut self) -> bool {
        self.skip_space();
        while self.consume('(') {
            if self.comment().is_none() {
                return false;
            }
            self.skip_space();
        }
        true
    }

    fn comment(&mut self) -> Option<String> {
        let mut depth = 1;
        let mut out = String::new();
        let b = self.s.as_bytes();
        let mut i = 0;
        while i < b.len() && depth > 0 {
            if b[i] == b'\\' && b.len() - i > 1 {
                i += 1;
            } else if b[i] == b'(' {
                depth += 1;
            } else if b[i] == b')' {
                depth -= 1;
            }
            if depth > 0 {
                out.push(b[i] as char);
            }
            i += 1;
        }
        // Byte-wise as Go walks it; `i` may sit inside a multi-byte rune only if the comment
        // is unclosed, and then the parse fails anyway.
        self.s = self.s.get(i..).unwrap_or("");
        (depth == 0).then_some(out)
    }
}

/// An RFC 2047 encoded word whose text decodes but whose charset Go's decoder does not know:
/// `net/mail` reports that as an error (other malformed words are taken literally).
fn charset_error(word: &str) -> bool {
    if word.len() < 8
        || !word.starts_with("=?")
        || !word.ends_with("?=")
        || word.matches('?').count() != 4
    {
        return false;
    }
    let inner = &word[2..word.len() - 2];
    let mut parts = inner.splitn(3, '?');
    let (Some(charset), Some(enc), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let decodes = match enc {
        "b" | "B" => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .is_ok()
        }
        "q" | "Q" => q_decodes(text),
        _ => false,
    };
    decodes
        && !["utf-8", "us-ascii", "iso-8859-1"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(charset))
}

fn q_decodes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'=' => {
                if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                    && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
                {
                    return false;
                }
                i += 3;
            }
            b'_' => i += 1,
            c if (b' '..=b'~').contains(&c) || matches!(c, b'\n' | b'\r' | b'\t') => i += 1,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_patterns_compile() {
        for p in [HOSTNAME, r"^([^{]*(\{[^}]*\})?)*$"] {
            assert!(Regex::new(p).is_ok());
        }
        assert!(is_format("uuid", "F81D4FAE-7DEC-11D0-A765-00A0C91E6BF6"));
    }

    #[test]
    fn times_follow_go_time_parse() {
        let ok = |f: &str, s: &str| is_format(f, s);
        assert!(ok("date-time", "2020-01-02T03:04:05Z"));
        assert!(ok("date-time", "2020-01-02T3:04:05.123+01:00"));
        assert!(ok("date-time", "2020-01-02T03:04:05,5Z"));
        assert!(ok("date-time", "03:04:05"));
        assert!(ok("date-time", "2020-02-29"));
        assert!(!ok("date-time", "2021-02-29"));
        assert!(!ok("date-time", "2020-01-02t03:04:05Z"));
        assert!(!ok("date-time", "2020-01-02T24:00:00Z"));
        assert!(!ok("date-time", "2020-01-02T23:00:60Z"));
        assert!(ok("time", "23:59:59+24:00"));
        assert!(!ok("time", "23:59:59+25:00"));
        assert!(!ok("date", "2020-1-02"));
        assert!(ok("time", "1:02:03"));
    }

    #[test]
    fn mail_follows_net_mail() {
        for good in [
            "a@b",
            "a.b@c.d",
            "John <j@x.org>",
            "\"q s\"@x",
            "a@[1.2.3.4]",
            "a@b (comment)",
            "g: a@b;",
            "é@ü.de",
        ] {
            assert!(mail_address(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@b",
            "a..b@c",
            ".a@b",
            "a@b.",
            "<a@b",
            "a@[1.2.3]",
            "a@b, c@d",
            "g: a@b, c@d;",
            "=?x-unknown?q?a?= <a@b>",
        ] {
            assert!(!mail_address(bad), "{bad}");
        }
    }

    #[test]
    fn regexes_are_re2() {
        assert!(go_regex("a{1001}").is_none());
        assert!(go_regex("(?x)a").is_none());
        assert!(go_regex("(?i)a").is_some());
        assert!(go_regex("(").is_none());
        let d = go_regex(r"^\d$").unwrap();
        assert!(d.is_match("5") && !d.is_match("٥"));
        assert!(go_regex(r"[\d-]").unwrap().is_match("-"));
        assert!(go_regex(r"[]a]").unwrap().is_match("]"));
    }
}
