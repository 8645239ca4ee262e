//! The Sigstore harness itself, proved with the real tools: the real cosign signs an image in the
//! test registry into the mock log (with a key, and keyless with the mock Fulcio and a token
//! from the mock GitHub issuer), and the real cosign verifies it with its defaults against the
//! mock's trust material; sigstore-python signs and verifies a Sigstore bundle against the same
//! trust root. If these pass, a failure in the xtask's own e2e tests is the xtask's.

use std::process::Command;
use std::sync::OnceLock;

use e2e::registry::TestRegistry;
use e2e::sigstore_mock::{
    push_test_image, registry_manifest, registry_sigstore_bundles, Cosign, FulcioFault, Match,
    Service, Signed, Signer, SigstoreMock, BUNDLE_V03_MEDIA_TYPE, DEFAULT_IDENTITY, GITHUB_ISSUER,
};
use e2e::sigstore_verify_with_log;

/// One mock for the file: starting it costs key generation, and the tests share nothing else.
fn mock() -> &'static SigstoreMock {
    static MOCK: OnceLock<SigstoreMock> = OnceLock::new();
    MOCK.get_or_init(SigstoreMock::start)
}

const PASSWORD: &str = "harness-test-password";

/// A cosign key pair made by the real cosign (`generate-key-pair`), in `dir`.
fn cosign_keys(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let out = mock()
        .cosign(Cosign::V2)
        .arg("generate-key-pair")
        .current_dir(dir)
        .env("COSIGN_PASSWORD", PASSWORD)
        .output()
        .expect("cosign generate-key-pair");
    assert!(
        out.status.success(),
        "generate-key-pair: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir.join("cosign.key"), dir.join("cosign.pub"))
}

/// A registry with one test image pushed to `repo` (tag `v1`): the registry (keep it alive),
/// the image's digest and its reference by digest.
fn registry_with_image(repo: &str, layer: &[u8]) -> (TestRegistry, String, String) {
    let reg = TestRegistry::start();
    let digest = push_test_image(&reg.addr, repo, "v1", layer);
    let image = format!("{}/{repo}@{digest}", reg.addr);
    (reg, digest, image)
}

#[test]
fn the_mock_serves_trust_files_and_a_github_token() {
    let m = mock();
    let root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(m.trusted_root()).unwrap()).unwrap();
    for k in [
        "tlogs",
        "ctlogs",
        "certificateAuthorities",
        "timestampAuthorities",
    ] {
        assert_eq!(root[k].as_array().map(Vec::len), Some(1), "{k} in {root}");
    }
    assert_eq!(root["tlogs"][0]["baseUrl"], m.rekor_url());
    for f in [m.rekor_pubkey(), m.ctlog_pubkey()] {
        let pem = std::fs::read_to_string(&f).unwrap();
        assert!(
            pem.starts_with("-----BEGIN PUBLIC KEY-----"),
            "{}",
            f.display()
        );
    }
    // The token endpoint wants the request token, as GitHub's does.
    let (status, _) = e2e::sigstore_mock::http(
        m.url().trim_start_matches("http://"),
        "GET",
        "/oidc/token?api-version=2.0&audience=sigstore",
        &[("Authorization", "bearer wrong")],
        None,
    )
    .unwrap();
    assert_eq!(status, 401);
    let token = m.identity_token();
    let claims: serde_json::Value = serde_json::from_slice(&e2e::b64::decode(
        &token
            .split('.')
            .nth(1)
            .unwrap()
            .replace('-', "+")
            .replace('_', "/"),
    ))
    .unwrap();
    assert_eq!(claims["iss"], GITHUB_ISSUER);
    assert_eq!(claims["aud"], "sigstore");
    assert_eq!(
        claims["sub"],
        "repo:trustacks/constitution:ref:refs/tags/v1.2.3"
    );
    assert_eq!(
        format!(
            "https://github.com/{}",
            claims["job_workflow_ref"].as_str().unwrap()
        ),
        DEFAULT_IDENTITY
    );
}

