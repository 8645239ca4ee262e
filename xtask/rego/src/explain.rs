//! Why a test failed, like `opa test --explain fails`: the test body's expressions are evaluated
//! one prefix at a time (in the test's own package, on a copy of the engine) until one stops the
//! body; that expression is shown with its `file:line`, the values of the variables bound before
//! it, and, for a comparison, the value of each side.

use anyhow::{anyhow, Result};
use regorus::unstable::{Expr, Literal, LiteralStmt, Rule, RuleHead};
use regorus::Value;

use super::engine::{resolve_aliases, Policy};
use super::source::{parse, source};
use super::tree::PolicyTree;

/// How much to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Explain {
    /// The expression that failed, with the values it saw
    Fails,
    /// Every test: each expression of its body with its result, then the trace of every rule
    /// body it evaluated (see `trace`)
    Full,
}

/// A shown value is cut at this many characters.
const MAX_VALUE: usize = 240;

/// Explanation lines (without indentation) for the test `data.<package>.<rule>` declared at
/// `file:line` (file relative to the tree root).
pub fn explain(
    tree: &PolicyTree,
    policy: &Policy,
    package: &str,
    rule: &str,
    file: &str,
    line: u32,
    mode: Explain,
) -> Vec<String> {
    let mut lines = match try_explain(tree, policy, package, rule, file, line, mode) {
        Ok(lines) => lines,
        // An explanation that cannot be built says so rather than hiding the verdict.
        Err(e) => vec![format!("(no explanation: {e:#})")],
    };
    if let Ok(stopped) = stopped_bodies(tree, policy, package, rule) {
        if !stopped.is_empty() {
            lines.push("policy bodies that stopped during the test:".into());
            let shown = stopped.len().min(MAX_STOPPED);
            lines.extend(stopped[..shown].iter().map(|l| format!("  {l}")));
            if stopped.len() > shown {
                lines.push(format!("  ... and {} more", stopped.len() - shown));
            }
        }
    }
    lines
}

/// At most this many stopped bodies are listed under a failure.
const MAX_STOPPED: usize = 8;

/// Where the policy (every package not ending in `_test`) stopped while the test ran: each rule
/// body that was entered but never reached its last expression, at the last expression it
/// reached (`file:line: text`). A mutated policy line that makes a test fail is among them. The
/// test runs alone on a copy of the engine with coverage on, and regorus's per-line hits say how
/// far each body got, so a body whose expressions share a line is left out.
fn stopped_bodies(
    tree: &PolicyTree,
    policy: &Policy,
    package: &str,
    rule: &str,
) -> Result<Vec<String>> {
    let mut engine = policy.engine.clone();
    engine.set_enable_coverage(true);
    engine.clear_coverage_data();
    engine.set_input(Value::Undefined);
    // The verdict is known already; only the lines it reached matter here.
    let _ = engine.eval_rule(format!("data.{package}.{rule}"));
    let hits: std::collections::HashMap<String, std::collections::BTreeSet<u32>> = engine
        .get_coverage_report()?
        .files
        .into_iter()
        .map(|f| (f.path, f.covered))
        .collect();
    let mut out = Vec::new();
    for m in &tree.modules {
        let shown = tree.display(&m.rel);
        let Some(hit) = hits.get(&shown) else {
            continue;
        };
        let src = source(shown.clone(), m.text.clone())?;
        let module = parse(&src)?;
        if module.package.refr.span().text().ends_with("_test") {
            continue;
        }
        let reached = |span: &regorus::unstable::Span| {
            let end = span.line + text_of(span).matches('\n').count() as u32;
            hit.range(span.line..=end).next().is_some()
        };
        for r in &module.policy {
            let Rule::Spec { bodies, .. } = &**r else {
                continue;
            };
            for b in bodies {
                let stmts = &b.query.stmts;
                let Some(first) = stmts.first() else { continue };
                if !reached(&first.span) {
                    continue;
                }
                for pair in stmts.windows(2) {
                    let (at, next) = (&pair[0], &pair[1]);
                    // `some x in xs` over an empty collection stops a body without failing.
                    if matches!(at.literal, Literal::SomeIn { .. }) && !reached(&next.span) {
                        break;
                    }
                    if next.span.line
                        <= at.span.line + text_of(&at.span).matches('\n').count() as u32
                    {
                        break; // same line: the hits cannot tell them apart
                    }
                    if reached(&at.span) && !reached(&next.span) {
                        let text = text_of(&at.span);
                        let first_line = text.lines().next().unwrap_or("").trim();
                        out.push(format!("{shown}:{}: {first_line}", at.span.line));
                        break;
                    }
                }
            }
        }
    }
    Ok(out)
}

