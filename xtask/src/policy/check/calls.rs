//! Function calls: undefined functions, arity, argument kinds OPA's type checker decides from
//! constants and builtin results, and builtins that are refused or deprecated.

use std::collections::HashSet;

use regorus::unstable::{Expr, Rule};

use super::opa_builtins::{BUILTINS, DEPRECATED};
use super::{dotted, walk_rule, ModInfo, Pos, Program, Refusal, REFUSED_BUILTINS};

/// One row of the builtin table: name, argument kinds, result kind, flags.
pub(crate) type Builtin = (&'static str, &'static str, &'static str, u8);

pub(crate) fn builtin(name: &str) -> Option<&'static Builtin> {
    BUILTINS
        .binary_search_by(|b| b.0.cmp(name))
        .ok()
        .map(|i| &BUILTINS[i])
}

/// What a call's name stands for.
pub(crate) enum Callee<'p> {
    Builtin(&'static Builtin),
    /// A function of the tree: its full path and declared arities.
    User(String, &'p [usize]),
    /// Neither: OPA refuses it.
    Undefined,
    /// Something this analysis does not decide (a local variable, a non-function rule, ...).
    Unknown,
}

pub(crate) fn callee<'p>(
    prog: &'p Program,
    m: &ModInfo,
    names: &[&str],
    locals: &HashSet<&str>,
) -> Callee<'p> {
    let Some(first) = names.first() else {
        return Callee::Unknown;
    };
    let via_data_or_alias = *first == "data" || *first == "input" || m.aliases.contains_key(*first);
    if locals.contains(first) && !via_data_or_alias {
        return Callee::Unknown;
    }
    let joined = names.join(".");
    if let Some(path) = prog.resolve(m, names) {
        if let Some(arities) = prog.functions.get(&path) {
            return Callee::User(path, arities);
        }
        if !via_data_or_alias {
            // A rule named like a builtin's namespace: leave it to OPA's finer resolution.
            return match builtin(&joined) {
                Some(b) => Callee::Builtin(b),
                None => Callee::Unknown,
            };
        }
        if path.starts_with("input") || prog.touches_rules(&path) {
            return Callee::Unknown;
        }
        return Callee::Undefined;
    }
    match builtin(&joined) {
        Some(b) => Callee::Builtin(b),
        None => Callee::Undefined,
    }
}

/// Names a rule uses as plain variables anywhere (not as a call's name): a call through one of
/// them is not a package or builtin name.
pub(crate) fn locals_of(rule: &Rule) -> HashSet<&str> {
    let mut heads = HashSet::new();
    walk_rule(rule, &mut |e, _| {
        if let Expr::Call { fcn, .. } = e {
            if let Some(Expr::Var { span, .. }) = root(fcn) {
                heads.insert(span.start);
            }
        }
    });
    let mut out = HashSet::new();
    walk_rule(rule, &mut |e, _| {
        if let Expr::Var { span, .. } = e {
            if !heads.contains(&span.start) {
                out.insert(span.text());
            }
        }
    });
    out
}

fn root(e: &Expr) -> Option<&Expr> {
    match e {
        Expr::Var { .. } => Some(e),
        Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } => root(refr),
        _ => None,
    }
}

/// One call of the tree, resolved.
struct Site<'a, 'p> {
    m: &'a ModInfo,
    /// The function's name as an expression (where refusals point).
    fcn: &'a Expr,
    params: usize,
    callee: Callee<'p>,
    /// The name as written: `lib.f`.
    written: &'a str,
    pos: Pos,
}

/// Every call of the tree, resolved.
fn for_each_call<'p>(prog: &'p Program, f: &mut dyn FnMut(Site<'_, 'p>)) {
    for m in prog.mods {
        for rule in &m.module.policy {
            let locals = locals_of(rule);
            walk_rule(rule, &mut |e, pos| {
                let Expr::Call { fcn, params, .. } = e else {
                    return;
                };
                let Some(names) = dotted(fcn) else {
                    return;
                };
                // Refusals point at the function's name, where OPA points.
                f(Site {
                    m,
                    fcn,
                    params: params.len(),
                    callee: callee(prog, m, &names, &locals),
                    written: fcn.span().text(),
                    pos,
                });
            });
        }
    }
}