#[test]
fn cosign_v2_signs_with_a_key_into_the_mock_log_and_verifies_with_its_defaults() {
    let m = mock();
    let (reg, digest, image) = registry_with_image("harness/keyed", b"keyed layer");
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = cosign_keys(keys.path());

    // Before signing: no signature at all.
    m.cosign_verify_key(Cosign::V2, &image, &pubkey, &[])
        .failed();

    m.cosign_sign_key(Cosign::V2, &image, &key, PASSWORD, &[])
        .ok();
    // The `.sig` layer carries the log's promise: the bundle annotation (SET + entry payload).
    let sig_tag = format!("{}.sig", digest.replacen(':', "-", 1));
    let (_, sig) = registry_manifest(&reg.addr, "harness/keyed", &sig_tag).expect(".sig manifest");
    let sig: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    let annotation = sig["layers"][0]["annotations"]["dev.sigstore.cosign/bundle"]
        .as_str()
        .expect("bundle annotation");
    let bundle: serde_json::Value = serde_json::from_str(annotation).unwrap();
    assert!(bundle["SignedEntryTimestamp"].is_string(), "{bundle}");
    assert!(bundle["Payload"]["logID"].is_string(), "{bundle}");

    // cosign's defaults: the tlog entry is required, checked with the mock log's key.
    let run = m.cosign_verify_key(Cosign::V2, &image, &pubkey, &[]);
    run.ok();
    assert!(
        run.stderr
            .contains("Existence of the claims in the transparency log was verified"),
        "{run}"
    );

    // sigstore-rs with the mock log's key agrees; with another log key it refuses the entry.
    let pub_pem = std::fs::read(&pubkey).unwrap();
    let n = sigstore_verify_with_log(
        &reg.addr,
        "harness/keyed",
        &digest,
        &pub_pem,
        &m.rekor_pubkey(),
    )
    .unwrap();
    assert_eq!(n, 1);
    let err = sigstore_verify_with_log(
        &reg.addr,
        "harness/keyed",
        &digest,
        &pub_pem,
        &m.ctlog_pubkey(),
    )
    .unwrap_err();
    assert!(err.contains("transparency-log bundle"), "{err}");

    // Another key is refused; so is the log entry when the log key is not the mock's.
    let other = tempfile::tempdir().unwrap();
    let (_, other_pub) = cosign_keys(other.path());
    m.cosign_verify_key(Cosign::V2, &image, &other_pub, &[])
        .failed();
    let run = m
        .cosign(Cosign::V2)
        .env("SIGSTORE_REKOR_PUBLIC_KEY", &other_pub)
        .args(["verify", "--rekor-url", m.rekor_url()])
        .args([
            "--allow-insecure-registry",
            "--allow-http-registry",
            "--key",
        ])
        .arg(&pubkey)
        .arg(&image)
        .output()
        .unwrap();
    assert!(
        !run.status.success(),
        "a foreign log key must not verify the SET"
    );
}

#[test]
fn cosign_v2_refuses_a_signature_without_a_log_entry_by_default() {
    let m = mock();
    let (reg, digest, image) = registry_with_image("harness/notlog", b"no tlog layer");
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = cosign_keys(keys.path());
    m.cosign_sign_key(Cosign::V2, &image, &key, PASSWORD, &["--tlog-upload=false"])
        .ok();
    let run = m.cosign_verify_key(Cosign::V2, &image, &pubkey, &[]);
    run.failed();
    // cosign looked the signature up in the mock log (by hash) and found nothing.
    assert!(
        run.stderr
            .contains("signature not found in transparency log"),
        "{run}"
    );
    assert!(
        m.hits_on("POST", "/api/v1/log/entries/retrieve") > 0,
        "{:?}",
        m.hits()
    );
    m.cosign_verify_key(Cosign::V2, &image, &pubkey, &["--insecure-ignore-tlog"])
        .ok();
    // sigstore-rs: the key alone accepts it, the log's key demands the entry.
    let pub_pem = std::fs::read(&pubkey).unwrap();
    assert_eq!(
        e2e::sigstore_verify(&reg.addr, "harness/notlog", &digest, &pub_pem),
        Ok(1)
    );
    let err = sigstore_verify_with_log(
        &reg.addr,
        "harness/notlog",
        &digest,
        &pub_pem,
        &m.rekor_pubkey(),
    )
    .unwrap_err();
    assert!(err.contains("transparency-log bundle"), "{err}");
}

