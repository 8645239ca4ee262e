//! `policy-test --coverage`: OPA's coverage report (`opa test --coverage --format json`, v1.20)
//! over the locations OPA counts: every rule head (with its value), every `else`, and every body
//! expression, each spanning its rows. OPA marks an expression when it evaluates it and a head
//! when its body held; a location inside a covered one counts as covered, and a row can be both
//! covered and not. Expressions come from regorus's per-line hits; what regorus cannot tell
//! (whether OPA's rule index let a body in, whether a body held, which bodies OPA's early exit
//! skipped) comes from probes written into the text we load (see `instrument`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use regorus::unstable::{BoolOp, Expr, Literal, Module, Query, Rule, RuleHead};
use serde::{Deserialize, Serialize};

use super::engine::Policy;
use super::source::{parse, source, source_as_is};
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

/// A location OPA reports on, from its first (row, col) to its last, and what proves it was
/// reached.
struct Loc {
    from: (u32, u32),
    to: (u32, u32),
    /// Covered when regorus hit any of these rows (none: the probe alone decides)...
    rows: Vec<(u32, u32)>,
    /// ...and, when set, this probe fired (the body OPA's index let in, or that held).
    probe: Option<bool>,
    /// `some x in xs`: covered when evaluated, never listed as not covered (OPA's report skips
    /// the declaration).
    optional: bool,
}

impl Loc {
    fn contains(&self, other: &Loc) -> bool {
        self.from <= other.from && self.to >= other.to
    }
}

pub use super::probe::PROBE;

/// Per rule body and outcome (`held`: the body produced its value, OPA's exit of its head;
/// else: OPA's rule index let the body in and OPA evaluated it), whether that happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct ProbeKey {
    file: String,
    rule: (u32, u32),
    body: usize,
    held: bool,
    is_else: bool,
}

/// A rule body as instrumented, in the order the tree's bodies are loaded (OPA's order too).
#[derive(Debug, Clone)]
struct Body {
    file: String,
    rule: (u32, u32),
    body: usize,
    is_else: bool,
    /// `package.name` of its rule: OPA's rule index and early exit work on all of a rule's
    /// definitions together.
    group: String,
    /// The constant value the body gives its rule when complete (`true` when implicit), `None`
    /// otherwise: OPA stops at the first body that holds when all of a rule's have one value.
    value: Option<String>,
    /// What OPA's index compares before the body runs: a reference (or argument), and whether
    /// with a constant (`true`) or only for being defined.
    index: Vec<(String, bool)>,
    /// The body that starts its `else` chain.
    chain: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// Reached by regorus (before `lang.rs`'s checks, which stand for OPA's index).
    Start,
    /// Let in by OPA's index.
    Entry,
    /// Held.
    Held,
    /// Reached the body's `k`th literal, a `not` whose parts OPA's compiler moves out before it
    /// (those parts held).
    Reach(usize),
}

/// One evaluation of a rule's bodies: per body reached, whether let in and whether it held.
type Attempts = Vec<(usize, bool, bool)>;

#[derive(Default)]
struct Probes {
    bodies: Vec<Body>,
    /// Probe id -> (body, kind).
    ids: Vec<(usize, Kind)>,
    /// Per group, the evaluation under way, and every distinct one that ended.
    current: std::collections::HashMap<String, Attempts>,
    done: std::collections::HashMap<String, BTreeSet<Attempts>>,
    /// The `not` literals reached, as (file, rule, body, literal).
    reached: BTreeSet<(String, (u32, u32), usize, usize)>,
    /// Those that have a probe.
    reachable: BTreeSet<(String, (u32, u32), usize, usize)>,
}

impl Probes {
    fn fire(&mut self, id: usize) {
        let Some(&(body, kind)) = self.ids.get(id) else {
            return;
        };
        let group = self.bodies[body].group.clone();
        let cur = self.current.entry(group.clone()).or_default();
        match kind {
            Kind::Start => {
                // regorus goes through a rule's bodies in order: one reached again (or an
                // earlier one) starts another evaluation.
                if cur.last().is_some_and(|&(b, _, _)| b >= body) {
                    let ended = std::mem::take(cur);
                    self.done.entry(group).or_default().insert(ended);
                    self.current
                        .entry(self.bodies[body].group.clone())
                        .or_default()
                        .push((body, false, false));
                } else {
                    cur.push((body, false, false));
                }
            }
            Kind::Reach(k) => {
                let b = &self.bodies[body];
                self.reached.insert((b.file.clone(), b.rule, b.body, k));
            }
            Kind::Entry | Kind::Held => {
                if let Some(a) = cur.iter_mut().rev().find(|a| a.0 == body) {
                    a.1 = true;
                    a.2 |= kind == Kind::Held;
                }
            }
        }
    }

