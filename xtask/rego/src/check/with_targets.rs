//! `with` targets: OPA's compiler refuses the tree when one names neither `input`, `data` (by
//! an import alias or a rule of the package too) nor a function or builtin (`with custom.lookup
//! as "m"`: `with keyword target must reference existing input, data, or a function`).

use regorus::unstable::{Expr, Literal, Query, Rule};

use super::calls::builtin;
use super::{dotted, walk_rule, ModInfo, Program, Refusal};

pub(crate) fn unknown_targets(prog: &Program) -> Vec<Refusal> {
    let mut out: Vec<Refusal> = Vec::new();
    for m in prog.mods {
        for rule in &m.module.policy {
            let Rule::Spec { bodies, .. } = &**rule else {
                continue;
            };
            for b in bodies {
                query(prog, m, &b.query, &mut out);
            }
            walk_rule(rule, &mut |e, _| match e {
                Expr::ArrayCompr { query: q, .. }
                | Expr::SetCompr { query: q, .. }
                | Expr::ObjectCompr { query: q, .. } => query(prog, m, q, &mut out),
                _ => {}
            });
        }
    }
    out.sort_by_key(|r| (r.file.clone(), r.line, r.col));
    out.dedup();
    out
}

fn query(prog: &Program, m: &ModInfo, q: &Query, out: &mut Vec<Refusal>) {
    for stmt in &q.stmts {
        if let Literal::Every { query: inner, .. } = &stmt.literal {
            query(prog, m, inner, out);
        }
        for w in &stmt.with_mods {
            // Only dotted names are judged; anything else is left to the engine.
            let Some(names) = dotted(&w.refr) else {
                continue;
            };
            let known = prog.resolve(m, &names).is_some() || builtin(&names.join(".")).is_some();
            if !known {
                let msg = "with keyword target must reference existing input, data, or a function";
                out.push(m.refusal(w.refr.span(), "rego_type_error", msg.to_string()));
            }
        }
    }
}

/// The resolved `data` paths of `q`'s `with` targets (`every` bodies too): OPA's recursion
/// check counts each as a read of the rules at or under it (`check/recursion.rs`).
pub(crate) fn data_targets(prog: &Program, m: &ModInfo, q: &Query, out: &mut Vec<String>) {
    for stmt in &q.stmts {
        if let Literal::Every { query: inner, .. } = &stmt.literal {
            data_targets(prog, m, inner, out);
        }
        for w in &stmt.with_mods {
            let full = dotted(&w.refr).and_then(|names| prog.resolve(m, &names));
            out.extend(full.filter(|f| f == "data" || f.starts_with("data.")));
        }
    }
}
