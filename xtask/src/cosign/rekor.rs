//! Rekor, the transparency log cosign's default verification requires: the `hashedrekord`
//! entry uploaded for each signature, the evidence cosign stores beside it (the
//! `dev.sigstore.cosign/bundle` annotation: signed entry timestamp and payload), and its
//! offline verification as cosign does it: the SET against the log's key from the trusted
//! root, the RFC 6962 inclusion proof and its signed checkpoint when present, the entry's body
//! against the signature, key and payload, and the integrated time within the key's validity.

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use p256::PublicKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::trust::TrustedRoot;
use crate::oci::net;
use crate::policy::pki::hex;

/// Where cosign uploads by default.
pub const PUBLIC_REKOR: &str = "https://rekor.sigstore.dev";
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// A Rekor answer is a few kilobytes; more is not read.
const MAX_ANSWER: usize = 1 << 20;

/// One log entry with its evidence, as Rekor returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The canonicalized entry, base64.
    pub body: String,
    pub integrated_time: i64,
    pub log_index: i64,
    /// Hex SHA-256 of the log's public key.
    pub log_id: String,
    /// The signed entry timestamp (base64 DER), the log's promise to include the entry.
    pub set: Option<String>,
    pub inclusion_proof: Option<InclusionProof>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InclusionProof {
    pub log_index: i64,
    /// Hex.
    pub root_hash: String,
    pub tree_size: i64,
    /// Hex, leaf to root.
    #[serde(default)]
    pub hashes: Vec<String>,
    #[serde(default)]
    pub checkpoint: Option<String>,
}

/// The proposed `hashedrekord` v0.0.1 entry for a signature over `payload` by `key`, as cosign
/// uploads it (the key as PEM, base64).
pub fn hashedrekord(payload: &[u8], signature_der: &[u8], key: &PublicKey) -> Result<Vec<u8>> {
    let pem = key
        .to_public_key_pem(LineEnding::LF)
        .context("encode the public key")?;
    hashedrekord_pem(payload, signature_der, &pem)
}

/// [`hashedrekord`] with the verifier as PEM: a public key, or (keyless) the certificate.
pub fn hashedrekord_pem(payload: &[u8], signature_der: &[u8], pem: &str) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(&serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": hex(&Sha256::digest(payload))}},
            "signature": {
                "content": B64.encode(signature_der),
                "publicKey": {"content": B64.encode(pem.as_bytes())},
            },
        },
    }))?)
}

