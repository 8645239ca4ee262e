//! The registry transport against real parts: a TLS registry with a CA the test makes
//! (openssl), trusted through `SSL_CERT_FILE` and through `--ca-file`, refused otherwise; a
//! CONNECT-logging proxy used via `HTTPS_PROXY` and bypassed via `NO_PROXY`; one digest under
//! any tags; `--unsigned`; and `policy-promote` across repositories and registries.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::proxy::TestProxy;
use e2e::registry::TestRegistry;
use e2e::{require, run, sample_copy, xtask, Run};

const PW: &str = "correct horse battery staple";

fn with_pw(cwd: &Path, args: &[&str]) -> Run {
    xtask(cwd, args)
        .env("COSIGN_PASSWORD", PW)
        .output()
        .expect("run")
        .into()
}

fn json(r: &Run) -> serde_json::Value {
    r.ok();
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"))
}

/// A CA and a server certificate for 127.0.0.1 and localhost, signed by it.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        require("openssl");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let ssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        ssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=xtask test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        ssl(&[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ]);
        std::fs::write(
            d.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n\
             keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        ssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
        ]);
        Pki { dir }
    }
    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }
    fn registry(&self) -> TestRegistry {
        TestRegistry::start_tls(
            &self.dir.path().join("server.pem"),
            &self.dir.path().join("server.key"),
        )
    }
}

#[test]
fn tls_registry_via_trust_store_and_ca_file_untrusted_refused() {
    let pki = Pki::new();
    let reg = pki.registry();
    let d = sample_copy();
    let to = format!("{}/p/c:dev", reg.addr);
    with_pw(d.path(), &["policy-keys"]).ok();

    // Untrusted: refused, naming the host and the fix; nothing pushed over plain HTTP instead.
    let r = with_pw(d.path(), &["policy-bundle", "--to", &to]);
    r.failed();
    let e = r.error_line();
    assert!(e.contains(&reg.addr) && e.contains("--ca-file"), "{r}");

    // The CA in the trust store the way OpenSSL-style tools read it: SSL_CERT_FILE.
    let r: Run = xtask(d.path(), &["policy-bundle", "--to", &to, "--json"])
        .env("COSIGN_PASSWORD", PW)
        .env("SSL_CERT_FILE", pki.ca())
        .output()
        .unwrap()
        .into();
    let digest = json(&r)["digest"].as_str().unwrap().to_string();

    // --ca-file, on the read side.
    let ca = pki.ca();
    let r = run(
        d.path(),
        &["policy-verify", &to, "--ca-file", ca.to_str().unwrap()],
    );
    r.ok();
    assert!(r.stdout.contains(&digest), "{r}");

    // --insecure works, and says so.
    let r = run(d.path(), &["policy-verify", &to, "--insecure"]);
    r.ok();
    assert!(r.stderr.contains("warning: --insecure"), "{r}");

    // A CA file that is not one.
    let r = run(
        d.path(),
        &[
            "policy-verify",
            &to,
            "--ca-file",
            d.path().join("nope.pem").to_str().unwrap(),
        ],
    );
    r.failed();
    assert!(r.error_line().contains("--ca-file"), "{r}");
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let pki = Pki::new();
    let reg = pki.registry();
    let proxy = TestProxy::start();
    let d = sample_copy();
    let to = format!("{}/p/c:dev", reg.addr);
    let ca = pki.ca();
    let ca = ca.to_str().unwrap();
    with_pw(d.path(), &["policy-keys"]).ok();

    let r: Run = xtask(d.path(), &["policy-bundle", "--to", &to, "--ca-file", ca])
        .env("COSIGN_PASSWORD", PW)
        .env("HTTPS_PROXY", &proxy.url)
        .output()
        .unwrap()
        .into();
    r.ok();
    let seen = proxy.lines();
    assert!(
        seen.iter()
            .any(|l| l.starts_with(&format!("CONNECT {} ", reg.addr))),
        "the push went through the proxy: {seen:?}"
    );

    // Lower-case form and NO_PROXY naming the host: straight to the registry.
    let before = proxy.lines().len();
    let r: Run = xtask(d.path(), &["policy-verify", &to, "--ca-file", ca])
        .env("https_proxy", &proxy.url)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap()
        .into();
    r.ok();
    assert_eq!(
        proxy.lines().len(),
        before,
        "NO_PROXY bypasses: {:?}",
        proxy.lines()
    );

    // Plain HTTP registries go through HTTP_PROXY.
    let plain = TestRegistry::start();
    let to = format!("{}/p/c:dev", plain.addr);
    let r: Run = xtask(d.path(), &["policy-bundle", "--to", &to, "--plain-http"])
        .env("COSIGN_PASSWORD", PW)
        .env("HTTP_PROXY", &proxy.url)
        .output()
        .unwrap()
        .into();
    r.ok();
    assert!(
        proxy
            .lines()
            .iter()
            .any(|l| l.contains(&format!("http://{}/v2/", plain.addr))),
        "{:?}",
        proxy.lines()
    );
}

