//! OPA's compile-time checks over a tree's parsed modules, run before any test or bundle: each
//! refusal is `file:line:col: rego_<class>_error: message`, in OPA v1.20's classes and words.
//!
//! The checks run in the order of OPA's compiler stages, and like OPA they stop after the first
//! stage that refuses (a tree with an undefined function is not also checked for recursion).
//! Every check is conservative: where OPA's answer depends on analysis done here only roughly
//! (variable types, rule-head refs, whole-package refs), it accepts. A tree OPA accepts is never
//! refused; the side-by-side suite (xtask/rego/tests/opa*.rs) holds both directions to OPA.
//!
//! Layer: checks, over loading (the tree, the engine's parser) and the source rewrites; the
//! folder `check/` holds one file per compiler stage, each using only this module and those
//! layers. Evaluation and the author tools use the checks, never the other way round.

mod calls;
mod indexing;
mod opa_builtins;
mod recursion;
mod safety;
mod with_targets;

use std::collections::{HashMap, HashSet};
use std::fmt;

use anyhow::{bail, Result};
use regorus::unstable::{AssignOp, Expr, Module, Rule, RuleHead};

pub(crate) use super::ast::{dotted, walk_expr, walk_rule, walk_stmt, Pos};
use super::tree::PolicyTree;

/// The OPA version whose compiler these checks follow (and whose builtins `opa_builtins` lists).
pub const OPA_VERSION: &str = "v1.20";

/// Builtins OPA has that policies here cannot use, refused at check time naming the builtin, in
/// the words OPA uses for a builtin its capabilities leave out. None today: `http.send` and
/// `net.lookup_ip_addr` load as in OPA and fail only when called unmocked (`builtins/offline.rs`),
/// since OPA accepts such trees and their tests mock the call with `with`.
pub const REFUSED_BUILTINS: &[(&str, &str)] = &[];

/// One thing OPA's compiler would refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// `rego_parse_error`, `rego_type_error`, ...
    pub class: &'static str,
    pub message: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.col, self.class, self.message
        )
    }
}

/// Runs the checks; an error lists every refusal, one per line.
pub fn check(tree: &PolicyTree) -> Result<()> {
    let found = refusals(tree);
    if found.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = found.iter().map(Refusal::to_string).collect();
    bail!("{}", lines.join("\n"))
}

/// Every refusal of the tree's modules (file names as `tree.display` shows them).
pub fn refusals(tree: &PolicyTree) -> Vec<Refusal> {
    let files: Vec<(String, String)> = tree
        .modules
        .iter()
        .map(|m| (tree.display(&m.rel), m.text.clone()))
        .collect();
    check_sources(&files)
}

