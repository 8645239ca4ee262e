//! sigstore-rs (the Sigstore project's own Rust cosign code) as a second, independent verifier
//! of the signatures the xtask pushes: key-based, through the image's `sha256-<hex>.sig` tag.
//!
//! `sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE` prints how many signature layers sigstore
//! accepted and exits 0, or prints what it refused and exits 1. Run by `e2e::sigstore_verify`.

use sigstore::cosign::verification_constraint::{PublicKeyVerifier, VerificationConstraintVec};
use sigstore::cosign::{ClientBuilder, CosignCapabilities};
use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [registry, repo, digest, key] = args.as_slice() else {
        eprintln!("usage: sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE");
        std::process::exit(2);
    };
    let result = std::fs::read(key)
        .map_err(|e| format!("{key}: {e}"))
        .and_then(|pem| sigstore_verify(registry, repo, digest, &pem));
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
    runtime.block_on(async {
        let mut client = ClientBuilder::default()
            .with_oci_client_config(ClientConfig {
                protocol: ClientProtocol::Http,
                ..ClientConfig::default()
            })
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
        Ok(layers.len())
    })
}
