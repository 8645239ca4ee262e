//! Recursion: rules and functions that depend on themselves, directly, mutually, through
//! functions, through `data.` refs and import aliases, or through `with` targets
//! (`rego_recursion_error: rule data.p.a is recursive: data.p.a -> data.p.b -> data.p.a`).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use regorus::unstable::{Expr, Rule, RuleHead};

use super::safety::bound_in_rule;
use super::with_targets::data_targets;
use super::{static_path, walk_expr, walk_rule, Pos, Program, Refusal};

pub(crate) fn recursive_rules(prog: &Program) -> Vec<Refusal> {
    // Nodes are full static rule paths; a ref depends on the longest rule path it lies under.
    let paths: HashSet<&str> = prog.decls.iter().map(|d| d.path.as_str()).collect();
    let packages: HashSet<&str> = prog.mods.iter().map(|m| m.package.as_str()).collect();
    let mut edges: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut first_decl: HashMap<&str, usize> = HashMap::new();
    for (i, d) in prog.decls.iter().enumerate() {
        first_decl.entry(d.path.as_str()).or_insert(i);
        let m = &prog.mods[d.module];
        let rule = &m.module.policy[d.rule];
        if matches!(&**rule, Rule::Default { .. }) {
            continue;
        }
        // Computed only for a rule that names another rule (most do not).
        let bound = std::cell::OnceCell::new();
        let mut head = HashSet::new();
        if let Rule::Spec { head: h, .. } = &**rule {
            let refr = match h {
                RuleHead::Compr { refr, .. }
                | RuleHead::Set { refr, .. }
                | RuleHead::Func { refr, .. } => refr,
            };
            walk_expr(refr, Pos::Term, &mut |e, _| {
                head.insert(e.span().start);
            });
        }
        let rules = prog.rule_names.get(&m.package);
        let out = edges.entry(d.path.as_str()).or_default();
        // The walk is pre-order: a ref's own prefix (`data.q` of `data.q.g0.c8`) is visited after
        // it and must not count as a read of the whole document above.
        let mut inner: HashSet<(usize, usize)> = HashSet::new();
        walk_rule(rule, &mut |e, _| {
            let outermost = !inner.contains(&(e.span().start as usize, e.span().end as usize));
            if let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = e {
                inner.insert((refr.span().start as usize, refr.span().end as usize));
            }
            if !matches!(
                e,
                Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. }
            ) || head.contains(&e.span().start)
            {
                return;
            }
            // Most expressions are local variables and constants: skip them before any work.
            let mut root = e;
            while let Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } = root {
                root = refr;
            }
            let Expr::Var { span, .. } = root else {
                return;
            };
            let name = span.text();
            if name != "data"
                && !m.aliases.contains_key(name)
                && !rules.is_some_and(|r| r.contains(name))
            {
                return;
            }
            let (names, whole) = static_path(e);
            let Some(first) = names.first() else {
                return;
            };
            let via_data_or_alias = *first == "data" || m.aliases.contains_key(*first);
            if !via_data_or_alias && bound.get_or_init(|| bound_in_rule(rule)).contains(*first) {
                return;
            }
            let Some(full) = prog.resolve(m, &names) else {
                return;
            };
            // The longest rule path that `full` equals or lies under. Equal to a rule whose head
            // goes on with a variable (`grants` of `grants[r].actions`), it is also the document
            // of the rules named under it (`grants.ops.actions`): those are read too, below.
            let mut cut = full.as_str();
            loop {
                if let Some(p) = paths.get(cut) {
                    out.insert(p);
                    if cut != full.as_str() {
                        return;
                    }
                    break;
                }
                match cut.rfind('.') {
                    Some(i) => cut = &cut[..i],
                    None => break,
                }
            }
            // A ref to the document above ref-head rules (`data.q.g0` over `g0.c8 contains ...`)
            // reads each of them; a whole package (`data.q`) is left alone, as said above.
            if outermost && full != "data" && !packages.contains(full.as_str()) {
                let under = format!("{full}.");
                // After a variable index, later names still narrow it, as OPA's
                // `GetRulesDynamic` does: `data.t[x].deny` reads each `data.t.*.deny`, not
                // every rule under `data.t`.
                let tail = if whole {
                    Vec::new()
                } else {
                    segments(e).get(names.len()..).unwrap_or_default().to_vec()
                };
                out.extend(paths.iter().filter(|p| {
                    p.strip_prefix(&under).is_some_and(|rest| {
                        rest.split('.')
                            .zip(&tail)
                            .all(|(r, t)| t.is_none_or(|t| t == r))
                    })
                }));
            }
        });
        // A `with` target replaces the rules at or under it for the literal: OPA counts it as a
        // read of each (`with data.scanner as {}` inside `package scanner` is the rule's own
        // document, a cycle), in comprehensions and `every` bodies too.
        let mut targets: Vec<String> = Vec::new();
        if let Rule::Spec { bodies, .. } = &**rule {
            for b in bodies {
                data_targets(prog, m, &b.query, &mut targets);
            }
        }
        walk_rule(rule, &mut |e, _| match e {
            Expr::ArrayCompr { query: q, .. }
            | Expr::SetCompr { query: q, .. }
            | Expr::ObjectCompr { query: q, .. } => data_targets(prog, m, q, &mut targets),
            _ => {}
        });
        for t in &targets {
            out.extend(paths.iter().filter(|p| {
                **p == t.as_str()
                    || p.strip_prefix(t.as_str())
                        .is_some_and(|r| r.starts_with('.'))
            }));
        }
    }

    let mut out = Vec::new();
    let mut order: Vec<(&str, usize)> = first_decl.iter().map(|(p, i)| (*p, *i)).collect();
    order.sort_by_key(|&(_, i)| i);
    for (node, i) in order {
        let Some(cycle) = shortest_cycle(&edges, node) else {
            continue;
        };
        let d = &prog.decls[i];
        let m = &prog.mods[d.module];
        out.push(m.refusal(
            m.module.policy[d.rule].span(),
            "rego_recursion_error",
            format!("rule {node} is recursive: {}", cycle.join(" -> ")),
        ));
    }
    out
}

