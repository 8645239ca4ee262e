//! Output arguments of the builtins only our extensions provide: `net.cidr_merge(xs, out)`
//! binds (or, for a ground `out`, compares) the result as OPA's `out = net.cidr_merge(xs)` does.
//!
//! Why a source rewrite: regorus tells a call's output argument apart by the callee's arity,
//! which it looks up among its own builtins and the policy's functions only, never among
//! extensions; the extra argument then reads as an unbound variable (`var out is unsafe`). OPA
//! itself rewrites `out = f(x)` into `f(x, out)`, so the reverse spelling is the same
//! expression. The comma before the output argument becomes `) = (`, which keeps every line
//! where it is; a trailing comma after the output argument becomes a blank.
//!
//! The same way, OPA's operators called by their builtin names (`plus(1, 2)`, `lt(a, b, out)`),
//! which regorus does not know as functions, become the operator they name: `((1) + (2))`;
//! `eq(x, 1)` and `assign(x, 1)` as a whole literal become `x = (1)` and `x := (1)`.

use std::collections::BTreeSet;

use regorus::unstable::{Expr, Module};

use super::extension_only;
use crate::ast::Edit;
use crate::ast::{dotted, walk_rule, Pos};

/// Whether `text` may hold such a call (a cheap test before walking the module).
pub fn may_apply(text: &str) -> bool {
    extension_only()
        .keys()
        .copied()
        .chain(OPERATORS.iter().map(|(name, _)| *name))
        .chain(["eq", "assign"])
        .any(|name| {
            text.match_indices(name)
                .any(|(i, _)| text[i + name.len()..].starts_with('('))
        })
}

/// The edits for the output arguments of extension-only builtins in `module` (text `text`).
/// `claimed` says whether a name's first part is a rule or import alias of the module, which
/// makes the call no builtin's.
pub fn edits(module: &Module, text: &str, claimed: &dyn Fn(&str) -> bool) -> Vec<Edit> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for rule in &module.policy {
        walk_rule(rule, &mut |e, pos| {
            let Expr::Call {
                span, fcn, params, ..
            } = e
            else {
                return;
            };
            let Some(names) = dotted(fcn) else {
                return;
            };
            if names.first().is_some_and(|first| claimed(first)) {
                return;
            }
            if let (["eq" | "assign"], Pos::Statement, [a, b]) =
                (names.as_slice(), pos, &params[..])
            {
                // `eq(x, 1)` is `x = 1`, `assign(x, 1)` is `x := 1`: the name and its `(` go.
                if seen.insert(span.start) {
                    let op = if names == ["eq"] { " = (" } else { " := (" };
                    let start = fcn.span().start as usize;
                    let Some(c) = first_comma(text, a.span().end as usize, b.span().start as usize)
                    else {
                        return;
                    };
                    let name_end = fcn.span().end as usize;
                    let Some(paren) = text[name_end..].find('(').map(|i| name_end + i) else {
                        return;
                    };
                    out.push(edit(text, start, paren + 1, &" ".repeat(paren + 1 - start)));
                    out.push(edit(text, c, c + 1, op));
                    if let Some(t) = first_comma(text, b.span().end as usize, span.end as usize) {
                        out.push(edit(text, t, t + 1, " "));
                    }
                }
                return;
            }
            if let Some(&(_, op)) = OPERATORS.iter().find(|(n, _)| names == [*n]) {
                if seen.insert(span.start) {
                    operator(text, e, op, pos, &mut out);
                }
                return;
            }
            if pos != Pos::Statement {
                return;
            }
            let Some(&arity) = extension_only().get(names.join(".").as_str()) else {
                return;
            };
            let (Some(last), true) = (params.last(), params.len() == usize::from(arity) + 1) else {
                return;
            };
            if !seen.insert(span.start) {
                return;
            }
            // Where the argument list before the output argument ends: after the previous
            // argument, or after the `(` of a builtin without arguments.
            let from = match params.len() {
                1 => text[fcn.span().end as usize..]
                    .find('(')
                    .map(|i| fcn.span().end as usize + i + 1),
                n => Some(params[n - 2].span().end as usize),
            };
            let Some(from) = from else {
                return;
            };
            let to = last.span().start as usize;
            let at = match params.len() {
                // No comma to replace: `opa.runtime(x)` becomes `opa.runtime() = (x)`.
                1 => Some(from),
                _ => first_comma(text, from, to),
            };
            let Some(at) = at else {
                return;
            };
            let width = usize::from(params.len() > 1);
            out.push(edit(text, at, at + width, ") = ("));
            // `f(a, out,)`: the trailing comma would end up inside `(out,)`.
            if let Some(c) = first_comma(text, last.span().end as usize, span.end as usize) {
                out.push(edit(text, c, c + 1, " "));
            }
        });
    }
    out
}

/// OPA's infix operators by their builtin names (`eq` and `assign` bind and stay as written).
const OPERATORS: &[(&str, &str)] = &[
    ("plus", "+"),
    ("minus", "-"),
    ("mul", "*"),
    ("div", "/"),
    ("rem", "%"),
    ("and", "&"),
    ("or", "|"),
    ("lt", "<"),
    ("lte", "<="),
    ("gt", ">"),
    ("gte", ">="),
    ("equal", "=="),
    ("neq", "!="),
];

