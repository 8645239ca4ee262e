//! The `Store` over an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/`),
//! as skopeo's `oci:` transport and oras read it. Tags are `org.opencontainers.image.ref.name`
//! annotations on the index's manifest descriptors.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::{Descriptor, Store, INDEX_V1};
use crate::fsutil;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

pub struct Layout {
    root: PathBuf,
    uploaded: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    manifests: Vec<Descriptor>,
}

impl Layout {
    pub fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
            uploaded: 0,
        }
    }

    fn blob_path(&self, digest: &str) -> Result<PathBuf> {
        match digest.strip_prefix("sha256:") {
            Some(hex) if super::reference::is_digest(digest) => {
                Ok(self.root.join("blobs/sha256").join(hex))
            }
            _ => bail!("{digest}: not a sha256 digest"),
        }
    }

    /// An exclusive advisory lock on the layout directory (flock), released when dropped.
    fn lock(&self) -> Result<fs::File> {
        fs::create_dir_all(&self.root)
            .with_context(|| format!("{}: cannot create", self.root.display()))?;
        let dir = fs::File::open(&self.root)
            .with_context(|| format!("{}: cannot open", self.root.display()))?;
        dir.lock()
            .with_context(|| format!("{}: cannot lock", self.root.display()))?;
        Ok(dir)
    }

    fn index(&self) -> Result<Index> {
        let path = self.root.join("index.json");
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{}: not an OCI image index", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index {
                schema_version: 2,
                media_type: Some(INDEX_V1.into()),
                manifests: vec![],
            }),
            Err(e) => Err(e).with_context(|| format!("{}: cannot read", path.display())),
        }
    }
}

impl Store for Layout {
    fn has_blob(&mut self, digest: &str) -> Result<bool> {
        Ok(self.blob_path(digest)?.is_file())
    }

    fn put_blob(&mut self, digest: &str, bytes: &[u8], progress: &dyn Fn(u64)) -> Result<()> {
        let layout_file = self.root.join("oci-layout");
        if !layout_file.exists() {
            fsutil::write_atomic(&layout_file, br#"{"imageLayoutVersion":"1.0.0"}"#, 0o644)?;
        }
        fsutil::write_atomic(&self.blob_path(digest)?, bytes, 0o644)?;
        progress(bytes.len() as u64);
        self.uploaded += 1;
        Ok(())
    }

    fn get_blob(&mut self, digest: &str, limit: u64) -> Result<Vec<u8>> {
        let path = self.blob_path(digest)?;
        let size = fs::metadata(&path)
            .with_context(|| format!("{}: blob {digest} not found", self.root.display()))?
            .len();
        if size > limit {
            bail!("blob {digest} is {size} bytes, over the {limit}-byte limit");
        }
        fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))
    }

    fn put_manifest(&mut self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        let mut desc = Descriptor::of(media_type, bytes);
        if !self.has_blob(&desc.digest)? {
            let digest = desc.digest.clone();
            self.put_blob(&digest, bytes, &|_| {})?;
        }
        // A referrer (a manifest with a `subject`) put by digest is reached through its
        // subject's referrers index (tag `sha256-<hex>`), not listed untagged in index.json,
        // whose entries are the layout's tags.
        if reference.starts_with("sha256:") && has_subject(bytes) {
            return Ok(());
        }
        // index.json is read, changed and replaced: concurrent pushes to the same layout take
        // turns, so neither loses the other's tags.
        let _lock = self.lock()?;
        let mut index = self.index()?;
        if !reference.starts_with("sha256:") {
            // A tag names one manifest: drop whatever it named before.
            index
                .manifests
                .retain(|m| m.annotations.get(REF_NAME).map(String::as_str) != Some(reference));
            desc.annotations.insert(REF_NAME.into(), reference.into());
        } else if index.manifests.iter().any(|m| m.digest == desc.digest) {
            return Ok(());
        }
        index.manifests.push(desc);
        let json = serde_json::to_vec(&index)?;
        fsutil::write_atomic(&self.root.join("index.json"), &json, 0o644)
    }

    fn get_manifest(&mut self, reference: &str) -> Result<Option<(Vec<u8>, String)>> {
        let index = self.index()?;
        let found = index.manifests.iter().find(|m| {
            if reference.starts_with("sha256:") {
                m.digest == reference
            } else {
                m.annotations.get(REF_NAME).map(String::as_str) == Some(reference)
            }
        });
        match found {
            Some(d) => Ok(Some((
                self.get_blob(&d.digest, 4 << 20)?,
                d.media_type.clone(),
            ))),
            // Content-addressed, as in a registry: a manifest no tag names any more is still
            // there by its digest.
            None if reference.starts_with("sha256:") && self.has_blob(reference)? => {
                let bytes = self.get_blob(reference, 4 << 20)?;
                let media_type = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .and_then(|m| m["mediaType"].as_str().map(str::to_string))
                    .unwrap_or_else(|| super::MANIFEST_V1.to_string());
                Ok(Some((bytes, media_type)))
            }
            None => Ok(None),
        }
    }

    fn blobs_uploaded(&self) -> usize {
        self.uploaded
    }
}

fn has_subject(manifest: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(manifest)
        .is_ok_and(|m| m.get("subject").is_some_and(|s| s.is_object()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{sha256_digest, MANIFEST_V1};

    #[test]
    fn tags_move_and_blobs_are_content_addressed() {
        let d = tempfile::tempdir().unwrap();
        let mut l = Layout::new(d.path());
        let blob = b"hello";
        let digest = sha256_digest(blob);
        assert!(!l.has_blob(&digest).unwrap());
        l.put_blob(&digest, blob, &|_| {}).unwrap();
        assert_eq!(l.get_blob(&digest, 10).unwrap(), blob);
        assert!(l.get_blob(&digest, 2).is_err());

        l.put_manifest("dev", MANIFEST_V1, b"{\"a\":1}").unwrap();
        l.put_manifest("dev", MANIFEST_V1, b"{\"a\":2}").unwrap();
        l.put_manifest("v1", MANIFEST_V1, b"{\"a\":2}").unwrap();
        let (m, _) = l.get_manifest("dev").unwrap().unwrap();
        assert_eq!(m, b"{\"a\":2}");
        assert_eq!(l.index().unwrap().manifests.len(), 2);
        let by_digest = l.get_manifest(&sha256_digest(b"{\"a\":2}")).unwrap();
        assert!(by_digest.is_some());
        assert!(l.get_manifest("nope").unwrap().is_none());
        assert_eq!(
            fs::read_to_string(d.path().join("oci-layout")).unwrap(),
            r#"{"imageLayoutVersion":"1.0.0"}"#
        );
    }
}
