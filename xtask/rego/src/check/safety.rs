//! Unsafe variables: a variable a body uses but nothing in its scope can bind
//! (`rego_unsafe_var_error: var x is unsafe`).
//!
//! Deliberately coarser than OPA's ordering-aware analysis: a variable counts as bound when any
//! literal of its scope could bind it (a `:=`/`=` side, a ref index, `some ... in`, a call's
//! output argument), so a cycle OPA refuses may pass here, but nothing OPA accepts is refused.

use std::collections::{HashMap, HashSet};

use regorus::unstable::{Expr, Literal, LiteralStmt, Query, Rule, RuleHead, Span};

use super::{is_colon_eq, ModInfo, Program, Refusal};

pub(crate) fn unsafe_vars(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for m in prog.mods {
        for rule in &m.module.policy {
            let Rule::Spec { head, bodies, .. } = &**rule else {
                continue;
            };
            let mut c = Checker {
                rules: prog.rule_names.get(&m.package),
                m,
                out: Vec::new(),
                reported: HashSet::new(),
            };
            let mut args = HashSet::new();
            // Head parts each body must bind: ref-head indexes, set keys, values.
            let mut value: Option<&Expr> = None;
            let mut key: Option<&Expr> = None;
            let refr = match head {
                RuleHead::Compr { refr, assign, .. } => {
                    value = assign.as_ref().map(|a| &*a.value);
                    refr
                }
                RuleHead::Set { refr, key: k, .. } => {
                    key = k.as_deref();
                    refr
                }
                RuleHead::Func {
                    refr,
                    args: a,
                    assign,
                    ..
                } => {
                    for arg in a {
                        all_vars(arg, &mut args);
                    }
                    value = assign.as_ref().map(|a| &*a.value);
                    refr
                }
            };
            if bodies.is_empty() {
                c.head_uses(refr, &args);
                for e in key.into_iter().chain(value) {
                    c.uses(e, &args);
                }
            }
            for body in bodies {
                let visible = c.query(&body.query, &args);
                c.head_uses(refr, &visible);
                if let Some(k) = key {
                    c.uses(k, &visible);
                }
                let v = match &body.assign {
                    Some(a) => Some(&*a.value),
                    None if !body.is_else => value,
                    None => None,
                };
                if let Some(v) = v {
                    c.uses(v, &visible);
                }
            }
            out.extend(c.out);
        }
    }
    out
}

struct Checker<'a> {
    /// The first names of the package's rules.
    rules: Option<&'a HashSet<String>>,
    m: &'a ModInfo,
    out: Vec<Refusal>,
    reported: HashSet<&'a str>,
}

impl<'a> Checker<'a> {
    fn global(&self, name: &str) -> bool {
        name == "_"
            || name == "input"
            || name == "data"
            || self.m.aliases.contains_key(name)
            || self.rules.is_some_and(|r| r.contains(name))
    }

    fn report(&mut self, span: &Span, name: &'a str) {
        if self.reported.insert(name) {
            self.out.push(self.m.refusal(
                span,
                "rego_unsafe_var_error",
                format!("var {name} is unsafe"),
            ));
        }
    }

