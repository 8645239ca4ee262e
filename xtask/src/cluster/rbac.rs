//! `rbac`: the least privilege the cluster commands need, printed as the ServiceAccount, Role and
//! RoleBinding to apply (plus a ClusterRole for the namespace only with `--create-namespace`).
//! The rules are exactly the requests the commands make; the e2e RBAC test holds them to it.

use anyhow::Result;
use serde_json::{json, Value};

use crate::cluster::kube::managed_labels;

/// What the cluster commands ask of the API, resource by resource:
/// - secrets: `get` (deploy-key reads an existing key's public half), `list` (status reads
///   every Secret's names and labels), `create` + `patch` (server-side apply, which creates
///   through a PATCH when the object is new);
/// - configmaps: `get` (status, policy-pub-deploy and policy-bundle --check-cluster read the
///   public key), `create` + `patch` (policy-pub-deploy).
pub const RULES: [(&str, &[&str]); 2] = [
    ("secrets", &["get", "list", "create", "patch"]),
    ("configmaps", &["get", "create", "patch"]),
];

pub struct Options {
    pub namespace: String,
    pub service_account: String,
    pub create_namespace: bool,
    pub json: bool,
}

/// The objects, in the order they are applied.
pub fn objects(o: &Options) -> Vec<Value> {
    let name = &o.service_account;
    let ns = &o.namespace;
    let labels = managed_labels();
    let subject = json!([{"kind": "ServiceAccount", "name": name, "namespace": ns}]);
    let mut out = vec![
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "rules": RULES.iter().map(|(resource, verbs)| json!({
                "apiGroups": [""], "resources": [resource], "verbs": verbs,
            })).collect::<Vec<_>>(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": subject,
        }),
    ];
    if o.create_namespace {
        // Namespaces are cluster-scoped: a Role cannot grant them. `patch` is limited to the
        // one namespace by name; `create` is left unnamed, as RBAC documents that create
        // requests cannot be restricted by resourceName (apply's create-through-PATCH may
        // carry the name, but a grant that works everywhere is worth the width).
        let cluster_name = format!("{name}-namespace-{ns}");
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": cluster_name, "labels": labels},
            "rules": [
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["patch"], "resourceNames": [ns]},
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["create"]},
            ],
        }));
        out.push(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": cluster_name, "labels": labels},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_name},
            "subjects": subject,
        }));
    }
    out
}

pub fn rbac(o: &Options) -> Result<()> {
    anyhow::ensure!(
        crate::cluster::kube::is_dns_label(&o.namespace),
        "{:?}: not a valid namespace name (DNS-1123 label)",
        o.namespace
    );
    anyhow::ensure!(
        crate::cluster::kube::is_dns_label(&o.service_account),
        "{:?}: not a valid service account name (DNS-1123 label)",
        o.service_account
    );
    let objects = objects(o);
    if o.json {
        let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    let mut out = String::new();
    for obj in &objects {
        out.push_str("---\n");
        out.push_str(&yaml_serde::to_string(obj)?);
    }
    print!("{out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_only_with_create_namespace() {
        let mut o = Options {
            namespace: "ns".into(),
            service_account: "sa".into(),
            create_namespace: false,
            json: false,
        };
        let kinds = |o: &Options| -> Vec<String> {
            objects(o)
                .iter()
                .map(|v| v["kind"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(kinds(&o), ["ServiceAccount", "Role", "RoleBinding"]);
        assert!(!objects(&o)
            .iter()
            .any(|v| v.to_string().contains("namespaces")));
        o.create_namespace = true;
        assert_eq!(kinds(&o)[3..], ["ClusterRole", "ClusterRoleBinding"]);
    }
}
