//! `policy-inspect`: reads a built or pushed bundle back, like `opa inspect`: its manifest,
//! namespaces, files and rule inventory, and for an OCI reference its digest, annotations and
//! signature status. The bundle reader itself is the engine's (`inspect::read_bundle`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use serde_json::{json, Value as Json};

use trustacks_rego::inspect::{read_bundle, read_bundle_file, BundleContents};

pub struct Options {
    /// A bundle file, or an OCI reference (`host/repo:tag`, `oci:PATH[:TAG]`).
    pub target: String,
    pub key: PathBuf,
    pub net: crate::oci::net::Options,
    pub json: bool,
    pub log: crate::cosign::signature::LogArgs,
    /// Keyless: check the signature for this certificate identity instead of the key.
    pub identity: crate::cosign::identity::IdentityArgs,
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
        let pulled =
            crate::release::verify::pull_as(&o.target, &o.key, &o.net, &o.log, &o.identity)?;
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
        if let Some(id) = oci["signature"]["identity"].as_str() {
            s.push_str(&format!(
                "SIGNER     {id} (issuer {})\n",
                str_of(&oci["signature"]["issuer"])
            ));
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
    use crate::policy::tree::{DataFile, PolicyTree};

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
