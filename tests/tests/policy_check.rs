//! `cargo xtask policy-check` as a user and a pre-commit hook run it, and the promise that a tree
//! OPA refuses never becomes a bundle.

use e2e::opa::trees_under;
use e2e::{run, workspace};

fn checks_trees() -> Vec<std::path::PathBuf> {
    trees_under(&workspace().join("xtask/rego/tests/opa/trees"))
        .into_iter()
        .filter(|t| t.parent().and_then(|p| p.file_name()) == Some("checks".as_ref()))
        .collect()
}

#[test]
fn every_refusal_is_one_line_with_place_and_class_and_exit_1() {
    let trees = checks_trees();
    assert!(trees.len() >= 10, "checks trees missing");
    for tree in trees {
        let dir = tree.to_string_lossy().into_owned();
        let r = run(&workspace(), &["policy-check", "--dir", &dir]);
        if dir.ends_with("valid-output-arguments") {
            r.ok();
            assert_eq!(r.stdout, "", "{r}");
            continue;
        }
        r.failed();
        assert!(!r.stdout.is_empty(), "{r}");
        for line in r.stdout.lines() {
            // file:line:col: rego_<class>_error: message
            let mut parts = line.splitn(5, ':');
            let file = parts.next().unwrap_or("");
            let ln: Option<u32> = parts.next().and_then(|l| l.parse().ok());
            let col: Option<u32> = parts.next().and_then(|c| c.parse().ok());
            let class = parts.next().unwrap_or("").trim();
            assert!(file.starts_with(&dir), "{line}");
            assert!(ln.is_some() && col.is_some(), "{line}");
            assert!(
                class.starts_with("rego_") && class.ends_with("_error"),
                "{line}"
            );
        }
        assert!(r.error_line().contains("would refuse it"), "{r}");
    }
}

#[test]
fn the_sample_passes_the_checks() {
    let r = run(&workspace(), &["policy-check"]);
    r.ok();
    assert_eq!(r.stdout, "");
}

#[test]
fn a_tree_opa_refuses_never_yields_a_bundle() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for tree in checks_trees() {
        if tree.ends_with("valid-output-arguments") {
            continue;
        }
        let out = tmp.path().join("bundle.tar.gz");
        let r = run(
            &workspace(),
            &[
                "policy-build",
                "--dir",
                &tree.to_string_lossy(),
                "--out",
                &out.to_string_lossy(),
                "--revision",
                "test",
            ],
        );
        r.failed();
        assert!(r.stderr.contains("rego_"), "{r}");
        assert!(!out.exists(), "a bundle was written for {}", tree.display());
    }
}
