//! The `Store` over a registry speaking the OCI distribution API: Basic or Bearer-token auth
//! from the registry's challenge, credentials from `REGISTRY_USERNAME`/`REGISTRY_PASSWORD` or the
//! Docker config file (`auths`, credential helpers) as oras and cosign read them. Plain HTTP for
//! loopback hosts or when asked.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use zeroize::Zeroizing;

use super::reference::RegistryRef;
use super::{Store, ACCEPT};

pub struct Registry {
    agent: ureq::Agent,
    base: String,
    /// `host[:port]` as the user wrote it, for messages and credential lookup.
    host: String,
    repository: String,
    creds: Option<(String, Zeroizing<String>)>,
    /// The `Authorization` header value once a challenge has been answered.
    auth: Option<Zeroizing<String>>,
    uploaded: usize,
}

enum Body<'a> {
    None,
    Bytes(&'a [u8], &'a dyn Fn(u64)),
}

impl Registry {
    pub fn new(r: &RegistryRef, plain_http: bool) -> Result<Registry> {
        let scheme = if plain_http || r.is_loopback() {
            "http"
        } else {
            "https"
        };
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout_read(Duration::from_secs(120))
            .timeout_write(Duration::from_secs(120))
            .user_agent(concat!("trustacks-xtask/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Registry {
            agent,
            base: format!("{scheme}://{}", r.api_host()),
            host: r.registry.clone(),
            repository: r.repository.clone(),
            creds: credentials(&r.registry)?,
            auth: None,
            uploaded: 0,
        })
    }

    fn url(&self, tail: &str) -> String {
        format!("{}/v2/{}/{tail}", self.base, self.repository)
    }

    /// One request, answering up to two auth challenges. Any HTTP status comes back as a
    /// response; only transport failures are errors.
    fn send(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Result<ureq::Response> {
        for attempt in 0..3 {
            let mut req = self.agent.request(method, url);
            for (k, v) in headers {
                req = req.set(k, v);
            }
            if let Some(a) = &self.auth {
                req = req.set("Authorization", a);
            }
            let result = match &body {
                Body::None => req.call(),
                Body::Bytes(bytes, progress) => req
                    .set("Content-Length", &bytes.len().to_string())
                    .send(Progress {
                        rest: bytes,
                        progress: *progress,
                    }),
            };
            let resp = match result {
                Ok(r) | Err(ureq::Error::Status(_, r)) => r,
                Err(ureq::Error::Transport(t)) => {
                    bail!(
                        "cannot reach registry {}: {}",
                        self.host,
                        transport_reason(&t)
                    )
                }
            };
            if resp.status() != 401 {
                return Ok(resp);
            }
            if attempt == 2 {
                break;
            }
            let challenge = resp.header("WWW-Authenticate").unwrap_or("").to_string();
            self.answer(&challenge)?;
        }
        bail!(
            "authentication to registry {} failed (HTTP 401): check the credentials \
             (REGISTRY_USERNAME/REGISTRY_PASSWORD or `docker login {}`)",
            self.host,
            self.host
        )
    }

    /// Answers a `WWW-Authenticate` challenge: Basic with the credentials, or a Bearer token
    /// fetched from the realm (with the credentials, when there are any).
    fn answer(&mut self, challenge: &str) -> Result<()> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let Some((user, pass)) = &self.creds else {
                    bail!(
                        "registry {} requires credentials: set REGISTRY_USERNAME and \
                         REGISTRY_PASSWORD, or run `docker login {}`",
                        self.host,
                        self.host
                    );
                };
                let token = B64.encode(format!("{user}:{}", pass.as_str()));
                self.auth = Some(Zeroizing::new(format!("Basic {token}")));
                Ok(())
            }
            "bearer" => {
                let p = parse_challenge(params);
                let realm = p
                    .iter()
                    .find(|(k, _)| k == "realm")
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| {
                        anyhow!("registry {}: Bearer challenge without realm", self.host)
                    })?;
                let mut req = self.agent.get(&realm);
                if let Some((_, service)) = p.iter().find(|(k, _)| k == "service") {
                    req = req.query("service", service);
                }
                let scope = p
                    .iter()
                    .find(|(k, _)| k == "scope")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| format!("repository:{}:pull,push", self.repository));
                req = req.query("scope", &scope);
                if let Some((user, pass)) = &self.creds {
                    let basic = B64.encode(format!("{user}:{}", pass.as_str()));
                    req = req.set("Authorization", &format!("Basic {basic}"));
                }
                let resp = match req.call() {
                    Ok(r) => r,
                    Err(ureq::Error::Status(code, _)) => bail!(
                        "authentication to registry {} failed: its token service answered HTTP {code}; \
                         check the credentials",
                        self.host
                    ),
                    Err(ureq::Error::Transport(t)) => bail!(
                        "cannot reach the token service of registry {}: {}",
                        self.host,
                        transport_reason(&t)
                    ),
                };
                let json: serde_json::Value = serde_json::from_reader(
                    resp.into_reader().take(1 << 20),
                )
                .with_context(|| format!("registry {}: token answer is not JSON", self.host))?;
                let token = json["token"]
                    .as_str()
                    .or(json["access_token"].as_str())
                    .ok_or_else(|| anyhow!("registry {}: token answer has no token", self.host))?;
                self.auth = Some(Zeroizing::new(format!("Bearer {token}")));
                Ok(())
            }
            _ => bail!(
                "registry {} answered 401 without a usable challenge",
                self.host
            ),
        }
    }

    fn fail(&self, what: &str, resp: ureq::Response) -> anyhow::Error {
        let status = resp.status();
        let mut body = String::new();
        let _ = resp.into_reader().take(64 << 10).read_to_string(&mut body);
        let detail = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|j| {
                let e = &j["errors"][0];
                Some(format!(
                    "{}: {}",
                    e["code"].as_str()?,
                    e["message"].as_str().unwrap_or("")
                ))
            })
            .unwrap_or_else(|| body.split_whitespace().collect::<Vec<_>>().join(" "));
        let hint = if status == 403 {
            " (the credentials lack access)"
        } else {
            ""
        };
        anyhow!(
            "registry {}: {what}: HTTP {status}{hint} {detail}",
            self.host
        )
    }
}