/// Every name of a ref, `None` for an index that is not a string literal
/// (`data.t[x].deny` → `[data, t, None, deny]`).
fn segments(e: &Expr) -> Vec<Option<&str>> {
    let mut rev = Vec::new();
    let mut cur = e;
    loop {
        match cur {
            Expr::Var { span, .. } => {
                rev.push(Some(span.text()));
                break;
            }
            Expr::RefDot { refr, field, .. } => {
                rev.push(Some(field.0.text()));
                cur = refr;
            }
            Expr::RefBrack { refr, index, .. } => {
                rev.push(match &**index {
                    Expr::String { span, .. } | Expr::RawString { span, .. } => {
                        Some(span.text().trim_matches(|c| c == '"' || c == '`'))
                    }
                    _ => None,
                });
                cur = refr;
            }
            _ => break,
        }
    }
    rev.reverse();
    rev
}

/// `node -> ... -> node`, the shortest way back, if there is one.
fn shortest_cycle<'a>(
    edges: &HashMap<&'a str, BTreeSet<&'a str>>,
    node: &'a str,
) -> Option<Vec<&'a str>> {
    let mut prev: HashMap<&str, &str> = HashMap::new();
    let mut queue = VecDeque::new();
    for &n in edges.get(node)? {
        if n == node {
            return Some(vec![node, node]);
        }
        if !prev.contains_key(n) {
            prev.insert(n, node);
            queue.push_back(n);
        }
    }
    while let Some(cur) = queue.pop_front() {
        for &n in edges.get(cur).into_iter().flatten() {
            if n == node {
                let mut back = vec![cur];
                let mut at = cur;
                while let Some(&p) = prev.get(at) {
                    if p == node {
                        break;
                    }
                    back.push(p);
                    at = p;
                }
                back.reverse();
                let mut fwd = vec![node];
                fwd.extend(back);
                fwd.push(node);
                return Some(fwd);
            }
            if !prev.contains_key(n) {
                prev.insert(n, cur);
                queue.push_back(n);
            }
        }
    }
    None
}
