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
/// content (`a`s), then one empty file. Built without compressing gigabytes: once the window
/// holds only `a`s, the deflate blocks for 1 MiB of `a`s (ended by a sync flush, so byte-aligned
/// and referring only to the `a`s before them) decode the same wherever they stand, so they are
/// compressed once and repeated. About 3 MB for 3 GiB.
fn header_bomb(flag: u8, size: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    fn deflate(c: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() / 2 + 1024);
        let start = c.total_in();
        loop {
            let done = (c.total_in() - start) as usize;
            if out.len() == out.capacity() {
                out.reserve(64 << 10);
            }
            c.compress_vec(&input[done..], &mut out, flush).unwrap();
            let all_in = (c.total_in() - start) as usize == input.len();
            if all_in && out.len() < out.capacity() {
                return out;
            }
        }
    }
    let mut h = tar::Header::new_gnu();
    h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    h.set_entry_type(tar::EntryType::new(flag));
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    let mut prefix = h.as_bytes().to_vec();
    let mut suffix = Vec::new();
    let mut run = size; // how many `a`s
    if flag == b'x' {
        // One PAX record spanning the whole header: `LEN path=aaa...\n`.
        let head = format!("{size} path=");
        prefix.extend_from_slice(head.as_bytes());
        run -= head.len() as u64 + 1;
        suffix.push(b'\n');
    }
    suffix.resize(suffix.len() + (512 - (size % 512) as usize) % 512, 0);
    let mut f = tar::Header::new_gnu();
    f.as_old_mut().name[..6].copy_from_slice(b"a.rego");
    f.set_size(0);
    f.set_mode(0o644);
    f.set_cksum();
    suffix.extend_from_slice(f.as_bytes());
    suffix.extend_from_slice(&[0u8; 1024]);

    const WARM: usize = 64 << 10;
    const UNIT: usize = 1 << 20;
    let a = vec![b'a'; UNIT];
    let mut c = Compress::new(Compression::best(), false);
    let crc = |b: &[u8]| {
        let mut c = Crc::new();
        c.update(b);
        c.sum()
    };
    let mut first = prefix.clone();
    first.extend_from_slice(&a[..WARM]);
    let mut body = deflate(&mut c, &first, FlushCompress::Sync);
    let mut sum = crc(&first);
    let mut total = first.len() as u64;
    let unit = deflate(&mut c, &a, FlushCompress::Sync);
    let unit_crc = crc(&a);
    let left = run - WARM as u64;
    for _ in 0..left / UNIT as u64 {
        body.extend_from_slice(&unit);
        sum = crc32_combine(sum, unit_crc, UNIT as u64);
        total += UNIT as u64;
    }
    let mut last = a[..(left % UNIT as u64) as usize].to_vec();
    last.extend_from_slice(&suffix);
    body.extend_from_slice(&deflate(&mut c, &last, FlushCompress::Finish));
    sum = crc32_combine(sum, crc(&last), last.len() as u64);
    total += last.len() as u64;

    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    gz.extend_from_slice(&body);
    gz.extend_from_slice(&sum.to_le_bytes());
    gz.extend_from_slice(&(total as u32).to_le_bytes());
    gz
}

