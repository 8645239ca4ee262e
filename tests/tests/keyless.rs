//! Keyless release from CI: `policy-bundle --keyless` takes the job's OIDC token (GitHub
//! Actions' endpoint of the loopback `e2e::sigstore_mock`, `SIGSTORE_ID_TOKEN`, or
//! `--identity-token @file`), gets a Fulcio certificate for an ephemeral key and logs the
//! signature in Rekor. The real cosign v2.4.1 verifies it by identity and refuses another;
//! sigstore-js verifies the v0.3 bundle for the identity; sigstore-rs verifies the `.sig`
//! layer's certificate, chain and bundle for the identity and refuses another. Each bad input is one line and
//! leaves the registry untouched.

use std::path::Path;

use sha2::Digest as _;
use std::process::Command;
use std::sync::OnceLock;

use e2e::registry::TestRegistry;
use e2e::sigstore_mock::{
    registry_manifest, registry_sigstore_bundles, Cosign, FulcioFault, Match, Signed, Signer,
    SigstoreMock, DEFAULT_IDENTITY, GITHUB_ISSUER,
};
use e2e::{sample_copy, sigstore_verify_keyless, xtask, Run};

fn mock() -> &'static SigstoreMock {
    static MOCK: OnceLock<SigstoreMock> = OnceLock::new();
    MOCK.get_or_init(SigstoreMock::start)
}

/// The xtask pointed at the mock, with no token source in its environment.
fn keyless(cwd: &Path, args: &[&str]) -> Command {
    keyless_with(mock(), cwd, args)
}

fn keyless_with(m: &SigstoreMock, cwd: &Path, args: &[&str]) -> Command {
    let mut c = xtask(cwd, args);
    c.env_remove("POLICY_TLOG_UPLOAD")
        .env_remove("POLICY_INSECURE_IGNORE_TLOG")
        .env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .env("POLICY_REKOR_URL", m.rekor_url())
        .env("POLICY_FULCIO_URL", m.fulcio_url())
        .env("POLICY_TRUSTED_ROOT", m.trusted_root());
    c
}

fn run(mut c: Command) -> Run {
    c.output().expect("run xtask").into()
}

