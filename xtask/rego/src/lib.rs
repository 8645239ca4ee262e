//! An OPA-exact Rego engine over regorus: load a policy tree as `opa` does, refuse what OPA's
//! compiler refuses, run its tests (with coverage, explanations and traces), evaluate queries,
//! list its rules and build its OPA bundle. It knows nothing of OCI, cosign, clusters or a
//! command line (the `clap` feature only derives `ValueEnum` on the output formats).
//!
//! The entry points:
//! - load a tree: [`tree::PolicyTree::load`] (a directory) or [`tree::PolicyTree::of`] (in
//!   memory); a built bundle: [`inspect::read_bundle`];
//! - the compile checks: [`check::refusals`] (every refusal) or [`check::check`] (an error);
//! - run tests: [`engine::Policy::load`], then [`test::run_tests_with`] (explanations and traces
//!   as asked); coverage: [`coverage::load`] and [`coverage::report`]; reports in OPA's formats:
//!   [`report`];
//! - evaluate: [`engine::Policy::eval`] (a rule) or [`eval::Evaluator::query`] (any query);
//! - list rules: [`engine::Policy::rules`]; rule ids and where they are declared:
//!   [`inventory::sites`];
//! - build a bundle: [`bundle::build`];
//! - read certificates and DER as OPA's `crypto.x509.*` do, verify chains as Go does: [`pki`].
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
//! The layers, bottom to top; a module uses only its own layer and those below it, with no
//! import cycle (`scripts/rego-layers` measures both from the `crate::`/`super::` paths):
//! 1. source rewrites: `ast` (syntax walks, the text edit), `keyword_refs`, `lang`, `late_imports`,
//!    `logic_ops`, `not_bodies`, `rule_bodies`, `scope`, `templates` (Rego as OPA reads it,
//!    rewritten before regorus parses);
//! 2. loading: `tree` (OPA's loader rules), `source` (a module's source and parse, as every
//!    reader does), the rewrites over a whole tree (`with`, `split_functions`, `quiet`) or a
//!    parsed module (`dup_keys`: a repeated key's earlier value, `order_rewrite`: comparisons in
//!    OPA's order of values), `ref_heads` (heads under another rule's variable), `guard`
//!    (the panic boundary), `probe` (the coverage probes' extension), `builtins/`, and `pki`
//!    (certificates, DER, chain verification and hex, public for the xtask's signing code);
//! 3. checks: `check` (OPA's compile-time refusals);
//! 4. evaluation: `engine` (the policy loaded into regorus), `eval`, `bundle`, `inspect`,
//!    `inventory`;
//! 5. author tools: `test` (with explanations and traces), `coverage`, `trace`, `explain`,
//!    `report`.
//!
//! The differential fuzzer against OPA is a crate of its own (`xtask/rego-fuzz`); the commands
//! around the engine (`policy-test`, `policy-eval`, `policy-check`, ...) are the xtask's.

pub(crate) mod ast;
pub(crate) mod builtins;
pub mod bundle;
pub mod check;
pub mod coverage;
pub(crate) mod dup_keys;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod guard;
pub mod inspect;
pub mod inventory;
pub(crate) mod keyword_refs;
pub(crate) mod lang;
pub(crate) mod late_imports;
pub(crate) mod logic_ops;
pub(crate) mod not_bodies;
pub(crate) mod order_rewrite;
pub mod pki;
pub(crate) mod probe;
pub(crate) mod quiet;
pub(crate) mod ref_heads;
pub mod report;
pub(crate) mod rule_bodies;
pub(crate) mod scope;
pub(crate) mod source;
pub(crate) mod split_functions;
pub(crate) mod templates;
pub mod test;
pub(crate) mod trace;
pub mod tree;
pub(crate) mod with;
