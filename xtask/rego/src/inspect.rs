//! Reads a built bundle back into memory (manifest, modules, data), bounded as `policy-verify`
//! bounds extraction: what `policy-inspect` shows and `policy-eval --bundle` loads from.

use std::io::Read;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value as Json;

use super::tree::{DataFile, PolicyTree, RegoFile};

/// Bounds for reading a bundle, as `policy-verify` bounds extraction.
const MAX_BUNDLE: u64 = 256 << 20;
const MAX_UNPACKED: u64 = 1 << 30;
const MAX_ENTRIES: usize = 100_000;

/// A bundle's contents, read into memory.
#[derive(Debug)]
pub struct BundleContents {
    pub manifest: Json,
    /// Every entry: name (without OPA's leading `/`) and size.
    pub files: Vec<(String, u64)>,
    /// The modules and the data documents, as a tree rooted at the bundle's path.
    pub tree: PolicyTree,
    pub inventory: Json,
}

/// Reads a `.tar.gz` bundle from memory. `shown` names it in errors.
pub fn read_bundle(gz: &[u8], shown: &Path) -> Result<BundleContents> {
    let name = shown.display();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(gz));
    let mut out = BundleContents {
        manifest: Json::Null,
        files: Vec::new(),
        tree: PolicyTree {
            root: shown.to_path_buf(),
            modules: Vec::new(),
            data: Vec::new(),
        },
        inventory: Json::Null,
    };
    let mut total = 0u64;
    let entries = archive
        .entries()
        .with_context(|| format!("{name}: not a tar.gz bundle"))?;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_ENTRIES {
            bail!("{name}: more than {MAX_ENTRIES} entries");
        }
        let mut entry = entry.with_context(|| format!("{name}: corrupt bundle"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let raw = String::from_utf8(entry.path_bytes().to_vec())
            .map_err(|_| anyhow!("{name}: an entry name is not UTF-8"))?;
        let rel = raw
            .trim_start_matches('/')
            .trim_start_matches("./")
            .to_string();
        if rel.split('/').any(|c| c == "..") {
            bail!("{name}: {raw}: `..` in an entry name is refused");
        }
        let size = entry.header().size().unwrap_or(0);
        total = total.saturating_add(size);
        if total > MAX_UNPACKED {
            bail!("{name}: unpacked size over the {MAX_UNPACKED}-byte limit");
        }
        let mut body = Vec::new();
        (&mut entry)
            .take(MAX_UNPACKED)
            .read_to_end(&mut body)
            .with_context(|| format!("{name}: {raw}: cannot read"))?;
        out.files.push((rel.clone(), size));
        let text = |rel: &str| {
            String::from_utf8(body.clone()).map_err(|_| anyhow!("{name}: {rel}: not valid UTF-8"))
        };
        let file_name = rel.rsplit('/').next().unwrap_or(&rel);
        if rel == ".manifest" {
            out.manifest = serde_json::from_slice(&body)
                .with_context(|| format!("{name}: .manifest is not JSON"))?;
        } else if rel == "rule_inventory.json" {
            out.inventory = serde_json::from_slice(&body)
                .with_context(|| format!("{name}: rule_inventory.json is not JSON"))?;
        } else if rel.ends_with(".rego") {
            let text = text(&rel)?;
            out.tree.modules.push(RegoFile { rel, text });
        } else if matches!(file_name, "data.json" | "data.yaml" | "data.yml") {
            let value: Json = if file_name == "data.json" {
                serde_json::from_slice(&body)
                    .with_context(|| format!("{name}: {rel}: invalid JSON"))?
            } else {
                yaml_serde::from_str(&text(&rel)?)
                    .with_context(|| format!("{name}: {rel}: invalid YAML"))?
            };
            let path = rel
                .split('/')
                .collect::<Vec<_>>()
                .split_last()
                .map(|(_, dirs)| dirs.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            out.tree.data.push(DataFile { rel, path, value });
        }
    }
    out.tree.modules.sort_by(|a, b| a.rel.cmp(&b.rel));
    if out.tree.modules.is_empty() {
        bail!("{name}: no .rego files in the bundle");
    }
    Ok(out)
}

/// Reads a bundle file from disk.
pub fn read_bundle_file(path: &Path) -> Result<BundleContents> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    if meta.len() > MAX_BUNDLE {
        bail!(
            "{}: {} bytes, over the {MAX_BUNDLE}-byte limit",
            path.display(),
            meta.len()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    read_bundle(&bytes, path)
}
