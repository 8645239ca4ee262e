//! The trust material a verifier checks log evidence with: a Sigstore `trusted_root.json`
//! (protobuf-specs `TrustedRoot`, JSON), from `--trusted-root FILE` or the public-good root
//! built in. Only the transparency logs are read today; keyless verification will add the
//! certificate authorities and CT logs beside them.

use std::path::Path;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The Sigstore public-good trusted root, as distributed by its TUF repository (the copy
/// shipped in the `sigstore-trust-root` 0.15.1 crate).
pub const PUBLIC_GOOD: &str = include_str!("trusted_root.public-good.json");
pub const PUBLIC_GOOD_NAME: &str = "the built-in Sigstore public-good trusted root";

/// A log's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogKey {
    P256(p256::PublicKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl LogKey {
    /// Checks `sig` over `msg`: ECDSA P-256 with SHA-256 (DER), or Ed25519.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        match self {
            LogKey::P256(k) => super::signature::verify_bytes(k, msg, sig),
            LogKey::Ed25519(k) => ed25519_dalek::Signature::from_slice(sig)
                .is_ok_and(|s| k.verify_strict(msg, &s).is_ok()),
        }
    }
}

/// One transparency log of the root.
#[derive(Debug, Clone)]
pub struct Tlog {
    /// SHA-256 of the key's DER SubjectPublicKeyInfo: Rekor's log ID.
    pub log_id: [u8; 32],
    pub key: LogKey,
    /// The key's validity, Unix seconds; entries integrated outside it are refused.
    pub valid_from: i64,
    pub valid_until: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct TrustedRoot {
    /// Where it came from, for messages.
    pub name: String,
    pub tlogs: Vec<Tlog>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTlog {
    public_key: RawKey,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: String,
    #[serde(default)]
    key_details: String,
    #[serde(default)]
    valid_for: Option<RawValidity>,
}

#[derive(Deserialize)]
struct RawValidity {
    start: Option<String>,
    end: Option<String>,
}

impl TrustedRoot {
    pub fn public_good() -> Result<TrustedRoot> {
        TrustedRoot::parse(PUBLIC_GOOD.as_bytes(), PUBLIC_GOOD_NAME)
    }

    /// `--trusted-root FILE`, or the built-in root.
    pub fn load(file: Option<&Path>) -> Result<TrustedRoot> {
        match file {
            None => TrustedRoot::public_good(),
            Some(path) => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                TrustedRoot::parse(&bytes, &path.display().to_string())
            }
        }
    }

    pub fn parse(bytes: &[u8], name: &str) -> Result<TrustedRoot> {
        let raw: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| anyhow::anyhow!("{name}: not JSON (line {})", e.line()))?;
        let media_type = raw["mediaType"].as_str().unwrap_or("");
        if !media_type.starts_with("application/vnd.dev.sigstore.trustedroot") {
            bail!("{name}: not a Sigstore trusted root (mediaType {media_type:?})");
        }
        let tlogs: Vec<RawTlog> = serde_json::from_value(raw["tlogs"].clone())
            .with_context(|| format!("{name}: `tlogs` is not a list of transparency logs"))?;
        let tlogs = tlogs
            .into_iter()
            .enumerate()
            .map(|(i, t)| tlog(t).with_context(|| format!("{name}: tlogs[{i}]")))
            .collect::<Result<Vec<_>>>()?;
        Ok(TrustedRoot {
            name: name.to_string(),
            tlogs,
        })
    }

    /// The log whose ID (hex, as Rekor's `logID`) is `log_id_hex`.
    pub fn tlog(&self, log_id_hex: &str) -> Option<&Tlog> {
        self.tlogs
            .iter()
            .find(|t| crate::policy::pki::hex(&t.log_id) == log_id_hex.to_ascii_lowercase())
    }
}

fn tlog(t: RawTlog) -> Result<Tlog> {
    let der = B64
        .decode(t.public_key.raw_bytes.trim())
        .context("publicKey.rawBytes is not base64")?;
    let key = parse_spki(&der, &t.public_key.key_details)?;
    let (valid_from, valid_until) = match &t.public_key.valid_for {
        None => (i64::MIN, None),
        Some(v) => (
            v.start
                .as_deref()
                .map(unix)
                .transpose()?
                .unwrap_or(i64::MIN),
            v.end.as_deref().map(unix).transpose()?,
        ),
    };
    Ok(Tlog {
        log_id: Sha256::digest(&der).into(),
        key,
        valid_from,
        valid_until,
    })
}

/// A DER SubjectPublicKeyInfo: P-256 or Ed25519 (the two kinds Rekor logs use).
pub fn parse_spki(der: &[u8], details: &str) -> Result<LogKey> {
    use p256::pkcs8::DecodePublicKey;
    // Ed25519's SPKI is a fixed 12-byte header and the 32-byte key (RFC 8410).
    const ED25519_SPKI: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    if let Ok(k) = p256::PublicKey::from_public_key_der(der) {
        return Ok(LogKey::P256(k));
    }
    if der.len() == 44 && der[..12] == ED25519_SPKI {
        let bytes: [u8; 32] = der[12..].try_into()?;
        return Ok(LogKey::Ed25519(
            ed25519_dalek::VerifyingKey::from_bytes(&bytes).context("not an Ed25519 key")?,
        ));
    }
    bail!("public key of type {details:?} is not supported (P-256 and Ed25519 are)")
}

fn unix(s: &str) -> Result<i64> {
    Ok(chrono::DateTime::parse_from_rfc3339(s)
        .with_context(|| format!("{s:?} is not an RFC 3339 time"))?
        .timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_good_root_has_rekors_p256_key() {
        let root = TrustedRoot::public_good().unwrap();
        // Rekor's production log ID, as every rekor.sigstore.dev entry names it.
        let rekor = root
            .tlog("c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d")
            .unwrap();
        assert!(matches!(rekor.key, LogKey::P256(_)));
        assert!(rekor.valid_from > 1_600_000_000 && rekor.valid_until.is_none());
        assert!(root
            .tlogs
            .iter()
            .any(|t| matches!(t.key, LogKey::Ed25519(_))));
    }

    #[test]
    fn bad_roots_fail_in_one_line() {
        let e = TrustedRoot::parse(b"{", "x.json").unwrap_err();
        assert!(format!("{e:#}").starts_with("x.json: not JSON"), "{e:#}");
        let e = TrustedRoot::parse(b"{\"mediaType\":\"a\"}", "x.json").unwrap_err();
        assert!(format!("{e:#}").contains("not a Sigstore trusted root"));
        let bad = br#"{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs":[{"publicKey":{"rawBytes":"AAAA"}}]}"#;
        let e = TrustedRoot::parse(bad, "x.json").unwrap_err();
        assert!(format!("{e:#}").contains("x.json: tlogs[0]"), "{e:#}");
    }
}