/// `undefined function NAME`, and calls with the wrong number of arguments (OPA checks both in
/// one stage, before safety and recursion). At a body literal's top a call may take one more
/// argument: its output.
pub(crate) fn undefined_functions(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for_each_call(prog, &mut |site| {
        let k = site.params;
        let fits = |n: usize| k == n || (site.pos == Pos::Statement && k == n + 1);
        let msg = match site.callee {
            Callee::Undefined => format!("undefined function {}", site.written),
            Callee::Builtin(&(name, args, _, _)) if args != "..." && !fits(arity(args)) => {
                format!("{name}: arity mismatch")
            }
            Callee::User(path, arities) if !arities.iter().any(|&n| fits(n)) => {
                format!(
                    "function {path} has arity {}, got {k} arguments",
                    arities[0]
                )
            }
            _ => return,
        };
        out.push(site.m.refusal(site.fcn.span(), "rego_type_error", msg));
    });
    out
}

fn arity(args: &str) -> usize {
    if args.is_empty() {
        0
    } else {
        args.split(',').count()
    }
}

/// Arguments of a kind the builtin does not take (`count(5)`), as far as constants and builtin
/// results tell.
pub(crate) fn types(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for m in prog.mods {
        for rule in &m.module.policy {
            let locals = locals_of(rule);
            walk_rule(rule, &mut |e, _| {
                let Expr::Call { fcn, params, .. } = e else {
                    return;
                };
                let Some(names) = dotted(fcn) else {
                    return;
                };
                let Callee::Builtin(&(name, args, _, _)) = callee(prog, m, &names, &locals) else {
                    return;
                };
                if args == "..." {
                    return;
                }
                let bad = args.split(',').zip(params.iter()).any(|(w, p)| {
                    w != "*"
                        && kinds(prog, m, p, &locals)
                            .is_some_and(|have| !have.chars().any(|c| w.contains(c)))
                });
                if bad {
                    out.push(m.refusal(
                        fcn.span(),
                        "rego_type_error",
                        format!("{name}: invalid argument(s)"),
                    ));
                }
            });
        }
    }
    out
}

/// The kinds an expression certainly has (see `opa_builtins` for the letters), when OPA's type
/// checker knows them without variable types: constants, collections, builtin results.
fn kinds(prog: &Program, m: &ModInfo, e: &Expr, locals: &HashSet<&str>) -> Option<&'static str> {
    match e {
        Expr::String { .. } | Expr::RawString { .. } => Some("s"),
        Expr::Number { .. } => Some("n"),
        Expr::Bool { .. } => Some("b"),
        Expr::Null { .. } => Some("z"),
        Expr::Array { .. } | Expr::ArrayCompr { .. } => Some("a"),
        Expr::Set { .. } | Expr::SetCompr { .. } => Some("S"),
        Expr::Object { .. } | Expr::ObjectCompr { .. } => Some("o"),
        Expr::Call { fcn, params, .. } => {
            let names = dotted(fcn)?;
            match callee(prog, m, &names, locals) {
                Callee::Builtin(&(_, args, result, _)) => (args != "..."
                    && arity(args) == params.len()
                    && !result.is_empty()
                    && result != "*")
                    .then_some(result),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Builtins listed in `REFUSED_BUILTINS`, refused as OPA refuses one its capabilities lack.
pub(crate) fn refused_builtins(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for_each_call(prog, &mut |site| {
        if let Callee::Builtin(&(name, ..)) = site.callee {
            if let Some((_, why)) = REFUSED_BUILTINS.iter().find(|(n, _)| *n == name) {
                out.push(site.m.refusal(
                    site.fcn.span(),
                    "rego_type_error",
                    format!(
                        "unsafe built-in function calls in expression: {name} \
                         (not evaluated here: {why})"
                    ),
                ));
            }
        }
    });
    out
}

/// `deprecated built-in function calls in expression: NAME` (refused in rego.v1).
pub(crate) fn deprecated_builtins(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for_each_call(prog, &mut |site| {
        if let Callee::Builtin(&(name, _, _, flags)) = site.callee {
            if flags & DEPRECATED != 0 {
                out.push(site.m.refusal(
                    site.fcn.span(),
                    "rego_type_error",
                    format!("deprecated built-in function calls in expression: {name}"),
                ));
            }
        }
    });
    out
}
