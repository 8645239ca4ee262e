//! Duplicate keys in an object literal: OPA's parser keeps the last value of a key written twice
//! (`{"k": input.zz, "k": 3}` is `{"k": 3}`; the first value is never evaluated, so an undefined
//! one does not make the object undefined). regorus evaluates every field. Each earlier field of
//! a repeated scalar key is blanked, comma included, before regorus parses the module; only
//! blanks replace it, so every other token keeps its line and column.

use regorus::unstable::{Expr, Module};

use crate::ast::{literal_value, walk_rule, Edit};
use crate::order_rewrite::starts;

/// The edits blanking every field of an object literal of `module` whose key a later field of
/// the same literal repeats.
pub fn edits(module: &Module, text: &str) -> Vec<Edit> {
    let mut out = Vec::new();
    for rule in &module.policy {
        walk_rule(rule, &mut |e, _| {
            let Expr::Object { fields, .. } = e else {
                return;
            };
            for (i, (_, key, _)) in fields.iter().enumerate() {
                let Some(k) = literal_value(key) else {
                    continue;
                };
                let repeated = fields[i + 1..]
                    .iter()
                    .any(|(_, later, _)| literal_value(later) == Some(k));
                if !repeated {
                    continue;
                }
                let start = starts(text, key.span().start);
                let end = starts(text, fields[i + 1].1.span().start);
                let Some(field) = text.get(start..end) else {
                    continue;
                };
                let blank: String = field
                    .chars()
                    .map(|c| if c.is_whitespace() { c } else { ' ' })
                    .collect();
                let before = &text[..start];
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                out.push(Edit {
                    start,
                    end,
                    text: blank,
                    line: before.matches('\n').count() as u32 + 1,
                    col: before[line_start..].chars().count() as u32 + 1,
                });
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_earlier_field_of_a_repeated_key_is_blanked() {
        let text = "package p\n\na := {\"k\": input.zz, `k`: 3, \"j\": {1: 2,\n\t1: 3}}\n";
        let src = crate::source::source_as_is("p.rego".into(), text.into()).unwrap();
        let module = crate::source::parse(&src).unwrap();
        let mut edits = edits(&module, text);
        edits.sort_by_key(|e| e.start);
        let out = crate::ast::apply(text, &edits);
        assert_eq!(
            out,
            "package p\n\na := {               `k`: 3, \"j\": {     \n\t1: 3}}\n"
        );
    }
}