#[test]
fn cosign_v2_keyless_with_the_mock_fulcio_and_github_token_verifies_by_identity() {
    let m = mock();
    let (_reg, _, image) = registry_with_image("harness/keyless", b"keyless layer");

    m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[])
        .ok();

    m.cosign_verify_exact(Cosign::V2, &image, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    m.cosign_verify_identity(
        Cosign::V2,
        &image,
        Match::Regexp(r"^https://github.com/trustacks/constitution/\.github/workflows/publish\.yml@refs/tags/v.*$"),
        Match::Exact(GITHUB_ISSUER),
        &[],
    )
    .ok();

    // Another identity, another issuer: refused.
    let wrong = DEFAULT_IDENTITY.replace("constitution", "impostor");
    m.cosign_verify_exact(Cosign::V2, &image, &wrong, GITHUB_ISSUER)
        .failed();
    m.cosign_verify_exact(Cosign::V2, &image, DEFAULT_IDENTITY, "https://gitlab.com")
        .failed();
}

#[test]
fn the_mock_fulcio_refuses_bad_tokens() {
    let m = mock();
    let (_reg, _, image) = registry_with_image("harness/badtoken", b"bad token layer");
    let expired = m.mint_token(serde_json::json!({"expired": true}));
    let run = m.cosign_sign_keyless(Cosign::V2, &image, &expired, &[]);
    run.failed();
    assert!(run.stderr.contains("401"), "{run}");
    let wrong_aud = m.mint_token(serde_json::json!({"audience": "not-sigstore"}));
    m.cosign_sign_keyless(Cosign::V2, &image, &wrong_aud, &[])
        .failed();
}