impl Store for Registry {
    fn has_blob(&mut self, digest: &str) -> Result<bool> {
        let resp = self.send(
            "HEAD",
            &self.url(&format!("blobs/{digest}")),
            &[],
            Body::None,
        )?;
        match resp.status() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(self.fail(&format!("check blob {digest}"), resp)),
        }
    }

    fn put_blob(&mut self, digest: &str, bytes: &[u8], progress: &dyn Fn(u64)) -> Result<()> {
        let start = self.url("blobs/uploads/");
        let resp = self.send("POST", &start, &[("Content-Length", "0")], Body::None)?;
        if resp.status() != 202 {
            return Err(self.fail("start blob upload", resp));
        }
        let location = resp
            .header("Location")
            .ok_or_else(|| anyhow!("registry {}: upload started without a Location", self.host))?;
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location.to_string()
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let url = format!("{location}{sep}digest={}", digest.replace(':', "%3A"));
        let resp = self.send(
            "PUT",
            &url,
            &[("Content-Type", "application/octet-stream")],
            Body::Bytes(bytes, progress),
        )?;
        if resp.status() != 201 {
            return Err(self.fail(&format!("upload blob {digest}"), resp));
        }
        self.uploaded += 1;
        Ok(())
    }

    fn get_blob(&mut self, digest: &str, limit: u64) -> Result<Vec<u8>> {
        let resp = self.send(
            "GET",
            &self.url(&format!("blobs/{digest}")),
            &[],
            Body::None,
        )?;
        if resp.status() != 200 {
            return Err(self.fail(&format!("fetch blob {digest}"), resp));
        }
        read_limited(resp, limit, digest)
    }

    fn put_manifest(&mut self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        let url = self.url(&format!("manifests/{reference}"));
        let resp = self.send(
            "PUT",
            &url,
            &[("Content-Type", media_type)],
            Body::Bytes(bytes, &|_| {}),
        )?;
        if resp.status() != 201 {
            return Err(self.fail(&format!("push manifest {reference}"), resp));
        }
        Ok(())
    }

    fn get_manifest(&mut self, reference: &str) -> Result<Option<(Vec<u8>, String)>> {
        let url = self.url(&format!("manifests/{reference}"));
        let accept = ACCEPT.join(", ");
        let resp = self.send("GET", &url, &[("Accept", &accept)], Body::None)?;
        match resp.status() {
            200 => {
                let media_type = resp.content_type().to_string();
                Ok(Some((read_limited(resp, 4 << 20, reference)?, media_type)))
            }
            404 => Ok(None),
            _ => Err(self.fail(&format!("fetch manifest {reference}"), resp)),
        }
    }

    fn blobs_uploaded(&self) -> usize {
        self.uploaded
    }
}

