//! `policy-test` and `policy-build`, end to end through the binary.

use std::io::Read;

use e2e::{run, sample_copy, workspace, write_tree};

fn bundle_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    ar.entries()
        .expect("tar")
        .map(|e| {
            let mut e = e.expect("entry");
            let name = String::from_utf8(e.path_bytes().to_vec()).expect("utf8");
            let mut body = Vec::new();
            e.read_to_end(&mut body).expect("read");
            (name, body)
        })
        .collect()
}

#[test]
fn sample_constitution_passes_its_tests() {
    let r = run(&workspace(), &["policy-test"]);
    r.ok();
    let last = r.stdout.lines().last().expect("closing line");
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 30, "{r}");
    assert!(last.ends_with(" passed, 0 failed"), "{r}");
}

#[test]
fn verbose_lists_every_test_and_run_filters() {
    let r = run(&workspace(), &["policy-test", "-v", "--run", "paths_test"]);
    r.ok();
    assert!(
        r.stdout
            .lines()
            .all(|l| l.starts_with("PASS data.paths_test.") || l.ends_with("passed, 0 failed")),
        "{r}"
    );
    assert!(
        r.stdout.contains(
            "PASS data.paths_test.test_too_deep_denied (policy/constitution/paths/paths_test.rego:"
        ),
        "{r}"
    );
}

#[test]
fn failing_test_is_reported_by_name_with_exit_1() {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[
            ("p/p.rego", "package p\nimport rego.v1\nallow if input.ok\n"),
            (
                "p/p_test.rego",
                "package p_test\nimport rego.v1\nimport data.p\n\
                 test_ok if p.allow with input as {\"ok\": true}\n\
                 test_broken if p.allow with input as {\"ok\": false}\n",
            ),
        ],
    );
    let r = run(d.path(), &["policy-test", "--dir", "."]);
    assert_eq!(r.code, 1, "{r}");
    assert!(
        r.stdout
            .contains("FAIL data.p_test.test_broken (./p/p_test.rego:5): undefined"),
        "{r}"
    );
    assert!(!r.stdout.contains("test_ok"), "{r}");
    assert_eq!(r.stdout.lines().last(), Some("1 passed, 1 failed"), "{r}");
}

#[test]
fn syntax_error_names_file_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[(
            "bad.rego",
            "package bad\nimport rego.v1\n\nallow if {\n  input.x ==\n}\n",
        )],
    );
    let r = run(d.path(), &["policy-test", "--dir", "."]);
    r.failed();
    let err = r.error_line();
    assert!(err.starts_with("error: ./bad.rego:"), "{r}");
    let loc: Vec<&str> = err.trim_start_matches("error: ").splitn(4, ':').collect();
    assert!(
        loc[1].parse::<u32>().is_ok() && loc[2].parse::<u32>().is_ok(),
        "{r}"
    );
}

/// The regorus defect from the issue: package `p` over two files, read through an alias from
/// another package. Variants: `as` aliases, nested packages, more sibling files, any order.
#[test]
fn import_alias_regression() {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[
            ("p/a.rego", "package p\nimport rego.v1\nhas(x) if x == 1\n"),
            (
                "p/b.rego",
                "package p\nimport rego.v1\nallow if has(one)\none := 1\n",
            ),
            (
                "q/r/a.rego",
                "package q.r\nimport rego.v1\ntwice(x) := 2 * x\n",
            ),
            (
                "q/r/b.rego",
                "package q.r\nimport rego.v1\nfour := twice(two)\n",
            ),
            ("q/r/c.rego", "package q.r\nimport rego.v1\ntwo := 2\n"),
            (
                "t/t_test.rego",
                "package t\nimport rego.v1\nimport data.p\nimport data.q.r as nested\n\
                 test_x if p.allow\n\
                 test_nested if nested.four == 4\n\
                 test_both if { p.allow; nested.four == 4 }\n",
            ),
            (
                "0first/first_test.rego",
                "package first\nimport rego.v1\nimport data.p\ntest_loaded_first if p.allow\n",
            ),
        ],
    );
    let r = run(d.path(), &["policy-test", "--dir", ".", "-v"]);
    r.ok();
    assert_eq!(r.stdout.lines().last(), Some("4 passed, 0 failed"), "{r}");
}

