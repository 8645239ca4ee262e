//! `secrets`, `policy-pub-deploy` and `deploy-key` (`status` is in runner.rs) through the real kubectl
//! against the in-test API server; manifests checked with `kubernetes-validate --strict`;
//! secret values traced with strace.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::apiserver::ApiServer;
use e2e::{require, workspace, xtask, Run};

const NS: &str = "trustacks-system";
const CANARY_A: &str = "sk-ant-CANARY7f3a9c1e5b";
const CANARY_O: &str = "sk-or-CANARY2d8e4f6a0c";

struct Env {
    server: ApiServer,
    dir: tempfile::TempDir,
    kubeconfig: PathBuf,
}

impl Env {
    fn new(namespaces: &[&str]) -> Env {
        require("kubectl");
        let server = ApiServer::start(namespaces);
        let kubeconfig = server.kubeconfig(true);
        Env {
            server,
            dir: tempfile::tempdir().unwrap(),
            kubeconfig,
        }
    }

    fn env_file(&self, text: &str) -> PathBuf {
        let p = self.dir.path().join(".env");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run_with(&self, kubeconfig: &Path, args: &[&str]) -> Run {
        xtask(self.dir.path(), args)
            .env("KUBECONFIG", kubeconfig)
            .env("HOME", self.dir.path())
            .output()
            .unwrap()
            .into()
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(&self.kubeconfig, args)
    }

    fn secret_data(&self, name: &str) -> serde_json::Map<String, serde_json::Value> {
        let s = self
            .server
            .object("secrets", NS, name)
            .expect("secret stored");
        s["data"].as_object().cloned().unwrap_or_default()
    }
}

fn b64(s: &str) -> String {
    e2e::b64::encode(s.as_bytes())
}

#[test]
fn secrets_apply_rotate_and_remove_keys_in_place() {
    let e = Env::new(&[NS]);
    e.env_file(&format!(
        "# operator's .env\nexport ANTHROPIC_API_KEY=\"{CANARY_A}\"\r\nOPENROUTER_MODEL=anthropic/claude-sonnet\r\nSLACK_TOKEN=xoxb-ignored-value\n"
    ));
    let r = e.run(&["secrets"]);
    r.ok();
    assert!(
        r.stderr.contains("warning: .env: ignoring SLACK_TOKEN"),
        "{r}"
    );
    assert!(
        !r.stderr.contains("xoxb") && !r.stdout.contains(CANARY_A),
        "{r}"
    );
    let data = e.secret_data("trustacks-runner-llm");
    let keys: Vec<&String> = data.keys().collect();
    assert_eq!(keys, ["ANTHROPIC_API_KEY", "OPENROUTER_MODEL"]);
    assert_eq!(data["ANTHROPIC_API_KEY"], b64(CANARY_A));
    let obj = e
        .server
        .object("secrets", NS, "trustacks-runner-llm")
        .unwrap();
    assert_eq!(obj["type"], "Opaque");
    let fp1 = obj["metadata"]["annotations"]["trustacks.io/content-sha256"].clone();
    assert_eq!(fp1.as_str().unwrap().len(), 64);

    // Rotation: a new value in place, a removed key gone, never a delete.
    e.env_file(&format!(
        "LLM_PROVIDER=openrouter\nOPENROUTER_API_KEY={CANARY_O}\n"
    ));
    e.run(&["secrets"]).ok();
    let data = e.secret_data("trustacks-runner-llm");
    let keys: Vec<&String> = data.keys().collect();
    assert_eq!(keys, ["LLM_PROVIDER", "OPENROUTER_API_KEY"]);
    let fp2 = e
        .server
        .object("secrets", NS, "trustacks-runner-llm")
        .unwrap()["metadata"]["annotations"]["trustacks.io/content-sha256"]
        .clone();
    assert_ne!(fp1, fp2);
    assert!(e
        .server
        .requests()
        .iter()
        .all(|r| r.method != "DELETE" && r.method != "POST"));
    let patches: Vec<_> = e
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(patches.len(), 2);
    assert!(
        patches[0].query.contains("fieldManager=xtask"),
        "{:?}",
        patches[0]
    );
    assert_eq!(patches[0].content_type, "application/apply-patch+yaml");
}

#[test]
fn secrets_validate_before_touching_the_cluster() {
    let e = Env::new(&[NS]);
    let cases = [
        (
            "ANTHROPIC_API_KEY=a1\nOPENROUTER_API_KEY=b2\n",
            "choose one with LLM_PROVIDER",
        ),
        (
            "LLM_PROVIDER=openai\nANTHROPIC_API_KEY=a1\n",
            "LLM_PROVIDER must be `anthropic` or `openrouter`",
        ),
        (
            "LLM_PROVIDER=anthropic\nOPENROUTER_API_KEY=b2\n",
            "ANTHROPIC_API_KEY is not set",
        ),
        ("OPENROUTER_MODEL=x\n", "no provider key"),
    ];
    for (text, want) in cases {
        e.env_file(text);
        let r = e.run(&["secrets"]);
        r.failed();
        assert!(r.error_line().contains(want), "{text:?}: {r}");
    }
    e.env_file(&format!(
        "ANTHROPIC_API_KEY=ok\nnot a valid line {CANARY_A}\n"
    ));
    let r = e.run(&["secrets"]);
    r.failed();
    assert_eq!(
        r.error_line(),
        "error: .env:2: malformed line (expected KEY=VALUE)",
        "{r}"
    );
    assert!(!r.stderr.contains(CANARY_A));
    assert!(
        e.server.requests().is_empty(),
        "the cluster was not contacted"
    );
}

#[test]
fn dry_run_redacts_every_value() {
    let e = Env::new(&[NS]);
    e.env_file(&format!(
        "ANTHROPIC_API_KEY={CANARY_A}\nLLM_PROVIDER=anthropic\n"
    ));
    let r = e.run(&["secrets", "--dry-run"]);
    r.ok();
    let m: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        m["data"]["ANTHROPIC_API_KEY"],
        format!("<redacted, {} bytes>", CANARY_A.len())
    );
    assert_eq!(m["data"]["LLM_PROVIDER"], "<redacted, 9 bytes>");
    assert!(!r.stdout.contains(CANARY_A) && !r.stdout.contains(&b64(CANARY_A)));
    assert!(e.server.requests().is_empty());
}

