//! The Rego engine's failure modes, end to end: a policy on which the engine panics gives a
//! one-line error and exit 1 (not 101 and a backtrace), and writes nothing.

use e2e::{run, write_tree};

/// `time.parse_ns` panics inside regorus on non-ASCII text (it slices at byte offsets).
const PANICS: &str = "package p\n\
    t := time.parse_ns(\"héllo\", \"héllo\")\n";

#[test]
fn an_engine_panic_is_a_test_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("p.rego", PANICS),
            (
                "p_test.rego",
                "package p_test\n\
                 test_panics if data.p.t > 0\n\
                 test_after if count(\"abc\") == 3\n\
                 test_empty_count if strings.count(\"abc\", \"\") == 4\n",
            ),
        ],
    );
    let r = run(dir.path(), &["policy-test", "--dir", ".", "-v"]);
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    assert!(!r.stderr.contains("backtrace"), "{r}");
    let err = r
        .stdout
        .lines()
        .find(|l| l.starts_with("ERROR data.p_test.test_panics"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(err.contains("p.rego:2:"), "names the file and line: {err}");
    assert!(err.contains("time.parse_ns"), "{err}");
    // The other tests of the run still run, on an engine the panic did not disturb.
    assert!(r.stdout.contains("PASS data.p_test.test_after"), "{r}");
    assert!(
        r.stdout.contains("PASS data.p_test.test_empty_count"),
        "{r}"
    );
}

#[test]
fn an_engine_panic_while_building_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("p.rego", PANICS)]);
    let out = dir.path().join("out/bundle.tar.gz");
    let r = run(
        dir.path(),
        &[
            "policy-build",
            "--dir",
            ".",
            "--out",
            &out.to_string_lossy(),
        ],
    );
    assert_eq!(r.code, 1, "{r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    let line = r.error_line();
    assert!(line.contains("p.rego:2:"), "{r}");
    assert_eq!(
        r.stderr.lines().filter(|l| l.contains("p.rego")).count(),
        1,
        "{r}"
    );
    assert!(!out.exists(), "{r}");
}

#[test]
fn a_file_over_the_size_bound_names_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("package p\n# {}\n", "x".repeat(64 << 20));
    write_tree(dir.path(), &[("p.rego", big.as_str())]);
    let r = run(dir.path(), &["policy-test", "--dir", "."]);
    assert_eq!(r.code, 1, "{r}");
    assert!(r.error_line().contains("64 MiB"), "{r}");
}