#[test]
fn no_tests_is_a_failure() {
    let d = tempfile::tempdir().unwrap();
    write_tree(d.path(), &[("p.rego", "package p\nx := 1\n")]);
    let r = run(d.path(), &["policy-test", "--dir", "."]);
    r.failed();
    assert!(r.error_line().contains("no test_ rules found"), "{r}");
}

#[test]
fn two_builds_are_byte_identical() {
    let d = sample_copy();
    let dir = d.path().join("policy/constitution");
    let a = d.path().join("a.tar.gz");
    let b = d.path().join("b.tar.gz");
    let dir_s = dir.to_str().unwrap();
    let r1 = run(
        d.path(),
        &[
            "policy-build",
            "--dir",
            dir_s,
            "--out",
            "a.tar.gz",
            "--revision",
            "r1",
        ],
    );
    r1.ok();
    // A second copy, made later at another path: mtimes and location must not matter.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let other = d.path().join("elsewhere/constitution");
    e2e::copy_dir(&dir, &other);
    let other_s = other.to_str().unwrap();
    let r2 = run(
        d.path(),
        &[
            "policy-build",
            "--dir",
            other_s,
            "--out",
            "b.tar.gz",
            "--revision",
            "r1",
        ],
    );
    r2.ok();
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(a, b);
    let sha = r1
        .stdout
        .split("sha256:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    use sha2::Digest;
    let actual: String = sha2::Sha256::digest(&a)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha, actual, "printed digest is the file's");
    assert!(r1.stdout.contains(&format!("{} bytes", a.len())), "{r1}");
}

#[test]
fn bundle_has_opa_layout_manifest_and_inventory() {
    let d = sample_copy();
    let r = run(d.path(), &["policy-build", "--revision", "v1.2.3"]);
    r.ok();
    let bytes = std::fs::read(d.path().join("target/policy/bundle.tar.gz")).unwrap();
    let entries = bundle_entries(&bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries sorted");
    for must in [
        "/.manifest",
        "/data.json",
        "/rule_inventory.json",
        "/lib/lib.rego",
        "/paths/traversal.rego",
    ] {
        assert!(names.contains(&must), "{must} missing from {names:?}");
    }
    assert!(
        !names.iter().any(|n| n.ends_with("config/data.json")),
        "data is merged: {names:?}"
    );
    let get = |n: &str| -> serde_json::Value {
        serde_json::from_slice(&entries.iter().find(|(x, _)| x == n).unwrap().1).unwrap()
    };
    let manifest = get("/.manifest");
    assert_eq!(manifest["revision"], "v1.2.3");
    assert_eq!(manifest["rego_version"], 1);
    let roots: Vec<&str> = manifest["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for must in ["constitution", "lib", "paths", "ci", "workloads"] {
        assert!(roots.contains(&must), "{roots:?}");
    }
    assert_eq!(
        get("/data.json")["paths"]["config"]["allowed_prefixes"][0],
        "apps/"
    );
    let inv = get("/rule_inventory.json");
    assert_eq!(inv["count"], 9);
    let first = &inv["rules"][0];
    assert_eq!(first["id"], "ci.least_privilege");
    assert_eq!(first["package"], "ci");
    assert_eq!(first["file"], "ci/ci.rego");
    assert_eq!(first["metadata"]["severity"], "high");
    // The .rego files are shipped as written.
    let lib = &entries
        .iter()
        .find(|(n, _)| n == "/lib/lib.rego")
        .unwrap()
        .1;
    assert_eq!(
        lib,
        &std::fs::read(d.path().join("policy/constitution/lib/lib.rego")).unwrap()
    );
}

#[test]
fn unshipped_data_is_refused_unless_allowed() {
    let d = sample_copy();
    write_tree(
        d.path(),
        &[("policy/constitution/paths/data.naming.json", "{\"x\": 1}")],
    );
    let r = run(d.path(), &["policy-build"]);
    r.failed();
    assert!(
        r.error_line()
            .contains("paths/data.naming.json: loaded by policy-test but left out of the bundle"),
        "{r}"
    );
    assert!(
        !d.path().join("target/policy/bundle.tar.gz").exists(),
        "nothing written"
    );
    run(d.path(), &["policy-build", "--allow-unshipped-data"]).ok();
}

#[test]
fn empty_inventory_is_refused_and_nothing_written() {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[("p/p.rego", "package p\nimport rego.v1\nallow if input.ok\n")],
    );
    let r = run(
        d.path(),
        &["policy-build", "--dir", "p", "--out", "b.tar.gz"],
    );
    r.failed();
    assert!(r.error_line().contains("declares no rules"), "{r}");
    assert!(!d.path().join("b.tar.gz").exists());
}

