//! `policy-test --coverage`: OPA's coverage report (`opa test --coverage --format json`), built
//! from regorus's per-line hits over the locations OPA counts: every rule head (with its value)
//! and every body expression, each spanning its rows.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use regorus::unstable::{BoolOp, Expr, Literal, Module, Query, Rule, RuleHead};
use serde::{Deserialize, Serialize};

use super::engine::{parse, source, Policy};
use super::tree::PolicyTree;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub row: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

/// One file, in OPA's field names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covered: Vec<Range>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_covered: Vec<Range>,
    #[serde(default)]
    pub covered_lines: usize,
    #[serde(default)]
    pub not_covered_lines: usize,
    #[serde(default)]
    pub coverage: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub files: BTreeMap<String, FileReport>,
    pub covered_lines: usize,
    pub not_covered_lines: usize,
    pub coverage: f64,
}

/// A location OPA reports on: its rows, and which rows prove it was reached.
struct Loc {
    rows: (u32, u32),
    /// The location counts as covered when regorus hit any of these rows.
    evidence: Vec<(u32, u32)>,
}

/// Builds the report from what the engine recorded since coverage was enabled. Files are keyed
/// as the user names them (`DIR/rel`).
pub fn report(tree: &PolicyTree, policy: &Policy) -> Result<Report> {
    let hits: BTreeMap<String, BTreeSet<u32>> = policy
        .engine
        .get_coverage_report()?
        .files
        .into_iter()
        .map(|f| (f.path, f.covered))
        .collect();
    let mut report = Report::default();
    let empty = BTreeSet::new();
    for file in &tree.modules {
        let shown = tree.display(&file.rel);
        let src = source(shown.clone(), file.text.clone())?;
        let module = parse(&src)?;
        let hit = hits.get(&shown).unwrap_or(&empty);
        let reached = |spans: &[(u32, u32)]| {
            spans
                .iter()
                .any(|&(s, e)| hit.range(s..=e).next().is_some())
        };
        let mut covered = BTreeSet::new();
        let mut not_covered = BTreeSet::new();
        let hit_rows = |(s, e): (u32, u32)| hit.range(s..=e).next().is_some();
        for loc in locations(&module.policy, &hit_rows) {
            let rows = loc.rows.0..=loc.rows.1;
            if reached(&loc.evidence) {
                covered.extend(rows);
            } else {
                not_covered.extend(rows);
            }
        }
        let not_covered: BTreeSet<u32> = not_covered.difference(&covered).copied().collect();
        let fr = FileReport {
            covered_lines: covered.len(),
            not_covered_lines: not_covered.len(),
            coverage: percent(covered.len(), not_covered.len()),
            covered: ranges(&covered),
            not_covered: ranges(&not_covered),
        };
        report.covered_lines += fr.covered_lines;
        report.not_covered_lines += fr.not_covered_lines;
        if fr.covered_lines + fr.not_covered_lines > 0 {
            report.files.insert(shown, fr);
        }
    }
    report.coverage = percent(report.covered_lines, report.not_covered_lines);
    Ok(report)
}

/// The row of a body's closing `}` when it stands after the body's last expression: there
/// `instrument` puts a `true` that is evaluated only when every expression before it held, i.e.
/// when the body produced its rule's value. OPA marks a rule head covered exactly then.
fn sentinel_row(body: &regorus::unstable::RuleBody) -> Option<u32> {
    let last = body.query.stmts.last()?;
    let text = body.span.source.contents();
    let (start, end) = (body.span.start as usize, body.span.end as usize);
    if end == 0 || text.as_bytes().get(end - 1) != Some(&b'}') {
        return None;
    }
    let row = body.span.line + text.get(start..end)?.matches('\n').count() as u32;
    // Only a `}` that ends its line: on `} else := v`, the row would also be the else's.
    let rest = text.get(end..)?.lines().next().unwrap_or("").trim_start();
    let alone = rest.is_empty() || rest.starts_with('#');
    (alone && row > rows_of(&last.span).1).then_some(row)
}

