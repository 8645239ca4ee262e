//! Sigstore bundles (protobuf-specs `Bundle` v0.3, JSON) as cosign 3 writes them for `cosign
//! sign --key`: a DSSE envelope over an in-toto statement whose subject is the image digest and
//! whose predicate type is `https://sigstore.dev/cosign/sign/v1`, the public key's hint, and the
//! Rekor `dsse` entry with its inclusion proof and promise. The bundle is attached to the image
//! as an OCI 1.1 referrer (artifact type the bundle's media type, `subject` the image), through
//! the registry's referrers API or the referrers tag schema. A certificate chain (keyless) would
//! take the public key's place in `verificationMaterial`.

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::pkcs8::EncodePublicKey;
use p256::{PublicKey, SecretKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::rekor::{self, Entry, InclusionProof};
use super::signature::{sign_bytes, verify_bytes, LogClient, LogPolicy, Tlog};
use crate::oci::{self, referrers, Descriptor, Manifest, Store};
use crate::policy::pki::hex;

pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// The same version under the older media type spelling, which verifiers also accept.
const BUNDLE_V03_ALT: &str = "application/vnd.dev.sigstore.bundle+json;version=0.3";
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
pub const INTOTO: &str = "application/vnd.in-toto+json";
const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
const CONTENT_ANNOTATION: &str = "dev.sigstore.bundle.content";
const PREDICATE_ANNOTATION: &str = "dev.sigstore.bundle.predicateType";
/// A bundle is a few kilobytes; a larger referrer layer is not read.
const BUNDLE_LIMIT: u64 = 1 << 20;

/// The in-toto statement cosign 3 signs for an image: the digest as the only subject.
pub fn statement(digest: &str) -> Result<Vec<u8>> {
    let hex = digest
        .strip_prefix("sha256:")
        .ok_or_else(|| anyhow!("{digest}: not a sha256 digest"))?;
    Ok(serde_json::to_vec(&json!({
        "_type": STATEMENT_V1,
        "subject": [{"digest": {"sha256": hex}}],
        "predicateType": SIGN_PREDICATE,
        "predicate": {},
    }))?)
}

/// DSSE's pre-authentication encoding: what the envelope's signature signs.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A signed bundle, ready to attach.
pub struct Made {
    pub bytes: Vec<u8>,
    pub entry: Option<Entry>,
}

/// Signs `digest` into a bundle, uploading its `dsse` entry unless `tlog` is off.
pub fn make(digest: &str, key: &SecretKey, tlog: &Tlog, net: &oci::net::Options) -> Result<Made> {
    match tlog {
        Tlog::Off => make_with(digest, key, None),
        Tlog::Upload { rekor_url } => make_with(
            digest,
            key,
            Some(&mut |proposed: &[u8]| rekor::upload(rekor_url, proposed, net)),
        ),
    }
}

/// [`make`] with any log client.
pub fn make_with(digest: &str, key: &SecretKey, log: Option<LogClient>) -> Result<Made> {
    make_with_cert(digest, key, None, log)
}

/// [`make_with`], keyless when `cert` is given: the leaf certificate in the bundle's
/// `verificationMaterial.certificate` (v0.3 carries the leaf only) and in the log entry.
pub fn make_with_cert(
    digest: &str,
    key: &SecretKey,
    cert: Option<&super::fulcio::Chain>,
    log: Option<LogClient>,
) -> Result<Made> {
    let payload = statement(digest)?;
    let sig = sign_bytes(key, &pae(INTOTO, &payload));
    let envelope = json!({
        "payload": B64.encode(&payload),
        "payloadType": INTOTO,
        "signatures": [{"sig": B64.encode(&sig)}],
    });
    let entry = match log {
        None => None,
        Some(log) => {
            let proposed = match cert {
                Some(cert) => rekor::dsse_entry_pem(&envelope.to_string(), cert.leaf_pem())?,
                None => rekor::dsse_entry(&envelope.to_string(), &key.public_key())?,
            };
            Some(log(&proposed)?)
        }
    };
    let der = key
        .public_key()
        .to_public_key_der()
        .context("encode the public key")?;
    let material = match cert {
        Some(cert) => json!({"certificate": {"rawBytes": B64.encode(&cert.leaf_der)}}),
        None => json!({"publicKey": {"hint": B64.encode(Sha256::digest(der.as_bytes()))}}),
    };
    let mut material = material;
    material["tlogEntries"] = json!(entry
        .iter()
        .map(|e| tlog_entry(e, "dsse"))
        .collect::<Result<Vec<_>>>()?);
    let bundle = json!({
        "mediaType": BUNDLE_V03,
        "verificationMaterial": material,
        "dsseEnvelope": envelope,
    });
    Ok(Made {
        bytes: serde_json::to_vec(&bundle)?,
        entry,
    })
}

/// A Rekor entry in the bundle's `TransparencyLogEntry` form (int64 as strings, hashes and
/// IDs in base64).
fn tlog_entry(e: &Entry, kind: &str) -> Result<Value> {
    let b64_hex = |h: &str| -> Result<String> {
        Ok(B64.encode(unhex(h).ok_or_else(|| anyhow!("the log returned a hash that is not hex"))?))
    };
    let mut v = json!({
        "logIndex": e.log_index.to_string(),
        "logId": {"keyId": b64_hex(&e.log_id)?},
        "kindVersion": {"kind": kind, "version": "0.0.1"},
        "integratedTime": e.integrated_time.to_string(),
        "canonicalizedBody": e.body,
    });
    if let Some(set) = &e.set {
        v["inclusionPromise"] = json!({"signedEntryTimestamp": set});
    }
    if let Some(p) = &e.inclusion_proof {
        v["inclusionProof"] = json!({
            "logIndex": p.log_index.to_string(),
            "rootHash": b64_hex(&p.root_hash)?,
            "treeSize": p.tree_size.to_string(),
            "hashes": p.hashes.iter().map(|h| b64_hex(h)).collect::<Result<Vec<_>>>()?,
            "checkpoint": {"envelope": p.checkpoint.clone().unwrap_or_default()},
        });
    }
    Ok(v)
}

/// The bundle's entry back in Rekor's form.
fn entry_of(v: &Value) -> Result<Entry> {
    let bad = |what: &str| anyhow!("bundle tlog entry: {what} is missing or malformed");
    let int = |v: &Value, what: &str| -> Result<i64> {
        v.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_i64())
            .ok_or_else(|| bad(what))
    };
    let hex_of = |v: &Value, what: &str| -> Result<String> {
        v.as_str()
            .and_then(|s| B64.decode(s).ok())
            .map(|b| hex(&b))
            .ok_or_else(|| bad(what))
    };
    let inclusion_proof = match v.get("inclusionProof") {
        None | Some(Value::Null) => None,
        Some(p) => Some(InclusionProof {
            log_index: int(&p["logIndex"], "inclusionProof.logIndex")?,
            root_hash: hex_of(&p["rootHash"], "inclusionProof.rootHash")?,
            tree_size: int(&p["treeSize"], "inclusionProof.treeSize")?,
            hashes: p["hashes"]
                .as_array()
                .map(|hs| {
                    hs.iter()
                        .map(|h| hex_of(h, "inclusionProof.hashes"))
                        .collect()
                })
                .transpose()?
                .unwrap_or_default(),
            checkpoint: p["checkpoint"]["envelope"].as_str().map(str::to_string),
        }),
    };
    Ok(Entry {
        body: v["canonicalizedBody"]
            .as_str()
            .ok_or_else(|| bad("canonicalizedBody"))?
            .to_string(),
        integrated_time: int(&v["integratedTime"], "integratedTime")?,
        log_index: int(&v["logIndex"], "logIndex")?,
        log_id: hex_of(&v["logId"]["keyId"], "logId")?,
        set: v["inclusionPromise"]["signedEntryTimestamp"]
            .as_str()
            .map(str::to_string),
        inclusion_proof,
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks a bundle's bytes as cosign 3 verifies a key-signed image bundle: the envelope's
/// signature by `key`, a statement of cosign's sign predicate whose subject is `digest`, and
/// (unless ignored) the log entry. Returns the entry, when there is one and it was checked.
pub fn verify_bytes_of(
    bytes: &[u8],
    digest: &str,
    key: &PublicKey,
    log: &LogPolicy,
) -> Result<Option<Entry>> {
    let b: Value = serde_json::from_slice(bytes).map_err(|_| anyhow!("the bundle is not JSON"))?;
    let media_type = b["mediaType"].as_str().unwrap_or("");
    if media_type != BUNDLE_V03 && media_type != BUNDLE_V03_ALT {
        bail!(
            "not a Sigstore bundle v0.3 (mediaType {:?})",
            oci::net::sanitize(media_type)
        );
    }
    let env = &b["dsseEnvelope"];
    if env["payloadType"] != INTOTO {
        bail!("the bundle's envelope is not an in-toto statement");
    }
    let payload = env["payload"]
        .as_str()
        .and_then(|p| B64.decode(p).ok())
        .ok_or_else(|| anyhow!("the bundle's envelope payload is not base64"))?;
    let sigs: Vec<Vec<u8>> = env["signatures"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["sig"].as_str().and_then(|x| B64.decode(x).ok()))
                .collect()
        })
        .unwrap_or_default();
    let message = pae(INTOTO, &payload);
    let Some(sig) = sigs.iter().find(|s| verify_bytes(key, &message, s)) else {
        bail!("the bundle's envelope is not signed by this key (another key, or altered)");
    };
    let st: Value = serde_json::from_slice(&payload)
        .map_err(|_| anyhow!("the bundle's statement is not JSON"))?;
    if st["predicateType"] != SIGN_PREDICATE {
        bail!(
            "the bundle is not an image signature (predicate {})",
            oci::net::sanitize(&st["predicateType"].to_string())
        );
    }
    let want = digest.strip_prefix("sha256:").unwrap_or(digest);
    let subjects: Vec<&str> = st["subject"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|s| s["digest"]["sha256"].as_str())
                .collect()
        })
        .unwrap_or_default();
    if !subjects.contains(&want) {
        bail!(
            "digest mismatch: the bundle signs {}, not {digest}",
            oci::net::sanitize(&subjects.join(", "))
        );
    }
    if log.ignore {
        return Ok(None);
    }
    let entries = b["verificationMaterial"]["tlogEntries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(first) = entries.first() else {
        if log.missing_ok {
            return Ok(None);
        }
        bail!(
            "signature not found in transparency log: the bundle has no entry (signed with \
             --tlog-upload=false); pass --insecure-ignore-tlog to accept it, as cosign"
        );
    };
    let entry = entry_of(first)?;
    if entry.inclusion_proof.is_none() {
        bail!("the bundle's log entry has no inclusion proof (a v0.3 bundle must carry one)");
    }
    let want = rekor::Expected {
        payload: &payload,
        signature_der: sig,
        key,
        dsse: true,
    };
    rekor::verify(&entry, &log.root, &want)
        .map_err(|e| anyhow!("the bundle's transparency-log entry is refused: {e:#}"))?;
    Ok(Some(entry))
}