fn try_explain(
    tree: &PolicyTree,
    policy: &Policy,
    package: &str,
    rule: &str,
    file: &str,
    line: u32,
    mode: Explain,
) -> Result<Vec<String>> {
    let module_file = tree
        .modules
        .iter()
        .find(|m| m.rel == file)
        .ok_or_else(|| anyhow!("{file}: not loaded"))?;
    let shown = tree.display(file);
    // The text as the engine has it (aliases resolved, same lines) goes into the probe rules of
    // the same package; the text as written is what the user is shown.
    let original = source(shown.clone(), module_file.text.clone())?;
    let original_module = parse(&original)?;
    let (text, _) = resolve_aliases(&original, &original_module)?;
    let src = source(shown.clone(), text)?;
    let module = parse(&src)?;
    // The rule's first body; a rule without one (`test_x := false`) has nothing to explain
    // beyond its value, which the verdict line already shows.
    let find_body = |m: &regorus::unstable::Module| {
        m.policy.iter().find_map(|r| match &**r {
            Rule::Spec { span, head, bodies } if span.line == line && head_name(head) == rule => {
                Some(bodies.first().map(|b| b.query.clone()))
            }
            _ => None,
        })
    };
    let (Some(body), Some(written)) = (find_body(&module), find_body(&original_module)) else {
        return Err(anyhow!("{shown}:{line}: {rule} not found"));
    };
    let (Some(body), Some(written)) = (body, written) else {
        return Ok(vec![]);
    };
    let stmts = &body.stmts;
    if stmts.is_empty() || written.stmts.len() != stmts.len() {
        return Ok(vec![]);
    }

    // One rule per prefix, `xtask_explain_K := {bound vars}`, plus one per side of each
    // comparison: `xtask_explain_K_lhs := x if { prefix before K; x := (lhs) with ... }`.
    let mut probe = format!("package {package}\nimport rego.v1\n");
    let mut vars: Vec<String> = Vec::new();
    let mut sides: Vec<Vec<(String, String)>> = Vec::new();
    for (k, stmt) in stmts.iter().enumerate() {
        let prefix: Vec<String> = stmts[..k].iter().map(|s| text_of(&s.span)).collect();
        let with: Vec<String> = stmt.with_mods.iter().map(|w| text_of(&w.span)).collect();
        let mut these = Vec::new();
        if let (Some((lhs, rhs)), Some((wl, wr))) =
            (comparison(stmt), comparison(&written.stmts[k]))
        {
            for (side, expr, as_written) in [("lhs", lhs, wl), ("rhs", rhs, wr)] {
                if is_constant(expr) {
                    continue;
                }
                let name = format!("xtask_explain_{k}_{side}");
                probe.push_str(&format!(
                    "{name} := xtask_v if {{\n{}\nxtask_v := ({}) {}\n}}\n",
                    prefix.join("\n"),
                    text_of(expr.span()),
                    with.join(" ")
                ));
                these.push((text_of(as_written.span()), name));
            }
        }
        sides.push(these);
        declared(stmt, &mut vars);
        let obj: Vec<String> = vars.iter().map(|v| format!("{v:?}: {v}")).collect();
        probe.push_str(&format!(
            "xtask_explain_{k} := {{{}}} if {{\n{}\n{}\n}}\n",
            obj.join(", "),
            prefix.join("\n"),
            text_of(&stmt.span)
        ));
    }

    let mut engine = policy.engine.clone();
    engine.set_input(Value::Undefined);
    engine
        .add_policy("xtask-explain.rego".into(), probe)
        .map_err(|e| anyhow!("{}", super::engine::one_line(&e, None)))?;
    let mut eval = |name: &str| {
        engine
            .eval_rule(format!("data.{package}.{name}"))
            .map_err(|e| super::engine::one_line(&e, None))
    };

    let mut out = Vec::new();
    let mut bound = Value::new_object();
    for (k, stmt) in stmts.iter().enumerate() {
        let at = format!("{shown}:{}", stmt.span.line);
        let written_text = text_of(&written.stmts[k].span);
        let first_line = written_text.lines().next().unwrap_or("").trim();
        let result = eval(&format!("xtask_explain_{k}"));
        let stopped = !matches!(result, Ok(ref v) if *v != Value::Undefined);
        if mode == Explain::Full || stopped {
            let verdict = match &result {
                Ok(Value::Undefined) => "fail",
                Ok(_) => "ok",
                Err(_) => "error",
            };
            // Long strings (a certificate in a `with`) are cut, as in messages (`quiet.rs`).
            let first_line = super::quiet::cut_values(first_line);
            out.push(format!("{at}: {verdict}: {first_line}"));
            for (text, name) in &sides[k] {
                if let Ok(v) = eval(name) {
                    let shown = format!("  {} = {}", one_line_text(text), show(&v));
                    out.push(super::quiet::cut_values(&shown));
                }
            }
            if let Err(e) = &result {
                out.push(format!("  error: {e}"));
            }
            if stopped {
                push_bindings(&bound, &mut out);
                return Ok(out);
            }
        }
        if let Ok(v) = result {
            // In a full trace, each step shows the variables it bound.
            if mode == Explain::Full {
                if let (Value::Object(now), Value::Object(before)) = (&v, &bound) {
                    for (k, val) in now.iter() {
                        if let (Value::String(name), None) = (k, before.get(k)) {
                            out.push(format!("  {name} = {}", show(val)));
                        }
                    }
                }
            }
            bound = v;
        }
    }
    Ok(out)
}

