//! `policy-bundle`: the one-shot release step. Tests, build, keys, push, sign, in that order;
//! the tests and the key password are checked before anything leaves the machine.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::cosign::keydir::KeyDir;
use crate::cosign::{sigbundle, signature};
use crate::oci::{self, Descriptor, Manifest, Target, CONFIG_V1, LAYER_TAR_GZIP, MANIFEST_V1};
use crate::policy::{bundle, test, tree::PolicyTree};

/// The artifact type of our bundle manifests (OPA itself looks only at the layer type).
pub const ARTIFACT_TYPE: &str = "application/vnd.openpolicyagent.bundle.v1+tar.gz";
/// Where the bundle goes when neither `--to` nor `POLICY_REF` says: works with no registry.
pub const DEFAULT_REF: &str = "oci:target/policy/oci:dev";

pub struct Options {
    pub dir: PathBuf,
    pub to: Option<String>,
    pub tags: Vec<String>,
    pub annotations: Vec<String>,
    pub json: bool,
    pub keys: PathBuf,
    pub out: PathBuf,
    pub net: oci::net::Options,
    pub allow_unshipped_data: bool,
    /// `--check-cluster`: (context, namespace) whose `policy-pub-key` must be our key.
    pub check_cluster: Option<(Option<String>, String)>,
    /// Push without a signature (CI without keys).
    pub unsigned: bool,
    /// `--tlog-upload`: `None` is the default (a registry: yes; an OCI layout: no).
    pub tlog_upload: Option<bool>,
    pub rekor_url: String,
}

/// Whether signatures of `target` go to the log: asked, or by default for a registry only. An
/// OCI layout is the offline dev loop (and the embedded default target): uploading there
/// would make every local build need the network.
pub fn tlog_for(target: &Target, upload: Option<bool>, rekor_url: &str) -> signature::Tlog {
    match upload.unwrap_or(matches!(target, Target::Registry(_))) {
        true => signature::Tlog::Upload {
            rekor_url: rekor_url.to_string(),
        },
        false => signature::Tlog::Off,
    }
}