/// Puts `true ` before the closing `}` of every body whose `}` has a line of its own, so that
/// regorus's per-line hits tell when a body succeeded (see `sentinel_row`). `module` is the text
/// as parsed before import aliases were resolved; that rewrite never touches such a line, so
/// the rows found there are the rows of `text`. Lines stay put.
pub fn instrument(module: &Module, text: String) -> Result<String> {
    let mut rows: Vec<u32> = Vec::new();
    for r in &module.policy {
        if let Rule::Spec { bodies, .. } = &**r {
            rows.extend(bodies.iter().filter_map(sentinel_row));
        }
    }
    if rows.is_empty() {
        return Ok(text);
    }
    rows.sort_unstable();
    rows.dedup();
    let mut out = String::with_capacity(text.len() + 5 * rows.len());
    let mut wanted = rows.into_iter().peekable();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let row = i as u32 + 1;
        if wanted.peek() == Some(&row) {
            wanted.next();
            if let Some(at) = line.find('}') {
                out.push_str(&line[..at]);
                out.push_str("true ");
                out.push_str(&line[at..]);
                continue;
            }
        }
        out.push_str(line);
    }
    Ok(out)
}

fn percent(covered: usize, not_covered: usize) -> f64 {
    match covered + not_covered {
        0 => 0.0,
        total => 100.0 * covered as f64 / total as f64,
    }
}

/// Consecutive rows folded into ranges, as OPA's report writes them.
fn ranges(rows: &BTreeSet<u32>) -> Vec<Range> {
    let mut out: Vec<Range> = Vec::new();
    for &r in rows {
        match out.last_mut() {
            Some(last) if last.end.row + 1 == r => last.end.row = r,
            _ => out.push(Range {
                start: Position { row: r },
                end: Position { row: r },
            }),
        }
    }
    out
}

/// Rows an AST node spans: its first line through the line its text ends on.
fn rows_of(span: &regorus::unstable::Span) -> (u32, u32) {
    let extra = span.text().matches('\n').count() as u32;
    (span.line, span.line + extra)
}

fn locations(rules: &[regorus::unstable::Ref<Rule>], hit: &dyn Fn((u32, u32)) -> bool) -> Vec<Loc> {
    let mut out = Vec::new();
    for rule in rules {
        match &**rule {
            Rule::Spec { span, head, bodies } => {
                // The head runs from the rule's start through its key or value.
                let (head_span, extra) = match head {
                    RuleHead::Compr { span, assign, .. } => {
                        (span, assign.as_ref().map(|a| rows_of(a.value.span())))
                    }
                    RuleHead::Set { span, key, .. } => {
                        (span, key.as_ref().map(|k| rows_of(k.span())))
                    }
                    RuleHead::Func { span, assign, .. } => {
                        (span, assign.as_ref().map(|a| rows_of(a.value.span())))
                    }
                };
                let start = span.line;
                let end = rows_of(head_span).1.max(extra.map_or(start, |e| e.1));
                // OPA marks a head when the rule produced a value; regorus's hits on the value,
                // or on the last expression of a body, stand for that.
                let mut evidence = vec![(start, end)];
                for b in bodies.iter().filter(|b| !b.is_else) {
                    if skipped_by_index(b, hit) {
                        evidence.clear();
                        continue;
                    }
                    match (sentinel_row(b), b.query.stmts.last()) {
                        (Some(row), _) => evidence.push((row, row)),
                        (None, Some(last)) => evidence.push(rows_of(&last.span)),
                        (None, None) => {}
                    }
                }
                out.push(Loc {
                    rows: (start, end),
                    evidence,
                });
                for b in bodies {
                    // An `else` is a head of its own, reached when its value was produced. regorus
                    // reports no hits on an else's value, so its last expression stands for it.
                    if b.is_else {
                        let value = b.assign.as_ref().map(|a| rows_of(a.value.span()));
                        let line = b.span.line;
                        let evidence = match (sentinel_row(b), b.query.stmts.last()) {
                            (Some(row), _) => vec![(row, row)],
                            (None, Some(last)) => vec![rows_of(&last.span)],
                            _ => value.into_iter().collect(),
                        };
                        out.push(Loc {
                            rows: (line, value.map_or(line, |v| v.1.max(line))),
                            evidence,
                        });
                    }
                    let from = out.len();
                    query_locations(&b.query, &mut out);
                    if skipped_by_index(b, hit) {
                        out[from..].iter_mut().for_each(|l| l.evidence.clear());
                    }
                }
            }
            Rule::Default { span, .. } => {
                let rows = rows_of(span);
                out.push(Loc {
                    rows,
                    evidence: vec![rows],
                });
            }
        }
    }
    out
}