#[test]
fn cluster_failures_are_one_line_that_says_what_to_do() {
    let e = Env::new(&[]);
    e.env_file("ANTHROPIC_API_KEY=abcd1234\n");
    let r = e.run(&["secrets"]);
    r.failed();
    assert!(
        r.error_line()
            .contains("namespace trustacks-system does not exist"),
        "{r}"
    );
    assert!(r.error_line().contains("--create-namespace"), "{r}");
    assert!(!e.server.has_namespace(NS));
    e.run(&["secrets", "--create-namespace"]).ok();
    assert!(e.server.has_namespace(NS));
    assert!(e
        .server
        .object("secrets", NS, "trustacks-runner-llm")
        .is_some());

    e.server.set_read_only(true);
    let r = e.run(&["secrets"]);
    r.failed();
    assert!(
        r.error_line().contains("refused") && r.error_line().contains("RBAC"),
        "{r}"
    );
    e.server.set_read_only(false);

    let no_context = e.server.kubeconfig(false);
    let r = e.run_with(&no_context, &["secrets"]);
    r.failed();
    assert!(r.error_line().contains("no current context"), "{r}");

    let r: Run = xtask(e.dir.path(), &["secrets"])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap()
        .into();
    r.failed();
    assert!(r.error_line().contains("kubectl is not installed"), "{r}");
    assert_eq!(
        r.stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1
    );
}

