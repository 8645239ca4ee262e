//! Builtins we provide as engine extensions: OPA's builtins regorus lacks, and Go-exact
//! replacements for regorus builtins whose results differ from OPA's (extensions are looked up
//! before the engine's own builtins, so registering one under a builtin's name replaces it).

use anyhow::Result;
use regorus::Engine;

pub mod encoding;
#[cfg(test)]
mod odd_args;
pub mod panics;
pub mod sprintf;
pub mod strings;

/// Registers every extension on `engine`.
pub fn register(engine: &mut Engine) -> Result<()> {
    strings::register(engine)?;
    encoding::register(engine)?;
    panics::register(engine)?;
    Ok(())
}
