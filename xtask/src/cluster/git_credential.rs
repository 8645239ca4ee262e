//! `git-credential`: the Runner's Git API credential as the Secret it reads: `gitea-api-token`
//! (local Gitea) or `trustacks-github-app` (a GitHub App). Values come from files, stdin or
//! `.env`, go only to kubectl's stdin, and a GitHub App key is checked to be an RSA key first.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::json;
use zeroize::Zeroizing;

use crate::cluster::kube::{self, Kubectl};
use crate::cluster::secrets::{fingerprint, line_number, FINGERPRINT_ANNOTATION};

pub const GITEA_SECRET: &str = "gitea-api-token";
pub const GITEA_TOKEN_KEY: &str = "token";
pub const GITHUB_APP_SECRET: &str = "trustacks-github-app";
pub const GITHUB_APP_KEYS: [&str; 3] = ["app-id", "private-key.pem", "webhook-secret"];

/// The `.env` names read when a flag is not given.
pub const ENV_GITEA_TOKEN: &str = "GITEA_API_TOKEN";
pub const ENV_APP_ID: &str = "GITHUB_APP_ID";
pub const ENV_APP_KEY_FILE: &str = "GITHUB_APP_PRIVATE_KEY_FILE";
pub const ENV_WEBHOOK_SECRET: &str = "GITHUB_WEBHOOK_SECRET";

pub enum Kind {
    Gitea {
        token_file: Option<PathBuf>,
    },
    GithubApp {
        app_id: Option<String>,
        private_key: Option<PathBuf>,
        webhook_secret_file: Option<PathBuf>,
    },
}

pub struct Options {
    pub kind: Kind,
    pub env_file: PathBuf,
    pub context: Option<String>,
    pub namespace: String,
    pub dry_run: bool,
}

type Values = BTreeMap<&'static str, Zeroizing<String>>;

/// Reads `.env` only when a value is not given by a flag; its other names are ignored.
struct EnvFile<'a> {
    path: &'a Path,
    values: Option<BTreeMap<String, Zeroizing<String>>>,
}

impl EnvFile<'_> {
    fn get(&mut self, name: &str, flag: &str) -> Result<Zeroizing<String>> {
        if self.values.is_none() {
            let mut values = BTreeMap::new();
            if self.path.exists() {
                let raw = Zeroizing::new(
                    std::fs::read(self.path)
                        .with_context(|| format!("{}: cannot read", self.path.display()))?,
                );
                let text = Zeroizing::new(
                    String::from_utf8_lossy(&raw)
                        .trim_start_matches('\u{feff}')
                        .replace("\r\n", "\n"),
                );
                for item in dotenvy::from_read_iter(text.as_bytes()) {
                    let (k, v) = match item {
                        Ok(kv) => kv,
                        // The parse error quotes the line: say where, not what.
                        Err(dotenvy::Error::LineParse(line, _)) => {
                            let at = line_number(&text, &Zeroizing::new(line));
                            bail!(
                                "{}:{at}: malformed line (expected KEY=VALUE)",
                                self.path.display()
                            )
                        }
                        Err(_) => bail!("{}: cannot parse", self.path.display()),
                    };
                    values.insert(k, Zeroizing::new(v));
                }
            }
            self.values = Some(values);
        }
        match self.values.as_ref().and_then(|v| v.get(name)) {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => bail!(
                "no {name}: pass {flag}, or set {name} in {}",
                self.path.display()
            ),
        }
    }
}

/// How errors name where a value came from.
fn shown(file: &Path) -> String {
    if file.as_os_str() == "-" {
        "stdin".into()
    } else {
        file.display().to_string()
    }
}

