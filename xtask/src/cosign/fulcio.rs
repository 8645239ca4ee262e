//! Fulcio: the short-lived certificate keyless signing gets for an ephemeral key. `POST
//! /api/v2/signingCert` with the identity token and a proof of possession (the key's
//! ECDSA-SHA256 signature over the token's subject), answered with the PEM chain, leaf first.
//! The leaf must certify our key: a certificate for another key is refused before anything is
//! signed with it.

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use p256::SecretKey;
use serde_json::json;

use super::oidc::Token;
use super::signature::sign_bytes;
use crate::oci::net;
use crate::policy::pki::{certs, der};

/// The public-good Fulcio, cosign's default.
pub const PUBLIC_FULCIO: &str = "https://fulcio.sigstore.dev";
/// A chain is a few kilobytes; more is not read.
const MAX_ANSWER: usize = 1 << 20;

/// The issued chain: PEM blocks, leaf first.
#[derive(Debug, Clone)]
pub struct Chain {
    pub pems: Vec<String>,
    pub leaf_der: Vec<u8>,
}

impl Chain {
    /// The leaf as PEM (cosign's `dev.sigstore.cosign/certificate`).
    pub fn leaf_pem(&self) -> &str {
        &self.pems[0]
    }

    /// The rest of the chain, concatenated PEM (cosign's `dev.sigstore.cosign/chain`).
    pub fn rest_pem(&self) -> String {
        self.pems[1..].concat()
    }

    /// Checks a chain's text (PEM blocks, leaf first) certifies `key`.
    pub fn parse(pems: &[String], key: &SecretKey, shown: &str) -> Result<Chain> {
        let mut blocks = Vec::new();
        for p in pems {
            let mut rest = p.as_bytes();
            while let Some((ty, bytes, after)) = der::pem_decode(rest) {
                if ty == "CERTIFICATE" {
                    let text = pem("CERTIFICATE", &bytes);
                    blocks.push((bytes, text));
                }
                rest = after;
            }
        }
        let Some((leaf_der, _)) = blocks.first() else {
            bail!("Fulcio {shown}: the answer holds no certificate");
        };
        let leaf = certs::parse_one(leaf_der)
            .map_err(|e| anyhow!("Fulcio {shown}: the certificate does not parse: {e}"))?;
        let ours = key
            .public_key()
            .to_public_key_der()
            .context("encode the public key")?;
        if leaf.spki != ours.as_bytes() {
            bail!(
                "Fulcio {shown}: the certificate is for another key than the one we asked for; \
                 nothing was signed"
            );
        }
        Ok(Chain {
            leaf_der: leaf_der.clone(),
            pems: blocks.into_iter().map(|(_, p)| p).collect(),
        })
    }
}

/// A block re-encoded as PEM (the answer's own text may carry headers or odd wrapping).
fn pem(ty: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {ty}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {ty}-----\n"));
    out
}

/// The certificate's identity (its SAN: URI or email), as cosign's `--certificate-identity`
/// matches it.
pub fn identity(chain: &Chain) -> String {
    certs::parse_one(&chain.leaf_der)
        .ok()
        .and_then(|c| c.uris.first().or(c.email_addresses.first()).cloned())
        .unwrap_or_default()
}