#[test]
fn policy_pub_deploy_applies_the_public_key_and_refuses_a_private_one() {
    let e = Env::new(&[NS]);
    let fixtures = workspace().join("tests/fixtures/cosign");
    let public = fixtures.join("cosign2-empty-password.pub");
    let private = fixtures.join("cosign2-empty-password.key");
    let r = e.run(&["policy-pub-deploy", "--key", private.to_str().unwrap()]);
    r.failed();
    assert!(r.error_line().contains("this is a private key"), "{r}");
    assert!(e.server.requests().is_empty());

    e.run(&["policy-pub-deploy", "--key", public.to_str().unwrap()])
        .ok();
    let cm = e.server.object("configmaps", NS, "policy-pub-key").unwrap();
    assert_eq!(
        cm["data"]["cosign.pub"],
        std::fs::read_to_string(&public).unwrap().as_str()
    );
    // Idempotent: the same object again.
    e.run(&["policy-pub-deploy", "--key", public.to_str().unwrap()])
        .ok();
    let again = e.server.object("configmaps", NS, "policy-pub-key").unwrap();
    assert_eq!(again["data"], cm["data"]);
    assert_eq!(again["metadata"]["labels"], cm["metadata"]["labels"]);
}

#[test]
fn deploy_keys_are_made_in_memory_labelled_and_kept_unless_rotated() {
    let e = Env::new(&[NS]);
    let r = e.run(&["deploy-key", "Not_A_Name"]);
    r.failed();
    assert!(
        r.error_line().contains("not a valid repository name"),
        "{r}"
    );

    let r = e.run(&["deploy-key", "platform-api"]);
    r.ok();
    let public = r.stdout.trim().to_string();
    assert!(
        public.starts_with("ssh-ed25519 ") && public.ends_with(" trustacks-platform-api"),
        "{r}"
    );
    assert_eq!(r.stdout.lines().count(), 1, "only the public key on stdout");
    assert!(r.stderr.contains("read-only deploy key"), "{r}");
    let s = e
        .server
        .object("secrets", NS, "platform-api-deploy-key")
        .unwrap();
    assert_eq!(s["type"], "kubernetes.io/ssh-auth");
    assert_eq!(
        s["metadata"]["labels"]["trustacks.io/role"],
        "git-deploy-key"
    );
    assert_eq!(s["metadata"]["labels"]["trustacks.io/repo"], "platform-api");
    let private_b64 = s["data"]["ssh-privatekey"].as_str().unwrap().to_string();
    assert!(!r.stdout.contains(&private_b64) && !r.stderr.contains("PRIVATE KEY"));

    // The stored private key is a real OpenSSH key whose public half is what was printed.
    require("ssh-keygen");
    let key_file = e.dir.path().join("id_check");
    let decoded = Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(private_b64.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap()
        .stdout;
    assert!(String::from_utf8_lossy(&decoded).starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&key_file)
            .unwrap();
        f.write_all(&decoded).unwrap();
    }
    let derived = Command::new("ssh-keygen")
        .args(["-y", "-f"])
        .arg(&key_file)
        .output()
        .unwrap();
    let derived = String::from_utf8_lossy(&derived.stdout);
    assert_eq!(
        derived.split_whitespace().nth(1),
        public.split_whitespace().nth(1)
    );

    // Kept unless --rotate.
    let r = e.run(&["deploy-key", "platform-api"]);
    r.ok();
    assert_eq!(r.stdout.trim(), public);
    assert!(r.stderr.contains("kept the existing"), "{r}");
    let r = e.run(&["deploy-key", "platform-api", "--rotate", "--read-write"]);
    r.ok();
    assert_ne!(r.stdout.trim(), public);
    assert!(r.stderr.contains("read-write deploy key"), "{r}");
    let s = e
        .server
        .object("secrets", NS, "platform-api-deploy-key")
        .unwrap();
    assert_ne!(s["data"]["ssh-privatekey"].as_str().unwrap(), private_b64);
    assert_eq!(
        s["metadata"]["annotations"]["trustacks.io/access"],
        "read-write"
    );
}

