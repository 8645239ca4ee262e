//! `secrets`: the Runner's LLM settings from a local `.env` into the `trustacks-runner-llm`
//! Secret, validated before the cluster is touched (`secrets status` is `status`, in status.rs).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::cluster::kube::Kubectl;

pub const SECRET_NAME: &str = "trustacks-runner-llm";
pub const PUB_KEY_CONFIGMAP: &str = "policy-pub-key";
pub const PUB_KEY_ENTRY: &str = "cosign.pub";
pub const FINGERPRINT_ANNOTATION: &str = "trustacks.io/content-sha256";
/// The keys the Runner reads, in the order they are reported.
pub const KEYS: [&str; 4] = [
    "ANTHROPIC_API_KEY",
    "OPENROUTER_API_KEY",
    "LLM_PROVIDER",
    "OPENROUTER_MODEL",
];
const PROVIDERS: [(&str, &str); 2] = [
    ("anthropic", "ANTHROPIC_API_KEY"),
    ("openrouter", "OPENROUTER_API_KEY"),
];

/// The validated content of the Secret. Values are wiped from memory when dropped.
pub struct Plan {
    pub values: BTreeMap<&'static str, Zeroizing<String>>,
    pub provider: &'static str,
    pub provider_inferred: bool,
    pub ignored: Vec<String>,
}

/// Reads and validates the env file. Errors name the file and line, never the content.
pub fn plan(env_file: &Path) -> Result<Plan> {
    let raw = Zeroizing::new(
        std::fs::read(env_file).with_context(|| format!("{}: cannot read", env_file.display()))?,
    );
    plan_bytes(&raw, env_file)
}

/// `plan` over the file's bytes (`env_file` names it in errors).
pub fn plan_bytes(raw: &[u8], env_file: &Path) -> Result<Plan> {
    let text = Zeroizing::new(
        String::from_utf8(raw.to_vec())
            .map_err(|_| anyhow!("{}: not valid UTF-8", env_file.display()))?,
    );
    // dotenvy leaves a BOM and CRs in place; normalize so Windows-edited files read the same.
    let text = Zeroizing::new(text.trim_start_matches('\u{feff}').replace("\r\n", "\n"));
    let mut values = BTreeMap::new();
    let mut ignored = Vec::new();
    for item in dotenvy::from_read_iter(text.as_bytes()) {
        let (key, value) = match item {
            Ok(kv) => kv,
            Err(dotenvy::Error::LineParse(line, _)) => {
                let at = line_number(&text, &line);
                drop(Zeroizing::new(line));
                bail!(
                    "{}:{at}: malformed line (expected KEY=VALUE)",
                    env_file.display()
                );
            }
            Err(e) => bail!("{}: cannot parse: {}", env_file.display(), kind_only(&e)),
        };
        let value = Zeroizing::new(value);
        match KEYS.iter().find(|k| **k == key) {
            Some(k) if !value.is_empty() => {
                values.insert(*k, value);
            }
            Some(_) => {}
            None => ignored.push(key),
        }
    }
    let (provider, provider_inferred) = match values.get("LLM_PROVIDER") {
        Some(p) => match PROVIDERS.iter().find(|(name, _)| *name == p.as_str()) {
            Some((name, _)) => (*name, false),
            None => bail!(
                "{}: LLM_PROVIDER must be `anthropic` or `openrouter`",
                env_file.display()
            ),
        },
        None => {
            let present: Vec<_> = PROVIDERS
                .iter()
                .filter(|(_, key)| values.contains_key(key))
                .collect();
            match present.as_slice() {
                [(name, _)] => (*name, true),
                [] => bail!(
                    "{}: no provider key: set ANTHROPIC_API_KEY or OPENROUTER_API_KEY",
                    env_file.display()
                ),
                _ => bail!(
                    "{}: both ANTHROPIC_API_KEY and OPENROUTER_API_KEY are set: choose one with LLM_PROVIDER=anthropic or LLM_PROVIDER=openrouter",
                    env_file.display()
                ),
            }
        }
    };
    let needed = PROVIDERS
        .iter()
        .find(|(name, _)| *name == provider)
        .map(|(_, key)| *key)
        .unwrap_or("ANTHROPIC_API_KEY");
    if !values.contains_key(needed) {
        bail!(
            "{}: LLM_PROVIDER is {provider} but {needed} is not set",
            env_file.display()
        );
    }
    Ok(Plan {
        values,
        provider,
        provider_inferred,
        ignored,
    })
}

/// The 1-based line of the first line of `text` equal to `line` (dotenvy reports the line's
/// content, which must not be shown; its number can be).
pub fn line_number(text: &str, line: &str) -> usize {
    let first = line.lines().next().unwrap_or(line).trim_end();
    text.lines()
        .position(|l| l.trim_end() == first)
        .map_or(0, |i| i + 1)
}

/// A dotenvy error described without its payload.
fn kind_only(e: &dotenvy::Error) -> &'static str {
    match e {
        dotenvy::Error::Io(_) => "I/O error",
        dotenvy::Error::EnvVar(_) => "variable substitution failed",
        _ => "malformed file",
    }
}

/// A sha256 over the keys and values, so a change is visible on the object without revealing
/// anything (the API keys' entropy keeps the hash from being guessed back).
pub fn fingerprint(values: &BTreeMap<&'static str, Zeroizing<String>>) -> String {
    let mut h = Sha256::new();
    for (k, v) in values {
        h.update((k.len() as u64).to_be_bytes());
        h.update(k.as_bytes());
        h.update((v.len() as u64).to_be_bytes());
        h.update(v.as_bytes());
    }
    crate::policy::pki::hex(&h.finalize())
}

