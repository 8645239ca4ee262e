//! Differential fuzzing in the test run: a fixed seed range of `cargo xtask fuzz-rego` against
//! the real OPA engine. Any divergence not listed in `tests/opa/fuzz-open.txt` (open, by seed)
//! or known (`KNOWN` in xtask/rego-fuzz/src/lib.rs) fails, and so does a listed one that no
//! longer diverges, so that the list only ever shrinks with fixes.

use e2e::opa::opa_python;
use e2e::{run, workspace};

/// The seed range the test covers; about 30 s on two idle cores, within the 100 s budget.
const SEEDS: &str = "200";

#[test]
fn fixed_seed_range_agrees_with_opa() {
    let python = opa_python();
    let r = run(
        &workspace(),
        &[
            "fuzz-rego",
            "--seed",
            "1",
            "--count",
            SEEDS,
            "--seconds",
            "100",
            "--expect",
            "tests/opa/fuzz-open.txt",
            "--python",
            &python.to_string_lossy(),
        ],
    );
    let last = r.stdout.lines().last().unwrap_or("");
    assert!(
        last.starts_with(&format!("{SEEDS} programs, 0 divergences")),
        "the fixed seed range did not run through, or found divergences:\n{r}"
    );
    assert_eq!(r.code, 0, "{r}");
}
