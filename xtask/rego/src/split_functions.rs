//! A function whose definitions are spread over several files of one package (OPA: one function,
//! every body counts, as for a rule), which regorus evaluates wrongly: its function table keeps
//! the definitions of all files with the first file's module, so a body from another file runs
//! with that module's scheduling tables (`node_idx 17 out of bounds`, `binding plan not found`,
//! `var xs is unsafe`).
//!
//! The definitions in every file but one (the one with the `default`, else the first) are renamed
//! (`f` to `__xtask_f<n>_f`, still in their own file, so lines and errors stay theirs), and that
//! one file gets a body forwarding to each renamed one (`f(a0) := data.p.__xtask_f<n>_f(a0)`):
//! the function succeeds with the same values as before, with the same conflicts, and a `with`
//! on `f` still replaces all of it.
//!
//! Likewise the `default` of a rule (not a function) first defined in an earlier file of the
//! package moves to that file (blanked where it was; lines stay), where regorus applies it
//! before a later file's rules read the rule during an evaluation of the whole package.

use std::collections::{BTreeMap, HashMap};

use regorus::unstable::{Rule, RuleHead};

use super::ast::{open_string, rule_name};
use super::tree::PolicyTree;

/// What one file's text needs (see the module's notes).
#[derive(Default, Debug, Clone, PartialEq, Eq)]
pub struct FileSplit {
    /// Function head as written (`f`, `a.b`) → the name its definitions here get.
    pub renamed: BTreeMap<String, String>,
    /// Forwarding bodies to append to this file.
    pub forwards: String,
    /// `default` declarations of a rule (not a function) first defined in an earlier file of
    /// the package, moved there: their byte spans here, blanked.
    pub moved_defaults: Vec<(u32, u32)>,
}

