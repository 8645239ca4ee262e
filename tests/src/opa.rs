//! The real OPA engine as a judge of the built binary: the engine crate's judge
//! (`xtask/rego/tests/judge/opa.rs`), compiled here too so both crates judge with one code.

use crate::workspace;

#[path = "../../xtask/rego/tests/judge/opa.rs"]
mod shared;
pub use shared::*;
