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

/// A certificate as a secret-bearing input: none of its body may reach the user.
const CERT: &str = "-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIUSECRETSECRETSECRETSECRETSECRETwCgYIKoZIzj0EAwIw\\n-----END CERTIFICATE-----";

/// What regorus prints or dumps for its own debugging never reaches the user, and an error
/// names the user's file, line and variable in OPA's words.
fn assert_quiet(r: &e2e::Run) {
    for out in [&r.stdout, &r.stderr] {
        for stray in [
            "could not schedule",
            "scopes",
            "String(",
            "SECRET",
            "redundant import",
        ] {
            assert!(!out.contains(stray), "{stray:?} reached the user:\n{r}");
        }
    }
    if r.code != 0 {
        let e = r.error_line();
        assert!(
            e.contains("rego_") || e.contains("eval_") || e.contains("tests failed"),
            "not in OPA's words: {e}\n{r}"
        );
    }
}

#[test]
fn engine_internals_never_reach_the_user() {
    let dir = tempfile::tempdir().unwrap();
    // An output argument of a builtin only our extensions provide, fed a certificate (the
    // failing test's explanation shows the `with` value cut); and an `import input`, which
    // regorus warns about.
    let policy = "package generated\n\
                  import rego.v1\n\
                  import input\n\
                  verify(c) := out if {\n\
                  \tio.jwt.decode_verify(\"a.b.c\", {\"cert\": c}, out)\n\
                  }\n\
                  r := verify(input.cert)\n";
    let test = format!(
        "package generated_test\nimport rego.v1\n\
         test_r if data.generated.r with input.cert as \"{CERT}\"\n"
    );
    write_tree(
        dir.path(),
        &[
            ("generated/p.rego", policy),
            ("generated/p_test.rego", &test),
        ],
    );
    let input = dir.path().join("input.json");
    std::fs::write(&input, format!("{{\"cert\": \"{CERT}\"}}")).unwrap();
    let input = input.to_string_lossy().into_owned();
    for args in [
        vec!["policy-test", "--dir", "."],
        vec!["policy-test", "--dir", ".", "-v", "--coverage"],
        vec![
            "policy-eval",
            "--dir",
            ".",
            "--input",
            &input,
            "data.generated.r",
        ],
    ] {
        let r = run(dir.path(), &args);
        assert_quiet(&r);
        // The output argument binds as in OPA; the token is no JWT, which OPA reports too.
        if r.code != 0 && args[0] == "policy-eval" {
            assert!(
                r.error_line()
                    .contains("generated/p.rego:5:25: eval_builtin_error: io.jwt.decode_verify"),
                "{r}"
            );
        }
    }
    // The same call in a query, with a certificate bound to `c`: `policy-eval` reads no tree
    // rewrite into its query.
    let query = format!(
        "c := \"{CERT}\"; some out; io.jwt.decode_verify(\"a.b.c\", {{\"cert\": c}}, out); out[0]"
    );
    let clean = tempfile::tempdir().unwrap();
    write_tree(clean.path(), &[("q/q.rego", "package q\nx := 1\n")]);
    let r = run(clean.path(), &["policy-eval", "--dir", ".", &query]);
    assert_quiet(&r);
    if r.code != 0 {
        assert!(
            r.error_line()
                .contains("eval_builtin_error: io.jwt.decode_verify"),
            "{r}"
        );
    }
}