    /// Checks a query; returns the names visible in it (outer ones and those it can bind).
    fn query(&mut self, q: &'a Query, outer: &HashSet<&'a str>) -> HashSet<&'a str> {
        let mut visible = outer.clone();
        for s in &q.stmts {
            bindings(s, &mut visible);
        }
        for s in &q.stmts {
            self.stmt(s, &visible);
        }
        visible
    }

    fn stmt(&mut self, s: &'a LiteralStmt, visible: &HashSet<&'a str>) {
        match &s.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    self.uses(k, visible);
                }
                self.uses(value, visible);
                self.uses(collection, visible);
            }
            Literal::Expr { expr, .. } => self.uses(expr, visible),
            Literal::NotExpr { expr, .. } => {
                // A `_` in the negated expression's own operands is a variable nothing binds
                // (`not input.m[_]`, `not f(input.m[_])`); inside a nested call it is bound by
                // the literal OPA moves that call into (`not count(input.m[_]) == 1`).
                if let Some(span) = top_operands(expr).into_iter().find_map(top_wildcard) {
                    self.report(span, "_");
                }
                self.uses(expr, visible)
            }
            Literal::Every {
                key,
                value,
                domain,
                query,
                ..
            } => {
                self.uses(domain, visible);
                let mut inner = visible.clone();
                inner.insert(value.text());
                if let Some(k) = key {
                    inner.insert(k.text());
                }
                self.query(query, &inner);
            }
        }
        for w in &s.with_mods {
            // `with f as count`: a plain name may stand for a function or builtin, not a value.
            if super::dotted(&w.r#as).is_none() {
                self.uses(&w.r#as, visible);
            }
        }
    }

    /// Head parts: only the variables of ref-head indexes and set keys/values are uses.
    fn head_uses(&mut self, e: &'a Expr, visible: &HashSet<&'a str>) {
        match e {
            Expr::Var { .. } | Expr::RefDot { .. } => {
                if let Expr::RefDot { refr, .. } = e {
                    self.head_uses(refr, visible);
                }
            }
            Expr::RefBrack { refr, index, .. } => {
                self.head_uses(refr, visible);
                self.uses(index, visible);
            }
            other => self.uses(other, visible),
        }
    }

    fn uses(&mut self, e: &'a Expr, visible: &HashSet<&'a str>) {
        match e {
            Expr::Var { span, .. } => {
                let name = span.text();
                if !visible.contains(name) && !self.global(name) {
                    self.report(span, name);
                }
            }
            Expr::String { .. }
            | Expr::RawString { .. }
            | Expr::Number { .. }
            | Expr::Bool { .. }
            | Expr::Null { .. } => {}
            Expr::Array { items, .. } | Expr::Set { items, .. } => {
                for i in items {
                    self.uses(i, visible);
                }
            }
            Expr::Object { fields, .. } => {
                for (_, k, v) in fields {
                    self.uses(k, visible);
                    self.uses(v, visible);
                }
            }
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                let inner = self.query(query, visible);
                self.uses(term, &inner);
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                let inner = self.query(query, visible);
                self.uses(key, &inner);
                self.uses(value, &inner);
            }
            // The function's name is not a variable.
            Expr::Call { params, .. } => {
                for p in params {
                    self.uses(p, visible);
                }
            }
            Expr::UnaryExpr { expr, .. } => self.uses(expr, visible),
            Expr::RefDot { refr, .. } => self.uses(refr, visible),
            Expr::RefBrack { refr, index, .. } => {
                self.uses(refr, visible);
                self.uses(index, visible);
            }
            Expr::BinExpr { lhs, rhs, .. }
            | Expr::BoolExpr { lhs, rhs, .. }
            | Expr::ArithExpr { lhs, rhs, .. }
            | Expr::AssignExpr { lhs, rhs, .. } => {
                self.uses(lhs, visible);
                self.uses(rhs, visible);
            }
            Expr::Membership {
                key,
                value,
                collection,
                ..
            } => {
                if let Some(k) = key {
                    self.uses(k, visible);
                }
                self.uses(value, visible);
                self.uses(collection, visible);
            }
        }
    }
}

/// Every name a rule declares anywhere (arguments, `:=`, `some`, `every`, also in comprehension
/// bodies): a name that may shadow a rule of the package.
pub(crate) fn bound_in_rule(rule: &Rule) -> HashSet<&str> {
    let mut out = HashSet::new();
    declarations(rule, &mut out);
    out
}

/// How many times a rule declares each name (a name declared once has one meaning throughout).
pub(crate) fn declaration_counts(rule: &Rule) -> HashMap<&str, usize> {
    struct Counts<'a>(HashMap<&'a str, usize>);
    impl<'a> Extend<&'a str> for Counts<'a> {
        fn extend<I: IntoIterator<Item = &'a str>>(&mut self, names: I) {
            for n in names {
                *self.0.entry(n).or_default() += 1;
            }
        }
    }
    let mut out = Counts(HashMap::new());
    declarations(rule, &mut out);
    out.0
}

fn declarations<'a>(rule: &'a Rule, out: &mut impl Extend<&'a str>) {
    match rule {
        Rule::Spec { head, bodies, .. } => {
            if let RuleHead::Func { args, .. } = head {
                for a in args {
                    all_vars(a, out);
                }
            }
            for b in bodies {
                query_bound(&b.query, out);
            }
        }
        Rule::Default { args, .. } => {
            for a in args {
                all_vars(a, out);
            }
        }
    }
    super::walk_rule(rule, &mut |e, _| match e {
        Expr::ArrayCompr { query, .. }
        | Expr::SetCompr { query, .. }
        | Expr::ObjectCompr { query, .. } => query_bound(query, out),
        _ => {}
    });
}