#[test]
fn two_tags_one_digest_and_unsigned_pushes() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_pw(d.path(), &["policy-keys"]).ok();
    let repo = format!("{}/p/c", reg.addr);
    let dev = json(&with_pw(
        d.path(),
        &["policy-bundle", "--to", &format!("{repo}:dev"), "--json"],
    ));
    let rel = json(&with_pw(
        d.path(),
        &["policy-bundle", "--to", &format!("{repo}:1.4.0"), "--json"],
    ));
    assert_eq!(
        dev["digest"], rel["digest"],
        "the tag is not in the content"
    );
    assert_eq!(dev["signed"], true);
    assert_eq!(
        rel["signature"]["appended"], false,
        "same digest, same signature"
    );

    // Asked-for version annotation: a different digest, on purpose.
    let ver = json(&with_pw(
        d.path(),
        &[
            "policy-bundle",
            "--to",
            &format!("{repo}:1.4.0"),
            "--json",
            "--annotation",
            "org.opencontainers.image.version=1.4.0",
        ],
    ));
    assert_ne!(ver["digest"], dev["digest"]);

    // --unsigned: no keys needed, loud, recorded; verification then refuses it.
    let nokeys = sample_copy();
    let to = format!("{}/hotfix/c:dev", reg.addr);
    let r = run(
        nokeys.path(),
        &["policy-bundle", "--to", &to, "--unsigned", "--json"],
    );
    let j = json(&r);
    assert_eq!(j["signed"], false);
    assert!(j["signature"].is_null());
    assert!(r.stderr.contains("NOT SIGNED"), "{r}");
    assert!(
        !nokeys.path().join(".policy-keys").exists(),
        "no keys created"
    );
    let r = run(d.path(), &["policy-verify", &to]);
    r.failed();
    assert!(r.error_line().contains("not signed"), "{r}");
}

