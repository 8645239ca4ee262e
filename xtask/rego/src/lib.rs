//! An OPA-exact Rego engine over regorus: load a policy tree as `opa` does, refuse what OPA's
//! compiler refuses, run its tests (with coverage, explanations and traces), evaluate queries,
//! list its rules and build its OPA bundle. It knows nothing of OCI, cosign, clusters or a
//! command line (the `clap` feature only derives `ValueEnum` on the output formats).
//!
//! The entry points:
//! - load a tree: [`tree::PolicyTree::load`] (a directory) or [`tree::PolicyTree::of`] (in
//!   memory); a built bundle: [`inspect::read_bundle`];
//! - the compile checks: [`check::refusals`] (every refusal) or [`check::check`] (an error);
//! - run tests: [`engine::Policy::load`], then [`test::run_tests_with`]; the whole command with
//!   coverage, traces and reports: [`test::policy_test_with`];
//! - evaluate: [`engine::Policy::eval`] (a rule) or [`eval::Evaluator::query`] (any query);
//! - list rules: [`engine::Policy::rules`]; rule ids and where they are declared:
//!   [`inventory::sites`];
//! - build a bundle: [`bundle::build`].
//!
//! ```
//! use trustacks_rego::{check, engine::Policy, test, tree::PolicyTree};
//!
//! let tree = PolicyTree::of(&[(
//!     "p/p.rego",
//!     "package p\nimport rego.v1\nallow if input.ok\ntest_allow if allow with input as {\"ok\": true}\n",
//! )]);
//! assert!(check::refusals(&tree).is_empty());
//! let mut policy = Policy::load(&tree, &tree.merged_data(false)?)?;
//! let names: Vec<_> = policy.rules().iter().map(|r| r.name.clone()).collect();
//! assert_eq!(names, ["allow", "test_allow"]);
//! let results = test::run_tests_with(&tree, &mut policy, None, None);
//! assert_eq!(test::summarize(&results).line(), "1 passed, 0 failed");
//! assert_eq!(policy.eval("p", "allow")?, regorus::Value::Undefined);
//! # Ok::<(), anyhow::Error>(())
//! ```
//!
//! For now every module is public as it was inside the xtask; the layers read bottom to top:
//! source rewrites (`lang`, `late_imports`, `rule_bodies`, `with`, `split_functions`, `scope`),
//! loading (`tree`, `engine`, `guard`, `builtins`), checks (`check`), evaluation (`eval`,
//! `test`, `bundle`), author tools (`coverage`, `trace`, `explain`, `report`, `inventory`). The
//! differential fuzzer against OPA is a crate of its own (`xtask/rego-fuzz`).

pub mod ast;
pub mod builtins;
pub mod bundle;
pub mod check;
pub mod coverage;
pub mod dup_keys;
pub mod engine;
pub mod eval;
pub mod explain;
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