/// A value from FILE, or stdin for `-`; the trailing newline an editor adds is dropped.
fn read_value(file: &Path, stdin_used: &mut bool) -> Result<Zeroizing<String>> {
    let name = shown(file);
    let mut raw = Zeroizing::new(Vec::new());
    if file.as_os_str() == "-" {
        if std::mem::replace(stdin_used, true) {
            bail!("only one value can come from stdin (`-`)");
        }
        std::io::stdin()
            .read_to_end(&mut raw)
            .context("stdin: cannot read")?;
    } else {
        raw = Zeroizing::new(
            std::fs::read(file).with_context(|| format!("{}: cannot read", file.display()))?,
        );
    }
    let text = Zeroizing::new(
        String::from_utf8(raw.to_vec()).map_err(|_| anyhow!("{name}: not UTF-8 text"))?,
    );
    let value = Zeroizing::new(text.trim_end_matches(['\n', '\r']).to_string());
    if value.is_empty() {
        bail!("{name}: empty");
    }
    if value.contains(['\n', '\r']) && !value.starts_with("-----BEGIN ") {
        bail!("{name}: more than one line");
    }
    Ok(value)
}

/// The values of the Secret to apply, validated; nothing has touched the cluster yet.
fn plan(o: &Options) -> Result<(&'static str, Values)> {
    let mut env = EnvFile {
        path: &o.env_file,
        values: None,
    };
    let mut stdin_used = false;
    let mut values = Values::new();
    match &o.kind {
        Kind::Gitea { token_file } => {
            let token = match token_file {
                Some(f) => read_value(f, &mut stdin_used)?,
                None => env.get(ENV_GITEA_TOKEN, "--token-file FILE")?,
            };
            values.insert(GITEA_TOKEN_KEY, token);
            Ok((GITEA_SECRET, values))
        }
        Kind::GithubApp {
            app_id,
            private_key,
            webhook_secret_file,
        } => {
            let id = match app_id {
                Some(id) => Zeroizing::new(id.clone()),
                None => env.get(ENV_APP_ID, "--app-id ID")?,
            };
            if id.is_empty() || id.len() > 20 || !id.bytes().all(|b| b.is_ascii_digit()) {
                bail!("the GitHub App ID must be a number (the App's settings page shows it)");
            }
            let key_file = match private_key {
                Some(f) => f.clone(),
                None => PathBuf::from(env.get(ENV_APP_KEY_FILE, "--private-key FILE")?.as_str()),
            };
            let pem = read_value(&key_file, &mut stdin_used)?;
            check_rsa_pem(&pem, &shown(&key_file))?;
            let webhook = match webhook_secret_file {
                Some(f) => read_value(f, &mut stdin_used)?,
                None => env.get(ENV_WEBHOOK_SECRET, "--webhook-secret-file FILE")?,
            };
            values.insert("app-id", id);
            values.insert(
                "private-key.pem",
                Zeroizing::new(format!("{}\n", pem.as_str())),
            );
            values.insert("webhook-secret", webhook);
            Ok((GITHUB_APP_SECRET, values))
        }
    }
}

/// A GitHub App key is an RSA private key in PEM: PKCS#1 (`RSA PRIVATE KEY`, what GitHub
/// hands out) or unencrypted PKCS#8 (`PRIVATE KEY`) holding one. Errors never quote the key.
pub fn check_rsa_pem(pem: &str, file: &str) -> Result<()> {
    let (label, der) = p256::pkcs8::der::pem::decode_vec(pem.trim().as_bytes())
        .map_err(|_| anyhow!("{file}: not a PEM private key"))?;
    let der = Zeroizing::new(der);
    let pkcs1: &[u8] = match label {
        "RSA PRIVATE KEY" => &der,
        "PRIVATE KEY" => {
            let info = p256::pkcs8::PrivateKeyInfo::try_from(der.as_slice())
                .map_err(|_| anyhow!("{file}: malformed PKCS#8 private key"))?;
            if info.algorithm.oid.to_string() != "1.2.840.113549.1.1.1" {
                bail!("{file}: not an RSA key (algorithm {})", info.algorithm.oid);
            }
            info.private_key
        }
        "ENCRYPTED PRIVATE KEY" => {
            bail!("{file}: the key is encrypted; GitHub App keys are not: use the .pem GitHub gave you")
        }
        other => bail!("{file}: PEM label is {other:?}, expected \"RSA PRIVATE KEY\""),
    };
    let bits =
        rsa_modulus_bits(pkcs1).ok_or_else(|| anyhow!("{file}: malformed RSA private key"))?;
    if bits < 2048 {
        bail!("{file}: a {bits}-bit RSA key; GitHub App keys have at least 2048 bits");
    }
    Ok(())
}