/// The checks over `(file name, source)` pairs.
pub fn check_sources(files: &[(String, String)]) -> Vec<Refusal> {
    let mut mods = Vec::new();
    let mut errors = Vec::new();
    // A module's rules named from a keyword are a module of their own (`keyword_refs.rs`).
    let moved = files.iter().flat_map(|(name, text)| {
        super::keyword_refs::moved(text)
            .into_iter()
            .map(move |t| (name.clone(), t))
    });
    let files: Vec<(String, String)> = files.iter().cloned().chain(moved).collect();
    for (name, text) in &files {
        match parse(name, text) {
            Ok(m) => {
                let m = ModInfo::new(name.clone(), m);
                errors.extend(illegal_defaults(&m));
                mods.push(m);
            }
            Err(e) => errors.push(parse_refusal(name, &e)),
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    let prog = Program::new(&mods);
    // OPA's stage order: imports, local variables, rule conflicts, undefined functions,
    // safety, recursion, types, unsafe (here: refused) builtins, deprecated builtins.
    let found = duplicate_imports(&prog);
    if !found.is_empty() {
        return found;
    }
    // Local variables: with what the `and` / `or` rewrite knows of its operands.
    let mut found: Vec<Refusal> = files
        .iter()
        .flat_map(|(name, text)| {
            super::logic_ops::compile_refusals(name, text)
                .into_iter()
                .map(|(line, col, message)| Refusal {
                    file: name.clone(),
                    line,
                    col,
                    class: "rego_compile_error",
                    message,
                })
        })
        .collect();
    found.extend(safety::redeclared_vars(&prog));
    if !found.is_empty() {
        return found;
    }
    let stages: [fn(&Program) -> Vec<Refusal>; 10] = [
        template_wildcards,
        rule_conflicts,
        calls::undefined_functions,
        with_targets::unknown_targets,
        safety::unsafe_vars,
        recursion::recursive_rules,
        calls::types,
        indexing::undefined_refs,
        calls::refused_builtins,
        calls::deprecated_builtins,
    ];
    for stage in stages {
        let found = stage(&prog);
        if !found.is_empty() {
            return found;
        }
    }
    Vec::new()
}

/// Parses as OPA would: no line, column or size limit short of the file's (regorus's defaults,
/// 1,024 columns and 20,000 lines, refuse policies OPA loads). The engine must parse with the
/// same limits, or the checks and the engine would disagree on what parses.
fn parse(name: &str, text: &str) -> Result<Module> {
    let src = super::source::source(name.to_string(), text.to_string())?;
    super::source::parse(&src)
}

/// A regorus parse error (several lines: location, excerpt, caret, message) as one refusal.
fn parse_refusal(name: &str, e: &anyhow::Error) -> Refusal {
    let text = format!("{e}");
    let (mut line, mut col) = (0, 0);
    if let Some(at) = text.find("--> ") {
        let loc = text[at + 4..].lines().next().unwrap_or("");
        let mut parts = loc.rsplitn(3, ':');
        col = parts
            .next()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(0);
        line = parts
            .next()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0);
    }
    let msg = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().last().unwrap_or(""))
        .trim();
    // regorus refuses a duplicate import while parsing; OPA's compiler does, as a compile error.
    let (class, message) = match msg.strip_prefix("import shadows following import defined earlier")
    {
        Some(_) => (
            "rego_compile_error",
            "import must not shadow an earlier import".to_string(),
        ),
        None => ("rego_parse_error", msg.to_string()),
    };
    Refusal {
        file: name.to_string(),
        line,
        col,
        class,
        message,
    }
}

/// OPA's parser allows only constants (and comprehensions) as a default rule's value.
fn illegal_defaults(m: &ModInfo) -> Vec<Refusal> {
    let mut out = Vec::new();
    for rule in &m.module.policy {
        let Rule::Default { value, .. } = &**rule else {
            continue;
        };
        let mut what = None;
        visit_outside_comprehensions(value, &mut |e| match e {
            Expr::RefDot { .. } | Expr::RefBrack { .. } => what = Some("ref"),
            Expr::Call { .. } if what != Some("ref") => what = Some("call"),
            Expr::Var { .. } if what.is_none() => what = Some("var"),
            _ => {}
        });
        if let Some(what) = what {
            out.push(m.refusal(
                rule.span(),
                "rego_parse_error",
                format!("illegal default rule (value cannot contain {what})"),
            ));
        }
    }
    out
}

/// The expressions of a template string as `templates.rs` writes it
/// (`internal.template_string([{t | t := EXPR}, "text", ...])`), or `None` for any other term.
fn template_exprs(e: &Expr) -> Option<Vec<&Expr>> {
    let Expr::Call { fcn, params, .. } = e else {
        return None;
    };
    if super::ast::dotted(fcn).is_none_or(|d| d.join(".") != super::templates::BUILTIN) {
        return None;
    }
    let Some(Expr::Array { items, .. }) = params.first().map(|p| &**p) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        let Expr::SetCompr { query, .. } = &**item else {
            continue;
        };
        for stmt in &query.stmts {
            if let regorus::unstable::Literal::Expr { expr, .. } = &stmt.literal {
                if let Expr::AssignExpr { rhs, .. } = &**expr {
                    out.push(&**rhs);
                }
            }
        }
    }
    Some(out)
}

fn visit_outside_comprehensions(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    // A template string (`templates.rs`) is OPA's term: what counts is its expressions.
    if let Some(exprs) = template_exprs(e) {
        for x in exprs {
            visit_outside_comprehensions(x, f);
        }
        return;
    }
    f(e);
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => {
            for i in items {
                visit_outside_comprehensions(i, f);
            }
        }
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                visit_outside_comprehensions(k, f);
                visit_outside_comprehensions(v, f);
            }
        }
        _ => {}
    }
}

