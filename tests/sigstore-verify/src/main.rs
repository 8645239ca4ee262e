//! sigstore-rs (the Sigstore project's own Rust cosign code) as a second, independent verifier
//! of the signatures the xtask pushes: key-based, through the image's `sha256-<hex>.sig` tag.
//!
//! `sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE [REKOR_PUBKEY_FILE]` prints how many
//! signature layers sigstore accepted and exits 0, or prints what it refused and exits 1. With
//! the log's key, sigstore checks each layer's `dev.sigstore.cosign/bundle` (the SET) and only
//! layers carrying a verified bundle count: a missing or forged one is a refusal; the entry's
//! body must be the layer's (its signature, its payload's sha256). Run by
//! `e2e::sigstore_verify` and `e2e::sigstore_verify_with_log`.
//!
//! `sigstore-verify --keyless REGISTRY REPO DIGEST FULCIO_ROOT_FILE REKOR_PUBKEY_FILE IDENTITY
//! ISSUER` verifies a keyless signature instead: each layer's certificate must chain to the
//! Fulcio root, its bundle verify with the log key, and one layer be signed by its
//! certificate's key for that identity (URI SAN) and OIDC issuer. Run by
//! `e2e::sigstore_verify_keyless`.

use rustls_pki_types::CertificateDer;
use sigstore::cosign::bundle_content::BundleContent;
use sigstore::cosign::signature_layers::SignatureLayer;
use sigstore::cosign::verification_constraint::{
    CertSubjectUrlVerifier, PublicKeyVerifier, VerificationConstraint, VerificationConstraintVec,
};
use sigstore::cosign::{ClientBuilder, CosignCapabilities};
use sigstore::crypto::Signature;
use sigstore::registry::{Auth, ClientConfig, ClientProtocol, OciReference};
use sigstore::trust::ManualTrustRoot;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--keyless") {
        keyless_main(&args[1..]);
        return;
    }
    let (registry, repo, digest, key, rekor) = match args.as_slice() {
        [r, p, d, k] => (r, p, d, k, None),
        [r, p, d, k, l] => (r, p, d, k, Some(l)),
        _ => {
            eprintln!(
                "usage: sigstore-verify REGISTRY REPO DIGEST PUBKEY_FILE [REKOR_PUBKEY_FILE]\n       \
                 sigstore-verify --keyless REGISTRY REPO DIGEST FULCIO_ROOT_FILE REKOR_PUBKEY_FILE IDENTITY ISSUER"
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

/// `--keyless REGISTRY REPO DIGEST FULCIO_ROOT_FILE REKOR_PUBKEY_FILE IDENTITY ISSUER`.
fn keyless_main(args: &[String]) {
    let [registry, repo, digest, root, rekor, identity, issuer] = args else {
        eprintln!(
            "usage: sigstore-verify --keyless REGISTRY REPO DIGEST FULCIO_ROOT_FILE REKOR_PUBKEY_FILE IDENTITY ISSUER"
        );
        std::process::exit(2);
    };
    let read = |f: &String| std::fs::read(f).map_err(|e| format!("{f}: {e}"));
    let (root, rekor) = match (read(root), read(rekor)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let want = Identity { identity, issuer };
    match sigstore_verify_keyless(registry, repo, digest, &root, &rekor, &want) {
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
        add_rekor_key(&mut trust, pem)?;
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

/// Adds the Rekor public key (PEM) to `trust` under its log ID (hex SHA-256 of the DER), as
/// sigstore looks it up.
fn add_rekor_key(trust: &mut ManualTrustRoot<'_>, pem: &[u8]) -> Result<(), String> {
    use sha2::Digest as _;
    let der = pem_blocks(pem)
        .map_err(|e| format!("Rekor public key: {e}"))?
        .into_iter()
        .next()
        .ok_or("Rekor public key: no PEM block")?;
    let id: String = sha2::Sha256::digest(&der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    trust.rekor_keys.insert(id, der);
    Ok(())
}

/// The DER of each `-----BEGIN ...-----` block of a PEM file, in order.
fn pem_blocks(pem: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(pem);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with("-----BEGIN ") {
            current = Some(String::new());
        } else if line.starts_with("-----END ") {
            let b64 = current.take().ok_or("END line without BEGIN")?;
            let der = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("not PEM: {e}"))?;
            blocks.push(der);
        } else if let Some(b64) = current.as_mut() {
            b64.push_str(line);
        }
    }
    if current.is_some() {
        return Err("not PEM: a block has no END line".into());
    }
    Ok(blocks)
}

/// Who must have signed, keyless: the certificate's URI SAN and its OIDC issuer extension.
struct Identity<'a> {
    identity: &'a str,
    issuer: &'a str,
}

/// A keyless layer's signature verifies with the public key of its certificate (which
/// sigstore only keeps when it chains to the Fulcio root and the verified bundle's time is
/// inside its validity). sigstore-rs's `CertificateVerifier` does the same for one given
/// certificate; here each layer carries its own.
#[derive(Debug)]
struct SignedByItsCertificate;

impl VerificationConstraint for SignedByItsCertificate {
    fn verify(&self, layer: &SignatureLayer) -> sigstore::errors::Result<bool> {
        let (Some(cert), Some(sig)) = (&layer.certificate_signature, &layer.signature) else {
            return Ok(false);
        };
        Ok(cert
            .verification_key
            .verify_signature(Signature::Base64Encoded(sig.as_bytes()), &layer.raw_data)
            .is_ok())
    }
}

/// Verifies with sigstore-rs that `registry/repo@digest` carries a keyless cosign signature
/// (the `.sig` layers' `dev.sigstore.cosign/certificate`, `chain` and `bundle` annotations) by
/// `want`: sigstore checks each bundle's SET with the Rekor key and each certificate against
/// the Fulcio root (`root_pem`, every certificate in it a trust anchor) at the logged time;
/// then one layer must satisfy, together, sigstore's `CertSubjectUrlVerifier` (identity and
/// issuer) and a signature by its certificate's key, and its log entry must be the layer's.
/// Returns how many layers satisfy all of it; an error says what was refused.
fn sigstore_verify_keyless(
    registry: &str,
    repo: &str,
    digest: &str,
    root_pem: &[u8],
    rekor_pem: &[u8],
    want: &Identity<'_>,
) -> Result<usize, String> {
    let roots = pem_blocks(root_pem).map_err(|e| format!("Fulcio root: {e}"))?;
    if roots.is_empty() {
        return Err("Fulcio root: no certificate".into());
    }
    let mut trust = ManualTrustRoot {
        fulcio_certs: roots.into_iter().map(CertificateDer::from).collect(),
        ..ManualTrustRoot::default()
    };
    add_rekor_key(&mut trust, rekor_pem)?;
    let image: OciReference = format!("{registry}/{repo}@{digest}")
        .parse()
        .map_err(|e| format!("sigstore: image reference: {e}"))?;
    let constraints: VerificationConstraintVec = vec![
        Box::new(CertSubjectUrlVerifier {
            url: want.identity.to_string(),
            issuer: want.issuer.to_string(),
        }),
        Box::new(SignedByItsCertificate),
    ];
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
            .with_trust_repository(&trust)
            .map_err(|e| format!("sigstore: trust root: {e}"))?
            .build()
            .map_err(|e| format!("sigstore: client: {e}"))?;
        let (sig_ref, found) = client
            .triangulate(&image, &Auth::Anonymous)
            .await
            .map_err(|e| format!("sigstore: {image}: {e}"))?;
        if found != digest {
            return Err(format!("sigstore: {image} resolves to {found}"));
        }
        let layers = client
            .trusted_signature_layers(&Auth::Anonymous, &image)
            .await
            .map_err(|e| format!("sigstore: {sig_ref}: {e}"))?;
        // sigstore 0.15 also reads the Sigstore bundles among the referrers; only the `.sig`
        // layers (their bundle is the annotation's Rekor bundle) are judged here. sigstore
        // keeps a certificate only when it chained and its bundle verified.
        let certified: Vec<_> = layers
            .into_iter()
            .filter(|l| matches!(l.bundle, Some(BundleContent::RekorBundle(_))))
            .filter(|l| l.certificate_signature.is_some())
            .collect();
        if certified.is_empty() {
            return Err(format!(
                "sigstore: {sig_ref}: no .sig layer with a certificate that chains to the \
                 Fulcio root and a transparency-log bundle that verifies with the log key"
            ));
        }
        // verify_constraints passes when each constraint holds on some layer; all of them
        // must hold on the same layer, so it runs layer by layer.
        let mut accepted = 0;
        let mut refused = Vec::new();
        for layer in &certified {
            let one = std::slice::from_ref(layer);
            match sigstore::cosign::verify_constraints(one, constraints.iter()) {
                Ok(()) => {
                    check_log_entry(layer).map_err(|e| format!("sigstore: {sig_ref}: {e}"))?;
                    accepted += 1;
                }
                Err(e) => {
                    let cert = layer.certificate_signature.as_ref();
                    refused.push(format!(
                        "signed by {:?} from {:?}: unsatisfied {:?}",
                        cert.map(|c| &c.subject),
                        cert.and_then(|c| c.issuer.as_deref()),
                        e.unsatisfied_constraints
                    ));
                }
            }
        }
        if accepted == 0 {
            return Err(format!(
                "sigstore: {sig_ref}: no layer signed by {} from {}: {}",
                want.identity,
                want.issuer,
                refused.join("; ")
            ));
        }
        Ok(accepted)
    })
}