    fn alloc(&mut self, body: usize, kind: Kind) -> usize {
        self.ids.push((body, kind));
        self.ids.len() - 1
    }

    /// Per `not` literal with a probe (file, rule, body, literal): whether it was reached.
    fn reaches(&self) -> BTreeMap<(String, (u32, u32), usize, usize), bool> {
        self.reachable
            .iter()
            .map(|k| (k.clone(), self.reached.contains(k)))
            .collect()
    }

    /// Per body: whether OPA evaluated it (`held` false) and whether it held (`held` true).
    fn outcomes(&mut self) -> BTreeMap<ProbeKey, bool> {
        for (group, cur) in std::mem::take(&mut self.current) {
            if !cur.is_empty() {
                self.done.entry(group).or_default().insert(cur);
            }
        }
        let mut out: BTreeMap<ProbeKey, bool> = BTreeMap::new();
        let key = |b: &Body, held| ProbeKey {
            file: b.file.clone(),
            rule: b.rule,
            body: b.body,
            held,
            is_else: b.is_else,
        };
        for b in &self.bodies {
            out.insert(key(b, false), false);
            out.insert(key(b, true), false);
        }
        for (group, runs) in &self.done {
            let members: Vec<usize> = (0..self.bodies.len())
                .filter(|&i| &self.bodies[i].group == group)
                .collect();
            let order = self.trie_order(&members);
            let first = self.bodies[members[0]].value.clone();
            let early = first.is_some() && members.iter().all(|&i| self.bodies[i].value == first);
            for run in runs {
                let mut admitted: Vec<&(usize, bool, bool)> = run.iter().filter(|a| a.1).collect();
                if early {
                    admitted.sort_by_key(|a| (order.get(&self.bodies[a.0].chain).cloned(), a.0));
                }
                for &&(b, _, held) in &admitted {
                    out.insert(key(&self.bodies[b], false), true);
                    if held {
                        out.insert(key(&self.bodies[b], true), true);
                        if early {
                            break;
                        }
                    }
                }
            }
        }
        out
    }

    /// The order OPA's rule index returns a rule's bodies in, as a sort key per body that starts
    /// a chain: bodies it does not index first, then by the values each indexed reference must
    /// have (any value before a constant), references used by more bodies first.
    fn trie_order(&self, members: &[usize]) -> BTreeMap<usize, Vec<u8>> {
        let mut refs: Vec<(String, usize, usize)> = Vec::new(); // (ref, count, first seen)
        for (n, &i) in members.iter().enumerate() {
            for (r, _) in &self.bodies[i].index {
                match refs.iter_mut().find(|x| &x.0 == r) {
                    Some(x) => x.1 += 1,
                    None => refs.push((r.clone(), 1, n)),
                }
            }
        }
        refs.sort_by_key(|x| (std::cmp::Reverse(x.1), x.2));
        members
            .iter()
            .filter(|&&i| self.bodies[i].chain == i)
            .map(|&i| {
                let idx = &self.bodies[i].index;
                let path = refs
                    .iter()
                    .map(|(r, _, _)| match idx.iter().find(|x| &x.0 == r) {
                        None => 0,
                        Some((_, false)) => 1,
                        Some((_, true)) => 2,
                    })
                    .collect();
                (i, path)
            })
            .collect()
    }
}

thread_local! {
    /// The probes `instrument` wrote since `load`, and what they recorded. Per thread: tests run
    /// side by side in one process, each loading and evaluating on its own thread.
    static PROBES: std::cell::RefCell<Probes> = std::cell::RefCell::new(Probes::default());
}

/// What a probe's firing records: the extension (`probe.rs`) calls this once `load` set it.
fn record(id: usize) {
    PROBES.with(|p| p.borrow_mut().fire(id));
}

