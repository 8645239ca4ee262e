//! `with` on functions as OPA defines it, where regorus falls short: a function (or builtin)
//! replaced by a *builtin* (`with f as count`, `with data.p.f as upper`).
//!
//! regorus evaluates such a `with` correctly but its safety check refuses the bare builtin name
//! as an unsafe variable, which errors every test of the package. The narrowest fix is a source
//! rewrite before regorus sees the module: the builtin name after `as` becomes a generated
//! function of the same package (`__xtask_builtin_count(a0) := count(a0)`), which regorus
//! accepts as a replacement. Likewise a function declared only by `default` gets a body that never
//! succeeds, so `with` finds it, and calls of a package's own functions are spelled in full so a
//! `with` on either spelling reaches them. Replacing by a value, by a user function, and replacing a builtin
//! (`with count as mock`, `with time.now_ns as 123`) already work. A builtin only our extensions
//! provide (`with crypto.sha256 as "x"`) gets a generated function of its name in the mocking
//! package, so regorus accepts it as a target (`extension_targets`, `extension_modules`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use regorus::unstable::{Module, Rule, RuleHead, Token, TokenKind, BUILTINS};

pub use super::ast::Edit;
use super::builtins::extension_only;
use super::tree::PolicyTree;

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
        let arity = match BUILTINS.get(name.as_str()) {
            Some(&(_, arity)) => arity,
            None => match extension_only().get(name.as_str()) {
                Some(&arity) => arity,
                None => continue,
            },
        };
        if rules.contains(first.1.text()) {
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

/// Package of the generated functions that forward to extension-only builtins.
const FORWARDS: &str = "__xtask_with_builtins";

/// The targets of `with <builtin> as ...` in `tokens` that only our extensions provide
/// (`crypto.sha256`), skipping `skip` byte ranges and names whose first part `shadowed` says a
/// rule or an import alias of the module claims.
///
/// Why: regorus accepts a `with` target that is one of its own builtins or a function of the
/// current package, and says `undefined rule` for anything else, so an extension-only builtin
/// cannot be mocked. A function of the same name in the package (see [`extension_modules`])
/// makes the target resolve; the replacement is then keyed by the name as written, which is the
/// name every call of the builtin is looked up by, in every package.
pub fn extension_targets(
    tokens: &[Token],
    skip: &[(u32, u32)],
    shadowed: impl Fn(&str) -> bool,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, tok) in tokens.iter().enumerate() {
        if tok.0 != TokenKind::Ident || tok.1.text() != "with" {
            continue;
        }
        if skip
            .iter()
            .any(|&(s, e)| tok.1.start >= s && tok.1.end <= e)
        {
            continue;
        }
        let mut j = i + 1;
        let mut parts = Vec::new();
        while let Some(t) = tokens.get(j).filter(|t| t.0 == TokenKind::Ident) {
            parts.push(t.1.text());
            match tokens.get(j + 1) {
                Some(dot) if dot.1.text() == "." && dot.1.start == t.1.end => j += 2,
                _ => break,
            }
        }
        if tokens.get(j + 1).map(|t| t.1.text()) != Some("as") {
            continue;
        }
        let name = parts.join(".");
        let known = extension_only().get(name.as_str()).is_some_and(|&n| n > 0);
        if known && !parts.first().is_some_and(|first| shadowed(first)) {
            out.insert(name);
        }
    }
    out
}

/// The generated modules (file name, text) behind [`extension_targets`]: per package (as
/// written) that mocks extension-only builtins, a function of each builtin's own name
/// (`crypto.sha256(a0) := data.__xtask_with_builtins.crypto__sha256(a0)`), and one package of
/// forwards to the builtins themselves.
///
/// Why the forward: a call of the builtin inside the mocking package, when no `with` is active,
/// reaches the package's function of that name; calling the builtin from there would call the
/// function again, so it calls through a package that has no such function.
pub fn extension_modules(targets: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    let mut modules = Vec::new();
    let mut forwards = BTreeMap::new();
    for (package, names) in targets {
        let mut text = format!("package {package}\n");
        for name in names {
            let Some(&arity) = extension_only().get(name.as_str()) else {
                continue;
            };
            let args: Vec<String> = (0..arity).map(|a| format!("a{a}")).collect();
            let args = args.join(", ");
            let forward = name.replace('.', "__");
            text.push_str(&format!(
                "{name}({args}) := data.{FORWARDS}.{forward}({args})\n"
            ));
            forwards
                .entry(forward.clone())
                .or_insert_with(|| format!("{forward}({args}) := {name}({args})\n"));
        }
        modules.push((format!("<{FORWARDS} {package}>.rego"), text));
    }
    if !forwards.is_empty() {
        let mut text = format!("package {FORWARDS}\n");
        text.extend(forwards.into_values());
        modules.push((format!("<{FORWARDS}>.rego"), text));
    }
    modules
}

