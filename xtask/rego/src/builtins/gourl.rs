//! Go's `net/url` `Parse` and `URL.String`, for the URIs of X.509 certificates as OPA returns
//! them (`URIs` is Go's `url.URL` struct marshalled by `encoding/json`, `URIStrings` its
//! `String()`).

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use regorus::Value;

#[derive(Default)]
pub struct Url {
    pub scheme: String,
    pub opaque: String,
    pub user: Option<String>,
    pub host: String,
    pub path: String,
    pub raw_path: String,
    pub omit_host: bool,
    pub force_query: bool,
    pub raw_query: String,
    pub fragment: String,
    pub raw_fragment: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Path,
    Host,
    Fragment,
}

fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host && b"!$&'()*+,;=:[]<>\"".contains(&c) {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    if mode == Mode::Fragment && b"!()*".contains(&c) {
        return false;
    }
    true
}

fn unhex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn unescape(s: &str, mode: Mode) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(unhex),
                    b.get(i + 2).copied().and_then(unhex),
                ) else {
                    let end = (i + 3).min(b.len());
                    bail!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&b[i..end])
                    );
                };
                let v = h * 16 + l;
                if mode == Mode::Host && v < 0x80 && v != b'%' {
                    // Go only lets %25 (in zones) and non-ASCII bytes be escaped in hosts.
                    bail!(
                        "invalid URL escape {:?}",
                        String::from_utf8_lossy(&b[i..i + 3])
                    );
                }
                out.push(v);
                i += 3;
            }
            c => {
                if mode == Mode::Host && c < 0x80 && should_escape(c, Mode::Host) {
                    bail!("invalid character {:?} in host name", c as char);
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

fn get_scheme(raw: &str) -> Result<(&str, &str)> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' => {
                if i == 0 {
                    return Ok(("", raw));
                }
            }
            b':' => {
                if i == 0 {
                    bail!("missing protocol scheme");
                }
                return Ok((&raw[..i], &raw[i + 1..]));
            }
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// Go's `url.Parse`.
pub fn parse(raw: &str) -> Result<Url> {
    let (rest, frag) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    let mut u = parse_no_fragment(rest)?;
    if let Some(f) = frag {
        u.fragment = unescape(f, Mode::Fragment)?;
        u.raw_fragment = if escape(&u.fragment, Mode::Fragment) == f {
            String::new()
        } else {
            f.to_string()
        };
    }
    Ok(u)
}

fn parse_no_fragment(raw: &str) -> Result<Url> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        bail!("net/url: invalid control character in URL");
    }
    let mut u = Url::default();
    if raw == "*" {
        u.path = "*".into();
        return Ok(u);
    }
    let (scheme, mut rest) = get_scheme(raw)?;
    u.scheme = scheme.to_ascii_lowercase();
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        u.force_query = true;
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        u.raw_query = q.to_string();
    }
    if !rest.starts_with('/') {
        if !u.scheme.is_empty() {
            u.opaque = rest.to_string();
            return Ok(u);
        }
        let seg = rest.split('/').next().unwrap_or("");
        if seg.contains(':') {
            bail!("first path segment in URL cannot contain colon");
        }
    }
    if (!u.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        rest = path;
        let (user, host) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        u.host = parse_host(host)?;
        if let Some(user) = user {
            if !valid_userinfo(user) {
                bail!("net/url: invalid userinfo");
            }
            u.user = Some(user.to_string());
        }
    } else if !u.scheme.is_empty() && rest.starts_with('/') {
        u.omit_host = true;
    }
    u.path = unescape(rest, Mode::Path)?;
    u.raw_path = if escape(&u.path, Mode::Path) == rest {
        String::new()
    } else {
        rest.to_string()
    };
    Ok(u)
}

fn valid_userinfo(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c))
}

fn parse_host(host: &str) -> Result<String> {
    if host.starts_with('[') {
        let Some(i) = host.rfind(']') else {
            bail!("missing ']' in host");
        };
        let port = &host[i + 1..];
        if !valid_port(port) {
            bail!("invalid port {port:?} after host");
        }
        return unescape(host, Mode::Host);
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_port(port) {
            bail!("invalid port {port:?} after host");
        }
    }
    unescape(host, Mode::Host)
}

fn valid_port(p: &str) -> bool {
    match p.strip_prefix(':') {
        Some(d) => d.bytes().all(|b| b.is_ascii_digit()),
        None => p.is_empty(),
    }
}

