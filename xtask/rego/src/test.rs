//! Runs every `test_*` rule of every package, like `opa test DIR`: one result per test, with
//! explanations and traces when asked; the command around it is the xtask's
//! (`xtask/src/policy/test.rs`).

use std::time::Instant;

use regex::Regex;
use regorus::Value;

use super::engine::Policy;
pub use super::explain::Explain;
use super::tree::PolicyTree;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// The rule has no value (its body never succeeded).
    Undefined,
    /// The rule produced a value other than `true`.
    Fail,
    Error,
    /// `todo_test_*`: skipped, as OPA does.
    Skip,
}

#[derive(Debug, Clone)]
pub struct TestResult {
    /// `data.<package>.<rule>`
    pub name: String,
    /// `file:line` of the test's first declaration.
    pub location: String,
    pub outcome: Outcome,
    /// "undefined", "false", the value, or the error line.
    pub detail: String,
    /// Package without `data.`, and the rule's name.
    pub package: String,
    pub rule: String,
    /// The declaring file as the user names it, and where in it.
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub duration: std::time::Duration,
    /// Why a failing or erroring test failed (see `explain`), one line each.
    pub explanation: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    /// The closing line, in the form CI runners and people read: `N passed, M failed`.
    pub fn line(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

/// Runs the tests of an already loaded policy; `filter` matches `data.pkg.test_name`.
#[cfg(test)]
pub fn run_tests(
    tree: &PolicyTree,
    policy: &mut Policy,
    filter: Option<&Regex>,
) -> Vec<TestResult> {
    run_tests_with(tree, policy, filter, Some(Explain::Fails))
}

/// `run_tests`, explaining failures as `explain` says (`None`: not at all).
pub fn run_tests_with(
    tree: &PolicyTree,
    policy: &mut Policy,
    filter: Option<&Regex>,
    explain: Option<Explain>,
) -> Vec<TestResult> {
    let tests: Vec<_> = policy
        .rules()
        .into_iter()
        .filter(|r| r.name.starts_with("test_") || r.name.starts_with("todo_test_"))
        .map(|r| {
            (
                r.package.clone(),
                r.name.clone(),
                format!("{}:{}", tree.display(&r.file), r.line),
                (r.file.clone(), r.line, r.col),
            )
        })
        .collect();
    let mut results = Vec::new();
    // `--explain full` traces each test on a second copy of the tree, loaded once.
    let mut tracer = (explain == Some(Explain::Full)).then(|| {
        tree.merged_data(false)
            .and_then(|data| super::trace::Tracer::load(tree, &data))
            .map_err(|e| format!("{e:#}"))
    });
    for (package, rule, location, (rel, line, col)) in tests {
        let name = format!("data.{package}.{rule}");
        if filter.is_some_and(|re| !re.is_match(&name)) {
            continue;
        }
        let file = tree.display(&rel);
        if rule.starts_with("todo_") {
            results.push(TestResult {
                name,
                location,
                outcome: Outcome::Skip,
                detail: "todo".into(),
                package,
                rule,
                file,
                line,
                col,
                duration: Default::default(),
                explanation: Vec::new(),
            });
            continue;
        }
        let started = Instant::now();
        let (outcome, detail) = match policy.eval(&package, &rule) {
            Ok(Value::Bool(true)) => (Outcome::Pass, String::new()),
            Ok(Value::Undefined) => (Outcome::Undefined, "undefined".into()),
            Ok(Value::Bool(false)) => (Outcome::Fail, "false".into()),
            Ok(v) => (Outcome::Fail, format!("value {}", super::engine::show(&v))),
            Err(e) => (Outcome::Error, e.to_string()),
        };
        let duration = started.elapsed();
        let mut explanation = match explain {
            Some(mode) if outcome != Outcome::Pass || mode == Explain::Full => {
                // Explanations evaluate on a copy of the engine: inside the panic boundary too.
                super::guard::guarded(
                    || location.clone(),
                    || {
                        Ok(super::explain::explain(
                            tree, policy, &package, &rule, &rel, line, mode,
                        ))
                    },
                )
                .unwrap_or_else(|e| vec![format!("no explanation: {e}")])
            }
            _ => Vec::new(),
        };
        match &mut tracer {
            Some(Ok(t)) => {
                let lines =
                    super::guard::guarded(|| location.clone(), || Ok(t.trace(&package, &rule)))
                        .unwrap_or_else(|e| vec![format!("(no trace: {e})")]);
                explanation.push("trace:".into());
                explanation.extend(lines.into_iter().map(|l| format!("  {l}")));
            }
            Some(Err(e)) => explanation.push(format!("(no trace: {e})")),
            None => {}
        }
        results.push(TestResult {
            name,
            location,
            outcome,
            detail,
            package,
            rule,
            file,
            line,
            col,
            duration,
            explanation,
        });
    }
    results
}

pub fn summarize(results: &[TestResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        match r.outcome {
            Outcome::Pass => s.passed += 1,
            Outcome::Skip => s.skipped += 1,
            _ => s.failed += 1,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(src: &str) -> Vec<(String, Outcome)> {
        let tree = PolicyTree::of(&[("p_test.rego", src)]);
        let mut p = Policy::load(&tree, &serde_json::json!({})).unwrap();
        run_tests(&tree, &mut p, None)
            .into_iter()
            .map(|r| (r.name, r.outcome))
            .collect()
    }

    #[test]
    fn outcomes_match_opa() {
        let r = results(
            "package p_test\nimport rego.v1\n\
             test_pass if true\n\
             test_false := false\n\
             test_undefined if input.nothing\n\
             test_input if input.x == 1 with input as {\"x\": 1}\n\
             test_error if 1 / 0\n\
             todo_test_later if false\n\
             helper if true\n",
        );
        let outcomes: Vec<_> = r.iter().map(|(_, o)| *o).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Pass,
                Outcome::Fail,
                Outcome::Undefined,
                Outcome::Pass,
                Outcome::Error,
                Outcome::Skip
            ]
        );
        assert_eq!(r[0].0, "data.p_test.test_pass");
        let s = summarize(
            &r.iter()
                .map(|(n, o)| TestResult {
                    name: n.clone(),
                    location: String::new(),
                    outcome: *o,
                    detail: String::new(),
                    package: String::new(),
                    rule: String::new(),
                    file: String::new(),
                    line: 0,
                    col: 0,
                    duration: Default::default(),
                    explanation: Vec::new(),
                })
                .collect::<Vec<_>>(),
        );
        assert_eq!(s.line(), "2 passed, 3 failed, 1 skipped");
    }
}