/// One parsed module and what name resolution needs of it.
pub(crate) struct ModInfo {
    pub file: String,
    pub module: Module,
    /// `data.<package>`
    pub package: String,
    /// Alias → imported path (`lib` → `data.lib`), for `data.` and `input.` imports.
    pub aliases: HashMap<String, String>,
}

impl ModInfo {
    fn new(file: String, module: Module) -> ModInfo {
        let package = format!("data.{}", module.package.refr.span().text());
        let mut aliases = HashMap::new();
        for import in &module.imports {
            if let Some((alias, target)) = import_alias(import) {
                aliases.insert(alias, target);
            }
        }
        ModInfo {
            file,
            module,
            package,
            aliases,
        }
    }

    /// A refusal at `span`, its column counted in characters as OPA counts them (regorus
    /// counts a tab as several columns).
    pub fn refusal(
        &self,
        span: &regorus::unstable::Span,
        class: &'static str,
        msg: String,
    ) -> Refusal {
        let text = span.source.contents();
        let start = (span.start as usize).min(text.len());
        let col = match text.get(..start) {
            Some(before) => {
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                before[line_start..].chars().count() as u32 + 1
            }
            None => span.col,
        };
        Refusal {
            file: self.file.clone(),
            line: span.line,
            col,
            class,
            message: msg,
        }
    }
}

/// `(alias, path)` of a `data.`/`input.` import: `import data.a.b` → `b`, `... as c` → `c`.
fn import_alias(import: &regorus::unstable::Import) -> Option<(String, String)> {
    let target = import.refr.span().text().to_string();
    let root = target.split(['.', '[']).next().unwrap_or("");
    if root != "data" && root != "input" {
        return None;
    }
    let alias = match &import.r#as {
        Some(a) => a.text().to_string(),
        None => {
            let last = target.rsplit('.').next().unwrap_or(&target);
            if !last.chars().all(|c| c.is_alphanumeric() || c == '_') {
                return None;
            }
            last.to_string()
        }
    };
    Some((alias, target))
}

/// What one rule declaration is, as OPA's rule-conflict check sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Complete,
    PartialSet,
    Function(usize),
    /// A ref head with brackets or dots (`a.b[x] := 1`): not compared.
    RefHead,
}

pub(crate) struct Decl {
    pub module: usize,
    pub rule: usize,
    /// Full static path: `data.p.f`, `data.p.a.b` (up to the first bracket).
    pub path: String,
    pub kind: Kind,
    pub default: bool,
    /// The head has a variable index (`p[x]`, `p[x].y`): it makes an object at `path`.
    pub dynamic: bool,
}

/// The whole tree: modules and every rule declaration, for name resolution.
pub(crate) struct Program<'a> {
    pub mods: &'a [ModInfo],
    pub decls: Vec<Decl>,
    /// Full path of every function → its arities.
    pub functions: HashMap<String, Vec<usize>>,
    /// Every `data.p.<name>` a rule declares (its first name), and every static head path.
    pub rule_paths: HashSet<String>,
    /// Package (`data.p`) → the first names of its rules.
    pub rule_names: HashMap<String, HashSet<String>>,
    /// What the call checks found, computed once for their stages.
    calls: std::cell::OnceCell<calls::Findings>,
}