/// The Secret as JSON; `redact` replaces each value with `<redacted, N bytes>`.
pub fn manifest(plan: &Plan, namespace: &str, redact: bool) -> Zeroizing<String> {
    let data: serde_json::Map<String, serde_json::Value> = plan
        .values
        .iter()
        .map(|(k, v)| {
            let shown = if redact {
                format!("<redacted, {} bytes>", v.len())
            } else {
                B64.encode(v.as_bytes())
            };
            (k.to_string(), json!(shown))
        })
        .collect();
    let m = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME,
            "namespace": namespace,
            "labels": crate::cluster::kube::managed_labels(),
            "annotations": {FINGERPRINT_ANNOTATION: fingerprint(&plan.values)},
        },
        "type": "Opaque",
        "data": data,
    });
    Zeroizing::new(serde_json::to_string_pretty(&m).unwrap_or_default())
}

pub struct SecretsOptions {
    pub env_file: PathBuf,
    pub context: Option<String>,
    pub namespace: String,
    pub dry_run: bool,
    pub create_namespace: bool,
}

pub fn secrets(o: &SecretsOptions) -> Result<()> {
    let plan = plan(&o.env_file)?;
    for key in &plan.ignored {
        eprintln!(
            "warning: {}: ignoring {key} (the Secret holds only {})",
            o.env_file.display(),
            KEYS.join(", ")
        );
    }
    let how = if plan.provider_inferred {
        "inferred from the key present"
    } else {
        "from LLM_PROVIDER"
    };
    eprintln!("provider: {} ({how})", plan.provider);
    if o.dry_run {
        println!("{}", manifest(&plan, &o.namespace, true).as_str());
        return Ok(());
    }
    let kubectl = Kubectl::new(o.context.clone(), &o.namespace)?;
    if o.create_namespace {
        let ns =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": o.namespace}});
        kubectl.apply(ns.to_string().as_bytes(), &[])?;
    }
    let body = manifest(&plan, &o.namespace, false);
    let hide: Vec<&str> = plan.values.values().map(|v| v.as_str()).collect();
    kubectl.apply(body.as_bytes(), &hide)?;
    let keys: Vec<&str> = plan.values.keys().copied().collect();
    println!(
        "applied secret/{SECRET_NAME} in {} with {} (content sha256 {})",
        o.namespace,
        keys.join(", "),
        &fingerprint(&plan.values)[..16]
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str) -> Result<Plan> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join(".env");
        std::fs::write(&p, text).unwrap();
        plan(&p)
    }

    #[test]
    fn dotenv_forms_are_read() {
        let p = plan_of(
            "\u{feff}# comment\r\nexport ANTHROPIC_API_KEY=\"sk-ant-quoted\"\r\n\
             OPENROUTER_MODEL='anthropic/claude'\r\nOTHER=x\r\nOPENROUTER_API_KEY=\r\n",
        )
        .unwrap();
        assert_eq!(p.values["ANTHROPIC_API_KEY"].as_str(), "sk-ant-quoted");
        assert_eq!(p.values["OPENROUTER_MODEL"].as_str(), "anthropic/claude");
        assert!(
            !p.values.contains_key("OPENROUTER_API_KEY"),
            "empty values are left out"
        );
        assert_eq!((p.provider, p.provider_inferred), ("anthropic", true));
        assert_eq!(p.ignored, ["OTHER"]);
    }

    #[test]
    fn provider_rules() {
        let err = |t: &str| plan_of(t).err().unwrap().to_string();
        assert!(err("ANTHROPIC_API_KEY=a\nOPENROUTER_API_KEY=b\n")
            .contains("choose one with LLM_PROVIDER"));
        assert!(err("LLM_PROVIDER=openai\nANTHROPIC_API_KEY=a\n")
            .contains("must be `anthropic` or `openrouter`"));
        assert!(err("LLM_PROVIDER=openrouter\nANTHROPIC_API_KEY=a\n")
            .contains("OPENROUTER_API_KEY is not set"));
        assert!(err("OPENROUTER_MODEL=x\n").contains("no provider key"));
        let p = plan_of("LLM_PROVIDER=openrouter\nANTHROPIC_API_KEY=a\nOPENROUTER_API_KEY=b\n")
            .unwrap();
        assert_eq!((p.provider, p.provider_inferred), ("openrouter", false));
    }

    #[test]
    fn malformed_line_is_named_not_echoed() {
        let err = plan_of("ANTHROPIC_API_KEY=ok\nthis line has sk-canary-value and no equals\n")
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with(".env:2: malformed line (expected KEY=VALUE)"),
            "{err}"
        );
        assert!(!err.contains("canary"));
    }

    #[test]
    fn manifest_redacts_and_fingerprints() {
        let p = plan_of("ANTHROPIC_API_KEY=sk-secret-1\n").unwrap();
        let red = manifest(&p, "ns", true);
        assert!(red.contains("<redacted, 11 bytes>") && !red.contains("sk-secret"));
        let real: serde_json::Value = serde_json::from_str(&manifest(&p, "ns", false)).unwrap();
        assert_eq!(real["data"]["ANTHROPIC_API_KEY"], B64.encode("sk-secret-1"));
        let other = plan_of("ANTHROPIC_API_KEY=sk-secret-2\n").unwrap();
        assert_ne!(fingerprint(&p.values), fingerprint(&other.values));
    }
}
