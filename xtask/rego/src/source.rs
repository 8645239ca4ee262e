//! A module's source as every reader of a tree reads it: OPA's limits (none short of a generous
//! per-file bound) rather than regorus's defaults, and the text rewrites OPA's parser makes
//! unnecessary (`lang`, `late_imports`, `rule_bodies`), then regorus's parser in Rego v1 mode.
//!
//! Layer: loading, its bottom: uses the tree's files and the source rewrites only; everything
//! that parses a module (the engine, the checks, the rewrites over a whole tree, the author
//! tools) uses this.

use std::collections::BTreeSet;
use std::num::{NonZeroU32, NonZeroUsize};

use anyhow::Result;
use regorus::unstable::{Module, Parser};
use regorus::{PolicyLengthConfig, Source};

use super::tree::{PolicyTree, RegoFile};

/// The largest policy file we load. OPA has no limit short of memory; regorus's defaults (1 MiB,
/// 20,000 lines, 1,024 columns) refuse policies OPA loads, such as an inline certificate.
pub const MAX_POLICY_BYTES: usize = 64 << 20;

/// regorus's limits lifted to [`MAX_POLICY_BYTES`]: no line or column limit below the file's.
pub(crate) fn length_config() -> PolicyLengthConfig {
    PolicyLengthConfig {
        max_col: NonZeroU32::MAX,
        max_file_bytes: NonZeroUsize::MAX,
        max_lines: NonZeroUsize::MAX,
    }
}

/// A module's source as the engine reads it, with OPA's limits (none short of a generous
/// per-file bound) rather than regorus's defaults; every reader of a tree goes through here.
pub(crate) fn source(name: String, text: String) -> Result<Source> {
    let c = length_config();
    // OPA's template strings (`$"a {x}"`), which regorus does not lex (see `templates.rs`).
    let text = match super::templates::rewrite(&text) {
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            let (line, col) = super::ast::line_col(&text, e.offset);
            // As regorus words a parse error, so every reader reports it alike.
            anyhow::bail!("--> {name}:{line}:{col}\nerror: {}", e.message);
        }
        None => text,
    };
    // Keywords starting a reference or a rule's name (see `keyword_refs.rs`).
    let text = super::keyword_refs::rewrite(&text).unwrap_or(text);
    // OPA's `not { .. }` (`import future.keywords.not`), which regorus reads as a set.
    let text = super::not_bodies::rewrite(&name, &text).unwrap_or(text);
    // OPA's infix `and` / `or` (`import future.keywords.and`, `.or`), as comprehensions.
    let text = super::logic_ops::rewrite(&name, &text)?.unwrap_or(text);
    let text = super::lang::separate_paren_lines(&name, &text).unwrap_or(text);
    // OPA takes imports after rules; regorus only before them (see `late_imports.rs`).
    let text = super::late_imports::hoist(&name, &text).unwrap_or(text);
    // OPA reads `p if { .. } { .. }` as two definitions of `p` (see `rule_bodies.rs`).
    let text = super::rule_bodies::split(&name, &text).unwrap_or(text);
    Source::from_contents_with_limits(name, text, c.max_file_bytes, c.max_lines)
}

/// A text already through `source`'s rewrites (a module as loaded), read as it is.
pub(crate) fn source_as_is(name: String, text: String) -> Result<Source> {
    let c = length_config();
    Source::from_contents_with_limits(name, text, c.max_file_bytes, c.max_lines)
}

pub(crate) fn parse(src: &Source) -> Result<Module> {
    let mut parser = Parser::new(src)?;
    parser.set_max_col(length_config().max_col);
    parser.enable_rego_v1()?;
    parser.parse()
}

/// A file of a tree read and parsed as the engine does; `None` where either fails (the
/// loader reports that error, so readers that only gather facts skip the file).
/// A `policy-eval` query as the body of a rule, the form the query rewrites read it in (two
/// lines down): the text and its module, `None` when it does not parse.
pub(crate) fn query_as_rule(query: &str) -> Option<(String, Module)> {
    let text = format!("{QUERY_HEAD}{query}{QUERY_TAIL}");
    let src = source_as_is("<query.rego>".into(), text.clone()).ok()?;
    let module = parse(&src).ok()?;
    Some((text, module))
}

/// The query back out of a (rewritten) [`query_as_rule`] text.
pub(crate) fn rule_as_query(text: &str) -> Option<String> {
    let q = text.strip_prefix(QUERY_HEAD)?.strip_suffix(QUERY_TAIL)?;
    Some(q.to_string())
}

pub(crate) const QUERY_HEAD: &str = "package __xtask_query\n__xtask_q if {\n";
const QUERY_TAIL: &str = "\n}\n";

pub(crate) fn parse_file(file: &RegoFile) -> Option<(Source, Module)> {
    let src = source(file.rel.clone(), file.text.clone()).ok()?;
    let module = parse(&src).ok()?;
    Some((src, module))
}

/// `package.name` of every rule of `tree` (see `lang::ground_doc`).
pub fn rule_paths(tree: &PolicyTree) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in &tree.modules {
        let Ok(src) = source(file.rel.clone(), file.text.clone()) else {
            continue;
        };
        if let Ok(module) = parse(&src) {
            out.extend(super::lang::module_rule_paths(&module));
        }
    }
    out
}
