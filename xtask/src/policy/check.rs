//! `policy-check`'s glue: every refusal on stdout, like `opa check`, and a failure when there
//! is one. The engine's `check` module is re-exported here under its old path.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};

pub use trustacks_rego::check::*;
use trustacks_rego::tree::PolicyTree;

/// `policy-check`: prints every refusal on stdout, like `opa check`; fails if there is one.
pub fn policy_check(dir: &Path) -> Result<()> {
    let started = Instant::now();
    let tree = PolicyTree::load(dir)?;
    let found = refusals(&tree);
    for r in &found {
        println!("{r}");
    }
    eprintln!(
        "checked {} modules in {} ms",
        tree.modules.len(),
        started.elapsed().as_millis()
    );
    match found.len() {
        0 => Ok(()),
        1 => bail!(
            "{}: 1 error (OPA {OPA_VERSION} would refuse it)",
            dir.display()
        ),
        n => bail!(
            "{}: {n} errors (OPA {OPA_VERSION} would refuse it)",
            dir.display()
        ),
    }
}
