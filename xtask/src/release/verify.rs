//! `policy-verify`: what the Runner's init container does before OPA sees a bundle. Resolve the
//! reference to a digest, verify a cosign signature over it with the public key, fetch the
//! bundle layer and check its digest and size, and only then, if asked, unpack it safely.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::json;

use super::untar;
use crate::cosign::{identity, keydir, signature};
use crate::oci::{self, Manifest, Store, Target, LAYER_TAR_GZIP};

/// A bundle layer larger than this is refused before download.
const MAX_LAYER: u64 = 256 << 20;
/// Unpacked, a bundle may not exceed this (a gzip bomb stops here).
const MAX_UNPACKED: u64 = 1 << 30;
const MAX_ENTRIES: usize = 100_000;

pub struct Options {
    pub reference: String,
    pub key: PathBuf,
    pub extract: Option<PathBuf>,
    pub json: bool,
    pub net: oci::net::Options,
    pub log: signature::LogArgs,
    /// `--certificate-identity[-regexp]`, `--certificate-oidc-issuer[-regexp]`: keyless.
    pub identity: identity::IdentityArgs,
}

pub fn policy_verify(o: &Options) -> Result<()> {
    if let Some(policy) = o.identity.policy()? {
        return verify_identity(o, &policy);
    }
    let target = Target::parse(&o.reference)?;
    let key = keydir::read_public(&o.key)?;
    let key_name = o.key.display().to_string();
    let log = signature::LogPolicy::new(&o.log, &target)?;
    let mut store = oci::open(&target, &o.net)?;

    let (digest, manifest) = resolve(store.as_mut(), &target)?;
    let shown = target.with(&digest);
    let verified = crate::cosign::sigbundle::verify_either(
        store.as_mut(),
        &digest,
        &key,
        &key_name,
        &shown,
        &log,
        false,
    )?;
    if !verified.logged {
        eprintln!("{}", signature::no_entry_warning(&shown));
    }
    if !verified.sig_form {
        eprintln!(
            "warning: {shown}: only a Sigstore bundle (cosign 3) verifies, no .sig: cosign 2, \
             which the Runner runs, will refuse it"
        );
    }

    let layer = fetch_and_extract(store.as_mut(), &manifest, &shown, o)?;

    if o.json {
        let report = json!({
            "verified": true,
            "reference": shown,
            "digest": digest,
            "key": key_name,
            "signatures": verified.valid,
            "docker_reference": verified.docker_reference,
            "tlog": tlog_json(&verified, log.ignore),
            "forms": forms_json(&verified),
            "bundle": {"digest": layer.digest, "size": layer.size},
            "extracted_to": o.extract,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("verified {shown}");
        println!(
            "  {} signature(s) valid with {key_name}; bundle {} ({} bytes)",
            verified.valid, layer.digest, layer.size
        );
        println!("  verified as: {}", forms(&verified));
        if !log.ignore && verified.entry.is_some() {
            println!("  {}", verified.tlog_line(&shown));
        }
        if let Some(dir) = &o.extract {
            println!("  extracted to {}", dir.display());
        }
    }
    Ok(())
}

/// `policy-verify` by certificate identity (keyless), on the `.sig` form as cosign 2 does it.
fn verify_identity(o: &Options, policy: &identity::IdentityPolicy) -> Result<()> {
    let target = Target::parse(&o.reference)?;
    let log = signature::LogPolicy::new(&o.log, &target)?;
    let ca = identity::CaRoot::load(o.log.trusted_root.as_deref())?;
    let mut store = oci::open(&target, &o.net)?;
    let (digest, manifest) = resolve(store.as_mut(), &target)?;
    let shown = target.with(&digest);
    let v = identity::verify(store.as_mut(), &digest, &shown, policy, &log, &ca)?;
    if policy.ignore_sct {
        eprintln!("warning: {shown}: --insecure-ignore-sct: the certificate's SCT was not checked");
    }
    let layer = fetch_and_extract(store.as_mut(), &manifest, &shown, o)?;
    if o.json {
        let report = json!({
            "verified": true,
            "reference": shown,
            "digest": digest,
            "certificate": {"identity": v.identity, "issuer": v.issuer},
            "signatures": v.verified.valid,
            "docker_reference": v.verified.docker_reference,
            "tlog": tlog_json(&v.verified, log.ignore),
            "forms": forms_json(&v.verified),
            "bundle": {"digest": layer.digest, "size": layer.size},
            "extracted_to": o.extract,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("verified {shown}");
        println!(
            "  keyless: signed by {} (issuer {}); bundle {} ({} bytes)",
            v.identity, v.issuer, layer.digest, layer.size
        );
        println!("  verified as: {}", forms(&v.verified));
        if !log.ignore && v.verified.entry.is_some() {
            println!("  {}", v.verified.tlog_line(&shown));
        }
        if let Some(dir) = &o.extract {
            println!("  extracted to {}", dir.display());
        }
    }
    Ok(())
}

/// [`fetch_bundle_layer`], then the bundle extracted into `--extract`'s directory if given.
fn fetch_and_extract<'m>(
    store: &mut dyn Store,
    manifest: &'m Manifest,
    shown: &str,
    o: &Options,
) -> Result<&'m oci::Descriptor> {
    let (layer, bytes) = fetch_bundle_layer(store, manifest, shown)?;
    if let Some(dir) = &o.extract {
        extract(&bytes, dir).with_context(|| format!("{}: not extracted", dir.display()))?;
    }
    Ok(layer)
}

/// Which forms verified: cosign 2's `.sig`, cosign 3's referrer bundle.
pub fn forms(v: &signature::Verified) -> &'static str {
    match (v.sig_form, v.bundle_form) {
        (true, true) => ".sig and Sigstore bundle (referrer)",
        (true, false) => ".sig (no verifying Sigstore bundle attached)",
        (false, _) => "Sigstore bundle (referrer) only; cosign 2 reads only .sig",
    }
}

fn forms_json(v: &signature::Verified) -> serde_json::Value {
    json!({"sig": v.sig_form, "sigstore_bundle": v.bundle_form})
}

/// The log evidence of a verified signature, for JSON reports.
pub fn tlog_json(v: &signature::Verified, ignored: bool) -> serde_json::Value {
    match (&v.entry, ignored) {
        (_, true) => json!({"status": "not checked (--insecure-ignore-tlog)"}),
        (Some(e), false) => json!({"status": "verified", "log_index": e.log_index,
                                   "integrated_time": e.integrated_time, "log_id": e.log_id}),
        (None, false) => json!({"status": "missing",
            "detail": "cosign's default verify refuses it unless --insecure-ignore-tlog"}),
    }
}

/// What `policy-inspect` reads from a reference: the bundle layer (digest checked) and what the
/// manifest and its signatures say. Unlike `policy-verify`, a missing or bad signature is a
/// status to show, not an error.
#[derive(Debug)]
pub struct Pulled {
    pub reference: String,
    pub digest: String,
    pub layer_digest: String,
    pub bundle: Vec<u8>,
    pub annotations: std::collections::BTreeMap<String, String>,
    /// `{"status": "verified"|"unverified"|"not checked", "key": ..., "signatures": n, "detail": ...}`
    pub signature: serde_json::Value,
}

/// Reads a reference for `policy-inspect`. The signature is checked by certificate identity (keyless) when `identity` names one.
pub fn pull_as(
    reference: &str,
    key: &Path,
    net: &oci::net::Options,
    log: &signature::LogArgs,
    identity: &identity::IdentityArgs,
) -> Result<Pulled> {
    let policy = identity.policy()?;
    let ca = match &policy {
        Some(_) => Some(identity::CaRoot::load(log.trusted_root.as_deref())?),
        None => None,
    };
    let target = Target::parse(reference)?;
    let log = signature::LogPolicy::new(log, &target)?;
    let mut store = oci::open(&target, net)?;
    let (digest, manifest) = resolve(store.as_mut(), &target)?;
    let shown = target.with(&digest);
    let key_name = key.display().to_string();
    let signature = match (&policy, &ca) {
        (Some(p), Some(ca)) => {
            match identity::verify(store.as_mut(), &digest, &shown, p, &log, ca) {
                Ok(v) => json!({"status": "verified", "key": null,
                       "identity": v.identity, "issuer": v.issuer,
                       "signatures": v.verified.valid,
                       "docker_reference": v.verified.docker_reference,
                       "tlog": tlog_json(&v.verified, log.ignore), "forms": forms_json(&v.verified)}),
                Err(e) => json!({"status": "unverified", "key": null,
                       "identity": null, "detail": format!("{e:#}")}),
            }
        }
        _ => match keydir::read_public(key) {
            Err(e) => json!({"status": "not checked", "key": null, "detail": format!("{e:#}")}),
            Ok(k) => match crate::cosign::sigbundle::verify_either(
                store.as_mut(),
                &digest,
                &k,
                &key_name,
                &shown,
                &log,
                false,
            ) {
                Ok(v) => {
                    if !v.logged {
                        eprintln!("{}", signature::no_entry_warning(&shown));
                    }
                    json!({"status": "verified", "key": key_name, "signatures": v.valid,
                       "docker_reference": v.docker_reference,
                       "tlog": tlog_json(&v, log.ignore), "forms": forms_json(&v)})
                }
                Err(e) => {
                    json!({"status": "unverified", "key": key_name, "detail": format!("{e:#}")})
                }
            },
        },
    };
    let (layer, bytes) = fetch_bundle_layer(store.as_mut(), &manifest, &shown)?;
    Ok(Pulled {
        reference: shown,
        digest,
        layer_digest: layer.digest.clone(),
        bundle: bytes,
        annotations: manifest.annotations.clone(),
        signature,
    })
}

/// The bundle layer of a verified manifest, fetched and checked: one OPA bundle layer, within
/// the size limit, a well-formed digest, read no further than the signed size, and matching both
/// the signed digest and size. Every reader of a pushed bundle goes through here.
pub fn fetch_bundle_layer<'m>(
    store: &mut dyn Store,
    manifest: &'m Manifest,
    shown: &str,
) -> Result<(&'m oci::Descriptor, Vec<u8>)> {
    let layer = manifest
        .layers
        .iter()
        .find(|l| l.media_type == LAYER_TAR_GZIP)
        .ok_or_else(|| anyhow!("{shown}: no {LAYER_TAR_GZIP} layer: not an OPA bundle"))?;
    if layer.size > MAX_LAYER {
        bail!(
            "{shown}: bundle layer is {} bytes, over the {MAX_LAYER}-byte limit",
            layer.size
        );
    }
    if !oci::reference::is_digest(&layer.digest) {
        bail!("{shown}: the bundle layer's digest is not sha256: and 64 hex digits");
    }
    // Read no more than the signed manifest says the layer holds.
    let bytes = store.get_blob(&layer.digest, layer.size)?;
    let actual = oci::sha256_digest(&bytes);
    if actual != layer.digest || bytes.len() as u64 != layer.size {
        bail!(
            "{shown}: tampered bundle layer: got {actual} ({} bytes), the signed manifest says {} ({} bytes)",
            bytes.len(),
            layer.digest,
            layer.size
        );
    }
    Ok((layer, bytes))
}

