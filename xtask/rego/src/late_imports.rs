//! Imports written after a rule, which OPA accepts and regorus refuses, hoisted into the module's
//! header without moving a line.
//!
//! OPA's parser takes `import` statements anywhere after `package`, and they apply to the whole
//! module (published trees rely on it: GCP's policy-library declares its test imports below a
//! rule). regorus stops at them (`unexpected keyword import`). Before a module is parsed, each late
//! import is blanked where it stands and written again on a blank line of the header, or at the
//! end of the `package`/last header `import` line; every other line keeps its text, so lines and
//! columns in errors and coverage stay those of the file as written.

use std::num::{NonZeroU32, NonZeroUsize};

use regorus::unstable::{Lexer, TokenKind};
use regorus::Source;

/// The module's text with its late imports hoisted, or `None` when it has none (or no place in
/// its header to put them, or does not lex: the parser then reports what it finds).
pub(crate) fn hoist(name: &str, text: &str) -> Option<String> {
    // Cheap test first: most modules have no line starting with `import` after their header.
    if !text.lines().any(|l| l.trim_start().starts_with("import")) {
        return None;
    }
    let src = Source::from_contents_with_limits(
        name.to_string(),
        text.to_string(),
        NonZeroUsize::MAX,
        NonZeroUsize::MAX,
    )
    .ok()?;
    let mut lexer = Lexer::new(&src);
    lexer.set_max_col(NonZeroU32::MAX);
    // Per line (1-based) that starts a statement: its first token's text and the byte range of the
    // statement's tokens on that line (comments are not tokens).
    let mut lines: Vec<(u32, String, usize, usize)> = Vec::new();
    let mut depth = 0i32;
    let mut last_line = 0;
    loop {
        let tok = lexer.next_token().ok()?;
        let (kind, span) = (tok.0, tok.1);
        if kind == TokenKind::Eof {
            break;
        }
        let (start, end) = (span.start as usize, span.end as usize);
        if span.line != last_line && depth == 0 {
            lines.push((span.line, span.text().to_string(), start, end));
        } else if let Some(l) = lines.last_mut().filter(|l| l.0 == span.line) {
            l.3 = end;
        }
        last_line = span.line;
        // regorus lexes `set(` as one identifier; its `)` closes a bracket all the same.
        if kind == TokenKind::Ident && span.text().ends_with('(') {
            depth += 1;
        }
        if kind == TokenKind::Symbol {
            match span.text() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth -= 1,
                _ => {}
            }
        }
    }
    let header_end = lines
        .iter()
        .position(|l| l.1 != "package" && l.1 != "import")?;
    let late: Vec<&(u32, String, usize, usize)> = lines[header_end..]
        .iter()
        .filter(|l| l.1 == "import")
        .collect();
    if late.is_empty() {
        return None;
    }
    let stmts: Vec<&str> = late.iter().map(|l| &text[l.2..l.3]).collect();
    let joined = stmts.join(" ");

    // Where the hoisted imports go: a blank line of the header, else the end of its last line.
    let first_rule_line = lines[header_end].0;
    let header_lines = &lines[..header_end];
    let package_line = header_lines.first()?.0;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_range = |n: u32| -> Option<(usize, usize)> {
        let s = *line_starts.get(n as usize - 1)?;
        let e = line_starts
            .get(n as usize)
            .map_or(text.len(), |&next| next - 1);
        Some((s, e))
    };
    let blank = (package_line + 1..first_rule_line)
        .find(|&n| line_range(n).is_some_and(|(s, e)| text[s..e].trim().is_empty()));
    let (at, insert) = match blank {
        Some(n) => {
            let (s, e) = line_range(n)?;
            (s..e, joined)
        }
        None => {
            let last = header_lines.last()?;
            let (_, e) = line_range(last.0)?;
            // Only when nothing (no comment) follows the statement on that line.
            if !text[last.3..e].trim().is_empty() {
                return None;
            }
            (last.3..last.3, format!(" {joined}"))
        }
    };
    let mut edits: Vec<(std::ops::Range<usize>, String)> = late
        .iter()
        .map(|l| (l.2..l.3, " ".repeat(text[l.2..l.3].chars().count())))
        .collect();
    edits.push((at, insert));
    edits.sort_by_key(|e| e.0.start);
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    for (range, with) in edits {
        out.push_str(&text[copied..range.start]);
        out.push_str(&with);
        copied = range.end;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::hoist;

    #[test]
    fn a_late_import_moves_to_a_blank_header_line_and_no_line_moves() {
        let src = "package p\n\nt := 1\n\nimport data.q.x as y # why\n\ntest_a if y == 1\n";
        let out = hoist("p.rego", src).unwrap();
        assert_eq!(
            out,
            "package p\nimport data.q.x as y\nt := 1\n\n                     # why\n\ntest_a if y == 1\n"
        );
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn a_set_literal_before_it_does_not_hide_a_late_import() {
        let src = "package p\n\nt := set()\n\nimport data.q.x as y\n";
        let out = hoist("p.rego", src).unwrap();
        assert!(
            out.starts_with("package p\nimport data.q.x as y\n"),
            "{out:?}"
        );
    }

    #[test]
    fn without_a_blank_line_it_goes_after_the_header() {
        let src = "package p\nimport rego.v1\nt := 1\nimport data.q\n";
        assert_eq!(
            hoist("p.rego", src).unwrap(),
            "package p\nimport rego.v1 import data.q\nt := 1\n             \n"
        );
    }

    #[test]
    fn modules_without_late_imports_are_left_alone() {
        assert_eq!(
            hoist("p.rego", "package p\nimport data.q\n\nt := 1\n"),
            None
        );
        // Inside a string, `import` is text.
        assert_eq!(
            hoist("p.rego", "package p\nt := `\nimport data.q\n`\n"),
            None
        );
        // A comment after the header's last line and no blank line: nowhere to put it.
        assert_eq!(
            hoist("p.rego", "package p # c\nt := 1\nimport data.q\n"),
            None
        );
    }
}
