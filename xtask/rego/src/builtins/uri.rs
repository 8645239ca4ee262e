//! `uri.parse` and `uri.is_valid`: a URI split as Go's `net/url.Parse` splits it, reported with
//! the fields OPA returns (scheme, hostname, port, path, raw_path, raw_query, fragment).

use anyhow::{anyhow, bail, Result};
use regorus::{Engine, Value};
use serde_json::{Map, Value as Json};

use super::{add, from_json, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "uri.parse", 1, |a| {
        let s = string(a, 0)?;
        parse(s).map_err(|e| anyhow!("parse {s:?}: {e}"))
    })?;
    add(engine, "uri.is_valid", 1, |a| {
        Ok(Value::from(parse(string(a, 0)?).is_ok()))
    })
}

/// Go's `url.PathUnescape`-style decoding: `%XX` must be two hex digits.
fn unescape(s: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            let Some(h) = hex else {
                let end = (i + 3).min(s.len());
                bail!("invalid URL escape {:?}", s.get(i..end).unwrap_or("%"));
            };
            out.push(u8::from_str_radix(h, 16)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn parse(raw: &str) -> Result<Value> {
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        bail!("net/url: invalid control character in URL");
    }
    let mut out = Map::new();
    let mut put = |k: &str, v: String| {
        if !v.is_empty() {
            out.insert(k.to_string(), Json::String(v));
        }
    };
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    if let Some(f) = fragment {
        put("fragment", unescape(f)?);
    }
    // scheme: a letter, then letters, digits, `+`, `-`, `.`, up to `:`.
    let mut scheme = "";
    let mut rest = rest;
    for (i, c) in rest.char_indices() {
        if c.is_ascii_alphabetic() {
            continue;
        }
        if i > 0 && (c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) {
            continue;
        }
        if c == ':' {
            if i == 0 {
                bail!("missing protocol scheme");
            }
            scheme = &rest[..i];
            rest = &rest[i + 1..];
        }
        break;
    }
    put("scheme", scheme.to_ascii_lowercase());
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q),
        None => (rest, ""),
    };
    put("raw_query", query.to_string());
    if !rest.starts_with('/') {
        if !scheme.is_empty() {
            return Ok(from_json(Json::Object(out))); // opaque: `mailto:joe@example.com`
        }
        let first = rest.split('/').next().unwrap_or("");
        if first.contains(':') {
            bail!("first path segment in URL cannot contain colon");
        }
    }
    let mut path = rest;
    if rest.starts_with("//") && !rest.starts_with("///") {
        let after = &rest[2..];
        let end = after.find('/').unwrap_or(after.len());
        let authority = &after[..end];
        path = &after[end..];
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (hostname, port) = if let Some(v6) = host.strip_prefix('[') {
            let Some(close) = v6.find(']') else {
                bail!("missing ']' in host");
            };
            let tail = &v6[close + 1..];
            let port = match tail.strip_prefix(':') {
                Some(p) => p,
                None if tail.is_empty() => "",
                None => bail!("invalid port {tail:?} after host"),
            };
            (&v6[..close], port)
        } else {
            match host.rsplit_once(':') {
                Some((h, p)) => (h, p),
                None => (host, ""),
            }
        };
        if !port.bytes().all(|c| c.is_ascii_digit()) {
            bail!("invalid port \":{port}\" after host");
        }
        put("hostname", unescape(hostname)?);
        put("port", port.to_string());
    }
    put("path", unescape(path)?);
    put("raw_path", path.to_string());
    Ok(from_json(Json::Object(out)))
}
