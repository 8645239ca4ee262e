//! Cosign signatures as cosign 2.x stores them: a simple-signing payload naming the manifest
//! digest, signed with ECDSA P-256/SHA-256 (DER, base64 in the layer's
//! `dev.cosignproject.cosign/signature` annotation), one layer per signature in the manifest
//! tagged `sha256-<hex>.sig` beside the image. Verification is what `cosign verify --key` checks.

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{DerSignature, Signature, SigningKey, VerifyingKey};
use p256::{PublicKey, SecretKey};
use serde_json::json;

use crate::oci::{self, Descriptor, Manifest, Store, CONFIG_V1, MANIFEST_V1};

pub const SIMPLESIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// A simple-signing payload is a few hundred bytes; a larger one is not read.
const PAYLOAD_LIMIT: u64 = 64 << 10;
/// Signature layers considered per `.sig` manifest, as cosign caps them (CVE-2023-46737): the
/// manifest is unsigned, so its size must not decide how much we fetch.
pub const MAX_SIGNATURES: usize = 1000;

/// The simple-signing payload, byte for byte as cosign writes it.
pub fn payload(docker_reference: &str, manifest_digest: &str) -> Vec<u8> {
    format!(
        r#"{{"critical":{{"identity":{{"docker-reference":{}}},"image":{{"docker-manifest-digest":{}}},"type":"cosign container image signature"}},"optional":null}}"#,
        serde_json::Value::from(docker_reference),
        serde_json::Value::from(manifest_digest)
    )
    .into_bytes()
}

/// ASN.1 DER signature over `message` (SHA-256, RFC 6979 deterministic nonces).
pub fn sign_bytes(key: &SecretKey, message: &[u8]) -> Vec<u8> {
    let sig: Signature = SigningKey::from(key).sign(message);
    sig.to_der().as_bytes().to_vec()
}

pub fn verify_bytes(key: &PublicKey, message: &[u8], der: &[u8]) -> bool {
    let Ok(sig) = DerSignature::try_from(der) else {
        return false;
    };
    let Ok(sig) = Signature::from_der(sig.as_bytes()) else {
        return false;
    };
    VerifyingKey::from(key).verify(message, &sig).is_ok()
}

#[derive(Debug)]
pub struct Signed {
    pub tag: String,
    /// Digest of the `.sig` manifest after this signature.
    pub manifest_digest: String,
    /// False when the same signature was there already (signing is idempotent).
    pub appended: bool,
    pub signatures: usize,
}

/// How often a signature is added again when a concurrent push overwrote it.
const SIGN_ATTEMPTS: u32 = 5;

/// Signs `digest` and stores the signature beside it, appending to an existing `.sig` manifest.
///
/// The `.sig` manifest is read, extended and written back, and a registry offers no
/// compare-and-swap: two pushes signing the same digest at once could each write a manifest
/// without the other's signature. So the payload blob goes up first (keeping the
/// read-to-write window to one config upload and one manifest PUT), and after writing, once a
/// settle time of twice that window has passed (a concurrent writer's window is about as
/// long), the manifest is read again; a signature that went missing is merged in again, up to
/// [`SIGN_ATTEMPTS`] times. Merges only ever add layers, so the runs converge on the union.
pub fn sign(
    store: &mut dyn Store,
    docker_reference: &str,
    digest: &str,
    key: &SecretKey,
) -> Result<Signed> {
    let body = payload(docker_reference, digest);
    let signature = B64.encode(sign_bytes(key, &body));
    let mut layer = Descriptor::of(SIMPLESIGNING, &body);
    layer
        .annotations
        .insert(SIGNATURE_ANNOTATION.into(), signature);

    let tag = oci::signature_tag(digest);
    oci::ensure_blob(store, &body, &|_| {})?;
    // The window runs from the read (whose snapshot may be old by the time it arrives) to the
    // end of the write.
    let mut started = std::time::Instant::now();
    let (mut current, mut current_digest) = read_layers(store, &tag)?;
    if current.contains(&layer) {
        return Ok(Signed {
            tag,
            manifest_digest: current_digest,
            appended: false,
            signatures: current.len(),
        });
    }
    for attempt in 1..=SIGN_ATTEMPTS {
        if attempt > 1 {
            started = std::time::Instant::now();
            (current, _) = read_layers(store, &tag)?;
        }
        if !current.contains(&layer) {
            current.push(layer.clone());
            write_layers(store, &tag, &current)?;
        }
        let window = started.elapsed();
        std::thread::sleep((window * 2).clamp(
            std::time::Duration::from_millis(50),
            std::time::Duration::from_secs(5),
        ));
        (current, current_digest) = read_layers(store, &tag)?;
        if current.contains(&layer) {
            return Ok(Signed {
                tag,
                manifest_digest: current_digest,
                appended: true,
                signatures: current.len(),
            });
        }
        eprintln!(
            "{tag}: a concurrent push replaced the signature manifest; adding the signature again ({}/{SIGN_ATTEMPTS})",
            attempt + 1
        );
    }
    bail!("{tag}: the signature manifest keeps being replaced by concurrent pushes; run again")
}

/// The layers of the `.sig` manifest under `tag` (none when there is none) and its digest.
pub fn read_layers(store: &mut dyn Store, tag: &str) -> Result<(Vec<Descriptor>, String)> {
    match store.get_manifest(tag)? {
        Some((bytes, _)) => {
            let m: Manifest = serde_json::from_slice(&bytes)
                .with_context(|| format!("{tag}: existing signature manifest is not valid"))?;
            Ok((m.layers, oci::sha256_digest(&bytes)))
        }
        None => Ok((Vec::new(), String::new())),
    }
}