/// The manifest a reference names, and its digest (computed, never taken from the registry).
pub fn resolve(store: &mut dyn Store, target: &Target) -> Result<(String, Manifest)> {
    let reference = target
        .digest()
        .or(target.tag())
        .unwrap_or("latest")
        .to_string();
    let (bytes, _) = store
        .get_manifest(&reference)?
        .ok_or_else(|| anyhow!("{}: not found", target.with(&reference)))?;
    let digest = oci::sha256_digest(&bytes);
    if let Some(want) = target.digest() {
        if want != digest {
            bail!("{target}: digest mismatch: the manifest served is {digest}");
        }
    }
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not an OCI image manifest", target.with(&digest)))?;
    Ok((digest, manifest))
}

/// Unpacks a bundle into `dir` (which must not exist, or be empty) through a temp directory
/// beside it, so a refused bundle leaves nothing behind. Only regular files and directories;
/// OPA's leading `/` is the bundle root; `..`, links, devices and oversized content are refused.
pub fn extract(gz: &[u8], dir: &Path) -> Result<()> {
    if dir.exists() && fs::read_dir(dir)?.next().is_some() {
        bail!("directory exists and is not empty");
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    // Dropped (and so removed) on every error path below.
    let tmp = tempfile::Builder::new()
        .prefix(".xtask-extract-")
        .tempdir_in(&parent)?;
    let limits = untar::Limits {
        entries: MAX_ENTRIES,
        total: MAX_UNPACKED,
        ..untar::LIMITS
    };
    untar::for_each(flate2::read::GzDecoder::new(gz), limits, |entry, body| {
        let raw = &entry.path;
        let rel = safe_path(raw)?;
        let path = tmp.path().join(&rel);
        if entry.kind == untar::Kind::Dir {
            return fs::create_dir_all(&path).with_context(|| format!("{raw}: cannot create"));
        }
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).with_context(|| format!("{raw}: cannot create"))?;
        }
        // create_new: a second entry with the same name is refused, not silently merged.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("{raw}: duplicate or unwritable entry"))?;
        std::io::copy(body, &mut f).with_context(|| format!("{raw}: cannot unpack"))?;
        Ok(())
    })?;
    if dir.exists() {
        fs::remove_dir(dir)?; // empty, checked above
    }
    let kept = tmp.keep();
    fs::rename(&kept, dir).with_context(|| format!("rename into {}", dir.display()))?;
    Ok(())
}