/// Uploads a proposed entry (`POST /api/v1/log/entries`), retrying as registry calls do, and
/// returns the entry Rekor integrated.
pub fn upload(rekor_url: &str, proposed: &[u8], o: &net::Options) -> Result<Entry> {
    let base = rekor_url.trim_end_matches('/');
    let url = format!("{base}/api/v1/log/entries");
    let shown = net::sanitize(base);
    let client = net::client_builder(o)?
        .build()
        .map_err(|e| anyhow!("Rekor client: {}", net::sanitize(&e.to_string())))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the network runtime")?;
    let body = bytes::Bytes::copy_from_slice(proposed);
    // One deadline over every try and wait, as registry operations have.
    let deadline = o.operation(proposed.len() as u64);
    let mut tries = 0;
    loop {
        tries += 1;
        let started = std::time::Instant::now();
        let (limit, _) = deadline.limit(net::request_deadline(proposed.len() as u64));
        let fut = async {
            let resp = client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone())
                .send()
                .await?;
            let mut code = resp.status().as_u16();
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let mut bytes = resp.bytes().await?;
            // The same entry is in the log already (a re-signed digest: ECDSA here is
            // deterministic): Rekor answers 409 with its location; that entry is ours.
            if let (409, Some(location)) = (code, location) {
                if let Some(uuid) = location.rsplit('/').next().filter(|u| is_entry_id(u)) {
                    let got = client
                        .get(format!("{base}/api/v1/log/entries/{uuid}"))
                        .header(reqwest::header::ACCEPT, "application/json")
                        .send()
                        .await?;
                    code = got.status().as_u16();
                    bytes = got.bytes().await?;
                }
            }
            Ok::<_, reqwest::Error>((code, bytes))
        };
        let (retry, message) = match net::run(&rt, limit, fut) {
            Ok(Ok((201, bytes))) | Ok(Ok((200, bytes))) => {
                if bytes.len() > MAX_ANSWER {
                    bail!("Rekor {shown}: answer over {MAX_ANSWER} bytes");
                }
                return parse_answer(&bytes).with_context(|| format!("Rekor {shown}"));
            }
            Ok(Ok((code, bytes))) => {
                let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
                (
                    net::retryable_status(code),
                    format!("HTTP {code}: {}", net::sanitize(&text)),
                )
            }
            Ok(Err(e)) => (
                e.is_connect() || e.is_timeout() || e.is_request(),
                net::sanitize(&error_chain(&e)),
            ),
            Err(_) => (true, format!("no answer within {}s", limit.as_secs())),
        };
        let wait = match deadline.retry(tries, net::backoff(tries + 1), started.elapsed()) {
            net::Retry::After(wait) if retry => wait,
            net::Retry::After(_) | net::Retry::NoTriesLeft => {
                bail!("Rekor {shown}: upload failed: {message} (gave up after {tries} tries)")
            }
            net::Retry::WaitPastDeadline | net::Retry::NoTimeForAnother => bail!(
                "Rekor {shown}: upload failed: {message} (gave up after {tries} tries: no time \
                 for another within {})",
                deadline.name()
            ),
        };
        eprintln!(
            "retrying Rekor upload after {message} ({}/{}), waiting {}",
            tries + 1,
            net::MAX_TRIES,
            net::seconds(wait)
        );
        std::thread::sleep(wait);
    }
}

