//! Which names in a module are local variables, as OPA's compiler decides before anything else
//! (`resolveRefsInRule`): a name that is also a global of the module (an import alias or a rule
//! of its package, in any file) is a local where a declaration of the enclosing scope hides it.
//!
//! OPA's scopes: a rule's function arguments and the variables its body declares (`x := ..`,
//! `some x`, `some k, v in c`, including those declared inside an `every` body) hide globals in
//! the whole rule, head and body alike, wherever the declaration stands; a comprehension's
//! declarations hide them in the comprehension (term and body); `every k, v in d` hides them in
//! `d` and its body. Everything else named like a global is the global.
//!
//! Why: the loader rewrites an import alias to the reference it stands for, token by token, and
//! regorus treats a rule name in a `some .. in` pattern as bound ("var `x` used before definition
//! below"). Every local occurrence of such a name is renamed (`x` to `x__xtask_l`) so neither
//! can take a local for a global; the relations between locals are kept, since every local
//! occurrence of a name gets the same new name.

use std::collections::BTreeSet;

use regorus::unstable::{AssignOp, Expr, Literal, Module, Query, Rule, RuleHead};

use super::ast::children;

/// Appended to a local variable named like a global (see the module's notes).
pub const SUFFIX: &str = "__xtask_l";

/// The byte spans (start, end) of every local occurrence of a name in `globals` in `module`.
pub fn shadowing_locals(module: &Module, globals: &BTreeSet<String>) -> Vec<(u32, u32)> {
    let mut walk = Walk {
        globals,
        stack: Vec::new(),
        out: Vec::new(),
    };
    if globals.is_empty() {
        return walk.out;
    }
    for rule in &module.policy {
        let Rule::Spec { head, bodies, .. } = &**rule else {
            continue; // a `default` value is ground
        };
        let (refr, args, value): (&Expr, &[_], Option<&Expr>) = match head {
            RuleHead::Compr { refr, assign, .. } => (refr, &[], assign.as_ref().map(|a| &*a.value)),
            RuleHead::Set { refr, key, .. } => (refr, &[], key.as_deref()),
            RuleHead::Func {
                refr, args, assign, ..
            } => (refr, args, assign.as_ref().map(|a| &*a.value)),
        };
        let mut params = BTreeSet::new();
        args.iter().for_each(|a| arg_vars(a, &mut params));
        let mut head_done = false;
        for body in bodies {
            let mut scope = params.clone();
            declared(&body.query, &mut scope);
            walk.stack.push(scope);
            if !body.is_else && !head_done {
                head_done = true;
                walk.head_ref(refr);
                args.iter().for_each(|a| walk.expr(a));
                if let Some(v) = value {
                    walk.expr(v);
                }
            }
            if let Some(a) = &body.assign {
                walk.expr(&a.value);
            }
            walk.query(&body.query);
            walk.stack.pop();
        }
        if !head_done {
            walk.stack.push(params);
            walk.head_ref(refr);
            args.iter().for_each(|a| walk.expr(a));
            if let Some(v) = value {
                walk.expr(v);
            }
            walk.stack.pop();
        }
    }
    walk.out.sort_unstable();
    walk.out.dedup();
    walk.out
}

struct Walk<'a> {
    globals: &'a BTreeSet<String>,
    /// The names each enclosing scope declares, innermost last.
    stack: Vec<BTreeSet<String>>,
    out: Vec<(u32, u32)>,
}

impl Walk<'_> {
    fn local(&mut self, name: &str, start: u32, end: u32) {
        if self.globals.contains(name) && self.stack.iter().any(|s| s.contains(name)) {
            self.out.push((start, end));
        }
    }

    /// A rule head's reference: its first name is the rule's, its indices are expressions.
    fn head_ref(&mut self, e: &Expr) {
        match e {
            Expr::RefDot { refr, .. } => self.head_ref(refr),
            Expr::RefBrack { refr, index, .. } => {
                self.head_ref(refr);
                self.expr(index);
            }
            _ => {}
        }
    }

    fn query(&mut self, q: &Query) {
        for stmt in &q.stmts {
            match &stmt.literal {
                Literal::SomeVars { vars, .. } => {
                    for v in vars {
                        self.local(v.text(), v.start, v.end);
                    }
                }
                Literal::SomeIn {
                    key,
                    value,
                    collection,
                    ..
                } => {
                    key.iter().for_each(|k| self.expr(k));
                    self.expr(value);
                    self.expr(collection);
                }
                Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => self.expr(expr),
                Literal::Every {
                    key,
                    value,
                    domain,
                    query,
                    ..
                } => {
                    let mut scope = BTreeSet::new();
                    for s in key.iter().chain([value]) {
                        scope.insert(s.text().to_string());
                    }
                    self.stack.push(scope);
                    for s in key.iter().chain([value]) {
                        self.local(s.text(), s.start, s.end);
                    }
                    self.expr(domain);
                    self.query(query);
                    self.stack.pop();
                }
            }
            for w in &stmt.with_mods {
                // The target names a document or function, never a local.
                self.expr(&w.r#as);
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Var { span, .. } => self.local(span.text(), span.start, span.end),
            Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
                let mut scope = BTreeSet::new();
                declared(query, &mut scope);
                self.stack.push(scope);
                self.expr(term);
                self.query(query);
                self.stack.pop();
            }
            Expr::ObjectCompr {
                key, value, query, ..
            } => {
                let mut scope = BTreeSet::new();
                declared(query, &mut scope);
                self.stack.push(scope);
                self.expr(key);
                self.expr(value);
                self.query(query);
                self.stack.pop();
            }
            // A called name is a function's, not a variable's.
            Expr::Call { params, .. } => params.iter().for_each(|p| self.expr(p)),
            Expr::RefDot { refr, .. } => self.expr(refr),
            Expr::RefBrack { refr, index, .. } => {
                self.expr(refr);
                self.expr(index);
            }
            _ => children(e).into_iter().for_each(|c| self.expr(c)),
        }
    }
}

