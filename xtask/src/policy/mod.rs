//! The Rego side: load a policy tree, run its tests, build its OPA bundle.

pub mod ast;
pub mod builtins;
pub mod bundle;
pub mod check;
pub mod coverage;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod fuzz;
pub mod guard;
pub mod inspect;
pub mod inventory;
pub mod lang;
pub mod late_imports;
pub mod quiet;
pub mod report;
pub mod rule_bodies;
pub mod scope;
pub mod split_functions;
pub mod test;
pub mod trace;
pub mod tree;
pub mod with;