impl Url {
    /// Go's `URL.String()` (the common shapes; the user part is written as parsed).
    pub fn text(&self) -> String {
        let mut s = String::new();
        if !self.scheme.is_empty() {
            s.push_str(&self.scheme);
            s.push(':');
        }
        if !self.opaque.is_empty() {
            s.push_str(&self.opaque);
        } else {
            if !self.scheme.is_empty() || !self.host.is_empty() || self.user.is_some() {
                if self.omit_host && self.host.is_empty() && self.user.is_none() {
                    // nothing: "scheme:/path"
                } else {
                    if !self.host.is_empty() || !self.path.is_empty() || self.user.is_some() {
                        s.push_str("//");
                    }
                    if let Some(u) = &self.user {
                        s.push_str(u);
                        s.push('@');
                    }
                    s.push_str(&escape_host(&self.host));
                }
            }
            let path = escaped(&self.raw_path, &self.path, Mode::Path);
            if !path.is_empty() && !path.starts_with('/') && !self.host.is_empty() {
                s.push('/');
            }
            if s.is_empty() {
                if let Some(seg) = path.split('/').next() {
                    if seg.contains(':') {
                        s.push_str("./");
                    }
                }
            }
            s.push_str(&path);
        }
        if self.force_query || !self.raw_query.is_empty() {
            s.push('?');
            s.push_str(&self.raw_query);
        }
        if !self.fragment.is_empty() {
            s.push('#');
            s.push_str(&escaped(&self.raw_fragment, &self.fragment, Mode::Fragment));
        }
        s
    }

    /// Go's `URL.EscapedPath()`.
    pub fn escaped_path(&self) -> String {
        escaped(&self.raw_path, &self.path, Mode::Path)
    }

    /// Go's `url.URL` as `encoding/json` writes it (`User` has only unexported fields: `{}`).
    pub fn to_value(&self) -> Value {
        let f: Vec<(&str, Value)> = vec![
            ("Scheme", Value::from(self.scheme.as_str())),
            ("Opaque", Value::from(self.opaque.as_str())),
            (
                "User",
                if self.user.is_some() {
                    Value::new_object()
                } else {
                    Value::Null
                },
            ),
            ("Host", Value::from(self.host.as_str())),
            ("Path", Value::from(self.path.as_str())),
            ("RawPath", Value::from(self.raw_path.as_str())),
            ("OmitHost", Value::from(self.omit_host)),
            ("ForceQuery", Value::from(self.force_query)),
            ("RawQuery", Value::from(self.raw_query.as_str())),
            ("Fragment", Value::from(self.fragment.as_str())),
            ("RawFragment", Value::from(self.raw_fragment.as_str())),
        ];
        Value::from(
            f.into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }
}

/// Go's `EscapedPath`/`EscapedFragment`: the raw form when it is validly encoded and decodes to
/// the value, else the value escaped.
fn escaped(raw: &str, value: &str, mode: Mode) -> String {
    if !raw.is_empty() && valid_encoded(raw, mode) && unescape(raw, mode).is_ok_and(|v| v == value)
    {
        return raw.to_string();
    }
    if mode == Mode::Path && value == "*" {
        return "*".to_string();
    }
    escape(value, mode)
}

/// Go's `validEncoded`.
fn valid_encoded(s: &str, mode: Mode) -> bool {
    s.bytes()
        .all(|c| b"!$&'()*+,;=:@[]%".contains(&c) || !should_escape(c, mode))
}

fn escape_host(h: &str) -> String {
    let mut out = String::new();
    for &c in h.as_bytes() {
        if c >= 0x80 || should_escape(c, Mode::Host) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn round_trips_common_uris() {
        for s in [
            "spiffe://acme/ns/x",
            "https://u@h.example:8443/a%2Fb?q=1#f",
            "urn:uuid:1234",
            "mailto:a@b.c",
            "file:///etc/x",
        ] {
            assert_eq!(parse(s).unwrap().text(), s, "{s}");
        }
        assert_eq!(parse("https://h/a b").unwrap().text(), "https://h/a%20b");
        let u = parse("https://h/a%2Fb").unwrap();
        assert_eq!((u.path.as_str(), u.raw_path.as_str()), ("/a/b", "/a%2Fb"));
        assert!(parse("h\x01").is_err());
        assert!(parse(":x").is_err());
    }
}
