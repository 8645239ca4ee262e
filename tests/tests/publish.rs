//! `policy-keys`, `policy-bundle` and `policy-verify` against a real registry, with skopeo and
//! openssl as independent cross-checks.

use std::path::Path;
use std::process::Command;

use e2e::registry::TestRegistry;
use e2e::{require, run, sample_copy, workspace, write_tree, xtask, Run};

const PW: &str = "correct horse battery staple";
/// A release push: extra tags and an annotation.
const RELEASE_ARGS: &[&str] = &[
    "--tag",
    "1.4.0",
    "--tag",
    "1",
    "--annotation",
    "org.opencontainers.image.licenses=Apache-2.0",
];

fn with_pw(cwd: &Path, args: &[&str], pw: &str) -> Run {
    xtask(cwd, args)
        .env("COSIGN_PASSWORD", pw)
        .output()
        .expect("run")
        .into()
}

fn bundle_json(cwd: &Path, to: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["policy-bundle", "--to", to, "--json"];
    args.extend_from_slice(extra);
    let r = with_pw(cwd, &args, PW);
    r.ok();
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"))
}

fn skopeo_raw(reference: &str) -> Vec<u8> {
    require("skopeo");
    let out = Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false", reference])
        .output()
        .expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo inspect {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{h}")
}

#[test]
fn keys_are_cosign_format_private_and_idempotent() {
    let d = tempfile::tempdir().unwrap();
    let r = with_pw(d.path(), &["policy-keys"], PW);
    r.ok();
    let keys = d.path().join(".policy-keys");
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&keys), 0o700);
    assert_eq!(mode(&keys.join("cosign.key")), 0o600);
    let key = std::fs::read_to_string(keys.join("cosign.key")).unwrap();
    let public = std::fs::read_to_string(keys.join("cosign.pub")).unwrap();
    assert!(key.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
    assert!(public.starts_with("-----BEGIN PUBLIC KEY-----\n") && !public.contains('\r'));
    assert!(r.stdout.contains(&public), "shows the public key: {r}");
    assert!(!r.stdout.contains(PW) && !r.stderr.contains(PW));

    // openssl reads the public key: a P-256 SPKI.
    require("openssl");
    let out = Command::new("openssl")
        .args(["pkey", "-pubin", "-noout", "-text", "-in"])
        .arg(keys.join("cosign.pub"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("prime256v1"));

    // Again: kept, not replaced.
    let r = with_pw(d.path(), &["policy-keys"], PW);
    r.ok();
    assert!(r.stderr.contains("kept the existing keypair"), "{r}");
    assert_eq!(
        std::fs::read_to_string(keys.join("cosign.key")).unwrap(),
        key
    );

    // --force rotates and keeps the old pair beside the new one.
    let r = with_pw(d.path(), &["policy-keys", "--force"], PW);
    r.ok();
    assert!(r.stderr.contains("rotated the keypair"), "{r}");
    let names: Vec<String> = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{names:?}");
    let old_key = names.iter().find(|n| n.starts_with("cosign.key.")).unwrap();
    assert_eq!(std::fs::read_to_string(keys.join(old_key)).unwrap(), key);
    assert_ne!(
        std::fs::read_to_string(keys.join("cosign.key")).unwrap(),
        key
    );
}

#[test]
fn keys_need_a_password_source_and_a_git_ignored_directory() {
    let d = tempfile::tempdir().unwrap();
    let r = run(d.path(), &["policy-keys"]);
    r.failed();
    assert!(r.error_line().contains("set COSIGN_PASSWORD"), "{r}");
    assert!(!d.path().join(".policy-keys/cosign.key").exists());

    let r = with_pw(d.path(), &["policy-keys"], "");
    r.ok();
    assert!(
        r.stderr
            .contains("warning: the private key is encrypted with an empty password"),
        "{r}"
    );

    let g = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(g.path())
            .output()
            .unwrap()
    };
    git(&["init", "-q"]);
    let r = with_pw(g.path(), &["policy-keys"], PW);
    r.failed();
    assert!(
        r.error_line().contains(".policy-keys: not git-ignored"),
        "{r}"
    );
    assert!(
        r.error_line()
            .contains("add `/.policy-keys/` to .gitignore"),
        "{r}"
    );
    std::fs::write(g.path().join(".gitignore"), "/.policy-keys/\n").unwrap();
    with_pw(g.path(), &["policy-keys"], PW).ok();
}