#[test]
fn github_actions_identity_signs_and_cosign_verifies_by_identity() {
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/keyless/constitution:dev", reg.addr);
    let mut c = keyless(
        d.path(),
        &["policy-bundle", "--keyless", "--to", &to, "--json"],
    );
    c.envs(m.github_actions_env());
    let r = run(c);
    r.ok();
    let j: serde_json::Value =
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    assert_eq!(j["certificate"]["identity"], DEFAULT_IDENTITY, "{j}");
    assert_eq!(j["certificate"]["issuer"], GITHUB_ISSUER, "{j}");
    assert!(j["tlog"]["log_index"].is_i64(), "{j}");
    let digest = j["digest"].as_str().unwrap().to_string();
    // No key was written: the ephemeral key lived in memory only.
    assert!(!d.path().join(".policy-keys").exists());
    // The token never reaches the output.
    let token_part = m.oidc_request_token();
    assert!(!r.stdout.contains(token_part) && !r.stderr.contains(token_part));

    // The .sig layer carries the certificate and chain as cosign stores them.
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let (_, sig) = registry_manifest(&reg.addr, "keyless/constitution", &sig_tag).unwrap();
    let sig: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    let ann = &sig["layers"][0]["annotations"];
    for k in [
        "dev.sigstore.cosign/certificate",
        "dev.sigstore.cosign/chain",
        "dev.sigstore.cosign/bundle",
    ] {
        assert!(ann[k].is_string(), "{k} missing: {sig}");
    }

    // cosign 2.4.1 by identity: the right one verifies, another (and another issuer) do not.
    let image = format!("{}/keyless/constitution@{digest}", reg.addr);
    m.cosign_verify_exact(Cosign::V2, &image, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    m.cosign_verify_identity(
        Cosign::V2,
        &image,
        Match::Regexp(
            "^https://github.com/trustacks/constitution/.github/workflows/publish.yml@refs/tags/v",
        ),
        Match::Exact(GITHUB_ISSUER),
        &[],
    )
    .ok();
    m.cosign_verify_exact(
        Cosign::V2,
        &image,
        "https://github.com/acme/other/.github/workflows/publish.yml@refs/heads/main",
        GITHUB_ISSUER,
    )
    .failed();
    m.cosign_verify_exact(
        Cosign::V2,
        &image,
        DEFAULT_IDENTITY,
        "https://accounts.google.com",
    )
    .failed();

    // cosign 3 by identity (it reads the referrer bundle or the .sig).
    m.cosign_verify_exact(Cosign::V3, &image, DEFAULT_IDENTITY, GITHUB_ISSUER)
        .ok();
    m.cosign_verify_exact(
        Cosign::V3,
        &image,
        "https://github.com/acme/other/.github/workflows/publish.yml@refs/heads/main",
        GITHUB_ISSUER,
    )
    .failed();

    // sigstore-rs by identity: certificate against the Fulcio root, bundle against the log key.
    let rs = |root: &Path, identity: &str, issuer: &str| {
        sigstore_verify_keyless(
            &reg.addr,
            "keyless/constitution",
            &digest,
            root,
            &m.rekor_pubkey(),
            identity,
            issuer,
        )
    };
    let n = rs(&m.fulcio_root(), DEFAULT_IDENTITY, GITHUB_ISSUER)
        .unwrap_or_else(|e| panic!("sigstore-rs refused the right identity: {e}"));
    assert_eq!(n, 1);
    let other = "https://github.com/acme/other/.github/workflows/publish.yml@refs/heads/main";
    let e = rs(&m.fulcio_root(), other, GITHUB_ISSUER).unwrap_err();
    assert!(e.contains("no layer signed by"), "{e}");
    let e = rs(
        &m.fulcio_root(),
        DEFAULT_IDENTITY,
        "https://accounts.google.com",
    )
    .unwrap_err();
    assert!(e.contains("no layer signed by"), "{e}");
    // Another CA (the TSA's chain) as the root: the certificate does not chain.
    let e = rs(&m.tsa_chain(), DEFAULT_IDENTITY, GITHUB_ISSUER).unwrap_err();
    assert!(e.contains("chains to the Fulcio root"), "{e}");

    // Ours, by identity, against the mock's trusted root (Fulcio CA, CT log, Rekor).
    let verify = |extra: &[&str]| {
        let mut args = vec!["policy-verify", to.as_str()];
        args.extend_from_slice(extra);
        run(keyless(d.path(), &args))
    };
    let r = verify(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        GITHUB_ISSUER,
    ]);
    r.ok();
    assert!(r.stdout.contains(".sig and Sigstore bundle"), "{r}");
    assert!(
        r.stdout
            .contains(&format!("keyless: signed by {DEFAULT_IDENTITY}")),
        "{r}"
    );
    assert!(r.stdout.contains("transparency log: entry"), "{r}");
    verify(&[
        "--certificate-identity-regexp",
        "^https://github.com/trustacks/constitution/",
        "--certificate-oidc-issuer-regexp",
        "^https://token\\.actions\\.githubusercontent\\.com$",
    ])
    .ok();
    let r = verify(&[
        "--certificate-identity",
        "https://github.com/acme/other/.github/workflows/publish.yml@refs/heads/main",
        "--certificate-oidc-issuer",
        GITHUB_ISSUER,
    ]);
    r.failed();
    assert!(r.error_line().contains("does not match"), "{r}");
    let r = verify(&[
        "--certificate-identity",
        DEFAULT_IDENTITY,
        "--certificate-oidc-issuer",
        "https://accounts.google.com",
    ]);
    r.failed();
    assert!(r.error_line().contains("OIDC issuer"), "{r}");
    // Against the built-in public-good root the mock's log and CA are unknown.
    let mut c = keyless(
        d.path(),
        &[
            "policy-verify",
            &to,
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    );
    c.env_remove("POLICY_TRUSTED_ROOT");
    run(c).failed();

    // Inspect shows the signer identity; another identity shows unverified.
    let r = run(keyless(
        d.path(),
        &[
            "policy-inspect",
            &to,
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ));
    r.ok();
    assert!(
        r.stdout.contains(&format!(
            "SIGNER     {DEFAULT_IDENTITY} (issuer {GITHUB_ISSUER})"
        )),
        "{r}"
    );
    let r = run(keyless(
        d.path(),
        &[
            "policy-inspect",
            &to,
            "--json",
            "--certificate-identity-regexp",
            "^https://github.com/acme/",
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ));
    r.ok();
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["oci"]["signature"]["status"], "unverified", "{j}");

    // Promotion by identity: refused for another identity (nothing tagged), done for ours;
    // cosign verifies the copy by identity.
    let dst = format!("{}/keyless/prod:stable", reg.addr);
    let r = run(keyless(
        d.path(),
        &[
            "policy-promote",
            &to,
            &dst,
            "--certificate-identity-regexp",
            "^https://github.com/acme/",
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ));
    r.failed();
    assert!(r.error_line().contains("refusing to promote"), "{r}");
    assert!(registry_manifest(&reg.addr, "keyless/prod", "stable").is_none());
    let r = run(keyless(
        d.path(),
        &[
            "policy-promote",
            &to,
            &dst,
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ));
    r.ok();
    m.cosign_verify_exact(
        Cosign::V2,
        &format!("{}/keyless/prod@{digest}", reg.addr),
        DEFAULT_IDENTITY,
        GITHUB_ISSUER,
    )
    .ok();

    // The bundle alone (the .sig emptied): ours and cosign 3 verify it by identity.
    let (_, sig) = registry_manifest(&reg.addr, "keyless/prod", &sig_tag).unwrap();
    let mut empty: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    empty["layers"] = serde_json::json!([]);
    let (status, _) = e2e::sigstore_mock::http(
        &reg.addr,
        "PUT",
        &format!("/v2/keyless/prod/manifests/{sig_tag}"),
        &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
        Some(&serde_json::to_vec(&empty).unwrap()),
    )
    .unwrap();
    assert_eq!(status, 201);
    let r = run(keyless(
        d.path(),
        &[
            "policy-verify",
            &dst,
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ));
    r.ok();
    assert!(r.stdout.contains("Sigstore bundle (referrer) only"), "{r}");
    let r = run(keyless(
        d.path(),
        &[
            "policy-verify",
            &dst,
            "--certificate-identity",
            "https://github.com/acme/other/.github/workflows/publish.yml@refs/heads/main",
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ));
    r.failed();
    assert!(r.error_line().contains("does not match"), "{r}");
    m.cosign_verify_exact(
        Cosign::V3,
        &format!("{}/keyless/prod@{digest}", reg.addr),
        DEFAULT_IDENTITY,
        GITHUB_ISSUER,
    )
    .ok();

    // sigstore-js on the v0.3 bundle, for the identity; refused for another.
    let bundles = registry_sigstore_bundles(&reg.addr, "keyless/constitution", &digest);
    assert_eq!(bundles.len(), 1, "one bundle referrer");
    let b: serde_json::Value = serde_json::from_slice(&bundles[0]).unwrap();
    assert!(
        b["verificationMaterial"]["certificate"]["rawBytes"].is_string(),
        "{b}"
    );
    let file = d.path().join("bundle.sigstore.json");
    std::fs::write(&file, &bundles[0]).unwrap();
    m.sigstore_js_verify(
        &file,
        Signed::Digest(&digest),
        Signer::Identity {
            identity: DEFAULT_IDENTITY,
            issuer: GITHUB_ISSUER,
        },
    )
    .ok();
    m.sigstore_js_verify(
        &file,
        Signed::Digest(&digest),
        Signer::Identity {
            identity: "https://github.com/acme/other/.github/workflows/x.yml@refs/heads/main",
            issuer: GITHUB_ISSUER,
        },
    )
    .failed();
}

#[test]
fn token_from_env_and_file_in_that_order() {
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/keyless/env:dev", reg.addr);
    // SIGSTORE_ID_TOKEN (GitLab, generic CI) wins over GitHub Actions' endpoint.
    let other = m.mint_token(serde_json::json!({"github": {"repository": "acme/other"}}));
    let mut c = keyless(
        d.path(),
        &["policy-bundle", "--keyless", "--to", &to, "--json"],
    );
    c.envs(m.github_actions_env())
        .env("SIGSTORE_ID_TOKEN", &other);
    let r = run(c);
    r.ok();
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let identity = j["certificate"]["identity"].as_str().unwrap();
    assert!(
        identity.starts_with("https://github.com/acme/other/"),
        "{j}"
    );
    assert!(!r.stderr.contains(&other) && !r.stdout.contains(&other));

    // --identity-token @file wins over the environment.
    let file = d.path().join("token.jwt");
    std::fs::write(&file, m.identity_token()).unwrap();
    let arg = format!("@{}", file.display());
    let mut c = keyless(
        d.path(),
        &[
            "policy-bundle",
            "--keyless",
            "--identity-token",
            &arg,
            "--to",
            &to,
            "--json",
        ],
    );
    c.env("SIGSTORE_ID_TOKEN", &other);
    let r = run(c);
    r.ok();
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["certificate"]["identity"], DEFAULT_IDENTITY, "{j}");
}

/// Runs a keyless publish expected to fail: one line, and nothing under `repo` in the registry.
fn refused(
    m: &SigstoreMock,
    reg: &TestRegistry,
    d: &Path,
    repo: &str,
    setup: impl FnOnce(&mut Command),
) -> String {
    let to = format!("{}/{repo}:dev", reg.addr);
    let mut c = keyless_with(m, d, &["policy-bundle", "--keyless", "--to", &to]);
    setup(&mut c);
    let r = run(c);
    r.failed();
    assert!(
        registry_manifest(&reg.addr, repo, "dev").is_none(),
        "{repo}: something was tagged: {r}"
    );
    r.error_line().to_string()
}

#[test]
fn bad_inputs_are_one_line_and_push_nothing() {
    // Its own mock: the faults below must not reach the other tests.
    let m = &SigstoreMock::start();
    let reg = TestRegistry::start();
    let d = sample_copy();

    let e = refused(m, &reg, d.path(), "bad/none", |_| {});
    assert!(
        e.contains("--identity-token")
            && e.contains("SIGSTORE_ID_TOKEN")
            && e.contains("ACTIONS_ID_TOKEN_REQUEST_URL"),
        "{e}"
    );

    let expired = m.mint_token(serde_json::json!({"expired": true}));
    let e = refused(m, &reg, d.path(), "bad/expired", |c| {
        c.env("SIGSTORE_ID_TOKEN", &expired);
    });
    assert!(
        e.contains("expired") && e.contains("SIGSTORE_ID_TOKEN"),
        "{e}"
    );
    assert!(!e.contains(&expired));

    let e = refused(m, &reg, d.path(), "bad/malformed", |c| {
        c.env("SIGSTORE_ID_TOKEN", "not-a-token-secret");
    });
    assert!(
        e.contains("not a JWT") && !e.contains("not-a-token-secret"),
        "{e}"
    );

    // Fulcio refuses a token for another audience.
    let wrong_aud = m.mint_token(serde_json::json!({"audience": "not-sigstore"}));
    let e = refused(m, &reg, d.path(), "bad/audience", |c| {
        c.env("SIGSTORE_ID_TOKEN", &wrong_aud);
    });
    assert!(
        e.contains("Fulcio") && e.contains("refused") && e.contains("401"),
        "{e}"
    );
    assert!(!e.contains(&wrong_aud));

    // A certificate for another key than ours.
    m.fulcio_misbehave(FulcioFault::WrongKey, 1);
    let token = m.identity_token();
    let e = refused(m, &reg, d.path(), "bad/wrongkey", |c| {
        c.env("SIGSTORE_ID_TOKEN", &token);
    });
    assert!(e.contains("another key"), "{e}");

    // Rekor down: retried, then refused with no tag moved.
    m.inject_fault("/api/v1/log/entries", 503, 20);
    let e = refused(m, &reg, d.path(), "bad/rekor", |c| {
        c.env("SIGSTORE_ID_TOKEN", &token);
    });
    assert!(e.contains("Rekor") && e.contains("upload failed"), "{e}");
    m.reset();
}

#[test]
fn missing_or_foreign_sct_is_refused_unless_ignored() {
    let m = &SigstoreMock::start();
    let reg = TestRegistry::start();
    let d = sample_copy();
    for (fault, repo, why) in [
        (FulcioFault::NoSct, "sct/none", "no embedded SCT"),
        (FulcioFault::ForeignSct, "sct/foreign", "CT log not in"),
    ] {
        let to = format!("{}/{repo}:dev", reg.addr);
        m.fulcio_misbehave(fault, 1);
        let token = m.identity_token();
        let mut c = keyless_with(m, d.path(), &["policy-bundle", "--keyless", "--to", &to]);
        c.env("SIGSTORE_ID_TOKEN", &token);
        run(c).ok();
        let check = |extra: &[&str]| {
            let mut args = vec![
                "policy-verify",
                to.as_str(),
                "--certificate-identity",
                DEFAULT_IDENTITY,
                "--certificate-oidc-issuer",
                GITHUB_ISSUER,
            ];
            args.extend_from_slice(extra);
            run(keyless_with(m, d.path(), &args))
        };
        let r = check(&[]);
        r.failed();
        assert!(r.error_line().contains(why), "{r}");
        let r = check(&["--insecure-ignore-sct"]);
        r.ok();
        assert!(r.stderr.contains("--insecure-ignore-sct"), "{r}");
    }
}

/// The release recipe of docs/signing.md, with the xtask only: tests, build, push with the
/// version's tags and annotation, keyless signing from the GitHub Actions identity, and the
/// customer's verification by identity regexp.
#[test]
fn release_recipe_tags_by_semver_and_verifies_as_a_customer() {
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/release/constitution", reg.addr);
    let publish = |version: &str| {
        let mut c = keyless(
            d.path(),
            &[
                "policy-bundle",
                "--keyless",
                "--release",
                version,
                "--to",
                &to,
                "--json",
            ],
        );
        c.envs(m.github_actions_env());
        let r = run(c);
        r.ok();
        let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        j["digest"].as_str().unwrap().to_string()
    };
    let digest_of = |tag: &str| {
        registry_manifest(&reg.addr, "release/constitution", tag).map(|(_, b)| {
            let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
            (
                format!("sha256:{}", hex(&sha2::Sha256::digest(&b))),
                v["annotations"]["org.opencontainers.image.version"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
    };
    let stable = publish("v1.2.3");
    for tag in ["1.2.3", "1", "latest"] {
        assert_eq!(
            digest_of(tag),
            Some((stable.clone(), "1.2.3".to_string())),
            "{tag}"
        );
    }
    let rc = publish("1.3.0-rc.1");
    assert_eq!(digest_of("1.3.0-rc.1").map(|d| d.0), Some(rc.clone()));
    assert_eq!(digest_of("latest").map(|d| d.0), Some(stable.clone()));
    assert_eq!(digest_of("1").map(|d| d.0), Some(stable));

    // The customer: cosign verify with the workflow's identity regexp and GitHub's issuer.
    m.cosign_verify_identity(
        Cosign::V2,
        &format!("{to}:1"),
        Match::Regexp(
            "^https://github.com/trustacks/constitution/.github/workflows/publish.yml@refs/tags/v",
        ),
        Match::Exact(GITHUB_ISSUER),
        &[],
    )
    .ok();

    // Not SemVer: refused before anything runs.
    let r = run(keyless(
        d.path(),
        &[
            "policy-bundle",
            "--keyless",
            "--release",
            "1.2",
            "--to",
            &to,
        ],
    ));
    r.failed();
    assert!(r.error_line().contains("not a SemVer version"), "{r}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Verification refuses a certificate that expired before its entry was integrated, and one
/// that does not chain to the trusted root's Fulcio CA.
#[test]
fn expired_or_foreign_certificates_are_refused() {
    let m = &SigstoreMock::start();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let verify = |to: &str, root: &Path| {
        let mut c = keyless_with(
            m,
            d.path(),
            &[
                "policy-verify",
                to,
                "--certificate-identity",
                DEFAULT_IDENTITY,
                "--certificate-oidc-issuer",
                GITHUB_ISSUER,
            ],
        );
        c.env("POLICY_TRUSTED_ROOT", root);
        run(c)
    };
    let publish = |to: &str| {
        let mut c = keyless_with(m, d.path(), &["policy-bundle", "--keyless", "--to", to]);
        c.envs(m.github_actions_env());
        run(c).ok();
    };

    // A root whose logs are the mock's but whose Fulcio CA is another mock's.
    let to = format!("{}/cert/foreign:dev", reg.addr);
    publish(&to);
    verify(&to, &m.trusted_root()).ok();
    let other = SigstoreMock::start();
    let mut root: serde_json::Value =
        serde_json::from_slice(&std::fs::read(m.trusted_root()).unwrap()).unwrap();
    let theirs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(other.trusted_root()).unwrap()).unwrap();
    root["certificateAuthorities"] = theirs["certificateAuthorities"].clone();
    let foreign = d.path().join("foreign_root.json");
    std::fs::write(&foreign, root.to_string()).unwrap();
    let r = verify(&to, &foreign);
    r.failed();
    assert!(r.error_line().contains("does not chain"), "{r}");

    // Rekor's clock an hour ahead: the ten-minute certificate expired before integration.
    m.set_clock_offset(e2e::sigstore_mock::Service::Rekor, 3600);
    let to = format!("{}/cert/expired:dev", reg.addr);
    publish(&to);
    let r = verify(&to, &m.trusted_root());
    r.failed();
    assert!(r.error_line().contains("does not chain"), "{r}");
    assert!(r.error_line().contains("expired"), "{r}");
}

/// A digest signed keyless and with the key verifies either way; keyless only, the key check
/// says how to verify it instead.
#[test]
fn key_and_keyless_signatures_side_by_side() {
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/both/constitution:dev", reg.addr);
    let mut c = keyless(d.path(), &["policy-bundle", "--keyless", "--to", &to]);
    c.envs(m.github_actions_env());
    run(c).ok();

    let mut c = keyless(d.path(), &["policy-verify", &to]);
    c.env("COSIGN_PASSWORD", "pw");
    // No key yet: write one, then the key check of a keyless-only signature.
    let mut k = keyless(d.path(), &["policy-keys"]);
    k.env("COSIGN_PASSWORD", "pw");
    run(k).ok();
    let r = run(c);
    r.failed();
    assert!(r.error_line().contains("signed keyless"), "{r}");

    let mut c = keyless(d.path(), &["policy-bundle", "--to", &to]);
    c.env("COSIGN_PASSWORD", "pw");
    run(c).ok();
    run(keyless(d.path(), &["policy-verify", &to])).ok();
    run(keyless(
        d.path(),
        &[
            "policy-verify",
            &to,
            "--certificate-identity",
            DEFAULT_IDENTITY,
            "--certificate-oidc-issuer",
            GITHUB_ISSUER,
        ],
    ))
    .ok();
}

/// `status` shows who signed the bundle the Runner would pull, and a wrong identity as ✗.
#[test]
fn status_shows_the_signer_identity() {
    e2e::require("kubectl");
    let m = mock();
    let reg = TestRegistry::start();
    let d = sample_copy();
    let server = e2e::apiserver::ApiServer::start(&["trustacks-system"]);
    let kubeconfig = server.kubeconfig(true);
    let to = format!("{}/status/constitution:dev", reg.addr);
    let mut c = keyless(d.path(), &["policy-bundle", "--keyless", "--to", &to]);
    c.envs(m.github_actions_env());
    run(c).ok();
    let row = |identity: &str| {
        let mut c = keyless(
            d.path(),
            &[
                "status",
                "--json",
                "--bundle-ref",
                &to,
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                GITHUB_ISSUER,
            ],
        );
        c.env("KUBECONFIG", &kubeconfig).env("HOME", d.path());
        let r = run(c);
        let j: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
        j["needs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["need"] == "policy bundle")
            .cloned()
            .unwrap()
    };
    let ok = row(DEFAULT_IDENTITY);
    assert_eq!(ok["ok"], true, "{ok}");
    assert!(
        ok["reason"].as_str().unwrap().contains(&format!(
            "signed by {DEFAULT_IDENTITY} (issuer {GITHUB_ISSUER})"
        )),
        "{ok}"
    );
    let bad = row("https://github.com/acme/other/.github/workflows/publish.yml@refs/heads/main");
    assert_eq!(bad["ok"], false, "{bad}");
    assert!(
        bad["reason"].as_str().unwrap().contains("does not match"),
        "{bad}"
    );
}
