//! `status`: is the Runner ready? One row per thing it needs (LLM provider, deploy keys, Git API
//! credential, signed policy bundle), each ✓ or ✗ with a one-line reason and the command that
//! fixes it. Only names, labels, settings and public keys cross from kubectl, never a secret.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};
use p256::PublicKey;
use serde_json::json;

use crate::cluster::deploy_key::{PUBLIC_KEY_ANNOTATION, REPO_LABEL, ROLE_LABEL};
use crate::cluster::git_credential::{
    GITEA_SECRET, GITEA_TOKEN_KEY, GITHUB_APP_KEYS, GITHUB_APP_SECRET,
};
use crate::cluster::kube::{Kubectl, NamespaceMissing};
use crate::cluster::policy_pub_deploy::{cluster_key, ClusterKey};
use crate::cluster::secrets::{PUB_KEY_CONFIGMAP, PUB_KEY_ENTRY, SECRET_NAME};
use crate::cosign::{keydir, signature};
use crate::oci::{self, Target};
use crate::release::{publish, verify};

pub struct Options {
    pub context: Option<String>,
    pub namespace: String,
    /// Default: `POLICY_REF`, else where `policy-bundle` publishes by default.
    pub bundle_ref: Option<String>,
    pub key: PathBuf,
    pub net: crate::oci::net::Options,
    pub json: bool,
    pub log: signature::LogArgs,
}

/// One Runner need.
#[derive(Debug)]
pub struct Row {
    pub need: &'static str,
    pub ok: bool,
    /// One line: what is there, or what is wrong. Never a secret value.
    pub reason: String,
    /// The command that fixes a ✗.
    pub fix: Option<String>,
}

impl Row {
    fn ok(need: &'static str, reason: String) -> Row {
        Row {
            need,
            ok: true,
            reason,
            fix: None,
        }
    }
    fn bad(need: &'static str, reason: String, fix: String) -> Row {
        Row {
            need,
            ok: false,
            reason,
            fix: Some(fix),
        }
    }
}

/// What one Secret shows us: everything but its values.
#[derive(Debug, Default, Clone)]
pub struct SecretInfo {
    pub name: String,
    pub role: Option<String>,
    pub repo: Option<String>,
    pub public_key: Option<String>,
    pub kind: String,
    pub keys: Vec<String>,
    /// `LLM_PROVIDER` and `OPENROUTER_MODEL` of the LLM Secret: settings, not secrets.
    pub provider: Option<String>,
    pub model: Option<String>,
}

/// One `kubectl get secrets` for the whole namespace. The template prints, per Secret, its
/// name, two labels, the public-key annotation, its type, its key names, and (for the LLM
/// Secret only) the two settings; free text goes through `%q`, so one Secret is one line.
fn secrets_template() -> String {
    let label =
        |l: &str| format!("[[with .metadata.labels]][[with index . \"{l}\"]][[.]][[end]][[end]]");
    let setting = |k: &str| {
        format!(
            "[[if eq .metadata.name \"{SECRET_NAME}\"]][[with .data]][[with index . \"{k}\"]]\
             [[printf \"%q\" (base64decode .)]][[end]][[end]][[end]]"
        )
    };
    let fields = [
        "[[.metadata.name]]".to_string(),
        label(ROLE_LABEL),
        label(REPO_LABEL),
        format!("[[with .metadata.annotations]][[with index . \"{PUBLIC_KEY_ANNOTATION}\"]][[printf \"%q\" .]][[end]][[end]]"),
        "[[.type]]".to_string(),
        "[[range $k, $v := .data]][[$k]],[[end]]".to_string(),
        setting("LLM_PROVIDER"),
        setting("OPENROUTER_MODEL"),
    ];
    // `[[ ]]` stand for Go's `{{ }}`, which Rust's format! would want doubled.
    format!("[[range .items]]{}\n[[end]]", fields.join("\t"))
        .replace("[[", "{{")
        .replace("]]", "}}")
}

