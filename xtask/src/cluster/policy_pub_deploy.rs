//! `policy-pub-deploy`: the policy public key as the `policy-pub-key` ConfigMap (key
//! `cosign.pub`), which the Runner mounts at `/policy-pub/cosign.pub` to verify bundles.

use std::path::Path;

use anyhow::{bail, Context, Result};
use serde_json::json;

use crate::cluster::kube::{self, Kubectl};
use crate::cosign::keys;
use crate::secrets::{PUB_KEY_CONFIGMAP, PUB_KEY_ENTRY};

/// The ConfigMap for the public key in `file`. A private key, or anything that is not a P-256
/// public key, is refused by name.
pub fn manifest(file: &Path, namespace: &str) -> Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("{}: cannot read", file.display()))?;
    let key = keys::parse_public(&text, &file.display().to_string())?;
    // Re-encoded: the ConfigMap always holds the canonical PEM, LF line endings.
    let pem = keys::public_pem(&key)?;
    let m = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": PUB_KEY_CONFIGMAP,
            "namespace": namespace,
            "labels": kube::managed_labels(),
        },
        "data": {PUB_KEY_ENTRY: pem},
    });
    Ok(serde_json::to_string_pretty(&m)?)
}

pub fn policy_pub_deploy(
    file: &Path,
    context: Option<String>,
    namespace: &str,
    dry_run: bool,
) -> Result<()> {
    let body = manifest(file, namespace)?;
    if dry_run {
        println!("{body}");
        return Ok(());
    }
    let kubectl = Kubectl::new(context, namespace)?;
    let new_key = crate::cosign::keydir::read_public(file)?;
    let verb = match cluster_key(&kubectl)? {
        ClusterKey::Missing => "applied",
        ClusterKey::Holds(old) if old == new_key => "unchanged:",
        ClusterKey::Holds(_) | ClusterKey::Malformed => {
            eprintln!(
                "warning: replacing a different key in configmap/{PUB_KEY_CONFIGMAP} ({namespace}): bundles signed only with the old key no longer verify, and the Runner falls back to its baked-in constitution until they are re-signed (cargo xtask policy-bundle --to REF; cargo xtask status shows it)"
            );
            "replaced"
        }
    };
    kubectl.apply(body.as_bytes(), &[])?;
    println!(
        "{verb} configmap/{PUB_KEY_CONFIGMAP} in {namespace} from {}",
        file.display()
    );
    Ok(())
}

/// What the cluster's `policy-pub-key` holds.
pub enum ClusterKey {
    Missing,
    Malformed,
    Holds(p256::PublicKey),
}

pub fn cluster_key(kubectl: &Kubectl) -> Result<ClusterKey> {
    let pem = kubectl.get(
        "configmap",
        PUB_KEY_CONFIGMAP,
        &format!("{{{{with .data}}}}{{{{with index . \"{PUB_KEY_ENTRY}\"}}}}{{{{.}}}}{{{{end}}}}{{{{end}}}}"),
    )?;
    Ok(match pem.filter(|p| !p.trim().is_empty()) {
        None => ClusterKey::Missing,
        Some(p) => match keys::parse_public(&p, "cluster key") {
            Ok(k) => ClusterKey::Holds(k),
            Err(_) => ClusterKey::Malformed,
        },
    })
}

/// `policy-bundle --check-cluster`: refuses, before anything is pushed or signed, a key the
/// cluster's Runner would not verify with.
pub fn require_cluster_key(
    context: Option<String>,
    namespace: &str,
    key: &p256::PublicKey,
    pub_file: &Path,
) -> Result<()> {
    let kubectl = Kubectl::new(context, namespace)?;
    let fix = format!("cargo xtask policy-pub-deploy --key {}", pub_file.display());
    match cluster_key(&kubectl)? {
        ClusterKey::Holds(k) if k == *key => Ok(()),
        ClusterKey::Holds(_) => bail!(
            "refusing to sign: the cluster's configmap/{PUB_KEY_CONFIGMAP} in {namespace} holds another key, so the Runner would not verify this bundle; nothing was pushed (deploy this key first: {fix}, after re-signing what the Runner pulls)"
        ),
        ClusterKey::Missing => bail!(
            "refusing to sign: there is no configmap/{PUB_KEY_CONFIGMAP} in {namespace}; nothing was pushed (deploy the key first: {fix})"
        ),
        ClusterKey::Malformed => bail!(
            "refusing to sign: configmap/{PUB_KEY_CONFIGMAP} in {namespace} holds no valid public key; nothing was pushed (fix it: {fix})"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_keys_are_deployed() {
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/cosign");
        let m = manifest(&fixtures.join("cosign2-empty-password.pub"), "ns").unwrap();
        let v: serde_json::Value = serde_json::from_str(&m).unwrap();
        assert!(v["data"]["cosign.pub"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PUBLIC KEY-----\n"));
        let err = manifest(&fixtures.join("cosign2-empty-password.key"), "ns")
            .unwrap_err()
            .to_string();
        assert!(err.contains("this is a private key"), "{err}");
    }
}