#[test]
fn import_of_a_cosign_generated_key() {
    let d = tempfile::tempdir().unwrap();
    let vectors = workspace().join("tests/fixtures/cosign");
    let key = vectors.join("cosign2-empty-password.key");
    let key_s = key.to_str().unwrap();
    let r = with_pw(d.path(), &["policy-keys", "--import", key_s], "wrong");
    r.failed();
    assert_eq!(
        r.error_line(),
        format!("error: wrong password for {key_s}"),
        "{r}"
    );
    assert!(!d.path().join(".policy-keys/cosign.key").exists());

    with_pw(d.path(), &["policy-keys", "--import", key_s], "").ok();
    assert_eq!(
        std::fs::read_to_string(d.path().join(".policy-keys/cosign.pub")).unwrap(),
        std::fs::read_to_string(vectors.join("cosign2-empty-password.pub")).unwrap()
    );
    // A cosign 1.x label over the same sealed key imports too.
    let v1 = d.path().join("v1.key");
    let text = std::fs::read_to_string(&key)
        .unwrap()
        .replace("SIGSTORE", "COSIGN");
    std::fs::write(&v1, text).unwrap();
    let e = tempfile::tempdir().unwrap();
    with_pw(
        e.path(),
        &["policy-keys", "--import", v1.to_str().unwrap()],
        "",
    )
    .ok();
}