/// The CRC-32 of A followed by B from theirs and B's length (zlib's `crc32_combine`: appending
/// `len2` zero bits is a linear map, applied by repeated squaring of its matrix over GF(2)).
fn crc32_combine(mut crc1: u32, crc2: u32, mut len2: u64) -> u32 {
    fn times(mat: &[u32; 32], mut vec: u32) -> u32 {
        let (mut sum, mut i) = (0, 0);
        while vec != 0 {
            if vec & 1 != 0 {
                sum ^= mat[i];
            }
            vec >>= 1;
            i += 1;
        }
        sum
    }
    fn square(mat: &[u32; 32]) -> [u32; 32] {
        std::array::from_fn(|n| times(mat, mat[n]))
    }
    if len2 == 0 {
        return crc1;
    }
    // One zero bit.
    let mut odd = [0u32; 32];
    odd[0] = 0xedb8_8320;
    for (n, row) in odd.iter_mut().enumerate().skip(1) {
        *row = 1 << (n - 1);
    }
    let mut even = square(&odd); // two zero bits
    odd = square(&even); // four
    loop {
        even = square(&odd);
        if len2 & 1 != 0 {
            crc1 = times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        odd = square(&even);
        if len2 & 1 != 0 {
            crc1 = times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
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
        let t = std::time::Instant::now();
        let bomb = header_bomb(flag, size);
        eprintln!("bomb {} bytes in {:?}", bomb.len(), t.elapsed());
        assert!(bomb.len() < 8 << 20, "{} bytes", bomb.len());
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
/// Returns the work dir (keys in `keys-a`, `keys-b`) and the digest.
fn two_concurrent_pushes(
    to: &str,
    sig_ref: impl Fn(&str) -> String,
    tag_ref: &str,
) -> (tempfile::TempDir, String) {
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
    let digest = digest.clone();
    (d, digest)
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
    let (d, digest) = two_concurrent_pushes(
        &format!("{repo}:dev"),
        |sig_tag| format!("docker://{repo}:{sig_tag}"),
        &format!("docker://{repo}:dev"),
    );
    // sigstore-rs, independently and past the front: both signatures, each with its key.
    for k in ["a", "b"] {
        let key = std::fs::read(d.path().join(format!("keys-{k}/cosign.pub"))).unwrap();
        assert_eq!(
            e2e::sigstore_verify(&reg.addr, "trustacks/policy/constitution", &digest, &key),
            Ok(2),
            "keys-{k}"
        );
    }
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

/// `chattr +i` on a file for the guard's life (root on ext4: a rename over it, a hard link to it
/// fail even for root). `None` where the file system or the user cannot.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: &Path) -> Option<Immutable> {
        let ok = std::process::Command::new("chattr")
            .arg("+i")
            .arg(path)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(path.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_rotation_that_fails_while_swapping_is_undone() {
    for locked in ["cosign.pub", "cosign.key"] {
        let d = tempfile::tempdir().unwrap();
        let keys = d.path().join(".policy-keys");
        with_pw(d.path(), &["policy-keys"], PW).ok();
        let before = snapshot(&keys);
        let Some(guard) = Immutable::set(&keys.join(locked)) else {
            eprintln!("skipped: chattr +i needs root on ext4");
            return;
        };
        // The new pair is complete; renaming it over the immutable file fails.
        let r = with_pw(d.path(), &["policy-keys", "--force"], "another password");
        assert_eq!(r.code, 1, "{r}");
        assert!(r.error_line().contains("cannot write"), "{r}");
        assert_eq!(
            snapshot(&keys),
            before,
            "{locked}: the old pair, and nothing else"
        );
        drop(guard);
        with_pw(d.path(), &["policy-keys", "--force"], "another password").ok();
    }
}

#[test]
fn concurrent_pushes_of_different_bundles_leave_each_tag_on_one_complete_manifest() {
    let reg = e2e::registry::TestRegistry::start();
    let d = e2e::sample_copy();
    let to = format!("{}/trustacks/policy/constitution:dev", reg.addr);
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
                    &to,
                    "--tag",
                    "1",
                    "--keys",
                    &format!("keys-{k}"),
                    "--out",
                    &format!("target/{k}.tar.gz"),
                    "--annotation",
                    &format!("run={k}"),
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
    let mut digests = Vec::new();
    for c in children {
        let r: Run = c.wait_with_output().expect("wait").into();
        r.ok();
        let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        digests.push(j["digest"].as_str().unwrap().to_string());
    }
    assert_ne!(digests[0], digests[1]);
    let repo = to.trim_end_matches(":dev");
    // Each tag names one of the two manifests, whole; each manifest verifies with its own key.
    for tag in ["dev", "1"] {
        let d = format!(
            "sha256:{}",
            sha256(&skopeo_raw(&format!("docker://{repo}:{tag}")))
        );
        assert!(
            digests.contains(&d),
            "{tag} names {d}, not one of {digests:?}"
        );
    }
    for (k, digest) in ["a", "b"].iter().zip(&digests) {
        let pinned = format!("{repo}@{digest}");
        let out = d.path().join(format!("out-{k}"));
        run(
            d.path(),
            &[
                "policy-verify",
                &pinned,
                "--key",
                &format!("keys-{k}/cosign.pub"),
                "--extract",
                out.to_str().unwrap(),
            ],
        )
        .ok();
    }
}

#[test]
fn kept_keys_without_an_active_pair_are_not_silently_replaced() {
    // What a rotation that failed half-way in earlier versions left: only `cosign.*.<ts>`.
    let d = e2e::sample_copy();
    let keys = d.path().join(".policy-keys");
    with_pw(d.path(), &["policy-keys"], PW).ok();
    for f in ["cosign.key", "cosign.pub"] {
        std::fs::rename(keys.join(f), keys.join(format!("{f}.20250101T000000Z"))).unwrap();
    }
    let before = snapshot(&keys);
    for args in [
        &["policy-keys"][..],
        &["policy-bundle", "--to", "oci:target/o:dev"][..],
    ] {
        let r = with_pw(d.path(), args, PW);
        assert_eq!(r.code, 1, "{r}");
        assert!(
            r.error_line().contains(
                "no active keypair, but an older one is kept (cosign.key.20250101T000000Z)"
            ),
            "{r}"
        );
        assert_eq!(snapshot(&keys), before);
    }
    with_pw(d.path(), &["policy-keys", "--force"], PW).ok();
    assert!(keys.join("cosign.key").is_file());
}