#[test]
fn every_manifest_validates_against_the_kubernetes_schemas() {
    let python = require("python3");
    let e = Env::new(&[]);
    e.env_file(&format!(
        "ANTHROPIC_API_KEY={CANARY_A}\nOPENROUTER_MODEL=m\n"
    ));
    e.run(&["secrets", "--create-namespace"]).ok();
    let public = workspace().join("tests/fixtures/cosign/cosign2-empty-password.pub");
    e.run(&["policy-pub-deploy", "--key", public.to_str().unwrap()])
        .ok();
    e.run(&["deploy-key", "platform-api"]).ok();
    let bodies = e.server.applied_bodies();
    assert_eq!(bodies.len(), 4, "namespace, secret, configmap, deploy key");
    for (i, body) in bodies.iter().enumerate() {
        let f = e.dir.path().join(format!("manifest-{i}.json"));
        std::fs::write(&f, body).unwrap();
        let out = Command::new(&python)
            .args(["-m", "kubernetes_validate", "--strict", "-k", "1.32.0"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubernetes-validate rejected {body}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_file(&f).unwrap();
    }
}

/// The guarantee: no secret value in any process's arguments, in our stdout or stderr, or in a
/// write to stdout/stderr by any process; only in what goes to kubectl's stdin (and on to the
/// API server).
#[test]
fn secret_values_never_leave_their_way_into_the_cluster() {
    let strace = require("strace");
    let e = Env::new(&[NS]);
    e.env_file(&format!(
        "ANTHROPIC_API_KEY={CANARY_A}\nOPENROUTER_API_KEY={CANARY_O}\nLLM_PROVIDER=anthropic\n"
    ));
    let trace = e.dir.path().join("trace");
    let out = Command::new(strace)
        .args(["-f", "-s", "1000000", "-e", "trace=execve,write", "-o"])
        .arg(&trace)
        .arg(e2e::xtask_bin())
        .arg("secrets")
        .current_dir(e.dir.path())
        .env("KUBECONFIG", &e.kubeconfig)
        .env("HOME", e.dir.path())
        .output()
        .unwrap();
    let r: Run = out.into();
    r.ok();
    let text = std::fs::read_to_string(&trace).unwrap();
    let forms = [
        CANARY_A.to_string(),
        CANARY_O.to_string(),
        b64(CANARY_A),
        b64(CANARY_O),
    ];
    let mut sent_to_kubectl = false;
    for line in text.lines() {
        let hit = forms.iter().any(|f| line.contains(f.as_str()));
        if !hit {
            continue;
        }
        // `PID syscall(...)`; threads have their own ids, so the pid is not used.
        let call = line.split_once(' ').map_or("", |(_, c)| c.trim_start());
        assert!(
            !call.starts_with("execve("),
            "a secret in a command line: {line:.200}"
        );
        assert!(
            !call.starts_with("write(1,") && !call.starts_with("write(2,"),
            "a secret written to stdout/stderr: {line:.200}"
        );
        // The manifest on kubectl's stdin is JSON (kubectl's own writes to the API server
        // socket are HTTP requests).
        if call.starts_with("write(") && call.contains(", \"{") {
            sent_to_kubectl = true;
        }
    }
    assert!(
        sent_to_kubectl,
        "the trace saw the manifest go to kubectl's stdin"
    );
    for f in &forms {
        assert!(!r.stdout.contains(f.as_str()) && !r.stderr.contains(f.as_str()));
    }
    // No file we could have written holds a value (the .env itself aside).
    for entry in std::fs::read_dir(e.dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() && p.file_name().unwrap() != ".env" && p != trace {
            let body = std::fs::read(&p).unwrap();
            let body = String::from_utf8_lossy(&body);
            assert!(
                forms.iter().all(|f| !body.contains(f.as_str())),
                "{}",
                p.display()
            );
        }
    }
}