fn read_limited(resp: ureq::Response, limit: u64, what: &str) -> Result<Vec<u8>> {
    if let Some(len) = resp
        .header("Content-Length")
        .and_then(|l| l.parse::<u64>().ok())
    {
        if len > limit {
            bail!("{what} is {len} bytes, over the {limit}-byte limit");
        }
    }
    let mut out = Vec::new();
    resp.into_reader()
        .take(limit + 1)
        .read_to_end(&mut out)
        .with_context(|| format!("read {what}"))?;
    if out.len() as u64 > limit {
        bail!("{what} is over the {limit}-byte limit");
    }
    Ok(out)
}

/// A transport error in a few words, without the URL's query (which may carry upload state).
fn transport_reason(t: &ureq::Transport) -> String {
    let mut s = t.kind().to_string();
    if let Some(m) = t.message() {
        s = format!("{s}: {m}");
    }
    if let Some(src) = std::error::Error::source(t) {
        s = format!("{s}: {src}");
    }
    s
}

/// `k="v", k2="v2"` → pairs.
fn parse_challenge(params: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = params.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            break;
        };
        let key = key
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (q[..end].to_string(), q.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.push((key, value));
        rest = tail.trim_start_matches([',', ' ']);
    }
    out
}

/// Reads the body from a slice, reporting progress.
struct Progress<'a> {
    rest: &'a [u8],
    progress: &'a dyn Fn(u64),
}

impl Read for Progress<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.rest.len().min(buf.len()).min(256 << 10);
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        (self.progress)(n as u64);
        Ok(n)
    }
}

/// Credentials for `host`: the environment first, then the Docker config file.
fn credentials(host: &str) -> Result<Option<(String, Zeroizing<String>)>> {
    if let (Ok(u), Ok(p)) = (
        std::env::var("REGISTRY_USERNAME"),
        std::env::var("REGISTRY_PASSWORD"),
    ) {
        return Ok(Some((u, Zeroizing::new(p))));
    }
    let dir = match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => std::path::PathBuf::from(d),
        None => match std::env::var_os("HOME") {
            Some(h) => std::path::Path::new(&h).join(".docker"),
            None => return Ok(None),
        },
    };
    let path = dir.join("config.json");
    let Ok(bytes) = crate::fsutil::read_limited(&path, MAX_DOCKER_CONFIG) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    match config_credentials(&text, &path, host)? {
        FromConfig::Found(u, p) => Ok(Some((u, p))),
        FromConfig::Helper(h) => credential_helper(&h, host),
        FromConfig::Nothing => Ok(None),
    }
}

/// A Docker config file over this is not read (they are a few KiB).
const MAX_DOCKER_CONFIG: u64 = 1 << 20;

/// What a Docker config file says about a host.
#[derive(Debug)]
enum FromConfig {
    Found(String, Zeroizing<String>),
    /// Ask `docker-credential-<name>`.
    Helper(String),
    Nothing,
}

/// Parses a Docker config file's text (`path` names it in errors) for `host`'s credentials.
fn config_credentials(text: &str, path: &std::path::Path, host: &str) -> Result<FromConfig> {
    let config: serde_json::Value = serde_json::from_str(text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let names = host_aliases(host);
    if let Some(auths) = config["auths"].as_object() {
        for (key, entry) in auths {
            if !names.contains(&normalize_host(key).as_str()) {
                continue;
            }
            if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
                let decoded = Zeroizing::new(B64.decode(auth).with_context(|| {
                    format!("{}: auths entry for {key:?} is not base64", path.display())
                })?);
                let text = String::from_utf8_lossy(&decoded);
                if let Some((u, p)) = text.split_once(':') {
                    return Ok(FromConfig::Found(
                        u.to_string(),
                        Zeroizing::new(p.to_string()),
                    ));
                }
            }
            if let (Some(u), Some(p)) = (entry["username"].as_str(), entry["password"].as_str()) {
                return Ok(FromConfig::Found(
                    u.to_string(),
                    Zeroizing::new(p.to_string()),
                ));
            }
        }
    }
    let helper = config["credHelpers"][host]
        .as_str()
        .or(config["credsStore"].as_str());
    Ok(match helper {
        Some(h) => FromConfig::Helper(h.to_string()),
        None => FromConfig::Nothing,
    })
}

