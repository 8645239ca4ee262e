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

use super::rekor;
use super::trust::TrustedRoot;
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

/// Where signing records its signatures: a Rekor log, or none (`--tlog-upload=false`).
#[derive(Debug, Clone)]
pub enum Tlog {
    Upload { rekor_url: String },
    Off,
}

/// A signature made and logged, not yet stored beside the image.
#[derive(Debug, Clone)]
pub struct Prepared {
    body: Vec<u8>,
    layer: Descriptor,
    /// The log entry, when uploaded.
    pub entry: Option<rekor::Entry>,
}

/// Signs `digest` and, unless `tlog` is off, uploads a `hashedrekord` entry for the
/// signature, as `cosign sign` does: the `.sig` layer then carries cosign's bundle
/// annotation. Nothing is written to a store yet, so a log that is down leaves no trace.
pub fn prepare(
    docker_reference: &str,
    digest: &str,
    key: &SecretKey,
    tlog: &Tlog,
    net: &oci::net::Options,
) -> Result<Prepared> {
    match tlog {
        Tlog::Off => prepare_with(docker_reference, digest, key, None),
        Tlog::Upload { rekor_url } => prepare_with(
            docker_reference,
            digest,
            key,
            Some(&mut |proposed: &[u8]| rekor::upload(rekor_url, proposed, net)),
        ),
    }
}

/// A log client: integrates a proposed entry and returns it with its evidence.
pub type LogClient<'a> = &'a mut dyn FnMut(&[u8]) -> Result<rekor::Entry>;

/// [`prepare`] with any log client (the benchmark's in-process log; Rekor otherwise).
pub fn prepare_with(
    docker_reference: &str,
    digest: &str,
    key: &SecretKey,
    log: Option<LogClient>,
) -> Result<Prepared> {
    let body = payload(docker_reference, digest);
    let der = sign_bytes(key, &body);
    let mut layer = Descriptor::of(SIMPLESIGNING, &body);
    layer
        .annotations
        .insert(SIGNATURE_ANNOTATION.into(), B64.encode(&der));
    let entry = match log {
        None => None,
        Some(log) => {
            let proposed = rekor::hashedrekord(&body, &der, &key.public_key())?;
            let entry = log(&proposed)?;
            layer
                .annotations
                .insert(rekor::BUNDLE_ANNOTATION.into(), entry.cosign_annotation()?);
            Some(entry)
        }
    };
    Ok(Prepared { body, layer, entry })
}

/// Whether `existing` is `layer`'s signature (same payload and signature value), and already
/// has the log evidence `layer` brings, if any.
fn same_signature(existing: &Descriptor, layer: &Descriptor) -> bool {
    existing.digest == layer.digest
        && existing.annotations.get(SIGNATURE_ANNOTATION)
            == layer.annotations.get(SIGNATURE_ANNOTATION)
        && (existing.annotations.contains_key(rekor::BUNDLE_ANNOTATION)
            || !layer.annotations.contains_key(rekor::BUNDLE_ANNOTATION))
}

