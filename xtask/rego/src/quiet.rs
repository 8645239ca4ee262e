//! What regorus prints or dumps for its own debugging, kept from the user.
//!
//! regorus writes to stderr in three places a policy can reach: its scheduler's `could not
//! schedule all statements [..]` (a body it cannot order, which it then runs in source order),
//! `warning: redundant import of input`, and (not ours to hide) `print`. Its errors can carry
//! its internal state in Rust's debug form: `var x is unsafe (path [..], scopes [{"c":
//! String("...")}])` dumps every local of the body, secrets included. We cannot patch regorus
//! and do not redirect its file descriptors; instead we keep policies off those paths before
//! they reach it, and put what it raises in OPA's words with values cut short.
//!
//! - `import input` (with or without `as`) is blanked out of the text regorus reads: it means
//!   nothing to OPA, and our alias rewrite has already resolved what an `as` names.
//! - A call that binds an output argument regorus cannot tell apart (an extension-only
//!   builtin called with one argument more than it takes, which `builtins::out_args` did not
//!   rewrite) is refused before loading with OPA's `rego_unsafe_var_error`, rather than left
//!   to regorus's scheduler.
//! - [`words`] rewrites regorus's messages.

use regorus::unstable::{Expr, Module};

use super::ast::Edit;
use super::ast::{dotted, walk_rule};
use super::builtins::extension_only;
use super::source::{parse, source_as_is};

/// Longest value quoted in a message; a longer one is cut to its first [`KEEP`] characters.
const LONGEST: usize = 64;
const KEEP: usize = 24;

/// Edits that blank every `import input` (and `import input as x`) of `module` out of `text`,
/// keeping every column.
pub fn input_imports(module: &Module, text: &str) -> Vec<Edit> {
    module
        .imports
        .iter()
        .filter(|i| i.refr.span().text() == "input")
        .filter_map(|i| {
            let (start, end) = (i.span.start as usize, i.span.end as usize);
            let old = text.get(start..end)?;
            Some(Edit {
                start,
                end,
                text: " ".repeat(old.chars().count()),
                line: i.span.line,
                col: i.span.col,
            })
        })
        .collect()
}

/// Whether `text` may call an extension-only builtin (a cheap test before walking a module).
fn may_call_extension(text: &str) -> bool {
    extension_only()
        .keys()
        .any(|name| text.contains(name.split('.').next().unwrap_or(name)))
}

/// The first call in `text` (a module as regorus will read it) that binds an output argument of
/// an extension-only builtin, as OPA's error: `file:line:col: rego_unsafe_var_error: var out
/// is unsafe`. Such a call would reach regorus's scheduler, which cannot order it. A text that
/// does not parse is regorus's to report.
pub fn unschedulable(file: &str, text: &str) -> Option<String> {
    if !may_call_extension(text) {
        return None;
    }
    let src = source_as_is(file.to_string(), text.to_string()).ok()?;
    let module = parse(&src).ok()?;
    // A name whose first part is a rule or an import of the module is no builtin's.
    let claimed: Vec<String> = module
        .policy
        .iter()
        .map(|r| {
            let head = r.span().text();
            let end = head
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(head.len());
            head[..end].to_string()
        })
        .chain(module.imports.iter().map(|i| {
            match &i.r#as {
                Some(a) => a.text().to_string(),
                None => i
                    .refr
                    .span()
                    .text()
                    .rsplit('.')
                    .next()
                    .unwrap_or("")
                    .to_string(),
            }
        }))
        .collect();
    let mut found = None;
    for rule in &module.policy {
        walk_rule(rule, &mut |e, _| {
            let Expr::Call { fcn, params, .. } = e else {
                return;
            };
            if found.is_some() {
                return;
            }
            let Some(path) = dotted(fcn) else {
                return;
            };
            if path.first().is_some_and(|f| claimed.iter().any(|c| c == f)) {
                return;
            }
            let name = path.join(".");
            let Some(&nargs) = extension_only().get(name.as_str()) else {
                return;
            };
            if params.len() != nargs as usize + 1 {
                return;
            }
            let Some(out) = params.last() else {
                return;
            };
            let span = out.span();
            found = Some(format!(
                "{file}:{}:{}: rego_unsafe_var_error: var {} is unsafe",
                span.line,
                span.col,
                cut(span.text())
            ));
        });
    }
    found
}