/// Parses the template's output; lines that do not have the expected shape are skipped.
pub fn parse_secrets(out: &str) -> Vec<SecretInfo> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    out.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [name, role, repo, public_key, kind, keys, provider, model] = f.as_slice() else {
                return None;
            };
            Some(SecretInfo {
                name: name.to_string(),
                role: opt(role),
                repo: opt(repo),
                public_key: opt(public_key).map(|q| unquote(&q)),
                kind: kind.to_string(),
                keys: keys
                    .split(',')
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect(),
                provider: opt(provider).map(|q| unquote(&q)),
                model: opt(model).map(|q| unquote(&q)),
            })
        })
        .collect()
}

/// Undoes Go's `%q` for the plain strings we expect; anything with other escapes stays quoted
/// (and then fails the check it is meant for).
fn unquote(q: &str) -> String {
    match q.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) if !inner.replace("\\\\", "").replace("\\\"", "").contains('\\') => {
            inner.replace("\\\"", "\"").replace("\\\\", "\\")
        }
        _ => q.to_string(),
    }
}

/// The `--context`/`-n` a fix command needs to act where this status looked.
fn where_args(context: &Option<String>, namespace: &str) -> String {
    let mut s = String::new();
    if let Some(c) = context {
        s.push_str(&format!(" --context {c}"));
    }
    if namespace != crate::DEFAULT_NAMESPACE {
        s.push_str(&format!(" -n {namespace}"));
    }
    s
}

const PROVIDERS: [(&str, &str); 2] = [
    ("anthropic", "ANTHROPIC_API_KEY"),
    ("openrouter", "OPENROUTER_API_KEY"),
];

/// The LLM provider row: the provider the Runner will use has its key.
pub fn llm_row(llm: Option<&SecretInfo>, w: &str) -> Row {
    const NEED: &str = "LLM provider";
    let fix = format!("set it in .env, then `cargo xtask secrets{w}`");
    let Some(s) = llm else {
        return Row::bad(NEED, format!("secret/{SECRET_NAME} is missing"), fix);
    };
    let has = |k: &str| s.keys.iter().any(|x| x == k);
    let present: Vec<&(&str, &str)> = PROVIDERS.iter().filter(|(_, k)| has(k)).collect();
    let (provider, how) = match (&s.provider, present.as_slice()) {
        (Some(p), _) => match PROVIDERS.iter().find(|(n, _)| n == p) {
            Some(found) => (found, "LLM_PROVIDER"),
            None => {
                return Row::bad(
                    NEED,
                    "LLM_PROVIDER is neither `anthropic` nor `openrouter`".into(),
                    fix,
                )
            }
        },
        (None, [one]) => (*one, "inferred from the one key present"),
        (None, []) => {
            return Row::bad(
                NEED,
                format!(
                    "secret/{SECRET_NAME} holds neither ANTHROPIC_API_KEY nor OPENROUTER_API_KEY"
                ),
                fix,
            )
        }
        (None, _) => {
            return Row::bad(
                NEED,
                "both provider keys and no LLM_PROVIDER: the choice is ambiguous".into(),
                fix,
            )
        }
    };
    let (name, key) = provider;
    if !has(key) {
        return Row::bad(
            NEED,
            format!("LLM_PROVIDER is {name} but {key} is not in secret/{SECRET_NAME}"),
            fix,
        );
    }
    let model = if *name == "openrouter" {
        match &s.model {
            Some(m) if m.len() <= 100 && m.chars().all(|c| c.is_ascii_graphic()) => {
                format!(", OPENROUTER_MODEL {m}")
            }
            Some(_) => ", OPENROUTER_MODEL set".into(),
            None => ", OPENROUTER_MODEL not set (the Runner's default)".into(),
        }
    } else {
        String::new()
    };
    Row::ok(NEED, format!("{name} ({how}), {key} present{model}"))
}

