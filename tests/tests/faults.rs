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
