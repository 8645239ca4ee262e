//! Signatures the real cosign accepts by default: `policy-bundle` logs each signature in Rekor
//! (the loopback `@sigstore/mock` log of `e2e::sigstore_mock`) and attaches a Sigstore bundle
//! v0.3 as an OCI referrer; the real cosign v2.4.1 (the Runner's pin) verifies the `.sig` with
//! its defaults, cosign 3 and sigstore-js the bundle, sigstore-rs the `.sig` bundle annotation
//! with the log key. Without an entry `policy-verify` refuses unless `--insecure-ignore-tlog`;
//! forged evidence is refused with its reason.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use e2e::registry::TestRegistry;
use e2e::sigstore_mock::{registry_sigstore_bundles, Cosign, Signed, Signer, SigstoreMock};
use e2e::{sample_copy, xtask, Run};

const PW: &str = "tlog test password";

fn mock() -> &'static SigstoreMock {
    static MOCK: OnceLock<SigstoreMock> = OnceLock::new();
    MOCK.get_or_init(SigstoreMock::start)
}

/// The xtask with the log switched back on (`e2e::xtask` signs air-gapped by default) and
/// pointed at the mock.
fn logged(cwd: &Path, args: &[&str]) -> Run {
    xtask(cwd, args)
        .env_remove("POLICY_TLOG_UPLOAD")
        .env_remove("POLICY_INSECURE_IGNORE_TLOG")
        .env("POLICY_REKOR_URL", mock().rekor_url())
        .env("POLICY_TRUSTED_ROOT", mock().trusted_root())
        .env("COSIGN_PASSWORD", PW)
        .output()
        .expect("run xtask")
        .into()
}

fn publish(cwd: &Path, to: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["policy-bundle", "--to", to, "--json"];
    args.extend_from_slice(extra);
    let r = logged(cwd, &args);
    r.ok();
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"))
}

fn pubkey(d: &Path) -> PathBuf {
    d.join(".policy-keys/cosign.pub")
}

#[test]
fn logged_signatures_verify_with_cosign_defaults_and_independent_verifiers() {
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/tlog/constitution:dev", reg.addr);
    let j = publish(d.path(), &to, &[]);
    let digest = j["digest"].as_str().unwrap().to_string();
    assert!(j["tlog"]["log_index"].is_i64(), "{j}");
    assert!(j["sigstore_bundle"].is_string(), "{j}");
    let image = format!("{}/tlog/constitution@{digest}", reg.addr);

    // cosign 2.4.1, the Runner's pin, with its defaults: the SET in the .sig annotation.
    m.cosign_verify_key(Cosign::V2, &image, &pubkey(d.path()), &[])
        .ok();
    // cosign 3 reads the referrer bundle (or the .sig).
    m.cosign_verify_key(Cosign::V3, &image, &pubkey(d.path()), &[])
        .ok();
    // sigstore-rs with the log key: the .sig layer's bundle annotation.
    let pem = std::fs::read(pubkey(d.path())).unwrap();
    let n = e2e::sigstore_verify_with_log(
        &reg.addr,
        "tlog/constitution",
        &digest,
        &pem,
        &m.rekor_pubkey(),
    )
    .unwrap();
    assert_eq!(n, 1);
    // sigstore-js on the v0.3 bundle (tag schema: the Debian registry has no referrers API).
    let bundles = registry_sigstore_bundles(&reg.addr, "tlog/constitution", &digest);
    assert_eq!(bundles.len(), 1, "one bundle referrer");
    let file = d.path().join("bundle.sigstore.json");
    std::fs::write(&file, &bundles[0]).unwrap();
    m.sigstore_js_verify(
        &file,
        Signed::Digest(&digest),
        Signer::Key(&pubkey(d.path())),
    )
    .ok();

    // Ours, against the mock's trusted root; and against the built-in public-good root the
    // mock's log is unknown.
    let r = logged(d.path(), &["policy-verify", &to]);
    r.ok();
    assert!(r.stdout.contains("transparency log: entry"), "{r}");
    assert!(r.stdout.contains(".sig and Sigstore bundle"), "{r}");
    let r: Run = xtask(d.path(), &["policy-verify", &to])
        .env_remove("POLICY_INSECURE_IGNORE_TLOG")
        .output()
        .unwrap()
        .into();
    r.failed();
    assert!(r.error_line().contains("unknown log"), "{r}");

    // Signing again adds no signature and no bundle (the log answers 409 with the entry).
    let again = publish(d.path(), &to, &[]);
    assert_eq!(again["signature"]["appended"], false, "{again}");
    assert!(again["sigstore_bundle"].is_null(), "{again}");
    assert_eq!(
        registry_sigstore_bundles(&reg.addr, "tlog/constitution", &digest).len(),
        1
    );

    // Promotion copies both forms; cosign verifies the copy with its defaults.
    let dst = format!("{}/tlog/prod:stable", reg.addr);
    let r = logged(d.path(), &["policy-promote", &to, &dst]);
    r.ok();
    assert!(r.stdout.contains("1 Sigstore bundle(s) copied"), "{r}");
    let copy = format!("{}/tlog/prod@{digest}", reg.addr);
    m.cosign_verify_key(Cosign::V2, &copy, &pubkey(d.path()), &[])
        .ok();
    assert_eq!(
        registry_sigstore_bundles(&reg.addr, "tlog/prod", &digest).len(),
        1
    );
    logged(d.path(), &["policy-verify", &dst]).ok();

    // cosign 3 on the bundle alone: the .sig manifest emptied, cosign 2 now refuses, cosign 3
    // still verifies (the referrer bundle is what it reads).
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let (_, sig) = e2e::sigstore_mock::registry_manifest(&reg.addr, "tlog/prod", &sig_tag).unwrap();
    let mut empty: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    empty["layers"] = serde_json::json!([]);
    let (status, body) = e2e::sigstore_mock::http(
        &reg.addr,
        "PUT",
        &format!("/v2/tlog/prod/manifests/{sig_tag}"),
        &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
        Some(&serde_json::to_vec(&empty).unwrap()),
    )
    .unwrap();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    m.cosign_verify_key(Cosign::V2, &copy, &pubkey(d.path()), &[])
        .failed();
    m.cosign_verify_key(Cosign::V3, &copy, &pubkey(d.path()), &[])
        .ok();
}

