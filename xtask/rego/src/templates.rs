//! OPA's template strings (`$"a {expr} b"`, and the raw, multi-line `` $`...` ``), which regorus
//! does not lex, written as a call regorus evaluates before it parses the module.
//!
//! OPA's compiler turns a template into `internal.template_string([parts])`: a text part is a
//! string (`\{` is a literal `{`), a literal expression (`{42}`, `{"a"}`, `{true}`) is its own
//! text, a local variable `x` the set `{x}`, and any other expression (a rule's name too: the
//! compiler has made it a reference by then) the set comprehension `{t | t = expr}` (keeping
//! the expression's `with`s). We cannot tell a local from a rule before parsing, and a local
//! is always bound where OPA takes it, so a variable gets the comprehension too; the builtin writes a string as it is, an
//! empty set as `<undefined>` and a set's one element as OPA prints a term, and refuses a set of
//! several (`template-strings must not produce multiple outputs`). We write the same, with
//! [`BUILTIN`] as the builtin (`builtins/misc.rs`).
//!
//! Text parts of a multi-line template stay raw strings, so no line moves; only the columns
//! after a template shift.

/// The builtin a template becomes.
pub(crate) const BUILTIN: &str = "internal.template_string";

/// Where a template cannot be read; OPA's parse error and where it is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Error {
    /// Byte offset into the text.
    pub offset: usize,
    pub message: &'static str,
}

/// The text with every template string written as a call of [`BUILTIN`], `None` when it has
/// none; an error when one cannot be read.
pub(crate) fn rewrite(text: &str) -> Option<Result<String, Error>> {
    if !text.contains("$\"") && !text.contains("$`") {
        return None;
    }
    let mut rw = Rewriter { text, vars: 0 };
    let mut out = String::with_capacity(text.len() + 64);
    match rw.copy(0, false, &mut out) {
        Ok(_) if out == text => None,
        Ok(_) => Some(Ok(function_args(&out).unwrap_or(out))),
        Err(e) => Some(Err(e)),
    }
}

/// A template in a function's head arguments (`f($"{x}") := 1 if { x = "a" }`): OPA's compiler
/// makes the argument a variable and the template a literal of the body, where the body's
/// variables are bound. We write the same: `f(__xtask_targ1) := 1 if { __xtask_targ1 ==
/// internal.template_string(..); x = "a" }` (a braceless body or none gets braces). Left as it
/// is where the call spans lines, or the rule has `else` branches.
fn function_args(text: &str) -> Option<String> {
    use super::keyword_refs::{apply, lex, statements, Edits, Kind};
    let toks = lex(text);
    let word = |k: usize| &text[toks[k].start..toks[k].end];
    let mut edits = Edits::new();
    let mut n = 0;
    for (a, z) in statements(text, &toks) {
        // A function's head: a name, then `(` at depth 0.
        if toks[a].kind != Kind::Ident || matches!(word(a), "default" | "package" | "import") {
            continue;
        }
        let Some(open) = (a..z).find(|&k| toks[k].depth == 0 && word(k) == "(") else {
            continue;
        };
        let end = (open..z)
            .find(|&k| {
                toks[k].depth == 0
                    && matches!(word(k), ":" | "=" | "if" | "{" | "contains" | "else")
            })
            .unwrap_or(z);
        if (a..open).any(|k| toks[k].depth == 0 && matches!(word(k), ":" | "=" | "if" | "{")) {
            continue;
        }
        let mut literals = Vec::new();
        let mut args = Edits::new();
        let mut k = open;
        while k < end {
            let call_at = text[toks[k].start..].starts_with(BUILTIN)
                && toks[k].depth == 1
                && !(k > 0 && word(k - 1) == ".");
            if !call_at {
                k += 1;
                continue;
            }
            // `internal`, `.`, `template_string`, `(`, ..., its `)`.
            let paren = k + 3;
            let Some(close) = (paren + 1..end)
                .find(|&j| toks[j].depth == toks[paren].depth + 1 && word(j) == ")")
            else {
                break;
            };
            let call = &text[toks[k].start..toks[close].end];
            if call.contains('\n') {
                return None;
            }
            n += 1;
            let v = format!("__xtask_targ{n}");
            literals.push(format!("{v} == {call}"));
            args.push((toks[k].start, toks[close].end, v));
            k = close + 1;
        }
        if literals.is_empty() {
            continue;
        }
        if (end..z).any(|k| toks[k].depth == 0 && word(k) == "else") {
            continue;
        }
        let lits = literals.join("; ");
        let last = (a..z).rev().find(|&k| toks[k].kind != Kind::Comment)?;
        let body_if = (end..z).find(|&k| toks[k].depth == 0 && word(k) == "if");
        match body_if {
            Some(i) if i + 1 < z && word(i + 1) == "{" => {
                edits.push((toks[i + 1].end, toks[i + 1].end, format!(" {lits};")));
            }
            Some(i) if i + 1 < z => {
                edits.push((toks[i + 1].start, toks[i + 1].start, format!("{{ {lits}; ")));
                edits.push((toks[last].end, toks[last].end, " }".into()));
            }
            Some(_) => continue,
            None => edits.push((toks[last].end, toks[last].end, format!(" if {{ {lits} }}"))),
        }
        edits.extend(args);
    }
    (!edits.is_empty()).then(|| apply(text, edits))
}