/// Asks Fulcio for a certificate of `key` for the token's identity.
pub fn signing_cert(
    fulcio_url: &str,
    token: &Token,
    key: &SecretKey,
    o: &net::Options,
) -> Result<Chain> {
    let base = fulcio_url.trim_end_matches('/');
    let shown = net::sanitize(base);
    let key_pem = key
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .context("encode the public key")?;
    let proof = sign_bytes(key, token.subject.as_bytes());
    let body = serde_json::to_vec(&json!({
        "credentials": {"oidcIdentityToken": token.raw()},
        "publicKeyRequest": {
            "publicKey": {"algorithm": "ECDSA", "content": key_pem},
            "proofOfPossession": B64.encode(proof),
        },
    }))?;
    let (code, answer) = http(
        &format!("{base}/api/v2/signingCert"),
        Some(token.raw()),
        Some(&body),
        o,
    )
    .map_err(|e| anyhow!("Fulcio {shown}: {}", token.redact(&e.to_string())))?;
    if !(200..300).contains(&code) {
        let text = String::from_utf8_lossy(&answer[..answer.len().min(300)]);
        let text = token.redact(&net::sanitize(text.trim()));
        let text = text.replace(['\n', '\r'], " ");
        bail!(
            "Fulcio {shown} refused the certificate request (identity from {}): HTTP {code}: {text}",
            token.source
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&answer)
        .map_err(|_| anyhow!("Fulcio {shown}: the answer is not JSON"))?;
    let certs = [
        "signedCertificateEmbeddedSct",
        "signedCertificateDetachedSct",
    ]
    .iter()
    .find_map(|k| v[k]["chain"]["certificates"].as_array())
    .ok_or_else(|| anyhow!("Fulcio {shown}: the answer has no certificate chain"))?;
    let pems: Vec<String> = certs
        .iter()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    Chain::parse(&pems, key, &shown)
}

/// One HTTP exchange (GET without a body, POST JSON with one), retried on connection errors
/// and 5xx/429 as registry calls are. Errors never include the bearer.
pub fn http(
    url: &str,
    bearer: Option<&str>,
    body: Option<&[u8]>,
    o: &net::Options,
) -> Result<(u16, Vec<u8>)> {
    let client = net::client_builder(o)?
        .build()
        .map_err(|_| anyhow!("cannot build the HTTP client"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the network runtime")?;
    let mut tries = 0;
    loop {
        tries += 1;
        let fut = async {
            let mut req = match body {
                Some(b) => client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.to_vec()),
                None => client.get(url),
            };
            req = req.header(reqwest::header::ACCEPT, "application/json");
            if let Some(t) = bearer {
                req = req.bearer_auth(t);
            }
            let resp = req.send().await?;
            let code = resp.status().as_u16();
            let bytes = resp.bytes().await?;
            Ok::<_, reqwest::Error>((code, bytes))
        };
        let (retry, message) = match net::run(&rt, net::REQUEST_DEADLINE, fut) {
            Ok(Ok((code, bytes))) if !net::retryable_status(code) => {
                if bytes.len() > MAX_ANSWER {
                    bail!("answer over {MAX_ANSWER} bytes");
                }
                return Ok((code, bytes.to_vec()));
            }
            Ok(Ok((code, _))) => (true, format!("HTTP {code}")),
            // Without the URL: GitHub's request URL carries no secret, but keep errors short.
            Ok(Err(e)) => (
                e.is_connect() || e.is_timeout(),
                if e.is_connect() {
                    "cannot connect".to_string()
                } else if e.is_timeout() {
                    "timed out".to_string()
                } else {
                    "request failed".to_string()
                },
            ),
            Err(_) => (true, "no answer in time".to_string()),
        };
        if !retry || tries >= net::MAX_TRIES {
            bail!("{message} (gave up after {tries} tries)");
        }
        let wait = net::backoff(tries + 1);
        eprintln!(
            "retrying after {message} ({}/{}), waiting {}",
            tries + 1,
            net::MAX_TRIES,
            net::seconds(wait)
        );
        std::thread::sleep(wait);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_wraps_at_64() {
        let p = pem("CERTIFICATE", &[7u8; 100]);
        assert!(p.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(p.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let (ty, bytes, _) = der::pem_decode(p.as_bytes()).unwrap();
        assert_eq!((ty.as_str(), bytes), ("CERTIFICATE", vec![7u8; 100]));
    }

    #[test]
    fn no_certificate_is_an_error() {
        let key = super::super::keys::generate();
        let e = Chain::parse(&["junk".into()], &key, "f").unwrap_err();
        assert!(e.to_string().contains("no certificate"), "{e}");
    }
}
