//! Runner readiness: `status` row by row in its ✓ and ✗ states, `git-credential`, the warnings
//! at the moment of harm, through the real kubectl against the in-test API server; bundles
//! published by the xtask itself (and one built by hand, signed with openssl); strace for values.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use e2e::apiserver::{self, ApiServer};
use e2e::{require, sample_copy, xtask, Run};
use serde_json::{json, Value};

const NS: &str = "trustacks-system";
const PW: &str = "runner-test-password";
const CANARY_A: &str = "sk-ant-CANARY5e1d7c3b9a";
const TOKEN: &str = "gitea-CANARY0a9b8c7d6e5f";
const WEBHOOK: &str = "whsec-CANARY11aa22bb33cc";

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
            dir: sample_copy(),
            kubeconfig,
        }
    }

    /// Over TLS, as the ServiceAccount bound by `rbac_args`' objects, with its token.
    fn with_rbac(rbac_args: &[&str]) -> Env {
        require("kubectl");
        require("openssl");
        let server = ApiServer::start_tls(&[]);
        let dir = sample_copy();
        let r: Run = xtask(dir.path(), &[&["rbac", "--json"][..], rbac_args].concat())
            .output()
            .unwrap()
            .into();
        r.ok();
        let list: Value = serde_json::from_str(&r.stdout).unwrap();
        let rules = apiserver::grants(list["items"].as_array().unwrap(), "trustacks-xtask", NS);
        assert!(!rules.is_empty(), "{r}");
        server.set_token("xtask-sa-token", Some(rules));
        let kubeconfig = server.kubeconfig_tls("xtask-sa-token");
        Env {
            server,
            dir,
            kubeconfig,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = xtask(self.dir.path(), args);
        c.env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.dir.path())
            .env("COSIGN_PASSWORD", PW);
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        self.cmd(args).output().unwrap().into()
    }

    fn run_stdin(&self, args: &[&str], input: &str) -> Run {
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().into()
    }

    /// `status --json` as rows: need → (ok, reason, fix).
    fn status(&self, extra: &[&str]) -> (Run, Vec<(String, bool, String, String)>) {
        let mut args = vec!["status", "--json"];
        args.extend_from_slice(extra);
        let r = self.run(&args);
        let j: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
        let rows = j["needs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["need"].as_str().unwrap().to_string(),
                    n["ok"].as_bool().unwrap(),
                    n["reason"].as_str().unwrap().to_string(),
                    n["fix"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        assert_eq!(j["ready"], r.code == 0, "{r}");
        (r, rows)
    }

    /// The row for `need`, asserting its state.
    fn row(&self, extra: &[&str], need: &str, ok: bool) -> (String, String) {
        let (r, rows) = self.status(extra);
        let (_, got, reason, fix) = rows
            .into_iter()
            .find(|(n, ..)| n == need)
            .unwrap_or_else(|| panic!("no row {need}: {r}"));
        assert_eq!(got, ok, "{need}: {reason} / {fix}\n{r}");
        if !ok {
            assert_eq!(r.code, 1, "{r}");
        }
        (reason, fix)
    }

    /// The grants `with_rbac` set up.
    fn server_rules(&self) -> Vec<apiserver::Rule> {
        let r = self.run(&["rbac", "--json"]);
        let list: Value = serde_json::from_str(&r.stdout).unwrap();
        apiserver::grants(list["items"].as_array().unwrap(), "trustacks-xtask", NS)
    }

    /// The operator's path in the README, from a fresh cluster to all four ✓.
    fn make_ready(&self) {
        self.write(".env", &format!("ANTHROPIC_API_KEY={CANARY_A}\n"));
        self.run(&["secrets", "--create-namespace"]).ok();
        self.run(&["deploy-key", "platform-api"]).ok();
        self.write("gitea.token", &format!("{TOKEN}\n"));
        self.run(&["git-credential", "gitea", "--token-file", "gitea.token"])
            .ok();
        self.run(&["policy-keys"]).ok();
        self.run(&["policy-pub-deploy"]).ok();
        self.run(&["policy-bundle", "--check-cluster"]).ok();
    }
}

fn b64(s: &str) -> String {
    e2e::b64::encode(s.as_bytes())
}

#[test]
fn from_a_fresh_cluster_to_all_four_ready() {
    let e = Env::new(&[]);
    let r = e.run(&["status"]);
    assert_eq!(r.code, 1, "{r}");
    let crosses: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("✗ ")).collect();
    assert_eq!(crosses.len(), 4, "{r}");
    let fixes: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("fix: "))
        .collect();
    assert_eq!(
        fixes,
        [
            "set ANTHROPIC_API_KEY in .env, then `cargo xtask secrets --create-namespace`",
            "cargo xtask deploy-key REPO",
            "cargo xtask git-credential gitea --token-file FILE (or github-app ...)",
            "cargo xtask policy-keys && cargo xtask policy-pub-deploy && cargo xtask policy-bundle --check-cluster",
        ],
        "{r}"
    );
    assert!(
        r.error_line()
            .ends_with("LLM provider, deploy keys, Git API credential, policy bundle"),
        "{r}"
    );
    assert!(
        r.stdout
            .starts_with("✗ LLM provider        namespace trustacks-system does not exist\n"),
        "{r}"
    );

    e.make_ready();
    let r = e.run(&["status"]);
    r.ok();
    let ticks: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("✓ ")).collect();
    assert_eq!(ticks.len(), 4, "{r}");
    assert!(
        r.stdout
            .contains("anthropic (inferred from the one key present), ANTHROPIC_API_KEY present"),
        "{r}"
    );
    assert!(r.stdout.contains("deploy keys         platform-api"), "{r}");
    assert!(r.stdout.contains("secret/gitea-api-token (token)"), "{r}");
    assert!(
        r.stdout.contains("oci:target/policy/oci@sha256:")
            && r.stdout.contains("verifies with the cluster's key"),
        "{r}"
    );
    for v in [CANARY_A, TOKEN, &b64(CANARY_A), &b64(TOKEN)] {
        assert!(!r.stdout.contains(v) && !r.stderr.contains(v));
    }
    // `secrets status` is the same view.
    let alias = e.run(&["secrets", "status"]);
    alias.ok();
    assert_eq!(alias.stdout, r.stdout);
    // No value ever crossed back: reads asked for templates only, and nothing was deleted.
    assert!(e.server.requests().iter().all(|q| q.method != "DELETE"));
}