/// The names `q` declares (OPA's `declaredVars`): `:=` left sides, `some` variables and patterns,
/// also inside `every` bodies, not inside comprehensions.
fn declared(q: &Query, out: &mut BTreeSet<String>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::SomeVars { vars, .. } => out.extend(vars.iter().map(|v| v.text().to_string())),
            Literal::SomeIn { key, value, .. } => {
                key.iter().for_each(|k| pattern_vars(k, out));
                pattern_vars(value, out);
            }
            Literal::Expr { expr, .. } => {
                if let Expr::AssignExpr {
                    op: AssignOp::ColEq,
                    lhs,
                    ..
                } = &**expr
                {
                    pattern_vars(lhs, out);
                }
            }
            Literal::Every { query, .. } => declared(query, out),
            Literal::NotExpr { .. } => {}
        }
    }
}

/// Every variable of a declaration's pattern, comprehensions aside.
fn pattern_vars(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Var { span, .. } => {
            out.insert(span.text().to_string());
        }
        Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => {}
        _ => children(e).into_iter().for_each(|c| pattern_vars(c, out)),
    }
}

/// The variables of a function's argument (OPA: not in sets, calls or comprehensions, and of an
/// object only its values).
fn arg_vars(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Var { span, .. } => {
            out.insert(span.text().to_string());
        }
        Expr::Array { items, .. } => items.iter().for_each(|i| arg_vars(i, out)),
        Expr::Object { fields, .. } => fields.iter().for_each(|(_, _, v)| arg_vars(v, out)),
        Expr::RefDot { refr, .. } => arg_vars(refr, out),
        Expr::RefBrack { refr, index, .. } => {
            arg_vars(refr, out);
            arg_vars(index, out);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::Policy;
    use crate::tree::PolicyTree;
    use regorus::Value;

    fn eval(files: &[(&str, &str)], rule: &str) -> Value {
        let t = PolicyTree::of(files);
        let mut p = Policy::load(&t, &serde_json::json!({})).unwrap();
        p.eval("p", rule).unwrap()
    }

    #[test]
    fn a_local_named_like_an_import_is_the_local() {
        let lib = "package tasks\nx := 1\n";
        let p = "package p\nimport data.tasks\n\
                 f(names) := out if {\n\ttasks := [n | some n in names]\n\tout := {\"tasks\": tasks}\n}\n\
                 a := f([1])\n\
                 b := [tasks | some tasks in [2]]\n\
                 c := [count(x), tasks.x] if x := [tasks | some tasks in [1]]\n\
                 d(tasks) := tasks\ne := d(4)\n";
        let files = [("lib.rego", lib), ("p.rego", p)];
        assert_eq!(eval(&files, "a").to_string(), r#"{"tasks":[1]}"#);
        assert_eq!(eval(&files, "b").to_string(), "[2]");
        assert_eq!(eval(&files, "c").to_string(), "[1,1]");
        assert_eq!(eval(&files, "e"), Value::from(4));
    }

    #[test]
    fn a_some_named_like_a_rule_declares_a_local() {
        let a = "package p\nexpected := 3\n";
        let b = "package p\nobj := {\"a\": 1}\n\
                 r contains k if {\n\tsome k, expected in obj\n\texpected == 1\n}\n\
                 s := [expected | some expected in [7]]\nt := expected + 1\n";
        let files = [("a.rego", a), ("b.rego", b)];
        assert_eq!(eval(&files, "r").to_string(), r#"["a"]"#);
        assert_eq!(eval(&files, "s").to_string(), "[7]");
        assert_eq!(eval(&files, "t"), Value::from(4));
    }

    #[test]
    fn an_error_names_a_renamed_local_as_written() {
        let p = "package p\nexpected := 3\nr := y if {\n\tsome expected in [\"a\"]\n\ty := expected + 1\n}\n";
        let t = PolicyTree::of(&[("p.rego", p)]);
        let mut pol = Policy::load(&t, &serde_json::json!({})).unwrap();
        let err = pol.eval("p", "r").unwrap_err().to_string();
        assert!(!err.contains(super::SUFFIX), "{err}");
    }
}
