//! The real OPA engine as a judge: runs `xtask/rego/tests/opa/judge.py` (Go OPA v1.20 through
//! PyPI's `opa-golib-python-bindings`) over trees, and compares its judgement with ours. Shared
//! by the engine's tests (`xtask/rego/tests/judge/`, judging the library) and the e2e crate
//! (`tests/src/opa.rs`, judging the binary); `super::workspace` is each one's repository root.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::workspace;

/// The Python that has `opa_bindings` (installed by `scripts/test` into `target/opa-venv`).
pub fn opa_python() -> PathBuf {
    let p = std::env::var_os("OPA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/opa-venv/bin/python"));
    assert!(
        p.exists(),
        "{} is missing: run ./scripts/test, which installs the real OPA engine \
         (opa-golib-python-bindings) into target/opa-venv",
        p.display()
    );
    p
}

/// A test's verdict as both engines can state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Fail,
    Error,
}

/// What one engine says about one tree.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Judgement {
    /// The tree does not compile; the `rego_*_error` classes, sorted and deduplicated.
    pub refused: Option<Vec<String>>,
    /// Per test (`data.pkg.test_x`): the verdict.
    pub tests: BTreeMap<String, Verdict>,
    /// The engine's own words, for the side-by-side report.
    pub detail: String,
}

impl fmt::Display for Judgement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.refused {
            Some(classes) => writeln!(f, "  refused: {}", classes.join(", "))?,
            None => {
                for (name, v) in &self.tests {
                    writeln!(f, "  {v:?} {name}")?;
                }
            }
        }
        for l in self.detail.lines().take(40) {
            writeln!(f, "  | {l}")?;
        }
        Ok(())
    }
}

/// OPA's judgement of each tree (one Python process for all of them).
pub fn opa_judge(dirs: &[PathBuf]) -> BTreeMap<PathBuf, Judgement> {
    let mut out = BTreeMap::new();
    // Batches keep the argument list short and one bad tree from hiding the others.
    for chunk in dirs.chunks(200) {
        let output = Command::new(opa_python())
            .arg(workspace().join("xtask/rego/tests/opa/judge.py"))
            .arg("test")
            .args(chunk)
            .output()
            .expect("run judge.py");
        assert!(
            output.status.success(),
            "judge.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&output.stdout).expect("judge.py JSON");
        for dir in chunk {
            let key = dir.to_string_lossy();
            let t = &v[key.as_ref()];
            let mut j = Judgement::default();
            if t["refused"].as_bool() == Some(true) {
                let mut classes: Vec<String> = t["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| e["class"].as_str().unwrap_or("").to_string())
                    .collect();
                classes.sort();
                classes.dedup();
                j.refused = Some(classes);
                j.detail = t["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        format!(
                            "{}:{}: {}: {}",
                            e["file"].as_str().unwrap_or(""),
                            e["line"],
                            e["class"].as_str().unwrap_or(""),
                            e["message"].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
            } else if let Some(tests) = t["tests"].as_object() {
                for (name, r) in tests {
                    let verdict = match r["verdict"].as_str() {
                        Some("pass") => Verdict::Pass,
                        Some("fail") => Verdict::Fail,
                        _ => Verdict::Error,
                    };
                    if verdict != Verdict::Pass {
                        j.detail
                            .push_str(&format!("{name}: {}\n", r["detail"].as_str().unwrap_or("")));
                    }
                    j.tests.insert(name.clone(), verdict);
                }
            }
            out.insert(dir.clone(), j);
        }
    }
    out
}

/// Every tree (a folder holding `.rego` files directly or below, with no tree inside) under
/// `root`: each immediate subfolder of a family folder is one tree.
pub fn trees_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(families) = std::fs::read_dir(root) else {
        return out;
    };
    let mut families: Vec<_> = families.flatten().map(|e| e.path()).collect();
    families.sort();
    for fam in families.into_iter().filter(|p| p.is_dir()) {
        let mut trees: Vec<_> = std::fs::read_dir(&fam)
            .expect("read family")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        trees.sort();
        out.extend(trees);
    }
    out
}

/// How two judgements differ, or `None` when they agree. Refusals agree when both refuse with the
/// same error classes; test verdicts must agree one by one.
pub fn disagreement(opa: &Judgement, ours: &Judgement) -> Option<String> {
    let same = match (&opa.refused, &ours.refused) {
        (Some(a), Some(b)) => a == b,
        (None, None) => opa.tests == ours.tests,
        _ => false,
    };
    (!same).then(|| format!("OPA v1.20:\n{opa}ours:\n{ours}"))
}
