//! `rego.metadata.rule()` and `rego.metadata.chain()`.
