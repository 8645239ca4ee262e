//! The regorus engine over a policy tree: import aliases resolved the way OPA's compiler does,
//! rules listed from the AST, and errors folded to one `file:line:col: message` line.

use std::collections::{BTreeMap, HashMap};

use anyhow::{anyhow, bail, Result};
use regorus::unstable::{Lexer, Module, Parser, Rule, RuleHead, TokenKind};
use regorus::{Engine, Source, Value};

use super::tree::PolicyTree;

/// One rule declaration (a rule split over several bodies or files has several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDecl {
    /// Package path without the `data.` prefix, e.g. `constitution.paths`.
    pub package: String,
    /// The leading name of the rule head (`deny` for `deny contains msg if ...`).
    pub name: String,
    /// The whole head reference as written, e.g. `rule_metadata["paths.allowed"]`.
    pub head: String,
    /// Path of the declaring file relative to the tree root.
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub function: bool,
}

/// Loaded, alias-resolved policies plus data, ready to evaluate.
pub struct Policy {
    pub engine: Engine,
    /// Every rule declaration, in file and source order.
    pub decls: Vec<RuleDecl>,
    /// The package of every module, in file order (a package may repeat).
    pub packages: Vec<String>,
    /// Per file shown name: the column shifts that alias resolution introduced, per line.
    shifts: HashMap<String, ColumnShifts>,
}

/// For each line, (column in rewritten text where a replacement ends, chars added).
type ColumnShifts = BTreeMap<u32, Vec<(u32, u32)>>;

impl Policy {
    /// Parses every module (collecting every syntax error, not only the first), resolves import
    /// aliases, and loads the modules and the `data` that `opa test` would see.
    pub fn load(tree: &PolicyTree, data: &serde_json::Value) -> Result<Policy> {
        let mut engine = Engine::new();
        super::builtins::register(&mut engine)?;
        let mut decls = Vec::new();
        let mut packages = Vec::new();
        let mut shifts = HashMap::new();
        let mut errors = Vec::new();
        let metadata = super::builtins::metadata::Metadata::collect(tree);
        errors.extend(metadata.errors.iter().cloned());
        for file in &tree.modules {
            let shown = tree.display(&file.rel);
            let parsed = Source::from_contents(shown.clone(), file.text.clone())
                .and_then(|src| parse(&src).map(|m| (src, m)));
            let (src, module) = match parsed {
                Ok(x) => x,
                Err(e) => {
                    errors.push(one_line(&e, None));
                    continue;
                }
            };
            let src = metadata.rewrite(&file.rel, src, &module)?;
            packages.push(module.package.refr.span().text().to_string());
            collect_rules(&module, &file.rel, &mut decls);
            let (text, file_shifts) = resolve_aliases(&src, &module)?;
            if let Err(e) = engine.add_policy(shown.clone(), text) {
                errors.push(one_line(&e, Some(&file_shifts)));
                continue;
            }
            shifts.insert(shown, file_shifts);
        }
        if !errors.is_empty() {
            bail!(errors.join("\n"));
        }
        engine
            .add_data_json(&data.to_string())
            .map_err(|e| anyhow!("{}: cannot load data: {e}", tree.root.display()))?;
        // OPA's builtins raise errors (e.g. a bad regex) rather than quietly being undefined.
        engine.set_strict_builtin_errors(true);
        Ok(Policy {
            engine,
            decls,
            packages,
            shifts,
        })
    }

    /// Distinct rules: the first declaration of each name in each package.
    pub fn rules(&self) -> Vec<&RuleDecl> {
        let mut seen = std::collections::HashSet::new();
        self.decls
            .iter()
            .filter(|r| seen.insert((&r.package, &r.name)))
            .collect()
    }

    /// Evaluates `data.<package>.<path>` with undefined input, as a rule when `path` names one
    /// (the fast path), else as a query (a prefix of ref-head rules, like `rule_metadata` when
    /// only `rule_metadata["id"]` entries are declared).
    pub fn eval(&mut self, package: &str, path: &str) -> Result<Value> {
        self.engine.set_input(Value::Undefined);
        let full = format!("data.{package}.{path}");
        match self.engine.eval_rule(full.clone()) {
            Err(e) if e.to_string() == "not a valid rule path" => {
                let res = self
                    .engine
                    .eval_query(full, false)
                    .map_err(|e| anyhow!(self.error_line(&e)))?;
                Ok(res
                    .result
                    .first()
                    .and_then(|r| r.expressions.first())
                    .map(|e| e.value.clone())
                    .unwrap_or(Value::Undefined))
            }
            r => r.map_err(|e| anyhow!(self.error_line(&e))),
        }
    }

    /// One line, with columns mapped back to the file as written.
    pub fn error_line(&self, e: &anyhow::Error) -> String {
        let text = format!("{e}");
        let file = location(&text).map(|(f, _, _)| f.to_string());
        one_line(e, file.as_deref().and_then(|f| self.shifts.get(f)))
    }
}

fn parse(src: &Source) -> Result<Module> {
    let mut parser = Parser::new(src)?;
    parser.enable_rego_v1()?;
    parser.parse()
}

