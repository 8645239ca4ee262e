//! The OIDC identity token keyless signing exchanges for a Fulcio certificate, found as cosign
//! and the ambient-credential libraries look for it: `--identity-token` (a value or `@file`),
//! then `SIGSTORE_ID_TOKEN` (GitLab and generic CI), then GitHub Actions' token endpoint
//! (`ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, audience `sigstore`).
//! The token is a bearer secret: it never appears in an error or a log line; errors name the
//! source instead.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;

use crate::oci::net;

/// The audience Fulcio accepts.
pub const AUDIENCE: &str = "sigstore";
pub const ENV_TOKEN: &str = "SIGSTORE_ID_TOKEN";
pub const ENV_GHA_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub const ENV_GHA_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// A token is a few kilobytes; more is not read.
const MAX_TOKEN: usize = 64 << 10;

/// A token with the claims signing needs. `Debug` does not show the token.
pub struct Token {
    raw: String,
    /// Where it came from, for messages.
    pub source: String,
    pub issuer: String,
    /// What Fulcio's proof of possession signs: the email claim when there is one, else `sub`.
    pub subject: String,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("source", &self.source)
            .field("issuer", &self.issuer)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl Token {
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// Hides the token in text that came back from a server.
    pub fn redact(&self, text: &str) -> String {
        if self.raw.is_empty() {
            return text.to_string();
        }
        text.replace(&self.raw, "<identity token>")
    }
}

const SOURCES: &str = "--identity-token, SIGSTORE_ID_TOKEN, GitHub Actions \
     (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)";

/// The token from the first source that has one, checked for shape and expiry at `now`.
pub fn find(flag: Option<&str>, now: i64, o: &net::Options) -> Result<Token> {
    find_with(flag, now, &|k| std::env::var(k).ok(), &|url, bearer| {
        github_actions(url, bearer, o)
    })
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;
type Fetch<'a> = &'a dyn Fn(&str, &str) -> Result<String>;

pub fn find_with(flag: Option<&str>, now: i64, env: Env, fetch: Fetch) -> Result<Token> {
    let nonempty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let (raw, source) = if let Some(v) = flag {
        match v.strip_prefix('@') {
            Some(file) => (
                read_file(Path::new(file))?,
                format!("--identity-token @{file}"),
            ),
            None => (v.to_string(), "--identity-token".to_string()),
        }
    } else if let Some(v) = nonempty(ENV_TOKEN) {
        (v, ENV_TOKEN.to_string())
    } else if let (Some(url), Some(bearer)) = (nonempty(ENV_GHA_URL), nonempty(ENV_GHA_TOKEN)) {
        (fetch(&url, &bearer)?, "GitHub Actions".to_string())
    } else {
        bail!("keyless signing needs an identity token and none was found (tried {SOURCES})");
    };
    parse(raw.trim(), &source, now)
}

fn read_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("--identity-token @{}: cannot read", path.display()))?;
    if bytes.len() > MAX_TOKEN {
        bail!(
            "--identity-token @{}: over {MAX_TOKEN} bytes, not a token",
            path.display()
        );
    }
    String::from_utf8(bytes)
        .map_err(|_| anyhow!("--identity-token @{}: not UTF-8 text", path.display()))
}

/// Decodes the claims (Fulcio checks the signature) and refuses an expired token here, so a
/// pipeline learns it before anything is built or pushed.
pub fn parse(raw: &str, source: &str, now: i64) -> Result<Token> {
    let malformed =
        || anyhow!("identity token from {source} is not a JWT (header.payload.signature)");
    let mut parts = raw.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let claims: serde_json::Value = B64URL
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let text = |k: &str| claims.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let issuer =
        text("iss").ok_or_else(|| anyhow!("identity token from {source} has no iss claim"))?;
    let subject = text("email")
        .or_else(|| text("sub"))
        .ok_or_else(|| anyhow!("identity token from {source} has neither email nor sub claim"))?;
    let expires = claims
        .get("exp")
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
        .ok_or_else(|| anyhow!("identity token from {source} has no exp claim"))?;
    if expires <= now {
        bail!(
            "identity token from {source} expired {}s ago; get a fresh one (sources, in order: {SOURCES})",
            now - expires
        );
    }
    Ok(Token {
        raw: raw.to_string(),
        source: source.to_string(),
        issuer,
        subject,
    })
}

