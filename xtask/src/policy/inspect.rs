//! `policy-inspect`: reads a built or pushed bundle back, like `opa inspect`: its manifest,
//! namespaces, files and rule inventory, and for an OCI reference its digest, annotations and
//! signature status. Also the in-memory bundle reader `policy-eval --bundle` loads from.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use serde_json::{json, Value as Json};

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

pub struct Options {
    /// A bundle file, or an OCI reference (`host/repo:tag`, `oci:PATH[:TAG]`).
    pub target: String,
    pub key: PathBuf,
    pub net: crate::oci::net::Options,
    pub json: bool,
    pub log: crate::cosign::signature::LogArgs,
}

/// `policy-inspect`.
pub fn policy_inspect(o: &Options) -> Result<()> {
    let local = Path::new(&o.target);
    let looks_like_file = o.target.ends_with(".tar.gz") || o.target.ends_with(".tgz");
    if looks_like_file && !local.is_file() {
        bail!("{}: no such bundle file", local.display());
    }
    let (contents, oci) = if local.is_file() {
        (read_bundle_file(local)?, None)
    } else {
        let pulled = crate::release::verify::pull(&o.target, &o.key, &o.net, &o.log)?;
        let shown = PathBuf::from(&pulled.reference);
        (read_bundle(&pulled.bundle, &shown)?, Some(pulled))
    };
    let report = report(&contents, oci.as_ref());
    if o.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", pretty(&report));
    }
    Ok(())
}

fn report(c: &BundleContents, oci: Option<&crate::release::verify::Pulled>) -> Json {
    let mut namespaces: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for m in &c.tree.modules {
        let pkg = package_of(&m.text).unwrap_or_default();
        namespaces
            .entry(format!("data.{pkg}"))
            .or_default()
            .push(format!("/{}", m.rel));
    }
    let rules = c.inventory.get("rules").cloned().unwrap_or(json!([]));
    let mut report = json!({
        "manifest": c.manifest,
        "namespaces": namespaces,
        "files": c.files.iter().map(|(n, s)| json!({"name": format!("/{n}"), "size": s})).collect::<Vec<_>>(),
        "rules": rules,
    });
    if let Some(p) = oci {
        report["oci"] = json!({
            "reference": p.reference,
            "digest": p.digest,
            "layer": {"digest": p.layer_digest, "size": p.bundle.len()},
            "annotations": p.annotations,
            "signature": p.signature,
        });
    }
    report
}

/// The package a module declares, read from its first `package` line.
fn package_of(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("package ")
            .map(|p| p.split_whitespace().next().unwrap_or("").to_string())
    })
}

fn pretty(r: &Json) -> String {
    let mut s = String::new();
    let str_of = |v: &Json| match v {
        Json::String(s) => s.clone(),
        Json::Null => "-".into(),
        v => v.to_string(),
    };
    if let Some(oci) = r.get("oci") {
        s.push_str(&format!("REFERENCE  {}\n", str_of(&oci["reference"])));
        s.push_str(&format!("DIGEST     {}\n", str_of(&oci["digest"])));
        s.push_str(&format!(
            "LAYER      {} ({} bytes)\n",
            str_of(&oci["layer"]["digest"]),
            oci["layer"]["size"]
        ));
        s.push_str(&format!(
            "SIGNATURE  {}\n",
            str_of(&oci["signature"]["status"])
        ));
        if let Some(detail) = oci["signature"]["detail"].as_str() {
            s.push_str(&format!("           {detail}\n"));
        }
        if let Some(tlog) = oci["signature"]["tlog"]["status"].as_str() {
            s.push_str(&format!("TLOG       {tlog}\n"));
        }
        if let Some(a) = oci["annotations"].as_object() {
            s.push_str("ANNOTATIONS:\n");
            for (k, v) in a {
                s.push_str(&format!("  {k}: {}\n", str_of(v)));
            }
        }
        s.push('\n');
    }
    let m = &r["manifest"];
    s.push_str("MANIFEST:\n");
    s.push_str(&format!("  revision: {}\n", str_of(&m["revision"])));
    let roots: Vec<String> = m["roots"]
        .as_array()
        .map(|a| a.iter().map(str_of).collect())
        .unwrap_or_default();
    s.push_str(&format!("  roots: {}\n", roots.join(", ")));
    s.push_str(&format!("  rego_version: {}\n", str_of(&m["rego_version"])));
    s.push_str("\nNAMESPACES:\n");
    if let Some(ns) = r["namespaces"].as_object() {
        for (k, files) in ns {
            let files: Vec<String> = files
                .as_array()
                .map(|a| a.iter().map(str_of).collect())
                .unwrap_or_default();
            s.push_str(&format!("  {k}  {}\n", files.join(" ")));
        }
    }
    s.push_str("\nRULES:\n");
    for rule in r["rules"].as_array().into_iter().flatten() {
        let deny: Vec<String> = rule["deny"]
            .as_array()
            .map(|a| a.iter().map(str_of).collect())
            .unwrap_or_default();
        s.push_str(&format!(
            "  {:<32} {}:{}  severity {}  deny {}\n",
            str_of(&rule["id"]),
            str_of(&rule["file"]),
            str_of(&rule["line"]),
            str_of(&rule["metadata"]["severity"]),
            if deny.is_empty() {
                "-".into()
            } else {
                deny.join(" ")
            }
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_built_bundle_reads_back() {
        let rules = "package org.p\nimport rego.v1\n\
            rule_metadata[\"p.a\"] := {\"severity\": \"low\"}\n\
            deny contains \"p.a\" if input.bad\n";
        let mut t = PolicyTree::of(&[("p/p.rego", rules)]);
        t.data.push(DataFile {
            rel: "p/data.json".into(),
            path: vec!["p".into()],
            value: json!({"x": 1}),
        });
        let b = crate::policy::bundle::build(&t, "rev1", false).unwrap();
        let c = read_bundle(&b.bytes, Path::new("b.tar.gz")).unwrap();
        assert_eq!(c.manifest["revision"], "rev1");
        assert_eq!(c.tree.modules.len(), 1);
        assert_eq!(c.tree.merged_data(true).unwrap(), json!({"p": {"x": 1}}));
        let r = report(&c, None);
        assert_eq!(r["namespaces"]["data.org.p"], json!(["/p/p.rego"]));
        assert_eq!(r["rules"][0]["line"], 3);
        assert!(pretty(&r).contains("p.a"));
        assert!(read_bundle(b"not gzip", Path::new("x")).is_err());
    }
}
