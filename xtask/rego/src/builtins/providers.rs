//! `providers.aws.sign_req` as OPA v1.20 computes it: an `http.send` request object signed with
//! AWS Signature Version 4 (HMAC-SHA256), its headers returned with `Authorization`, `host`,
//! `x-amz-date` (and `x-amz-content-sha256` for S3 and Glacier, `x-amz-security-token` with a
//! session token) added. OPA's checks, their order and words are kept, quirks included (a
//! non-object AWS config is "operand 1", a non-object `headers` "operand 0").

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, Result};
use chrono::DateTime;
use hmac::{Hmac, Mac};
use regorus::{Engine, Value};
use sha2::{Digest, Sha256};

use super::encoding::{go_json, quote, rego_text};
use super::{add, bigjson, gourl, type_error, type_name, TypeError};

/// The keys the AWS config must have as strings (sorted, as OPA prints its set).
const AWS_KEYS: [&str; 4] = [
    "aws_access_key",
    "aws_region",
    "aws_secret_access_key",
    "aws_service",
];

/// The request keys `http.send` knows: OPA refuses any other.
const REQUEST_KEYS: &[&str] = &[
    "method",
    "url",
    "body",
    "enable_redirect",
    "force_json_decode",
    "force_yaml_decode",
    "headers",
    "raw_body",
    "tls_use_system_certs",
    "tls_ca_cert",
    "tls_ca_cert_file",
    "tls_ca_cert_env_variable",
    "tls_client_cert",
    "tls_client_cert_file",
    "tls_client_cert_env_variable",
    "tls_client_key",
    "tls_client_key_file",
    "tls_client_key_env_variable",
    "tls_insecure_skip_verify",
    "tls_server_name",
    "timeout",
    "cache",
    "force_cache",
    "force_cache_duration_seconds",
    "raise_error",
    "caching_mode",
    "max_retry_attempts",
    "cache_ignored_headers",
];

/// Headers OPA leaves out of the signature.
const UNSIGNED_HEADERS: [&str; 3] = ["authorization", "user-agent", "x-amzn-trace-id"];

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "providers.aws.sign_req", 3, sign_req)
}

/// OPA's `NewOperandErr`: an `eval_type_error` worded `operand N ...`.
fn operand_error(n: usize, msg: String) -> anyhow::Error {
    TypeError(format!("operand {n} {msg}")).into()
}

/// A set of keys as OPA prints it: `{"a", "b"}`, sorted.
fn set_text(keys: BTreeSet<Value>) -> String {
    rego_text(&Value::from(keys))
}

fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    match obj {
        Value::Object(o) => o.get(&Value::from(key)),
        _ => None,
    }
}

/// A string value's text, or `""` for any other value (OPA's `stringFromTerm`).
fn text(v: Option<&Value>) -> &str {
    match v {
        Some(Value::String(s)) => s,
        _ => "",
    }
}