fn query_bound<'a>(q: &'a Query, out: &mut impl Extend<&'a str>) {
    for s in &q.stmts {
        match &s.literal {
            // Only `:=` declares a local; `=` with a rule's name compares with the rule.
            Literal::Expr { expr, .. } => {
                if let Expr::AssignExpr { op, lhs, .. } = &**expr {
                    if is_colon_eq(op) {
                        all_vars(lhs, out);
                    }
                }
            }
            Literal::SomeIn { key, value, .. } => {
                if let Some(k) = key {
                    all_vars(k, out);
                }
                all_vars(value, out);
            }
            Literal::SomeVars { vars, .. } => {
                out.extend(vars.iter().map(|v| v.text()));
            }
            Literal::Every {
                key, value, query, ..
            } => {
                out.extend([value.text()]);
                out.extend(key.as_ref().map(|k| k.text()));
                query_bound(query, out);
            }
            _ => {}
        }
    }
}

/// Every name a literal could bind (under `not`, only the indices of nested calls' references).
fn bindings<'a>(s: &'a LiteralStmt, out: &mut HashSet<&'a str>) {
    match &s.literal {
        Literal::SomeVars { .. } => {}
        // OPA moves a call nested in the negated expression's operands out of the negation into
        // a literal of its own (`not g(input.m[x]) == 1`), whose references bind their indices
        // for the whole body.
        Literal::NotExpr { expr, .. } => {
            for o in top_operands(expr) {
                visit(o, &mut |e| {
                    if is_call(e) {
                        index_vars(e, out);
                    }
                });
            }
        }
        Literal::SomeIn {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(k) = key {
                all_vars(k, out);
            }
            all_vars(value, out);
            index_vars(collection, out);
        }
        Literal::Expr { expr, .. } => match &**expr {
            Expr::AssignExpr { op, lhs, rhs, .. } => {
                all_vars(lhs, out);
                if is_colon_eq(op) {
                    index_vars(rhs, out);
                } else {
                    all_vars(rhs, out);
                }
            }
            Expr::Call { fcn, params, .. } => {
                if let Some(last) = params.last() {
                    all_vars(last, out);
                }
                // `eq(x, 1)` and `assign(x, 1)` are `x = 1` and `x := 1`.
                if matches!(fcn.span().text(), "eq" | "assign") {
                    params.iter().for_each(|p| all_vars(p, out));
                }
                for p in params {
                    index_vars(p, out);
                }
            }
            other => index_vars(other, out),
        },
        Literal::Every { domain, .. } => index_vars(domain, out),
    }
}

/// Every variable in an expression, not inside comprehensions (their own scope).
fn all_vars<'a>(e: &'a Expr, out: &mut impl Extend<&'a str>) {
    visit(e, &mut |e| {
        if let Expr::Var { span, .. } = e {
            out.extend([span.text()]);
        }
    });
}

/// Variables in the index of a ref (`input.x[i]` binds `i` by iteration).
fn index_vars<'a>(e: &'a Expr, out: &mut HashSet<&'a str>) {
    visit(e, &mut |e| {
        if let Expr::RefBrack { index, .. } = e {
            all_vars(index, out);
        }
    });
}

/// The operands of a negated expression: a call's arguments, an operator's sides, or the
/// expression itself (a reference).
fn top_operands(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Call { params, .. } => params.iter().map(|p| &**p).collect(),
        Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::BinExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => vec![&**lhs, &**rhs],
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => key
            .iter()
            .map(|k| &**k)
            .chain([&**value, &**collection])
            .collect(),
        Expr::UnaryExpr { expr, .. } => vec![&**expr],
        e => vec![e],
    }
}

fn is_call(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Call { .. }
            | Expr::BoolExpr { .. }
            | Expr::ArithExpr { .. }
            | Expr::BinExpr { .. }
            | Expr::Membership { .. }
            | Expr::UnaryExpr { .. }
    )
}

