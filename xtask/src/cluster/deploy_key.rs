//! `deploy-key`: one ed25519 keypair per connected repository, made in memory. The private key
//! goes only into the `<repo>-deploy-key` Secret (through kubectl's stdin); the public key is
//! printed, to be registered as the repository's deploy key.

use anyhow::{bail, Result};
use serde_json::json;
use ssh_key::{Algorithm, LineEnding, PrivateKey};

use crate::cluster::kube::{self, Kubectl};

pub const ROLE_LABEL: &str = "trustacks.io/role";
pub const REPO_LABEL: &str = "trustacks.io/repo";
pub const PUBLIC_KEY_ANNOTATION: &str = "trustacks.io/public-key";
pub const ACCESS_ANNOTATION: &str = "trustacks.io/access";

pub struct Options {
    pub repo: String,
    pub read_write: bool,
    pub rotate: bool,
    pub context: Option<String>,
    pub namespace: String,
}

pub fn secret_name(repo: &str) -> String {
    format!("{repo}-deploy-key")
}

pub fn deploy_key(o: &Options) -> Result<()> {
    if !kube::is_dns_label(&o.repo) {
        bail!(
            "{:?}: not a valid repository name: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters (DNS-1123)",
            o.repo
        );
    }
    let kubectl = Kubectl::new(o.context.clone(), &o.namespace)?;
    let name = secret_name(&o.repo);
    // The public key is kept in an annotation, so it can be shown without reading the Secret.
    let existing = kubectl.get(
        "secret",
        &name,
        &format!("{{{{index .metadata.annotations \"{PUBLIC_KEY_ANNOTATION}\"}}}}"),
    )?;
    if let (Some(public), false) = (&existing, o.rotate) {
        eprintln!("kept the existing secret/{name} (pass --rotate to replace it)");
        println!("{}", public.trim());
        return Ok(());
    }
    let access = if o.read_write {
        "read-write"
    } else {
        "read-only"
    };
    let key = PrivateKey::random(&mut rand_core::OsRng, Algorithm::Ed25519)
        .map_err(|e| anyhow::anyhow!("generate ed25519 key: {e}"))?;
    let mut public = key.public_key().clone();
    public.set_comment(format!("trustacks-{}", o.repo));
    let public = public
        .to_openssh()
        .map_err(|e| anyhow::anyhow!("encode public key: {e}"))?;
    let private = key
        .to_openssh(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("encode private key: {e}"))?;
    let manifest = zeroize::Zeroizing::new(
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": name,
                "namespace": o.namespace,
                "labels": {
                    ROLE_LABEL: "git-deploy-key",
                    REPO_LABEL: o.repo,
                    "app.kubernetes.io/managed-by": kube::FIELD_MANAGER,
                    "app.kubernetes.io/part-of": "trustacks",
                },
                "annotations": {
                    PUBLIC_KEY_ANNOTATION: public,
                    ACCESS_ANNOTATION: access,
                },
            },
            "type": "kubernetes.io/ssh-auth",
            "data": {
                "ssh-privatekey": base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    private.as_bytes()
                ),
            },
        })
        .to_string(),
    );
    kubectl.apply(manifest.as_bytes(), &[private.as_str()])?;
    let verb = if existing.is_some() {
        "rotated"
    } else {
        "created"
    };
    eprintln!(
        "{verb} secret/{name} in {}; register this public key as a {access} deploy key of {}:",
        o.namespace, o.repo
    );
    println!("{public}");
    Ok(())
}
