//! OCI 1.1 referrers: artifacts (Sigstore bundles) that name another manifest as their
//! `subject`. Found through the registry's referrers API, or, where there is none (Debian's
//! Distribution 2.x, an OCI layout), through the referrers tag schema: an image index tagged
//! `sha256-<hex>` listing them, which the pusher keeps up to date (image-spec 1.1,
//! distribution-spec 1.1 "Referrers Tag Schema").

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use super::{Descriptor, Store, INDEX_V1, MANIFEST_V1};

/// The empty config of an artifact manifest (`{}`), as image-spec 1.1 defines it.
pub const EMPTY_CONFIG: &str = "application/vnd.oci.empty.v1+json";
pub const EMPTY_JSON: &[u8] = b"{}";
/// Referrers considered per subject: the index is unsigned, so its size must not decide how
/// much is fetched.
pub const MAX_REFERRERS: usize = 1000;

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

/// The tag of the referrers tag schema for `digest`: `sha256-<hex>`.
pub fn tag(digest: &str) -> String {
    digest.replace(':', "-")
}

pub fn parse_index(bytes: &[u8], digest: &str) -> Result<Vec<Descriptor>> {
    let index: Index = serde_json::from_slice(bytes)
        .with_context(|| format!("referrers of {digest}: not an OCI image index"))?;
    if index.manifests.len() > MAX_REFERRERS {
        bail!(
            "referrers of {digest}: {} entries, over the limit of {MAX_REFERRERS}",
            index.manifests.len()
        );
    }
    Ok(index.manifests)
}

/// The referrers of `digest`, from the API where the store has one, else the tag schema.
pub fn list(store: &mut dyn Store, digest: &str) -> Result<Vec<Descriptor>> {
    if let Some(found) = store.referrers_api(digest)? {
        return Ok(found);
    }
    match store.get_manifest(&tag(digest))? {
        Some((bytes, _)) => parse_index(&bytes, digest),
        None => Ok(Vec::new()),
    }
}

/// Pushes `manifest` (whose `subject` is `subject_digest`) by its digest and makes it findable
/// as a referrer (see [`register`]). Returns the referrer's digest.
pub fn attach(
    store: &mut dyn Store,
    subject_digest: &str,
    manifest_bytes: &[u8],
    artifact_type: &str,
    annotations: &std::collections::BTreeMap<String, String>,
) -> Result<String> {
    let mut desc = Descriptor::of(MANIFEST_V1, manifest_bytes);
    desc.artifact_type = Some(artifact_type.to_string());
    desc.annotations = annotations.clone();
    store.put_manifest(&desc.digest, MANIFEST_V1, manifest_bytes)?;
    register(store, subject_digest, &desc)?;
    Ok(desc.digest)
}

/// Makes the pushed manifest `desc` findable as a referrer of `subject_digest`: a registry
/// with the referrers API indexes it itself; otherwise the `sha256-<hex>` index gains it.
pub fn register(store: &mut dyn Store, subject_digest: &str, desc: &Descriptor) -> Result<()> {
    if store.referrers_api(subject_digest)?.is_some() {
        return Ok(());
    }
    let tag = tag(subject_digest);
    let mut manifests = match store.get_manifest(&tag)? {
        Some((bytes, _)) => parse_index(&bytes, subject_digest)?,
        None => Vec::new(),
    };
    if manifests.iter().any(|m| m.digest == desc.digest) {
        return Ok(());
    }
    manifests.push(desc.clone());
    let index = Index {
        schema_version: 2,
        media_type: Some(INDEX_V1.into()),
        manifests,
    };
    store.put_manifest(&tag, INDEX_V1, &serde_json::to_vec(&index)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::layout::Layout;

    #[test]
    fn tag_schema_lists_attached_referrers_once() {
        let d = tempfile::tempdir().unwrap();
        let mut store = Layout::new(d.path());
        let subject = crate::oci::sha256_digest(b"image");
        assert!(list(&mut store, &subject).unwrap().is_empty());
        let notes = std::collections::BTreeMap::from([("k".to_string(), "v".to_string())]);
        let m = |n: u8| format!(r#"{{"subject":{{"digest":"{subject}"}},"n":{n}}}"#).into_bytes();
        let a = attach(&mut store, &subject, &m(1), "application/x", &notes).unwrap();
        let again = attach(&mut store, &subject, &m(1), "application/x", &notes).unwrap();
        assert_eq!(a, again);
        attach(&mut store, &subject, &m(2), "application/y", &notes).unwrap();
        let found = list(&mut store, &subject).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].artifact_type.as_deref(), Some("application/x"));
        assert_eq!(found[0].annotations["k"], "v");
        assert!(store.get_manifest(&a).unwrap().is_some());
        // The layout's index lists tags only: the referrers index tag, not the referrers.
        let index = std::fs::read_to_string(d.path().join("index.json")).unwrap();
        assert_eq!(index.matches("\"digest\"").count(), 1, "{index}");
        assert_eq!(tag(&subject), subject.replace("sha256:", "sha256-"));
    }
}