/// `op(a, b)` as `((a) op (b))`, and `op(a, b, out)` (a whole literal) as `((a) op (b)) = (out)`.
/// The name and its `(` become `(` and `(` with blanks between, so the call keeps its width.
fn operator(text: &str, call: &Expr, op: &str, pos: Pos, out: &mut Vec<Edit>) {
    let Expr::Call {
        span, fcn, params, ..
    } = call
    else {
        return;
    };
    let with_output = pos == Pos::Statement && params.len() == 3;
    if params.len() != 2 && !with_output {
        return; // a wrong arity: OPA's check refuses it before this runs
    }
    let (start, end) = (fcn.span().start as usize, span.end as usize);
    let Some(open) = text[fcn.span().end as usize..end].find('(') else {
        return;
    };
    let open = fcn.span().end as usize + open;
    if !text[..end].ends_with(')') {
        return;
    }
    let mut edits = vec![edit(
        text,
        start,
        open + 1,
        &format!("({}(", " ".repeat(open - start - 1)),
    )];
    let joins = [format!(") {op} ("), ")) = (".to_string()];
    for (k, join) in joins.iter().enumerate().take(params.len() - 1) {
        let Some(c) = first_comma(
            text,
            params[k].span().end as usize,
            params[k + 1].span().start as usize,
        ) else {
            return;
        };
        edits.push(edit(text, c, c + 1, join));
    }
    let last = params[params.len() - 1].span().end as usize;
    if let Some(c) = first_comma(text, last, end) {
        edits.push(edit(text, c, c + 1, " "));
    }
    if !with_output {
        edits.push(edit(text, end - 1, end, "))"));
    }
    out.extend(edits);
}

/// A `policy-eval` query with [`edits`] applied (`None`: nothing to change or not parsed).
pub fn rewrite_query(query: &str) -> Option<String> {
    if !may_apply(query) {
        return None;
    }
    let (text, module) = crate::source::query_as_rule(query)?;
    let mut edits = edits(&module, &text, &|_| false);
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.start);
    let out = crate::ast::apply(&text, &edits);
    crate::source::rule_as_query(&out)
}

/// The first `,` of `text[from..to]` outside a comment.
fn first_comma(text: &str, from: usize, to: usize) -> Option<usize> {
    let gap = text.get(from..to)?;
    let mut in_comment = false;
    for (i, c) in gap.char_indices() {
        match c {
            '#' => in_comment = true,
            '\n' => in_comment = false,
            ',' if !in_comment => return Some(from + i),
            _ => {}
        }
    }
    None
}

fn edit(text: &str, start: usize, end: usize, new: &str) -> Edit {
    Edit::new(text, start, end, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(src: &str) -> String {
        let source = crate::source::source("p.rego".into(), src.into()).unwrap();
        let module = crate::source::parse(&source).unwrap();
        let text = source.contents().clone();
        let mut edits = edits(&module, &text, &|n| n == "lib");
        edits.sort_by_key(|e| e.start);
        crate::ast::apply(&text, &edits)
    }

    #[test]
    fn the_comma_before_an_output_argument_becomes_an_equality() {
        let src = "package p\n\nr if {\n\tnet.cidr_merge(xs, out)\n\tnot semver.compare(\"1.0.0\", \"2.0.0\", 0)\n\tglob.match(\"*\", [], \"a\",\n\t\tm,\n\t)\n}\n";
        let want = "package p\n\nr if {\n\tnet.cidr_merge(xs) = ( out)\n\tnot semver.compare(\"1.0.0\", \"2.0.0\") = ( 0)\n\tglob.match(\"*\", [], \"a\") = (\n\t\tm \n\t)\n}\n";
        assert_eq!(rewrite(src), want);
    }

    #[test]
    fn operators_called_by_name_become_the_operator() {
        let src =
            "package p\n\nr if {\n\tplus(1, minus(3, 2), x)\n\tlt(x, 3)\n\ty := {rem(5, 3)}\n}\n";
        let want = "package p\n\nr if {\n\t(   (1) + ( (    (3) - ( 2)))) = ( x)\n\t( (x) < ( 3))\n\ty := {(  (5) % ( 3))}\n}\n";
        assert_eq!(rewrite(src), want);
    }

    #[test]
    fn other_calls_are_left_alone() {
        // Right arity, a term position, regorus's own builtins, an import alias's function.
        let src = "package p\n\nr if {\n\tnet.cidr_merge(xs)\n\tx := [y | net.cidr_merge(xs, y)]\n\tcount(xs, n)\n\tlib.f(1, 2)\n\tz := semver.compare(\"1.0.0\", \"2.0.0\")\n}\n";
        assert_eq!(
            rewrite(src),
            src.replace("net.cidr_merge(xs, y)", "net.cidr_merge(xs) = ( y)")
        );
    }
}