/// Per file (its path relative to the tree), what it needs; files that need nothing are absent.
pub fn plan(tree: &PolicyTree) -> HashMap<String, FileSplit> {
    // (package, head) → (files with bodies, in order, with the arity; the file with the default)
    type Sites = (Vec<(usize, usize)>, Option<usize>);
    let mut sites: BTreeMap<(String, String), Sites> = BTreeMap::new();
    // (package, rule) → the first file defining it; and every non-function `default`.
    let mut first: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut defaults: Vec<(String, String, usize, u32, u32, String)> = Vec::new();
    for (i, file) in tree.modules.iter().enumerate() {
        let Some((src, module)) = super::source::parse_file(file) else {
            continue; // the loader reports syntax errors
        };
        let package = module.package.refr.span().text().to_string();
        for rule in &module.policy {
            let name = rule_name(rule);
            first.entry((package.clone(), name.clone())).or_insert(i);
            if let Rule::Default { span, args, .. } = &**rule {
                // regorus ends a span that ends in a string before its closing quote.
                let full = src.contents();
                let (start, mut end) = (span.start, span.end);
                if open_string(&full[start as usize..end as usize]) {
                    end += 1;
                }
                let text = &full[start as usize..end as usize];
                if args.is_empty() && text.starts_with("default") && !text.contains('\n') {
                    defaults.push((package.clone(), name, i, start, end, text.to_string()));
                }
            }
            match &**rule {
                Rule::Spec {
                    head: RuleHead::Func { refr, args, .. },
                    ..
                } => {
                    let key = (package.clone(), refr.span().text().to_string());
                    let bodies = &mut sites.entry(key).or_default().0;
                    if !bodies.iter().any(|&(f, _)| f == i) {
                        bodies.push((i, args.len()));
                    }
                }
                Rule::Default { refr, args, .. } if !args.is_empty() => {
                    let key = (package.clone(), refr.span().text().to_string());
                    sites.entry(key).or_default().1.get_or_insert(i);
                }
                _ => {}
            }
        }
    }
    let mut out: HashMap<String, FileSplit> = HashMap::new();
    // Why: regorus evaluating the whole package reads such a rule from a later file before it
    // applied the default there (`data.q` without `r5 := r3` when `r3`'s default and `r5` sit
    // in a second file). In the first file, as when written there, it does.
    for (package, name, file, start, end, text) in defaults {
        let Some(&owner) = first.get(&(package, name)) else {
            continue;
        };
        if owner == file {
            continue;
        }
        let here = out.entry(tree.modules[file].rel.clone()).or_default();
        here.moved_defaults.push((start, end));
        let there = out.entry(tree.modules[owner].rel.clone()).or_default();
        there.forwards.push_str(&format!("{text}\n"));
    }
    for ((package, head), (bodies, default)) in sites {
        let mut files: Vec<usize> = bodies.iter().map(|&(f, _)| f).collect();
        files.extend(default.filter(|d| !files.contains(d)));
        if files.len() < 2 {
            continue;
        }
        let owner = default.unwrap_or(files[0]);
        for &(f, arity) in bodies.iter().filter(|&&(f, _)| f != owner) {
            let name = format!("__xtask_f{f}_{}", head.replace('.', "_"));
            let args: Vec<String> = (0..arity).map(|a| format!("a{a}")).collect();
            let args = args.join(", ");
            let package = package.strip_prefix("data.").unwrap_or(&package);
            out.entry(tree.modules[owner].rel.clone())
                .or_default()
                .forwards
                .push_str(&format!(
                    "{head}({args}) := data.{package}.{name}({args})\n"
                ));
            out.entry(tree.modules[f].rel.clone())
                .or_default()
                .renamed
                .insert(head.clone(), name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::engine::Policy;
    use crate::tree::PolicyTree;
    use regorus::Value;

    fn eval(files: &[(&str, &str)], rule: &str) -> Result<Value, String> {
        let t = PolicyTree::of(files);
        let mut p = Policy::load(&t, &serde_json::json!({})).map_err(|e| e.to_string())?;
        p.eval("p", rule).map_err(|e| e.to_string())
    }

    #[test]
    fn a_function_defined_in_several_files() {
        let a = "package p\nnorm(cs) := [c | some c in cs; c != \"\"]\nr := count(h([1, 2]))\n";
        let b = "package p\nnorm(cs) := [c | some c in cs; c != \"\"]\nh(xs) := [x | some x in xs] if count(xs) > 1\n";
        let c = "package p\nh(xs) := [] if count(xs) <= 1\ns := norm([\"a\", \"\"])\n";
        let files = [("a.rego", a), ("b.rego", b), ("c.rego", c)];
        assert_eq!(eval(&files, "r"), Ok(Value::from(2)));
        assert_eq!(
            eval(&files, "s").map(|v| v.to_string()),
            Ok(r#"["a"]"#.into())
        );
    }

    #[test]
    fn conflicting_bodies_in_two_files_still_conflict() {
        let a = "package p\nf(x) := 1 if x\n";
        let b = "package p\nf(x) := 2 if x\nr := f(true)\n";
        let err = eval(&[("a.rego", a), ("b.rego", b)], "r").unwrap_err();
        assert!(
            err.contains("conflict") || err.contains("multiple"),
            "{err}"
        );
    }

    #[test]
    fn the_default_of_a_rule_in_a_later_file() {
        let a = "package p\nr := 0.2 if input.zz == 1\n";
        let b = "package p\n\ndefault r := \"x\"\n\nr5 := r\n";
        let t = PolicyTree::of(&[("a.rego", a), ("b.rego", b)]);
        let mut p = Policy::load(&t, &serde_json::json!({})).unwrap();
        let whole = p.eval("p", "r5").unwrap();
        assert_eq!(whole, Value::from("x"));
        let mut p = Policy::load(&t, &serde_json::json!({})).unwrap();
        let res = p.engine.eval_query("data.p".into(), false).unwrap();
        let v = res.result[0].expressions[0].value.to_string();
        assert_eq!(v, r#"{"r":"x","r5":"x"}"#);
    }

    #[test]
    fn a_default_in_another_file() {
        let a = "package p\ndefault f(_) := 0\n";
        let b = "package p\nf(x) := 2 if x == 1\nr := [f(1), f(5)]\n";
        let t = "package p\nt := x if x := f(1) with f as 7\n";
        let files = [("a.rego", a), ("b.rego", b), ("t.rego", t)];
        assert_eq!(eval(&files, "r").map(|v| v.to_string()), Ok("[2,0]".into()));
        assert_eq!(eval(&files, "t"), Ok(Value::from(7)));
    }
}