/// The modulus size of a PKCS#1 `RSAPrivateKey` (a SEQUENCE of nine INTEGERs, version 0), or
/// `None` when the DER does not have that shape.
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    fn item(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }
    let (tag, mut body, trailing) = item(der)?;
    if tag != 0x30 || !trailing.is_empty() {
        return None;
    }
    let mut ints = Vec::new();
    while !body.is_empty() {
        let (tag, value, rest) = item(body)?;
        if tag != 0x02 || value.is_empty() {
            return None;
        }
        ints.push(value);
        body = rest;
    }
    if ints.len() != 9 || ints[0] != [0] {
        return None;
    }
    let n = ints[1];
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => return None,
    };
    Some(n.len() * 8 - n[0].leading_zeros() as usize)
}

fn manifest(name: &str, values: &Values, namespace: &str, redact: bool) -> Zeroizing<String> {
    let data: serde_json::Map<String, serde_json::Value> = values
        .iter()
        .map(|(k, v)| {
            let shown = if redact {
                format!("<redacted, {} bytes>", v.len())
            } else {
                B64.encode(v.as_bytes())
            };
            (k.to_string(), json!(shown))
        })
        .collect();
    let m = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": kube::managed_labels(),
            "annotations": {FINGERPRINT_ANNOTATION: fingerprint(values)},
        },
        "type": "Opaque",
        "data": data,
    });
    Zeroizing::new(serde_json::to_string_pretty(&m).unwrap_or_default())
}

pub fn git_credential(o: &Options) -> Result<()> {
    let (name, values) = plan(o)?;
    if o.dry_run {
        println!("{}", manifest(name, &values, &o.namespace, true).as_str());
        return Ok(());
    }
    let kubectl = Kubectl::new(o.context.clone(), &o.namespace)?;
    let body = manifest(name, &values, &o.namespace, false);
    let hide: Vec<&str> = values.values().map(|v| v.as_str()).collect();
    kubectl.apply(body.as_bytes(), &hide)?;
    let keys: Vec<&str> = values.keys().copied().collect();
    println!(
        "applied secret/{name} in {} with {} (content sha256 {})",
        o.namespace,
        keys.join(", "),
        &fingerprint(&values)[..16]
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openssl(args: &[&str]) -> Option<String> {
        let out = std::process::Command::new("openssl")
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn rsa_keys_are_told_from_other_pems() {
        let Some(pkcs8) = openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ]) else {
            return; // openssl missing: the e2e tests (which scripts/test provisions) cover it
        };
        check_rsa_pem(&pkcs8, "k.pem").unwrap();
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("k.pem");
        std::fs::write(&f, &pkcs8).unwrap();
        let pkcs1 = openssl(&["rsa", "-traditional", "-in", f.to_str().unwrap()]).unwrap();
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        check_rsa_pem(&pkcs1, "k.pem").unwrap();
        let small = openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
        ])
        .unwrap();
        assert!(check_rsa_pem(&small, "k.pem")
            .unwrap_err()
            .to_string()
            .contains("1024-bit"));
        let ec = openssl(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .unwrap();
        let err = check_rsa_pem(&ec, "k.pem").unwrap_err().to_string();
        assert!(err.contains("not an RSA key"), "{err}");
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/cosign");
        let cosign = std::fs::read_to_string(fixtures.join("cosign2-empty-password.pub")).unwrap();
        assert!(check_rsa_pem(&cosign, "k.pem").is_err());
        assert!(
            check_rsa_pem("not a key sk-canary", "k.pem")
                .unwrap_err()
                .to_string()
                == "k.pem: not a PEM private key"
        );
    }
}