/// `docker-credential-<helper> get`, the host on stdin, as docker does. The secret comes back on
/// the helper's stdout, never through an argument list.
fn credential_helper(helper: &str, host: &str) -> Result<Option<(String, Zeroizing<String>)>> {
    let program = helper_program(helper)?;
    let Ok(mut child) = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return Ok(None); // helper not installed: anonymous, as docker would try
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(host.as_bytes());
    }
    let out = child
        .wait_with_output()
        .with_context(|| format!("run {program}"))?;
    if !out.status.success() {
        return Ok(None);
    }
    let out = Zeroizing::new(out.stdout);
    let json: serde_json::Value =
        serde_json::from_slice(&out).map_err(|_| anyhow!("{program} get: answer is not JSON"))?;
    match (json["Username"].as_str(), json["Secret"].as_str()) {
        (Some(u), Some(s)) => Ok(Some((u.to_string(), Zeroizing::new(s.to_string())))),
        _ => Ok(None),
    }
}

/// `docker-credential-<helper>`, refusing a name that is not a plain program name (a config
/// file is outside input: `../x` would run a program by a relative path).
fn helper_program(helper: &str) -> Result<String> {
    let plain = !helper.is_empty()
        && helper.len() <= 64
        && helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !helper.starts_with('.');
    if !plain {
        bail!("credential helper {helper:?} in the Docker config is not a plain program name");
    }
    Ok(format!("docker-credential-{helper}"))
}

fn normalize_host(key: &str) -> String {
    let k = key
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    k.split('/').next().unwrap_or(k).to_string()
}

fn host_aliases(host: &str) -> Vec<&str> {
    if host == "docker.io" {
        vec!["docker.io", "index.docker.io", "registry-1.docker.io"]
    } else {
        vec![host]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_parse() {
        let p = parse_challenge(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#,
        );
        assert_eq!(
            p,
            [
                ("realm".into(), "https://auth.example/token".into()),
                ("service".into(), "registry.example".into()),
                ("scope".into(), "repository:a/b:pull,push".into())
            ]
        );
    }

    #[test]
    fn docker_config_keys_normalize() {
        assert_eq!(
            normalize_host("https://index.docker.io/v1/"),
            "index.docker.io"
        );
        assert_eq!(normalize_host("127.0.0.1:5000"), "127.0.0.1:5000");
        assert!(host_aliases("docker.io").contains(&"index.docker.io"));
    }

    #[test]
    fn docker_config_auth_is_read() {
        let d = tempfile::tempdir().unwrap();
        let auth = B64.encode("alice:s3cret:with:colons");
        std::fs::write(
            d.path().join("config.json"),
            format!(r#"{{"auths":{{"https://reg.example:5000/v2/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        // The variables are process-wide; this test alone sets them.
        std::env::set_var("DOCKER_CONFIG", d.path());
        std::env::remove_var("REGISTRY_USERNAME");
        let c = credentials("reg.example:5000").unwrap().unwrap();
        assert_eq!(
            (c.0.as_str(), c.1.as_str()),
            ("alice", "s3cret:with:colons")
        );
        assert!(credentials("other.example").unwrap().is_none());
        std::env::remove_var("DOCKER_CONFIG");
    }

    #[test]
    fn docker_config_files_parse_or_fail_in_one_line() {
        use crate::proptests::{check, json_with, one_line, CASES};
        use proptest::prelude::*;
        let input = || {
            let json = json_with(&[
                "auths",
                "auth",
                "username",
                "password",
                "credHelpers",
                "credsStore",
                "reg.example:5000",
                "https://reg.example:5000/v2/",
            ])
            .prop_map(|v| v.to_string());
            prop_oneof![any::<String>(), json]
        };
        check("Docker config files", CASES, input, |text| {
            let path = std::path::Path::new("config.json");
            match config_credentials(&text, path, "reg.example:5000") {
                Ok(FromConfig::Helper(h)) => {
                    if let Err(e) = helper_program(&h) {
                        one_line(&e)?;
                    }
                }
                Ok(_) => {}
                Err(e) => one_line(&e)?,
            }
            Ok(())
        });
    }
}