fn push_bindings(bound: &Value, out: &mut Vec<String>) {
    if let Value::Object(vars) = bound {
        for (k, v) in vars.iter() {
            if let Value::String(name) = k {
                out.push(format!("  {name} = {}", show(v)));
            }
        }
    }
}

pub(super) fn head_name(head: &RuleHead) -> &str {
    let refr = match head {
        RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } | RuleHead::Func { refr, .. } => {
            refr
        }
    };
    let t = refr.span().text();
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(t.len());
    &t[..end]
}

/// The variables a statement binds for the statements after it.
pub(super) fn declared(stmt: &LiteralStmt, vars: &mut Vec<String>) {
    let add = |e: &Expr, vars: &mut Vec<String>| vars_in_pattern(e, vars);
    match &stmt.literal {
        Literal::SomeVars { vars: v, .. } => {
            for s in v {
                push_var(s.text(), vars);
            }
        }
        Literal::SomeIn { key, value, .. } => {
            if let Some(k) = key {
                add(k, vars);
            }
            add(value, vars);
        }
        Literal::Expr { expr, .. } => {
            if let Expr::AssignExpr { lhs, .. } = &**expr {
                add(lhs, vars);
            }
        }
        _ => {}
    }
}

fn vars_in_pattern(e: &Expr, vars: &mut Vec<String>) {
    match e {
        Expr::Var { span, .. } => push_var(span.text(), vars),
        Expr::Array { items, .. } => items.iter().for_each(|i| vars_in_pattern(i, vars)),
        Expr::Object { fields, .. } => fields.iter().for_each(|(_, _, v)| vars_in_pattern(v, vars)),
        _ => {}
    }
}

fn push_var(name: &str, vars: &mut Vec<String>) {
    if name != "_" && !name.starts_with("xtask_") && !vars.iter().any(|v| v == name) {
        vars.push(name.to_string());
    }
}

/// `a == b`, `a != b`, `a < b`... as (a, b).
fn comparison(stmt: &LiteralStmt) -> Option<(&Expr, &Expr)> {
    match &stmt.literal {
        Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => match &**expr {
            Expr::BoolExpr { lhs, rhs, .. } => Some((lhs, rhs)),
            Expr::Membership {
                value, collection, ..
            } => Some((value, collection)),
            _ => None,
        },
        _ => None,
    }
}

