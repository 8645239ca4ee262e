//! `policy-eval`'s glue: one query over a tree or a bundle, rendered on stdout, with OPA's exit
//! codes (`--fail`, `--fail-defined`; 2 on an error). The engine's `eval` module is re-exported
//! here under its old path.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

pub use trustacks_rego::eval::*;

pub struct Options {
    pub dir: PathBuf,
    pub bundle: Option<PathBuf>,
    /// A JSON or YAML file, or `-` for stdin.
    pub input: Option<PathBuf>,
    /// Extra `.json`/`.yaml` documents (merged at the root of `data`) or `.rego` modules.
    pub data: Vec<PathBuf>,
    pub format: Format,
    pub fail: bool,
    pub fail_defined: bool,
    pub query: String,
}

/// Runs the command; returns the exit code (0, or 1 when `--fail`/`--fail-defined` trip).
/// An error is the caller's exit code 2, as OPA's.
pub fn policy_eval(o: &Options) -> Result<u8> {
    let input = o.input.as_deref().map(read_input).transpose()?;
    let mut ev = Evaluator::load(&o.dir, o.bundle.as_deref(), &o.data)?;
    let results = ev.query(&o.query, input)?;
    let mut out = std::io::stdout().lock();
    out.write_all(render(&results, o.format)?.as_bytes())?;
    let defined = !results.result.is_empty();
    Ok(u8::from(
        (o.fail && !defined) || (o.fail_defined && defined),
    ))
}