fn sign_req(args: &[Value]) -> Result<Value> {
    let req = &args[0];
    if !matches!(req, Value::Object(_)) {
        return Err(type_error(1, "object", req));
    }
    let config = &args[1];
    if !matches!(config, Value::Object(_)) {
        return Err(type_error(1, "object", config));
    }
    let missing: BTreeSet<Value> = AWS_KEYS
        .iter()
        .filter(|k| get(config, k).is_none())
        .map(|k| Value::from(*k))
        .collect();
    if !missing.is_empty() {
        let keys = set_text(missing);
        return Err(operand_error(
            2,
            format!("missing required AWS config parameters(s): {keys}"),
        ));
    }
    let invalid: BTreeSet<Value> = AWS_KEYS
        .iter()
        .filter(|k| !matches!(get(config, k), Some(Value::String(_))))
        .map(|k| Value::from(*k))
        .collect();
    if !invalid.is_empty() {
        let keys = set_text(invalid);
        return Err(operand_error(
            2,
            format!("invalid values for required AWS config parameters(s): {keys}"),
        ));
    }
    let ns = time_ns(&args[2])?;
    check_request(req)?;
    let headers = match get(req, "headers") {
        None => None,
        Some(h @ Value::Object(_)) => Some(h),
        Some(other) => {
            return Err(TypeError(format!(
                "operand 0 must be object but got {}",
                type_name(other)
            ))
            .into())
        }
    };
    let (url, method) = (get(req, "url"), get(req, "method"));
    let mut invalid = BTreeSet::new();
    for (k, v) in [("url", url), ("method", method)] {
        if !matches!(v, Some(Value::String(_))) {
            invalid.insert(Value::from(k));
        }
    }
    if !invalid.is_empty() {
        let keys = set_text(invalid);
        return Err(operand_error(
            1,
            format!("invalid values for required request parameters(s): {keys}"),
        ));
    }
    let raw_url = text(url);
    let url = gourl::parse(raw_url).map_err(|e| anyhow!("parse {}: {e}", quote(raw_url)))?;
    let body = match (get(req, "raw_body"), get(req, "body")) {
        (Some(raw), _) => text(Some(raw)).as_bytes().to_vec(),
        (None, Some(body)) => go_json(&bigjson::to_json(body)?).into_bytes(),
        (None, None) => Vec::new(),
    };
    // OPA's `objectToMap`: a key or value that is not a string counts as "".
    let mut header_map: BTreeMap<String, String> = BTreeMap::new();
    if let Some(Value::Object(h)) = headers {
        for (k, v) in h.iter() {
            header_map.insert(text(Some(k)).into(), text(Some(v)).into());
        }
    }
    let unsigned_payload = match get(config, "disable_payload_signing") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(operand_error(
                2,
                "invalid value for 'disable_payload_signing' in AWS config".into(),
            ))
        }
    };
    let creds = Credentials {
        access_key: text(get(config, "aws_access_key")),
        secret_key: text(get(config, "aws_secret_access_key")),
        region: text(get(config, "aws_region")),
        session_token: text(get(config, "aws_session_token")),
        service: text(get(config, "aws_service")),
    };
    let request = Request {
        method: text(method),
        host: &url.host,
        path: &url.escaped_path(),
        query: &url.raw_query,
        headers: &header_map,
        body: &body,
    };
    let (authorization, aws_headers) = sign_v4(&request, &creds, ns, unsigned_payload)?;
    let mut out_headers: BTreeMap<Value, Value> = header_map
        .iter()
        .map(|(k, v)| (Value::from(k.as_str()), Value::from(v.as_str())))
        .collect();
    out_headers.insert(Value::from("Authorization"), Value::from(authorization));
    for (k, v) in aws_headers {
        out_headers.insert(Value::from(k), Value::from(v));
    }
    let mut out = req.clone();
    out.as_object_mut()?
        .insert(Value::from("headers"), Value::from(out_headers));
    Ok(out)
}

/// The signing time in nanoseconds: OPA takes a number whose text is an int64 (`1.5`, `1e9` and
/// numbers beyond 64 bits are refused).
fn time_ns(v: &Value) -> Result<i64> {
    let Value::Number(n) = v else {
        return Err(type_error(1, "number", v));
    };
    // regorus keeps `1e9` as the integer it denotes; only fractions and floats are told apart.
    let text = v.to_json_str().unwrap_or_default();
    match text.parse::<i64>().ok().filter(|_| n.as_i64().is_some()) {
        Some(ns) => Ok(ns),
        None => Err(operand_error(
            3,
            "could not convert time_ns value into a unix timestamp".into(),
        )),
    }
}

/// `http.send`'s request checks: no unknown key, `method` and `url` present.
fn check_request(req: &Value) -> Result<()> {
    let Value::Object(o) = req else {
        return Err(type_error(1, "object", req));
    };
    let unknown: BTreeSet<Value> = o
        .keys()
        .filter(|k| !matches!(k, Value::String(s) if REQUEST_KEYS.contains(&s.as_ref())))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        let keys = set_text(unknown);
        return Err(operand_error(
            1,
            format!("invalid request parameters(s): {keys}"),
        ));
    }
    let missing: BTreeSet<Value> = ["method", "url"]
        .iter()
        .filter(|k| get(req, k).is_none())
        .map(|k| Value::from(*k))
        .collect();
    if !missing.is_empty() {
        let keys = set_text(missing);
        return Err(operand_error(
            1,
            format!("missing required request parameters(s): {keys}"),
        ));
    }
    Ok(())
}

struct Credentials<'a> {
    access_key: &'a str,
    secret_key: &'a str,
    region: &'a str,
    session_token: &'a str,
    service: &'a str,
}

struct Request<'a> {
    method: &'a str,
    host: &'a str,
    path: &'a str,
    query: &'a str,
    headers: &'a BTreeMap<String, String>,
    body: &'a [u8],
}

fn hmac(key: &[u8], msg: &str) -> Result<Vec<u8>> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).map_err(|e| anyhow!("HMAC-SHA256 key: {e}"))?;
    mac.update(msg.as_bytes());
    Ok(mac.finalize().into_bytes().to_vec())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// OPA's `SignV4`: the `Authorization` header and the headers it adds.