struct Rewriter<'a> {
    text: &'a str,
    /// Variables generated so far (each comprehension gets its own).
    vars: usize,
}

impl Rewriter<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.text[i..].chars().next()
    }

    /// Copies the text from `i` into `out`, templates rewritten, strings and comments as they
    /// are. In an expression (`in_expr`), stops at the `}` that closes it and returns its offset;
    /// otherwise at the end.
    fn copy(&mut self, mut i: usize, in_expr: bool, out: &mut String) -> Result<usize, Error> {
        let mut depth = 0usize;
        while let Some(c) = self.at(i) {
            match c {
                '$' if matches!(self.at(i + 1), Some('"' | '`')) => {
                    let raw = self.at(i + 1) == Some('`');
                    i = self.template(i, raw, out)?;
                    continue;
                }
                '"' | '`' => {
                    let end = string_end(self.text, i).ok_or(Error {
                        offset: i,
                        message: "non-terminated string",
                    })?;
                    out.push_str(&self.text[i..end]);
                    i = end;
                    continue;
                }
                '#' => {
                    let end = self.text[i..].find('\n').map_or(self.text.len(), |n| i + n);
                    out.push_str(&self.text[i..end]);
                    i = end;
                    continue;
                }
                '{' | '[' | '(' => depth += 1,
                '}' if in_expr && depth == 0 => return Ok(i),
                '}' | ']' | ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            out.push(c);
            i += c.len_utf8();
        }
        match in_expr {
            true => Err(Error {
                offset: i,
                message: "non-terminated string",
            }),
            false => Ok(i),
        }
    }

    /// The template starting at `start` (its `$`) written into `out`; returns the offset past
    /// its closing quote.
    fn template(&mut self, start: usize, raw: bool, out: &mut String) -> Result<usize, Error> {
        let quote = if raw { '`' } else { '"' };
        let unterminated = Error {
            offset: start,
            message: "non-terminated string",
        };
        let mut parts: Vec<String> = Vec::new();
        let mut i = start + 2;
        loop {
            let mut text = String::new();
            let closed = loop {
                let Some(c) = self.at(i) else {
                    return Err(unterminated);
                };
                if c == '\n' && !raw {
                    return Err(unterminated);
                }
                i += c.len_utf8();
                match c {
                    c if c == quote => break true,
                    '{' => break false,
                    '\\' if self.at(i) == Some('{') => {
                        text.push('{');
                        i += 1;
                    }
                    // An escape of a quoted template stays one, for the string written out.
                    '\\' if !raw => {
                        text.push('\\');
                        if let Some(d) = self.at(i).filter(|&d| d != '\n') {
                            text.push(d);
                            i += d.len_utf8();
                        }
                    }
                    c => text.push(c),
                }
            };
            if !text.is_empty() {
                parts.push(format!("{quote}{text}{quote}"));
            }
            if closed {
                break;
            }
            let mut expr = String::new();
            let end = self.copy(i, true, &mut expr)?;
            parts.push(self.part(&expr, i)?);
            i = end + 1;
        }
        // Only text and literals: the string itself (what a `default` value may be), unless
        // writing it so would move a line.
        let values: Option<Vec<String>> = parts.iter().map(|p| literal_value(p)).collect();
        if let Some(value) = values.map(|v| v.concat()) {
            let lit = match raw && !value.contains('`') {
                true => format!("`{value}`"),
                false => serde_json::to_string(&value).unwrap_or_default(),
            };
            if lit.matches('\n').count() == self.text[start..i].matches('\n').count() {
                out.push_str(&lit);
                return Ok(i);
            }
        }
        out.push_str(BUILTIN);
        out.push_str("([");
        out.push_str(&parts.join(", "));
        out.push_str("])");
        Ok(i)
    }

    /// One expression of a template (already rewritten) as a part of the builtin's array.
    fn part(&mut self, expr: &str, offset: usize) -> Result<String, Error> {
        let t = expr.trim();
        let error = |message| Err(Error { offset, message });
        if t.is_empty() {
            return error("invalid template-string expression");
        }
        let word = |w: &str| {
            t.strip_prefix(w)
                .is_some_and(|rest| rest.starts_with([' ', '\t', '\n', '\r']))
        };
        if word("not") {
            return error("unexpected negation ('not') in template-string expression");
        }
        if word("some") {
            return error("unexpected 'some' in template-string expression");
        }
        if word("every") {
            return error("unexpected 'every' in template-string expression");
        }
        match top_level_assignment(t) {
            Some(true) => {
                return error("unexpected assignment (':=') in template-string expression")
            }
            Some(false) => {
                return error("unexpected unification ('=') in template-string expression")
            }
            None => {}
        }
        if matches!(t, "true" | "false" | "null") || is_number(t) {
            return Ok(format!("\"{t}\""));
        }
        if (t.starts_with('"') || t.starts_with('`')) && string_end(t, 0) == Some(t.len()) {
            return Ok(t.to_string());
        }
        self.vars += 1;
        let v = format!("__xtask_ts{}", self.vars);
        Ok(format!("{{{v} | {v} := {expr}}}"))
    }
}

