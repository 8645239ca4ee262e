//! The operator's cluster, through their own `kubectl` (kubeconfig, context, auth plugins):
//! manifests go on stdin to server-side apply; reads ask for names through templates, so secret
//! values never enter this process. kubectl's failures become one line that says what to do.

use anyhow::{anyhow, bail, Result};
use xshell::{cmd, Shell};

/// Who owns the fields we apply (server-side apply's field manager).
pub const FIELD_MANAGER: &str = "xtask";

pub struct Kubectl {
    pub context: Option<String>,
    pub namespace: String,
    sh: Shell,
}

impl Kubectl {
    pub fn new(context: Option<String>, namespace: &str) -> Result<Kubectl> {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join("kubectl").is_file()))
            .unwrap_or(false);
        if !found {
            bail!("kubectl is not installed (not on PATH): install it, see https://kubernetes.io/docs/tasks/tools/");
        }
        Ok(Kubectl {
            context,
            namespace: namespace.to_string(),
            sh: Shell::new()?,
        })
    }

    fn context_args(&self) -> Vec<String> {
        match &self.context {
            Some(c) => vec!["--context".into(), c.clone()],
            None => vec![],
        }
    }

    /// `kubectl apply --server-side` of `manifest` (JSON), given on stdin. `hide` lists values
    /// that must never reach an error message, should kubectl echo them.
    pub fn apply(&self, manifest: &[u8], hide: &[&str]) -> Result<String> {
        let ctx = self.context_args();
        let out = cmd!(
            self.sh,
            "kubectl {ctx...} apply --server-side --field-manager={FIELD_MANAGER} -f -"
        )
        .stdin(manifest)
        .quiet()
        .ignore_status()
        .output()?;
        if out.status.success() {
            return Ok(scrub(&String::from_utf8_lossy(&out.stdout), hide)
                .trim()
                .to_string());
        }
        Err(self.explain(&String::from_utf8_lossy(&out.stderr), hide))
    }

    /// `kubectl get KIND NAME -o go-template=TEMPLATE` in the namespace; `None` when not found.
    pub fn get(&self, kind: &str, name: &str, template: &str) -> Result<Option<String>> {
        match self.get_template(&[kind, name], template)? {
            Ok(out) => Ok(Some(out)),
            // The object is missing (not its namespace, which `explain` words itself).
            Err(stderr) if stderr.contains("(NotFound)") && !stderr.contains("namespaces \"") => {
                Ok(None)
            }
            Err(stderr) => Err(self.explain(&stderr, &[])),
        }
    }

    /// `kubectl get KIND -l SELECTOR -o go-template=TEMPLATE` in the namespace.
    pub fn list(&self, kind: &str, selector: &str, template: &str) -> Result<String> {
        self.get_template(&[kind, "-l", selector], template)?
            .map_err(|stderr| self.explain(&stderr, &[]))
    }

    /// `kubectl get WHAT... -n NS -o go-template=TEMPLATE`: stdout, or kubectl's stderr.
    fn get_template(&self, what: &[&str], template: &str) -> Result<Result<String, String>> {
        let ctx = self.context_args();
        let ns = &self.namespace;
        let tpl = format!("go-template={template}");
        let out = cmd!(self.sh, "kubectl {ctx...} get {what...} -n {ns} -o {tpl}")
            .quiet()
            .ignore_status()
            .output()?;
        Ok(if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        })
    }

    /// One line for a kubectl failure, with what to do about it.
    fn explain(&self, stderr: &str, hide: &[&str]) -> anyhow::Error {
        let stderr = scrub(stderr, hide);
        let first = stderr
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("kubectl failed without a message")
            .to_string();
        let ns = &self.namespace;
        let ctx = self
            .context
            .as_deref()
            .map_or("the current context".to_string(), |c| {
                format!("context {c:?}")
            });
        if first.contains("current-context is not set")
            || (first.contains("localhost:8080") && first.contains("refused"))
        {
            anyhow!("kubectl has no current context: run `kubectl config use-context NAME`, or pass --context")
        } else if first.contains("context") && first.contains("does not exist") {
            anyhow!("kubectl: {first}: see `kubectl config get-contexts`")
        } else if first.contains("(NotFound)")
            && first.contains(&format!("namespaces \"{ns}\" not found"))
        {
            anyhow!("namespace {ns} does not exist in {ctx}: create it (`kubectl create namespace {ns}`), or pass --create-namespace")
        } else if first.contains("(Forbidden)") {
            anyhow!("the cluster refused ({ctx}, RBAC): {first}; ask for namespace-scoped access in {ns}")
        } else if first.contains("Unauthorized") {
            anyhow!("the cluster did not accept your credentials ({ctx}): {first}; log in again")
        } else if first.contains("Unable to connect") || first.contains("connection refused") {
            anyhow!("cannot reach the cluster of {ctx}: {first}")
        } else {
            anyhow!("kubectl: {first}")
        }
    }
}

/// The labels every object we apply carries.
pub fn managed_labels() -> serde_json::Value {
    serde_json::json!({
        "app.kubernetes.io/managed-by": FIELD_MANAGER,
        "app.kubernetes.io/part-of": "trustacks",
    })
}

/// Replaces every occurrence of a hidden value (and its base64 form) with `<redacted>`.
pub fn scrub(text: &str, hide: &[&str]) -> String {
    use base64::Engine as _;
    let mut out = text.to_string();
    for v in hide.iter().filter(|v| v.len() >= 4) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(v);
        out = out.replace(*v, "<redacted>").replace(&b64, "<redacted>");
    }
    out
}

/// A DNS-1123 label: lowercase alphanumerics and `-`, starting and ending alphanumeric, ≤ 63.
pub fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_plain_and_base64_forms() {
        let s = scrub("bad value sk-ant-123 (c2stYW50LTEyMw==)", &["sk-ant-123"]);
        assert_eq!(s, "bad value <redacted> (<redacted>)");
    }

    #[test]
    fn dns_labels() {
        assert!(is_dns_label("platform-api") && is_dns_label("a1"));
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64)] {
            assert!(!is_dns_label(bad), "{bad}");
        }
    }

    #[test]
    fn kubectl_output_gives_one_line_errors_without_hidden_values() {
        use crate::proptests::{check, one_line, CASES};
        use proptest::prelude::*;
        let input = || {
            let line = prop_oneof![
                Just("Error from server (NotFound): namespaces \"ns\" not found".to_string()),
                Just("error: context \"x\" does not exist".to_string()),
                Just("Error from server (Forbidden): secrets is forbidden".to_string()),
                Just("The connection to the server localhost:8080 was refused".to_string()),
                Just("error: current-context is not set".to_string()),
                Just("Unable to connect to the server: EOF".to_string()),
                Just("value sk-ant-secret c2stYW50LXNlY3JldA==".to_string()),
                Just("\u{1b}]0;pwned\u{7}".to_string()),
                any::<String>(),
            ];
            prop::collection::vec(line, 0..5).prop_map(|l| l.join("\n"))
        };
        check("kubectl output", CASES, input, |stderr| {
            let k = Kubectl {
                context: Some("ctx".into()),
                namespace: "ns".into(),
                sh: Shell::new().map_err(|e| TestCaseError::fail(e.to_string()))?,
            };
            let e = k.explain(&stderr, &["sk-ant-secret"]);
            one_line(&e)?;
            let shown = format!("{e:#}");
            prop_assert!(
                !shown.contains("sk-ant-secret") && !shown.contains("c2stYW50LXNlY3JldA==")
            );
            Ok(())
        });
    }
}
