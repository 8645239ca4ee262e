//! Faults and hostile input: key changes that fail leave the active pair as it was, hostile key
//! files get a one-line error, concurrent pushes both land, hostile bundles stay bounded.

use std::collections::BTreeMap;
use std::path::Path;

use e2e::{b64, run, workspace, xtask, Run};

const PW: &str = "correct horse battery staple";

fn with_pw(cwd: &Path, args: &[&str], pw: &str) -> Run {
    xtask(cwd, args)
        .env("COSIGN_PASSWORD", pw)
        .output()
        .expect("run")
        .into()
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file in `dir` with the sha256 of its contents.
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                sha256(&std::fs::read(e.path()).unwrap()),
            )
        })
        .collect()
}

/// The cosign-generated vector with its sealed JSON edited by `edit`.
fn hostile_key(edit: impl Fn(&mut serde_json::Value)) -> String {
    let text = std::fs::read_to_string(
        workspace().join("tests/fixtures/cosign/cosign2-empty-password.key"),
    )
    .unwrap();
    let b: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut json: serde_json::Value = serde_json::from_slice(&b64::decode(&b)).unwrap();
    edit(&mut json);
    let body = b64::encode(&serde_json::to_vec(&json).unwrap());
    format!("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n{body}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n")
}

#[test]
fn failed_key_changes_leave_the_active_pair_untouched() {
    let d = tempfile::tempdir().unwrap();
    let keys = d.path().join(".policy-keys");
    with_pw(d.path(), &["policy-keys"], PW).ok();
    let before = snapshot(&keys);
    assert_eq!(before.len(), 2, "{before:?}");
    let vector = workspace().join("tests/fixtures/cosign/cosign2-empty-password.key");
    let vector = vector.to_str().unwrap();
    let hostile = d.path().join("hostile.key");
    std::fs::write(
        &hostile,
        hostile_key(|j| j["kdf"]["params"]["r"] = 1_048_576.into()),
    )
    .unwrap();
    let hostile = hostile.to_str().unwrap();
    let sub = d.path().join("sub");
    std::fs::create_dir(&sub).unwrap();

    let cases: Vec<(Run, &str)> = vec![
        // No password source and no terminal.
        (
            run(d.path(), &["policy-keys", "--force"]),
            "set COSIGN_PASSWORD",
        ),
        (
            with_pw(
                d.path(),
                &["policy-keys", "--force", "--import", vector],
                "wrong",
            ),
            "wrong password for",
        ),
        (
            with_pw(
                d.path(),
                &["policy-keys", "--force", "--import", hostile],
                "",
            ),
            "scrypt r = 1048576 is refused (cosign writes r = 8)",
        ),
        (
            with_pw(
                d.path(),
                &["policy-keys", "--force", "--import", "/dev/zero"],
                "",
            ),
            "over the 65536-byte limit",
        ),
        (
            with_pw(
                d.path(),
                &["policy-keys", "--force", "--import", sub.to_str().unwrap()],
                "",
            ),
            "cannot read",
        ),
        (
            with_pw(d.path(), &["policy-keys", "--import", vector], ""),
            "keys already exist; pass --force",
        ),
    ];
    for (r, want) in cases {
        assert_eq!(r.code, 1, "a one-line error, not a crash: {r}");
        assert!(r.error_line().contains(want), "{want}: {r}");
        assert_eq!(r.stderr.lines().count(), 1, "{r}");
        assert_eq!(snapshot(&keys), before, "the active pair is untouched: {r}");
    }

    // A rotation that works keeps the old pair under a timestamp, byte for byte.
    let r = with_pw(d.path(), &["policy-keys", "--force"], "new password");
    r.ok();
    let after = snapshot(&keys);
    assert_eq!(after.len(), 4, "{after:?}");
    assert_ne!(after["cosign.key"], before["cosign.key"]);
    let suffix = after
        .keys()
        .find_map(|k| k.strip_prefix("cosign.key."))
        .expect("old key kept")
        .to_string();
    assert_eq!(after[&format!("cosign.key.{suffix}")], before["cosign.key"]);
    assert_eq!(after[&format!("cosign.pub.{suffix}")], before["cosign.pub"]);

    // A second rotation within the same second would need the same names: refused, unchanged.
    let again = with_pw(d.path(), &["policy-keys", "--force"], "x");
    if again.code != 0 {
        assert!(
            again.error_line().contains("wait a second and retry"),
            "{again}"
        );
        assert_eq!(snapshot(&keys), after);
    }
}

#[test]
fn first_run_failures_leave_nothing() {
    let d = tempfile::tempdir().unwrap();
    let vector = workspace().join("tests/fixtures/cosign/cosign2-empty-password.key");
    let r = with_pw(
        d.path(),
        &["policy-keys", "--import", vector.to_str().unwrap()],
        "wrong",
    );
    r.failed();
    let r = run(d.path(), &["policy-keys"]);
    r.failed();
    let keys = d.path().join(".policy-keys");
    assert!(!keys.exists() || snapshot(&keys).is_empty());
}