fn sign_v4(
    req: &Request,
    creds: &Credentials,
    ns: i64,
    unsigned_payload: bool,
) -> Result<(String, BTreeMap<String, String>)> {
    let now = DateTime::from_timestamp_nanos(ns);
    let date = now.format("%Y%m%d").to_string();
    let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
    let content_sha = match unsigned_payload {
        true => "UNSIGNED-PAYLOAD".to_string(),
        false => hex(&Sha256::digest(req.body)),
    };
    let mut added = BTreeMap::from([
        ("host".to_string(), req.host.to_string()),
        ("x-amz-date".to_string(), stamp.clone()),
    ]);
    if matches!(creds.service, "s3" | "glacier") {
        added.insert("x-amz-content-sha256".into(), content_sha.clone());
    }
    if !creds.session_token.is_empty() {
        added.insert(
            "x-amz-security-token".into(),
            creds.session_token.to_string(),
        );
    }
    // The request's own headers, lower-cased, win over the added ones in the signature.
    let mut signed = added.clone();
    for (k, v) in req.headers {
        let k = k.to_lowercase();
        if !UNSIGNED_HEADERS.contains(&k.as_str()) {
            signed.insert(k, v.clone());
        }
    }
    let mut canonical = format!("{}\n{}\n{}\n", req.method, req.path, req.query);
    for (k, v) in &signed {
        canonical.push_str(&format!("{k}:{v}\n"));
    }
    let names: Vec<&str> = signed.keys().map(String::as_str).collect();
    let names = names.join(";");
    canonical.push_str(&format!("\n{names}\n{content_sha}"));
    let scope = format!("{date}/{}/{}/aws4_request", creds.region, creds.service);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut key = hmac(format!("AWS4{}", creds.secret_key).as_bytes(), &date)?;
    for part in [creds.region, creds.service, "aws4_request"] {
        key = hmac(&key, part)?;
    }
    let signature = hex(&hmac(&key, &to_sign)?);
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope},SignedHeaders={names},Signature={signature}",
        creds.access_key
    );
    Ok((authorization, added))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(req: serde_json::Value, config: serde_json::Value, ns: i64) -> Result<Value> {
        sign_req(&[Value::from(req), Value::from(config), Value::from(ns)])
    }

    fn config() -> serde_json::Value {
        json!({"aws_access_key": "AKID", "aws_secret_access_key": "SECRET",
            "aws_service": "s3", "aws_region": "us-east-1"})
    }

    #[test]
    fn signs_as_opa_signs() {
        // OPA v1.20's answer for this request (its compliance case "success-simple-no body").
        let cfg = json!({"aws_access_key": "MYAWSACCESSKEYGOESHERE",
            "aws_secret_access_key": "MYAWSSECRETACCESSKEYGOESHERE",
            "aws_service": "s3", "aws_region": "us-east-1"});
        let out = call(
            json!({"method": "get", "url": "http://example.com"}),
            cfg,
            1451311705000000000,
        )
        .unwrap();
        let want = json!({"method": "get", "url": "http://example.com", "headers": {
            "Authorization": "AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3",
            "host": "example.com",
            "x-amz-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "x-amz-date": "20151228T140825Z"}});
        assert_eq!(out, Value::from(want));
    }

    #[test]
    fn refusals_are_worded_as_opa() {
        let e = |r: Result<Value>| r.unwrap_err().to_string();
        assert_eq!(
            e(call(json!({}), config(), 0)),
            r#"operand 1 missing required request parameters(s): {"method", "url"}"#
        );
        assert_eq!(
            e(call(json!({"method": 1, "url": 2}), config(), 0)),
            r#"operand 1 invalid values for required request parameters(s): {"method", "url"}"#
        );
        assert_eq!(
            e(call(
                json!({"method": "get", "url": "u", "x": 1}),
                config(),
                0
            )),
            r#"operand 1 invalid request parameters(s): {"x"}"#
        );
        assert_eq!(
            e(call(json!({"method": "get", "url": "u"}), json!({}), 0)),
            r#"operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}"#
        );
        let mut cfg = config();
        cfg["disable_payload_signing"] = json!("yes");
        assert_eq!(
            e(call(json!({"method": "get", "url": "u"}), cfg, 0)),
            "operand 2 invalid value for 'disable_payload_signing' in AWS config"
        );
        let frac = sign_req(&[
            Value::from(json!({"method": "get", "url": "u"})),
            Value::from(config()),
            Value::from(1.5),
        ]);
        assert_eq!(
            e(frac),
            "operand 3 could not convert time_ns value into a unix timestamp"
        );
    }
}