#[test]
fn sigstore_python_signs_and_verifies_a_bundle_against_the_mock_root() {
    let m = mock();
    let dir = tempfile::tempdir().unwrap();
    let artifact = dir.path().join("artifact.txt");
    std::fs::write(&artifact, "a release artifact\n").unwrap();
    let bundle = dir.path().join("artifact.sigstore.json");
    let bin = e2e::sigstore_mock::tool_cache().join("sigstore-python/bin/sigstore");
    let token = m.identity_token();
    let out = Command::new(bin)
        .env("HOME", dir.path())
        .arg("--trust-config")
        .arg(m.trust_config())
        .args(["sign", "--identity-token", &token, "--bundle"])
        .arg(&bundle)
        .arg(&artifact)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sigstore sign: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let artifact_arg = artifact.to_str().unwrap();
    m.sigstore_python_verify_identity(&bundle, artifact_arg, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    m.sigstore_python_verify_identity(
        &bundle,
        artifact_arg,
        &DEFAULT_IDENTITY.replace("constitution", "impostor"),
        GITHUB_ISSUER,
    )
    .failed();
    // By digest, as an OCI signature is checked: `sha256:<hex>` of the signed bytes.
    let digest = format!(
        "sha256:{:x}",
        <sha2::Sha256 as sha2::Digest>::digest(std::fs::read(&artifact).unwrap())
    );
    m.sigstore_python_verify_identity(&bundle, &digest, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    // sigstore-js agrees on the same bundle.
    let who = Signer::Identity {
        identity: DEFAULT_IDENTITY,
        issuer: GITHUB_ISSUER,
    };
    m.sigstore_js_verify(&bundle, Signed::Bytes(&artifact), who)
        .ok();
    let other = dir.path().join("other.txt");
    std::fs::write(&other, "another artifact\n").unwrap();
    m.sigstore_js_verify(&bundle, Signed::Bytes(&other), who)
        .failed();
    let impostor = DEFAULT_IDENTITY.replace("constitution", "impostor");
    m.sigstore_js_verify(
        &bundle,
        Signed::Bytes(&artifact),
        Signer::Identity {
            identity: &impostor,
            issuer: GITHUB_ISSUER,
        },
    )
    .failed();
}

#[test]
fn cosign_v3_verifies_what_cosign_v2_signed() {
    let m = mock();
    let (_reg, _, image) = registry_with_image("harness/v2-for-v3", b"v2 for v3 layer");
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = cosign_keys(keys.path());
    m.cosign_sign_key(Cosign::V2, &image, &key, PASSWORD, &[])
        .ok();
    m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[])
        .ok();
    m.cosign_verify_key(Cosign::V3, &image, &pubkey, &[]).ok();
    m.cosign_verify_exact(Cosign::V3, &image, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    m.cosign_verify_exact(
        Cosign::V3,
        &image,
        &DEFAULT_IDENTITY.replace("constitution", "impostor"),
        GITHUB_ISSUER,
    )
    .failed();
}

#[test]
fn cosign_v3_bundles_are_referrers_the_independent_verifiers_accept() {
    let m = mock();
    let (reg, digest, image) = registry_with_image("harness/v3", b"v3 layer");
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = cosign_keys(keys.path());
    let (_, manifest) = registry_manifest(&reg.addr, "harness/v3", &digest).unwrap();
    let manifest_file = keys.path().join("manifest.json");
    std::fs::write(&manifest_file, &manifest).unwrap();

    // With a key: cosign 3 writes a Sigstore bundle as a referrer (the Debian registry has no
    // referrers API: the tag schema index).
    m.cosign_sign_key(Cosign::V3, &image, &key, PASSWORD, &[])
        .ok();
    m.cosign_verify_key(Cosign::V3, &image, &pubkey, &[]).ok();
    // An OCI 1.1 referrer: artifactType the bundle's media type, subject the image; on a
    // registry without the referrers API, listed in the tag schema index `sha256-<hex>`.
    let refs = e2e::sigstore_mock::registry_referrers(&reg.addr, "harness/v3", &digest);
    assert_eq!(refs.len(), 1, "{refs:?}");
    assert_eq!(refs[0]["artifactType"], BUNDLE_V03_MEDIA_TYPE);
    let (_, referrer) =
        registry_manifest(&reg.addr, "harness/v3", refs[0]["digest"].as_str().unwrap()).unwrap();
    let referrer: serde_json::Value = serde_json::from_slice(&referrer).unwrap();
    assert_eq!(referrer["subject"]["digest"], digest.as_str());
    assert_eq!(referrer["layers"][0]["mediaType"], BUNDLE_V03_MEDIA_TYPE);
    assert_eq!(
        referrer["annotations"]["dev.sigstore.bundle.content"],
        "dsse-envelope"
    );
    let bundles = registry_sigstore_bundles(&reg.addr, "harness/v3", &digest);
    assert_eq!(bundles.len(), 1, "one bundle referrer");
    // cosign 3 signs with a key as a DSSE envelope of an in-toto statement about the image;
    // the key hint is the base64 sha256 of the key's DER.
    assert!(is_dsse(&bundles[0]));
    let b: serde_json::Value = serde_json::from_slice(&bundles[0]).unwrap();
    let pem = std::fs::read_to_string(&pubkey).unwrap();
    let der: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = e2e::b64::decode(&der);
    assert_eq!(
        b["verificationMaterial"]["publicKey"]["hint"],
        e2e::b64::encode(&<sha2::Sha256 as sha2::Digest>::digest(&der))
    );
    let bundle = keys.path().join("key.sigstore.json");
    std::fs::write(&bundle, &bundles[0]).unwrap();
    let signed = if is_dsse(&bundles[0]) {
        Signed::Digest(&digest)
    } else {
        Signed::Bytes(&manifest_file)
    };
    m.sigstore_js_verify(&bundle, signed, Signer::Key(&pubkey))
        .ok();
    let other = tempfile::tempdir().unwrap();
    let (_, other_pub) = cosign_keys(other.path());
    m.sigstore_js_verify(&bundle, signed, Signer::Key(&other_pub))
        .failed();

    // Keyless: the bundle carries the Fulcio certificate.
    m.cosign_sign_keyless(Cosign::V3, &image, &m.identity_token(), &[])
        .ok();
    m.cosign_verify_exact(Cosign::V3, &image, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    let bundles = registry_sigstore_bundles(&reg.addr, "harness/v3", &digest);
    assert_eq!(bundles.len(), 2, "two bundle referrers");
    let keyless = bundles
        .iter()
        .find(|b| String::from_utf8_lossy(b).contains("certificate"))
        .expect("a keyless bundle");
    let bundle = keys.path().join("keyless.sigstore.json");
    std::fs::write(&bundle, keyless).unwrap();
    // cosign 3 signs a DSSE in-toto statement whose subject has no `name`: sigstore-python
    // (4.5) refuses such a statement as malformed, so sigstore-js judges it here.
    assert!(is_dsse(keyless));
    let run = m.sigstore_python_verify_identity(&bundle, &digest, DEFAULT_IDENTITY, GITHUB_ISSUER);
    assert!(run.code != 0 && run.stderr.contains("in-toto"), "{run}");
    m.sigstore_js_verify(
        &bundle,
        if is_dsse(keyless) {
            Signed::Digest(&digest)
        } else {
            Signed::Bytes(&manifest_file)
        },
        Signer::Identity {
            identity: DEFAULT_IDENTITY,
            issuer: GITHUB_ISSUER,
        },
    )
    .ok();
}

fn is_dsse(bundle: &[u8]) -> bool {
    let v: serde_json::Value = serde_json::from_slice(bundle).unwrap();
    v.get("dsseEnvelope").is_some()
}

#[test]
fn cosign_v2_timestamps_with_the_mock_tsa() {
    let m = mock();
    let (reg, digest, image) = registry_with_image("harness/tsa", b"tsa layer");
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = cosign_keys(keys.path());
    let tsa = m.tsa_url();
    m.cosign_sign_key(
        Cosign::V2,
        &image,
        &key,
        PASSWORD,
        &["--timestamp-server-url", &tsa],
    )
    .ok();
    let sig_tag = format!("{}.sig", digest.replacen(':', "-", 1));
    let (_, sig) = registry_manifest(&reg.addr, "harness/tsa", &sig_tag).expect(".sig manifest");
    let sig: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    assert!(
        sig["layers"][0]["annotations"]["dev.sigstore.cosign/rfc3161timestamp"].is_string(),
        "{sig}"
    );
    let chain = m.tsa_chain();
    let chain = chain.to_str().unwrap();
    m.cosign_verify_key(
        Cosign::V2,
        &image,
        &pubkey,
        &["--timestamp-certificate-chain", chain],
    )
    .ok();
}

#[test]
fn cosign_v2_refuses_a_certificate_that_expired_before_its_log_entry() {
    // A mock of its own: the clock is the server's.
    let m = SigstoreMock::start();
    let (_reg, _, image) = registry_with_image("harness/late", b"late layer");
    // Rekor an hour ahead: the ten-minute certificate has expired when the entry is integrated.
    m.set_clock_offset(Service::Rekor, 3600);
    m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[])
        .ok();
    let entries = m.log_entries();
    assert_eq!(entries.len(), 1);
    let integrated = entries.values().next().unwrap()["integratedTime"]
        .as_i64()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        integrated > now + 3000,
        "integrated {integrated}, now {now}"
    );
    let run = m.cosign_verify_exact(Cosign::V2, &image, DEFAULT_IDENTITY, GITHUB_ISSUER);
    run.failed();
    assert!(run.stderr.contains("expired"), "{run}");
}

#[test]
fn cosign_v2_refuses_what_a_misbehaving_fulcio_issues() {
    let m = SigstoreMock::start();
    let (_reg, _, image) = registry_with_image("harness/badca", b"bad ca layer");
    let verify = || m.cosign_verify_exact(Cosign::V2, &image, DEFAULT_IDENTITY, GITHUB_ISSUER);
    // cosign 2 takes a certificate for another key without noticing; the log refuses the
    // entry (the signature does not verify with the certificate's key), as Rekor does.
    m.fulcio_misbehave(FulcioFault::WrongKey, 1);
    let run = m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[]);
    run.failed();
    assert!(run.stderr.contains("verifying signature"), "{run}");
    verify().failed();
    // It checks the SCT when it signs.
    m.fulcio_misbehave(FulcioFault::NoSct, 1);
    let run = m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[]);
    run.failed();
    assert!(run.stderr.contains("no SCT found"), "{run}");
    m.fulcio_misbehave(FulcioFault::ForeignSct, 1);
    let run = m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[]);
    run.failed();
    assert!(run.stderr.contains("ctfe public key not found"), "{run}");
    // And then a well-behaved certificate signs and verifies.
    m.cosign_sign_keyless(Cosign::V2, &image, &m.identity_token(), &[])
        .ok();
    m.cosign_verify_exact(Cosign::V2, &image, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
}