/// Writes `blob` into an OCI layout's blob store; returns its descriptor.
fn put_blob(layout: &Path, media_type: &str, blob: &[u8]) -> serde_json::Value {
    let hex = sha256(blob);
    let dir = layout.join("blobs/sha256");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&hex), blob).unwrap();
    serde_json::json!({"mediaType": media_type, "digest": format!("sha256:{hex}"), "size": blob.len()})
}

/// An OCI layout tagged `hostile` whose bundle layer is `layer`, signed cosign's way with a fresh
/// openssl key (so the signature verifies: a leaked key, a malicious insider). Returns the
/// public key's path.
fn signed_layout(dir: &Path, layer: &[u8]) -> std::path::PathBuf {
    use std::process::Command;
    let layout = dir.join("layout");
    let key = dir.join("k.pem");
    let public = dir.join("k.pub");
    let ok = |c: &mut Command| assert!(c.status().unwrap().success(), "{c:?}");
    ok(Command::new(e2e::require("openssl"))
        .args([
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
        ])
        .arg(&key));
    ok(Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&key)
        .arg("-out")
        .arg(&public));
    let config = put_blob(&layout, "application/vnd.oci.image.config.v1+json", b"{}");
    let layer = put_blob(
        &layout,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        layer,
    );
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": [layer],
    }))
    .unwrap();
    let m = put_blob(
        &layout,
        "application/vnd.oci.image.manifest.v1+json",
        &manifest,
    );
    let digest = m["digest"].as_str().unwrap().to_string();
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"hostile"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#
    );
    let payload_file = dir.join("payload");
    std::fs::write(&payload_file, &payload).unwrap();
    let sig = dir.join("sig.der");
    ok(Command::new("openssl")
        .args(["dgst", "-sha256", "-sign"])
        .arg(&key)
        .arg("-out")
        .arg(&sig)
        .arg(&payload_file));
    let mut p = put_blob(
        &layout,
        "application/vnd.dev.cosign.simplesigning.v1+json",
        payload.as_bytes(),
    );
    p["annotations"] = serde_json::json!({
        "dev.cosignproject.cosign/signature": b64::encode(&std::fs::read(&sig).unwrap())
    });
    let sig_manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config,
        "layers": [p],
    }))
    .unwrap();
    let s = put_blob(
        &layout,
        "application/vnd.oci.image.manifest.v1+json",
        &sig_manifest,
    );
    let tagged = |mut d: serde_json::Value, tag: &str| {
        d["annotations"] = serde_json::json!({"org.opencontainers.image.ref.name": tag});
        d
    };
    let sig_tag = format!("{}.sig", digest.replace(':', "-"));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [tagged(m, "hostile"), tagged(s, &sig_tag)],
    });
    std::fs::write(layout.join("index.json"), index.to_string()).unwrap();
    std::fs::write(
        layout.join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    public
}

/// A gzip'd tar whose first entry is an extension header (`flag`) claiming `size` bytes of
/// content, streamed through the compressor (3 GiB of one byte: about 30 MB at level 1).
fn header_bomb(flag: u8, size: u64) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    h.set_entry_type(tar::EntryType::new(flag));
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    gz.write_all(h.as_bytes()).unwrap();
    let mut left = size;
    if flag == b'x' {
        // One PAX record spanning the whole header: `LEN path=aaa...\n`.
        let head = format!("{size} path=");
        gz.write_all(head.as_bytes()).unwrap();
        left -= head.len() as u64 + 1;
    }
    let chunk = vec![b'a'; 1 << 20];
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        gz.write_all(&chunk[..n]).unwrap();
        left -= n as u64;
    }
    if flag == b'x' {
        gz.write_all(b"\n").unwrap();
    }
    gz.write_all(&vec![0u8; (512 - (size % 512) as usize) % 512])
        .unwrap();
    let mut f = tar::Header::new_gnu();
    f.as_old_mut().name[..6].copy_from_slice(b"a.rego");
    f.set_size(0);
    f.set_mode(0o644);
    f.set_cksum();
    gz.write_all(f.as_bytes()).unwrap();
    gz.write_all(&[0u8; 1024]).unwrap();
    gz.finish().unwrap()
}

