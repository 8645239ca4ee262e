//! Differential fuzzing in the test run: a fixed seed range of the fuzzer (`cargo fuzz-rego`)
//! against the real OPA engine. Any divergence not listed in `xtask/rego/tests/opa/fuzz-open.txt`
//! (open, by seed) or known (`KNOWN` in xtask/rego-fuzz/src/lib.rs) fails, and so does a listed
//! one that no longer diverges, so that the list only ever shrinks with fixes.

use std::path::PathBuf;

use trustacks_rego_fuzz::{fuzz_rego_summary, workspace, Options};

/// The seed range the test covers; about 30 s on two idle cores, within the 100 s budget.
const SEEDS: &str = "200";

/// The Python that has `opa_bindings` (installed by `scripts/test` into `target/opa-venv`).
fn opa_python() -> PathBuf {
    let p = trustacks_rego_fuzz::opa_python();
    assert!(
        p.exists(),
        "{} is missing: run ./scripts/test, which installs the real OPA engine \
         (opa-golib-python-bindings) into target/opa-venv",
        p.display()
    );
    p
}

#[test]
fn fixed_seed_range_agrees_with_opa() {
    let python = opa_python();
    // As `cargo fuzz-rego --seed 1 --count 200 --seconds 100 --expect ... --python ...`.
    let r = fuzz_rego_summary(&Options {
        seconds: 100,
        seed: 1,
        count: Some(SEEDS.parse().expect("a count")),
        python,
        save: None,
        expect: Some(workspace().join("xtask/rego/tests/opa/fuzz-open.txt")),
    })
    .expect("the fuzzer runs");
    let last = r.line();
    assert!(
        last.starts_with(&format!("{SEEDS} programs, 0 divergences")),
        "the fixed seed range did not run through, or found divergences:\n{last}"
    );
    assert!(r.clean, "{last}");
}
