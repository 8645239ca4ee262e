//! Rules whose heads are references, where one reaches a document through a variable
//! (`p[q].r contains s`) and another names part of it outright (`p.b.r contains "foo"`): in OPA
//! both give `p.b.r` (`{"a", "foo"}`); regorus looks a document up through the longest path a
//! rule names (`p.b.r`), evaluates only the rules there, and left the first rule's values out
//! of `data.p.b.r`, `data.p.b` and every reference below them.
//!
//! The second rule is written with a variable where the first has one, bound in its body
//! (`p[__xtask_rh].r contains "foo" if { __xtask_rh := "b" }`), so regorus looks both up
//! through `p` and evaluates both. A rule with `else` (the variable would be unbound in it) or
//! a `default` stays as it is, and so does every head of a tree that indexes `data` with a
//! variable (`data[pkg].allow.see`): regorus evaluates such a reference through the rule
//! registered at its exact path only, which the rewrite would take away.
//!
//! The text is rewritten before the engine parses it; no line moves.

use std::collections::{BTreeMap, HashMap};

use regorus::unstable::{Expr, Module, Rule, RuleHead};

use super::ast::{open_string, Edit};
use super::tree::PolicyTree;

/// The variable a rewritten head reaches its document through.
pub(crate) const VAR: &str = "__xtask_rh";

/// One part of a rule's reference: its value when written outright (a name or a string), and
/// the bytes to replace to make it the variable (`.b`, or the index of `["b"]`).
struct Part {
    value: Option<String>,
    replace: Option<(usize, usize)>,
}

/// A rule of a package: its file and reference parts, and where its body takes a binding.
struct Site {
    file: usize,
    parts: Vec<Part>,
    /// The insertions that bind [`VAR`] (given its value), or `None` when the rule cannot take
    /// one (`else`, a function, a `default`).
    bind: Option<Bind>,
}

enum Bind {
    /// A body in braces: before its first literal.
    Braced(usize),
    /// A body without braces (`if x`): around its literal.
    Bare(usize, usize),
    /// No body: after the rule.
    None(usize),
}

/// Per file (its path relative to the tree), the edits its text needs before it is parsed.
pub(crate) fn plan(tree: &PolicyTree) -> HashMap<String, Vec<Edit>> {
    if tree.modules.iter().any(|f| indexes_data(&f.text)) {
        return HashMap::new();
    }
    let mut packages: BTreeMap<String, Vec<Site>> = BTreeMap::new();
    let mut texts = Vec::new();
    for (i, file) in tree.modules.iter().enumerate() {
        texts.push(file.text.as_str());
        // Cheap test first: a rule reference with a `.` or `[` in its head.
        if !file.text.contains('[') && !file.text.contains('.') {
            continue;
        }
        let Some((src, module)) = super::source::parse_file(file) else {
            continue; // the loader reports syntax errors
        };
        // The text as parsed: the sites' offsets are in it, and so must the edits be.
        if src.contents() != file.text.as_str() {
            continue;
        }
        let package = module.package.refr.span().text().to_string();
        packages
            .entry(package)
            .or_default()
            .extend(sites(&module, &file.text, i));
    }
    let mut out: HashMap<String, Vec<Edit>> = HashMap::new();
    for sites in packages.values() {
        // The lengths of the written-out prefixes after which a rule goes on with a variable.
        let generic: Vec<(usize, &Site)> = sites
            .iter()
            .filter_map(|s| {
                let n = s.parts.iter().take_while(|p| p.value.is_some()).count();
                (n < s.parts.len()).then_some((n, s))
            })
            .collect();
        for site in sites {
            let Some(bind) = &site.bind else { continue };
            // The shortest such prefix that this rule writes out and goes on after.
            let at = generic
                .iter()
                .filter(|(n, g)| {
                    !std::ptr::eq(*g, site)
                        && *n < site.parts.len()
                        && (0..*n).all(|i| site.parts[i].value == g.parts[i].value)
                })
                .map(|(n, _)| *n)
                .min();
            let Some(at) = at else { continue };
            let part = &site.parts[at];
            let (Some(value), Some((start, end))) = (&part.value, part.replace) else {
                continue;
            };
            let text = texts[site.file];
            let quoted = serde_json::to_string(value).unwrap_or_default();
            let binding = format!("{VAR} := {quoted}");
            let mut edits = vec![Edit::new(text, start, end, &format!("[{VAR}]"))];
            match *bind {
                Bind::Braced(at) => edits.push(Edit::new(text, at, at, &format!("{binding}; "))),
                Bind::Bare(from, to) => {
                    edits.push(Edit::new(text, from, from, &format!("{{ {binding}; ")));
                    edits.push(Edit::new(text, to, to, " }"));
                }
                Bind::None(at) => {
                    edits.push(Edit::new(text, at, at, &format!(" if {{ {binding} }}")))
                }
            }
            let rel = tree.modules[site.file].rel.clone();
            out.entry(rel).or_default().extend(edits);
        }
    }
    for edits in out.values_mut() {
        edits.sort_by_key(|e| (e.start, e.end));
    }
    out
}

/// Whether `text` may index `data` with something other than a string (`data[x]`).
fn indexes_data(text: &str) -> bool {
    text.match_indices("data[").any(|(i, _)| {
        let after = text[i + 5..].trim_start();
        !after.starts_with(['"', '`'])
    })
}

