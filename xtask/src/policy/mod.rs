//! The Rego side: load a policy tree, run its tests, build its OPA bundle.

pub mod bundle;
pub mod coverage;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod inspect;
pub mod inventory;
pub mod report;
pub mod test;
pub mod tree;