/// GitHub Actions' ID token endpoint: `GET <url>&audience=sigstore`, bearer the request token,
/// answer `{"value": JWT}`.
fn github_actions(url: &str, bearer: &str, o: &net::Options) -> Result<String> {
    let sep = if url.contains('?') { '&' } else { '?' };
    let full = format!("{url}{sep}audience={AUDIENCE}");
    let (code, body) = super::fulcio::http(&full, Some(bearer), None, o)
        .map_err(|e| anyhow!("GitHub Actions token endpoint: {e}"))?;
    if code != 200 {
        bail!(
            "GitHub Actions token endpoint: HTTP {code} (is `permissions: id-token: write` set?)"
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| anyhow!("GitHub Actions token endpoint: answer is not JSON"))?;
    v.get("value")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .ok_or_else(|| anyhow!("GitHub Actions token endpoint: answer has no value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: serde_json::Value) -> String {
        format!(
            "{}.{}.c2ln",
            B64URL.encode(br#"{"alg":"RS256"}"#),
            B64URL.encode(claims.to_string())
        )
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn no_fetch(_: &str, _: &str) -> Result<String> {
        panic!("not fetched")
    }

    #[test]
    fn order_flag_env_github() {
        let t = jwt(serde_json::json!({"iss": "i", "sub": "s", "exp": 100}));
        let env_t = jwt(serde_json::json!({"iss": "e", "sub": "s", "exp": 100}));
        let gh_t = jwt(serde_json::json!({"iss": "g", "sub": "s", "exp": 100}));
        let env = |k: &str| match k {
            ENV_TOKEN => Some(env_t.clone()),
            ENV_GHA_URL => Some("http://x/t?a=1".into()),
            ENV_GHA_TOKEN => Some("rt".into()),
            _ => None,
        };
        let fetch = |u: &str, b: &str| {
            assert_eq!((u, b), ("http://x/t?a=1", "rt"));
            Ok(gh_t.clone())
        };
        assert_eq!(find_with(Some(&t), 1, &env, &fetch).unwrap().issuer, "i");
        assert_eq!(find_with(None, 1, &env, &fetch).unwrap().issuer, "e");
        let gh_only = |k: &str| (k != ENV_TOKEN).then(|| env(k)).flatten();
        let got = find_with(None, 1, &gh_only, &fetch).unwrap();
        assert_eq!(
            (got.issuer.as_str(), got.source.as_str()),
            ("g", "GitHub Actions")
        );
    }

    #[test]
    fn missing_expired_malformed_are_one_line_without_the_token() {
        let e = find_with(None, 1, &no_env, &no_fetch)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("SIGSTORE_ID_TOKEN") && e.contains("--identity-token"),
            "{e}"
        );
        assert!(!e.contains('\n'));
        let old = jwt(serde_json::json!({"iss": "i", "sub": "s", "exp": 10}));
        let e = find_with(Some(&old), 20, &no_env, &no_fetch)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expired 10s ago") && !e.contains(&old), "{e}");
        let e = find_with(Some("not-a-jwt-secret"), 1, &no_env, &no_fetch)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not a JWT") && !e.contains("not-a-jwt-secret"),
            "{e}"
        );
    }

    #[test]
    fn email_is_the_subject_when_present() {
        let t = jwt(serde_json::json!({"iss": "i", "sub": "123", "email": "a@b", "exp": 9}));
        assert_eq!(parse(&t, "x", 1).unwrap().subject, "a@b");
        assert!(!format!("{:?}", parse(&t, "x", 1).unwrap()).contains(&t));
    }
}
