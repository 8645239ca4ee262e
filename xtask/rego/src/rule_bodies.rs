//! Rules written with several bodies or none, which OPA reads and regorus does not, written
//! as regorus reads them before it parses the module.
//!
//! - `deny contains m if { .. } { .. }`: OPA reads one definition of the rule per body.
//!   regorus refuses the form for partial set rules ("else cannot be used with set rules") and,
//!   for the others, stops at the first body that succeeds, so two bodies giving a complete rule
//!   or a function different values were no conflict. Each extra body gets the rule's head
//!   written again before its `{`, on the same line (`} deny contains m if {`).
//! - `f("a")` alone on its line: a function whose value is `true` there (OPA); regorus wants a
//!   body or an assignment. ` := true` is written after it.
//!
//! No line moves; only the columns after an insertion shift.

use std::num::NonZeroU32;

use regorus::unstable::{Lexer, TokenKind};

/// The module's text with each extra body of a rule made a definition of its own, or `None`
/// when there is none (or the module does not lex: the parser then reports what it finds).
pub(crate) fn split(name: &str, text: &str) -> Option<String> {
    // Cheap test first: a `}` followed, past blanks, by a `{`; a line ending in `)`.
    let candidate = text.match_indices('}').any(|(i, _)| {
        text[i + 1..]
            .trim_start_matches([' ', '\t', '\r', '\n'])
            .starts_with('{')
    }) || text.lines().any(bare_call_line);
    if !candidate {
        return None;
    }
    let src = super::lang::unlimited_source(name, text)?;
    let mut lexer = Lexer::new(&src);
    lexer.set_max_col(NonZeroU32::MAX);

    let mut inserts: Vec<(usize, String)> = Vec::new();
    // Open brackets; for each, whether it opened a rule body.
    let mut open: Vec<bool> = Vec::new();
    // The current statement's first byte, and the head (its text before `if`) once known.
    let mut stmt_start = 0usize;
    let mut head: Option<String> = None;
    // The previous token: its line, whether it was `if` at depth 0, and whether it closed a
    // rule body.
    let (mut last_line, mut after_if, mut after_body) = (0u32, false, false);
    let mut call = Call::No;
    let mut last_text = String::new();
    loop {
        let tok = lexer.next_token().ok()?;
        let (kind, span) = (tok.0, &tok.1);
        let t = span.text();
        let closing = kind == TokenKind::Symbol && matches!(t, ")" | "]" | "}");
        // A statement starts on a new line at depth 0 (`else` goes on with the rule before).
        let starts = open.is_empty() && !closing && span.line != last_line && t != "else";
        if let Call::Closed(end) = call {
            if starts || kind == TokenKind::Eof {
                inserts.push((end, " := true".into()));
            }
        }
        if kind == TokenKind::Eof {
            break;
        }
        if starts {
            stmt_start = span.start as usize;
            head = None;
            // Not the rest of a literal broken over lines (`p if\n\tf(x)`).
            let continues = matches!(
                last_text.as_str(),
                "if" | "else" | ":=" | "=" | "contains" | "with" | "as" | "not" | "in" | ","
            );
            let keyword = matches!(t, "package" | "import" | "default");
            call = match kind == TokenKind::Ident && !continues && !keyword {
                true => Call::Name,
                false => Call::No,
            };
        } else {
            call = match (call, t) {
                (Call::Name, "(") if open.is_empty() => Call::Args,
                (Call::Name, ".") if open.is_empty() => Call::Dot,
                (Call::Dot, _) if open.is_empty() && kind == TokenKind::Ident => Call::Name,
                (Call::Args, ")") if open.len() == 1 => Call::Closed(span.end as usize),
                (Call::Args, _) => Call::Args,
                _ => Call::No,
            };
        }
        last_text.clear();
        last_text.push_str(t);
        let (was_if, was_body) = (after_if, after_body);
        after_if = open.is_empty() && kind == TokenKind::Ident && t == "if";
        after_body = false;
        if after_if && head.is_none() {
            head = text
                .get(stmt_start..span.start as usize)
                .map(|h| h.trim_end().to_string());
        }
        last_line = span.line;
        // regorus lexes `set(` as one identifier; its `)` closes a bracket all the same.
        if kind == TokenKind::Ident && t.ends_with('(') {
            open.push(false);
            continue;
        }
        if kind != TokenKind::Symbol {
            continue;
        }
        match t {
            "{" if open.is_empty() && was_body => {
                // Only a head that copies onto one line as it is.
                let h = head.as_deref().filter(|h| {
                    !h.is_empty() && !h.contains(['\n', '#', '`']) && !h.starts_with("default")
                });
                if let Some(h) = h {
                    inserts.push((span.start as usize, format!("{h} if ")));
                }
                open.push(true);
            }
            "{" => open.push(open.is_empty() && was_if),
            "(" | "[" => open.push(false),
            ")" | "]" | "}" => after_body = open.pop() == Some(true) && open.is_empty(),
            _ => {}
        }
    }
    if inserts.is_empty() {
        return None;
    }
    let mut out =
        String::with_capacity(text.len() + inserts.iter().map(|i| i.1.len()).sum::<usize>());
    let mut copied = 0;
    for (at, ins) in inserts {
        out.push_str(text.get(copied..at)?);
        out.push_str(&ins);
        copied = at;
    }
    out.push_str(text.get(copied..)?);
    Some(out)
}