/// Loads `tree` for a coverage run: probes written, none fired yet.
pub fn load(tree: &PolicyTree, data: &serde_json::Value) -> Result<Policy> {
    PROBES.with(|p| *p.borrow_mut() = Probes::default());
    super::probe::on_fire(record);
    Policy::load_with(tree, data, Some(&instrument))
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
    // Per body: whether OPA evaluated it, and whether it held.
    let probes = PROBES.with(|p| p.borrow_mut().outcomes());
    let reaches = PROBES.with(|p| p.borrow().reaches());
    let mut report = Report::default();
    let empty = BTreeSet::new();
    for file in &tree.modules {
        let shown = tree.display(&file.rel);
        let src = source(shown.clone(), file.text.clone())?;
        let module = parse(&src)?;
        let hit = hits.get(&shown).unwrap_or(&empty);
        let mine: BTreeMap<&ProbeKey, bool> = probes
            .iter()
            .filter(|(k, _)| k.file == shown)
            .map(|(k, v)| (k, *v))
            .collect();
        let mut locs = locations(&module.policy, &mine);
        // A `not` whose moved parts OPA evaluated but which it never reached: the parts are
        // covered (a location of their own inside it), the `not` is not.
        for ((f, rule, body, k), reached) in &reaches {
            if f != &shown || *reached {
                continue;
            }
            let Some(stmt) = module.policy.iter().find_map(|r| match &**r {
                Rule::Spec { span, bodies, .. } if (span.line, span.col) == *rule => {
                    bodies.get(*body).and_then(|b| b.query.stmts.get(*k))
                }
                _ => None,
            }) else {
                continue;
            };
            let from = start_of(&stmt.span);
            if let Some(l) = locs.iter_mut().find(|l| l.from == from && !l.optional) {
                let inner = Loc {
                    from: (from.0, from.1 + 1),
                    to: l.to,
                    rows: l.rows.clone(),
                    probe: l.probe,
                    optional: false,
                };
                l.probe = Some(false);
                locs.push(inner);
            }
        }
        let reached = |l: &Loc| {
            l.probe.unwrap_or(true)
                && (l.rows.is_empty()
                    || l.rows
                        .iter()
                        .any(|&(s, e)| hit.range(s..=e).next().is_some()))
        };
        let (done, open): (Vec<&Loc>, Vec<&Loc>) = locs.iter().partition(|l| reached(l));
        let mut covered = BTreeSet::new();
        let mut not_covered = BTreeSet::new();
        for l in &done {
            covered.extend(l.from.0..=l.to.0);
        }
        // As OPA: a location inside one that was covered counts as covered, and a row can be
        // both covered (one location) and not (another).
        for l in open {
            if !l.optional && !done.iter().any(|d| d.contains(l)) {
                not_covered.extend(l.from.0..=l.to.0);
            }
        }
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

/// Writes the probes into a module's text as loaded (aliases resolved, `lang.rs`'s literals
/// in), read again to find where its bodies start and end. Per body: after `lang.rs`'s checks
/// (what OPA's rule index tests first) and before the body's first literal, a probe that fires
/// when OPA's index would have let the body in; it also tests what that index compares a
/// function's arguments with (`f(path) if path == "Dockerfile"`). After the last literal, a
/// probe that fires when the body held: OPA marks a rule head, or an `else`, covered exactly
/// then. A bare `else := v` gets a body holding its probe. Lines stay put.
pub fn instrument(module: &Module, text: String) -> Result<String> {
    let name = module.package.span.source.file().to_string();
    let Ok(src) = source_as_is(name.clone(), text.clone()) else {
        return Ok(text);
    };
    let Ok(parsed) = parse(&src) else {
        return Ok(text);
    };
    let package = parsed.package.refr.span().text().to_string();
    let mut edits: Vec<(usize, String)> = Vec::new();
    for r in &parsed.policy {
        let Rule::Spec { span, head, bodies } = &**r else {
            continue;
        };
        let (refr, args, value, complete) = match head {
            RuleHead::Func {
                refr, args, assign, ..
            } => {
                let args: Vec<&str> = args
                    .iter()
                    .filter_map(|a| match &**a {
                        Expr::Var { span, .. } => Some(span.text()),
                        _ => None,
                    })
                    .collect();
                (refr, args, assign.as_ref().map(|a| &a.value), true)
            }
            RuleHead::Compr { refr, assign, .. } => (
                refr,
                Vec::new(),
                assign.as_ref().map(|a| &a.value),
                !matches!(&**refr, Expr::RefBrack { .. }),
            ),
            RuleHead::Set { refr, .. } => (refr, Vec::new(), None, false),
        };
        let group = format!("{package}.{}", refr.span().text());
        let constant = |v: Option<&regorus::unstable::Ref<Expr>>| match v {
            None => Some("true".to_string()),
            Some(v) if is_scalar(v) => Some(scalar_text(v)),
            Some(_) => None,
        };
        // A value that may be undefined (`x[5]`, `f(x)`): OPA's compiler makes it a literal
        // of the body, so the rule holds only when it is defined. The held probe tests it too.
        // The head's value (or key) with where its text may start: at `:=` or after the name.
        let key = match head {
            RuleHead::Set { refr, key, .. } => key.as_ref().map(|k| (after(refr.span()), k)),
            RuleHead::Compr { assign, .. } | RuleHead::Func { assign, .. } => {
                assign.as_ref().map(|a| (a.span.start as usize, &a.value))
            }
        };
        // (Without a body, a variable names a rule, which may be undefined too.) Only a value
        // on one line: the test is written on the line of the body's end.
        let defined = |v: Option<(usize, &regorus::unstable::Ref<Expr>)>| match v {
            Some((from, v))
                if may_be_undefined(v)
                    || (bodies.is_empty() && matches!(&**v, Expr::Var { .. })) =>
            {
                let src = v.span().source.contents();
                let t = src.get(from..after(v.span())).unwrap_or("").trim_start();
                let t = t
                    .strip_prefix(":=")
                    .or_else(|| t.strip_prefix("contains"))
                    .or_else(|| t.strip_prefix('='))
                    .unwrap_or("")
                    .trim();
                match closed(t, src.get(after(v.span())..).unwrap_or("")) {
                    Some(t) if !t.is_empty() && !t.contains('\n') && !t.contains('#') => {
                        format!("_ = {t}; ")
                    }
                    _ => String::new(),
                }
            }
            _ => String::new(),
        };
        if bodies.is_empty() {
            let test = defined(key);
            if !test.is_empty() {
                let this = PROBES.with(|p| {
                    let mut p = p.borrow_mut();
                    let chain = p.bodies.len();
                    p.bodies.push(Body {
                        file: name.clone(),
                        rule: (span.line, span.col),
                        body: 0,
                        is_else: false,
                        group: group.clone(),
                        value: None,
                        index: Vec::new(),
                        chain,
                    });
                    p.bodies.len() - 1
                });
                let id = |kind| PROBES.with(|p| p.borrow_mut().alloc(this, kind));
                let (s, e, h) = (id(Kind::Start), id(Kind::Entry), id(Kind::Held));
                edits.push((
                    after(span),
                    format!(" if {{ {PROBE}({s}, []); {PROBE}({e}, []); {test}{PROBE}({h}, []) }}"),
                ));
            }
        }
        let mut chain = 0;
        for (i, b) in bodies.iter().enumerate() {
            let q = &b.query;
            let mut index = index_refs(&q.stmts);
            index.extend(
                arg_index_tests(&q.stmts, &args)
                    .into_iter()
                    .map(|(a, _)| (a, true)),
            );
            let this = PROBES.with(|p| {
                let mut p = p.borrow_mut();
                p.bodies.push(Body {
                    file: name.clone(),
                    rule: (span.line, span.col),
                    body: i,
                    is_else: b.is_else,
                    group: group.clone(),
                    value: match (complete, b.is_else) {
                        (false, _) => None,
                        (true, false) => constant(value),
                        (true, true) => constant(b.assign.as_ref().map(|a| &a.value)),
                    },
                    index,
                    chain: 0,
                });
                let this = p.bodies.len() - 1;
                if !b.is_else {
                    chain = this;
                }
                p.bodies[this].chain = chain;
                this
            });
            let id = |kind| PROBES.with(|p| p.borrow_mut().alloc(this, kind));
            if q.stmts.is_empty() {
                if b.is_else && b.assign.is_some() {
                    let (s, e, h) = (id(Kind::Start), id(Kind::Entry), id(Kind::Held));
                    edits.push((
                        after(&b.span),
                        format!(" if {{ {PROBE}({s}, []); {PROBE}({e}, []); {PROBE}({h}, []) }}"),
                    ));
                }
                continue;
            }
            let braces = q.span.text().starts_with('{');
            // `lang.rs`'s checks alone: the body it gave a rule that had none.
            // Before a `not` whose parts `lang.rs` moved out in front of it: OPA evaluates the
            // parts (their own expressions) and the `not` only when they held.
            let mut k = 0;
            for (j, st) in q.stmts.iter().enumerate() {
                if super::lang::is_inserted(st) {
                    continue;
                }
                let moved = j > 0
                    && !is_index_check(&q.stmts[j - 1])
                    && super::lang::is_inserted(&q.stmts[j - 1]);
                if moved && matches!(st.literal, Literal::NotExpr { .. }) {
                    let reach = PROBES.with(|p| {
                        let mut p = p.borrow_mut();
                        p.reachable
                            .insert((name.clone(), (span.line, span.col), i, k));
                        p.alloc(this, Kind::Reach(k))
                    });
                    edits.push((before(&st.span), format!("{PROBE}({reach}, []); ")));
                }
                k += 1;
            }
            let first = q.stmts.iter().find(|s| !is_index_check(s));
            let at = first.map_or(before(&q.span), |s| before(&s.span));
            if !braces {
                edits.push((before(&q.span), "{ ".into()));
            }
            let start = id(Kind::Start);
            edits.push((before(&q.stmts[0].span), format!("{PROBE}({start}, []); ")));
            if first.is_some() {
                let entry = id(Kind::Entry);
                let conds: Vec<String> = arg_index_tests(&q.stmts, &args)
                    .into_iter()
                    .map(|(_, c)| c)
                    .collect();
                edits.push((at, format!("{PROBE}({entry}, [{}]); ", conds.join(", "))));
            }
            // Only `lang.rs`'s checks: OPA's index let the body in once they held.
            let entry_last = match first {
                Some(_) => String::new(),
                None => format!("{PROBE}({}, []); ", id(Kind::Entry)),
            };
            let held = id(Kind::Held);
            let test = match b.is_else {
                false => defined(key),
                true => defined(b.assign.as_ref().map(|a| (a.span.start as usize, &a.value))),
            };
            let last = q.stmts.last().map_or(at, |s| after(&s.span));
            if braces {
                let close = (q.span.end as usize).saturating_sub(1);
                let gap = text.get(last..close).unwrap_or("");
                let sep = if gap.contains('\n') { "" } else { "; " };
                edits.push((
                    close,
                    format!("{sep}{entry_last}{test}{PROBE}({held}, []) "),
                ));
            } else {
                edits.push((
                    after(&q.span),
                    format!("; {entry_last}{test}{PROBE}({held}, []) }}"),
                ));
            }
        }
    }
    if edits.is_empty() {
        return Ok(text);
    }
    // Stable: edits at one offset keep the order they were made in.
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len() + 40 * edits.len());
    let mut copied = 0;
    for (at, ins) in edits {
        if at < copied || at > text.len() || !text.is_char_boundary(at) {
            return Ok(text);
        }
        out.push_str(&text[copied..at]);
        out.push_str(&ins);
        copied = at;
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// The literals of a function's body that OPA's rule index tests against its arguments before
/// the body runs: an argument compared (`==`, `=`) with a scalar. Not under `with` or `not`.
fn arg_index_tests(
    stmts: &[regorus::unstable::LiteralStmt],
    args: &[&str],
) -> Vec<(String, String)> {
    let is_arg = |e: &Expr| matches!(e, Expr::Var { span, .. } if args.contains(&span.text()));
    let mut out = Vec::new();
    for s in stmts {
        let Literal::Expr { expr, .. } = &s.literal else {
            continue;
        };
        if !s.with_mods.is_empty() {
            continue;
        }
        let (lhs, rhs) = match &**expr {
            Expr::BoolExpr {
                op: BoolOp::Eq,
                lhs,
                rhs,
                ..
            }
            | Expr::AssignExpr {
                op: regorus::unstable::AssignOp::Eq,
                lhs,
                rhs,
                ..
            } => (lhs, rhs),
            _ => continue,
        };
        for (a, b) in [(lhs, rhs), (rhs, lhs)] {
            if is_arg(a) && is_scalar(b) {
                let arg = a.span().text().to_string();
                out.push((arg.clone(), format!("{arg} == {}", scalar_text(b))));
            }
        }
    }
    out
}

/// Whether a rule's value can be undefined once its body held: it reads a reference or calls
/// something. Variables of the body, scalars and composites of those are always defined.
/// `text` with the `)`s that close what it opens, taken from `rest` (the source after it):
/// regorus's span of a parenthesized value leaves out its closing `)`, so `(input.a + 1)` is
/// `(input.a + 1` up to the span's end. `None` when `rest` does not close it.
fn closed(text: &str, rest: &str) -> Option<String> {
    let (mut depth, mut in_str, mut in_raw, mut escaped) = (0i32, false, false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' if !in_raw => in_str = !in_str,
            '`' if !in_str => in_raw = !in_raw,
            '(' if !in_str && !in_raw => depth += 1,
            ')' if !in_str && !in_raw => depth -= 1,
            _ => {}
        }
    }
    let mut out = text.to_string();
    let mut rest = rest.chars();
    while depth > 0 {
        match rest.next()? {
            ')' => {
                out.push(')');
                depth -= 1;
            }
            ' ' | '\t' => {}
            _ => return None,
        }
    }
    (depth == 0).then_some(out)
}

fn may_be_undefined(e: &Expr) -> bool {
    match e {
        Expr::Var { .. } => false,
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            items.iter().any(|i| may_be_undefined(i))
        }
        Expr::Object { fields, .. } => fields
            .iter()
            .any(|(_, k, v)| may_be_undefined(k) || may_be_undefined(v)),
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => false,
        e => !is_scalar(e),
    }
}

/// A scalar's text with its quotes.
fn scalar_text(e: &Expr) -> String {
    let (s, e2) = (e.span().start as usize, after(e.span()));
    let src = e.span().source.contents();
    src.get(s.saturating_sub(quoted(e.span()))..e2)
        .unwrap_or("null")
        .to_string()
}

/// Whether `lang.rs` wrote `s` for OPA's rule index: a comparison (`__xtask_index`), or a
/// reference into `input` or `data` that must be defined. (Its other `__xtask_defined`s stand
/// for what OPA's compiler moves out of a `not`: literals OPA evaluates.)
fn is_index_check(s: &regorus::unstable::LiteralStmt) -> bool {
    fn root(e: &Expr) -> Option<&str> {
        match e {
            Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } => root(refr),
            Expr::Var { span, .. } => Some(span.text()),
            _ => None,
        }
    }
    // OPA's index leaves out literals with `with` (moved parts keep their literal's).
    if !super::lang::is_inserted(s) || !s.with_mods.is_empty() {
        return false;
    }
    let Literal::Expr { expr, .. } = &s.literal else {
        return false;
    };
    let Expr::Call { fcn, params, .. } = &**expr else {
        return false;
    };
    // A reference into `input` or `data`, or a call reading one (`concat(",", input.x)` moved
    // out of a `not`: OPA's compiler moves `input.x` out too, and its index checks it).
    fn reads_doc(e: &Expr) -> bool {
        match e {
            Expr::Call { params, .. } => params.iter().any(|p| reads_doc(p)),
            e => root(e).is_some_and(|r| r == "input" || r == "data"),
        }
    }
    fcn.span().text() == super::lang::INDEX || params.first().is_some_and(|p| reads_doc(p))
}

