//! `rego.metadata.rule()` and `rego.metadata.chain()`, done as OPA's compiler does them: each call
//! is replaced, before regorus sees the module, by the annotations computed from the tree's
//! `# METADATA` blocks (scopes rule, document, package, subpackages).
//!
//! An extension cannot see which rule called it, so the rewrite works on the source: the call
//! becomes a reference to a generated rule appended after the module's last line, padded with
//! spaces to the call's length, so no line or column of the file as written moves.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use regorus::unstable::{Lexer, Module, Rule, RuleHead, TokenKind};
use regorus::Source;
use serde_json::{json, Map, Value as Json};

use crate::tree::PolicyTree;

/// One `# METADATA` block, parsed.
#[derive(Debug, Clone)]
struct Annotation {
    scope: String,
    /// The annotation as OPA's `rego.metadata.*` returns it.
    value: Json,
}

/// Where a block is attached.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Package(Vec<String>),
    /// (package + rule path, file, first line of the rule)
    Rule(Vec<String>, String, u32),
}

/// Every annotation of the tree, when some module calls `rego.metadata.*`.
#[derive(Debug, Default)]
pub struct Metadata {
    active: bool,
    annotations: Vec<(Target, Annotation)>,
    /// Blocks OPA refuses (checked only when a module calls `rego.metadata.*`, as OPA does).
    pub errors: Vec<String>,
}

impl Metadata {
    /// Reads the annotations of every module; free when no module calls `rego.metadata.*`.
    pub fn collect(tree: &PolicyTree) -> Metadata {
        let mut m = Metadata::default();
        if !tree
            .modules
            .iter()
            .any(|f| f.text.contains("rego.metadata."))
        {
            return m;
        }
        m.active = true;
        for file in &tree.modules {
            let Ok(src) = crate::source::source(file.rel.clone(), file.text.clone()) else {
                continue;
            };
            let Ok(module) = parse(&src) else {
                continue; // the load reports the syntax error
            };
            let (found, errors) =
                annotations_of(&file.rel, &tree.display(&file.rel), &file.text, &module);
            m.annotations.extend(found);
            m.errors.extend(errors);
        }
        m
    }

