//! OPA's not-bodies (`import future.keywords.not`, or all of `future.keywords`): with them, `not`
//! negates a whole body, either written out (`not { a; b }`) or the one expression after it
//! (`not f(input.x)`), which OPA then evaluates inside the negation with everything nested in it.
//!
//! - `not { a; b }`: regorus reads `{` as a set or object. The body is written as the
//!   comprehension `count([true | a; b]) == 0`, which sees the rule's variables as a not-body
//!   does and keeps the ones it declares (`x := 1`) to itself.
//! - `not E`: without not-bodies OPA moves the references and calls nested in `E` out of the
//!   negation, before it (`lang.rs` writes the same); with them it does not, so `not f(input.x)`
//!   with no `input.x` is true. [`enabled`] tells `lang.rs` which a module has.
//!
//! No line moves; only the columns after a replacement shift.

use std::num::{NonZeroU32, NonZeroUsize};

use regorus::unstable::{Lexer, Module, TokenKind};
use regorus::Source;

/// What `not {` becomes, and its `}`.
const OPEN: &str = "count([true |";
const CLOSE: &str = "]) == 0";

/// Whether `module` imports the `not` future keyword (alone or with all of `future.keywords`).
pub(crate) fn enabled(module: &Module) -> bool {
    module.imports.iter().any(|imp| {
        matches!(
            imp.refr.span().text(),
            "future.keywords" | "future.keywords.not"
        )
    })
}

/// The module's text with each `not { .. }` written as a comprehension, or `None` when there is
/// none (or the module does not lex: the parser then reports what it finds).
pub(crate) fn rewrite(name: &str, text: &str) -> Option<String> {
    if !text.contains("not") || !super::ast::imports_future(text, "not") {
        return None;
    }
    let (bytes, lines) = (NonZeroUsize::MAX, NonZeroUsize::MAX);
    let src = Source::from_contents_with_limits(name.into(), text.into(), bytes, lines).ok()?;
    let mut lexer = Lexer::new(&src);
    lexer.set_max_col(NonZeroU32::MAX);
    // (start, end, replacement), in text order.
    let mut edits: Vec<(usize, usize, &str)> = Vec::new();
    // Open brackets; for each `{`, whether it opened a not-body.
    let mut open: Vec<bool> = Vec::new();
    // The last `not`: its start and line.
    let mut not_at: Option<(usize, u32)> = None;
    loop {
        let tok = lexer.next_token().ok()?;
        let (kind, span) = (tok.0, &tok.1);
        if kind == TokenKind::Eof {
            break;
        }
        let t = span.text();
        let after_not = not_at.take();
        if kind == TokenKind::Ident && t == "not" {
            not_at = Some((span.start as usize, span.line));
            continue;
        }
        // regorus lexes `set(` as one identifier; its `)` closes a bracket all the same.
        if kind == TokenKind::Ident && t.ends_with('(') {
            open.push(false);
            continue;
        }
        if kind != TokenKind::Symbol {
            continue;
        }
        match t {
            "{" => match after_not {
                // On one line, so that no line moves.
                Some((start, line)) if line == span.line => {
                    edits.push((start, span.end as usize, OPEN));
                    open.push(true);
                }
                _ => open.push(false),
            },
            "(" | "[" => open.push(false),
            ")" | "]" => {
                open.pop();
            }
            // Every `}` closes its bracket; a not-body's gets the comprehension's end.
            "}" if open.pop() == Some(true) => {
                edits.push((span.start as usize, span.end as usize, CLOSE));
            }
            _ => {}
        }
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len() + edits.len() * OPEN.len());
    let mut copied = 0;
    for (start, end, with) in edits {
        out.push_str(text.get(copied..start)?);
        out.push_str(with);
        copied = end;
    }
    out.push_str(text.get(copied..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_bodies_become_comprehensions() {
        let src = "package p\nimport future.keywords.not\n\np if not { false }\nq if {\n  not {\n    not { x := \"}\" }\n    y := {1}\n  }\n}\n";
        let out = rewrite("p.rego", src).unwrap();
        assert_eq!(
            out,
            "package p\nimport future.keywords.not\n\np if count([true | false ]) == 0\nq if {\n  count([true |\n    count([true | x := \"}\" ]) == 0\n    y := {1}\n  ]) == 0\n}\n"
        );
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn only_with_the_import() {
        let src = "package p\n\np if not { false }\n";
        assert_eq!(rewrite("p.rego", src), None);
        let all = "package p\nimport future.keywords # all of them\np if not { false }\n";
        assert!(rewrite("p.rego", all).is_some());
        let other = "package p\nimport future.keywords.in\np if not { false }\n";
        assert_eq!(rewrite("p.rego", other), None);
    }
}