fn collect_rules(module: &Module, rel: &str, out: &mut Vec<RuleDecl>) {
    let package = module.package.refr.span().text().to_string();
    for rule in &module.policy {
        let (refr, function) = match &**rule {
            Rule::Spec { head, .. } => match head {
                RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => (refr, false),
                RuleHead::Func { refr, .. } => (refr, true),
            },
            Rule::Default { refr, args, .. } => (refr, !args.is_empty()),
        };
        let span = refr.span();
        let head = span.text();
        let end = head
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(head.len());
        out.push(RuleDecl {
            package: package.clone(),
            name: head[..end].to_string(),
            head: head.to_string(),
            file: rel.to_string(),
            line: span.line,
            col: span.col,
            function,
        });
    }
}

/// Rewrites every use of an import alias to the full reference it stands for (`p.allow` after
/// `import data.p` becomes `data.p.allow`), as OPA's compiler does before evaluation.
///
/// Why: regorus 0.14 resolves an alias by evaluating the whole package behind it
/// (`ensure_module_evaluated`), which marks the package done after its first file; rules of a
/// later file of that package then read sibling rules they have not evaluated yet as undefined.
/// A full `data.` reference takes the rule-by-rule path, which is sound whatever the file order.
///
/// Only whole identifiers in expression position are rewritten: not text in strings or comments
/// (the lexer skips those), not a field after `.`, not the import and package lines themselves,
/// and not a name being declared (`some x`, `x := ...`), which shadows the alias locally.
fn resolve_aliases(src: &Source, module: &Module) -> Result<(String, ColumnShifts)> {
    let mut aliases: HashMap<String, String> = HashMap::new();
    let mut skip = vec![(module.package.span.start, module.package.span.end)];
    for import in &module.imports {
        skip.push((import.span.start, import.span.end));
        let target = import.refr.span().text().to_string();
        let root = target.split(['.', '[']).next().unwrap_or("");
        if root != "data" && root != "input" {
            continue; // `rego.v1`, `future.keywords.*`: no alias
        }
        let alias = match &import.r#as {
            Some(a) => a.text().to_string(),
            None => {
                let last = target.rsplit('.').next().unwrap_or(&target);
                if target.contains('.') && last.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    last.to_string()
                } else {
                    continue;
                }
            }
        };
        if alias != target {
            aliases.insert(alias, target);
        }
    }
    let text = src.contents();
    if aliases.is_empty() {
        return Ok((text.clone(), ColumnShifts::new()));
    }

    let mut tokens = Vec::new();
    let mut lexer = Lexer::new(src);
    loop {
        let tok = lexer.next_token()?;
        if tok.0 == TokenKind::Eof {
            break;
        }
        tokens.push(tok);
    }

    let mut out = String::with_capacity(text.len() + 64);
    let mut shifts = ColumnShifts::new();
    let mut copied = 0usize;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.0 != TokenKind::Ident {
            continue;
        }
        let span = &tok.1;
        let Some(full) = aliases.get(span.text()) else {
            continue;
        };
        if skip.iter().any(|&(s, e)| span.start >= s && span.end <= e) {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| tokens[p].1.text());
        let next = tokens.get(i + 1).map(|t| t.1.text());
        let is_field = prev == Some(".");
        let declared = matches!(prev, Some("some" | "every")) || next == Some(":=");
        if is_field || declared {
            continue;
        }
        let (start, end) = (span.start as usize, span.end as usize);
        out.push_str(&text[copied..start]);
        out.push_str(full);
        copied = end;
        let added = (full.chars().count() - span.text().chars().count()) as u32;
        let line = shifts.entry(span.line).or_default();
        let before: u32 = line.iter().map(|&(_, a)| a).sum();
        let end_col = span.col + before + full.chars().count() as u32;
        line.push((end_col, added));
    }
    out.push_str(&text[copied..]);
    Ok((out, shifts))
}

/// Finds `--> file:line:col` in a regorus error message.
fn location(text: &str) -> Option<(&str, u32, u32)> {
    let at = text.find("--> ")?;
    let loc = text[at + 4..].lines().next()?;
    let mut parts = loc.rsplitn(3, ':');
    let col = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    let file = parts.next()?;
    Some((file, line, col))
}