#[test]
fn push_sign_verify_against_a_registry() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    let repo = format!("{}/trustacks/policy/constitution", reg.addr);
    let to = format!("{repo}:dev");
    let j = bundle_json(d.path(), &to, RELEASE_ARGS);
    let digest = j["digest"].as_str().unwrap().to_string();

    // skopeo reads the manifest; every tag names the same digest.
    let raw = skopeo_raw(&format!("docker://{to}"));
    assert_eq!(sha256(&raw), digest);
    for t in ["1.4.0", "1"] {
        assert_eq!(sha256(&skopeo_raw(&format!("docker://{repo}:{t}"))), digest);
    }
    let m: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(m["mediaType"], "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(
        m["artifactType"],
        "application/vnd.openpolicyagent.bundle.v1+tar.gz"
    );
    assert_eq!(
        m["config"]["mediaType"],
        "application/vnd.oci.image.config.v1+json"
    );
    assert_eq!(m["layers"].as_array().unwrap().len(), 1);
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    assert_eq!(
        m["layers"][0]["digest"],
        format!("sha256:{}", j["bundle"]["sha256"].as_str().unwrap())
    );
    let ann = &m["annotations"];
    assert!(
        ann.get("org.opencontainers.image.version").is_none(),
        "no tag in the content: {ann}"
    );
    assert_eq!(ann["org.opencontainers.image.licenses"], "Apache-2.0");
    assert!(ann["org.opencontainers.image.created"]
        .as_str()
        .unwrap()
        .ends_with('Z'));

    // The .sig manifest is cosign's, and openssl accepts the signature over the payload.
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let sig: serde_json::Value =
        serde_json::from_slice(&skopeo_raw(&format!("docker://{repo}:{sig_tag}"))).unwrap();
    let layer = &sig["layers"][0];
    assert_eq!(
        layer["mediaType"],
        "application/vnd.dev.cosign.simplesigning.v1+json"
    );
    let sig_b64 = layer["annotations"]["dev.cosignproject.cosign/signature"]
        .as_str()
        .unwrap();
    let payload_path = reg
        .storage()
        .join("data/docker/registry/v2/blobs/sha256")
        .join(&layer["digest"].as_str().unwrap()[7..9])
        .join(&layer["digest"].as_str().unwrap()[7..])
        .join("data");
    let payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&payload_path).unwrap()).unwrap();
    assert_eq!(
        payload["critical"]["image"]["docker-manifest-digest"],
        digest.as_str()
    );
    assert_eq!(
        payload["critical"]["identity"]["docker-reference"],
        repo.as_str()
    );
    assert_eq!(
        payload["critical"]["type"],
        "cosign container image signature"
    );
    openssl_verifies(
        &d.path().join(".policy-keys/cosign.pub"),
        &payload_path,
        sig_b64,
    );
    // sigstore-rs, independently: its own cosign code finds the `.sig` tag and verifies it.
    let key = |dir: &Path| std::fs::read(dir.join(".policy-keys/cosign.pub")).unwrap();
    let image_repo = "trustacks/policy/constitution";
    assert_eq!(
        e2e::sigstore_verify(&reg.addr, image_repo, &digest, &key(d.path())),
        Ok(1)
    );

    // The consumer's check, and a safe extraction.
    let out = d.path().join("extracted");
    let r = run(
        d.path(),
        &["policy-verify", &to, "--extract", out.to_str().unwrap()],
    );
    r.ok();
    assert!(r.stdout.contains(&digest), "{r}");
    assert!(out.join(".manifest").is_file() && out.join("lib/lib.rego").is_file());

    // Same sources again: same digest, no blob uploaded, signature not duplicated.
    let again = bundle_json(d.path(), &to, RELEASE_ARGS);
    assert_eq!(again["digest"], digest.as_str());
    assert_eq!(again["uploaded_blobs"], 0, "{again}");
    assert_eq!(again["signature"]["appended"], false);
    assert_eq!(again["signature"]["signatures"], 1);

    // A second key appends its signature; the first still verifies.
    let other = tempfile::tempdir().unwrap();
    e2e::copy_dir(&d.path().join("policy"), &other.path().join("policy"));
    let j2 = bundle_json(other.path(), &to, RELEASE_ARGS);
    assert_eq!(j2["digest"], digest.as_str());
    assert_eq!(j2["signature"]["signatures"], 2);
    run(d.path(), &["policy-verify", &to]).ok();
    let r = run(
        other.path(),
        &["policy-verify", &format!("{repo}@{digest}"), "--json"],
    );
    r.ok();
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["verified"], true);
    for dir in [d.path(), other.path()] {
        assert_eq!(
            e2e::sigstore_verify(&reg.addr, image_repo, &digest, &key(dir)),
            Ok(2)
        );
    }

    // A key that signed nothing here.
    let stranger = tempfile::tempdir().unwrap();
    with_pw(stranger.path(), &["policy-keys"], PW).ok();
    let r = run(stranger.path(), &["policy-verify", &to]);
    r.failed();
    assert!(
        r.error_line()
            .contains("no signature verifies with .policy-keys/cosign.pub"),
        "{r}"
    );
    let refused = e2e::sigstore_verify(&reg.addr, image_repo, &digest, &key(stranger.path()));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("none signed by this key")),
        "{refused:?}"
    );

    // An unsigned copy (skopeo copies the image, not its signature).
    let unsigned = format!("docker://{}/unsigned/constitution:dev", reg.addr);
    let out = Command::new("skopeo")
        .args([
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            &format!("docker://{to}"),
            &unsigned,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = run(
        d.path(),
        &[
            "policy-verify",
            &format!("{}/unsigned/constitution:dev", reg.addr),
        ],
    );
    r.failed();
    assert!(r.error_line().contains("not signed"), "{r}");
    let refused = e2e::sigstore_verify(&reg.addr, "unsigned/constitution", &digest, &key(d.path()));
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("no valid signature layer")),
        "{refused:?}"
    );
}