/// A `_` in an operand outside nested calls and comprehensions.
fn top_wildcard(e: &Expr) -> Option<&Span> {
    match e {
        Expr::Var { span, .. } if span.text() == "_" => Some(span),
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            items.iter().find_map(|i| top_wildcard(i))
        }
        Expr::Object { fields, .. } => fields
            .iter()
            .find_map(|(_, k, v)| top_wildcard(k).or_else(|| top_wildcard(v))),
        Expr::RefDot { refr, .. } => top_wildcard(refr),
        Expr::RefBrack { refr, index, .. } => top_wildcard(refr).or_else(|| top_wildcard(index)),
        _ => None,
    }
}

/// Pre-order over an expression without entering comprehensions or call names.
fn visit<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for i in items {
                visit(i, f);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                visit(k, f);
                visit(v, f);
            }
        }
        Expr::Call { params, .. } => {
            for p in params {
                visit(p, f);
            }
        }
        Expr::UnaryExpr { expr, .. } => visit(expr, f),
        Expr::RefDot { refr, .. } => visit(refr, f),
        Expr::RefBrack { refr, index, .. } => {
            visit(refr, f);
            visit(index, f);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            visit(lhs, f);
            visit(rhs, f);
        }
        Expr::Membership {
            key,
            value,
            collection,
            ..
        } => {
            if let Some(k) = key {
                visit(k, f);
            }
            visit(value, f);
            visit(collection, f);
        }
        _ => {}
    }
}

/// OPA's local-variable rewriting refuses a name declared twice in one scope:
/// `var x assigned above` (`:=` twice), `var x declared above` (`some x` then `x :=`), and
/// `arg x redeclared` (`x :=` over a function argument); and `not x := 1`. Nested comprehension and `every`
/// bodies are scopes of their own, where an outer name may be declared again.
pub(crate) fn redeclared_vars(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for m in prog.mods {
        for rule in &m.module.policy {
            let Rule::Spec { head, bodies, .. } = &**rule else {
                continue;
            };
            let mut args = HashSet::new();
            if let RuleHead::Func { args: a, .. } = head {
                for arg in a {
                    all_vars(arg, &mut args);
                }
            }
            // Names the head uses count as uses of a body's `some` (conservatively).
            let mut head_names = HashSet::new();
            let head_exprs: Vec<&Expr> = match head {
                RuleHead::Compr { refr, assign, .. } => {
                    let mut v = vec![&**refr];
                    v.extend(assign.as_ref().map(|a| &*a.value));
                    v
                }
                RuleHead::Set { refr, key, .. } => {
                    let mut v = vec![&**refr];
                    v.extend(key.as_deref());
                    v
                }
                RuleHead::Func { refr, assign, .. } => {
                    let mut v = vec![&**refr];
                    v.extend(assign.as_ref().map(|a| &*a.value));
                    v
                }
            };
            for e in head_exprs.into_iter().chain(
                bodies
                    .iter()
                    .filter_map(|b| b.assign.as_ref().map(|a| &*a.value)),
            ) {
                super::walk_expr(e, super::Pos::Term, &mut |e, _| {
                    if let Expr::Var { span, .. } = e {
                        head_names.insert(span.text());
                    }
                });
            }
            for b in bodies {
                scope(m, &b.query, &args, &head_names, &mut out);
            }
            let none = HashSet::new();
            super::walk_rule(rule, &mut |e, _| match e {
                Expr::ArrayCompr { query, .. }
                | Expr::SetCompr { query, .. }
                | Expr::ObjectCompr { query, .. } => scope(m, query, &none, &head_names, &mut out),
                _ => {}
            });
        }
    }
    out
}

/// The names literal `s` uses (not those its `:=` or `some` declares), outside comprehensions and
/// `every` bodies.
fn literal_uses<'a>(s: &'a LiteralStmt, out: &mut Vec<&'a str>) {
    // `x.f(1)`: a local `x` declared later in the body is used here too.
    if let Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } = &s.literal {
        visit(expr, &mut |e| {
            if let Expr::Call { fcn, .. } = e {
                if let Some(names) = super::dotted(fcn).filter(|n| n.len() > 1) {
                    out.push(names[0]);
                }
            }
        });
    }
    match &s.literal {
        Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => match &**expr {
            Expr::AssignExpr { op, rhs, .. } if is_colon_eq(op) => all_vars(rhs, out),
            e => all_vars(e, out),
        },
        Literal::SomeIn { collection, .. } => all_vars(collection, out),
        Literal::Every { domain, .. } => all_vars(domain, out),
        Literal::SomeVars { .. } => {}
    }
    for w in &s.with_mods {
        all_vars(&w.r#as, out);
    }
}

