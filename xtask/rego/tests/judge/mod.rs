//! The engine's tests' judge: the real OPA engine (`opa.rs`, shared with the e2e crate) and ours,
//! the library called as `cargo xtask policy-test -v` and `policy-check` call it, each report
//! read back the way the e2e crate reads the binary's.

// Each test file uses part of the judge.
#![allow(dead_code)]

use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use trustacks_rego::{check, engine::Policy, report, test, tree::PolicyTree};

mod opa;
pub use opa::*;

/// The repository root (where `policy/constitution` and `target/opa-venv` live).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("xtask/rego has a repository above it")
        .to_path_buf()
}

/// What a command printed, and how it ended, as the binary would have (`error: ...` last on
/// stderr, exit 1; a panic outside the engine's own boundary exits 101).
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `f` (writing the command's stdout) on a thread with the stack the binary's main thread
/// has (test threads get 2 MiB), catching a panic as the binary's exit 101.
fn command(f: impl FnOnce(&mut Vec<u8>) -> anyhow::Result<()> + Send + 'static) -> Run {
    // As the binary's `main`: with RUST_BACKTRACE=1 (common on a developer's machine) anyhow
    // would capture a backtrace for every error the engine makes and drops, the parser's too.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| {
        if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
            std::env::set_var("RUST_LIB_BACKTRACE", "0");
        }
    });
    let t = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            let mut out = Vec::new();
            let r = panic::catch_unwind(AssertUnwindSafe(|| f(&mut out)));
            let (code, stderr) = match r {
                Ok(Ok(())) => (0, String::new()),
                Ok(Err(e)) => (1, format!("error: {e:#}\n")),
                Err(p) => {
                    let msg = p
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| p.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "panic".into());
                    (101, format!("panicked: {msg}\n"))
                }
            };
            Run {
                code,
                stdout: String::from_utf8_lossy(&out).into_owned(),
                stderr,
            }
        })
        .expect("spawn the engine's thread");
    t.join().expect("the engine's thread")
}

/// `policy-test -v --dir DIR` (the xtask's glue, `xtask/src/policy/test.rs`, without the
/// options), through the library.
pub fn policy_test(dir: &Path) -> Run {
    let dir = dir.to_path_buf();
    command(move |out| {
        use std::io::Write;
        let tree = PolicyTree::load(&dir)?;
        let data = tree.merged_data(false)?;
        let mut policy = Policy::load(&tree, &data)?;
        let results = test::run_tests_with(&tree, &mut policy, None, Some(test::Explain::Fails));
        let summary = test::summarize(&results);
        report::pretty(&results, true, out)?;
        writeln!(out, "{}", summary.line())?;
        anyhow::ensure!(
            !results.is_empty(),
            "{}: no test_ rules found",
            dir.display()
        );
        anyhow::ensure!(
            summary.failed == 0,
            "{} of {} tests failed",
            summary.failed,
            results.len()
        );
        Ok(())
    })
}

/// `policy-check --dir DIR`, through the library: every refusal on stdout, one a line.
pub fn policy_check(dir: &Path) -> Run {
    let dir = dir.to_path_buf();
    command(move |out| {
        use std::io::Write;
        let tree = PolicyTree::load(&dir)?;
        let found = check::refusals(&tree);
        for r in &found {
            writeln!(out, "{r}")?;
        }
        anyhow::ensure!(
            found.is_empty(),
            "{}: {} errors",
            dir.display(),
            found.len()
        );
        Ok(())
    })
}

/// Our judgement: `policy-test -v --dir DIR` through the library, read back from its report.
pub fn our_judge(dir: &Path) -> Judgement {
    let r = policy_test(dir);
    let mut j = Judgement::default();
    for line in r.stdout.lines() {
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        let verdict = match tag {
            "PASS" => Verdict::Pass,
            "FAIL" => Verdict::Fail,
            "ERROR" => Verdict::Error,
            _ => continue,
        };
        let name = rest.split(' ').next().unwrap_or("").to_string();
        if verdict != Verdict::Pass {
            j.detail.push_str(line);
            j.detail.push('\n');
        }
        j.tests.insert(name, verdict);
    }
    if j.tests.is_empty() && r.code != 0 {
        // Refused at load or check time: every `rego_*_error` class named on stderr.
        let mut classes: Vec<String> = r
            .stderr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| w.starts_with("rego_") && w.ends_with("_error"))
            .map(str::to_string)
            .collect();
        classes.sort();
        classes.dedup();
        j.refused = Some(classes);
        j.detail = r.stderr.clone();
    }
    j
}

/// Runs every tree through both engines; panics with a side-by-side report of every tree on
/// which they disagree.
pub fn assert_same_judgement(trees: &[PathBuf]) {
    assert!(!trees.is_empty(), "no trees to judge");
    let opa = opa_judge(trees);
    let mut report = String::new();
    let mut bad = 0;
    for tree in trees {
        let ours = our_judge(tree);
        if let Some(d) = disagreement(&opa[tree], &ours) {
            bad += 1;
            report.push_str(&format!("=== {}\n{d}\n", tree.display()));
        }
    }
    assert!(
        bad == 0,
        "{bad} of {} trees judged differently from OPA:\n{report}",
        trees.len()
    );
}