/// `text` with `edits` (in order) applied.
pub(crate) fn apply(text: &str, edits: &[Edit]) -> String {
    super::ast::apply(text, edits)
}

fn sites(module: &Module, text: &str, file: usize) -> Vec<Site> {
    let mut out = Vec::new();
    for rule in &module.policy {
        let Rule::Spec { span, head, bodies } = &**rule else {
            continue;
        };
        let refr = match head {
            RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => refr,
            RuleHead::Func { .. } => continue,
        };
        let mut parts = Vec::new();
        if !ref_parts(refr, text, &mut parts) || parts.len() < 2 {
            continue;
        }
        let end_of = |start: u32, end: u32| -> usize {
            let s = text.get(start as usize..end as usize).unwrap_or("");
            end as usize + usize::from(open_string(s))
        };
        let bind = match bodies.as_slice() {
            [] => Some(Bind::None(end_of(span.start, span.end))),
            [body] if !body.is_else && body.assign.is_none() => {
                let stmts = &body.query.stmts;
                match (stmts.first(), stmts.last()) {
                    (Some(first), Some(last)) => {
                        let at = first.span.start as usize;
                        let before = text.get(..at).unwrap_or("").trim_end();
                        if before.ends_with(['{', ';']) {
                            Some(Bind::Braced(at))
                        } else if before.ends_with("if") {
                            Some(Bind::Bare(at, end_of(last.span.start, last.span.end)))
                        } else {
                            None
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        out.push(Site { file, parts, bind });
    }
    out
}

/// The parts of a rule's reference, base first; `false` for a form this leaves alone.
fn ref_parts(e: &Expr, text: &str, out: &mut Vec<Part>) -> bool {
    match e {
        Expr::Var { span, .. } => {
            out.push(Part {
                value: Some(span.text().to_string()),
                replace: None,
            });
            true
        }
        Expr::RefDot { refr, field, .. } => {
            if !ref_parts(refr, text, out) {
                return false;
            }
            let span = &field.0;
            let (start, end) = (span.start as usize, span.end as usize);
            let dot = start
                .checked_sub(1)
                .filter(|&d| text.as_bytes().get(d) == Some(&b'.'));
            out.push(Part {
                value: Some(span.text().to_string()),
                replace: dot.map(|d| (d, end)),
            });
            true
        }
        Expr::RefBrack { refr, index, .. } => {
            if !ref_parts(refr, text, out) {
                return false;
            }
            let value = match &**index {
                Expr::String { value, .. } => value.as_string().ok().map(|s| s.to_string()),
                // A variable (or a number, which this does not rewrite).
                _ => None,
            };
            // The brackets around the index.
            let span = index.span();
            let open = text.get(..span.start as usize).and_then(|t| t.rfind('['));
            let close = text
                .get(span.end as usize..)
                .and_then(|t| t.find(']'))
                .map(|i| span.end as usize + i + 1);
            let written = matches!(
                &**index,
                Expr::Number { .. } | Expr::Bool { .. } | Expr::Null { .. }
            );
            out.push(Part {
                value: if written {
                    Some(format!("\u{0}{}", span.text()))
                } else {
                    value
                },
                replace: match (open, close, written) {
                    (Some(o), Some(c), false) => Some((o, c)),
                    _ => None,
                },
            });
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(files: &[(&str, &str)]) -> Vec<String> {
        let tree = PolicyTree::of(files);
        let plan = plan(&tree);
        tree.modules
            .iter()
            .map(|f| apply(&f.text, plan.get(&f.rel).map_or(&[][..], |e| e.as_slice())))
            .collect()
    }

    #[test]
    fn a_named_part_under_a_variable_becomes_the_variable() {
        let generic = "package p\n\nt[q].r contains s if {\n\tsome q, s in input.m\n}\n";
        let named = "package p\n\nt.b.r contains \"foo\"\nt[\"c\"].r contains \"x\" if input.y\nt.d.r contains 1 if {\n\tinput.z\n}\nu.b := 1\n";
        let out = rewritten(&[("a.rego", generic), ("b.rego", named)]);
        assert_eq!(out[0], generic);
        assert_eq!(
            out[1],
            "package p\n\nt[__xtask_rh].r contains \"foo\" if { __xtask_rh := \"b\" }\n\
             t[__xtask_rh].r contains \"x\" if { __xtask_rh := \"c\"; input.y }\n\
             t[__xtask_rh].r contains 1 if {\n\t__xtask_rh := \"d\"; input.z\n}\nu.b := 1\n"
        );
    }

    #[test]
    fn not_in_a_tree_that_indexes_data() {
        let src = "package p\n\nt[q] := 1 if q := input.q\nt.b := 2\nu := data[input.p].t.b\n";
        assert_eq!(rewritten(&[("a.rego", src)])[0], src);
    }

    #[test]
    fn else_and_other_packages_stay() {
        let src = "package p\n\nt[q] := 1 if q := input.q\nt.b := 2 if input.x\nelse := 3\n";
        assert_eq!(rewritten(&[("a.rego", src)])[0], src);
        let other = "package q\n\nt.b := 2\n";
        let out = rewritten(&[
            ("a.rego", "package p\n\nt[q] := 1 if q := input.q\n"),
            ("b.rego", other),
        ]);
        assert_eq!(out[1], other);
    }
}