fn is_constant(e: &Expr) -> bool {
    match e {
        Expr::String { .. }
        | Expr::RawString { .. }
        | Expr::Number { .. }
        | Expr::Bool { .. }
        | Expr::Null { .. } => true,
        Expr::Array { items, .. } | Expr::Set { items, .. } => items.iter().all(|i| is_constant(i)),
        Expr::Object { fields, .. } => fields
            .iter()
            .all(|(_, k, v)| is_constant(k) && is_constant(v)),
        _ => false,
    }
}

/// A node's source text. regorus's string tokens exclude their quotes, so a span that starts or
/// ends with a string literal is widened to take the quote back.
pub(super) fn text_of(span: &regorus::unstable::Span) -> String {
    let text = span.source.contents().as_bytes();
    let (mut start, mut end) = (span.start as usize, span.end as usize);
    if end > text.len() || start > end {
        return span.text().to_string();
    }
    let quote = |b: Option<&u8>| matches!(b, Some(b'"' | b'`'));
    if start > 0 && quote(text.get(start - 1)) {
        start -= 1;
    }
    if quote(text.get(end)) {
        end += 1;
    }
    String::from_utf8_lossy(&text[start..end]).into_owned()
}

fn one_line_text(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn show(v: &Value) -> String {
    let s = match v {
        Value::Undefined => "undefined".to_string(),
        v => serde_json::to_string(v).unwrap_or_else(|_| "?".into()),
    };
    if s.chars().count() > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &str = "package p\nimport rego.v1\nxs := [1, 2, 3]\n";
    const T: &str = "package p_test\nimport rego.v1\nimport data.p\n\n\
        test_count if {\n\tys := [x | some x in p.xs; x > 1]\n\tcount(ys) == 3\n\ttrue\n}\n\
        test_ok if {\n\tp.xs[0] == 1\n}\n\
        test_in if 7 in p.xs\n\
        test_str if \"a\" == sprintf(\"%d\", [p.xs[0]])\n";

    fn lines(rule: &str, line: u32, mode: Explain) -> Vec<String> {
        let t = PolicyTree::of(&[("p.rego", P), ("p_test.rego", T)]);
        let p = Policy::load(&t, &serde_json::json!({})).unwrap();
        explain(&t, &p, "p_test", rule, "p_test.rego", line, mode)
    }

    #[test]
    fn names_the_failing_expression_its_line_and_values() {
        let l = lines("test_count", 5, Explain::Fails);
        assert_eq!(l[0], "t/p_test.rego:7: fail: count(ys) == 3");
        assert!(l.contains(&"  count(ys) = 2".to_string()), "{l:?}");
        assert!(l.contains(&"  ys = [2,3]".to_string()), "{l:?}");

        let l = lines("test_in", 13, Explain::Fails);
        assert_eq!(l[0], "t/p_test.rego:13: fail: 7 in p.xs");
        assert!(l.contains(&"  p.xs = [1,2,3]".to_string()), "{l:?}");

        let l = lines("test_str", 14, Explain::Fails);
        assert_eq!(
            l[0],
            "t/p_test.rego:14: fail: \"a\" == sprintf(\"%d\", [p.xs[0]])"
        );
        assert!(
            l.contains(&"  sprintf(\"%d\", [p.xs[0]]) = \"1\"".to_string()),
            "{l:?}"
        );

        // A policy body that stopped while the test ran is named too.
        let l = lines("test_count", 5, Explain::Fails);
        assert!(!l.iter().any(|l| l.contains("policy bodies")), "{l:?}");
        let t = PolicyTree::of(&[
            (
                "p.rego",
                "package p\nimport rego.v1\nok if {\n\tinput.x > 1\n\tinput.y\n}\n",
            ),
            (
                "p_test.rego",
                "package p_test\nimport rego.v1\ntest_ok if data.p.ok with input as {\"x\": 0}\n",
            ),
        ]);
        let p = Policy::load(&t, &serde_json::json!({})).unwrap();
        let l = explain(
            &t,
            &p,
            "p_test",
            "test_ok",
            "p_test.rego",
            3,
            Explain::Fails,
        );
        assert_eq!(
            l[l.len() - 2..],
            [
                "policy bodies that stopped during the test:",
                "  t/p.rego:4: input.x > 1"
            ]
        );

        let full = lines("test_ok", 10, Explain::Full);
        assert_eq!(
            full,
            ["t/p_test.rego:11: ok: p.xs[0] == 1", "  p.xs[0] = 1"]
        );
    }
}
