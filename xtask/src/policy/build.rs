//! `policy-build`'s glue: load the tree, stamp git's revision, write the bundle atomically.

use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use super::bundle::{build, Bundle};
use super::tree::PolicyTree;

/// `policy-build`: load, build, then write atomically.
pub fn policy_build(
    dir: &Path,
    out: &Path,
    revision: Option<String>,
    allow_unshipped_data: bool,
) -> Result<Bundle> {
    let started = Instant::now();
    let tree = PolicyTree::load(dir)?;
    let revision = revision.unwrap_or_else(|| crate::git::revision(dir));
    let bundle = build(&tree, &revision, allow_unshipped_data)?;
    crate::fsutil::write_atomic(out, &bundle.bytes, 0o644)?;
    eprintln!(
        "built {} rules from {} files in {} ms",
        bundle.rule_count,
        tree.modules.len() + tree.data.len(),
        started.elapsed().as_millis()
    );
    println!(
        "{}  sha256:{}  {} bytes",
        out.display(),
        bundle.sha256,
        bundle.bytes.len()
    );
    Ok(bundle)
}