#[test]
fn cosign_v3_uses_the_referrers_api_where_the_registry_has_one() {
    let m = mock();
    let reg = TestRegistry::start();
    let front = e2e::referrers::start(&reg.addr);
    let keys = tempfile::tempdir().unwrap();
    let (key, pubkey) = cosign_keys(keys.path());
    let digest = push_test_image(&front.addr, "harness/api", "v1", b"referrers api layer");
    let image = format!("{}/harness/api@{digest}", front.addr);
    m.cosign_sign_key(Cosign::V3, &image, &key, PASSWORD, &[])
        .ok();
    m.cosign_verify_key(Cosign::V3, &image, &pubkey, &[]).ok();
    // Through the API; no referrers tag schema index was written.
    let (status, body) = e2e::sigstore_mock::http(
        &front.addr,
        "GET",
        &format!("/v2/harness/api/referrers/{digest}"),
        &[],
        None,
    )
    .unwrap();
    assert_eq!(status, 200);
    let index: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(index["manifests"][0]["artifactType"], BUNDLE_V03_MEDIA_TYPE);
    let tag = digest.replacen(':', "-", 1);
    assert!(registry_manifest(&reg.addr, "harness/api", &tag).is_none());
    assert!(front
        .log()
        .iter()
        .any(|r| r.method == "GET" && r.path.contains("/referrers/")));
    let bundles = registry_sigstore_bundles(&front.addr, "harness/api", &digest);
    assert_eq!(bundles.len(), 1);
    let bundle = keys.path().join("api.sigstore.json");
    std::fs::write(&bundle, &bundles[0]).unwrap();
    m.sigstore_js_verify(&bundle, Signed::Digest(&digest), Signer::Key(&pubkey))
        .ok();
}