fn openssl_verifies(public: &Path, payload: &Path, sig_b64: &str) {
    let der = e2e::b64::decode(sig_b64);
    let sig_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(sig_file.path(), der).unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(public)
        .arg("-signature")
        .arg(sig_file.path())
        .arg(payload)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
        "openssl: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Tampering, on the embedded default (an OCI layout), where blobs can be edited in place.
#[test]
fn verify_refuses_tampering_each_with_its_own_error() {
    let d = sample_copy();
    let j = bundle_json(d.path(), "oci:target/policy/oci:dev", &[]);
    let digest = j["digest"].as_str().unwrap();
    let layout = d.path().join("target/policy/oci");
    let blob = |digest: &str| layout.join("blobs/sha256").join(&digest[7..]);
    let index_path = layout.join("index.json");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    run(d.path(), &["policy-verify", "oci:target/policy/oci:dev"]).ok();

    // Tampered layer: the bundle blob's bytes change, the signed manifest does not.
    let layer = format!("sha256:{}", j["bundle"]["sha256"].as_str().unwrap());
    let original = std::fs::read(blob(&layer)).unwrap();
    let mut bad = original.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(blob(&layer), &bad).unwrap();
    let out = d.path().join("never");
    let r = run(
        d.path(),
        &[
            "policy-verify",
            "oci:target/policy/oci:dev",
            "--extract",
            out.to_str().unwrap(),
        ],
    );
    r.failed();
    assert!(r.error_line().contains("tampered bundle layer"), "{r}");
    assert!(!out.exists(), "nothing extracted");
    std::fs::write(blob(&layer), &original).unwrap();

    // Tampered payload: the signed payload blob changes.
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let sig_desc = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == sig_tag.as_str())
        .unwrap();
    let sig: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blob(sig_desc["digest"].as_str().unwrap())).unwrap())
            .unwrap();
    let payload_digest = sig["layers"][0]["digest"].as_str().unwrap().to_string();
    let payload = std::fs::read(blob(&payload_digest)).unwrap();
    let forged = String::from_utf8(payload.clone())
        .unwrap()
        .replace(&digest[7..15], "00000000");
    std::fs::write(blob(&payload_digest), forged).unwrap();
    let r = run(d.path(), &["policy-verify", "oci:target/policy/oci:dev"]);
    r.failed();
    assert!(r.error_line().contains("tampered signature payload"), "{r}");
    std::fs::write(blob(&payload_digest), &payload).unwrap();

    // Digest mismatch: a valid signature of another image, moved to this image's .sig tag.
    let other_dir = sample_copy();
    write_tree(
        other_dir.path(),
        &[("policy/constitution/extra.rego", "package extra\n")],
    );
    std::fs::create_dir_all(other_dir.path().join(".policy-keys")).unwrap();
    for f in ["cosign.key", "cosign.pub"] {
        std::fs::copy(
            d.path().join(".policy-keys").join(f),
            other_dir.path().join(".policy-keys").join(f),
        )
        .unwrap();
    }
    let other_to = format!("oci:{}:dev", layout.display());
    let j2 = bundle_json(other_dir.path(), &other_to, &[]);
    let other_digest = j2["digest"].as_str().unwrap();
    assert_ne!(other_digest, digest);
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let other_sig_tag = format!("{}.sig", other_digest.replace(':', "-"));
    let manifests = index["manifests"].as_array_mut().unwrap();
    let other_sig_digest = manifests
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == other_sig_tag.as_str())
        .unwrap()["digest"]
        .clone();
    for m in manifests.iter_mut() {
        if m["annotations"]["org.opencontainers.image.ref.name"] == sig_tag.as_str() {
            m["digest"] = other_sig_digest.clone();
            m["size"] =
                serde_json::json!(std::fs::metadata(blob(other_sig_digest.as_str().unwrap()))
                    .unwrap()
                    .len());
        }
    }
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    let r = run(
        d.path(),
        &[
            "policy-verify",
            &format!("oci:{}@{digest}", layout.display()),
        ],
    );
    r.failed();
    assert!(r.error_line().contains("digest mismatch"), "{r}");
    assert!(
        r.error_line()
            .contains(&format!("the signature is for {other_digest}")),
        "{r}"
    );
}