#[test]
fn every_way_the_runner_falls_back_is_a_cross() {
    let e = Env::new(&[]);
    e.make_ready();
    let llm = |data: Value| {
        e.server.insert(
            "secrets",
            NS,
            json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                   "metadata": {"name": "trustacks-runner-llm", "namespace": NS}, "data": data}),
        )
    };

    // LLM provider: the provider chosen has no key; an unknown provider; openrouter with model.
    llm(json!({"LLM_PROVIDER": b64("openrouter"), "ANTHROPIC_API_KEY": b64(CANARY_A)}));
    let (reason, fix) = e.row(&[], "LLM provider", false);
    assert_eq!(
        reason,
        "LLM_PROVIDER is openrouter but OPENROUTER_API_KEY is not in secret/trustacks-runner-llm"
    );
    assert_eq!(fix, "set it in .env, then `cargo xtask secrets`");
    llm(json!({"LLM_PROVIDER": b64("openai\nx"), "ANTHROPIC_API_KEY": b64(CANARY_A)}));
    let (reason, _) = e.row(&[], "LLM provider", false);
    assert!(
        reason.contains("neither `anthropic` nor `openrouter`"),
        "{reason}"
    );
    llm(
        json!({"LLM_PROVIDER": b64("openrouter"), "OPENROUTER_API_KEY": b64(CANARY_A),
               "OPENROUTER_MODEL": b64("anthropic/claude-sonnet-4")}),
    );
    let (reason, _) = e.row(&[], "LLM provider", true);
    assert_eq!(
        reason,
        "openrouter (LLM_PROVIDER), OPENROUTER_API_KEY present, OPENROUTER_MODEL anthropic/claude-sonnet-4"
    );
    e.server.remove("secrets", NS, "trustacks-runner-llm");
    let (reason, _) = e.row(&[], "LLM provider", false);
    assert_eq!(reason, "secret/trustacks-runner-llm is missing");
    e.run(&["secrets"]).ok();

    // Deploy keys: a wrong label, a malformed public key, then fixed by the command shown.
    let mut key = e
        .server
        .object("secrets", NS, "platform-api-deploy-key")
        .unwrap();
    key["metadata"]["labels"]["trustacks.io/role"] = json!("deploy-key");
    e.server.insert("secrets", NS, key.clone());
    let (reason, fix) = e.row(&["-n", NS], "deploy keys", false);
    assert_eq!(
        reason,
        "secret/platform-api-deploy-key lacks label trustacks.io/role=git-deploy-key"
    );
    assert_eq!(fix, "cargo xtask deploy-key platform-api --rotate");
    key["metadata"]["labels"]["trustacks.io/role"] = json!("git-deploy-key");
    key["metadata"]["annotations"]["trustacks.io/public-key"] = json!("ssh-ed25519 AAAA!!!! x");
    e.server.insert("secrets", NS, key.clone());
    let (reason, _) = e.row(&[], "deploy keys", false);
    assert_eq!(
        reason,
        "secret/platform-api-deploy-key has a malformed public key"
    );
    e.run(&["deploy-key", "platform-api", "--rotate"]).ok();
    e.row(&[], "deploy keys", true);

    // Git API credential: an incomplete GitHub App Secret is a cross even beside a Gitea token.
    e.server.insert(
        "secrets",
        NS,
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
               "metadata": {"name": "trustacks-github-app", "namespace": NS},
               "data": {"app-id": b64("12345")}}),
    );
    let (reason, fix) = e.row(&[], "Git API credential", false);
    assert_eq!(
        reason,
        "secret/trustacks-github-app lacks private-key.pem, webhook-secret"
    );
    assert!(fix.starts_with("cargo xtask git-credential github-app --app-id ID"));
    e.server.remove("secrets", NS, "trustacks-github-app");
    e.row(&[], "Git API credential", true);

    // Key mismatch after --force: the warning names both follow-ups; --check-cluster refuses;
    // the status says so, and its fix brings everything back.
    let r = e.run(&["policy-keys", "--force"]);
    r.ok();
    assert!(
        r.stderr
            .contains("policy-pub-key ConfigMap and every published bundle must follow")
            && r.stderr.contains("cargo xtask policy-bundle --to REF")
            && r.stderr.contains("cargo xtask policy-pub-deploy"),
        "{r}"
    );
    let (reason, fix) = e.row(&[], "policy bundle", false);
    assert_eq!(
        reason,
        ".policy-keys/cosign.pub is not the cluster's key: the next bundle you publish will not verify"
    );
    assert_eq!(
        fix,
        "cargo xtask policy-bundle && cargo xtask policy-pub-deploy"
    );
    let before = e.server.requests().len();
    let r = e.run(&["policy-bundle", "--check-cluster"]);
    r.failed();
    assert!(
        r.error_line()
            .contains("refusing to sign: the cluster's configmap/policy-pub-key")
            && r.error_line().contains("nothing was pushed"),
        "{r}"
    );
    assert!(e.server.requests()[before..]
        .iter()
        .all(|q| q.method == "GET"));
    e.run(&["policy-bundle"]).ok();
    let r = e.run(&["policy-pub-deploy"]);
    r.ok();
    assert!(
        r.stderr.contains("warning: replacing a different key"),
        "{r}"
    );
    assert!(
        r.stdout.starts_with("replaced configmap/policy-pub-key"),
        "{r}"
    );
    let r = e.run(&["policy-pub-deploy"]);
    assert!(
        r.stdout.starts_with("unchanged: configmap/policy-pub-key")
            && !r.stderr.contains("warning"),
        "{r}"
    );
    e.run(&["status"]).ok();
    e.run(&["policy-bundle", "--check-cluster"]).ok();

    // Unsigned: the same bundle without its .sig.
    let unsigned = e.path("unsigned");
    e2e::copy_dir(&e.path("target/policy/oci"), &unsigned);
    let index_file = unsigned.join("index.json");
    let mut index: Value = serde_json::from_slice(&std::fs::read(&index_file).unwrap()).unwrap();
    index["manifests"].as_array_mut().unwrap().retain(|m| {
        !m["annotations"]["org.opencontainers.image.ref.name"]
            .as_str()
            .unwrap()
            .ends_with(".sig")
    });
    std::fs::write(&index_file, index.to_string()).unwrap();
    let (reason, fix) = e.row(
        &["--bundle-ref", "oci:unsigned:dev"],
        "policy bundle",
        false,
    );
    assert!(reason.contains("not signed"), "{reason}");
    assert_eq!(fix, "cargo xtask policy-bundle --to oci:unsigned:dev");

    // Signed with another key.
    let other = e.path("other-keys");
    e.run(&["policy-keys", "--dir", other.to_str().unwrap()])
        .ok();
    e.run(&[
        "policy-bundle",
        "--keys",
        other.to_str().unwrap(),
        "--to",
        "oci:other:dev",
    ])
    .ok();
    let (reason, _) = e.row(&["--bundle-ref", "oci:other:dev"], "policy bundle", false);
    assert!(
        reason.contains("no signature verifies with the key in configmap/policy-pub-key"),
        "{reason}"
    );
    // A reference that does not resolve.
    let (reason, _) = e.row(&["--bundle-ref", "oci:nowhere:dev"], "policy bundle", false);
    assert!(reason.contains("not found"), "{reason}");

    // An empty inventory, in a bundle properly signed with the cluster's key.
    require("openssl");
    let key = e.path("ec.pem");
    let public = e.path("ec.pub");
    openssl(
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
        ],
        &key,
    );
    let out = Command::new("openssl")
        .args(["ec", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public)
        .output()
        .unwrap();
    assert!(out.status.success());
    hand_made_layout(&e.path("empty"), &key, r#"{"count":0,"rules":[]}"#);
    e.run(&["policy-pub-deploy", "--key", "ec.pub"]).ok();
    let (reason, _) = e.row(
        &["--bundle-ref", "oci:empty:dev", "--key", "ec.pub"],
        "policy bundle",
        false,
    );
    assert!(
        reason.ends_with("empty rule inventory: the UI's rules page would be empty"),
        "{reason}"
    );
    hand_made_layout(&e.path("full"), &key, r#"{"count":1,"rules":[{"id":"x"}]}"#);
    e.row(
        &["--bundle-ref", "oci:full:dev", "--key", "ec.pub"],
        "policy bundle",
        true,
    );

    // The cluster's key is gone.
    e.server.remove("configmaps", NS, "policy-pub-key");
    let (reason, fix) = e.row(&[], "policy bundle", false);
    assert!(
        reason.contains("configmap/policy-pub-key cosign.pub is missing"),
        "{reason}"
    );
    assert_eq!(fix, "cargo xtask policy-pub-deploy");
    let r = e.run(&["policy-bundle", "--check-cluster", "--to", "oci:never:dev"]);
    r.failed();
    assert!(
        r.error_line()
            .contains("refusing to sign: there is no configmap/policy-pub-key in trustacks-system"),
        "{r}"
    );
    assert!(!e.path("never").exists(), "nothing was pushed");
}

fn openssl(args: &[&str], out: &Path) {
    let o = Command::new("openssl")
        .args(args)
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An OCI layout holding an OPA bundle with the given inventory, tagged `dev`, with a cosign
/// signature made by openssl with `key`: independent of the xtask's own signing code.
fn hand_made_layout(root: &Path, key: &Path, inventory: &str) {
    std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    let put = |bytes: &[u8]| -> (String, usize) {
        let hex = sha256_hex(bytes);
        std::fs::write(root.join("blobs/sha256").join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let mut tar = tar::Builder::new(Vec::new());
    for (name, body) in [
        ("/.manifest", r#"{"revision":"","roots":["x"]}"#),
        ("/x/p.rego", "package x\n"),
        ("/rule_inventory.json", inventory),
    ] {
        let mut h = tar::Header::new_gnu();
        h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append(&h, body.as_bytes()).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar.into_inner().unwrap()).unwrap();
    let (layer, layer_size) = put(&gz.finish().unwrap());
    let (config, config_size) = put(b"{}");
    let manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": layer_size}],
    })
    .to_string();
    let (digest, size) = put(manifest.as_bytes());
    let payload = json!({"critical": {"identity": {"docker-reference": "x"},
        "image": {"docker-manifest-digest": digest}, "type": "cosign container image signature"},
        "optional": null})
    .to_string();
    let payload_file = root.join("payload");
    std::fs::write(&payload_file, &payload).unwrap();
    let sig = Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(key)
        .arg(&payload_file)
        .output()
        .unwrap();
    assert!(sig.status.success());
    std::fs::remove_file(&payload_file).unwrap();
    let (payload_digest, payload_size) = put(payload.as_bytes());
    let sig_manifest = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": config_size},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                    "digest": payload_digest, "size": payload_size,
                    "annotations": {"dev.cosignproject.cosign/signature": e2e::b64::encode(&sig.stdout)}}],
    })
    .to_string();
    let (sig_digest, sig_size) = put(sig_manifest.as_bytes());
    let tag = |d: &str, s: usize, name: String| {
        json!({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d, "size": s,
               "annotations": {"org.opencontainers.image.ref.name": name}})
    };
    let index = json!({"schemaVersion": 2, "manifests": [
        tag(&digest, size, "dev".into()),
        tag(&sig_digest, sig_size, format!("sha256-{}.sig", &digest[7..])),
    ]});
    std::fs::write(root.join("index.json"), index.to_string()).unwrap();
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

#[test]
fn git_credentials_from_files_stdin_and_env_replaced_in_place() {
    let e = Env::new(&[NS]);
    // From a file, then rotated from stdin: the same object, the new value, no delete.
    e.write("t1", &format!("{TOKEN}\n"));
    let r = e.run(&["git-credential", "gitea", "--token-file", "t1"]);
    r.ok();
    assert!(
        r.stdout
            .starts_with("applied secret/gitea-api-token in trustacks-system with token"),
        "{r}"
    );
    let s = e.server.object("secrets", NS, "gitea-api-token").unwrap();
    assert_eq!(s["data"]["token"], b64(TOKEN));
    assert_eq!(s["type"], "Opaque");
    let r = e.run_stdin(
        &["git-credential", "gitea", "--token-file", "-"],
        "rotated-token-2\n",
    );
    r.ok();
    let s2 = e.server.object("secrets", NS, "gitea-api-token").unwrap();
    assert_eq!(s2["data"]["token"], b64("rotated-token-2"));
    assert_eq!(s2["metadata"]["uid"], s["metadata"]["uid"]);
    assert_ne!(
        s2["metadata"]["annotations"]["trustacks.io/content-sha256"],
        s["metadata"]["annotations"]["trustacks.io/content-sha256"]
    );
    // From .env.
    e.write(".env", &format!("GITEA_API_TOKEN={TOKEN}\n"));
    e.run(&["git-credential", "gitea"]).ok();
    assert_eq!(
        e.server.object("secrets", NS, "gitea-api-token").unwrap()["data"]["token"],
        b64(TOKEN)
    );

    // GitHub App: an RSA key from openssl; --dry-run redacts.
    require("openssl");
    openssl(&["genrsa", "-traditional", "-out"], &e.path("app.pem"));
    let pem = std::fs::read_to_string(e.path("app.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    e.write("hook", WEBHOOK);
    let args = [
        "git-credential",
        "github-app",
        "--app-id",
        "123456",
        "--private-key",
        "app.pem",
        "--webhook-secret-file",
        "hook",
    ];
    let before = e.server.requests().len();
    let r = e.run(&[&args[..], &["--dry-run"]].concat());
    r.ok();
    let m: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(m["metadata"]["name"], "trustacks-github-app");
    assert_eq!(
        m["data"]["webhook-secret"],
        format!("<redacted, {} bytes>", WEBHOOK.len())
    );
    assert!(!r.stdout.contains(WEBHOOK) && !r.stdout.contains("PRIVATE KEY"));
    assert_eq!(
        e.server.requests().len(),
        before,
        "dry run: cluster untouched"
    );
    e.run(&args).ok();
    let s = e
        .server
        .object("secrets", NS, "trustacks-github-app")
        .unwrap();
    let keys: Vec<&String> = s["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["app-id", "private-key.pem", "webhook-secret"]);
    assert_eq!(
        String::from_utf8(e2e::b64::decode(
            s["data"]["private-key.pem"].as_str().unwrap()
        ))
        .unwrap(),
        pem
    );

    // Not an RSA key, or not a number: refused before the cluster is contacted.
    openssl(
        &["genpkey", "-algorithm", "ed25519", "-out"],
        &e.path("ed.pem"),
    );
    let before = e.server.requests().len();
    for (bad, want) in [
        (
            ["--app-id", "123456", "--private-key", "ed.pem"],
            "ed.pem: not an RSA key",
        ),
        (
            ["--app-id", "123456", "--private-key", "hook"],
            "hook: not a PEM private key",
        ),
        (
            ["--app-id", "12ab", "--private-key", "app.pem"],
            "must be a number",
        ),
    ] {
        let r = e.run(
            &[
                &["git-credential", "github-app"][..],
                &bad,
                &["--webhook-secret-file", "hook"],
            ]
            .concat(),
        );
        r.failed();
        assert!(r.error_line().contains(want), "{r}");
        assert!(!r.stderr.contains(WEBHOOK));
    }
    let r = e.run(&[
        "git-credential",
        "github-app",
        "--app-id",
        "1",
        "--private-key",
        "app.pem",
        "--env-file",
        "nothing.env",
    ]);
    assert!(
        r.error_line().contains("no GITHUB_WEBHOOK_SECRET: pass --webhook-secret-file FILE, or set GITHUB_WEBHOOK_SECRET in nothing.env"),
        "{r}"
    );
    assert_eq!(e.server.requests().len(), before);
    e.row(&[], "Git API credential", true);
}

/// No API key, webhook secret or private key in any process's argv, nor written to any
/// stdout/stderr; only kubectl's stdin carries them.
#[test]
fn git_credential_values_never_leave_their_way_into_the_cluster() {
    let strace = require("strace");
    require("openssl");
    let e = Env::new(&[NS]);
    openssl(&["genrsa", "-traditional", "-out"], &e.path("app.pem"));
    let pem = std::fs::read_to_string(e.path("app.pem")).unwrap();
    let pem_line = pem.lines().nth(3).unwrap().to_string();
    e.write(".env", &format!("ANTHROPIC_API_KEY={CANARY_A}\nGITHUB_APP_ID=42\nGITHUB_APP_PRIVATE_KEY_FILE=app.pem\nGITHUB_WEBHOOK_SECRET={WEBHOOK}\n"));
    let trace = e.path("trace");
    let mut seen_stdin = false;
    for args in [
        &["secrets"][..],
        &["git-credential", "github-app"],
        &["status"],
    ] {
        let out = Command::new(&strace)
            .args(["-f", "-s", "1000000", "-e", "trace=execve,write", "-o"])
            .arg(&trace)
            .arg(e2e::xtask_bin())
            .args(args)
            .current_dir(e.dir.path())
            .env("KUBECONFIG", &e.kubeconfig)
            .env("HOME", e.dir.path())
            .output()
            .unwrap();
        let r: Run = out.into();
        let text = std::fs::read_to_string(&trace).unwrap();
        let forms = [
            WEBHOOK.to_string(),
            b64(WEBHOOK),
            pem_line.clone(),
            b64(&pem),
            CANARY_A.to_string(),
            b64(CANARY_A),
        ];
        for line in text.lines() {
            if !forms.iter().any(|f| line.contains(f.as_str())) {
                continue;
            }
            let call = line.split_once(' ').map_or("", |(_, c)| c.trim_start());
            assert!(
                !call.starts_with("execve("),
                "a secret in a command line: {line:.200}"
            );
            assert!(
                !call.starts_with("write(1,") && !call.starts_with("write(2,"),
                "a secret written to stdout/stderr: {line:.200}"
            );
            seen_stdin |= call.starts_with("write(") && call.contains(", \"{");
        }
        for f in &forms {
            assert!(
                !r.stdout.contains(f.as_str()) && !r.stderr.contains(f.as_str()),
                "{r}"
            );
        }
    }
    assert!(seen_stdin, "the manifest went to kubectl's stdin");
}

/// Every cluster command passes with exactly the rights `cargo xtask rbac` prints, over TLS
/// with a ServiceAccount token; every right printed is used; one right fewer fails.
#[test]
fn rbac_grants_exactly_what_the_commands_use() {
    let e = Env::with_rbac(&["--create-namespace"]);
    e.make_ready(); // secrets --create-namespace, deploy-key, git-credential gitea, policy-*
    e.run(&["secrets"]).ok();
    e.run(&["deploy-key", "platform-api"]).ok();
    e.run(&["deploy-key", "platform-api", "--rotate"]).ok();
    e.run(&["policy-pub-deploy"]).ok();
    require("openssl");
    openssl(&["genrsa", "-out"], &e.path("app.pem"));
    e.write("hook", WEBHOOK);
    e.run(&[
        "git-credential",
        "github-app",
        "--app-id",
        "7",
        "--private-key",
        "app.pem",
        "--webhook-secret-file",
        "hook",
    ])
    .ok();
    e.run(&["status"]).ok();
    e.run(&["secrets", "status"]).ok();

    // kubectl answers a NotFound `get` by asking whether the namespace exists, to word its
    // error; refused, it reports the NotFound as is. That probe is the only refusal allowed.
    let decisions = e.server.decisions();
    let denied: Vec<_> = decisions
        .iter()
        .filter(|d| !(d.allowed || (d.resource == "namespaces" && d.verb == "get")))
        .collect();
    assert!(denied.is_empty(), "{denied:?}");
    let mut used: Vec<(String, String)> = decisions
        .iter()
        .filter(|d| d.allowed)
        .map(|d| (d.resource.clone(), d.verb.clone()))
        .collect();
    used.sort();
    used.dedup();
    let r = e.run(&["rbac", "--create-namespace", "--json"]);
    let list: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut granted: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["kind"] == "Role" || o["kind"] == "ClusterRole")
        .flat_map(|o| o["rules"].as_array().unwrap().clone())
        .flat_map(|rule| {
            let verbs = rule["verbs"].as_array().unwrap().clone();
            rule["resources"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|res| {
                    verbs
                        .iter()
                        .map(|v| {
                            (
                                res.as_str().unwrap().to_string(),
                                v.as_str().unwrap().to_string(),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>()
        })
        .collect();
    granted.sort();
    granted.dedup();
    assert_eq!(used, granted, "every right granted is used, and no other");

    // Without --create-namespace in the rbac, creating the namespace is refused, in one line.
    let e = Env::with_rbac(&[]);
    e.write(".env", &format!("ANTHROPIC_API_KEY={CANARY_A}\n"));
    let r = e.run(&["secrets", "--create-namespace"]);
    r.failed();
    assert!(
        r.error_line().contains("the cluster refused") && r.error_line().contains("RBAC"),
        "{r}"
    );

    // One right fewer: a command that needs it fails.
    let mut rules = e.server_rules();
    for rule in &mut rules {
        rule.verbs
            .retain(|v| !(rule.resources == ["secrets"] && v == "list"));
    }
    e.server.set_token("xtask-sa-token", Some(rules));
    let r = e.run(&["status"]);
    r.failed();
    assert!(
        r.error_line().contains("cannot list resource \"secrets\""),
        "{r}"
    );

    // A token the cluster does not know.
    let stranger = e.server.kubeconfig_tls("unknown-token");
    let r: Run = xtask(e.dir.path(), &["status"])
        .env("KUBECONFIG", &stranger)
        .output()
        .unwrap()
        .into();
    r.failed();
    assert!(
        r.error_line().contains("did not accept your credentials"),
        "{r}"
    );
}

/// The Secrets `git-credential` applies and the objects `rbac` prints pass the Kubernetes 1.32
/// schemas (`kubernetes-validate --strict`).
#[test]
fn new_manifests_validate_against_the_kubernetes_schemas() {
    let python = require("python3");
    require("openssl");
    let e = Env::new(&[NS]);
    e.write("t", TOKEN);
    e.run(&["git-credential", "gitea", "--token-file", "t"])
        .ok();
    openssl(&["genrsa", "-out"], &e.path("app.pem"));
    e.write("hook", WEBHOOK);
    e.run(&[
        "git-credential",
        "github-app",
        "--app-id",
        "7",
        "--private-key",
        "app.pem",
        "--webhook-secret-file",
        "hook",
    ])
    .ok();
    let mut files = Vec::new();
    for (i, body) in e.server.applied_bodies().iter().enumerate() {
        files.push(e.write(&format!("m{i}.json"), body));
    }
    assert_eq!(files.len(), 2);
    let r = e.run(&["rbac", "--create-namespace"]);
    r.ok();
    assert_eq!(r.stdout.matches("---\n").count(), 5, "{r}");
    files.push(e.write("rbac.yaml", &r.stdout));
    for f in files {
        let out = Command::new(&python)
            .args(["-m", "kubernetes_validate", "--strict", "-k", "1.32.0"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubernetes-validate rejected {}:\n{}{}",
            std::fs::read_to_string(&f).unwrap(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The bundle row against a real registry: what the Runner pulls, verified with the cluster's
/// key; a registry that is down is a ✗ with the publish command, not a crash.
#[test]
fn status_checks_the_bundle_in_a_registry() {
    let mut reg = e2e::registry::TestRegistry::start();
    let e = Env::new(&[]);
    e.make_ready();
    let to = format!("{}/trustacks/policy/constitution:dev", reg.addr);
    e.run(&["policy-bundle", "--check-cluster", "--to", &to])
        .ok();
    let started = std::time::Instant::now();
    let (reason, _) = e.row(&["--bundle-ref", &to], "policy bundle", true);
    eprintln!("status with a registry bundle: {:?}", started.elapsed());
    assert!(
        reason.starts_with(&format!(
            "{}/trustacks/policy/constitution@sha256:",
            reg.addr
        )),
        "{reason}"
    );
    // POLICY_REF is the default, as for policy-bundle.
    let r: Run = e
        .cmd(&["status"])
        .env("POLICY_REF", &to)
        .output()
        .unwrap()
        .into();
    r.ok();
    assert!(r.stdout.contains(&reg.addr), "{r}");
    reg.stop();
    let (_, fix) = e.row(&["--bundle-ref", &to], "policy bundle", false);
    assert_eq!(fix, format!("cargo xtask policy-bundle --to {to}"));
}
