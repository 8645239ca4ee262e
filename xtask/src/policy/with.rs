//! `with` on functions as OPA defines it, where regorus falls short: a function (or builtin)
//! replaced by a *builtin* (`with f as count`, `with data.p.f as upper`).
//!
//! regorus evaluates such a `with` correctly but its safety check refuses the bare builtin name
//! as an unsafe variable, which errors every test of the package. The narrowest fix is a source
//! rewrite before regorus sees the module: the builtin name after `as` becomes a generated
//! function of the same package (`__xtask_builtin_count(a0) := count(a0)`), which regorus
//! accepts as a replacement. Likewise a function declared only by `default` gets a body that never
//! succeeds, so `with` finds it. Replacing by a value, by a user function, and replacing a builtin
//! (`with count as mock`, `with time.now_ns as 123`) already work.

use std::collections::{BTreeMap, BTreeSet};

use regorus::unstable::{Module, Rule, Token, TokenKind, BUILTINS};

/// One text replacement: byte range, new text, and the line/column where it starts.
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
    pub line: u32,
    pub col: u32,
}

/// Prefix of the generated wrapper functions (not a name a policy would use).
const PREFIX: &str = "__xtask_builtin_";

/// Finds `with <target> as <builtin>` in `tokens` (skipping `skip` byte ranges: imports) where
/// the builtin name is not shadowed by a rule of the module (`rules`). Returns the edits and the
/// wrapper functions to append to the module.
pub fn builtin_replacements(
    tokens: &[Token],
    skip: &[(u32, u32)],
    rules: &BTreeSet<String>,
) -> (Vec<Edit>, String) {
    let mut edits = Vec::new();
    let mut wrappers: BTreeMap<String, String> = BTreeMap::new();
    for (i, tok) in tokens.iter().enumerate() {
        if tok.0 != TokenKind::Ident || tok.1.text() != "as" {
            continue;
        }
        if skip
            .iter()
            .any(|&(s, e)| tok.1.start >= s && tok.1.end <= e)
        {
            continue;
        }
        // The replacement: `ident(.ident)*`, not followed by a call, index or further field.
        let mut j = i + 1;
        let mut parts = Vec::new();
        while let Some(t) = tokens.get(j).filter(|t| t.0 == TokenKind::Ident) {
            parts.push(t);
            match tokens.get(j + 1) {
                Some(dot) if dot.1.text() == "." && dot.1.start == t.1.end => j += 2,
                _ => break,
            }
        }
        let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
            continue;
        };
        let after = tokens.get(i + 2 * parts.len()).map(|t| t.1.text());
        if matches!(after, Some("(" | "[" | ".")) {
            continue;
        }
        let name: Vec<&str> = parts.iter().map(|t| t.1.text()).collect();
        let name = name.join(".");
        let Some(&(_, arity)) = BUILTINS.get(name.as_str()) else {
            continue;
        };
        if arity == 0 || rules.contains(first.1.text()) {
            continue;
        }
        let wrapper = format!("{PREFIX}{}", name.replace('.', "_"));
        let args: Vec<String> = (0..arity).map(|a| format!("a{a}")).collect();
        let args = args.join(", ");
        wrappers
            .entry(wrapper.clone())
            .or_insert_with(|| format!("{wrapper}({args}) := {name}({args})\n"));
        edits.push(Edit {
            start: first.1.start as usize,
            end: last.1.end as usize,
            text: wrapper,
            line: first.1.line,
            col: first.1.col,
        });
    }
    let appended: String = wrappers.into_values().collect();
    (edits, appended)
}

/// A never-succeeding definition for every `default` function of the module
/// (`f(_) := null if false` after `default f(_) := 1`).
///
/// Why: regorus keeps a function that has only a `default` out of its function table, so
/// `with data.p.f as 7` (or `as mock`) misses it and the default answers. A body that never
/// succeeds puts the function in the table without changing what it returns.
pub fn default_function_bodies(module: &Module) -> String {
    let mut out = String::new();
    for rule in &module.policy {
        if let Rule::Default { refr, args, .. } = &**rule {
            if args.is_empty() {
                continue;
            }
            let params = vec!["_"; args.len()].join(", ");
            out.push_str(&format!(
                "{}({params}) := null if false\n",
                refr.span().text()
            ));
        }
    }
    out
}
