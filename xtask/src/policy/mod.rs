//! The Rego side: load a policy tree, run its tests, build its OPA bundle.

pub mod builtins;
pub mod bundle;
pub mod check;
pub mod engine;
pub mod guard;
pub mod fuzz;
pub mod test;
pub mod tree;
pub mod with;