/// A tar entry name as a path under the bundle root, or an error saying why not.
fn safe_path(raw: &str) -> Result<PathBuf> {
    // OPA's bundles name entries from the bundle root (`/data.json`); one leading `/` is that.
    let rel = raw.strip_prefix('/').unwrap_or(raw);
    let path = Path::new(rel);
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            Component::ParentDir => bail!("{raw}: `..` in an entry name is refused"),
            Component::RootDir | Component::Prefix(_) => {
                bail!("{raw}: absolute entry name is refused")
            }
        }
    }
    if out.as_os_str().is_empty() {
        bail!("{raw:?}: empty entry name");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_gz(entries: &[(&str, tar::EntryType, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, kind, body) in entries {
            let mut h = tar::Header::new_gnu();
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h.set_entry_type(*kind);
            h.set_size(body.len() as u64);
            h.set_mode(0o644);
            if *kind == tar::EntryType::Symlink {
                h.set_link_name("/etc/passwd").unwrap();
            }
            h.set_cksum();
            b.append(&h, *body).unwrap();
        }
        crate::policy::bundle::gzip(&b.into_inner().unwrap(), 6).unwrap()
    }

    #[test]
    fn extracts_opa_bundles() {
        let d = tempfile::tempdir().unwrap();
        let gz = tar_gz(&[
            ("/.manifest", tar::EntryType::Regular, b"{}"),
            ("/a/b.rego", tar::EntryType::Regular, b"package a.b"),
            ("./c.rego", tar::EntryType::Regular, b"package c"),
        ]);
        let out = d.path().join("bundle");
        extract(&gz, &out).unwrap();
        assert_eq!(fs::read(out.join("a/b.rego")).unwrap(), b"package a.b");
        assert!(out.join(".manifest").is_file() && out.join("c.rego").is_file());
    }

    #[test]
    fn refuses_escapes_links_and_devices_leaving_nothing() {
        let d = tempfile::tempdir().unwrap();
        for (name, kind, why) in [
            ("../evil", tar::EntryType::Regular, "`..`"),
            ("/a/../../evil", tar::EntryType::Regular, "`..`"),
            ("//etc/passwd", tar::EntryType::Regular, "absolute"),
            ("link", tar::EntryType::Symlink, "Symlink"),
            ("hard", tar::EntryType::Link, "Link"),
            ("dev", tar::EntryType::Char, "Char"),
            ("fifo", tar::EntryType::Fifo, "Fifo"),
        ] {
            let gz = tar_gz(&[
                ("ok.rego", tar::EntryType::Regular, b"x"),
                (name, kind, b""),
            ]);
            let out = d.path().join("out");
            let err = format!("{:#}", extract(&gz, &out).unwrap_err());
            assert!(err.contains(why), "{name}: {err}");
            assert!(!out.exists(), "{name}: nothing half-written");
        }
        // Only the temp dirs' parent remains, with nothing left in it.
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn refuses_a_non_empty_destination() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("x"), b"").unwrap();
        let gz = tar_gz(&[("a", tar::EntryType::Regular, b"x")]);
        assert!(extract(&gz, d.path()).is_err());
    }
}