#[test]
fn signed_tar_header_bombs_fail_fast_in_bounded_memory_leaving_nothing() {
    let time = e2e::require("time");
    let xtask_bin = e2e::xtask_bin(); // built before the clock starts
    for (flag, want) in [
        (
            b'L',
            "a GNU long name of 3221225473 bytes is over the 4096-byte limit",
        ),
        (
            b'x',
            "a PAX header of 3221225472 bytes is over the 65536-byte limit",
        ),
    ] {
        let d = tempfile::tempdir().unwrap();
        let size = if flag == b'L' { (3 << 30) + 1 } else { 3 << 30 };
        let bomb = header_bomb(flag, size);
        assert!(bomb.len() < 64 << 20, "{} bytes", bomb.len());
        let public = signed_layout(d.path(), &bomb);
        let reference = format!("oci:{}:hostile", d.path().join("layout").display());
        let out = d.path().join("unpacked/bundle");
        let started = std::time::Instant::now();
        let r: Run = std::process::Command::new(&time)
            .arg("-v")
            .arg(xtask_bin)
            .args(["policy-verify", &reference, "--key"])
            .arg(&public)
            .arg("--extract")
            .arg(&out)
            .current_dir(d.path())
            .output()
            .unwrap()
            .into();
        let elapsed = started.elapsed();
        assert_eq!(r.code, 1, "a one-line error, not an abort: {r}");
        assert!(r.stderr.contains(want), "{r}");
        let peak_kb: u64 = r
            .stderr
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no peak RSS in: {r}"));
        eprintln!("{}: peak RSS {peak_kb} kB, {elapsed:?}", flag as char);
        assert!(peak_kb < 256 << 10, "peak RSS {peak_kb} kB");
        assert!(elapsed < std::time::Duration::from_secs(20), "{elapsed:?}");
        let left: Vec<_> = std::fs::read_dir(d.path().join("unpacked"))
            .map(|rd| rd.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
}

/// `skopeo inspect --raw` of a reference (`docker://...` or `oci:...`).
fn skopeo_raw(reference: &str) -> Vec<u8> {
    let out = std::process::Command::new(e2e::require("skopeo"))
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

/// Two `policy-bundle` runs of the same tree with two keys, at once, to `to`; then each key
/// verifies, the tag names the one manifest both pushed, and its `.sig` holds both signatures.
fn two_concurrent_pushes(to: &str, sig_ref: impl Fn(&str) -> String, tag_ref: &str) {
    let d = e2e::sample_copy();
    for k in ["a", "b"] {
        with_pw(
            d.path(),
            &["policy-keys", "--dir", &format!("keys-{k}")],
            PW,
        )
        .ok();
    }
    let children: Vec<_> = ["a", "b"]
        .iter()
        .map(|k| {
            xtask(
                d.path(),
                &[
                    "policy-bundle",
                    "--to",
                    to,
                    "--keys",
                    &format!("keys-{k}"),
                    "--out",
                    &format!("target/{k}.tar.gz"),
                    "--json",
                ],
            )
            .env("COSIGN_PASSWORD", PW)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait").into())
        .collect();
    let mut digests = Vec::new();
    for r in &runs {
        r.ok();
        let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        digests.push(j["digest"].as_str().unwrap().to_string());
    }
    assert_eq!(digests[0], digests[1], "same tree, same manifest");
    let digest = &digests[0];
    assert_eq!(format!("sha256:{}", sha256(&skopeo_raw(tag_ref))), *digest);
    let sig: serde_json::Value = serde_json::from_slice(&skopeo_raw(&sig_ref(&format!(
        "{}.sig",
        digest.replace(':', "-")
    ))))
    .unwrap();
    assert_eq!(
        sig["layers"].as_array().unwrap().len(),
        2,
        "both signatures: {sig}"
    );
    for k in ["a", "b"] {
        run(
            d.path(),
            &[
                "policy-verify",
                to,
                "--key",
                &format!("keys-{k}/cosign.pub"),
            ],
        )
        .ok();
    }
}

#[test]
fn concurrent_pushes_to_one_repository_keep_every_signature() {
    use e2e::front::{Front, Reply};
    use std::sync::{Arc, Condvar, Mutex};
    let reg = e2e::registry::TestRegistry::start();
    // The first two reads of the `.sig` manifest wait for each other, so both runs read it
    // before either writes: the lost-update race, every time.
    let gate = Arc::new((Mutex::new(0usize), Condvar::new()));
    let g = gate.clone();
    let front = Front::start(&reg.addr, move |req, up| {
        let sig_read = req.method == "GET" && req.path.contains("/manifests/sha256-");
        let resp = up.forward(req);
        if sig_read {
            let (count, cv) = &*g;
            let mut n = count.lock().unwrap();
            *n += 1;
            if *n <= 2 {
                cv.notify_all();
                let _ = cv
                    .wait_timeout_while(n, std::time::Duration::from_secs(30), |n| *n < 2)
                    .unwrap();
            }
        }
        Reply::Send(resp)
    });
    let repo = format!("{}/trustacks/policy/constitution", front.addr);
    two_concurrent_pushes(
        &format!("{repo}:dev"),
        |sig_tag| format!("docker://{repo}:{sig_tag}"),
        &format!("docker://{repo}:dev"),
    );
    assert!(
        *gate.0.lock().unwrap() >= 3,
        "the race was forced and re-checked"
    );
}

#[test]
fn concurrent_pushes_to_one_oci_layout_keep_every_tag_and_signature() {
    let d = tempfile::tempdir().unwrap();
    let layout = d.path().join("layout");
    let l = layout.display().to_string();
    two_concurrent_pushes(
        &format!("oci:{l}:dev"),
        |sig_tag| format!("oci:{l}:{sig_tag}"),
        &format!("oci:{l}:dev"),
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let tags: Vec<_> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["annotations"]["org.opencontainers.image.ref.name"].as_str())
        .collect();
    assert_eq!(tags.len(), 2, "dev and the .sig tag, once each: {tags:?}");
}