/// Whether `line` may be a bare function head: a name at its start, a `)` at its end (before a
/// comment), and no assignment or `if` (a cheap test; the lexer decides).
fn bare_call_line(line: &str) -> bool {
    let code = line.split(" #").next().unwrap_or(line).trim_end();
    line.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && code.ends_with(')')
        && !code.contains('=')
        && !code.contains(" if ")
}

/// Where a statement is on the way to being a bare function head (`f("a")`).
#[derive(Clone, Copy)]
enum Call {
    No,
    /// Its name so far (`f`, `a.f`).
    Name,
    /// Its name and a `.` (`a.`).
    Dot,
    /// Inside its arguments.
    Args,
    /// Its `)` ends at this byte, and nothing followed yet.
    Closed(usize),
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn each_extra_body_gets_the_head_on_its_own_line() {
        let src = "package p\n\ndeny contains m if {\n\tm := 1\n} {\n\tm := 2\n}\n";
        assert_eq!(
            split("p.rego", src).unwrap(),
            "package p\n\ndeny contains m if {\n\tm := 1\n} deny contains m if {\n\tm := 2\n}\n"
        );
        let src = "package p\nf(x) := 1 if { x > 0 } { x < 0 } { x == 0 }\n";
        assert_eq!(
            split("p.rego", src).unwrap(),
            "package p\nf(x) := 1 if { x > 0 } f(x) := 1 if { x < 0 } f(x) := 1 if { x == 0 }\n"
        );
    }

    #[test]
    fn a_bare_function_head_is_true() {
        let src = "package p\nf(\"a\")\nf(x) if x > 1\na.g(\"b\", [1]) # c\nh(\"c\") := 2\n";
        assert_eq!(
            split("p.rego", src).unwrap(),
            "package p\nf(\"a\") := true\nf(x) if x > 1\na.g(\"b\", [1]) := true # c\nh(\"c\") := 2\n"
        );
        let src = "package p\nq if\n\tf(1)\nr := count(\n\t[1]\n)\nt if not f(1)\nu if f(1)\n";
        assert_eq!(split("p.rego", src), None);
    }

    #[test]
    fn objects_sets_and_single_bodies_are_left_alone() {
        for src in [
            "package p\na := [{}, {}]\nb if { x := {1}; {2} == x }\n",
            "package p\nc := {\"a\": {}}\n{\"x\": 1} == c\n",
            "package p\nd := 1 if { true } else := 2 if { false }\n",
            "package p\ne := {1} if {\n\ttrue\n}\n\nf := `}\n{`\n",
        ] {
            assert_eq!(split("p.rego", src), None, "{src}");
        }
    }
}
