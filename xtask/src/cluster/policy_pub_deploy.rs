//! `policy-pub-deploy`: the policy public key as the `policy-pub-key` ConfigMap (key
//! `cosign.pub`), which the Runner mounts at `/policy-pub/cosign.pub` to verify bundles.

use std::path::Path;

use anyhow::{Context, Result};
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
    kubectl.apply(body.as_bytes(), &[])?;
    println!(
        "applied configmap/{PUB_KEY_CONFIGMAP} in {namespace} from {}",
        file.display()
    );
    Ok(())
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