/// Adds a prepared signature beside `digest`, appending to an existing `.sig` manifest (a
/// signature there without log evidence is replaced by the logged one).
///
/// The `.sig` manifest is read, extended and written back, and a registry offers no
/// compare-and-swap: two pushes signing the same digest at once could each write a manifest
/// without the other's signature. So the payload blob goes up first (keeping the
/// read-to-write window to one config upload and one manifest PUT), and after writing, once a
/// settle time of twice that window has passed (a concurrent writer's window is about as
/// long), the manifest is read again; a signature that went missing is merged in again, up to
/// [`SIGN_ATTEMPTS`] times. Merges only ever add layers, so the runs converge on the union.
pub fn store(store: &mut dyn Store, digest: &str, prepared: &Prepared) -> Result<Signed> {
    let (body, layer) = (&prepared.body, &prepared.layer);
    let tag = oci::signature_tag(digest);
    oci::ensure_blob(store, body, &|_| {})?;
    let has = |current: &[Descriptor]| current.iter().any(|l| same_signature(l, layer));
    let merge = |current: &mut Vec<Descriptor>| {
        // The same signature without log evidence gives way to the logged one.
        current.retain(|l| {
            !(l.digest == layer.digest
                && l.annotations.get(SIGNATURE_ANNOTATION)
                    == layer.annotations.get(SIGNATURE_ANNOTATION))
        });
        current.push(layer.clone());
    };
    // The window runs from the read (whose snapshot may be old by the time it arrives) to the
    // end of the write.
    let mut started = std::time::Instant::now();
    let (mut current, mut current_digest) = read_layers(store, &tag)?;
    if has(&current) {
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
        if !has(&current) {
            merge(&mut current);
            write_layers(store, &tag, &current)?;
        }
        let window = started.elapsed();
        std::thread::sleep((window * 2).clamp(
            std::time::Duration::from_millis(50),
            std::time::Duration::from_secs(5),
        ));
        (current, current_digest) = read_layers(store, &tag)?;
        if has(&current) {
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
    /// How many signatures verified with the key (and, unless ignored, their log entries).
    pub valid: usize,
    pub docker_reference: String,
    /// The log entry of the first valid signature; `None` when it has none (accepted only
    /// under `--insecure-ignore-tlog`, or for an OCI layout).
    pub entry: Option<rekor::Entry>,
    /// Whether that signature carries log evidence at all (also when it was not checked).
    pub logged: bool,
    /// What verified: `.sig` (cosign 2's form) and/or a referrer bundle (cosign 3's).
    pub sig_form: bool,
    pub bundle_form: bool,
}

impl Verified {
    /// One line on the log evidence, for reports.
    pub fn tlog_line(&self, shown: &str) -> String {
        match &self.entry {
            None if !self.sig_form => "transparency log: the bundle has no entry".to_string(),
            Some(e) => format!(
                "transparency log: entry {} integrated at {}, verified",
                e.log_index,
                chrono::DateTime::from_timestamp(e.integrated_time, 0)
                    .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default()
            ),
            None => no_entry_warning(shown),
        }
    }
}

/// The one line every command that looks at a signature without a log entry prints.
pub fn no_entry_warning(shown: &str) -> String {
    format!(
        "warning: {shown}: the signature has no transparency-log entry (signed with \
         --tlog-upload=false); cosign's default `cosign verify` refuses it unless the consumer \
         passes --insecure-ignore-tlog"
    )
}

/// How log evidence is checked.
#[derive(Debug, Clone)]
pub struct LogPolicy {
    pub root: TrustedRoot,
    /// `--insecure-ignore-tlog`: the log evidence is not checked, as cosign.
    pub ignore: bool,
    /// A signature without an entry is accepted with the warning line (OCI layouts: a local
    /// staging area, signed offline by default).
    pub missing_ok: bool,
}

/// The verification flags: `--trusted-root FILE`, `--insecure-ignore-tlog`.
#[derive(Debug, Clone, Default)]
pub struct LogArgs {
    pub trusted_root: Option<std::path::PathBuf>,
    pub insecure_ignore_tlog: bool,
}

impl LogPolicy {
    /// The policy for `target`: `--trusted-root` or the built-in root; a layout accepts a
    /// missing entry.
    pub fn new(args: &LogArgs, target: &oci::Target) -> Result<LogPolicy> {
        Ok(LogPolicy {
            root: TrustedRoot::load(args.trusted_root.as_deref())?,
            ignore: args.insecure_ignore_tlog,
            missing_ok: matches!(target, oci::Target::Layout { .. }),
        })
    }
}

/// Checks that at least one signature stored beside `digest` verifies with `key` over its
/// payload, that the payload names `digest`, and, as cosign's default, that its transparency
/// log entry verifies against `log`'s trusted root. `shown` names the image in errors.
pub fn verify(
    store: &mut dyn Store,
    digest: &str,
    key: &PublicKey,
    key_name: &str,
    shown: &str,
    log: &LogPolicy,
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
    let mut log_refusal = None;
    let mut unlogged = false;
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
        // The log evidence, as cosign checks the bundle annotation.
        let entry = match layer.annotations.get(rekor::BUNDLE_ANNOTATION) {
            _ if log.ignore => None,
            None => {
                unlogged = true;
                if !log.missing_ok {
                    continue;
                }
                None
            }
            Some(annotation) => {
                let checked = rekor::Entry::from_cosign_annotation(annotation).and_then(|e| {
                    let want = rekor::Expected {
                        payload: &body,
                        signature_der: &der,
                        key,
                        dsse: false,
                    };
                    rekor::verify(&e, &log.root, &want).map(|()| e)
                });
                match checked {
                    Ok(e) => Some(e),
                    Err(e) => {
                        log_refusal = Some(format!("{e:#}"));
                        continue;
                    }
                }
            }
        };
        let logged = layer.annotations.contains_key(rekor::BUNDLE_ANNOTATION);
        verified.push((
            p["critical"]["identity"]["docker-reference"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            entry,
            logged,
        ));
    }
    // Logged signatures first: their entry is the one reported.
    verified.sort_by_key(|(_, e, logged)| (e.is_none(), !logged));
    if let Some((docker_reference, entry, logged)) = verified.first().cloned() {
        if log.ignore {
            eprintln!(
                "warning: {shown}: --insecure-ignore-tlog: the transparency log was not checked"
            );
        }
        return Ok(Verified {
            valid: verified.len(),
            docker_reference,
            entry,
            logged,
            sig_form: true,
            bundle_form: false,
        });
    }
    if let Some(other) = other_digest {
        bail!("{shown}: digest mismatch: the signature is for {other}, not for {digest}");
    }
    if let Some(d) = tampered {
        bail!("{shown}: tampered signature payload: blob {d} does not match its digest");
    }
    if let Some(why) = log_refusal {
        bail!("{shown}: the signature's transparency-log entry is refused: {why}");
    }
    if unlogged {
        bail!(
            "{shown}: signature not found in transparency log: it has no entry (signed with \
             --tlog-upload=false); pass --insecure-ignore-tlog to accept it, as cosign"
        );
    }
    bail!("{shown}: no signature verifies with {key_name} (signed with another key, or the payload was altered)")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::keys;
    use crate::oci::layout::Layout;

    fn sign(store: &mut dyn Store, r: &str, digest: &str, key: &SecretKey) -> Result<Signed> {
        let p = prepare(r, digest, key, &Tlog::Off, &oci::net::Options::default())?;
        super::store(store, digest, &p)
    }

    /// Verification that accepts a missing entry, as for a layout.
    fn lenient() -> LogPolicy {
        LogPolicy {
            root: TrustedRoot::public_good().unwrap(),
            ignore: false,
            missing_ok: true,
        }
    }

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

        let err = verify(
            &mut store,
            &digest,
            &k1.public_key(),
            "k1",
            "img",
            &lenient(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not signed"), "{err}");

        let s1 = sign(&mut store, "r/x", &digest, &k1).unwrap();
        assert!(s1.appended);
        let again = sign(&mut store, "r/x", &digest, &k1).unwrap();
        assert!(!again.appended, "same key, same payload: idempotent");
        assert_eq!(again.manifest_digest, s1.manifest_digest);

        let err = verify(
            &mut store,
            &digest,
            &k2.public_key(),
            "k2",
            "img",
            &lenient(),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("no signature verifies with k2"),
            "{err}"
        );

        let s2 = sign(&mut store, "r/x", &digest, &k2).unwrap();
        assert_eq!(s2.signatures, 2, "appended, not replaced");
        assert_eq!(
            verify(
                &mut store,
                &digest,
                &k1.public_key(),
                "k1",
                "img",
                &lenient()
            )
            .unwrap()
            .valid,
            1
        );
        assert_eq!(
            verify(
                &mut store,
                &digest,
                &k2.public_key(),
                "k2",
                "img",
                &lenient()
            )
            .unwrap()
            .docker_reference,
            "r/x"
        );
    }

    #[test]
    fn log_evidence_is_required_unless_ignored_and_forgeries_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Layout::new(dir.path());
        let digest = oci::sha256_digest(b"manifest");
        let key = keys::generate();
        let log = rekor::tests::TestLog::new();
        let strict = |ignore| LogPolicy {
            root: log.root.clone(),
            ignore,
            missing_ok: false,
        };

        // No entry: refused by default, accepted when ignored.
        sign(&mut store, "r/x", &digest, &key).unwrap();
        let pk = key.public_key();
        let err = verify(&mut store, &digest, &pk, "k", "img", &strict(false)).unwrap_err();
        assert!(
            err.to_string()
                .contains("signature not found in transparency log"),
            "{err}"
        );
        let ok = verify(&mut store, &digest, &pk, "k", "img", &strict(true)).unwrap();
        assert!(ok.entry.is_none());

        // The same signature with its entry replaces the unlogged layer, and verifies.
        let mut p = prepare(
            "r/x",
            &digest,
            &key,
            &Tlog::Off,
            &oci::net::Options::default(),
        )
        .unwrap();
        let der = B64
            .decode(&p.layer.annotations[SIGNATURE_ANNOTATION])
            .unwrap();
        let entry = log.integrate(&rekor::hashedrekord(&p.body, &der, &pk).unwrap());
        p.layer.annotations.insert(
            rekor::BUNDLE_ANNOTATION.into(),
            entry.cosign_annotation().unwrap(),
        );
        let s = super::store(&mut store, &digest, &p).unwrap();
        assert_eq!((s.appended, s.signatures), (true, 1));
        let ok = verify(&mut store, &digest, &pk, "k", "img", &strict(false)).unwrap();
        assert_eq!(ok.entry.unwrap().log_index, entry.log_index);
        assert!(
            !super::store(&mut store, &digest, &p).unwrap().appended,
            "idempotent"
        );

        // A log not in the trusted root.
        let other = rekor::tests::TestLog::new();
        let foreign = LogPolicy {
            root: other.root.clone(),
            ignore: false,
            missing_ok: false,
        };
        let err = verify(&mut store, &digest, &pk, "k", "img", &foreign).unwrap_err();
        assert!(err.to_string().contains("unknown log"), "{err}");

        // A forged annotation (another entry's SET over this layer).
        let (mut layers, _) = read_layers(&mut store, &oci::signature_tag(&digest)).unwrap();
        let forged = other.integrate(&rekor::hashedrekord(&p.body, &der, &pk).unwrap());
        let mut e = forged.clone();
        e.log_id = log.log_id();
        layers[0].annotations.insert(
            rekor::BUNDLE_ANNOTATION.into(),
            e.cosign_annotation().unwrap(),
        );
        write_layers(&mut store, &oci::signature_tag(&digest), &layers).unwrap();
        let err = verify(&mut store, &digest, &pk, "k", "img", &strict(false)).unwrap_err();
        assert!(
            err.to_string()
                .contains("entry is refused: signed entry timestamp does not verify"),
            "{err}"
        );
    }
}