/// A Rekor entry UUID (64 hex) or entry ID (80 hex: tree ID and UUID).
fn is_entry_id(s: &str) -> bool {
    matches!(s.len(), 64 | 80) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn error_chain(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEntry {
    body: String,
    integrated_time: i64,
    #[serde(rename = "logID")]
    log_id: String,
    log_index: i64,
    #[serde(default)]
    verification: Option<RawVerification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawVerification {
    #[serde(default)]
    signed_entry_timestamp: Option<String>,
    #[serde(default)]
    inclusion_proof: Option<InclusionProof>,
}

/// Rekor's answer: `{"<uuid>": {body, integratedTime, logID, logIndex, verification}}`.
pub fn parse_answer(bytes: &[u8]) -> Result<Entry> {
    let map: std::collections::BTreeMap<String, RawEntry> =
        serde_json::from_slice(bytes).map_err(|_| anyhow!("the answer is not a log entry"))?;
    let mut entries = map.into_values();
    let (Some(e), None) = (entries.next(), entries.next()) else {
        bail!("the answer holds no or several log entries");
    };
    let v = e.verification.unwrap_or(RawVerification {
        signed_entry_timestamp: None,
        inclusion_proof: None,
    });
    Ok(Entry {
        body: e.body,
        integrated_time: e.integrated_time,
        log_index: e.log_index,
        log_id: e.log_id,
        set: v.signed_entry_timestamp,
        inclusion_proof: v.inclusion_proof,
    })
}

/// cosign's `dev.sigstore.cosign/bundle` annotation (its `RekorBundle`), field order as cosign
/// marshals it.
#[derive(Serialize, Deserialize)]
struct CosignBundle {
    #[serde(rename = "SignedEntryTimestamp")]
    set: String,
    #[serde(rename = "Payload")]
    payload: CosignPayload,
}

#[derive(Serialize, Deserialize)]
struct CosignPayload {
    body: String,
    #[serde(rename = "integratedTime")]
    integrated_time: i64,
    #[serde(rename = "logIndex")]
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

impl Entry {
    /// The annotation value cosign writes for this entry.
    pub fn cosign_annotation(&self) -> Result<String> {
        let set = self
            .set
            .clone()
            .ok_or_else(|| anyhow!("the log returned no signed entry timestamp"))?;
        Ok(serde_json::to_string(&CosignBundle {
            set,
            payload: CosignPayload {
                body: self.body.clone(),
                integrated_time: self.integrated_time,
                log_index: self.log_index,
                log_id: self.log_id.clone(),
            },
        })?)
    }

    pub fn from_cosign_annotation(value: &str) -> Result<Entry> {
        let b: CosignBundle = serde_json::from_str(value)
            .map_err(|_| anyhow!("the {BUNDLE_ANNOTATION} annotation is not cosign's bundle"))?;
        Ok(Entry {
            body: b.payload.body,
            integrated_time: b.payload.integrated_time,
            log_index: b.payload.log_index,
            log_id: b.payload.log_id,
            set: Some(b.set),
            inclusion_proof: None,
        })
    }

    /// The bytes the SET signs: the canonical JSON (RFC 8785; here keys sorted, no spaces) of
    /// body, integratedTime, logID and logIndex.
    fn set_message(&self) -> Vec<u8> {
        format!(
            r#"{{"body":{},"integratedTime":{},"logID":{},"logIndex":{}}}"#,
            serde_json::Value::from(self.body.as_str()),
            self.integrated_time,
            serde_json::Value::from(self.log_id.as_str()),
            self.log_index
        )
        .into_bytes()
    }
}

/// What the entry's body must say: this signature over this payload by this key.
pub struct Expected<'a> {
    pub payload: &'a [u8],
    pub signature_der: &'a [u8],
    pub key: &'a PublicKey,
    /// A `dsse` entry (the payload is the envelope's), not a `hashedrekord`.
    pub dsse: bool,
}

/// The proposed `dsse` v0.0.1 entry for an envelope (its JSON) signed by `key`, as
/// sigstore-go (cosign 3) uploads it.
pub fn dsse_entry(envelope_json: &str, key: &PublicKey) -> Result<Vec<u8>> {
    let pem = key
        .to_public_key_pem(LineEnding::LF)
        .context("encode the public key")?;
    dsse_entry_pem(envelope_json, &pem)
}

/// [`dsse_entry`] with the verifier as PEM: a public key, or (keyless) the certificate.
pub fn dsse_entry_pem(envelope_json: &str, pem: &str) -> Result<Vec<u8>> {
    Ok(serde_json::to_vec(&serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {"proposedContent": {
            "envelope": envelope_json,
            "verifiers": [B64.encode(pem.as_bytes())],
        }},
    }))?)
}

/// Verifies `entry` offline against `root` and `expected`; the error is one line saying why.
pub fn verify(entry: &Entry, root: &TrustedRoot, expected: &Expected) -> Result<()> {
    let body = verify_evidence(entry, root)?;
    check_body(&body, expected)
}

/// The log's evidence for `entry` (SET, inclusion proof and checkpoint, integrated time), with
/// no regard to what the entry says. Returns the entry's body.
fn verify_evidence(entry: &Entry, root: &TrustedRoot) -> Result<Vec<u8>> {
    let log = root.tlog(&entry.log_id).ok_or_else(|| {
        anyhow!(
            "log entry signed by an unknown log (logID {}), not in {}",
            net::sanitize(&entry.log_id),
            root.name
        )
    })?;
    let body = B64
        .decode(entry.body.as_bytes())
        .map_err(|_| anyhow!("log entry body is not base64"))?;
    if entry.set.is_none() && entry.inclusion_proof.is_none() {
        bail!("log entry carries neither a signed entry timestamp nor an inclusion proof");
    }
    if let Some(set) = &entry.set {
        let sig = B64
            .decode(set.as_bytes())
            .map_err(|_| anyhow!("signed entry timestamp is not base64"))?;
        if !log.key.verify(&entry.set_message(), &sig) {
            bail!("signed entry timestamp does not verify with the log's key (tampered entry, or signed by another log)");
        }
    }
    if let Some(proof) = &entry.inclusion_proof {
        verify_inclusion(proof, &body, log)?;
    }
    if entry.integrated_time < log.valid_from
        || log.valid_until.is_some_and(|u| entry.integrated_time > u)
    {
        bail!(
            "log entry integrated at {} outside the log key's validity",
            entry.integrated_time
        );
    }
    Ok(body)
}

/// The inclusion proof recomputes the root hash from the entry's leaf (RFC 6962), and the
/// signed checkpoint, when present, commits to that root and tree size.
fn verify_inclusion(proof: &InclusionProof, body: &[u8], log: &super::trust::Tlog) -> Result<()> {
    let leaf: [u8; 32] = Sha256::new()
        .chain_update([0u8])
        .chain_update(body)
        .finalize()
        .into();
    let hashes = proof
        .hashes
        .iter()
        .map(|h| from_hex32(h))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| anyhow!("inclusion proof hashes are not hex SHA-256"))?;
    let want = from_hex32(&proof.root_hash)
        .ok_or_else(|| anyhow!("inclusion proof root hash is not hex SHA-256"))?;
    let (Ok(index), Ok(size)) = (
        u64::try_from(proof.log_index),
        u64::try_from(proof.tree_size),
    ) else {
        bail!("inclusion proof index or tree size is negative");
    };
    match merkle_root(index, size, leaf, &hashes) {
        Some(root) if root == want => {}
        _ => bail!("inclusion proof does not lead from this entry to the stated root (swapped or tampered proof)"),
    }
    if let Some(cp) = &proof.checkpoint {
        let (size_signed, root_signed) = verify_checkpoint(cp, log)?;
        if size_signed != size || root_signed != want {
            bail!("the signed checkpoint is for another tree than the inclusion proof");
        }
    }
    Ok(())
}