    /// The module's text with every `rego.metadata.rule()` / `rego.metadata.chain()` call
    /// replaced; `src` unchanged when there is none.
    pub fn rewrite(&self, rel: &str, src: Source, module: &Module) -> Result<Source> {
        if !self.active || !src.contents().contains("rego.metadata.") {
            return Ok(src);
        }
        let text = src.contents().clone();
        let mut tokens = Vec::new();
        let mut lexer = Lexer::new(&src);
        loop {
            let tok = lexer.next_token()?;
            if tok.0 == TokenKind::Eof {
                break;
            }
            tokens.push((
                tok.1.start as usize,
                tok.1.end as usize,
                tok.1.text().to_string(),
            ));
        }
        let package = path_of(module.package.refr.span().text());
        let mut out = String::with_capacity(text.len() + 256);
        let mut extra = String::new();
        let mut copied = 0;
        let mut i = 0;
        let mut n = 0;
        while i + 6 < tokens.len() {
            let names: Vec<&str> = tokens[i..i + 7].iter().map(|t| t.2.as_str()).collect();
            let (call, out_arg) = match names.as_slice() {
                ["rego", ".", "metadata", ".", f @ ("rule" | "chain"), "(", close]
                    if (i == 0 || tokens[i - 1].2 != ".") =>
                {
                    (*f, *close != ")")
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            // `rego.metadata.rule(out)` (an output argument; OPA's checks let it stand only as a
            // whole literal): the call up to its `(` becomes `NAME=(`, so `NAME=(out)` remains.
            let (start, end) = match out_arg {
                false => (tokens[i].0, tokens[i + 6].1),
                true => (tokens[i].0, tokens[i + 5].1),
            };
            let Some(rule) = enclosing_rule(module, start) else {
                i += 7;
                continue; // outside a rule: leave it to regorus, which refuses it
            };
            let value = match call {
                "rule" => self.rule_value(&package, rel, &rule),
                _ => self.chain_value(&package, rel, &rule),
            };
            let name = format!("__rego_metadata_{n}");
            n += 1;
            let width = end - start;
            let shown = match out_arg {
                false => name.clone(),
                true => format!("{name}=("),
            };
            if shown.len() > width {
                i += 7;
                continue;
            }
            out.push_str(&text[copied..start]);
            out.push_str(&format!("{shown:>width$}"));
            copied = end;
            // Pretty JSON keeps every line short (regorus caps the width of a line).
            let literal = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{}".into());
            extra.push_str(&format!("{name} := {literal}\n"));
            i += 7;
        }
        if n == 0 {
            return Ok(src);
        }
        out.push_str(&text[copied..]);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&extra);
        crate::source::source(src.file().clone(), out)
            .with_context(|| format!("{rel}: cannot rewrite rego.metadata calls"))
    }

    /// The rule-scope blocks of one rule, the closest to it first.
    fn rule_annotations(&self, rel: &str, rule: &RuleInfo) -> Vec<&Annotation> {
        let mut found: Vec<&Annotation> = self
            .annotations
            .iter()
            .filter_map(|(t, a)| match t {
                Target::Rule(_, f, line) if f == rel && *line == rule.line && a.scope == "rule" => {
                    Some(a)
                }
                _ => None,
            })
            .collect();
        found.reverse();
        found
    }

    fn rule_value(&self, _package: &[String], rel: &str, rule: &RuleInfo) -> Json {
        // OPA picks the block furthest from the rule when there are several.
        self.rule_annotations(rel, rule)
            .last()
            .map(|a| a.value.clone())
            .unwrap_or_else(|| json!({}))
    }

    fn chain_value(&self, package: &[String], rel: &str, rule: &RuleInfo) -> Json {
        let mut path = package.to_vec();
        path.extend(rule.path.iter().cloned());
        let mut chain = Vec::new();
        let own = self.rule_annotations(rel, rule);
        if own.is_empty() {
            chain.push(json!({"path": path}));
        }
        for a in own {
            chain.push(json!({"path": path, "annotations": a.value}));
        }
        let document = self.annotations.iter().find(|(t, a)| {
            matches!(t, Target::Rule(p, _, _) if *p == path) && a.scope == "document"
        });
        if let Some((_, a)) = document {
            chain.push(json!({"path": path, "annotations": a.value}));
        }
        let pkg = self
            .annotations
            .iter()
            .find(|(t, a)| matches!(t, Target::Package(p) if p == package) && a.scope == "package");
        if let Some((_, a)) = pkg {
            chain.push(json!({"path": package, "annotations": a.value}));
        }
        // `subpackages` blocks of this package and every ancestor, nearest first.
        for len in (1..=package.len()).rev() {
            let prefix = &package[..len];
            let sub = self.annotations.iter().find(|(t, a)| {
                matches!(t, Target::Package(p) if p == prefix) && a.scope == "subpackages"
            });
            if let Some((_, a)) = sub {
                chain.push(json!({"path": prefix, "annotations": a.value}));
            }
        }
        Json::Array(chain)
    }
}

fn parse(src: &Source) -> Result<Module> {
    crate::source::parse(src)
}

struct RuleInfo {
    /// The ground prefix of the rule's head reference (`h.i.j`, `m["k"]`).
    path: Vec<String>,
    line: u32,
}

fn rule_info(rule: &Rule) -> (RuleInfo, u32, u32) {
    let (span, refr) = match rule {
        Rule::Spec { span, head, .. } => (
            span,
            match head {
                RuleHead::Compr { refr, .. }
                | RuleHead::Set { refr, .. }
                | RuleHead::Func { refr, .. } => refr,
            },
        ),
        Rule::Default { span, refr, .. } => (span, refr),
    };
    (
        RuleInfo {
            path: path_of(refr.span().text()),
            line: span.line,
        },
        span.start,
        span.end,
    )
}

/// The rule around `offset`. An `else` branch is a rule of its own to OPA, with no annotations:
/// it comes back with no line, so no block matches it.
fn enclosing_rule(module: &Module, offset: usize) -> Option<RuleInfo> {
    module.policy.iter().find_map(|r| {
        let (mut info, start, end) = rule_info(r);
        if !(start as usize <= offset && offset < end as usize) {
            return None;
        }
        if let Rule::Spec { bodies, .. } = &**r {
            let else_start = bodies
                .iter()
                .filter(|b| b.is_else)
                .map(|b| {
                    let assign = b.assign.as_ref().map_or(u32::MAX, |a| a.span.start);
                    b.span.start.min(assign)
                })
                .min();
            if else_start.is_some_and(|e| offset >= e as usize) {
                info.line = 0;
            }
        }
        Some(info)
    })
}

/// `a.b["c"].d[x]` → `[a, b, c, d]`: the ground prefix of a reference written in source.
fn path_of(refr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = refr.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        }
        if let Some(r) = rest.strip_prefix("[\"") {
            let Some(end) = r.find("\"]") else { break };
            out.push(r[..end].to_string());
            rest = &r[end + 2..];
        } else if rest.starts_with('[') {
            break; // a variable or number key: not ground
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(rest[..end].trim().to_string());
            rest = &rest[end..];
        }
    }
    out
}