#[test]
fn without_an_entry_verify_refuses_unless_told_to_ignore_the_log() {
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/air/constitution:dev", reg.addr);
    let r = logged(
        d.path(),
        &["policy-bundle", "--to", &to, "--tlog-upload=false"],
    );
    r.ok();
    assert!(
        r.stderr.contains("cosign's default `cosign verify` refuses it unless the consumer passes --insecure-ignore-tlog"),
        "{r}"
    );
    let digest = r
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("pushed  "))
        .and_then(|p| p.split('@').nth(1))
        .unwrap()
        .to_string();
    let image = format!("{}/air/constitution@{digest}", reg.addr);

    let r = logged(d.path(), &["policy-verify", &to]);
    r.failed();
    assert!(
        r.error_line()
            .contains("signature not found in transparency log"),
        "{r}"
    );
    let r = logged(d.path(), &["policy-verify", &to, "--insecure-ignore-tlog"]);
    r.ok();
    assert!(r.stderr.contains("has no transparency-log entry"), "{r}");
    // inspect says it, in one line, either way.
    let r = logged(d.path(), &["policy-inspect", &to]);
    r.ok();
    assert!(
        r.stdout.contains("signature not found in transparency log"),
        "{r}"
    );
    let r = logged(d.path(), &["policy-inspect", &to, "--insecure-ignore-tlog"]);
    r.ok();
    assert!(r.stderr.contains("has no transparency-log entry"), "{r}");

    // cosign agrees on both counts.
    m.cosign_verify_key(Cosign::V2, &image, &pubkey(d.path()), &[])
        .failed();
    m.cosign_verify_key(
        Cosign::V2,
        &image,
        &pubkey(d.path()),
        &["--insecure-ignore-tlog"],
    )
    .ok();
    // sigstore-rs with the log key refuses a .sig without the annotation.
    let pem = std::fs::read(pubkey(d.path())).unwrap();
    let refused = e2e::sigstore_verify_with_log(
        &reg.addr,
        "air/constitution",
        &digest,
        &pem,
        &m.rekor_pubkey(),
    )
    .unwrap_err();
    assert!(refused.contains("transparency-log bundle"), "{refused}");

    // Promotion refuses to carry an unlogged signature to a registry.
    let r = logged(
        d.path(),
        &[
            "policy-promote",
            &to,
            &format!("{}/air/prod:stable", reg.addr),
        ],
    );
    r.failed();
    assert!(
        r.error_line()
            .contains("signature not found in transparency log"),
        "{r}"
    );
}