impl<'a> Program<'a> {
    fn new(mods: &'a [ModInfo]) -> Program<'a> {
        let mut decls = Vec::new();
        let mut functions: HashMap<String, Vec<usize>> = HashMap::new();
        let mut rule_paths = HashSet::new();
        let mut rule_names: HashMap<String, HashSet<String>> = HashMap::new();
        for (mi, m) in mods.iter().enumerate() {
            for (ri, rule) in m.module.policy.iter().enumerate() {
                let (refr, kind, default) = match &**rule {
                    Rule::Spec { head, .. } => match head {
                        RuleHead::Compr { refr, .. } => (refr, Kind::Complete, false),
                        RuleHead::Set { refr, .. } => (refr, Kind::PartialSet, false),
                        RuleHead::Func { refr, args, .. } => {
                            (refr, Kind::Function(args.len()), false)
                        }
                    },
                    Rule::Default { refr, args, .. } => {
                        let kind = if args.is_empty() {
                            Kind::Complete
                        } else {
                            Kind::Function(args.len())
                        };
                        (refr, kind, true)
                    }
                };
                let (names, whole) = static_path(refr);
                if names.is_empty() {
                    continue;
                }
                let path = format!("{}.{}", m.package, names.join("."));
                let root = format!("{}.{}", m.package, names[0]);
                let kind = match kind {
                    Kind::Complete | Kind::PartialSet if !(whole && names.len() == 1) => {
                        Kind::RefHead
                    }
                    k => k,
                };
                if let Kind::Function(n) = kind {
                    let arities = functions.entry(path.clone()).or_default();
                    if !arities.contains(&n) {
                        arities.push(n);
                    }
                }
                rule_names
                    .entry(m.package.clone())
                    .or_default()
                    .insert(names[0].to_string());
                rule_paths.insert(root);
                rule_paths.insert(path.clone());
                decls.push(Decl {
                    module: mi,
                    rule: ri,
                    path,
                    kind,
                    default,
                    dynamic: !whole,
                });
            }
        }
        Program {
            mods,
            decls,
            functions,
            rule_paths,
            rule_names,
            calls: std::cell::OnceCell::new(),
        }
    }

    pub(crate) fn calls(&self) -> &calls::Findings {
        self.calls.get_or_init(|| calls::analyze(self))
    }

    /// Whether `name` is a rule (first name of a rule head) of the module's package.
    pub fn is_rule_name(&self, m: &ModInfo, name: &str) -> bool {
        self.rule_names
            .get(&m.package)
            .is_some_and(|names| names.contains(name))
    }

    /// The absolute path (`data.x.y`, `input.z`) a dotted name stands for in module `m`, or
    /// `None` when its first name is neither `data`, `input`, an import alias nor a rule.
    pub fn resolve(&self, m: &ModInfo, names: &[&str]) -> Option<String> {
        let first = *names.first()?;
        let rest = names[1..]
            .iter()
            .map(|n| format!(".{n}"))
            .collect::<String>();
        if first == "data" || first == "input" {
            return Some(format!("{first}{rest}"));
        }
        if let Some(target) = m.aliases.get(first) {
            return Some(format!("{target}{rest}"));
        }
        if self.is_rule_name(m, first) {
            return Some(format!("{}.{first}{rest}", m.package));
        }
        None
    }

    /// Whether some rule's path equals `path` or lies under it, or `path` lies under a rule.
    pub fn touches_rules(&self, path: &str) -> bool {
        self.rule_paths.iter().any(|p| {
            p == path
                || p.strip_prefix(path).is_some_and(|r| r.starts_with('.'))
                || path
                    .strip_prefix(p.as_str())
                    .is_some_and(|r| r.starts_with('.'))
        })
    }
}

/// The dotted names of a ref (`a.b[x].c` → `[a, b]`, with `whole` false: a bracket follows).
/// String-literal brackets count as names (`a["b"]` → `[a, b]`).
pub(crate) fn static_path(e: &Expr) -> (Vec<&str>, bool) {
    let mut rev = Vec::new();
    let mut cur = e;
    let mut whole = true;
    loop {
        match cur {
            Expr::Var { span, .. } => {
                rev.push(span.text());
                break;
            }
            Expr::RefDot { refr, field, .. } => {
                rev.push(field.0.text());
                cur = refr;
            }
            Expr::RefBrack { refr, index, .. } => {
                match &**index {
                    Expr::String { span, .. } | Expr::RawString { span, .. } => {
                        rev.push(span.text().trim_matches(|c| c == '"' || c == '`'));
                    }
                    _ => {
                        // Names after a variable index are not static.
                        rev.clear();
                        whole = false;
                    }
                }
                cur = refr;
            }
            _ => return (Vec::new(), false),
        }
    }
    rev.reverse();
    (rev, whole)
}

/// `import must not shadow import ...`: two imports with one alias in a module.
fn duplicate_imports(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    for m in prog.mods {
        let mut seen: HashMap<String, String> = HashMap::new();
        for import in &m.module.imports {
            let Some((alias, _)) = import_alias(import) else {
                continue;
            };
            let written = import.span.text().trim();
            let written = written.strip_prefix("import").unwrap_or(written).trim();
            match seen.get(&alias) {
                Some(first) => out.push(m.refusal(
                    &import.span,
                    "rego_compile_error",
                    format!("import must not shadow import {first}"),
                )),
                None => {
                    seen.insert(
                        alias,
                        written.split_whitespace().collect::<Vec<_>>().join(" "),
                    );
                }
            }
        }
    }
    out
}

/// A wildcard in a template string's expression (`$"{xs[_]}"`): OPA's compiler takes only
/// variables bound outside the template there (`var _ is undeclared`), so a template has one
/// value. (Another unbound variable is refused by the safety check, in its own words.)
fn template_wildcards(prog: &Program) -> Vec<Refusal> {
    fn wildcards<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
        match e {
            Expr::Var { span, .. } if span.text() == "_" => out.push(e),
            // A comprehension binds its own.
            Expr::ArrayCompr { .. } | Expr::SetCompr { .. } | Expr::ObjectCompr { .. } => {}
            _ => super::ast::children(e)
                .into_iter()
                .for_each(|c| wildcards(c, out)),
        }
    }
    let mut out = Vec::new();
    for m in prog.mods {
        for rule in &m.module.policy {
            super::ast::walk_rule(rule, &mut |e, _| {
                for rhs in template_exprs(e).unwrap_or_default() {
                    let mut found = Vec::new();
                    wildcards(rhs, &mut found);
                    if !found.is_empty() {
                        out.push(m.refusal(
                            rhs.span(),
                            "rego_compile_error",
                            "var _ is undeclared".into(),
                        ));
                    }
                }
            });
        }
    }
    out
}