pub fn write_layers(store: &mut dyn Store, tag: &str, layers: &[Descriptor]) -> Result<()> {
    // An image config listing the layers, as cosign (go-containerregistry) writes it.
    let diff_ids: Vec<&str> = layers.iter().map(|l| l.digest.as_str()).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "",
        "config": {},
        "created": "0001-01-01T00:00:00Z",
        "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))?;
    oci::ensure_blob(store, &config, &|_| {})?;
    let manifest = Manifest::new(Descriptor::of(CONFIG_V1, &config), layers.to_vec());
    let bytes = serde_json::to_vec(&manifest)?;
    store.put_manifest(tag, MANIFEST_V1, &bytes)
}

#[derive(Debug)]
pub struct Verified {
    /// How many signatures verified with the key.
    pub valid: usize,
    pub docker_reference: String,
}

/// Checks that at least one signature stored beside `digest` verifies with `key` over its
/// payload, and that the payload names `digest`. `shown` names the image in errors.
pub fn verify(
    store: &mut dyn Store,
    digest: &str,
    key: &PublicKey,
    key_name: &str,
    shown: &str,
) -> Result<Verified> {
    let tag = oci::signature_tag(digest);
    let Some((bytes, _)) = store.get_manifest(&tag)? else {
        bail!("{shown}: not signed: there is no signature manifest ({tag})");
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("{shown}: signature manifest {tag} is not valid"))?;
    if manifest.layers.len() > MAX_SIGNATURES {
        bail!(
            "{shown}: signature manifest {tag} has {} layers, over cosign's limit of {MAX_SIGNATURES}",
            manifest.layers.len()
        );
    }
    let mut tampered = None;
    let mut other_digest = None;
    let mut verified = Vec::new();
    for layer in manifest
        .layers
        .iter()
        .filter(|l| l.media_type == SIMPLESIGNING)
    {
        let Some(sig) = layer.annotations.get(SIGNATURE_ANNOTATION) else {
            continue;
        };
        // The digest goes into a URL or a path: only `sha256:` and 64 hex digits.
        if !oci::reference::is_digest(&layer.digest) || layer.size > PAYLOAD_LIMIT {
            tampered = Some(crate::oci::net::sanitize(&layer.digest));
            continue;
        }
        let body = store.get_blob(&layer.digest, layer.size)?;
        if oci::sha256_digest(&body) != layer.digest || body.len() as u64 != layer.size {
            tampered = Some(layer.digest.clone());
            continue;
        }
        let Ok(der) = B64.decode(sig) else { continue };
        if !verify_bytes(key, &body, &der) {
            continue;
        }
        let p: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| anyhow!("{shown}: a signed payload is not JSON"))?;
        let claimed = p["critical"]["image"]["docker-manifest-digest"]
            .as_str()
            .unwrap_or("");
        if claimed != digest {
            other_digest = Some(crate::oci::net::sanitize(claimed));
            continue;
        }
        verified.push(
            p["critical"]["identity"]["docker-reference"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
    }
    if let Some(docker_reference) = verified.first().cloned() {
        return Ok(Verified {
            valid: verified.len(),
            docker_reference,
        });
    }
    if let Some(other) = other_digest {
        bail!("{shown}: digest mismatch: the signature is for {other}, not for {digest}");
    }
    if let Some(d) = tampered {
        bail!("{shown}: tampered signature payload: blob {d} does not match its digest");
    }
    bail!("{shown}: no signature verifies with {key_name} (signed with another key, or the payload was altered)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::keys;
    use crate::oci::layout::Layout;

    #[test]
    fn payload_is_cosigns() {
        let d = format!("sha256:{}", "0".repeat(64));
        assert_eq!(
            String::from_utf8(payload("reg.example/a/b", &d)).unwrap(),
            format!(
                "{{\"critical\":{{\"identity\":{{\"docker-reference\":\"reg.example/a/b\"}},\
                 \"image\":{{\"docker-manifest-digest\":\"{d}\"}},\
                 \"type\":\"cosign container image signature\"}},\"optional\":null}}"
            )
        );
    }

    #[test]
    fn sign_appends_and_verify_distinguishes_failures() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Layout::new(dir.path());
        let digest = oci::sha256_digest(b"manifest");
        let (k1, k2) = (keys::generate(), keys::generate());

        let err = verify(&mut store, &digest, &k1.public_key(), "k1", "img").unwrap_err();
        assert!(err.to_string().contains("not signed"), "{err}");

        let s1 = sign(&mut store, "r/x", &digest, &k1).unwrap();
        assert!(s1.appended);
        let again = sign(&mut store, "r/x", &digest, &k1).unwrap();
        assert!(!again.appended, "same key, same payload: idempotent");
        assert_eq!(again.manifest_digest, s1.manifest_digest);

        let err = verify(&mut store, &digest, &k2.public_key(), "k2", "img").unwrap_err();
        assert!(
            err.to_string().contains("no signature verifies with k2"),
            "{err}"
        );

        let s2 = sign(&mut store, "r/x", &digest, &k2).unwrap();
        assert_eq!(s2.signatures, 2, "appended, not replaced");
        assert_eq!(
            verify(&mut store, &digest, &k1.public_key(), "k1", "img")
                .unwrap()
                .valid,
            1
        );
        assert_eq!(
            verify(&mut store, &digest, &k2.public_key(), "k2", "img")
                .unwrap()
                .docker_reference,
            "r/x"
        );
    }
}