/// regorus errors span several lines (location, source excerpt, caret, message). A user reads
/// one line: `file:line:col: message`, with the column of the file as written.
pub fn one_line(e: &anyhow::Error, shifts: Option<&ColumnShifts>) -> String {
    let text = format!("{e}");
    let Some((file, line, mut col)) = location(&text) else {
        return text.split_whitespace().collect::<Vec<_>>().join(" ");
    };
    if let Some(line_shifts) = shifts.and_then(|s| s.get(&line)) {
        let back: u32 = line_shifts
            .iter()
            .filter(|&&(end_col, _)| end_col <= col)
            .map(|&(_, added)| added)
            .sum();
        col = col.saturating_sub(back);
    }
    let msg = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().last().unwrap_or(""));
    format!("{file}:{line}:{col}: {}", msg.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::tree::PolicyTree;

    fn eval(files: &[(&str, &str)], pkg: &str, rule: &str) -> Value {
        let t = PolicyTree::of(files);
        let mut p = Policy::load(&t, &serde_json::json!({})).unwrap();
        p.eval(pkg, rule).unwrap()
    }

    const A: &str = "package p\nimport rego.v1\nhas(x) if x == 1\n";
    const B: &str = "package p\nimport rego.v1\nallow if has(one)\none := 1\n";

    #[test]
    fn alias_into_package_split_over_files() {
        let t = "package t\nimport rego.v1\nimport data.p\ntest_x if p.allow\n";
        for order in [
            [("a.rego", A), ("b.rego", B)],
            [("b.rego", B), ("a.rego", A)],
        ] {
            let files = [order[0], order[1], ("t.rego", t)];
            assert_eq!(eval(&files, "t", "test_x"), Value::from(true));
        }
    }

    /// The defect the rewrite works around, on regorus alone. If this starts failing, regorus
    /// fixed it and `resolve_aliases` may go.
    #[test]
    fn regorus_alone_gets_the_alias_pattern_wrong() {
        let t = "package t\nimport rego.v1\nimport data.p\ntest_x if p.allow\n";
        let mut e = Engine::new();
        for (f, s) in [("a.rego", A), ("b.rego", B), ("t.rego", t)] {
            e.add_policy(f.into(), s.into()).unwrap();
        }
        assert_eq!(
            e.eval_rule("data.t.test_x".into()).unwrap(),
            Value::Undefined
        );
    }

    #[test]
    fn alias_with_as_and_nested_packages() {
        let a = "package org.p.q\nimport rego.v1\nhas(x) if x == 1\n";
        let b = "package org.p.q\nimport rego.v1\nallow if has(one)\none := 1\n";
        let c = "package org.p.q\nimport rego.v1\nalso if one == 1\n";
        let t = "package t\nimport rego.v1\nimport data.org.p.q as x\n\
                 test_x if { x.allow; x.also }\n\
                 test_y if x[\"allow\"]\n";
        let files = [("1.rego", a), ("2.rego", b), ("3.rego", c), ("t.rego", t)];
        assert_eq!(eval(&files, "t", "test_x"), Value::from(true));
        assert_eq!(eval(&files, "t", "test_y"), Value::from(true));
    }

    #[test]
    fn strings_comments_fields_and_locals_are_left_alone() {
        let src = "package t\nimport rego.v1\nimport data.p\n\
                   # p.allow in a comment\n\
                   r := \"p.allow\" if { input.p; p.allow }\n\
                   s if { some p in [1]; p == 1 }\n";
        let s = Source::from_contents("t.rego".into(), src.into()).unwrap();
        let m = parse(&s).unwrap();
        let (out, shifts) = resolve_aliases(&s, &m).unwrap();
        assert!(out.contains("# p.allow in a comment"));
        assert!(out.contains("r := \"p.allow\" if { input.p; data.p.allow }"));
        assert!(out.contains("some p in [1]"));
        assert_eq!(shifts.get(&5).map(Vec::len), Some(1));
    }

    #[test]
    fn errors_are_one_line_with_original_columns() {
        let t = "package t\nimport rego.v1\nimport data.p\nr if p.x == 1 / 0\n";
        let files = [("p.rego", "package p\nx := 1\n"), ("t.rego", t)];
        let tr = PolicyTree::of(&files);
        let mut p = Policy::load(&tr, &serde_json::json!({})).unwrap();
        let err = p.eval("t", "r").unwrap_err().to_string();
        assert!(!err.contains('\n'), "{err}");
        // `1 / 0` stands at column 13 of line 4 as written; after the rewrite it is at 18.
        assert!(err.starts_with("t/t.rego:4:"), "{err}");
        let col: u32 = err.split(':').nth(2).unwrap().parse().unwrap();
        assert!(col <= 16, "column {col} not mapped back: {err}");
    }

    #[test]
    fn every_syntax_error_is_reported() {
        let files = [
            ("a.rego", "package a\nx := \n"),
            ("b.rego", "package b\ny if {\n"),
        ];
        let err = Policy::load(&PolicyTree::of(&files), &serde_json::json!({}))
            .err()
            .unwrap()
            .to_string();
        let lines: Vec<_> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].starts_with("t/a.rego:"), "{err}");
        assert!(lines[1].starts_with("t/b.rego:"), "{err}");
    }

    #[test]
    fn rules_are_listed_once_per_name() {
        let src = "package p\nimport rego.v1\ndeny contains 1 if true\ndeny contains 2 if true\n\
                   f(x) := x\ndefault allow := false\nallow if true\n";
        let t = PolicyTree::of(&[("p.rego", src)]);
        let p = Policy::load(&t, &serde_json::json!({})).unwrap();
        let names: Vec<_> = p
            .rules()
            .iter()
            .map(|r| (r.name.as_str(), r.function))
            .collect();
        assert_eq!(names, [("deny", false), ("f", true), ("allow", false)]);
        assert_eq!(p.rules()[0].line, 3);
        assert_eq!(p.decls.len(), 5);
    }
}