#[test]
fn bad_input_gets_one_line_naming_the_path() {
    let d = tempfile::tempdir().unwrap();
    let r = run(d.path(), &["policy-build", "--dir", "missing"]);
    assert!(
        r.error_line()
            .starts_with("error: missing: policy directory not found"),
        "{r}"
    );

    write_tree(d.path(), &[("e/readme.md", "x")]);
    let r = run(d.path(), &["policy-build", "--dir", "e"]);
    assert_eq!(r.error_line(), "error: e: no .rego files found", "{r}");

    write_tree(
        d.path(),
        &[("j/p.rego", "package p\n"), ("j/x/data.json", "{\"a\": }")],
    );
    let r = run(d.path(), &["policy-build", "--dir", "j"]);
    assert!(
        r.error_line()
            .starts_with("error: j/x/data.json:1:7: invalid JSON"),
        "{r}"
    );

    write_tree(
        d.path(),
        &[("y/p.rego", "package p\n"), ("y/data.yaml", "a: [\n")],
    );
    let r = run(d.path(), &["policy-build", "--dir", "y"]);
    assert!(r.error_line().starts_with("error: y/data.yaml:"), "{r}");

    write_tree(
        d.path(),
        &[
            ("c/p.rego", "package p\n"),
            ("c/data.json", "{\"a\": {\"b\": 1}}"),
            ("c/a/b/data.json", "{\"c\": 1}"),
        ],
    );
    let r = run(d.path(), &["policy-build", "--dir", "c"]);
    assert!(r.error_line().contains("conflicting data paths"), "{r}");

    write_tree(d.path(), &[("s/p.rego", "package p\n")]);
    std::os::unix::fs::symlink("/etc/hostname", d.path().join("s/h.json")).unwrap();
    let r = run(d.path(), &["policy-build", "--dir", "s"]);
    assert!(
        r.error_line().contains("s/h.json: symlink leads outside s"),
        "{r}"
    );

    std::fs::create_dir_all(d.path().join("u")).unwrap();
    std::fs::write(d.path().join("u/p.rego"), b"package p\n# \xff\n").unwrap();
    let r = run(d.path(), &["policy-build", "--dir", "u"]);
    assert_eq!(
        r.error_line(),
        "error: u/p.rego: file is not valid UTF-8",
        "{r}"
    );
    assert_eq!(r.stderr.lines().count(), 1, "one line: {r}");
}

#[test]
fn rule_errors_fail_the_build_listing_each() {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[(
            "p.rego",
            "package p\nimport rego.v1\nrule_metadata[\"p.x\"] := {}\n\
             a := 1 / 0\nb := to_number(\"nope\")\n",
        )],
    );
    let r = run(
        d.path(),
        &["policy-build", "--dir", ".", "--out", "b.tar.gz"],
    );
    r.failed();
    assert!(r.stderr.contains("./p.rego:4:"), "{r}");
    assert!(r.stderr.contains("./p.rego:5:"), "{r}");
    assert!(!d.path().join("b.tar.gz").exists());
}