pub fn policy_bundle(o: &Options) -> Result<()> {
    // Parse everything the user typed before running anything.
    let target = Target::parse(o.to.as_deref().unwrap_or(DEFAULT_REF))?;
    if target.digest().is_some() {
        bail!("{target}: push to a tag, not a digest");
    }
    let mut tags: Vec<String> = target.tag().map(str::to_string).into_iter().collect();
    tags.extend(o.tags.iter().cloned());
    if tags.is_empty() {
        tags.push("latest".into());
    }
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    for t in &tags {
        Target::parse(&target.with(t))?; // validates the tag
    }
    let extra = parse_annotations(&o.annotations)?;

    // Unlocking the key is scrypt, half the time of a warm run: with the password in
    // COSIGN_PASSWORD (CI, scripts) it runs on a second thread beside the tests and the build.
    // A prompt still comes after the tests, and either way the password is checked before
    // anything leaves the machine.
    let keydir = KeyDir::new(&o.keys);
    let (summary, revision, built, secret) = std::thread::scope(|s| -> Result<_> {
        let early =
            (!o.unsigned && keydir.exists() && std::env::var_os("COSIGN_PASSWORD").is_some())
                .then(|| s.spawn(|| keydir.secret()));

        // 1. Tests: publishing never skips them. Their report goes to stderr when --json.
        let summary = if o.json {
            test::policy_test(&o.dir, None, false, &mut std::io::stderr())
        } else {
            test::policy_test(&o.dir, None, false, &mut std::io::stdout())
        }
        .context("policy tests failed; nothing was published")?;

        // 2. Build, with the inventory and the unshipped-data check.
        let tree = PolicyTree::load(&o.dir)?;
        let revision = crate::git::revision(&o.dir);
        let built = bundle::build(&tree, &revision, o.allow_unshipped_data)?;
        crate::fsutil::write_atomic(&o.out, &built.bytes, 0o644)?;

        // 3. Keys: created on first run, as the Makefile did; the password is checked here,
        //    before the push, so a wrong one leaves the registry untouched.
        let secret = match early {
            Some(unlocking) => Some(
                unlocking
                    .join()
                    .map_err(|_| anyhow::anyhow!("unlocking the signing key panicked"))??,
            ),
            None if o.unsigned => None,
            None => {
                let created = match keydir.exists() {
                    true => None,
                    false => keydir.ensure(None, false)?.1,
                };
                Some(match created {
                    Some(key) => {
                        eprintln!("created a new keypair in {}", o.keys.display());
                        key
                    }
                    None => keydir.secret()?,
                })
            }
        };
        Ok((summary, revision, built, secret))
    })?;
    if let (Some((context, namespace)), Some(secret)) = (&o.check_cluster, &secret) {
        crate::cluster::policy_pub_deploy::require_cluster_key(
            context.clone(),
            namespace,
            &secret.public_key(),
            &KeyDir::new(&o.keys).pub_path(),
        )?;
    }

    // 4. Push: blobs first, then the manifest under each tag.
    let mut store = oci::open(&target, &o.net)?;
    let config = serde_json::to_vec(&json!({
        "architecture": "",
        "os": "",
        "rootfs": {"type": "layers", "diff_ids": [built.tar_digest]},
    }))?;
    let mut layer = Descriptor::of(LAYER_TAR_GZIP, &built.bytes);
    layer.annotations.insert(
        "org.opencontainers.image.title".into(),
        "bundle.tar.gz".into(),
    );
    let mut manifest = Manifest::new(Descriptor::of(CONFIG_V1, &config), vec![layer]);
    manifest.artifact_type = Some(ARTIFACT_TYPE.into());
    manifest.annotations = annotations(&o.dir, &revision, extra);
    let manifest_bytes = serde_json::to_vec(&manifest)?;
    let digest = oci::sha256_digest(&manifest_bytes);

    // The signature and its log entry come before any tag moves: a log that is down or
    // refuses leaves the registry as it was.
    let tlog = tlog_for(&target, o.tlog_upload, &o.rekor_url);
    let prepared = match &secret {
        Some(key) => Some(signature::prepare(
            &target.repository_name(),
            &digest,
            key,
            &tlog,
            &o.net,
        )?),
        None => None,
    };
    // The same signature as a Sigstore bundle, as cosign 3 attaches it: only with its log
    // entry, as a bundle without an entry or a timestamp carries no time any verifier accepts
    // by default (the `.sig` serves the air-gapped consumer the same).
    let made = match (&secret, &tlog) {
        (Some(key), signature::Tlog::Upload { .. }) => {
            Some(sigbundle::make(&digest, key, &tlog, &o.net)?)
        }
        _ => None,
    };

    let bar = progress_bar(built.bytes.len() as u64 + config.len() as u64, o.json);
    let tick = |n: u64| bar.inc(n);
    oci::ensure_blob(store.as_mut(), &config, &tick)?;
    oci::ensure_blob(store.as_mut(), &built.bytes, &tick)?;
    bar.finish_and_clear();
    for t in &tags {
        store.put_manifest(t, MANIFEST_V1, &manifest_bytes)?;
    }
    let uploaded_bundle_blobs = store.blobs_uploaded();

    // 5. Store the signature of the pushed digest.
    let signed = match &prepared {
        Some(prepared) => Some(signature::store(store.as_mut(), &digest, prepared)?),
        None => {
            eprintln!(
                "WARNING: NOT SIGNED (--unsigned): {} carries no signature; a Runner that \
                 verifies (policyBundle.verify=true) will refuse it",
                target.with(&digest)
            );
            None
        }
    };

    // 6. The bundle, attached as a referrer of the pushed manifest (unless one by this key,
    //    as logged as this one, is there already).
    let referrer = match (&made, &secret) {
        (Some(made), Some(key)) => {
            let logged = made.entry.is_some();
            match sigbundle::already(store.as_mut(), &digest, &key.public_key(), logged)? {
                true => None,
                false => Some(sigbundle::attach(
                    store.as_mut(),
                    &sigbundle::subject(&manifest_bytes, MANIFEST_V1),
                    &made.bytes,
                )?),
            }
        }
        _ => None,
    };

    let pinned = target.with(&digest);
    if signed.is_some() && prepared.as_ref().is_some_and(|p| p.entry.is_none()) {
        eprintln!("{}", signature::no_entry_warning(&pinned));
    }
    if o.json {
        let report = json!({
            "reference": pinned,
            "digest": digest,
            "tags": tags.iter().map(|t| target.with(t)).collect::<Vec<_>>(),
            "bundle": {
                "sha256": built.sha256,
                "size": built.bytes.len(),
                "revision": revision,
                "rules": built.rule_count,
                "file": o.out,
            },
            "tests": {"passed": summary.passed, "failed": summary.failed},
            "signed": signed.is_some(),
            "tlog": prepared.as_ref().and_then(|p| p.entry.as_ref()).map(|e| json!({
                "log_index": e.log_index,
                "integrated_time": e.integrated_time,
                "log_id": e.log_id,
            })),
            "signature": signed.as_ref().map(|signed| json!({
                "tag": target.with(&signed.tag),
                "manifest_digest": signed.manifest_digest,
                "signatures": signed.signatures,
                "appended": signed.appended,
            })),
            "sigstore_bundle": referrer.as_ref().map(|r| target.with(r)),
            "uploaded_blobs": uploaded_bundle_blobs,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("pushed  {pinned}");
        for t in &tags {
            println!("tagged  {}", target.with(t));
        }
        match &signed {
            Some(signed) => {
                let note = if signed.appended {
                    ""
                } else {
                    " (already signed with this key)"
                };
                println!("signed  {}{note}", target.with(&signed.tag));
                if let Some(r) = &referrer {
                    println!(
                        "bundle  {} (Sigstore bundle v0.3, referrer)",
                        target.with(r)
                    );
                }
                if let Some(e) = prepared.as_ref().and_then(|p| p.entry.as_ref()) {
                    println!("logged  {} entry {}", o.rekor_url, e.log_index);
                }
            }
            None => println!("UNSIGNED {}", target.with(&digest)),
        }
        eprintln!(
            "bundle sha256:{} ({} bytes, {} rules, revision {}); {} new blobs",
            built.sha256,
            built.bytes.len(),
            built.rule_count,
            if revision.is_empty() {
                "none"
            } else {
                &revision
            },
            uploaded_bundle_blobs
        );
    }
    Ok(())
}

/// `org.opencontainers.image.*` from git, then `--annotation` on top. `created` is the commit
/// time, not the clock, and no tag is written (a version annotation only when asked), so the
/// same sources give the same manifest digest under any tags.
fn annotations(
    dir: &Path,
    revision: &str,
    extra: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let ns = "org.opencontainers.image";
    a.insert(format!("{ns}.created"), crate::git::source_time(dir));
    if !revision.is_empty() {
        a.insert(format!("{ns}.revision"), revision.to_string());
    }
    if let Some(source) = crate::git::origin_url(dir) {
        a.insert(format!("{ns}.source"), source);
    }
    a.insert(
        format!("{ns}.description"),
        "OPA bundle of the policy constitution".into(),
    );
    a.extend(extra);
    a
}

fn parse_annotations(raw: &[String]) -> Result<BTreeMap<String, String>> {
    raw.iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => bail!("--annotation {kv:?}: expected KEY=VALUE"),
        })
        .collect()
}

fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "pushing {bar:30} {bytes}/{total_bytes} {bytes_per_sec}",
    ) {
        bar.set_style(style);
    }
    bar
}