#[test]
fn authenticated_registry_env_docker_config_and_wrong_credentials() {
    let reg = TestRegistry::start_with_auth("ci-bot", "registry-pass-123");
    let d = sample_copy();
    let to = format!("{}/p/constitution:dev", reg.addr);

    let r = with_pw(d.path(), &["policy-bundle", "--to", &to], PW);
    r.failed();
    assert!(r.error_line().contains("requires credentials"), "{r}");

    let r: Run = xtask(d.path(), &["policy-bundle", "--to", &to])
        .env("COSIGN_PASSWORD", PW)
        .env("REGISTRY_USERNAME", "ci-bot")
        .env("REGISTRY_PASSWORD", "wrong")
        .output()
        .unwrap()
        .into();
    r.failed();
    assert!(
        r.error_line()
            .contains(&format!("authentication to registry {} failed", reg.addr)),
        "{r}"
    );
    assert!(!r.stderr.contains("wrong"), "no password in errors: {r}");

    let r: Run = xtask(d.path(), &["policy-bundle", "--to", &to])
        .env("COSIGN_PASSWORD", PW)
        .env("REGISTRY_USERNAME", "ci-bot")
        .env("REGISTRY_PASSWORD", "registry-pass-123")
        .output()
        .unwrap()
        .into();
    r.ok();

    // The Docker config file, as `docker login` writes it.
    let docker = tempfile::tempdir().unwrap();
    let auth = e2e::b64::encode(b"ci-bot:registry-pass-123");
    std::fs::write(
        docker.path().join("config.json"),
        format!(r#"{{"auths":{{"{}":{{"auth":"{auth}"}}}}}}"#, reg.addr),
    )
    .unwrap();
    let r: Run = xtask(d.path(), &["policy-verify", &to])
        .env("DOCKER_CONFIG", docker.path())
        .output()
        .unwrap()
        .into();
    r.ok();
}

#[test]
fn registry_down_wrong_password_or_no_keys_push_nothing() {
    let mut reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/p/c:dev", reg.addr);

    // Missing keys in CI (no password, no terminal): refused before any push.
    let r = run(d.path(), &["policy-bundle", "--to", &to]);
    r.failed();
    assert!(r.error_line().contains("set COSIGN_PASSWORD"), "{r}");
    assert_eq!(reg.status("/v2/p/c/manifests/dev"), Some(404));

    with_pw(d.path(), &["policy-keys"], PW).ok();
    let r = with_pw(
        d.path(),
        &["policy-bundle", "--to", &to],
        "not the password",
    );
    r.failed();
    assert_eq!(
        r.error_line(),
        "error: wrong password for .policy-keys/cosign.key",
        "{r}"
    );
    assert_eq!(
        reg.status("/v2/p/c/manifests/dev"),
        Some(404),
        "nothing tagged"
    );

    reg.stop();
    let r = with_pw(d.path(), &["policy-bundle", "--to", &to], PW);
    r.failed();
    assert!(
        r.error_line()
            .contains(&format!("cannot reach registry {}", reg.addr)),
        "{r}"
    );
    reg.restart();
    assert_eq!(
        reg.status("/v2/p/c/manifests/dev"),
        Some(404),
        "nothing tagged"
    );
    with_pw(d.path(), &["policy-bundle", "--to", &to], PW).ok();
}

/// A registry killed in the middle of a large push, then restarted: no tag was left pointing at
/// missing blobs, and running the same command again completes.
#[test]
fn registry_killed_mid_push_then_rerun_completes() {
    let mut reg = TestRegistry::start();
    let d = sample_copy();
    with_pw(d.path(), &["policy-keys"], PW).ok();
    // ~48 MB of incompressible data makes a bundle that takes a while to upload.
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut blob = String::with_capacity(64 << 20);
    while blob.len() < 48 << 20 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        blob.push_str(&format!("{state:016x}"));
    }
    write_tree(
        d.path(),
        &[(
            "policy/constitution/big/data.json",
            &format!("{{\"noise\": \"{blob}\"}}"),
        )],
    );
    drop(blob);
    let to = format!("{}/p/big:dev", reg.addr);
    let child = xtask(d.path(), &["policy-bundle", "--to", &to])
        .env("COSIGN_PASSWORD", PW)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let uploads = reg.uploads_dir("p/big");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    // Kill once more than 1 MiB of an upload has reached the registry's storage: the large
    // bundle layer is then in flight (the config blob is a few hundred bytes).
    let in_flight = || -> u64 {
        let Ok(dirs) = std::fs::read_dir(&uploads) else {
            return 0;
        };
        dirs.flatten()
            .filter_map(|d| std::fs::metadata(d.path().join("data")).ok())
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
    };
    while in_flight() < 1 << 20 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    let partial = in_flight();
    assert!(
        partial >= 1 << 20,
        "the layer upload was never seen in flight"
    );
    reg.stop();
    let first: Run = child.wait_with_output().unwrap().into();
    first.failed();
    assert!(first.error_line().contains("registry"), "{first}");
    reg.restart();
    assert_eq!(
        reg.status("/v2/p/big/manifests/dev"),
        Some(404),
        "no dangling tag: {first}"
    );

    with_pw(d.path(), &["policy-bundle", "--to", &to], PW).ok();
    run(d.path(), &["policy-verify", &to]).ok();
}

