//! `uri.parse` and `uri.is_valid`: a URI split by Go's `net/url.Parse` (`gourl.rs`), reported
//! with the fields OPA returns (scheme, hostname, port, path, raw_path, raw_query, fragment).

use anyhow::{anyhow, Result};
use regorus::{Engine, Value};
use serde_json::{Map, Value as Json};

use super::{add, from_json, gourl, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "uri.parse", 1, |a| {
        let s = string(a, 0)?;
        parse(s).map_err(|e| anyhow!("parse {s:?}: {e}"))
    })?;
    add(engine, "uri.is_valid", 1, |a| {
        // OPA refuses the empty string, a valid relative reference for Go.
        let s = string(a, 0)?;
        Ok(Value::from(!s.is_empty() && gourl::parse(s).is_ok()))
    })
}

fn parse(raw: &str) -> Result<Value> {
    let u = gourl::parse(raw)?;
    let mut out = Map::new();
    let mut put = |k: &str, v: &str| {
        if !v.is_empty() {
            out.insert(k.to_string(), Json::String(v.to_string()));
        }
    };
    let (hostname, port) = split_host_port(&u.host);
    put("scheme", &u.scheme);
    put("hostname", hostname);
    put("port", port);
    if !u.path.is_empty() {
        put("path", &u.path);
        // Go's RawPath is set only where the path's own escaping differs; OPA falls back to it.
        let raw_path = if u.raw_path.is_empty() {
            &u.path
        } else {
            &u.raw_path
        };
        put("raw_path", raw_path);
    }
    put("raw_query", &u.raw_query);
    put("fragment", &u.fragment);
    Ok(from_json(Json::Object(out)))
}

/// Go's `URL.Hostname` and `URL.Port`: a port only after the last `:` when it is all digits,
/// and an IPv6 host without its brackets.
fn split_host_port(host: &str) -> (&str, &str) {
    let (mut h, port) = match host.rfind(':') {
        Some(i) if host[i + 1..].bytes().all(|c| c.is_ascii_digit()) => {
            (&host[..i], &host[i + 1..])
        }
        _ => (host, ""),
    };
    if let Some(inner) = h.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
        h = inner;
    }
    (h, port)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(s: &str) -> String {
        parse(s)
            .map(|v| v.to_json_str().unwrap_or_default())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn fields_as_opa_returns_them() {
        let v: Json = serde_json::from_str(&obj("https://u@h.example:8443/a%2Fb?q=1#f")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"scheme": "https", "hostname": "h.example", "port": "8443",
                "path": "/a/b", "raw_path": "/a%2Fb", "raw_query": "q=1", "fragment": "f"})
        );
        let v: Json = serde_json::from_str(&obj("https://example.com/a%21b")).unwrap();
        assert_eq!(v["raw_path"], "/a!b");
        let v: Json = serde_json::from_str(&obj("http://[::1]:80/")).unwrap();
        assert_eq!(
            (v["hostname"].as_str(), v["port"].as_str()),
            (Some("::1"), Some("80"))
        );
        assert!(obj("http://exa%6dple.com/").contains("invalid URL escape \"%6d\""));
        assert!(obj("http://a<b@example.com/").contains("invalid userinfo"));
    }
}