/// The deploy-keys row: every `*-deploy-key` Secret (or any Secret with the role label) is
/// labelled as the Runner selects it, and its public half parses as ed25519.
pub fn deploy_row(all: &[SecretInfo], w: &str) -> Row {
    const NEED: &str = "deploy keys";
    let candidates: Vec<&SecretInfo> = all
        .iter()
        .filter(|s| s.name.ends_with("-deploy-key") || s.role.is_some())
        .collect();
    if candidates.is_empty() {
        return Row::bad(
            NEED,
            "no deploy key: the Runner can reach no repository".into(),
            format!("cargo xtask deploy-key REPO{w}"),
        );
    }
    let mut repos = Vec::new();
    for s in candidates {
        let repo = s
            .name
            .strip_suffix("-deploy-key")
            .or(s.repo.as_deref())
            .unwrap_or(&s.name)
            .to_string();
        let rotate = format!("cargo xtask deploy-key {repo} --rotate{w}");
        let problem = if s.role.as_deref() != Some("git-deploy-key") {
            Some(format!("lacks label {ROLE_LABEL}=git-deploy-key"))
        } else if s.repo.as_deref() != Some(repo.as_str()) {
            Some(format!("lacks label {REPO_LABEL}={repo}"))
        } else if s.kind != "kubernetes.io/ssh-auth" {
            Some(format!("is of type {}, not kubernetes.io/ssh-auth", s.kind))
        } else if !s.keys.iter().any(|k| k == "ssh-privatekey") {
            Some("holds no ssh-privatekey".to_string())
        } else {
            match s
                .public_key
                .as_deref()
                .map(ssh_key::PublicKey::from_openssh)
            {
                None => Some(format!("has no {PUBLIC_KEY_ANNOTATION} annotation")),
                Some(Ok(k)) if k.algorithm() == ssh_key::Algorithm::Ed25519 => None,
                Some(Ok(k)) => Some(format!("holds a {} key, not ed25519", k.algorithm())),
                Some(Err(_)) => Some("has a malformed public key".to_string()),
            }
        };
        if let Some(p) = problem {
            return Row::bad(NEED, format!("secret/{} {p}", s.name), rotate);
        }
        repos.push(repo);
    }
    Row::ok(NEED, repos.join(", "))
}

/// The Git API row: `gitea-api-token` with its token, or the GitHub App Secret with all three.
pub fn git_row(all: &[SecretInfo], w: &str) -> Row {
    const NEED: &str = "Git API credential";
    let find = |n: &str| all.iter().find(|s| s.name == n);
    let gitea = find(GITEA_SECRET);
    let app = find(GITHUB_APP_SECRET);
    if let Some(s) = app {
        let missing: Vec<&str> = GITHUB_APP_KEYS
            .iter()
            .filter(|k| !s.keys.iter().any(|x| x == *k))
            .copied()
            .collect();
        if missing.is_empty() {
            return Row::ok(
                NEED,
                format!(
                    "secret/{GITHUB_APP_SECRET} ({})",
                    GITHUB_APP_KEYS.join(", ")
                ),
            );
        }
        // Incomplete even beside a Gitea token: a Runner in GitHub mode would fail on it.
        return Row::bad(
            NEED,
            format!("secret/{GITHUB_APP_SECRET} lacks {}", missing.join(", ")),
            format!("cargo xtask git-credential github-app --app-id ID --private-key FILE --webhook-secret-file FILE{w}"),
        );
    }
    match gitea {
        Some(s) if s.keys.iter().any(|k| k == GITEA_TOKEN_KEY) => {
            Row::ok(NEED, format!("secret/{GITEA_SECRET} ({GITEA_TOKEN_KEY})"))
        }
        Some(_) => Row::bad(
            NEED,
            format!("secret/{GITEA_SECRET} lacks {GITEA_TOKEN_KEY}"),
            format!("cargo xtask git-credential gitea --token-file FILE{w}"),
        ),
        None => Row::bad(
            NEED,
            format!("neither secret/{GITEA_SECRET} nor secret/{GITHUB_APP_SECRET} exists"),
            format!("cargo xtask git-credential gitea --token-file FILE{w} (or github-app ...)"),
        ),
    }
}