/// `conflicting rules data.p.x found` (a name declared as two of complete, partial set and
/// function), and `multiple default rules`.
fn rule_conflicts(prog: &Program) -> Vec<Refusal> {
    let mut out = Vec::new();
    let mut by_path: HashMap<&str, Vec<&Decl>> = HashMap::new();
    let mut order = Vec::new();
    for d in &prog.decls {
        let e = by_path.entry(d.path.as_str()).or_default();
        if e.is_empty() {
            order.push(d.path.as_str());
        }
        e.push(d);
    }
    for path in order {
        let decls = &by_path[path];
        // `p[x] if ...` beside `p contains ...`, `p := ...`, `p(x)` or `default p`: OPA names the
        // last declaration's head and points at the first.
        if decls.iter().any(|d| d.dynamic) && decls.iter().any(|d| !d.dynamic) {
            let (first, last) = (decls[0], decls[decls.len() - 1]);
            let m = &prog.mods[first.module];
            let lm = &prog.mods[last.module];
            let head = match &*lm.module.policy[last.rule] {
                Rule::Spec { head, .. } => match head {
                    RuleHead::Compr { refr, .. }
                    | RuleHead::Set { refr, .. }
                    | RuleHead::Func { refr, .. } => refr.span().text(),
                },
                Rule::Default { refr, .. } => refr.span().text(),
            };
            out.push(m.refusal(
                m.module.policy[first.rule].span(),
                "rego_type_error",
                // A bracket's span ends before its `]`.
                format!(
                    "conflicting rules {}.{head}{} found",
                    lm.package,
                    "]".repeat(head.matches('[').count().saturating_sub(head.matches(']').count()))
                ),
            ));
            continue;
        }
        if decls.iter().any(|d| d.kind == Kind::RefHead) {
            continue;
        }
        let first = decls[0];
        let m = &prog.mods[first.module];
        let span = m.module.policy[first.rule].span();
        let functions = decls.iter().filter(|d| matches!(d.kind, Kind::Function(_)));
        let sets = decls.iter().filter(|d| d.kind == Kind::PartialSet).count();
        let completes = decls.iter().filter(|d| d.kind == Kind::Complete).count();
        let kinds =
            usize::from(functions.count() > 0) + usize::from(sets > 0) + usize::from(completes > 0);
        if kinds > 1 {
            out.push(m.refusal(
                span,
                "rego_type_error",
                format!("conflicting rules {path} found"),
            ));
            continue;
        }
        let defaults: Vec<&&Decl> = decls.iter().filter(|d| d.default).collect();
        if defaults.len() > 1 {
            let at: Vec<String> = defaults
                .iter()
                .map(|d| {
                    let dm = &prog.mods[d.module];
                    format!("{}:{}", dm.file, dm.module.policy[d.rule].span().line)
                })
                .collect();
            let pm = &prog.mods[defaults[0].module];
            out.push(pm.refusal(
                &pm.module.package.span,
                "rego_type_error",
                format!("multiple default rules {path} found at {}", at.join(", ")),
            ));
        }
    }
    out
}

