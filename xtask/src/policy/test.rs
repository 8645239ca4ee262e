//! `policy-test`'s glue: load the tree, run its tests (with coverage when asked), write the
//! report in the asked format, and fail as `opa test` does. The engine's `test` module runs the
//! tests; everything else of it is re-exported here under its old path.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use regex::Regex;

pub use trustacks_rego::test::*;
use trustacks_rego::{coverage, engine::Policy, guard, report, report::Format, tree::PolicyTree};

/// What `policy-test` was asked for beyond the tree.
pub struct TestOptions<'a> {
    pub run: Option<&'a str>,
    pub verbose: bool,
    pub explain: Explain,
    pub format: Format,
    pub coverage: bool,
    /// Fail when total coverage (percent) is below this; implies `coverage`.
    pub threshold: Option<f64>,
}

/// Loads the tree as `opa test` does (every data file), runs the tests and writes the report to
/// `out`. Returns the summary, or an error when a test failed or none ran.
pub fn policy_test(
    dir: &Path,
    run: Option<&str>,
    verbose: bool,
    out: &mut dyn Write,
) -> Result<Summary> {
    let o = TestOptions {
        run,
        verbose,
        explain: Explain::Fails,
        format: Format::Pretty,
        coverage: false,
        threshold: None,
    };
    policy_test_with(dir, &o, out)
}

/// `policy-test` with every option.
pub fn policy_test_with(dir: &Path, o: &TestOptions, out: &mut dyn Write) -> Result<Summary> {
    let started = Instant::now();
    let run = o.run;
    let filter = run
        .map(|r| Regex::new(r).with_context(|| format!("--run {r:?}: invalid regular expression")))
        .transpose()?;
    if let Some(t) = o.threshold {
        if !(0.0..=100.0).contains(&t) {
            bail!("--threshold {t}: must be a percentage between 0 and 100");
        }
    }
    let coverage = o.coverage || o.threshold.is_some();
    let tree = PolicyTree::load(dir)?;
    let data = tree.merged_data(false)?;
    let mut policy = if coverage {
        coverage::load(&tree, &data)?
    } else {
        Policy::load(&tree, &data)?
    };
    if coverage {
        policy.engine.set_enable_coverage(true);
    }
    // Explanations run on a copy of the engine, so they do not add to the coverage.
    let results = run_tests_with(&tree, &mut policy, filter.as_ref(), Some(o.explain));
    let cover = if coverage {
        Some(guard::guarded(
            || tree.root.display().to_string(),
            || coverage::report(&tree, &policy),
        )?)
    } else {
        None
    };
    let summary = summarize(&results);
    eprintln!(
        "ran {} tests in {} ms",
        results.len(),
        started.elapsed().as_millis()
    );
    match o.format {
        Format::Pretty => {
            report::pretty(&results, o.verbose, out)?;
            if let Some(c) = &cover {
                write!(out, "{}", report::coverage_pretty(c))?;
            }
            writeln!(out, "{}", summary.line())?;
        }
        Format::Json => {
            // As `opa test --coverage --format json`: the coverage report replaces the results.
            match &cover {
                Some(c) => writeln!(out, "{}", serde_json::to_string_pretty(c)?)?,
                None => write!(out, "{}", report::json(&results)?)?,
            }
            eprintln!("{}", summary.line());
        }
        Format::Junit => {
            write!(out, "{}", report::junit(&results))?;
            eprintln!("{}", summary.line());
        }
    }
    if results.is_empty() {
        match run {
            Some(r) => bail!("{}: no test matches --run {r:?}", dir.display()),
            None => bail!("{}: no test_ rules found", dir.display()),
        }
    }
    if summary.failed > 0 {
        bail!("{} of {} tests failed", summary.failed, results.len());
    }
    if let (Some(t), Some(c)) = (o.threshold, &cover) {
        if c.coverage < t {
            bail!(
                "code coverage threshold not met: got {:.2}% instead of {t:.2}%",
                c.coverage
            );
        }
    }
    Ok(summary)
}