/// The bundle as the Runner's init container takes it: resolved, verified with the cluster's
/// key, its layer checked, extracted; then its inventory counted. Returns the rule count.
pub fn check_bundle(
    reference: &str,
    key: &PublicKey,
    net: &crate::oci::net::Options,
    log: &signature::LogArgs,
) -> Result<(String, usize, String)> {
    let target = Target::parse(reference)?;
    let log = signature::LogPolicy::new(log, &target)?;
    let mut store = oci::open(&target, net)?;
    let (digest, manifest) = verify::resolve(store.as_mut(), &target)?;
    let shown = target.with(&digest);
    let verified = crate::cosign::sigbundle::verify_either(
        store.as_mut(),
        &digest,
        key,
        &format!("the key in configmap/{PUB_KEY_CONFIGMAP}"),
        &shown,
        &log,
        true,
    )?;
    // What the log says, in a few words for the row.
    let tlog = match (&verified.entry, log.ignore && verified.logged) {
        (_, true) => "; transparency log not checked (--insecure-ignore-tlog)".to_string(),
        (Some(e), false) => format!("; log entry {} verified", e.log_index),
        (None, false) => {
            eprintln!("{}", signature::no_entry_warning(&shown));
            "; NO transparency-log entry: cosign's default verify refuses it unless \
             --insecure-ignore-tlog"
                .to_string()
        }
    };
    let (_, bytes) = verify::fetch_bundle_layer(store.as_mut(), &manifest, &shown)?;
    let tmp = tempfile::tempdir().context("temp dir")?;
    let dir = tmp.path().join("bundle");
    verify::extract(&bytes, &dir).with_context(|| format!("{shown}: not extractable"))?;
    let inventory = std::fs::read(dir.join("rule_inventory.json")).map_err(|_| {
        anyhow!("{shown}: no rule_inventory.json: the UI's rules page would be empty")
    })?;
    let v: serde_json::Value = serde_json::from_slice(&inventory)
        .map_err(|_| anyhow!("{shown}: rule_inventory.json is not JSON"))?;
    // Ours is `{"count": N, "rules": [...]}`; a bare list is counted too.
    let rules = v["rules"].as_array().or(v.as_array()).map_or(0, Vec::len);
    if rules == 0 {
        bail!("{shown}: empty rule inventory: the UI's rules page would be empty");
    }
    Ok((shown, rules, tlog))
}

/// The policy-bundle row: the cluster holds a key, the bundle verifies with it (exactly as the
/// Runner checks), and the local key is the cluster's (so the next publish verifies too).
pub fn bundle_row(
    cluster: ClusterKey,
    local: Option<Result<PublicKey>>,
    o: &Options,
    reference: &str,
) -> Row {
    const NEED: &str = "policy bundle";
    let w = where_args(&o.context, &o.namespace);
    let keyflag = if o.key.as_os_str() == ".policy-keys/cosign.pub" {
        String::new()
    } else {
        format!(" --key {}", o.key.display())
    };
    let to = if reference == publish::DEFAULT_REF {
        String::new()
    } else {
        format!(" --to {reference}")
    };
    let deploy = format!("cargo xtask policy-pub-deploy{keyflag}{w}");
    let publish = format!("cargo xtask policy-bundle{to}");
    let cluster = match cluster {
        ClusterKey::Holds(k) => k,
        // No key anywhere yet: make one, give it to the cluster, publish a bundle signed with it.
        ClusterKey::Missing if local.is_none() => return Row::bad(
            NEED,
            format!("configmap/{PUB_KEY_CONFIGMAP} {PUB_KEY_ENTRY} is missing: the Runner cannot verify any bundle"),
            format!("cargo xtask policy-keys && {deploy} && {publish} --check-cluster{w}"),
        ),
        ClusterKey::Missing => return Row::bad(
            NEED,
            format!("configmap/{PUB_KEY_CONFIGMAP} {PUB_KEY_ENTRY} is missing: the Runner cannot verify any bundle"),
            deploy,
        ),
        ClusterKey::Malformed => return Row::bad(
            NEED,
            format!("configmap/{PUB_KEY_CONFIGMAP} {PUB_KEY_ENTRY} is not a P-256 public key"),
            deploy,
        ),
    };
    let local = match local {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            return Row::bad(
                NEED,
                format!("{e:#}"),
                format!(
                    "restore {} from your key directory, or pass --key FILE",
                    o.key.display()
                ),
            )
        }
        None => None,
    };
    let same = local.as_ref().map(|l| *l == cluster);
    match check_bundle(reference, &cluster, &o.net, &o.log) {
        Err(e) => {
            let why = format!("{e:#}");
            // Rotated keys: sign with the new key first (signatures are appended, so the
            // bundle verifies with both), then move the cluster to it.
            let fix = if same == Some(false) {
                format!("{publish} && {deploy}")
            } else {
                publish
            };
            Row::bad(NEED, why, fix)
        }
        Ok((shown, rules, tlog)) => match same {
            Some(false) => Row::bad(
                NEED,
                format!(
                    "{} is not the cluster's key: the next bundle you publish will not verify",
                    o.key.display()
                ),
                format!("{publish} && {deploy}"),
            ),
            _ => {
                let note = if same.is_none() {
                    format!(" ({} not compared: absent)", o.key.display())
                } else {
                    String::new()
                };
                Row::ok(
                    NEED,
                    format!("{shown} verifies with the cluster's key, {rules} rules{note}{tlog}"),
                )
            }
        },
    }
}