/// Whether an assignment is `:=`.
pub(crate) fn is_colon_eq(op: &AssignOp) -> bool {
    matches!(op, AssignOp::ColEq)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusals of `(file, source)` pairs, as lines.
    fn lines(files: &[(&str, &str)]) -> Vec<String> {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(f, s)| (f.to_string(), s.to_string()))
            .collect();
        check_sources(&files)
            .iter()
            .map(Refusal::to_string)
            .collect()
    }

    macro_rules! tree {
        ($name:literal) => {
            include_str!(concat!("../tests/opa/trees/checks/", $name, "/p.rego"))
        };
    }

    #[test]
    fn the_checks_trees_are_refused_at_the_exact_place() {
        let lib = "package lib\n\nyes(x) if x == 1\n";
        let cases: &[(&str, &str)] = &[
            (
                tree!("undefined-function-unreached"),
                "p.rego:5:9: rego_type_error: undefined function no_such_function",
            ),
            (
                tree!("concat-three-args"),
                "p.rego:4:7: rego_type_error: concat: arity mismatch",
            ),
            (
                tree!("count-of-number"),
                "p.rego:4:7: rego_type_error: count: invalid argument(s)",
            ),
            (
                tree!("user-function-arity"),
                "p.rego:5:6: rego_type_error: function data.p.f has arity 1, got 3 arguments",
            ),
            (
                tree!("mutual-recursion"),
                "p.rego:3:1: rego_recursion_error: rule data.p.a is recursive: \
                 data.p.a -> data.p.b -> data.p.a",
            ),
            (
                tree!("recursion-through-function-and-data"),
                "p.rego:3:1: rego_recursion_error: rule data.p.f is recursive: \
                 data.p.f -> data.p.a -> data.p.f",
            ),
            (
                tree!("rego-v1-if-required"),
                "p.rego:3:7: rego_parse_error: `if` keyword is required before rule body",
            ),
            (
                tree!("deprecated-builtin"),
                "p.rego:4:2: rego_type_error: deprecated built-in function calls in expression: any",
            ),
            (
                tree!("duplicate-import"),
                "p.rego:4:1: rego_compile_error: import must not shadow import data.lib",
            ),
            (
                tree!("undefined-via-alias"),
                "p.rego:5:10: rego_type_error: undefined function lib.nope",
            ),
            (
                tree!("unsafe-var"),
                "p.rego:5:2: rego_unsafe_var_error: var not_bound is unsafe",
            ),
            (
                tree!("conflicting-rules"),
                "p.rego:3:1: rego_type_error: conflicting rules data.p.x found",
            ),
            (
                tree!("multiple-defaults"),
                "p.rego:1:1: rego_type_error: multiple default rules data.p.allow found at \
                 p.rego:3, p.rego:5",
            ),
            (
                tree!("default-with-ref"),
                "p.rego:3:1: rego_parse_error: illegal default rule (value cannot contain ref)",
            ),
        ];
        for (src, want) in cases {
            let got = lines(&[("p.rego", src), ("lib.rego", lib)]);
            assert_eq!(got.first().map(String::as_str), Some(*want), "{got:?}");
        }
        assert_eq!(
            lines(&[
                ("p.rego", tree!("valid-output-arguments")),
                ("lib.rego", lib)
            ]),
            Vec::<String>::new()
        );
    }

    #[test]
    fn the_sample_constitution_passes() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policy/constitution");
        let tree = PolicyTree::load(&dir).unwrap();
        assert_eq!(refusals(&tree), Vec::new());
    }

    /// Valid Rego that a coarser analysis might refuse: none of it may be.
    #[test]
    fn no_false_alarms_on_valid_rego() {
        let ok = [
            // Output arguments at a literal's top, for builtins and user functions.
            "f(x) := x\nr if { f(1, y); y == 1; count([1], n); n == 1 }",
            // A local `:=` shadows a rule of the same name; `=` compares with it.
            "a := 1\nb if { a := 2; a == 2 }\nc if { x = a; x == 1 }",
            // Ref indexes, `some ... in`, `every`, comprehensions see outer bindings.
            "r if { input.xs[i] == 1; i > 0 }\n\
             s if { some k, v in input.o; k == v }\n\
             t if { every x in input.xs { x > 0 } }\n\
             u := [y | some y in input.xs; y > z] if { z := 1 }",
            // Else, defaults, functions with patterns, set and object rules.
            "default d := false\nd if input.x else := true\n\
             g([a, b]) := a + b\nh contains x if some x in [1]\nm[k] := 1 if some k in [\"a\"]",
            // Builtins through namespaces, relations, variadic print, kinds that fit.
            "r if { walk(input, [p, v]); print(p, v); time.now_ns() > 0; \
             count(\"abc\") == 3; concat(\",\", {\"a\"}) == \"a\"; upper(lower(\"A\")) == \"A\" }",
            // Recursion-looking names that are not: a rule referring to another rule's key.
            "a.b := 1\na.c := x if x := data.p.a.b + 1",
            // A function replaced by a builtin or another function in a test: no variable.
            "f(x) := x\ng(x) := x\n\
             test_a if data.p.f([\"a\"]) == 1 with data.p.f as count\n\
             test_b if f(\"a\") == \"A\" with f as upper\n\
             test_c if f(1) == 1 with f as g",
            // Kinds through variables: a function argument, a kind that fits.
            "f(n) := count(n)\ng if { s := \"a\"; upper(s) == \"A\"; t := [1]; count(t) == 1 }",
            // `(...)` opening a line after a ref: two expressions (regorus reads one call).
            "f1(x1, x2) := x1 if {\n\t[] in data.d.n\n\t(x2 - 1) != 0.5\n}",
            // A long line is no error in OPA.
            &format!("s := \"{}\"", "x".repeat(5000)),
        ];
        for body in &ok {
            let src = format!("package p\n\n{body}\n");
            assert_eq!(lines(&[("p.rego", &src)]), Vec::<String>::new(), "{src}");
        }
    }

    #[test]
    fn a_name_declared_twice_in_one_scope_is_refused() {
        let src = "package p\n\nf(a) := b if {\n\ta := 1\n\tb := 2\n\tb := 3\n}\n\
                   g if {\n\tsome x\n\tx := 1\n\tnot y := 2\n\ty := [y | y := 1]\n}\n";
        assert_eq!(
            lines(&[("p.rego", src)]),
            [
                "p.rego:4:2: rego_compile_error: arg a redeclared",
                "p.rego:6:2: rego_compile_error: var b assigned above",
                "p.rego:10:2: rego_compile_error: var x declared above",
                "p.rego:11:2: rego_compile_error: cannot assign vars inside negated expression",
            ]
        );
        // A declaration after a use in the same body (not in a comprehension: a scope of its own).
        let src = "package p

r if {
	z == 1
	z := 1
}
                   s if {
	a := [1 | q := 2]
	q := 1
	b := x
	some x in [1]
}
";
        assert_eq!(
            lines(&[("p.rego", src)]),
            [
                "p.rego:5:2: rego_compile_error: var z referenced above",
                "p.rego:11:2: rego_compile_error: var x referenced above",
            ]
        );
    }

    #[test]
    fn a_declared_var_must_be_used() {
        let src = "package p\n\nr if {\n\tsome x\n\tevery k, v in {\"a\": 1} { v == 1 }\n}\n\
                   s contains y if {\n\tsome y\n\tinput[y]\n}\n";
        assert_eq!(
            lines(&[("p.rego", src)]),
            [
                "p.rego:4:2: rego_compile_error: declared var x unused",
                "p.rego:5:2: rego_compile_error: declared var k unused",
            ]
        );
    }

    #[test]
    fn kinds_travel_through_constant_variables() {
        let got = lines(&[(
            "p.rego",
            "package p\n\nr if {\n\tn := 5\n\tcount(n) > 0\n}\n",
        )]);
        assert_eq!(
            got,
            ["p.rego:5:2: rego_type_error: count: invalid argument(s)"]
        );
    }

    #[test]
    fn network_builtins_load_as_in_opa() {
        let got = lines(&[("p.rego", "package p\n\nr := http.send({})\n")]);
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn builtin_table_is_sorted_for_binary_search() {
        let names: Vec<&str> = opa_builtins::BUILTINS.iter().map(|b| b.0).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(calls::builtin("count").is_some());
        assert!(calls::builtin("no_such").is_none());
    }
}
