//! `a < b` (`<=`, `>`, `>=`) written as a call of the comparison extension
//! (`builtins/ordered.rs`) where both sides may be collections: regorus's operators cannot be
//! replaced by an extension, and its derived order puts sets before objects (`builtins/order.rs`).
//! A side that is a scalar for sure (a literal, arithmetic, `count(..)`) keeps the operator:
//! against a scalar both orders agree, and the common comparison stays regorus's own.

use regorus::unstable::{Expr, Module};

use crate::ast::{walk_rule, Edit};
use crate::builtins::ordered::OPERATORS;

/// Whether `e` is a scalar for sure, whatever the input: a comparison with it is the same in
/// both orders.
fn scalar(e: &Expr) -> bool {
    match e {
        Expr::String { .. }
        | Expr::RawString { .. }
        | Expr::Number { .. }
        | Expr::Bool { .. }
        | Expr::Null { .. }
        | Expr::ArithExpr { .. }
        | Expr::UnaryExpr { .. } => true,
        Expr::Call { fcn, .. } => matches!(
            fcn.span().text(),
            "count"
                | "sum"
                | "product"
                | "to_number"
                | "abs"
                | "round"
                | "ceil"
                | "floor"
                | "time.now_ns"
                | "time.parse_rfc3339_ns"
                | "time.parse_ns"
                | "time.parse_duration_ns"
                | "time.add_date"
                | "units.parse"
                | "units.parse_bytes"
                | "lower"
                | "upper"
                | "concat"
                | "sprintf"
                | "trim_space"
                | "format_int"
                | "indexof"
                | "semver.compare"
                | "strings.count"
        ),
        _ => false,
    }
}

/// Whether `text` may hold a comparison (a cheap test before walking the module).
pub fn may_apply(text: &str) -> bool {
    text.contains('<') || text.contains('>')
}

/// The edits that write each `a < b` (`<=`, `>`, `>=`) of `module` whose sides may both be
/// collections as a call of the comparison extension: `__xtask_lt(a , b)`. Only insertions and
/// the operator replaced by as wide a text, so the loader's column shifts map errors back.
pub fn edits(module: &Module, text: &str) -> Vec<Edit> {
    let mut out = Vec::new();
    for rule in &module.policy {
        walk_rule(rule, &mut |e, _| {
            let Expr::BoolExpr {
                span, op, lhs, rhs, ..
            } = e
            else {
                return;
            };
            let Some(&(_, name)) = OPERATORS.iter().find(|(o, _)| o == op) else {
                return;
            };
            if scalar(lhs) || scalar(rhs) {
                return;
            }
            // regorus's spans of the sides can be off (an object holding `set()`); the whole
            // comparison's is not, and its one operator outside brackets is this one.
            let (start, end) = (starts(text, span.start), ends_span(text, span));
            let Some(whole) = text.get(start..end) else {
                return;
            };
            let Some((at, width)) = sole_operator(whole) else {
                return;
            };
            let at = start + at;
            out.push(edit(text, start, start, &format!("{name}(")));
            out.push(edit(
                text,
                at,
                at + width,
                &format!(",{}", " ".repeat(width - 1)),
            ));
            out.push(edit(text, end, end, ")"));
        });
    }
    out
}

/// A `policy-eval` query with its comparisons in OPA's order (`None`: nothing to change), and
/// the text of each of its literals as written, for the results to show.
pub fn rewrite_query(query: &str) -> Option<(String, Vec<String>)> {
    if !may_apply(query) {
        return None;
    }
    let (text, module) = crate::source::query_as_rule(query)?;
    let mut edits = edits(&module, &text);
    if edits.is_empty() {
        return None;
    }
    let written: Vec<String> = match module.policy.first().map(|r| &**r) {
        Some(regorus::unstable::Rule::Spec { bodies, .. }) => bodies
            .first()
            .map(|b| {
                b.query
                    .stmts
                    .iter()
                    .map(|s| {
                        let (start, end) = (starts(&text, s.span.start), ends_span(&text, &s.span));
                        text.get(start..end).unwrap_or("").to_string()
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    edits.sort_by_key(|e| (e.start, e.end));
    let out = crate::ast::apply(&text, &edits);
    let out = crate::source::rule_as_query(&out)?;
    Some((out, written))
}

/// Where a term starts: regorus starts a string literal's span after its opening quote.
pub(crate) fn starts(text: &str, start: u32) -> usize {
    let at = start as usize;
    match at.checked_sub(1).and_then(|b| text.as_bytes().get(b)) {
        Some(b'"' | b'`') => at - 1,
        _ => at,
    }
}

/// The place and width of the one comparison operator of `text` outside brackets, strings and
/// comments; `None` when there is not exactly one (`(a < b) < c` is left as written).
fn sole_operator(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let (mut depth, mut found, mut count) = (0i32, None, 0);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += 1;
                }
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b'<' | b'>' if depth == 0 => {
                count += 1;
                let width = if bytes.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                };
                found = Some((i, width));
                i += width - 1;
            }
            b'=' | b'!' if depth == 0 => count += 2, // `==`, `!=`, `=`: another operator
            _ => {}
        }
        i += 1;
    }
    (count == 1).then_some(found).flatten()
}

/// Where a span ends: regorus ends a string literal's span before its closing quote.
fn ends_span(text: &str, span: &regorus::unstable::Span) -> usize {
    let s = starts(text, span.start);
    let body = text.get(s..span.end as usize).unwrap_or("");
    match crate::ast::open_string(body) {
        true => span.end as usize + 1,
        false => span.end as usize,
    }
}

fn edit(text: &str, start: usize, end: usize, new: &str) -> Edit {
    Edit::new(text, start, end, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_compares_in_opa_order_and_keeps_its_text() {
        let (q, written) = rewrite_query("x := 1; {} < set()").unwrap();
        assert_eq!(q, "x := 1; __xtask_lt({} , set())");
        assert_eq!(written, ["x := 1", "{} < set()"]);
        assert_eq!(rewrite_query("count(x) > 1"), None);
    }

    #[test]
    fn comparisons_with_a_scalar_side_stay_operators() {
        let text = "package p\n\nr if {\n\tinput.a < input.b\n\tcount(x) > 0\n\t[1] >= {}\n\t\"a\" <= input.s\n}\n";
        let src = crate::source::source_as_is("p.rego".into(), text.into()).unwrap();
        let module = crate::source::parse(&src).unwrap();
        let mut edits = edits(&module, text);
        edits.sort_by_key(|e| (e.start, e.end));
        let out = crate::ast::apply(text, &edits);
        assert_eq!(
            out,
            "package p\n\nr if {\n\t__xtask_lt(input.a , input.b)\n\tcount(x) > 0\n\t__xtask_gte([1] ,  {})\n\t\"a\" <= input.s\n}\n"
        );
    }
}
