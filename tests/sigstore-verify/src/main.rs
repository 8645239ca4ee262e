//! sigstore-rs (the Sigstore project's own Rust cosign code) as a second, independent verifier
//! of the signatures the xtask pushes: key-based, through the image's `sha256-<hex>.sig` tag.
//!
//! `sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE [REKOR_PUBKEY_FILE]` prints how many
//! signature layers sigstore accepted and exits 0, or prints what it refused and exits 1. With
//! the log's key, sigstore checks each layer's `dev.sigstore.cosign/bundle` (the SET) and only
//! layers carrying a verified bundle count: a missing or forged one is a refusal; the entry's
//! body must be the layer's (its signature, its payload's sha256). Run by
//! `e2e::sigstore_verify` and `e2e::sigstore_verify_with_log`.

use sigstore::cosign::verification_constraint::{PublicKeyVerifier, VerificationConstraintVec};
use sigstore::cosign::{ClientBuilder, CosignCapabilities};
use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};
use sigstore::trust::ManualTrustRoot;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (registry, repo, digest, key, rekor) = match args.as_slice() {
        [r, p, d, k] => (r, p, d, k, None),
        [r, p, d, k, l] => (r, p, d, k, Some(l)),
        _ => {
            eprintln!(
                "usage: sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE [REKOR_PUBKEY_FILE]"
            );
            std::process::exit(2);
        }
    };
    let rekor = match rekor.map(|f| std::fs::read(f).map_err(|e| format!("{f}: {e}"))) {
        Some(Ok(pem)) => Some(pem),
        Some(Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
        None => None,
    };
    let result = std::fs::read(key)
        .map_err(|e| format!("{key}: {e}"))
        .and_then(|pem| sigstore_verify(registry, repo, digest, &pem, rekor.as_deref()));
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
/// The test registry is plain HTTP on loopback, so the client speaks HTTP.
fn sigstore_verify(
    registry: &str,
    repo: &str,
    digest: &str,
    pubkey_pem: &[u8],
    rekor_pem: Option<&[u8]>,
) -> Result<usize, String> {
    // The log key, by its log ID (hex SHA-256 of the DER), as sigstore looks it up.
    let mut trust = ManualTrustRoot::default();
    if let Some(pem) = rekor_pem {
        use base64::Engine as _;
        use sha2::Digest as _;
        let text = String::from_utf8_lossy(pem);
        let b64: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| format!("Rekor public key: not PEM: {e}"))?;
        let id: String = sha2::Sha256::digest(&der)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        trust.rekor_keys.insert(id, der);
    }
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
        // With the log's key, sigstore has verified every bundle it kept; a layer without one
        // is what cosign's default verify refuses.
        let layers: Vec<_> = match rekor_pem {
            Some(_) => layers.into_iter().filter(|l| l.bundle.is_some()).collect(),
            None => layers,
        };
        // sigstore checked each SET, not that the logged entry is this layer's.
        for layer in layers.iter().filter(|_| rekor_pem.is_some()) {
            check_log_entry(layer).map_err(|e| format!("sigstore: {sig_ref}: {e}"))?;
        }
        if layers.is_empty() {
            let what = if rekor_pem.is_some() {
                "no signature layer with a transparency-log bundle that verifies with the log key"
            } else {
                "no valid signature layer"
            };
            return Err(format!("sigstore: {sig_ref}: {what}"));
        }
        sigstore::cosign::verify_constraints(&layers, constraints.iter()).map_err(|e| {
            format!(
                "sigstore: {sig_ref}: {} layer(s), none signed by this key: {e:?}",
                layers.len()
            )
        })?;
        Ok(layers.len())
    })
}

/// The layer's verified log entry is about this layer: a hashedrekord whose signature is the
/// layer's and whose hash is the payload's, as cosign checks (a SET for another signature or
/// another payload is refused).
fn check_log_entry(
    layer: &sigstore::cosign::signature_layers::SignatureLayer,
) -> Result<(), String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    use sigstore::cosign::bundle_content::BundleContent;
    let bundle = match &layer.bundle {
        Some(BundleContent::RekorBundle(b)) => b,
        // A Sigstore bundle's entry body is checked by sigstore-rs itself.
        Some(BundleContent::SigstoreBundle(_)) => return Ok(()),
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
    let logged = body["spec"]["signature"]["content"].as_str().unwrap_or("");
    let ours = layer.signature.as_deref().unwrap_or("");
    if ours.is_empty() || b64.decode(logged).ok() != b64.decode(ours).ok() {
        return Err("the log entry's signature is not this layer's".into());
    }
    let payload_hash: String = sha2::Sha256::digest(&layer.raw_data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if body["spec"]["data"]["hash"]["value"].as_str() != Some(payload_hash.as_str()) {
        return Err("the log entry's hash is not this layer's payload".into());
    }
    Ok(())
}
