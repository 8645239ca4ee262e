//! `fuzz-rego`'s glue. The differential fuzzer (crate trustacks-rego-fuzz) is compiled only
//! with this crate's `fuzz` feature (`cargo fuzz-rego`, and the e2e tests' build), so a user's
//! `cargo xtask` does not build it; without it the command says how to run it.

use std::path::PathBuf;

use anyhow::Result;

/// `fuzz-rego`'s flags, as given (read only in a build with the fuzzer).
#[cfg_attr(not(feature = "fuzz"), allow(dead_code))]
pub struct Args {
    pub minutes: u64,
    pub seconds: Option<u64>,
    pub seed: u64,
    pub count: Option<u64>,
    pub python: Option<PathBuf>,
    pub save: Option<PathBuf>,
    pub expect: Option<PathBuf>,
}

/// `fuzz-rego`.
#[cfg(feature = "fuzz")]
pub fn fuzz_rego(a: Args) -> Result<()> {
    use trustacks_rego_fuzz as fuzz;
    let clean = fuzz::fuzz_rego(&fuzz::Options {
        seconds: a.minutes * 60 + a.seconds.unwrap_or(if a.minutes == 0 { 60 } else { 0 }),
        seed: a.seed,
        count: a.count,
        python: a.python.unwrap_or_else(fuzz::opa_python),
        save: a.save,
        expect: a.expect,
    })?;
    if clean {
        Ok(())
    } else {
        Err(anyhow::anyhow!("OPA and our engine disagree (see above)"))
    }
}

/// `fuzz-rego` in a build without the fuzzer.
#[cfg(not(feature = "fuzz"))]
pub fn fuzz_rego(_: Args) -> Result<()> {
    anyhow::bail!(
        "fuzz-rego: this xtask is built without the fuzzer; run `cargo fuzz-rego` with the same flags"
    )
}