/// OPA's rule index skips a body whose `input.x == "const"` can never match, so none of its
/// expressions is evaluated; regorus evaluates the body up to that test. A body where such a
/// test was reached but what follows it never was, is one OPA never entered.
fn skipped_by_index(body: &regorus::unstable::RuleBody, hit: &dyn Fn((u32, u32)) -> bool) -> bool {
    let stmts = &body.query.stmts;
    let sentinel = sentinel_row(body).map(|row| (row, row));
    stmts.iter().enumerate().any(|(i, stmt)| {
        let indexable = match &stmt.literal {
            Literal::Expr { expr, .. } if stmt.with_mods.is_empty() => match &**expr {
                Expr::BoolExpr {
                    op: BoolOp::Eq,
                    lhs,
                    rhs,
                    ..
                } => {
                    (rooted_at_input(lhs) && is_scalar(rhs))
                        || (rooted_at_input(rhs) && is_scalar(lhs))
                }
                _ => false,
            },
            _ => false,
        };
        // What comes after the test: the later expressions, and the sentinel that says the
        // body held. None of it reached means the test never matched.
        let after: Vec<(u32, u32)> = stmts[i + 1..]
            .iter()
            .map(|s| rows_of(&s.span))
            .chain(sentinel)
            .collect();
        indexable
            && !after.is_empty()
            && after.iter().all(|r| r.0 > rows_of(&stmt.span).1)
            && !after.iter().any(|&r| hit(r))
    })
}

fn rooted_at_input(e: &Expr) -> bool {
    match e {
        Expr::RefDot { refr, .. } => rooted_at_input(refr),
        Expr::RefBrack { refr, index, .. } => rooted_at_input(refr) && is_scalar(index),
        Expr::Var { span, .. } => span.text() == "input",
        _ => false,
    }
}

fn is_scalar(e: &Expr) -> bool {
    matches!(
        e,
        Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. }
    )
}

fn query_locations(q: &Query, out: &mut Vec<Loc>) {
    for stmt in &q.stmts {
        let rows = rows_of(&stmt.span);
        match &stmt.literal {
            // A bare `some x` declares; OPA leaves it out of the report.
            Literal::SomeVars { .. } => continue,
            Literal::Every { query, .. } => query_locations(query, out),
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => {
                comprehension_locations(expr, out)
            }
            Literal::SomeIn { .. } => {}
        }
        out.push(Loc {
            rows,
            evidence: vec![rows],
        });
    }
}

/// Bodies of comprehensions inside an expression are expressions of their own for OPA.
fn comprehension_locations(e: &Expr, out: &mut Vec<Loc>) {
    match e {
        Expr::ArrayCompr { query, .. }
        | Expr::SetCompr { query, .. }
        | Expr::ObjectCompr { query, .. } => query_locations(query, out),
        Expr::AssignExpr { rhs, .. } => comprehension_locations(rhs, out),
        Expr::BinExpr { lhs, rhs, .. } | Expr::BoolExpr { lhs, rhs, .. } => {
            comprehension_locations(lhs, out);
            comprehension_locations(rhs, out);
        }
        Expr::Call { params, .. } => params.iter().for_each(|p| comprehension_locations(p, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fold_into_ranges_and_percentages_follow() {
        let rows: BTreeSet<u32> = [3, 4, 5, 9, 11, 12].into_iter().collect();
        let r = ranges(&rows);
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].start.row, r[0].end.row), (3, 5));
        assert_eq!((r[2].start.row, r[2].end.row), (11, 12));
        assert_eq!(percent(3, 1), 75.0);
        assert_eq!(percent(0, 0), 0.0);
    }

    #[test]
    fn unreached_rules_are_not_covered() {
        let src = "package p\nimport rego.v1\n\
                   used if {\n\tinput.x > 0\n}\n\
                   unused if {\n\tinput.y == 2\n}\n\
                   big := {\n\t\"a\": 1,\n}\n";
        let t = PolicyTree::of(&[("p.rego", src)]);
        let rows =
            |v: &[Range]| -> Vec<u32> { v.iter().flat_map(|r| r.start.row..=r.end.row).collect() };
        for (input, head) in [(r#"{"x": 1}"#, true), (r#"{"x": 0}"#, false)] {
            let mut p = Policy::load_with(&t, &serde_json::json!({}), Some(&instrument)).unwrap();
            p.engine.set_enable_coverage(true);
            p.engine
                .set_input(regorus::Value::from_json_str(input).unwrap());
            p.engine.eval_rule("data.p.used".into()).unwrap();
            let r = report(&t, &p).unwrap();
            let f = &r.files["t/p.rego"];
            // `used`'s head (row 3) is covered only when its body held, as in OPA.
            if head {
                assert_eq!(rows(&f.covered), [3, 4]);
                assert_eq!(rows(&f.not_covered), [6, 7, 9, 10, 11]);
            } else {
                assert_eq!(rows(&f.covered), [4]);
                assert_eq!(rows(&f.not_covered), [3, 6, 7, 9, 10, 11]);
            }
        }
    }
}