/// What `lang.rs`'s checks at a body's start (OPA's rule index) compare: a reference, and
/// whether with a constant (`__xtask_index`) or for being defined (`__xtask_defined`).
fn index_refs(stmts: &[regorus::unstable::LiteralStmt]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for s in stmts.iter().take_while(|s| is_index_check(s)) {
        let Literal::Expr { expr, .. } = &s.literal else {
            continue;
        };
        let Expr::Call { fcn, params, .. } = &**expr else {
            continue;
        };
        let Some(p) = params.first() else {
            continue;
        };
        if fcn.span().text() == super::lang::DEFINED {
            out.push((p.span().text().to_string(), false));
            continue;
        }
        let r = match &**p {
            Expr::BoolExpr { lhs, rhs, .. } if is_scalar(lhs) => rhs,
            Expr::BoolExpr { lhs, .. } => lhs,
            Expr::Membership { value, .. } => value,
            _ => p,
        };
        out.push((r.span().text().to_string(), true));
    }
    out
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

/// 1 when the span is a string's contents, its quotes outside it (regorus's string spans).
fn quoted(span: &regorus::unstable::Span) -> usize {
    let text = span.source.contents().as_bytes();
    let (s, e) = (span.start as usize, span.end as usize);
    match (s.checked_sub(1).and_then(|b| text.get(b)), text.get(e)) {
        (Some(b'"'), Some(b'"')) | (Some(b'`'), Some(b'`')) => 1,
        _ => 0,
    }
}

/// The offset just past a node's text, a string's closing quote included: regorus's spans of
/// strings (and of whatever ends in one) stop before it.
fn after(span: &regorus::unstable::Span) -> usize {
    let text = span.source.contents().as_bytes();
    let e = span.end as usize;
    match text.get(e) {
        Some(&q @ (b'"' | b'`')) => {
            // A quote that closes a string open at `e` (a `"` string cannot span lines).
            let line = text[..e]
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            if quotes_open(&text[line..e], q) {
                e + 1
            } else {
                e
            }
        }
        _ => e,
    }
}

/// The offset where a node's text starts, a string's opening quote included (see [`after`]).
fn before(span: &regorus::unstable::Span) -> usize {
    let text = span.source.contents().as_bytes();
    let s = span.start as usize;
    let Some(&q @ (b'"' | b'`')) = s.checked_sub(1).and_then(|p| text.get(p)) else {
        return s;
    };
    // The quote opens a string when an even count of unescaped quotes precede it on its line.
    let line = text[..s - 1]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    if quotes_open(&text[line..s - 1], q) {
        s
    } else {
        s - 1
    }
}

/// Whether a string quoted with `q` is open after `text` (one line).
fn quotes_open(text: &[u8], q: u8) -> bool {
    let mut open = false;
    let mut escaped = false;
    for &c in text {
        if c == q && !escaped {
            open = !open;
        }
        escaped = q == b'"' && c == b'\\' && !escaped;
    }
    open
}

/// Where a node's text starts: its row and column, a string's opening quote included.
fn start_of(span: &regorus::unstable::Span) -> (u32, u32) {
    let back = span.start as usize - before(span);
    (span.line, span.col.saturating_sub(back as u32))
}

/// Where a node's text ends: its row, and the column after its last character.
fn end_of(span: &regorus::unstable::Span) -> (u32, u32) {
    let contents = span.source.contents();
    let text = contents
        .get(span.start as usize..after(span))
        .unwrap_or(span.text());
    match text.rfind('\n') {
        Some(at) => (
            span.line + text.matches('\n').count() as u32,
            text[at + 1..].chars().count() as u32 + 1,
        ),
        None => (span.line, span.col + text.chars().count() as u32),
    }
}

/// Rows an AST node spans: its first line through the line its text ends on.
fn rows_of(span: &regorus::unstable::Span) -> (u32, u32) {
    (span.line, end_of(span).0)
}

fn locations(
    rules: &[regorus::unstable::Ref<Rule>],
    probes: &BTreeMap<&ProbeKey, bool>,
) -> Vec<Loc> {
    let mut out = Vec::new();
    for rule in rules {
        match &**rule {
            Rule::Spec { span, head, bodies } => {
                let fired = |body: usize, held: bool| {
                    probes
                        .iter()
                        .find(|(k, _)| {
                            k.rule == (span.line, span.col) && k.body == body && k.held == held
                        })
                        .map(|(_, v)| *v)
                };
                // The head runs from the rule's start through its key or value.
                let (head_span, extra) = match head {
                    RuleHead::Compr { span, assign, .. } => {
                        (span, assign.as_ref().map(|a| end_of(a.value.span())))
                    }
                    RuleHead::Set { span, key, .. } => {
                        (span, key.as_ref().map(|k| end_of(k.span())))
                    }
                    RuleHead::Func { span, assign, .. } => {
                        (span, assign.as_ref().map(|a| end_of(a.value.span())))
                    }
                };
                let start = (span.line, span.col);
                let end = end_of(head_span).max(extra.unwrap_or(start));
                // OPA marks a head when one of its bodies held (the probe after its last
                // literal); a rule without a body, when regorus evaluated its value.
                let helds: Vec<bool> = probes
                    .iter()
                    .filter(|(k, _)| k.rule == start && k.held && !k.is_else)
                    .map(|(_, v)| *v)
                    .collect();
                let probe = (!helds.is_empty()).then(|| helds.iter().any(|&h| h));
                out.push(Loc {
                    from: start,
                    to: end,
                    rows: match probe {
                        Some(_) => Vec::new(),
                        None => vec![(start.0, end.0)],
                    },
                    probe,
                    optional: false,
                });
                // A value OPA's compiler moves into a body of its own (see `instrument`) is an
                // expression there, evaluated whenever the rule is.
                if bodies.is_empty() && probe.is_some() {
                    let value = match head {
                        RuleHead::Set { key, .. } => key.as_ref(),
                        RuleHead::Compr { assign, .. } | RuleHead::Func { assign, .. } => {
                            assign.as_ref().map(|a| &a.value)
                        }
                    };
                    if let Some(v) = value {
                        let to = end_of(v.span());
                        out.push(Loc {
                            from: (v.span().line, v.span().col),
                            to,
                            rows: vec![(v.span().line, to.0)],
                            // The body `lang.rs` gave it (OPA's index) let it in.
                            probe: fired(0, false),
                            optional: false,
                        });
                    }
                }
                for (i, b) in bodies.iter().enumerate() {
                    if b.is_else {
                        let value = b.assign.as_ref().map(|a| end_of(a.value.span()));
                        let line = (b.span.line, b.span.col);
                        let to = value.map_or(line, |v| v.max(line));
                        out.push(Loc {
                            from: line,
                            to,
                            rows: Vec::new(),
                            probe: Some(fired(i, true).unwrap_or(false)),
                            optional: false,
                        });
                    }
                    let from = out.len();
                    query_locations(&b.query, &mut out);
                    // Nothing of a body OPA's index left out was evaluated.
                    if let Some(entered) = fired(i, false) {
                        out[from..].iter_mut().for_each(|l| l.probe = Some(entered));
                    }
                }
            }
            Rule::Default { span, .. } => {
                let rows = rows_of(span);
                out.push(Loc {
                    from: (span.line, span.col),
                    to: end_of(span),
                    rows: vec![rows],
                    probe: None,
                    optional: false,
                });
            }
        }
    }
    out
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
        let optional = match &stmt.literal {
            // A bare `some x` declares; OPA leaves it out of the report.
            Literal::SomeVars { .. } => continue,
            Literal::Every { query, .. } => {
                query_locations(query, out);
                false
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => {
                comprehension_locations(expr, out);
                false
            }
            Literal::SomeIn { .. } => true,
        };
        out.push(Loc {
            from: start_of(&stmt.span),
            to: end_of(&stmt.span),
            rows: vec![rows],
            probe: None,
            optional,
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
    #[test]
    fn a_parenthesized_value_is_closed_from_the_source() {
        assert_eq!(
            super::closed("(input.a + 1", ") if").as_deref(),
            Some("(input.a + 1)")
        );
        assert_eq!(
            super::closed("( ({1}) | ( {2})", ")").as_deref(),
            Some("( ({1}) | ( {2}))")
        );
        assert_eq!(super::closed("f(\"(\")", "").as_deref(), Some("f(\"(\")"));
        assert_eq!(super::closed("g(`(`)", "").as_deref(), Some("g(`(`)"));
        assert_eq!(super::closed("(x", " y"), None);
    }

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
            let mut p = load(&t, &serde_json::json!({})).unwrap();
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

    /// OPA's index leaves out a function body whose argument test fails, stops at the first
    /// body that holds when all give one value, and covers a bare `else := v` taken.
    #[test]
    fn index_early_exit_and_bare_else() {
        let src = "package p\nimport rego.v1\n\
                   f(x) if x == \"a\"\n\
                   allow if {\n\tinput.x\n}\n\
                   allow if {\n\tinput.y\n}\n\
                   g(n) := \"big\" if {\n\tn > 10\n} else := \"small\"\n";
        let t = PolicyTree::of(&[("p.rego", src)]);
        let mut p = load(&t, &serde_json::json!({})).unwrap();
        p.engine.set_enable_coverage(true);
        p.engine
            .set_input(regorus::Value::from_json_str(r#"{"x": true, "y": true}"#).unwrap());
        for q in ["data.p.f(\"b\")", "data.p.allow", "data.p.g(1)"] {
            p.engine.eval_query(q.into(), false).unwrap();
        }
        let r = report(&t, &p).unwrap();
        let f = &r.files["t/p.rego"];
        let rows =
            |v: &[Range]| -> Vec<u32> { v.iter().flat_map(|r| r.start.row..=r.end.row).collect() };
        // As OPA v1.20 reports it: f's body (row 3) never entered; of allow's bodies, the index
        // returns the second first (input.x must be undefined for the first's path), which
        // holds, so the first (rows 4-5) is never evaluated; g's else (row 12) covered, its
        // first head (row 10) not.
        assert_eq!(rows(&f.covered), [7, 8, 11, 12]);
        assert_eq!(rows(&f.not_covered), [3, 4, 5, 10]);
    }
}