/// RFC 9162 §2.1.3.2: the root an inclusion proof leads to from `leaf` at `index` in a tree of
/// `size` leaves; `None` when the proof has the wrong shape.
pub fn merkle_root(index: u64, size: u64, leaf: [u8; 32], proof: &[[u8; 32]]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let node = |l: &[u8; 32], r: &[u8; 32]| -> [u8; 32] {
        Sha256::new()
            .chain_update([1u8])
            .chain_update(l)
            .chain_update(r)
            .finalize()
            .into()
    };
    let (mut f, mut s, mut r) = (index, size - 1, leaf);
    for p in proof {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

/// A signed note (Rekor's checkpoint): `origin\nsize\nbase64 root\n[extensions]\n\n— name
/// base64(keyhint ‖ signature)\n`. Returns the tree size and root hash once a signature line
/// verifies with the log's key.
fn verify_checkpoint(cp: &str, log: &super::trust::Tlog) -> Result<(u64, [u8; 32])> {
    let bad = || anyhow!("the inclusion proof's checkpoint is not a signed note");
    let split = cp.find("\n\n").ok_or_else(bad)?;
    let (text, sigs) = (&cp[..split + 1], &cp[split + 2..]);
    let mut lines = text.lines();
    let (_origin, size, root) = (lines.next(), lines.next(), lines.next());
    let size: u64 = size.and_then(|s| s.parse().ok()).ok_or_else(bad)?;
    let root: [u8; 32] = root
        .and_then(|r| B64.decode(r).ok())
        .and_then(|r| r.try_into().ok())
        .ok_or_else(bad)?;
    let verified = sigs.lines().any(|line| {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            return false;
        };
        let Some(sig) = rest.rsplit(' ').next().and_then(|s| B64.decode(s).ok()) else {
            return false;
        };
        sig.len() > 4 && sig[..4] == log.log_id[..4] && log.key.verify(text.as_bytes(), &sig[4..])
    });
    if !verified {
        bail!("the inclusion proof's checkpoint is not signed by the log's key");
    }
    Ok((size, root))
}

fn from_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn pem_key(b64_pem: Option<&str>) -> Option<PublicKey> {
    b64_pem
        .and_then(|s| B64.decode(s).ok())
        .and_then(|pem| String::from_utf8(pem).ok())
        .and_then(|pem| {
            PublicKey::from_public_key_pem(&pem)
                .ok()
                .or_else(|| cert_key(&pem))
        })
}

/// A keyless entry names the certificate: its key is what signed.
fn cert_key(pem: &str) -> Option<PublicKey> {
    use crate::policy::pki::{certs, der};
    let (ty, der, _) = der::pem_decode(pem.as_bytes())?;
    if ty != "CERTIFICATE" {
        return None;
    }
    PublicKey::from_public_key_der(&certs::parse_one(&der).ok()?.spki).ok()
}

/// The entry is a `hashedrekord` of this payload's SHA-256, this signature and this key, or,
/// for an envelope, a `dsse` entry (Rekor's canonical form) of this payload, signature and key.
fn check_body(body: &[u8], want: &Expected) -> Result<()> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| anyhow!("log entry body is not JSON"))?;
    let kind = if want.dsse { "dsse" } else { "hashedrekord" };
    if v["kind"] != kind {
        bail!(
            "log entry is of kind {}, not {kind}",
            net::sanitize(&v["kind"].to_string())
        );
    }
    let spec = &v["spec"];
    let payload_hash = hex(&Sha256::digest(want.payload));
    let hash = if want.dsse {
        &spec["payloadHash"]
    } else {
        &spec["data"]["hash"]
    };
    if hash["algorithm"] != "sha256" || hash["value"].as_str() != Some(payload_hash.as_str()) {
        bail!("log entry is for another payload (another digest or a changed payload)");
    }
    let pairs: Vec<(Option<Vec<u8>>, Option<PublicKey>)> = if want.dsse {
        spec["signatures"]
            .as_array()
            .map(|sigs| {
                sigs.iter()
                    .map(|s| {
                        let sig = s["signature"].as_str().and_then(|s| B64.decode(s).ok());
                        (sig, pem_key(s["verifier"].as_str()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        let sig = &spec["signature"];
        vec![(
            sig["content"].as_str().and_then(|s| B64.decode(s).ok()),
            pem_key(sig["publicKey"]["content"].as_str()),
        )]
    };
    if !pairs
        .iter()
        .any(|(s, _)| s.as_deref() == Some(want.signature_der))
    {
        bail!("log entry holds another signature than the one stored beside the image");
    }
    if !pairs
        .iter()
        .any(|(s, k)| s.as_deref() == Some(want.signature_der) && k.as_ref() == Some(want.key))
    {
        bail!("log entry names another public key than the one verified with");
    }
    Ok(())
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::cosign::{keys, signature, trust};

    /// A log for tests: its key, a trusted root naming it, and entries it signs as Rekor.
    pub struct TestLog {
        pub key: p256::SecretKey,
        pub root: TrustedRoot,
    }

    impl TestLog {
        pub fn new() -> TestLog {
            let key = keys::generate();
            let der = key.public_key().to_public_key_der().unwrap();
            let json = serde_json::json!({
                "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
                "tlogs": [{"baseUrl": "http://127.0.0.1:1", "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": B64.encode(der.as_bytes()),
                        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                        "validFor": {"start": "2020-01-01T00:00:00Z"}},
                    "logId": {"keyId": B64.encode(Sha256::digest(der.as_bytes()))}}],
            });
            let root =
                TrustedRoot::parse(&serde_json::to_vec(&json).unwrap(), "test root").unwrap();
            TestLog { key, root }
        }

        pub fn log_id(&self) -> String {
            hex(&self.root.tlogs[0].log_id)
        }

        /// Integrates `proposed` as the only leaf of a one-leaf tree, as @sigstore/mock does.
        pub fn integrate(&self, proposed: &[u8]) -> Entry {
            let mut e = Entry {
                body: B64.encode(proposed),
                integrated_time: 1_800_000_000,
                log_index: 7,
                log_id: self.log_id(),
                set: None,
                inclusion_proof: None,
            };
            e.set = Some(B64.encode(signature::sign_bytes(&self.key, &e.set_message())));
            let root: [u8; 32] = Sha256::new()
                .chain_update([0u8])
                .chain_update(proposed)
                .finalize()
                .into();
            let note = format!("test - 1\n1\n{}\n", B64.encode(root));
            let mut hint = self.root.tlogs[0].log_id[..4].to_vec();
            hint.extend(signature::sign_bytes(&self.key, note.as_bytes()));
            e.inclusion_proof = Some(InclusionProof {
                log_index: 0,
                root_hash: hex(&root),
                tree_size: 1,
                hashes: vec![],
                checkpoint: Some(format!("{note}\n\u{2014} test {}\n", B64.encode(hint))),
            });
            e
        }
    }

    #[test]
    fn entries_verify_and_forgeries_are_refused_with_a_reason() {
        let log = TestLog::new();
        let signer = keys::generate();
        let payload = b"payload";
        let sig = signature::sign_bytes(&signer, payload);
        let pk = signer.public_key();
        let want = Expected {
            payload,
            signature_der: &sig,
            key: &pk,
            dsse: false,
        };
        let entry = log.integrate(&hashedrekord(payload, &sig, &pk).unwrap());
        verify(&entry, &log.root, &want).unwrap();

        // Through cosign's annotation (SET only) and back.
        let annotation = entry.cosign_annotation().unwrap();
        assert!(
            annotation.starts_with("{\"SignedEntryTimestamp\":\""),
            "{annotation}"
        );
        assert!(annotation.contains("\"Payload\":{\"body\":"));
        let back = Entry::from_cosign_annotation(&annotation).unwrap();
        verify(&back, &log.root, &want).unwrap();

        let refused = |e: &Entry, root: &TrustedRoot, want: &Expected| {
            format!("{:#}", verify(e, root, want).unwrap_err())
        };
        // Tampered: another integrated time under the same SET.
        let mut t = back.clone();
        t.integrated_time += 1;
        assert!(refused(&t, &log.root, &want).contains("signed entry timestamp does not verify"));
        // A SET by an unknown log.
        let other = TestLog::new();
        let foreign = other.integrate(&hashedrekord(payload, &sig, &pk).unwrap());
        assert!(refused(&foreign, &log.root, &want).contains("unknown log"));
        // An entry for another payload (another digest).
        let other_payload = b"other";
        let sig2 = signature::sign_bytes(&signer, other_payload);
        let e2 = log.integrate(&hashedrekord(other_payload, &sig2, &pk).unwrap());
        assert!(refused(&e2, &log.root, &want).contains("another payload"));
        // Another key in the entry.
        let stranger = keys::generate().public_key();
        let e3 = log.integrate(&hashedrekord(payload, &sig, &stranger).unwrap());
        assert!(refused(&e3, &log.root, &want).contains("another public key"));
        // A swapped inclusion proof: the proof and checkpoint of another entry.
        let mut swapped = entry.clone();
        swapped.set = None;
        swapped.inclusion_proof = e2.inclusion_proof.clone();
        assert!(refused(&swapped, &log.root, &want).contains("swapped or tampered proof"));
        // Neither SET nor proof.
        let mut bare = entry.clone();
        bare.set = None;
        bare.inclusion_proof = None;
        assert!(refused(&bare, &log.root, &want).contains("neither"));
        // Outside the key's validity.
        let mut early = log.root.clone();
        early.tlogs[0].valid_from = entry.integrated_time + 1;
        assert!(refused(&entry, &early, &want).contains("validity"));
        let _ = trust::PUBLIC_GOOD_NAME;
    }

    /// A real entry of rekor.sigstore.dev (log index 7810348, a `cosign sign-blob` bundle, the
    /// test vector sigstore-rs verifies too): its SET verifies with the built-in public-good root,
    /// so the signed bytes are the ones production Rekor signs.
    #[test]
    fn a_production_rekor_set_verifies_with_the_built_in_root() {
        let annotation = concat!(
            r#"{"SignedEntryTimestamp":"MEUCIC3c+21v9pk6o4BpB/dRAM9lGnyWLi3Xnc+i8LmnNJmeAiEAiqZJbZHx3Idnw+zXv6yM0ipPw/p16R28YGuCJFQ1u8U=","#,
            r#""Payload":{"body":"eyJhcGlWZXJzaW9uIjoiMC4wLjEiLCJraW5kIjoiaGFzaGVkcmVrb3JkIiwic3BlYyI6eyJkYXRhIjp7Imhhc2giOnsiYWxnb3JpdGhtIjoic2hhMjU2IiwidmFsdWUiOiI0YmM0NTNiNTNjYjNkOTE0YjQ1ZjRiMjUwMjk0MjM2YWRiYTJjMGUwOWZmNmYwMzc5Mzk0OWU3ZTM5ZmQ0Y2MxIn19LCJzaWduYXR1cmUiOnsiY29udGVudCI6Ik1FUUNJR3AxWFpQNXphSW1vc3JCaERQQ2RYbjNmOHhJOUZIR0xzR1Z4NlVlUlBDZ0FpQXQ1R3JzZFFoT0tuWmNBM0VXZWN2Z0pTSHpDSWpXaWZGQlFrRDdIZHN5bWc9PSIsInB1YmxpY0tleSI6eyJjb250ZW50IjoiTFMwdExTMUNSVWRKVGlCRFJWSlVTVVpKUTBGVVJTMHRMUzB0Q2sxSlNVTnhSRU5EUVdrclowRjNTVUpCWjBsVlZGQlhWR1pQTHpGT1VtRlRSbVJsWTJGQlVTOXdRa1JIU25BNGQwTm5XVWxMYjFwSmVtb3dSVUYzVFhjS1RucEZWazFDVFVkQk1WVkZRMmhOVFdNeWJHNWpNMUoyWTIxVmRWcEhWakpOVWpSM1NFRlpSRlpSVVVSRmVGWjZZVmRrZW1SSE9YbGFVekZ3WW01U2JBcGpiVEZzV2tkc2FHUkhWWGRJYUdOT1RXcEplRTFVU1RGTlJHTjZUbnBGZVZkb1kwNU5ha2w0VFZSSk1VMUVZekJPZWtWNVYycEJRVTFHYTNkRmQxbElDa3R2V2tsNmFqQkRRVkZaU1V0dldrbDZhakJFUVZGalJGRm5RVVZLVVZFMFZ5ODFXRkE1YlRSWllsZFNRbEYwU0VkWGQyNDVkVlZvWVdVek9GVndZMG9LY0VWTk0wUlBjelI2VnpSTlNYSk5abGMwVjFGRU1HWjNjRGhRVlZWU1JGaDJVVE01TkhCdmNXZEhSVzFUYTNKMVRIRlBRMEZWTkhkblowWkxUVUUwUndwQk1WVmtSSGRGUWk5M1VVVkJkMGxJWjBSQlZFSm5UbFpJVTFWRlJFUkJTMEpuWjNKQ1owVkdRbEZqUkVGNlFXUkNaMDVXU0ZFMFJVWm5VVlZ2TTB0dUNtcEtVVm93V0dacFoySkVOV0l3VDFaT1RqQjRjVk52ZDBoM1dVUldVakJxUWtKbmQwWnZRVlV6T1ZCd2VqRlphMFZhWWpWeFRtcHdTMFpYYVhocE5Ga0tXa1E0ZDBwM1dVUldVakJTUVZGSUwwSkNNSGRITkVWYVdrZEdkV0ZYVm5OTWJVcHNaRzFXZFdGWVZucFJSMlIwV1Zkc2MweHRUblppVkVGelFtZHZjZ3BDWjBWRlFWbFBMMDFCUlVKQ1FqVnZaRWhTZDJONmIzWk1NbVJ3WkVkb01WbHBOV3BpTWpCMllrYzVibUZYTkhaaU1rWXhaRWRuZDJkWmMwZERhWE5IQ2tGUlVVSXhibXREUWtGSlJXWlJVamRCU0d0QlpIZEVaRkJVUW5GNGMyTlNUVzFOV2tob2VWcGFlbU5EYjJ0d1pYVk9ORGh5Wml0SWFXNUxRVXg1Ym5VS2FtZEJRVUZaVTNSMVFraDVRVUZCUlVGM1FrbE5SVmxEU1ZGRVRUVlpVMUV2UjB3MlMwazFVamxQWkdOdUwzQlRheXR4VmtRMlluTk1PRE1yUlhBNVVnb3lhRmRVWVhkSmFFRkxNV3BwTVd4YU5UWkVjMloxVEdaWU4ySkNRemx1WWxJelJXeDRZV3hDYUhZeGVsRllUVlUzZEd4M1RVRnZSME5EY1VkVFRUUTVDa0pCVFVSQk1tTkJUVWRSUTAxQ1N6aDBjMmRJWldkMWFDdFphR1ZzTTFCcGFraFJiSGxLTVZFMVN6WTBjREI0Y1VSa2J6ZFhOR1o0Wm05QlV6bDRjbEFLY3pKUVMxRmpaRzlFT1dKWWQyZEpkMWcyZWt4cWVXSmFhMDVJVURWNGRFSndOM1pMTWtaWlpWcDBNRTlYVEZKc1ZXeHNZMVZFVEROVUx6ZEtVV1ozWXdwSFUzRTJkbFpDVG5kS01EQjNPVWhTQ2kwdExTMHRSVTVFSUVORlVsUkpSa2xEUVZSRkxTMHRMUzBLIn19fX0=","#,
            r#""integratedTime":1669361833,"logIndex":7810348,"logID":"c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d"}}"#
        );
        let root = TrustedRoot::public_good().unwrap();
        let entry = Entry::from_cosign_annotation(annotation).unwrap();
        verify_evidence(&entry, &root).unwrap();
        let mut moved = entry.clone();
        moved.log_index += 1;
        assert!(verify_evidence(&moved, &root).is_err());
    }

    #[test]
    fn merkle_roots_follow_rfc_9162() {
        let h = |b: &[u8]| -> [u8; 32] {
            Sha256::new()
                .chain_update([0u8])
                .chain_update(b)
                .finalize()
                .into()
        };
        let n = |l: [u8; 32], r: [u8; 32]| -> [u8; 32] {
            Sha256::new()
                .chain_update([1u8])
                .chain_update(l)
                .chain_update(r)
                .finalize()
                .into()
        };
        // Five leaves: root = n(n(n(a,b),n(c,d)), e).
        let (a, b, c, d, e) = (h(b"a"), h(b"b"), h(b"c"), h(b"d"), h(b"e"));
        let root = n(n(n(a, b), n(c, d)), e);
        assert_eq!(merkle_root(2, 5, c, &[d, n(a, b), e]), Some(root));
        assert_eq!(merkle_root(4, 5, e, &[n(n(a, b), n(c, d))]), Some(root));
        assert_eq!(merkle_root(0, 1, a, &[]), Some(a));
        assert_ne!(merkle_root(2, 5, d, &[c, n(a, b), e]), Some(root));
        assert_eq!(merkle_root(5, 5, e, &[]), None);
        assert_eq!(merkle_root(4, 5, e, &[]), None, "too short");
    }

    #[test]
    fn rekor_answers_parse() {
        let a =
            br#"{"24296fb2": {"body": "e30=", "integratedTime": 5, "logID": "ab", "logIndex": 9,
            "verification": {"signedEntryTimestamp": "c2ln", "inclusionProof": {"logIndex": 1,
            "rootHash": "00", "treeSize": 2, "hashes": ["11"], "checkpoint": "x"}}}}"#;
        let e = parse_answer(a).unwrap();
        assert_eq!(
            (e.log_index, e.integrated_time, e.log_id.as_str()),
            (9, 5, "ab")
        );
        assert_eq!(e.inclusion_proof.unwrap().tree_size, 2);
        assert!(parse_answer(b"{}").is_err());
        assert!(parse_answer(b"[]").is_err());
    }
}