/// [`unschedulable`] for a query (`policy-eval`'s), named as regorus names it.
pub fn unschedulable_query(query: &str) -> Option<String> {
    // The query as the body of a rule, two lines down (as `source::query_as_rule` writes it).
    let text = format!("{}{query}\n}}\n", crate::source::QUERY_HEAD);
    let e = unschedulable("<query.rego>", &text)?;
    let rest = e.strip_prefix("<query.rego>:")?;
    let (line, rest) = rest.split_once(':')?;
    let line: u32 = line.parse().ok()?;
    Some(format!("<query.rego>:{}:{rest}", line.saturating_sub(2)))
}

/// regorus's message in OPA's words, with no internal state and no long value.
pub fn words(msg: &str) -> String {
    let msg = msg.trim();
    // `var x is unsafe (path ["p", "x"], scopes [{...}])`: its scopes hold every local.
    if let Some(rest) = msg.strip_prefix("var ") {
        if let Some((name, _)) = rest.split_once(" is unsafe") {
            return format!("rego_unsafe_var_error: var {} is unsafe", cut(name));
        }
    }
    // The scheduler's `use of undefined variable `x` is unsafe`.
    if let Some(rest) = msg.strip_prefix("use of undefined variable `") {
        if let Some(name) = rest.strip_suffix("` is unsafe") {
            return format!("rego_unsafe_var_error: var {} is unsafe", cut(name));
        }
    }
    // `statements not scheduled in query Query { .. }`: the query's syntax tree.
    if let Some(at) = msg.find("statements not scheduled in query") {
        return format!("{}statements not scheduled in query", &msg[..at]);
    }
    cut_values(msg)
}

/// A name or value as a message shows it: at most [`LONGEST`] characters.
fn cut(s: &str) -> String {
    if s.chars().count() <= LONGEST {
        return s.to_string();
    }
    let head: String = s.chars().take(KEEP).collect();
    format!("{head}...")
}

/// Every double-quoted string in `msg` longer than [`LONGEST`] characters, cut.
pub fn cut_values(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len().min(1024));
    let mut rest = msg;
    while let Some(open) = rest.find('"') {
        out.push_str(&rest[..=open]);
        let body = &rest[open + 1..];
        // The closing quote: the next `"` not escaped by a backslash.
        let mut escaped = false;
        let close = body.char_indices().find_map(|(i, c)| {
            let end = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            end.then_some(i)
        });
        match close {
            Some(close) => {
                out.push_str(&cut(&body[..close]));
                out.push('"');
                rest = &body[close + 1..];
            }
            None => {
                out.push_str(&cut(body));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &str = "-----BEGIN CERTIFICATE-----\\nMIIBszCCAVmgAwIBAgIUSECRETSECRETSECRETSECRETSECRET\\n-----END CERTIFICATE-----";

    #[test]
    fn unsafe_vars_in_opas_words_without_scopes() {
        let msg = format!(
            "var out is unsafe (path [\"generated\", \"out\"], scopes [{{\"c\": String(\"{CERT}\")}}, {{}}])"
        );
        assert_eq!(words(&msg), "rego_unsafe_var_error: var out is unsafe");
        assert_eq!(
            words("use of undefined variable `x` is unsafe"),
            "rego_unsafe_var_error: var x is unsafe"
        );
    }

    #[test]
    fn long_values_are_cut() {
        let msg = format!("eval_builtin_error: f: bad value \"{CERT}\" here");
        let w = words(&msg);
        assert!(!w.contains("SECRET"), "{w}");
        assert!(
            w.starts_with("eval_builtin_error: f: bad value \"-----BEGIN"),
            "{w}"
        );
        assert!(w.ends_with("...\" here"), "{w}");
        assert_eq!(words("short \"a\\\"b\" ok"), "short \"a\\\"b\" ok");
    }

    #[test]
    fn output_arguments_regorus_cannot_schedule_are_refused() {
        let src = "package p\nimport rego.v1\nf(c) := out if {\n\tio.jwt.decode_verify(\"a.b.c\", {\"cert\": c}, out)\n}\n";
        assert_eq!(
            unschedulable("p.rego", src).as_deref(),
            Some("p.rego:4:48: rego_unsafe_var_error: var out is unsafe")
        );
        // Bound the other way, or a rule of the module named like the builtin's package.
        let ok = "package p\nimport rego.v1\nf(c) := out if out := io.jwt.decode_verify(\"a.b.c\", {\"cert\": c})\n";
        assert_eq!(unschedulable("p.rego", ok), None);
        let claimed = "package p\nimport rego.v1\nio.jwt.decode_verify(a, b, c) := 1\nr if io.jwt.decode_verify(1, 2, 3, x)\n";
        assert_eq!(unschedulable("p.rego", claimed), None);
    }
}
