//! sigstore-rs (the Sigstore project's own Rust cosign code) as a second, independent verifier
//! of the signatures the xtask pushes: key-based, through the image's `sha256-<hex>.sig` tag.
//!
//! `sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE [REKOR_PUBKEY_FILE]` prints how many
//! signature layers sigstore accepted and exits 0, or prints what it refused and exits 1. Run by
//! `e2e::sigstore_verify` and `e2e::sigstore_verify_with_log`.
//!
//! With the log's key, every accepted layer must also carry the `dev.sigstore.cosign/bundle`
//! annotation: sigstore checks its signed entry timestamp with that key (a forged or foreign
//! one drops the layer), and this tool checks the entry's body is this layer's (the hashedrekord
//! signature and the payload's sha256), as cosign does.

use base64::Engine;
use sha2::{Digest, Sha256};
use sigstore::cosign::bundle_content::BundleContent;
use sigstore::cosign::signature_layers::SignatureLayer;
use sigstore::cosign::verification_constraint::{PublicKeyVerifier, VerificationConstraintVec};
use sigstore::cosign::{ClientBuilder, CosignCapabilities};
use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};
use sigstore::trust::ManualTrustRoot;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (registry, repo, digest, key, rekor_key) = match args.as_slice() {
        [r, p, d, k] => (r, p, d, k, None),
        [r, p, d, k, l] => (r, p, d, k, Some(l)),
        _ => {
            eprintln!(
                "usage: sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE [REKOR_PUBKEY_FILE]"
            );
            std::process::exit(2);
        }
    };
    let result = std::fs::read(key)
        .map_err(|e| format!("{key}: {e}"))
        .and_then(|pem| {
            let log = match rekor_key {
                Some(f) => Some(std::fs::read(f).map_err(|e| format!("{f}: {e}"))?),
                None => None,
            };
            sigstore_verify(registry, repo, digest, &pem, log.as_deref())
        });
    match result {
        Ok(n) => println!("{n}"),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Verifies with sigstore-rs that `registry/repo@digest` carries a cosign signature by the
/// P-256 public key `pubkey_pem` (the `.pub` file `policy-keys` writes). sigstore itself finds
/// the `.sig` manifest, checks each layer's blob against its descriptor and its payload's
/// `docker-manifest-digest` against `digest`, and the signature against the key. Returns how
/// many signature layers sigstore accepted as well-formed; an error says what it refused.
/// The test registry is plain HTTP on loopback, so the client speaks HTTP. With `rekor_pem`
/// (the log's public key) each accepted layer must carry a log entry for itself.
fn sigstore_verify(
    registry: &str,
    repo: &str,
    digest: &str,
    pubkey_pem: &[u8],
    rekor_pem: Option<&[u8]>,
) -> Result<usize, String> {
    let image: OciReference = format!("{registry}/{repo}@{digest}")
        .parse()
        .map_err(|e| format!("sigstore: image reference: {e}"))?;
    let verifier = PublicKeyVerifier::try_from(pubkey_pem)
        .map_err(|e| format!("sigstore: public key: {e}"))?;
    let constraints: VerificationConstraintVec = vec![Box::new(verifier)];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let mut trust = ManualTrustRoot::default();
    if let Some(pem) = rekor_pem {
        let der = pem::parse(pem)
            .map_err(|e| format!("rekor public key: {e}"))?
            .into_contents();
        // Keyed by log ID (sha256 of the DER key), which the bundle's payload names.
        trust
            .rekor_keys
            .insert(format!("{:x}", Sha256::digest(&der)), der);
    }
    runtime.block_on(async {
        let mut builder = ClientBuilder::default().with_oci_client_config(ClientConfig {
            protocol: ClientProtocol::Http,
            ..ClientConfig::default()
        });
        if rekor_pem.is_some() {
            builder = builder
                .with_trust_repository(&trust)
                .map_err(|e| format!("sigstore: trust root: {e}"))?;
        }
        let mut client = builder
            .build()
            .map_err(|e| format!("sigstore: client: {e}"))?;
        // The `.sig` tag is found from the digest (triangulation), not given to sigstore.
        let (sig_ref, found) = client
            .triangulate(&image, &Auth::Anonymous)
            .await
            .map_err(|e| format!("sigstore: {image}: {e}"))?;
        if found != digest {
            return Err(format!("sigstore: {image} resolves to {found}"));
        }
        // Layers that fail sigstore's own checks are dropped (and only logged): none left is a
        // refusal, as is a set where no layer verifies with the key.
        let layers = client
            .trusted_signature_layers(&Auth::Anonymous, &image)
            .await
            .map_err(|e| format!("sigstore: {sig_ref}: {e}"))?;
        if layers.is_empty() {
            return Err(format!("sigstore: {sig_ref}: no valid signature layer"));
        }
        sigstore::cosign::verify_constraints(&layers, constraints.iter()).map_err(|e| {
            format!(
                "sigstore: {sig_ref}: {} layer(s), none signed by this key: {e:?}",
                layers.len()
            )
        })?;
        if rekor_pem.is_some() {
            for layer in &layers {
                check_log_entry(layer).map_err(|e| format!("sigstore: {sig_ref}: {e}"))?;
            }
        }
        Ok(layers.len())
    })
}

/// The layer's verified log entry is about this layer: a hashedrekord whose signature is the
/// layer's and whose hash is the payload's (sigstore-rs checked the SET, not the body).
fn check_log_entry(layer: &SignatureLayer) -> Result<(), String> {
    let bundle = match &layer.bundle {
        Some(BundleContent::RekorBundle(b)) => b,
        Some(BundleContent::SigstoreBundle(_)) => return Ok(()), // body checked by sigstore-rs
        None => return Err("a signature layer has no verified transparency log entry".into()),
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = b64
        .decode(&bundle.payload.body)
        .map_err(|e| format!("log entry body: {e}"))?;
    let body: serde_json::Value =
        serde_json::from_slice(&body).map_err(|e| format!("log entry body: {e}"))?;
    if body["kind"] != "hashedrekord" {
        return Err(format!(
            "log entry kind {} is not hashedrekord",
            body["kind"]
        ));
    }
    let logged_sig = body["spec"]["signature"]["content"].as_str().unwrap_or("");
    let layer_sig = layer.signature.as_deref().unwrap_or("");
    if b64.decode(logged_sig).ok() != b64.decode(layer_sig).ok() || layer_sig.is_empty() {
        return Err("the log entry's signature is not this layer's".into());
    }
    let payload_hash = format!("{:x}", Sha256::digest(&layer.raw_data));
    if body["spec"]["data"]["hash"]["value"].as_str() != Some(payload_hash.as_str()) {
        return Err("the log entry's hash is not this layer's payload".into());
    }
    Ok(())
}