/// Attaches a bundle to the image `subject` (its manifest digest, size and media type).
/// Returns the referrer manifest's digest.
pub fn attach(store: &mut dyn Store, subject: &Descriptor, bundle: &[u8]) -> Result<String> {
    oci::ensure_blob(store, referrers::EMPTY_JSON, &|_| {})?;
    oci::ensure_blob(store, bundle, &|_| {})?;
    let mut manifest = Manifest::new(
        Descriptor::of(referrers::EMPTY_CONFIG, referrers::EMPTY_JSON),
        vec![Descriptor::of(BUNDLE_V03, bundle)],
    );
    manifest.artifact_type = Some(BUNDLE_V03.into());
    manifest.subject = Some(subject.clone());
    manifest.annotations = [
        (CONTENT_ANNOTATION.to_string(), "dsse-envelope".to_string()),
        (PREDICATE_ANNOTATION.to_string(), SIGN_PREDICATE.to_string()),
        (
            "org.opencontainers.image.created".to_string(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        ),
    ]
    .into();
    let bytes = serde_json::to_vec(&manifest)?;
    referrers::attach(
        store,
        &subject.digest,
        &bytes,
        BUNDLE_V03,
        &manifest.annotations,
    )
}

/// The image-signature bundles attached to `digest`: (referrer digest, bundle bytes), read
/// within limits; referrers of other kinds are skipped.
pub fn fetch(store: &mut dyn Store, digest: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for r in referrers::list(store, digest)? {
        if r.artifact_type.as_deref() != Some(BUNDLE_V03)
            || r.annotations
                .get(PREDICATE_ANNOTATION)
                .is_some_and(|p| p != SIGN_PREDICATE)
            || !oci::reference::is_digest(&r.digest)
        {
            continue;
        }
        let Some((bytes, _)) = store.get_manifest(&r.digest)? else {
            continue;
        };
        if oci::sha256_digest(&bytes) != r.digest {
            bail!(
                "referrer {}: the manifest does not match its digest",
                r.digest
            );
        }
        let m: Manifest = serde_json::from_slice(&bytes)
            .with_context(|| format!("referrer {}: not an OCI image manifest", r.digest))?;
        if m.subject.as_ref().map(|s| s.digest.as_str()) != Some(digest) {
            continue;
        }
        let Some(layer) = m.layers.iter().find(|l| l.media_type == BUNDLE_V03) else {
            continue;
        };
        if layer.size > BUNDLE_LIMIT || !oci::reference::is_digest(&layer.digest) {
            bail!(
                "referrer {}: bundle layer over {BUNDLE_LIMIT} bytes or malformed",
                r.digest
            );
        }
        let blob = store.get_blob(&layer.digest, layer.size)?;
        if oci::sha256_digest(&blob) != layer.digest {
            bail!(
                "referrer {}: tampered bundle: blob {} does not match its digest",
                r.digest,
                layer.digest
            );
        }
        out.push((r.digest, blob));
    }
    Ok(out)
}

/// What the referrer bundles of `digest` say for `key`.
#[derive(Debug)]
pub struct Checked {
    /// The entry of the first bundle that verified (`Some(None)`: verified without entry).
    pub verified: Option<Option<Entry>>,
    /// Why the last bundle that did not verify was refused.
    pub refusal: Option<String>,
}

#[cfg(test)]
fn check(store: &mut dyn Store, digest: &str, key: &PublicKey, log: &LogPolicy) -> Result<Checked> {
    Ok(check_fetched(fetch(store, digest)?, digest, key, log))
}

/// The verdict on fetched bundles: the first that verifies (preferring one with a log entry),
/// else why the last was refused.
fn check_fetched(
    bundles: Vec<(String, Vec<u8>)>,
    digest: &str,
    key: &PublicKey,
    log: &LogPolicy,
) -> Checked {
    let mut c = Checked {
        verified: None,
        refusal: None,
    };
    for (referrer, bytes) in bundles {
        // A keyless bundle (a certificate, no key) is no candidate for a key: not a refusal.
        if is_keyless(&bytes) {
            continue;
        }
        match verify_bytes_of(&bytes, digest, key, log) {
            Ok(entry) => {
                if c.verified
                    .as_ref()
                    .is_none_or(|e| e.is_none() && entry.is_some())
                {
                    c.verified = Some(entry);
                }
            }
            Err(e) => c.refusal = Some(format!("referrer {referrer}: {e:#}")),
        }
    }
    c
}

fn is_keyless(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok_and(|b| {
        let m = &b["verificationMaterial"];
        m.get("certificate").is_some() || m.get("x509CertificateChain").is_some()
    })
}

/// Whether a bundle by `key` for `digest` is attached already (with a log entry when
/// `logged`): signing again then adds none.
pub fn already(store: &mut dyn Store, digest: &str, key: &PublicKey, logged: bool) -> Result<bool> {
    let any_root = super::trust::TrustedRoot::public_good()?;
    let unchecked = LogPolicy {
        root: any_root,
        ignore: true,
        missing_ok: true,
    };
    for (_, bytes) in fetch(store, digest)? {
        if verify_bytes_of(&bytes, digest, key, &unchecked).is_err() {
            continue;
        }
        let has_entry = serde_json::from_slice::<Value>(&bytes)
            .ok()
            .is_some_and(|b| {
                b["verificationMaterial"]["tlogEntries"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty())
            });
        if has_entry || !logged {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Verifies `digest` in the forms cosign reads: the `.sig` signatures (cosign 2, what the
/// Runner reads) and the referrer bundles (cosign 3). When a `.sig` manifest exists it must
/// verify, as before; attached bundles must then include one that verifies, so a forged bundle
/// is refused too. With no `.sig` at all, a verifying bundle is enough (cosign 3's own form),
/// unless `sig_required` (the Runner's cosign 2 reads only `.sig`: `status` asks for it).
pub fn verify_either(
    store: &mut dyn Store,
    digest: &str,
    key: &PublicKey,
    key_name: &str,
    shown: &str,
    log: &LogPolicy,
    sig_required: bool,
) -> Result<super::signature::Verified> {
    let has_sig = sig_required || store.get_manifest(&oci::signature_tag(digest))?.is_some();
    let bundles = fetch(store, digest);
    if has_sig {
        let mut v = super::signature::verify(store, digest, key, key_name, shown, log)?;
        let bundles = bundles.with_context(|| format!("{shown}: Sigstore bundles"))?;
        if bundles.is_empty() {
            return Ok(v);
        }
        let c = check_fetched(bundles, digest, key, log);
        match (c.verified, c.refusal) {
            (Some(_), _) => v.bundle_form = true,
            (None, Some(why)) => bail!("{shown}: the Sigstore bundle is refused: {why}"),
            (None, None) => {}
        }
        return Ok(v);
    }
    let c = check_fetched(bundles?, digest, key, log);
    match (c.verified, c.refusal) {
        (Some(entry), _) => {
            if log.ignore {
                eprintln!(
                    "warning: {shown}: --insecure-ignore-tlog: the transparency log was not checked"
                );
            }
            Ok(super::signature::Verified {
                valid: 1,
                docker_reference: String::new(),
                logged: entry.is_some() || log.ignore,
                entry,
                sig_form: false,
                bundle_form: true,
            })
        }
        (None, Some(why)) => bail!("{shown}: the Sigstore bundle is refused: {why}"),
        (None, None) => bail!(
            "{shown}: not signed: there is no signature manifest ({}) and no Sigstore bundle",
            oci::signature_tag(digest)
        ),
    }
}

/// The signed manifest as a `subject` descriptor.
pub fn subject(manifest_bytes: &[u8], media_type: &str) -> Descriptor {
    Descriptor::of(media_type, manifest_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::keys;
    use crate::cosign::rekor::tests::TestLog;
    use crate::oci::layout::Layout;
    use crate::oci::MANIFEST_V1;

    fn policy(
        root: &crate::cosign::trust::TrustedRoot,
        ignore: bool,
        missing_ok: bool,
    ) -> LogPolicy {
        LogPolicy {
            root: root.clone(),
            ignore,
            missing_ok,
        }
    }

    /// A bundle as `make` writes it, with its entry from the test log.
    fn logged(digest: &str, key: &SecretKey, log: &TestLog) -> Vec<u8> {
        let made = make(digest, key, &Tlog::Off, &oci::net::Options::default()).unwrap();
        let mut b: Value = serde_json::from_slice(&made.bytes).unwrap();
        let env = b["dsseEnvelope"].clone();
        let payload = B64.decode(env["payload"].as_str().unwrap()).unwrap();
        let sig = B64
            .decode(env["signatures"][0]["sig"].as_str().unwrap())
            .unwrap();
        // Rekor's canonical dsse body.
        let pem = key
            .public_key()
            .to_public_key_pem(p256::pkcs8::LineEnding::LF)
            .unwrap();
        let body = serde_json::to_vec(&json!({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(env.to_string()))},
            "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&payload))},
            "signatures": [{"signature": B64.encode(&sig), "verifier": B64.encode(pem)}],
        }}))
        .unwrap();
        let entry = log.integrate(&body);
        b["verificationMaterial"]["tlogEntries"] = json!([tlog_entry(&entry, "dsse").unwrap()]);
        serde_json::to_vec(&b).unwrap()
    }

    #[test]
    fn bundles_verify_as_cosign_3_and_forgeries_are_refused() {
        let log = TestLog::new();
        let key = keys::generate();
        let pk = key.public_key();
        let digest = oci::sha256_digest(b"manifest");
        let bundle = logged(&digest, &key, &log);
        let strict = policy(&log.root, false, false);
        let entry = verify_bytes_of(&bundle, &digest, &pk, &strict)
            .unwrap()
            .unwrap();
        assert!(entry.inclusion_proof.is_some() && entry.set.is_some());

        let refused = |b: &[u8], d: &str, k: &PublicKey, p: &LogPolicy| {
            format!("{:#}", verify_bytes_of(b, d, k, p).unwrap_err())
        };
        let other = oci::sha256_digest(b"other");
        assert!(refused(&bundle, &other, &pk, &strict).contains("digest mismatch"));
        let stranger = keys::generate().public_key();
        assert!(refused(&bundle, &digest, &stranger, &strict).contains("not signed by this key"));
        let foreign = TestLog::new();
        assert!(
            refused(&bundle, &digest, &pk, &policy(&foreign.root, false, false))
                .contains("unknown log")
        );

        // A swapped inclusion proof: another bundle's proof in this one.
        let second = logged(&other, &key, &log);
        let mut b: Value = serde_json::from_slice(&bundle).unwrap();
        let s: Value = serde_json::from_slice(&second).unwrap();
        b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"] =
            s["verificationMaterial"]["tlogEntries"][0]["inclusionProof"].clone();
        let swapped = serde_json::to_vec(&b).unwrap();
        assert!(refused(&swapped, &digest, &pk, &strict).contains("swapped or tampered proof"));
        // A tampered body (the other entry's body under this SET).
        let mut b: Value = serde_json::from_slice(&bundle).unwrap();
        b["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"] =
            s["verificationMaterial"]["tlogEntries"][0]["canonicalizedBody"].clone();
        let tampered = serde_json::to_vec(&b).unwrap();
        assert!(refused(&tampered, &digest, &pk, &strict).contains("does not verify"));

        // Without an entry: refused unless ignored (or a layout).
        let bare = make(&digest, &key, &Tlog::Off, &oci::net::Options::default()).unwrap();
        assert!(refused(&bare.bytes, &digest, &pk, &strict)
            .contains("signature not found in transparency log"));
        assert!(
            verify_bytes_of(&bare.bytes, &digest, &pk, &policy(&log.root, true, false))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn attached_bundles_are_found_through_the_tag_schema() {
        let log = TestLog::new();
        let dir = tempfile::tempdir().unwrap();
        let mut store = Layout::new(dir.path());
        let key = keys::generate();
        let image = br#"{"schemaVersion":2}"#;
        let subject = subject(image, MANIFEST_V1);
        store.put_manifest("v1", MANIFEST_V1, image).unwrap();
        let bundle = logged(&subject.digest, &key, &log);
        let referrer = attach(&mut store, &subject, &bundle).unwrap();
        let (m, _) = store.get_manifest(&referrer).unwrap().unwrap();
        let m: Value = serde_json::from_slice(&m).unwrap();
        assert_eq!(m["artifactType"], BUNDLE_V03);
        assert_eq!(m["subject"]["digest"], subject.digest.as_str());
        assert_eq!(
            m["config"]["mediaType"],
            "application/vnd.oci.empty.v1+json"
        );
        assert_eq!(m["annotations"][PREDICATE_ANNOTATION], SIGN_PREDICATE);
        let c = check(
            &mut store,
            &subject.digest,
            &key.public_key(),
            &policy(&log.root, false, false),
        )
        .unwrap();
        assert!(matches!(c.verified, Some(Some(_))), "{c:?}");
    }
}