#[test]
fn promote_across_repositories_registries_and_layouts() {
    let a = TestRegistry::start();
    let b = TestRegistry::start();
    let d = sample_copy();
    let src = format!("{}/dev/constitution:dev", a.addr);
    let j = json(&with_pw(
        d.path(),
        &["policy-bundle", "--to", &src, "--json"],
    ));
    let digest = j["digest"].as_str().unwrap().to_string();

    // Same registry, another repository (blobs mounted, not uploaded), two tags.
    let dst = format!("{}/prod/constitution:1.4.0", a.addr);
    let p = json(&run(
        d.path(),
        &["policy-promote", &src, &dst, "--tag", "stable", "--json"],
    ));
    assert_eq!(p["digest"], digest.as_str());
    assert_eq!(p["uploaded_blobs"], 0, "mounted within one registry: {p}");
    for tag in ["1.4.0", "stable"] {
        let r = run(
            d.path(),
            &[
                "policy-verify",
                &format!("{}/prod/constitution:{tag}", a.addr),
                "--json",
            ],
        );
        assert_eq!(json(&r)["digest"], digest.as_str());
    }

    // Another registry, by digest; then into an OCI layout and back out again.
    let pinned = format!("{}/dev/constitution@{digest}", a.addr);
    let dst = format!("{}/prod/constitution:1.4.0", b.addr);
    let p = json(&run(d.path(), &["policy-promote", &pinned, &dst, "--json"]));
    assert_eq!(p["digest"], digest.as_str());
    assert_eq!(p["signatures"], 1);
    run(d.path(), &["policy-verify", &dst]).ok();

    // DST's own signatures (another key signed the same digest there) survive a re-promote.
    let other = tempfile::tempdir().unwrap();
    e2e::copy_dir(&d.path().join("policy"), &other.path().join("policy"));
    let j2 = json(&with_pw(
        other.path(),
        &["policy-bundle", "--to", &dst, "--json"],
    ));
    assert_eq!(j2["digest"], digest.as_str());
    let p = json(&run(d.path(), &["policy-promote", &pinned, &dst, "--json"]));
    assert_eq!(p["signatures"], 1, "one valid with this key");
    run(other.path(), &["policy-verify", &dst]).ok();
    run(d.path(), &["policy-verify", &dst]).ok();

    let layout = d.path().join("mirror");
    let oci_ref = format!("oci:{}:1.4.0", layout.display());
    run(d.path(), &["policy-promote", &dst, &oci_ref]).ok();
    let r = run(d.path(), &["policy-verify", &oci_ref, "--json"]);
    assert_eq!(json(&r)["digest"], digest.as_str());
    let back = format!("{}/restored/constitution:1.4.0", b.addr);
    run(d.path(), &["policy-promote", &oci_ref, &back]).ok();
    run(d.path(), &["policy-verify", &back]).ok();

    // skopeo, independently: the promoted manifest is byte for byte the tested one.
    require("skopeo");
    let out = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{dst}"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(&out.stdout)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(format!("sha256:{h}"), digest);

    // openssl, independently: the promoted signature verifies over the promoted payload.
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let out = Command::new("skopeo")
        .args([
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{}/prod/constitution:{sig_tag}", b.addr),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let sig: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let layer = &sig["layers"][0];
    let payload_digest = layer["digest"].as_str().unwrap();
    let payload = b
        .storage()
        .join("data/docker/registry/v2/blobs/sha256")
        .join(&payload_digest[7..9])
        .join(&payload_digest[7..])
        .join("data");
    let der = e2e::b64::decode(
        layer["annotations"]["dev.cosignproject.cosign/signature"]
            .as_str()
            .unwrap(),
    );
    let sig_file = d.path().join("promoted.sig");
    std::fs::write(&sig_file, der).unwrap();
    let out = Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(d.path().join(".policy-keys/cosign.pub"))
        .arg("-signature")
        .arg(&sig_file)
        .arg(&payload)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
        "openssl: {out:?}"
    );
    // sigstore-rs, independently: the promoted `.sig` verifies in every place it was copied to.
    let key = std::fs::read(d.path().join(".policy-keys/cosign.pub")).unwrap();
    let other_key = std::fs::read(other.path().join(".policy-keys/cosign.pub")).unwrap();
    assert_eq!(
        e2e::sigstore_verify(&a.addr, "prod/constitution", &digest, &key),
        Ok(1),
        "across repositories"
    );
    // DST's own signature (the other key's) survives the re-promote and travels on through
    // the layout with the rest of the `.sig`.
    for repo in ["prod/constitution", "restored/constitution"] {
        for k in [&key, &other_key] {
            assert_eq!(
                e2e::sigstore_verify(&b.addr, repo, &digest, k),
                Ok(2),
                "across registries: {repo}"
            );
        }
    }

    // Unsigned or wrongly signed sources are refused, and nothing is tagged.
    let r = run(
        d.path(),
        &[
            "policy-bundle",
            "--to",
            &format!("{}/u/c:dev", a.addr),
            "--unsigned",
        ],
    );
    r.ok();
    let r = run(
        d.path(),
        &[
            "policy-promote",
            &format!("{}/u/c:dev", a.addr),
            &format!("{}/u/c:prod", b.addr),
        ],
    );
    r.failed();
    assert!(r.error_line().contains("refusing to promote"), "{r}");
    assert!(r.error_line().contains("not signed"), "{r}");
    assert_eq!(b.status("/v2/u/c/manifests/prod"), Some(404));
    let stranger = tempfile::tempdir().unwrap();
    with_pw(stranger.path(), &["policy-keys"]).ok();
    let r = run(
        stranger.path(),
        &["policy-promote", &src, &format!("{}/x/c:prod", b.addr)],
    );
    r.failed();
    assert!(r.error_line().contains("no signature verifies"), "{r}");
    assert_eq!(b.status("/v2/x/c/manifests/prod"), Some(404));
}