/// Whether `file` names a module of [`extension_modules`].
pub fn is_generated(file: &str) -> bool {
    file.starts_with(&format!("<{FORWARDS}")) && file.ends_with(">.rego")
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

/// The function heads (`f`, `a.b`) of every package in `tree`, parsed from its modules.
pub fn package_functions(tree: &PolicyTree) -> HashMap<String, BTreeSet<String>> {
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for file in &tree.modules {
        let Some((_, module)) = super::source::parse_file(file) else {
            continue; // the loader reports syntax errors
        };
        let package = module.package.refr.span().text().to_string();
        for rule in &module.policy {
            let head = match &**rule {
                Rule::Spec {
                    head: RuleHead::Func { refr, .. },
                    ..
                } => refr,
                Rule::Default { refr, args, .. } if !args.is_empty() => refr,
                _ => continue,
            };
            out.entry(package.clone())
                .or_default()
                .insert(head.span().text().to_string());
        }
    }
    out
}

/// Calls of the module's own package functions by their short name (`f(x)`, `a.b(x)`) and
/// `with f as ...` targets, spelled in full (`data.p.f(x)`).
///
/// Why: regorus keys a `with` replacement by the name as written at the `with` and looks it up
/// by the name as written at the call, so `with data.p.f as mock` in a test misses the `f(x)`
/// calls inside package `p` (the usual way to mock), and `with f as mock` misses
/// `data.p.f(x)`. With every call and target in full, they meet. Function heads (declarations)
/// are left as written.
pub fn full_function_names(
    tokens: &[Token],
    skip: &[(u32, u32)],
    module: &Module,
    functions: &BTreeSet<String>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    if functions.is_empty() {
        return edits;
    }
    let package = module.package.refr.span().text();
    let mut heads: Vec<(u32, u32)> = skip.to_vec();
    for rule in &module.policy {
        let refr = match &**rule {
            Rule::Spec { head, .. } => match head {
                RuleHead::Compr { refr, .. }
                | RuleHead::Set { refr, .. }
                | RuleHead::Func { refr, .. } => refr,
            },
            Rule::Default { refr, .. } => refr,
        };
        let span = refr.span();
        heads.push((span.start, span.end));
    }
    let mut i = 0;
    while i < tokens.len() {
        let tok = &tokens[i];
        let starts_ref = tok.0 == TokenKind::Ident
            && !matches!(i.checked_sub(1).map(|p| tokens[p].1.text()), Some("."))
            && !heads
                .iter()
                .any(|&(s, e)| tok.1.start >= s && tok.1.end <= e);
        if !starts_ref {
            i += 1;
            continue;
        }
        // The longest `ident(.ident)*` here; then the longest prefix naming a function.
        let mut j = i;
        let mut parts = vec![tok];
        while let (Some(dot), Some(next)) = (tokens.get(j + 1), tokens.get(j + 2)) {
            if dot.1.text() == "." && next.0 == TokenKind::Ident && dot.1.start == tokens[j].1.end {
                parts.push(next);
                j += 2;
            } else {
                break;
            }
        }
        let after = tokens.get(j + 1).map(|t| t.1.text());
        let prev = i.checked_sub(1).map(|p| tokens[p].1.text());
        let is_call = after == Some("(") && tokens[j + 1].1.start == tokens[j].1.end;
        let is_with_target = prev == Some("with") && after == Some("as");
        let name: Vec<&str> = parts.iter().map(|t| t.1.text()).collect();
        let name = name.join(".");
        if (is_call || is_with_target) && functions.contains(&name) {
            edits.push(Edit {
                start: tok.1.start as usize,
                end: tok.1.start as usize,
                text: format!("data.{package}."),
                line: tok.1.line,
                col: tok.1.col,
            });
        }
        i = j + 1;
    }
    edits
}

/// `with` targets naming a rule of the module's package by its short name (`with docs as 2`),
/// spelled in full (`with data.p.docs as 2`), as OPA's compiler resolves them: regorus looks a
/// bare name up as a function or an import only (`undefined rule`). `values` are the package's
/// rules that are not functions (functions go through [`full_function_names`]); `package` is
/// without `data.`.
pub fn rule_targets(
    tokens: &[Token],
    skip: &[(u32, u32)],
    values: &BTreeSet<String>,
    package: &str,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    for (i, tok) in tokens.iter().enumerate() {
        if tok.0 != TokenKind::Ident || tok.1.text() != "with" {
            continue;
        }
        if skip
            .iter()
            .any(|&(s, e)| tok.1.start >= s && tok.1.end <= e)
        {
            continue;
        }
        let Some(first) = tokens.get(i + 1).filter(|t| t.0 == TokenKind::Ident) else {
            continue;
        };
        if values.contains(first.1.text()) {
            edits.push(Edit {
                start: first.1.start as usize,
                end: first.1.start as usize,
                text: format!("data.{package}."),
                line: first.1.line,
                col: first.1.col,
            });
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use crate::engine::Policy;
    use crate::tree::PolicyTree;
    use regorus::Value;

    fn eval(src: &str, rule: &str) -> Value {
        let t = PolicyTree::of(&[("p_test.rego", src)]);
        let mut p = Policy::load(&t, &serde_json::json!({})).unwrap();
        p.eval("p_test", rule).unwrap()
    }

    #[test]
    fn a_function_replaced_by_a_builtin() {
        let src = "package p_test\nf(x) := 0 if x\n\
                   t1 if f([1, 2]) == 2 with f as count\n\
                   t2 if f(\"a\") == \"A\" with f as upper\n\
                   t3 if f(\"a\") == \"A\" with data.p_test.f as upper\n";
        for t in ["t1", "t2", "t3"] {
            assert_eq!(eval(src, t), Value::from(true), "{t}");
        }
    }

    #[test]
    fn names_that_are_not_builtins_or_are_calls_are_left_alone() {
        let src = "package p_test\nf(x) := 0 if x\nmock(_) := 7\n\
                   t1 if f(1) == 7 with f as mock\n\
                   t2 if count([1]) == 7 with count as mock\n\
                   t3 if input.x == 3 with input.x as count([1, 2, 3])\n";
        for t in ["t1", "t2", "t3"] {
            assert_eq!(eval(src, t), Value::from(true), "{t}");
        }
    }

    #[test]
    fn rules_of_the_package_by_their_short_name() {
        let src = "package p_test\ndocs := 1\nq := docs + 1\nseven := 7\n\
                   t1 if q == 3 with docs as 2\n\
                   t2 if seven == 7 with data.config as seven\n\
                   t3 if seven == 7 with input as {\"a\": data.p_test.seven}\n\
                   t4 if is_object(opa.runtime()) with opa.runtime as opa.runtime\n";
        for t in ["t1", "t2", "t3", "t4"] {
            assert_eq!(eval(src, t), Value::from(true), "{t}");
        }
    }

    #[test]
    fn a_default_only_function_can_be_replaced() {
        let src = "package p_test\ndefault g(_) := 1\ndefault a.b(_, _) := 1\n\
                   t1 if g(0) == 5 with g as 5\n\
                   t2 if a.b(0, 0) == 5 with data.p_test.a.b as 5\n\
                   t3 if g(0) == 1\n";
        for t in ["t1", "t2", "t3"] {
            assert_eq!(eval(src, t), Value::from(true), "{t}");
        }
    }

    #[test]
    fn extension_only_builtins_are_listed_with_their_arity() {
        let names = crate::builtins::extension_only();
        assert_eq!(names.get("crypto.sha256"), Some(&1));
        assert_eq!(names.get("crypto.hmac.sha256"), Some(&2));
        // Overrides of the engine's own builtins are not extension-only.
        assert_eq!(names.get("strings.count"), None);
    }

    #[test]
    fn an_extension_only_builtin_can_be_replaced() {
        let p = "package p\nd := crypto.sha256(input.s)\n";
        let t = "package p_test\nmock(_) := \"m\"\n\
                 t1 if data.p.d == \"x\" with crypto.sha256 as \"x\" with input.s as \"a\"\n\
                 t2 if crypto.sha256(\"a\") == \"m\" with crypto.sha256 as mock\n\
                 t3 if crypto.sha256(\"a\") == \"A\" with crypto.sha256 as upper\n\
                 t4 if crypto.sha256(\"a\") == \"0cc175b9c0f1b6a831c399e269772661\" \
                 with crypto.sha256 as crypto.md5\n\
                 t5 if startswith(crypto.sha256(\"a\"), \"ca9781\")\n\
                 t6 if count(io.jwt.decode(\"t\")) == 3 with io.jwt.decode as [{}, {}, \"\"]\n\
                 t7 if strings.count(\"aaa\", \"a\") == 9 with strings.count as 9\n\
                 e if crypto.sha256(input.n) with input.n as 1\n";
        let tree = PolicyTree::of(&[("p.rego", p), ("p_test.rego", t)]);
        let mut pol = Policy::load(&tree, &serde_json::json!({})).unwrap();
        for r in ["t1", "t2", "t3", "t4", "t5", "t6", "t7"] {
            assert_eq!(pol.eval("p_test", r).unwrap(), Value::from(true), "{r}");
        }
        // An error inside the generated forward names no generated file.
        let err = pol.eval("p_test", "e").unwrap_err().to_string();
        assert!(err.contains("operand 1 must be string"), "{err}");
        assert!(!err.contains("__xtask"), "{err}");
    }

    #[test]
    fn a_rule_or_alias_named_like_the_builtin_is_left_alone() {
        let src = "package p_test\nimport data.q as crypto\nf(_) := 1\n\
                   t if f(1) == 1 with crypto.sha256 as 2\n";
        let s = crate::source::source("p_test.rego".into(), src.into()).unwrap();
        let m = crate::source::parse(&s).unwrap();
        let mut lexer = regorus::unstable::Lexer::new(&s);
        let mut tokens = Vec::new();
        loop {
            let tok = lexer.next_token().unwrap();
            if tok.0 == super::TokenKind::Eof {
                break;
            }
            tokens.push(tok);
        }
        let skip: Vec<(u32, u32)> = m
            .imports
            .iter()
            .map(|i| (i.span.start, i.span.end))
            .collect();
        let found = super::extension_targets(&tokens, &skip, |f| f == "crypto");
        assert!(found.is_empty(), "{found:?}");
        let found = super::extension_targets(&tokens, &skip, |_| false);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["crypto.sha256"]);
    }
}