/// The value of a part written as a string literal; `None` for an expression's comprehension.
fn literal_value(part: &str) -> Option<String> {
    match part.chars().next()? {
        '"' => serde_json::from_str(part).ok(),
        '`' => Some(part[1..part.len() - 1].to_string()),
        _ => None,
    }
}

/// The end of the string or raw string starting at `i` of `text`, `None` when it does not end.
fn string_end(text: &str, i: usize) -> Option<usize> {
    let quote = text[i..].chars().next()?;
    let mut escaped = false;
    for (k, c) in text[i + 1..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quote == '"' => escaped = true,
            '\n' if quote == '"' => return None,
            c if c == quote => return Some(i + 1 + k + 1),
            _ => {}
        }
    }
    None
}

/// A JSON number as OPA's scanner reads one (`-1`, `13.37`, `1e3`).
fn is_number(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    let (mant, exp) = match t.find(['e', 'E']) {
        Some(k) => (&t[..k], Some(&t[k + 1..])),
        None => (t, None),
    };
    let (int, frac) = match mant.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (mant, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && frac.is_none_or(digits)
        && exp.is_none_or(|e| digits(e.strip_prefix(['+', '-']).unwrap_or(e)))
}

/// Whether the expression is, at its top level, an assignment (`true`) or a unification
/// (`false`): what OPA refuses in a template.
fn top_level_assignment(t: &str) -> Option<bool> {
    let b = t.as_bytes();
    let (mut depth, mut i) = (0i32, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' | b'`' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    if q == b'"' && b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            // `with x as y` ends the expression; what follows is no operand of it.
            b'w' if depth == 0 && t[i..].starts_with("with ") && (i == 0 || b[i - 1] == b' ') => {
                return None
            }
            b'=' if depth == 0 => {
                let prev = if i > 0 { b[i - 1] } else { b' ' };
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                if prev == b':' {
                    return Some(true);
                }
                if !matches!(prev, b'=' | b'!' | b'<' | b'>') && next != b'=' {
                    return Some(false);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(text: &str) -> String {
        rewrite(text).expect("a template").expect("readable")
    }

    #[test]
    fn parts_are_strings_literals_vars_and_comprehensions() {
        assert_eq!(rw(r#"p := $"""#), r#"p := """#);
        assert_eq!(rw(r#"p := $"a\t{1}{"b"}{true}""#), r#"p := "a\t1btrue""#);
        assert_eq!(rw("p := $`a\n{1}`"), "p := `a\n1`");
        assert_eq!(
            rw(r#"p := $"a \{x} {42} {"s"} {x} {input.y}""#),
            r#"p := internal.template_string(["a {x} ", "42", " ", "s", " ", {__xtask_ts1 | __xtask_ts1 := x}, " ", {__xtask_ts2 | __xtask_ts2 := input.y}])"#
        );
    }

    #[test]
    fn nested_and_multi_line_templates_keep_lines() {
        let t = "p := $`{$\"{a}\"}\n{b}\n`\nq := 1";
        let out = rw(t);
        assert_eq!(out.matches('\n').count(), t.matches('\n').count());
        assert!(out.contains(
            "{__xtask_ts2 | __xtask_ts2 := internal.template_string([{__xtask_ts1 | __xtask_ts1 := a}])}"
        ));
    }

    #[test]
    fn strings_and_comments_are_left_alone() {
        assert_eq!(rewrite("p := \"$\\\"\" # $\"x\"\n"), None);
    }

    #[test]
    fn a_template_argument_is_a_literal_of_the_body() {
        let t = "p := f(\"a\")\n\nf($\"{x}\") := 42 if {\n  x = \"a\"\n}\ng($\"{x}\") if x := input.y\nh($\"{1 + 1}\")\n";
        let out = rw(t);
        assert_eq!(out.lines().count(), t.lines().count());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[2],
            "f(__xtask_targ1) := 42 if { __xtask_targ1 == internal.template_string([{__xtask_ts1 | __xtask_ts1 := x}]);"
        );
        assert_eq!(
            lines[5],
            r#"g(__xtask_targ2) if { __xtask_targ2 == internal.template_string([{__xtask_ts2 | __xtask_ts2 := x}]); x := input.y }"#
        );
        assert_eq!(
            lines[6],
            r#"h(__xtask_targ3) if { __xtask_targ3 == internal.template_string([{__xtask_ts3 | __xtask_ts3 := 1 + 1}]) }"#
        );
    }

    #[test]
    fn what_opa_refuses_in_a_template() {
        let err = |t: &str| {
            rewrite(t)
                .expect("a template")
                .expect_err("refused")
                .message
        };
        assert_eq!(
            err(r#"p := $"{x := 1}""#),
            "unexpected assignment (':=') in template-string expression"
        );
        assert_eq!(
            err(r#"p := $"{x = 1}""#),
            "unexpected unification ('=') in template-string expression"
        );
        assert_eq!(
            err(r#"p := $"{not x}""#),
            "unexpected negation ('not') in template-string expression"
        );
        assert_eq!(err("p := $\"{x}\nq := 1"), "non-terminated string");
        assert!(rewrite(r#"p := $"{x == 1} {x with input as 1}""#).is_some_and(|r| r.is_ok()));
    }
}