#[test]
fn embedded_default_needs_no_registry() {
    let d = sample_copy();
    let r = with_pw(d.path(), &["policy-bundle"], PW);
    r.ok();
    assert!(
        r.stdout.contains("tagged  oci:target/policy/oci:dev"),
        "{r}"
    );
    require("skopeo");
    let raw_in_dir = {
        let out = Command::new("skopeo")
            .args(["inspect", "--raw", "oci:target/policy/oci:dev"])
            .current_dir(d.path())
            .output()
            .unwrap();
        out.stdout
    };
    let m: serde_json::Value = serde_json::from_slice(&raw_in_dir).unwrap();
    assert_eq!(
        m["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    run(d.path(), &["policy-verify", "oci:target/policy/oci:dev"]).ok();
}

/// Keys we write open with the format's published parameters in an independent implementation
/// (Python's hashlib.scrypt, PyNaCl's SecretBox, cryptography's PKCS#8 loader).
#[test]
fn written_keys_decrypt_independently() {
    let python = require("python3");
    let d = tempfile::tempdir().unwrap();
    with_pw(d.path(), &["policy-keys"], PW).ok();
    let script = r#"
import base64, hashlib, json, os, sys
from nacl.secret import SecretBox
from cryptography.hazmat.primitives import serialization
pem = open(".policy-keys/cosign.key").read()
lines = pem.strip().splitlines()
assert lines[0] == "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----", lines[0]
doc = json.loads(base64.b64decode("".join(lines[1:-1])))
p = doc["kdf"]["params"]
assert doc["kdf"]["name"] == "scrypt" and doc["cipher"]["name"] == "nacl/secretbox"
key = hashlib.scrypt(os.environb[b"PW"], salt=base64.b64decode(doc["kdf"]["salt"]),
                     n=p["N"], r=p["r"], p=p["p"], maxmem=256 << 20, dklen=32)
der = SecretBox(key).decrypt(base64.b64decode(doc["ciphertext"]),
                             base64.b64decode(doc["cipher"]["nonce"]))
priv = serialization.load_der_private_key(der, password=None)
pub = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode()
assert pub == open(".policy-keys/cosign.pub").read(), "public key differs"
print("ok", p["N"], p["r"], p["p"])
"#;
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .current_dir(d.path())
        .env("PW", PW)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok 65536 8 1");
}
