//! `policy-promote`: moves a tested bundle on (dev to prod, one registry to another) without
//! rebuilding it. The source's signature is verified first; then the manifest, its blobs and its
//! `.sig` signatures are copied byte for byte, so the destination holds the same digest and the
//! same signatures, and the Runner can pin production to the digest that was tested.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::cosign::{keydir, signature};
use crate::oci::{self, Target};

pub struct Options {
    pub src: String,
    pub dst: String,
    pub key: PathBuf,
    pub tags: Vec<String>,
    pub net: oci::net::Options,
    pub json: bool,
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

    // 1. The source must verify, or nothing is copied.
    let mut from = oci::open(&src, &o.net)?;
    let (digest, _manifest) = super::verify::resolve(from.as_mut(), &src)?;
    let shown = src.with(&digest);
    let verified = signature::verify(from.as_mut(), &digest, &key, &key_name, &shown)
        .context("refusing to promote")?;

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
    let at_dst = signature::verify(to.as_mut(), &digest, &key, &key_name, &pinned)
        .context("the promoted copy does not verify")?;

    if o.json {
        let report = json!({
            "source": shown,
            "reference": pinned,
            "digest": digest,
            "tags": tags.iter().map(|t| dst.with(t)).collect::<Vec<_>>(),
            "signatures": at_dst.valid,
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
            "  {} signature(s) copied, valid with {key_name}; {} new blobs",
            at_dst.valid,
            to.blobs_uploaded()
        );
    }
    Ok(())
}