/// Whether a variable named `name` occurs in the statements (at any depth).
fn mentioned(stmts: &[LiteralStmt], name: &str) -> bool {
    let mut found = false;
    for s in stmts {
        super::walk_stmt(s, &mut |e, _| {
            if let Expr::Var { span, .. } = e {
                found |= span.text() == name;
            }
        });
        if let Literal::Every { key, value, .. } = &s.literal {
            found |= value.text() == name || key.as_ref().is_some_and(|k| k.text() == name);
        }
    }
    found
}

fn scope(
    m: &ModInfo,
    q: &Query,
    args: &HashSet<&str>,
    head: &HashSet<&str>,
    out: &mut Vec<Refusal>,
) {
    let mut assigned: HashSet<&str> = HashSet::new();
    let mut declared: HashSet<&str> = HashSet::new();
    // Names used by the literals before this one (outside comprehensions and `every` bodies):
    // declaring one of them after is `var x referenced above`.
    let mut seen: HashSet<&str> = HashSet::new();
    let mut pending: Vec<&str> = Vec::new();
    for (i, s) in q.stmts.iter().enumerate() {
        seen.extend(pending.drain(..));
        literal_uses(s, &mut pending);
        match &s.literal {
            Literal::Expr { expr, .. } => {
                let Expr::AssignExpr { op, lhs, .. } = &**expr else {
                    continue;
                };
                if !is_colon_eq(op) {
                    continue;
                }
                let mut names = Vec::new();
                all_vars(lhs, &mut names);
                for name in names.into_iter().filter(|n| *n != "_") {
                    let msg = if args.contains(name) {
                        format!("arg {name} redeclared")
                    } else if assigned.contains(name) {
                        format!("var {name} assigned above")
                    } else if declared.contains(name) {
                        format!("var {name} declared above")
                    } else if seen.contains(name) {
                        format!("var {name} referenced above")
                    } else {
                        assigned.insert(name);
                        continue;
                    };
                    out.push(m.refusal(&s.span, "rego_compile_error", msg));
                }
            }
            Literal::SomeVars { vars, .. } => {
                for v in vars {
                    let name = v.text();
                    if name != "_" && seen.contains(name) && !declared.contains(name) {
                        let msg = format!("var {name} referenced above");
                        out.push(m.refusal(&s.span, "rego_compile_error", msg));
                        continue;
                    }
                    declared.insert(name);
                    let others = q.stmts[..i].iter().chain(&q.stmts[i + 1..]);
                    let used = head.contains(name)
                        || others
                            .into_iter()
                            .any(|o| mentioned(std::slice::from_ref(o), name));
                    if name != "_" && !used {
                        let msg = format!("declared var {name} unused");
                        out.push(m.refusal(&s.span, "rego_compile_error", msg));
                    }
                }
            }
            Literal::SomeIn { key, value, .. } => {
                let mut names = Vec::new();
                if let Some(k) = key {
                    all_vars(k, &mut names);
                }
                all_vars(value, &mut names);
                for name in names {
                    if name != "_" && seen.contains(name) && !declared.contains(name) {
                        let msg = format!("var {name} referenced above");
                        out.push(m.refusal(&s.span, "rego_compile_error", msg));
                    }
                    declared.insert(name);
                }
            }
            Literal::Every {
                key, value, query, ..
            } => {
                for name in key.iter().chain([value]).map(|v| v.text()) {
                    if name != "_" && !mentioned(&query.stmts, name) {
                        let msg = format!("declared var {name} unused");
                        out.push(m.refusal(&s.span, "rego_compile_error", msg));
                    }
                }
                scope(m, query, &HashSet::new(), head, out);
            }
            Literal::NotExpr { expr, .. } => {
                if let Expr::AssignExpr { op, .. } = &**expr {
                    if is_colon_eq(op) {
                        let msg = "cannot assign vars inside negated expression".to_string();
                        out.push(m.refusal(&s.span, "rego_compile_error", msg));
                    }
                }
            }
        }
    }
}
