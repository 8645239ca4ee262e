//! Where artifacts live: one `Store` trait over a registry and an OCI image layout, so pushing,
//! signing and verifying give the same guarantees in both.

pub mod layout;
pub mod net;
pub mod reference;
pub mod referrers;
pub mod registry;
mod wire;

use std::collections::BTreeMap;

use anyhow::Result;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use reference::Target;

pub const MANIFEST_V1: &str = "application/vnd.oci.image.manifest.v1+json";
pub const INDEX_V1: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST_V2: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const CONFIG_V1: &str = "application/vnd.oci.image.config.v1+json";
/// The layer type OPA's OCI downloader looks for.
pub const LAYER_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// Manifest types we ask for and accept.
pub const ACCEPT: &[&str] = &[MANIFEST_V1, INDEX_V1, DOCKER_MANIFEST_V2];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    pub media_type: String,
    pub digest: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// In a referrers index: the referrer's artifact type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

impl Descriptor {
    pub fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_string(),
            digest: sha256_digest(bytes),
            size: bytes.len() as u64,
            annotations: BTreeMap::new(),
            artifact_type: None,
        }
    }
}

/// An OCI image manifest. Field order is the serialization order, so equal inputs give equal
/// bytes, and so equal digests.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    /// OCI 1.1: the manifest this one refers to (a signature's signed image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Manifest {
    pub fn new(config: Descriptor, layers: Vec<Descriptor>) -> Manifest {
        Manifest {
            schema_version: 2,
            media_type: Some(MANIFEST_V1.to_string()),
            artifact_type: None,
            config,
            layers,
            subject: None,
            annotations: BTreeMap::new(),
        }
    }
}

/// A place that holds blobs, manifests and tags.
pub trait Store {
    fn has_blob(&mut self, digest: &str) -> Result<bool>;
    /// Stores `bytes` under `digest` (the caller computed it). `progress` sees bytes as sent.
    fn put_blob(&mut self, digest: &str, bytes: &[u8], progress: &dyn Fn(u64)) -> Result<()>;
    /// The blob's bytes, refusing more than `limit`. The caller checks the digest.
    fn get_blob(&mut self, digest: &str, limit: u64) -> Result<Vec<u8>>;
    /// Stores a manifest under a tag (or under its digest when `reference` is one).
    fn put_manifest(&mut self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<()>;
    /// A manifest by tag or digest, with its media type; `None` when there is none.
    fn get_manifest(&mut self, reference: &str) -> Result<Option<(Vec<u8>, String)>>;
    /// How many blob bodies this store has uploaded (the re-push benchmark counts them).
    fn blobs_uploaded(&self) -> usize;
    /// Links a blob from another repository of the same registry without uploading it.
    /// `false` when this store cannot (the caller then uploads).
    fn mount_blob(&mut self, _digest: &str, _from: &Location) -> Result<bool> {
        Ok(false)
    }
    /// The registry and repository, for stores that are one.
    fn location(&self) -> Option<Location> {
        None
    }
    /// The referrers of `digest` through the registry's referrers API (OCI 1.1), or `None`
    /// when the store has no such API (then the referrers tag schema holds them).
    fn referrers_api(&mut self, _digest: &str) -> Result<Option<Vec<Descriptor>>> {
        Ok(None)
    }
}

/// A repository on a registry host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub host: String,
    pub repository: String,
}

/// Opens the store a target names.
pub fn open(target: &Target, net: &net::Options) -> Result<Box<dyn Store>> {
    Ok(match target {
        Target::Registry(r) => Box::new(registry::Registry::new(r, net)?),
        Target::Layout { path, .. } => Box::new(layout::Layout::new(path)),
    })
}

/// Uploads a blob unless the store has it already. Returns whether it uploaded.
pub fn ensure_blob(store: &mut dyn Store, bytes: &[u8], progress: &dyn Fn(u64)) -> Result<bool> {
    let digest = sha256_digest(bytes);
    if store.has_blob(&digest)? {
        progress(bytes.len() as u64);
        return Ok(false);
    }
    store.put_blob(&digest, bytes, progress)?;
    Ok(true)
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::policy::pki::hex(&Sha256::digest(bytes)))
}

/// The tag cosign stores an image's signatures under: `sha256-<hex>.sig`.
pub fn signature_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

/// Copies the manifest `reference` and its blobs from one store to another, uploading only the
/// blobs the destination lacks (mounting them when both are repositories of one registry);
/// tags it `tag` there. A blob over `max_blob` bytes is refused (for unsigned manifests, whose
/// sizes nobody vouches for). Returns the manifest digest.
pub fn copy(
    from: &mut dyn Store,
    reference: &str,
    to: &mut dyn Store,
    tag: &str,
    max_blob: u64,
) -> Result<String> {
    let (bytes, media_type) = from
        .get_manifest(reference)?
        .ok_or_else(|| anyhow::anyhow!("{reference}: not found"))?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|_| anyhow::anyhow!("{reference}: not an OCI image manifest"))?;
    let source = from.location();
    for d in std::iter::once(&manifest.config).chain(&manifest.layers) {
        if !reference::is_digest(&d.digest) {
            anyhow::bail!(
                "{reference}: blob digest {:?} is not sha256: and 64 hex digits",
                net::sanitize(&d.digest)
            );
        }
        if d.size > max_blob {
            anyhow::bail!(
                "{reference}: blob {} is {} bytes, over the {max_blob}-byte limit",
                d.digest,
                d.size
            );
        }
        if to.has_blob(&d.digest)? {
            continue;
        }
        let mounted = match &source {
            Some(s) => to.mount_blob(&d.digest, s)?,
            None => false,
        };
        if !mounted {
            let blob = from.get_blob(&d.digest, d.size)?;
            if sha256_digest(&blob) != d.digest {
                anyhow::bail!("blob {} does not match its digest", d.digest);
            }
            to.put_blob(&d.digest, &blob, &|_| {})?;
        }
    }
    to.put_manifest(tag, &media_type, &bytes)?;
    Ok(sha256_digest(&bytes))
}