/// The layout's files, for forging: blobs by digest, and the index naming tags.
struct Layout(PathBuf);

impl Layout {
    fn blob(&self, digest: &str) -> PathBuf {
        self.0.join("blobs/sha256").join(&digest[7..])
    }
    fn read_json(&self, digest: &str) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.blob(digest)).unwrap()).unwrap()
    }
    /// Writes `value` as a blob; returns its digest and size.
    fn put_json(&self, value: &serde_json::Value) -> (String, usize) {
        let bytes = serde_json::to_vec(value).unwrap();
        let digest = sha256(&bytes);
        std::fs::write(self.blob(&digest), &bytes).unwrap();
        (digest, bytes.len())
    }
    fn index(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.0.join("index.json")).unwrap()).unwrap()
    }
    fn tagged(&self, tag: &str) -> String {
        self.index()["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .unwrap_or_else(|| panic!("no tag {tag}"))["digest"]
            .as_str()
            .unwrap()
            .to_string()
    }
    /// Points `tag` at a new manifest (or drops it when `None`).
    fn retag(&self, tag: &str, to: Option<(String, usize)>) {
        let mut index = self.index();
        let list = index["manifests"].as_array_mut().unwrap();
        list.retain(|m| m["annotations"]["org.opencontainers.image.ref.name"] != tag);
        if let Some((digest, size)) = to {
            list.push(serde_json::json!({
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest, "size": size,
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }));
        }
        std::fs::write(
            self.0.join("index.json"),
            serde_json::to_vec(&index).unwrap(),
        )
        .unwrap();
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{h}")
}

const ANNOTATION: &str = "dev.sigstore.cosign/bundle";

#[test]
fn forged_log_evidence_is_refused_with_its_reason() {
    let d = sample_copy();
    let layout = Layout(d.path().join("target/policy/oci"));
    let reference = "oci:target/policy/oci:dev";
    // A layout is signed offline by default; ask for the log.
    let j = publish(d.path(), reference, &["--tlog-upload"]);
    let digest = j["digest"].as_str().unwrap().to_string();
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let sig_digest = layout.tagged(&sig_tag);
    let sig = layout.read_json(&sig_digest);
    let size = |v: &serde_json::Value| serde_json::to_vec(v).unwrap().len();
    logged(d.path(), &["policy-verify", reference]).ok();

    // Each case rewrites the .sig layer's annotation; the image's own signature is restored
    // after each.
    let verify_with_annotation = |value: String| -> Run {
        let mut forged = sig.clone();
        forged["layers"][0]["annotations"][ANNOTATION] = value.into();
        let put = layout.put_json(&forged);
        layout.retag(&sig_tag, Some(put));
        let r = logged(d.path(), &["policy-verify", reference]);
        layout.retag(&sig_tag, Some((sig_digest.clone(), size(&sig))));
        r
    };
    let original: serde_json::Value = serde_json::from_str(
        sig["layers"][0]["annotations"][ANNOTATION]
            .as_str()
            .unwrap(),
    )
    .unwrap();

    // Tampered: another integrated time under the same SET.
    let mut t = original.clone();
    t["Payload"]["integratedTime"] = (t["Payload"]["integratedTime"].as_i64().unwrap() + 1).into();
    let r = verify_with_annotation(t.to_string());
    r.failed();
    assert!(
        r.error_line()
            .contains("signed entry timestamp does not verify"),
        "{r}"
    );

    // An entry for another digest: the annotation of another image's signature.
    let other = sample_copy();
    e2e::write_tree(
        other.path(),
        &[("policy/constitution/extra.rego", "package extra\n")],
    );
    std::fs::create_dir_all(other.path().join(".policy-keys")).unwrap();
    for f in ["cosign.key", "cosign.pub"] {
        std::fs::copy(
            d.path().join(".policy-keys").join(f),
            other.path().join(".policy-keys").join(f),
        )
        .unwrap();
    }
    let o = publish(
        other.path(),
        "oci:target/policy/oci:dev",
        &["--tlog-upload"],
    );
    let other_layout = Layout(other.path().join("target/policy/oci"));
    let other_sig = other_layout.read_json(&other_layout.tagged(&format!(
        "{}.sig",
        o["digest"].as_str().unwrap().replace(':', "-")
    )));
    let foreign_entry = other_sig["layers"][0]["annotations"][ANNOTATION]
        .as_str()
        .unwrap()
        .to_string();
    let r = verify_with_annotation(foreign_entry);
    r.failed();
    assert!(r.error_line().contains("another payload"), "{r}");

    // A SET by a log the trusted root does not name: a second mock's.
    let stranger = SigstoreMock::start();
    let s = other_dir_signed_by(&stranger, d.path());
    let r = verify_with_annotation(s);
    r.failed();
    assert!(r.error_line().contains("unknown log"), "{r}");

    // The v0.3 bundle with a swapped inclusion proof (the other image's), alone: no .sig.
    let referrers = layout.read_json(&layout.tagged(&digest.replace(':', "-")));
    let referrer = referrers["manifests"][0]["digest"].as_str().unwrap();
    let mut manifest = layout.read_json(referrer);
    let bundle_digest = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bundle = layout.read_json(&bundle_digest);
    let other_refs = other_layout
        .read_json(&other_layout.tagged(&o["digest"].as_str().unwrap().replace(':', "-")));
    let other_bundle = other_layout.read_json(
        other_layout.read_json(other_refs["manifests"][0]["digest"].as_str().unwrap())["layers"][0]
            ["digest"]
            .as_str()
            .unwrap(),
    );
    bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"] =
        other_bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"].clone();
    bundle["verificationMaterial"]["tlogEntries"][0]["inclusionPromise"] = serde_json::Value::Null;
    let (bd, bs) = layout.put_json(&bundle);
    manifest["layers"][0]["digest"] = bd.into();
    manifest["layers"][0]["size"] = bs.into();
    let (md, ms) = layout.put_json(&manifest);
    let mut refs = referrers.clone();
    refs["manifests"][0]["digest"] = md.into();
    refs["manifests"][0]["size"] = ms.into();
    let (rd, rs) = layout.put_json(&refs);
    layout.retag(&digest.replace(':', "-"), Some((rd, rs)));
    layout.retag(&sig_tag, None);
    let r = logged(d.path(), &["policy-verify", reference]);
    r.failed();
    assert!(r.error_line().contains("swapped or tampered proof"), "{r}");
}

/// The bundle annotation of a signature of this tree's image, logged by another mock.
fn other_dir_signed_by(stranger: &SigstoreMock, d: &Path) -> String {
    let copy = tempfile::tempdir().unwrap();
    e2e::copy_dir(d, copy.path());
    let _ = std::fs::remove_dir_all(copy.path().join("target/policy/oci"));
    let r: Run = xtask(
        copy.path(),
        &[
            "policy-bundle",
            "--to",
            "oci:target/policy/oci:dev",
            "--json",
            "--tlog-upload",
        ],
    )
    .env_remove("POLICY_TLOG_UPLOAD")
    .env("POLICY_REKOR_URL", stranger.rekor_url())
    .env("COSIGN_PASSWORD", PW)
    .output()
    .unwrap()
    .into();
    r.ok();
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let layout = Layout(copy.path().join("target/policy/oci"));
    let sig = layout.read_json(&layout.tagged(&format!(
        "{}.sig",
        j["digest"].as_str().unwrap().replace(':', "-")
    )));
    sig["layers"][0]["annotations"][ANNOTATION]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn the_bundle_goes_through_the_referrers_api_where_the_registry_has_one() {
    let m = mock();
    let reg = TestRegistry::start();
    let front = e2e::referrers::start(&reg.addr);
    let d = sample_copy();
    let to = format!("{}/api/constitution:dev", front.addr);
    let j = publish(d.path(), &to, &[]);
    let digest = j["digest"].as_str().unwrap().to_string();
    // Registered by the registry itself: no referrers tag schema index was written.
    let tag = digest.replacen(':', "-", 1);
    assert!(
        e2e::sigstore_mock::registry_manifest(&reg.addr, "api/constitution", &tag).is_none(),
        "no {tag} index"
    );
    let bundles = registry_sigstore_bundles(&front.addr, "api/constitution", &digest);
    assert_eq!(bundles.len(), 1);
    let image = format!("{}/api/constitution@{digest}", front.addr);
    m.cosign_verify_key(Cosign::V3, &image, &pubkey(d.path()), &[])
        .ok();
    // Ours finds it through the API, beside the .sig.
    let r = logged(d.path(), &["policy-verify", &to]);
    r.ok();
    assert!(r.stdout.contains(".sig and Sigstore bundle"), "{r}");
    assert!(front
        .log()
        .iter()
        .any(|q| q.method == "GET" && q.path.contains("/referrers/")));
}
