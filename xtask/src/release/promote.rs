//! `policy-promote`: moves a tested bundle on (dev to prod, one registry to another) without
//! rebuilding it. The source's signature is verified first; then the manifest, its blobs and its
//! `.sig` signatures are copied byte for byte, so the destination holds the same digest and the
//! same signatures, and the Runner can pin production to the digest that was tested.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::cosign::{keydir, sigbundle, signature};
use crate::oci::{self, Target};

pub struct Options {
    pub src: String,
    pub dst: String,
    pub key: PathBuf,
    pub tags: Vec<String>,
    pub net: oci::net::Options,
    pub json: bool,
    pub log: signature::LogArgs,
}

pub fn policy_promote(o: &Options) -> Result<()> {
    let src = Target::parse(&o.src)?;
    let dst = Target::parse(&o.dst)?;
    if dst.digest().is_some() {
        bail!("{dst}: promote to a tag, not a digest");
    }
    // The destination's tags: its own, then --tag; by default the source's tag.
    let mut tags: Vec<String> = dst.tag().map(str::to_string).into_iter().collect();
    tags.extend(o.tags.iter().cloned());
    if tags.is_empty() {
        tags.push(src.tag().unwrap_or("latest").to_string());
    }
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| seen.insert(t.clone()));
    for t in &tags {
        Target::parse(&dst.with(t))?; // validates the tag
    }
    let key = keydir::read_public(&o.key)?;
    let key_name = o.key.display().to_string();

    // 1. The source must verify, or nothing is copied: with its log entry unless the source is
    //    a layout (the destination's check below still requires one there).
    let src_log = signature::LogPolicy::new(&o.log, &src)?;
    let dst_log = signature::LogPolicy::new(&o.log, &dst)?;
    let mut from = oci::open(&src, &o.net)?;
    let (digest, _manifest) = super::verify::resolve(from.as_mut(), &src)?;
    let shown = src.with(&digest);
    let verified = crate::cosign::sigbundle::verify_either(
        from.as_mut(),
        &digest,
        &key,
        &key_name,
        &shown,
        &src_log,
        false,
    )
    .context("refusing to promote")?;
    if verified.entry.is_none() && !dst_log.missing_ok && !dst_log.ignore {
        bail!(
            "refusing to promote: {shown}: the signature has no transparency-log entry, so              cosign's default verify would refuse it at {dst}; sign with --tlog-upload=true, or              pass --insecure-ignore-tlog"
        );
    }

    // 2. Blobs, then the manifest under its digest and each tag, then the signatures: a
    //    failure part-way leaves no new tag.
    let mut to = oci::open(&dst, &o.net)?;
    let copied = oci::copy(from.as_mut(), &digest, to.as_mut(), &digest, u64::MAX)?;
    if copied != digest {
        bail!("{shown}: the copied manifest is {copied}, not {digest}");
    }
    let sig_tag = oci::signature_tag(&digest);
    // Signatures DST already holds for this digest (another key's) are kept: the copied
    // manifest is merged with them; with none, the source's is copied byte for byte.
    let (existing, _) = signature::read_layers(to.as_mut(), &sig_tag)?;
    // The .sig manifest is not signed itself: its blobs are signature payloads, kept small.
    oci::copy(from.as_mut(), &sig_tag, to.as_mut(), &sig_tag, 1 << 20)
        .with_context(|| format!("copy the signatures ({sig_tag})"))?;
    if !existing.is_empty() {
        let (copied, _) = signature::read_layers(to.as_mut(), &sig_tag)?;
        let mut union = existing;
        for l in copied {
            if !union.contains(&l) {
                union.push(l);
            }
        }
        signature::write_layers(to.as_mut(), &sig_tag, &union)?;
    }
    // The Sigstore bundles attached as referrers (cosign 3), copied byte for byte and
    // registered at the destination (its referrers API, or the tag schema).
    let mut bundles = 0;
    for r in oci::referrers::list(from.as_mut(), &digest)? {
        if r.artifact_type.as_deref() != Some(sigbundle::BUNDLE_V03)
            || !oci::reference::is_digest(&r.digest)
        {
            continue;
        }
        let copied = oci::copy(from.as_mut(), &r.digest, to.as_mut(), &r.digest, 1 << 20)
            .with_context(|| format!("copy the Sigstore bundle {}", r.digest))?;
        if copied != r.digest {
            bail!("referrer {}: the copied manifest is {copied}", r.digest);
        }
        oci::referrers::register(to.as_mut(), &digest, &r)?;
        bundles += 1;
    }
    let (bytes, media_type) = from
        .get_manifest(&digest)?
        .with_context(|| format!("{shown}: vanished during the copy"))?;
    if oci::sha256_digest(&bytes) != digest {
        bail!("{shown}: the source changed during the copy");
    }
    for t in &tags {
        to.put_manifest(t, &media_type, &bytes)?;
    }

    // 3. What the Runner will do at the destination: the promoted signature verifies there.
    let pinned = dst.with(&digest);
    let at_dst = crate::cosign::sigbundle::verify_either(
        to.as_mut(),
        &digest,
        &key,
        &key_name,
        &pinned,
        &dst_log,
        false,
    )
    .context("the promoted copy does not verify")?;
    if !at_dst.logged {
        eprintln!("{}", signature::no_entry_warning(&pinned));
    }

    if o.json {
        let report = json!({
            "source": shown,
            "reference": pinned,
            "digest": digest,
            "tags": tags.iter().map(|t| dst.with(t)).collect::<Vec<_>>(),
            "signatures": at_dst.valid,
            "sigstore_bundles": bundles,
            "docker_reference": verified.docker_reference,
            "uploaded_blobs": to.blobs_uploaded(),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("verified {shown}");
        println!("promoted {pinned}");
        for t in &tags {
            println!("tagged   {}", dst.with(t));
        }
        println!(
            "  {} signature(s) and {bundles} Sigstore bundle(s) copied, valid with {key_name}; {} new blobs",
            at_dst.valid,
            to.blobs_uploaded()
        );
    }
    Ok(())
}