#[test]
fn injected_faults_answer_then_clear() {
    let m = SigstoreMock::start();
    let addr = m.url().trim_start_matches("http://").to_string();
    let get = |path: &str| e2e::sigstore_mock::http(&addr, "GET", path, &[], None);
    m.inject_fault("/api/v1/log", 503, 2);
    assert_eq!(get("/api/v1/log").unwrap().0, 503);
    assert_eq!(get("/api/v1/log/publicKey").unwrap().0, 503);
    assert_eq!(get("/api/v1/log").unwrap().0, 200);
    // Status 0: the connection is dropped without an answer.
    m.inject_fault("/api/v1/log", 0, 1);
    assert!(get("/api/v1/log").is_err());
    assert_eq!(m.hits_on("GET", "/api/v1/log"), 4);
    m.inject_fault("/oidc/token", 500, 1);
    m.reset();
    assert_eq!(m.hits_on("GET", "/api/v1/log"), 0);
    assert!(!m.identity_token().is_empty());
    // The log's tree: five unrelated leaves before any entry, a signed checkpoint.
    let (_, info) = get("/api/v1/log").unwrap();
    let info: serde_json::Value = serde_json::from_slice(&info).unwrap();
    assert_eq!(info["treeSize"], 5);
    assert!(info["signedTreeHead"]
        .as_str()
        .unwrap()
        .contains("\u{2014} 127.0.0.1:"));
}

#[test]
fn a_minted_gitlab_token_gets_its_own_identity_and_issuer() {
    let m = mock();
    let (_reg, _, image) = registry_with_image("harness/gitlab", b"gitlab layer");
    let token = m.mint_token(serde_json::json!({"claims": {
        "iss": "https://gitlab.com",
        "sub": "project_path:acme/constitution:ref_type:tag:ref:v2.0.0",
        "ci_config_ref_uri": "gitlab.com/acme/constitution//.gitlab-ci.yml@refs/tags/v2.0.0",
    }}));
    m.cosign_sign_keyless(Cosign::V2, &image, &token, &[]).ok();
    let identity = "https://gitlab.com/acme/constitution//.gitlab-ci.yml@refs/tags/v2.0.0";
    m.cosign_verify_exact(Cosign::V2, &image, identity, "https://gitlab.com")
        .ok();
    m.cosign_verify_exact(Cosign::V2, &image, identity, GITHUB_ISSUER)
        .failed();
}
