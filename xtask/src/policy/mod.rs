//! The Rego side of the CLI: the engine crate (`trustacks_rego`) under its old path, plus the
//! commands' glue that needs the rest of the xtask (files, git, OCI, cosign).

pub use trustacks_rego::*;

pub mod build;
pub mod check;
pub mod eval;
pub mod fuzz;
pub mod inspect;
pub mod test;
