//! Where each rule of the constitution is declared, read from the AST: the `rule_metadata[ID]`
//! head that declares an id (file and line, whatever the number of files in a package) and every
//! `deny` body that emits that id.

use std::collections::BTreeMap;

use anyhow::Result;
use regorus::unstable::{Expr, Query, Rule, RuleHead};
use regorus::Value;

use super::source::{parse, source};
use super::tree::PolicyTree;

/// Where a rule id comes from, statically.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Site {
    pub package: String,
    /// File of the `rule_metadata[ID]` head, relative to the tree root.
    pub file: String,
    pub line: u32,
    /// `file:line` of every `deny` body whose text names ID as a string literal.
    pub deny: Vec<String>,
}

/// The declaration sites of every `rule_metadata["id"]` head with a constant key, keyed by
/// (package, id). A head whose key is computed is not listed; the caller falls back to the
/// package's first declaration for those.
pub fn sites(tree: &PolicyTree) -> Result<BTreeMap<(String, String), Site>> {
    let mut sites: BTreeMap<(String, String), Site> = BTreeMap::new();
    // (package, file:line, string literals) of every deny body, matched against ids below.
    let mut denies: Vec<(String, String, Vec<String>)> = Vec::new();
    for file in &tree.modules {
        let src = source(tree.display(&file.rel), file.text.clone())?;
        let module = parse(&src)?;
        let package = module.package.refr.span().text().to_string();
        for rule in &module.policy {
            let Rule::Spec { span, head, bodies } = &**rule else {
                continue;
            };
            let (refr, key, value) = match head {
                RuleHead::Compr { refr, assign, .. } => {
                    (refr, None, assign.as_ref().map(|a| &a.value))
                }
                RuleHead::Set { refr, key, .. } => (refr, key.as_ref(), None),
                RuleHead::Func { .. } => continue,
            };
            let (name, index) = split_head(refr);
            match name.as_str() {
                "rule_metadata" => {
                    if let Some(id) = index.and_then(string_of) {
                        sites.entry((package.clone(), id)).or_insert_with(|| Site {
                            package: package.clone(),
                            file: file.rel.clone(),
                            line: span.line,
                            deny: Vec::new(),
                        });
                    }
                }
                "deny" => {
                    // `deny contains v if {...}` (key) or `deny[v] if {...}` (index).
                    let mut strings = Vec::new();
                    for e in [key.map(|k| &**k), index, value.map(|v| &**v)]
                        .into_iter()
                        .flatten()
                    {
                        strings_in_expr(e, &mut strings);
                    }
                    for body in bodies {
                        let mut s = strings.clone();
                        if let Some(a) = &body.assign {
                            strings_in_expr(&a.value, &mut s);
                        }
                        strings_in_query(&body.query, &mut s);
                        let line = if body.is_else {
                            body.span.line
                        } else {
                            span.line
                        };
                        denies.push((package.clone(), format!("{}:{line}", file.rel), s));
                    }
                }
                _ => {}
            }
        }
    }
    for ((package, id), site) in sites.iter_mut() {
        for (pkg, at, strings) in &denies {
            if pkg == package && strings.iter().any(|s| s == id) && !site.deny.contains(at) {
                site.deny.push(at.clone());
            }
        }
    }
    Ok(sites)
}

/// `rule_metadata["x"]` → ("rule_metadata", Some(`"x"`)); `deny` → ("deny", None).
fn split_head(refr: &Expr) -> (String, Option<&Expr>) {
    match refr {
        Expr::RefBrack { refr, index, .. } => match &**refr {
            Expr::Var { span, .. } => (span.text().to_string(), Some(&**index)),
            _ => (String::new(), None),
        },
        Expr::Var { span, .. } => (span.text().to_string(), None),
        _ => (String::new(), None),
    }
}

fn string_of(e: &Expr) -> Option<String> {
    match e {
        Expr::String { value, .. } | Expr::RawString { value, .. } => match value {
            Value::String(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Every string literal of a body, in the order the shared syntax walk meets them.
fn strings_in_query(q: &Query, out: &mut Vec<String>) {
    super::ast::walk_query(q, &mut |e, _| out.extend(string_of(e)));
}

fn strings_in_expr(e: &Expr, out: &mut Vec<String>) {
    super::ast::walk_expr(e, super::ast::Pos::Term, &mut |e, _| {
        out.extend(string_of(e))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIB: &str = "package lib\nimport rego.v1\nviolation(id, m) := {\"rule\": id, \"m\": m}\n";
    const A: &str = "package p\nimport rego.v1\nimport data.lib\n\n\
        rule_metadata[\"p.a\"] := {\"severity\": \"low\"}\n\n\
        deny contains v if {\n\tinput.a\n\tv := lib.violation(\"p.a\", \"a\")\n}\n";
    const B: &str = "package p\nimport rego.v1\nimport data.lib\n\n\n\
        rule_metadata[\"p.b\"] := {\n\t\"severity\": \"high\",\n}\n\
        deny contains lib.violation(\"p.b\", \"b1\") if input.b\n\
        deny contains v if {\n\tinput.c\n\tv := lib.violation(\"p.b\", \"b2\")\n}\n\
        rule_metadata[\"p.c\"] := {}\n";

    #[test]
    fn each_id_names_its_own_file_line_and_deny_bodies() {
        let t = PolicyTree::of(&[("lib.rego", LIB), ("p/a.rego", A), ("p/b.rego", B)]);
        let s = sites(&t).unwrap();
        let get = |id: &str| s[&("p".to_string(), id.to_string())].clone();
        assert_eq!(
            get("p.a"),
            Site {
                package: "p".into(),
                file: "p/a.rego".into(),
                line: 5,
                deny: vec!["p/a.rego:7".into()]
            }
        );
        let b = get("p.b");
        assert_eq!((b.file.as_str(), b.line), ("p/b.rego", 6));
        assert_eq!(b.deny, ["p/b.rego:9", "p/b.rego:10"]);
        let c = get("p.c");
        assert_eq!((c.file.as_str(), c.line), ("p/b.rego", 14));
        assert!(c.deny.is_empty());
    }
}
