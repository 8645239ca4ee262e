//! Function calls: undefined functions, arity, argument kinds OPA's type checker decides from
//! constants and builtin results, and builtins that are refused or deprecated.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};

use regorus::unstable::{BoolOp, Expr, Literal, Rule};

use super::opa_builtins::{BUILTINS, DEPRECATED};
use super::safety::declaration_counts;
use super::{dotted, is_colon_eq, walk_rule, ModInfo, Pos, Program, Refusal, REFUSED_BUILTINS};

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
    is_local: &dyn Fn(&str) -> bool,
) -> Callee<'p> {
    let Some(first) = names.first() else {
        return Callee::Unknown;
    };
    let via_data_or_alias = *first == "data" || *first == "input" || m.aliases.contains_key(*first);
    // `x.f(1)` with a local `x` is no package or builtin name (a bare name is never a local).
    if names.len() > 1 && !via_data_or_alias && is_local(first) {
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
        // Under a rule's value (`r.no_such_fn(1)` with `import data.q.r`) there is no
        // function: OPA's `undefined function data.q.r.no_such_fn`.
        let under_rule = prog.decls.iter().any(|d| {
            path.strip_prefix(d.path.as_str())
                .is_some_and(|r| r.starts_with('.'))
        });
        if path.starts_with("input") || (prog.touches_rules(&path) && !under_rule) {
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
fn locals_of(rule: &Rule) -> HashSet<&str> {
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

/// The refusals about calls, per stage; every call is resolved once for all of them.
#[derive(Default)]
pub(crate) struct Findings {
    /// Undefined functions and wrong arities (one OPA stage).
    undefined: Vec<Refusal>,
    kinds: Vec<Refusal>,
    refused: Vec<Refusal>,
    deprecated: Vec<Refusal>,
}

pub(crate) fn analyze(prog: &Program) -> Findings {
    let mut out = Findings::default();
    for m in prog.mods {
        for rule in &m.module.policy {
            let locals = OnceCell::new();
            let is_local = |name: &str| locals.get_or_init(|| locals_of(rule)).contains(name);
            let consts = OnceCell::new();
            let var_kinds = |name: &str| {
                consts
                    .get_or_init(|| constant_vars(prog, m, rule, &is_local))
                    .get(name)
                    .copied()
            };
            walk_rule(rule, &mut |e, pos| {
                // OPA's compiler writes `a == b` as the unification `a = b` before its type
                // check, which refuses sides of kinds that cannot be equal (`count(xs) == "a"`).
                let sides = match e {
                    Expr::BoolExpr {
                        op: BoolOp::Eq,
                        lhs,
                        rhs,
                        ..
                    } => Some((lhs, rhs)),
                    Expr::AssignExpr { op, lhs, rhs, .. } if !is_colon_eq(op) => Some((lhs, rhs)),
                    Expr::Call { fcn, params, .. }
                        if params.len() == 2
                            && dotted(fcn).is_some_and(|n| {
                                n == ["equal"]
                                    && matches!(callee(prog, m, &n, &is_local), Callee::Builtin(_))
                            }) =>
                    {
                        Some((&params[0], &params[1]))
                    }
                    _ => None,
                };
                if let Some((lhs, rhs)) = sides {
                    let kind = |x: &Expr| kinds(prog, m, x, &is_local, &var_kinds);
                    if let (Some(l), Some(r)) = (kind(lhs), kind(rhs)) {
                        if !l.chars().any(|c| r.contains(c)) {
                            out.kinds.push(m.refusal(
                                e.span(),
                                "rego_type_error",
                                "match error".into(),
                            ));
                        }
                    }
                    return;
                }
                let Expr::Call { fcn, params, .. } = e else {
                    return;
                };
                let Some(names) = dotted(fcn) else {
                    return;
                };
                // regorus reads `data.x.y` at a line's end and `(...)` on the next line as a
                // call; OPA reads two expressions. Not a call we can judge.
                let after_name = e.span().text().get(fcn.span().text().len()..).unwrap_or("");
                if after_name
                    .split('(')
                    .next()
                    .is_some_and(|gap| gap.contains('\n'))
                {
                    return;
                }
                // Refusals point at the function's name, where OPA points.
                let at = fcn.span();
                let k = params.len();
                let fits = |n: usize| k == n || (pos == Pos::Statement && k == n + 1);
                let (name, args, result, flags) = match callee(prog, m, &names, &is_local) {
                    Callee::Undefined => {
                        let msg = format!("undefined function {}", at.text());
                        out.undefined.push(m.refusal(at, "rego_type_error", msg));
                        return;
                    }
                    Callee::User(path, arities) => {
                        if !arities.iter().any(|&n| fits(n)) {
                            let msg = format!(
                                "function {path} has arity {}, got {k} arguments",
                                arities[0]
                            );
                            out.undefined.push(m.refusal(at, "rego_type_error", msg));
                        }
                        return;
                    }
                    Callee::Unknown => return,
                    Callee::Builtin(&(name, args, result, flags)) => (name, args, result, flags),
                };
                if args == "..." {
                    // Variadic: any number of arguments of any kind.
                } else if !fits(arity(args)) {
                    let msg = format!("{name}: arity mismatch");
                    out.undefined.push(m.refusal(at, "rego_type_error", msg));
                    return;
                } else {
                    // An output argument (`count(xs, "a")`) must fit the result's kind. Only
                    // its own form counts: a variable of that name may be a comprehension's.
                    let n = arity(args);
                    let output = (params.len() > n && !result.is_empty()).then_some(result);
                    let wants = args.split(',').filter(|w| !w.is_empty()).chain(output);
                    let bad = wants.zip(params.iter()).enumerate().any(|(i, (w, p))| {
                        let vars: &dyn Fn(&str) -> Option<&'static str> =
                            if i < n { &var_kinds } else { &|_| None };
                        w != "*"
                            && kinds(prog, m, p, &is_local, vars)
                                .is_some_and(|have| !have.chars().any(|c| w.contains(c)))
                    });
                    if bad {
                        let msg = format!("{name}: invalid argument(s)");
                        out.kinds.push(m.refusal(at, "rego_type_error", msg));
                    }
                }
                if let Some((_, why)) = REFUSED_BUILTINS.iter().find(|(n, _)| *n == name) {
                    let msg = format!(
                        "unsafe built-in function calls in expression: {name} \
                         (not evaluated here: {why})"
                    );
                    out.refused.push(m.refusal(at, "rego_type_error", msg));
                }
                if flags & DEPRECATED != 0 {
                    let msg = format!("deprecated built-in function calls in expression: {name}");
                    out.deprecated.push(m.refusal(at, "rego_type_error", msg));
                }
            });
        }
    }
    out
}

fn arity(args: &str) -> usize {
    if args.is_empty() {
        0
    } else {
        args.split(',').count()
    }
}

/// `undefined function NAME`, and calls with the wrong number of arguments (OPA checks both in
/// one stage, before safety and recursion). At a body literal's top a call may take one more
/// argument: its output.
pub(crate) fn undefined_functions(prog: &Program) -> Vec<Refusal> {
    prog.calls().undefined.clone()
}

/// Arguments of a kind the builtin does not take (`count(5)`), as far as constants and builtin
/// results tell.
pub(crate) fn types(prog: &Program) -> Vec<Refusal> {
    prog.calls().kinds.clone()
}

/// Builtins listed in `REFUSED_BUILTINS`, refused as OPA refuses one its capabilities lack.
pub(crate) fn refused_builtins(prog: &Program) -> Vec<Refusal> {
    prog.calls().refused.clone()
}

/// `deprecated built-in function calls in expression: NAME` (refused in rego.v1).
pub(crate) fn deprecated_builtins(prog: &Program) -> Vec<Refusal> {
    prog.calls().deprecated.clone()
}

/// The kinds an expression certainly has (see `opa_builtins` for the letters), when OPA's type
/// checker knows them without variable types: constants, collections, builtin results.
fn kinds(
    prog: &Program,
    m: &ModInfo,
    e: &Expr,
    is_local: &dyn Fn(&str) -> bool,
    var_kinds: &dyn Fn(&str) -> Option<&'static str>,
) -> Option<&'static str> {
    match e {
        Expr::Var { span, .. } => var_kinds(span.text()),
        Expr::String { .. } | Expr::RawString { .. } => Some("s"),
        Expr::Number { .. } => Some("n"),
        Expr::Bool { .. } => Some("b"),
        Expr::Null { .. } => Some("z"),
        Expr::Array { .. } | Expr::ArrayCompr { .. } => Some("a"),
        Expr::Set { .. } | Expr::SetCompr { .. } => Some("S"),
        Expr::Object { .. } | Expr::ObjectCompr { .. } => Some("o"),
        Expr::Call { fcn, params, .. } => {
            let names = dotted(fcn)?;
            match callee(prog, m, &names, is_local) {
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

/// Variables of a rule assigned once, at the top of one of its bodies, a value of known kind
/// (`n := 5`): OPA's type checker carries that kind to their uses (`count(n)` is refused).
/// A name declared anywhere else in the rule (an argument, `some`, a comprehension) is left out.
fn constant_vars<'a>(
    prog: &Program,
    m: &ModInfo,
    rule: &'a Rule,
    is_local: &dyn Fn(&str) -> bool,
) -> HashMap<&'a str, &'static str> {
    let mut out = HashMap::new();
    let Rule::Spec { bodies, .. } = rule else {
        return out;
    };
    let counts = declaration_counts(rule);
    // With several bodies (`else`), a name declared once in the whole rule belongs to one body;
    // a rule of the package with that name could be what another body means, so leave those out.
    let globals = prog.rule_names.get(&m.package);
    let is_global = |name: &str| bodies.len() > 1 && globals.is_some_and(|g| g.contains(name));
    for stmt in bodies.iter().flat_map(|b| &b.query.stmts) {
        let Literal::Expr { expr, .. } = &stmt.literal else {
            continue;
        };
        let Expr::AssignExpr { op, lhs, rhs, .. } = &**expr else {
            continue;
        };
        let Expr::Var { span, .. } = &**lhs else {
            continue;
        };
        let name = span.text();
        if !is_colon_eq(op)
            || !stmt.with_mods.is_empty()
            || counts.get(name) != Some(&1)
            || is_global(name)
        {
            continue;
        }
        if let Some(k) = kinds(prog, m, rhs, is_local, &|_| None) {
            out.insert(name, k);
        }
    }
    out
}