pub fn status(o: &Options) -> Result<()> {
    let k = Kubectl::new(o.context.clone(), &o.namespace)?;
    let k2 = Kubectl::new(o.context.clone(), &o.namespace)?;
    let w = where_args(&o.context, &o.namespace);
    // The two kubectl calls run side by side: each pays kubectl's start and discovery.
    let (secrets, cluster) = std::thread::scope(|s| {
        let secrets = s.spawn(move || k.list("secret", "", &secrets_template()));
        let cluster = cluster_key(&k2);
        let secrets = secrets
            .join()
            .unwrap_or_else(|_| Err(anyhow!("kubectl get secrets: the reader thread failed")));
        (secrets, cluster)
    });
    let all = parse_secrets(&secrets?);
    // kubectl reports a missing namespace on a `get`, not on a list: a fresh cluster is all ✗.
    let (cluster, no_namespace) = match cluster {
        Ok(c) => (c, false),
        Err(e) if e.is::<NamespaceMissing>() => (ClusterKey::Missing, true),
        Err(e) => return Err(e),
    };
    let local = o.key.exists().then(|| keydir::read_public(&o.key));
    let reference = o
        .bundle_ref
        .clone()
        .unwrap_or_else(|| publish::DEFAULT_REF.to_string());
    let mut rows = [
        llm_row(all.iter().find(|s| s.name == SECRET_NAME), &w),
        deploy_row(&all, &w),
        git_row(&all, &w),
        bundle_row(cluster, local, o, &reference),
    ];
    if no_namespace {
        rows[0].reason = format!("namespace {} does not exist", o.namespace);
        rows[0].fix = Some(format!(
            "set ANTHROPIC_API_KEY in .env, then `cargo xtask secrets --create-namespace{w}`"
        ));
    }
    let ready = rows.iter().all(|r| r.ok);
    if o.json {
        let report = json!({
            "namespace": o.namespace,
            "context": o.context,
            "bundle_ref": reference,
            "ready": ready,
            "needs": rows.iter().map(|r| json!({
                "need": r.need, "ok": r.ok, "reason": r.reason, "fix": r.fix,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&rows));
    }
    if !ready {
        let names: Vec<&str> = rows.iter().filter(|r| !r.ok).map(|r| r.need).collect();
        bail!(
            "the Runner is not ready in {}: {}",
            o.namespace,
            names.join(", ")
        );
    }
    Ok(())
}

/// The rows as a table: mark, need, reason; a ✗ gets its fix on the next line.
pub fn table(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.need.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rows {
        let mark = if r.ok { "✓" } else { "✗" };
        out.push_str(&format!("{mark} {:width$}  {}\n", r.need, r.reason));
        if let Some(fix) = &r.fix {
            out.push_str(&format!("  {:width$}  fix: {fix}\n", ""));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(name: &str, keys: &[&str]) -> SecretInfo {
        SecretInfo {
            name: name.into(),
            kind: "Opaque".into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn template_output_parses_without_values() {
        let out = "a-deploy-key\tgit-deploy-key\ta\t\"ssh-ed25519 AAAA x\"\tkubernetes.io/ssh-auth\tssh-privatekey,\t\t\n\
                   trustacks-runner-llm\t\t\t\tOpaque\tLLM_PROVIDER,OPENROUTER_API_KEY,\t\"openrouter\"\t\"a/b \\\"c\\\"\"\n\
                   junk line\n";
        let s = parse_secrets(out);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].public_key.as_deref(), Some("ssh-ed25519 AAAA x"));
        assert_eq!(s[0].keys, ["ssh-privatekey"]);
        assert_eq!(s[1].provider.as_deref(), Some("openrouter"));
        assert_eq!(s[1].model.as_deref(), Some("a/b \"c\""));
        assert_eq!(
            unquote("\"a\\nb\""),
            "\"a\\nb\"",
            "other escapes stay quoted"
        );
    }

    #[test]
    fn template_is_go_syntax() {
        let t = secrets_template();
        assert!(t.starts_with("{{range .items}}{{.metadata.name}}\t{{with .metadata.labels}}"));
        assert!(t.ends_with("{{end}}{{end}}{{end}}\n{{end}}"));
        assert_eq!(t.matches('\t').count(), 7);
        assert!(!t.contains("[[") && !t.contains("]]"));
    }

    #[test]
    fn provider_rules() {
        let mut s = secret(SECRET_NAME, &["ANTHROPIC_API_KEY"]);
        assert!(llm_row(Some(&s), "").ok);
        s.provider = Some("openrouter".into());
        let r = llm_row(Some(&s), "");
        assert!(
            !r.ok && r.reason.contains("OPENROUTER_API_KEY is not in"),
            "{r:?}"
        );
        s.provider = Some("openai".into());
        assert!(!llm_row(Some(&s), "").ok);
        let both = secret(SECRET_NAME, &["ANTHROPIC_API_KEY", "OPENROUTER_API_KEY"]);
        assert!(llm_row(Some(&both), "").reason.contains("ambiguous"));
        let r = llm_row(None, &where_args(&Some("kind-dev".into()), "other"));
        assert_eq!(
            r.fix.as_deref(),
            Some("set it in .env, then `cargo xtask secrets --context kind-dev -n other`")
        );
        let mut or = secret(SECRET_NAME, &["OPENROUTER_API_KEY"]);
        or.model = Some("anthropic/claude-sonnet-4".into());
        let r = llm_row(Some(&or), " -n x");
        assert!(
            r.ok && r
                .reason
                .contains("OPENROUTER_MODEL anthropic/claude-sonnet-4"),
            "{r:?}"
        );
    }

    #[test]
    fn deploy_key_rules() {
        let good_pub =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x";
        let mut k = secret("api-deploy-key", &["ssh-privatekey"]);
        k.kind = "kubernetes.io/ssh-auth".into();
        k.role = Some("git-deploy-key".into());
        k.repo = Some("api".into());
        k.public_key = Some(good_pub.into());
        assert_eq!(deploy_row(std::slice::from_ref(&k), "").reason, "api");
        let mut bad = k.clone();
        bad.role = Some("other".into());
        let r = deploy_row(&[bad], "");
        assert!(
            !r.ok && r.reason.contains("lacks label trustacks.io/role"),
            "{r:?}"
        );
        assert_eq!(r.fix.unwrap(), "cargo xtask deploy-key api --rotate");
        let mut bad = k.clone();
        bad.public_key = Some("ssh-ed25519 AAAAnot-base64!".into());
        assert!(deploy_row(&[bad], "")
            .reason
            .contains("malformed public key"));
        assert!(!deploy_row(&[], "").ok);
    }

    #[test]
    fn git_credential_rules() {
        assert!(!git_row(&[], "").ok);
        assert!(git_row(&[secret(GITEA_SECRET, &[GITEA_TOKEN_KEY])], "").ok);
        let r = git_row(&[secret(GITHUB_APP_SECRET, &["app-id"])], "");
        assert!(
            !r.ok && r.reason.ends_with("lacks private-key.pem, webhook-secret"),
            "{r:?}"
        );
        assert!(git_row(&[secret(GITHUB_APP_SECRET, &GITHUB_APP_KEYS)], "").ok);
    }
}