/// Per line of `text`: whether it starts inside a raw string (the only string that spans lines).
fn in_raw_string(text: &str) -> Vec<bool> {
    let mut out = vec![false];
    let (mut raw, mut quoted, mut comment, mut escaped) = (false, false, false, false);
    for c in text.chars() {
        match c {
            '\n' => {
                comment = false;
                quoted = false;
                out.push(raw);
                continue;
            }
            _ if comment => {}
            '`' if !quoted => raw = !raw,
            _ if raw => {}
            '\\' if quoted => {
                escaped = !escaped;
                continue;
            }
            '"' if !escaped => quoted = !quoted,
            '#' if !quoted => comment = true,
            _ => {}
        }
        escaped = false;
    }
    out
}

/// Every `# METADATA` block of a module with what it is attached to (the next package or rule
/// statement, past blank lines, comments and further blocks), or OPA's `rego_parse_error` for a
/// block it refuses.
fn annotations_of(
    rel: &str,
    shown: &str,
    text: &str,
    module: &Module,
) -> (Vec<(Target, Annotation)>, Vec<String>) {
    let package = path_of(module.package.refr.span().text());
    let mut rule_lines = BTreeMap::new();
    for r in &module.policy {
        let (info, _, _) = rule_info(r);
        rule_lines.entry(info.line).or_insert(info);
    }
    // A line inside a raw string (`policy := \`...\``) is text, not a comment.
    let raw = in_raw_string(text);
    let lines: Vec<&str> = text
        .lines()
        .enumerate()
        .map(|(n, l)| match raw.get(n) {
            Some(true) => "",
            _ => l,
        })
        .collect();
    let is_block = |l: &str| l.strip_prefix('#').is_some_and(|r| r.trim() == "METADATA");
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if !is_block(lines[i]) {
            i += 1;
            continue;
        }
        let start = i as u32 + 1;
        let mut yaml = String::new();
        let mut j = i + 1;
        while j < lines.len() && lines[j].starts_with('#') && !is_block(lines[j]) {
            yaml.push_str(&lines[j][1..]);
            yaml.push('\n');
            j += 1;
        }
        i = j;
        let mut fail = |line: u32, msg: String| {
            errors.push(format!("{shown}:{line}: rego_parse_error: {msg}"));
        };
        if yaml.trim().is_empty() {
            fail(start, "expected METADATA block, found whitespace".into());
            continue;
        }
        let mut k = j;
        while k < lines.len()
            && (lines[k].trim().is_empty() || lines[k].trim_start().starts_with('#'))
        {
            k += 1;
        }
        // Lines are 1-based.
        let next = k as u32 + 1;
        let doc = match yaml_serde::from_str::<Json>(&yaml) {
            Ok(Json::Object(m)) => m,
            Ok(_) => {
                fail(
                    start + 1,
                    "yaml: cannot unmarshal into an annotation".into(),
                );
                continue;
            }
            Err(e) => {
                fail(start + 1, format!("yaml: {e}"));
                continue;
            }
        };
        let on_package = module.package.span.line == next;
        let rule = rule_lines.get(&next);
        let entrypoint = doc.get("entrypoint") == Some(&Json::Bool(true));
        let scope = match doc.get("scope") {
            None if on_package => "package".to_string(),
            None if entrypoint => "document".to_string(),
            None => "rule".to_string(),
            Some(Json::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        if !matches!(
            scope.as_str(),
            "rule" | "document" | "package" | "subpackages"
        ) {
            fail(
                start,
                format!(
                    "invalid annotation scope '{scope}'. Use one of 'rule', 'document', \
                     'package', or 'subpackages'"
                ),
            );
            continue;
        }
        let target = match (on_package, rule) {
            (true, _) if matches!(scope.as_str(), "rule" | "document") => {
                fail(
                    start,
                    format!("annotation scope '{scope}' must be applied to rule (have package)"),
                );
                continue;
            }
            (true, _) => Target::Package(package.clone()),
            (false, Some(_)) if matches!(scope.as_str(), "package" | "subpackages") => {
                fail(
                    start,
                    format!("annotation scope '{scope}' must be applied to package (have rule)"),
                );
                continue;
            }
            (false, Some(info)) => {
                let mut path = package.clone();
                path.extend(info.path.iter().cloned());
                Target::Rule(path, rel.to_string(), next)
            }
            (false, None) => {
                fail(
                    start,
                    "invalid annotation scope ''. Use one of 'rule', 'document', 'package', \
                     or 'subpackages'"
                        .into(),
                );
                continue;
            }
        };
        match to_annotation(doc, scope) {
            Ok(ann) => out.push((target, ann)),
            Err(e) => fail(start, e),
        }
    }
    (out, errors)
}

/// OPA's shape: `scope` always; `authors` and `related_resources` as objects; `schemas` as
/// `{path, definition|schema}`; `title` and `description` as strings; other fields as written.
fn to_annotation(doc: Map<String, Json>, scope: String) -> Result<Annotation, String> {
    let mut v = Map::new();
    for (k, val) in doc {
        match (k.as_str(), val) {
            ("scope", _) => {}
            ("title" | "description", Json::String(s)) => {
                v.insert(k, Json::String(s));
            }
            ("title" | "description", Json::Null) => {}
            ("title" | "description", x @ (Json::Number(_) | Json::Bool(_))) => {
                v.insert(k, Json::String(x.to_string()));
            }
            ("title" | "description", _) => {
                return Err(format!("yaml: cannot unmarshal {k} into string"));
            }
            ("authors", Json::Array(list)) => {
                let authors = list
                    .into_iter()
                    .map(author)
                    .collect::<Result<Vec<_>, _>>()?;
                v.insert(k, Json::Array(authors));
            }
            ("related_resources", Json::Array(list)) => {
                let mut rr = Vec::new();
                for r in list {
                    match r {
                        Json::String(s) => rr.push(json!({ "ref": s })),
                        m @ Json::Object(_) => rr.push(m),
                        other => {
                            return Err(format!("invalid related-resource definition {other}"))
                        }
                    }
                }
                v.insert(k, Json::Array(rr));
            }
            ("schemas", Json::Array(list)) => {
                let mut out = Vec::new();
                for entry in list {
                    let Json::Object(m) = entry else { continue };
                    for (p, s) in m {
                        let path: Vec<String> = p.split('.').map(str::to_string).collect();
                        match s {
                            Json::String(r) => out.push(json!({
                                "path": path,
                                "schema": r.split('.').collect::<Vec<_>>(),
                            })),
                            def => out.push(json!({"path": path, "definition": def})),
                        }
                    }
                }
                v.insert(k, Json::Array(out));
            }
            ("entrypoint", Json::Bool(false)) => {}
            (
                "organizations" | "custom" | "entrypoint" | "authors" | "related_resources"
                | "schemas",
                val,
            ) => {
                v.insert(k, val);
            }
            // OPA ignores keys it does not know.
            _ => {}
        }
    }
    v.insert("scope".into(), Json::String(scope.clone()));
    Ok(Annotation {
        scope,
        value: Json::Object(v),
    })
}

/// `Jane Doe <jane@example.com>` → `{"name": "Jane Doe", "email": "jane@example.com"}`.
fn author(a: Json) -> Result<Json, String> {
    let s = match a {
        Json::String(s) => s,
        m @ Json::Object(_) => return Ok(m),
        other => {
            return Err(format!(
                "invalid author definition {other}: invalid value type, must be string or map"
            ))
        }
    };
    let s = s.trim();
    let mut m = Map::new();
    match (s.rfind('<'), s.ends_with('>')) {
        (Some(lt), true) => {
            let name = s[..lt].trim();
            if !name.is_empty() {
                m.insert("name".into(), json!(name));
            }
            m.insert("email".into(), json!(s[lt + 1..s.len() - 1].trim()));
        }
        _ => {
            m.insert("name".into(), json!(s));
        }
    }
    Ok(Json::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(path_of("a.b[\"c\"].d[x]"), ["a", "b", "c", "d"]);
        assert_eq!(path_of("deny"), ["deny"]);
    }

    #[test]
    fn authors() {
        assert_eq!(
            author(json!("Jane Doe <jane@x.org>")).unwrap(),
            json!({"name": "Jane Doe", "email": "jane@x.org"})
        );
        assert_eq!(author(json!("Bob")).unwrap(), json!({"name": "Bob"}));
        assert!(author(json!(1)).is_err());
    }
}

#[cfg(test)]
mod rewrite_tests {
    use crate::engine::Policy;
    use crate::tree::PolicyTree;
    use regorus::Value;

    const P: &str = "# METADATA\n# title: pkg\npackage p\n\nimport rego.v1\nimport data.q\n\n\
                     # METADATA\n# title: r\n# custom:\n#   n: 1\n\
                     r := [rego.metadata.rule().title, q.x, rego.metadata.chain()[1].annotations.title]\n\
                     e if { rego.metadata.rule() == {}; 1 / 0 == 1 }\n";

    fn policy() -> Policy {
        let tree = PolicyTree::of(&[("p.rego", P), ("q.rego", "package q\nx := 7\n")]);
        Policy::load(&tree, &serde_json::json!({})).unwrap()
    }

    #[test]
    fn calls_become_the_annotations_and_aliases_still_resolve() {
        let v = policy().eval("p", "r").unwrap();
        let want = Value::from(vec![Value::from("r"), Value::from(7), Value::from("pkg")]);
        assert_eq!(v, want);
    }

    #[test]
    fn errors_after_a_call_keep_the_column_as_written() {
        let err = policy().eval("p", "e").unwrap_err().to_string();
        // `1 / 0` stands at column 36 of line 13 as written (`/` at 38).
        assert!(
            err.contains("p.rego:13:36:") || err.contains("p.rego:13:38:"),
            "{err}"
        );
    }
}
