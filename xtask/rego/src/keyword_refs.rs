//! Keywords as the first part of a rule's name or of a reference (`not.foo := 1`, `p if
//! true.foo == 1`), which OPA reads (its parser takes a keyword followed by `.` as a name in a
//! rule head and at the start of a literal) and regorus refuses (`unexpected keyword`). A
//! keyword after a dot (`foo.not`, `data.foo.not.bar`, `package foo.not`) regorus reads already.
//!
//! regorus cannot declare a rule whose name starts with a keyword in the module's package, but
//! it can in the package one keyword deeper: `not.foo := 1` in `package test` is `foo := 1` in
//! `package test.not`, the same document `data.test.not.foo`. So the rules a module declares
//! that way move to a module of their own per keyword ([`moved`]; every other line blank, the
//! imports kept, so each rule keeps its file and line), and what stays ([`rewrite`]) has their
//! lines blank. A reference starting with a keyword is written in full (`data.test.not.foo`), in
//! both; in a moved rule, so are the names of the package's other rules the module declares.
//! Not seen by the readers that gather facts over a tree (coverage, rule lists): a moved rule is
//! evaluated and checked, not listed.

/// The keywords regorus refuses as a name (`contains` it takes).
const KEYWORDS: &[&str] = &[
    "as", "default", "else", "every", "false", "if", "import", "in", "not", "null", "package",
    "some", "true", "with",
];

/// A token's kind, as the light lexer here (and `templates.rs`) tells them apart.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Ident,
    Str,
    Comment,
    Sym,
}

/// A token of [`lex`]: its bytes, kind and bracket depth.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tok {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
    /// Bracket depth before the token.
    pub depth: usize,
    /// First token of its line, at column 1 (a statement's start when `depth` is 0).
    line_start: bool,
}

/// The module's tokens (identifiers, strings, comments, one-character symbols), enough to find
/// statements and brackets in a text regorus cannot lex yet.
pub(crate) fn lex(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut depth, mut at_line_start) = (0usize, 0usize, true);
    while i < b.len() {
        let c = b[i];
        let start = i;
        let line_start = at_line_start && (i == 0 || b[i - 1] == b'\n');
        if c == b'\n' {
            at_line_start = true;
            i += 1;
            continue;
        }
        if c.is_ascii_whitespace() {
            at_line_start = false;
            i += 1;
            continue;
        }
        at_line_start = false;
        let kind = match c {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                Kind::Comment
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(b.len());
                Kind::Str
            }
            b'`' => {
                i += 1;
                while i < b.len() && b[i] != b'`' {
                    i += 1;
                }
                i = (i + 1).min(b.len());
                Kind::Str
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                Kind::Ident
            }
            _ => {
                // One character (a UTF-8 sequence whole).
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Sym
            }
        };
        let before = depth;
        if kind == Kind::Sym {
            match c {
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        out.push(Tok {
            start,
            end: i,
            kind,
            depth: before,
            line_start,
        });
    }
    out
}

/// A module's statements: token index ranges.
pub(crate) fn statements(text: &str, toks: &[Tok]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        let s = &text[t.start..t.end];
        let new = t.depth == 0
            && t.line_start
            && t.kind != Kind::Comment
            && !matches!(s, "}" | "]" | ")")
            && (s != "else" || dotted(text, toks, k));
        match (new, out.last_mut()) {
            (true, _) | (false, None) => out.push((k, k + 1)),
            (false, Some(last)) => last.1 = k + 1,
        }
    }
    out
}

/// Whether token `k` is a keyword written right before a `.` (a name, not the keyword).
fn dotted(text: &str, toks: &[Tok], k: usize) -> bool {
    let t = toks[k];
    t.kind == Kind::Ident
        && KEYWORDS.contains(&&text[t.start..t.end])
        && toks
            .get(k + 1)
            .is_some_and(|n| n.start == t.end && &text[n.start..n.end] == ".")
}

/// Whether token `k` is right after a `.` (a field name).
fn after_dot(text: &str, toks: &[Tok], k: usize) -> bool {
    k > 0 && {
        let p = toks[k - 1];
        p.end == toks[k].start && &text[p.start..p.end] == "."
    }
}

struct Module {
    toks: Vec<Tok>,
    stmts: Vec<(usize, usize)>,
    /// The package's path as written (`test`, `a.b`).
    package: String,
    /// The package statement's tokens.
    package_stmt: (usize, usize),
    /// For each keyword-first statement: its keyword and the token of that keyword.
    moved: Vec<(usize, &'static str, usize)>,
}

fn read(text: &str) -> Option<Module> {
    if !KEYWORDS.iter().any(|k| text.contains(&format!("{k}."))) {
        return None;
    }
    let toks = lex(text);
    let stmts = statements(text, &toks);
    let mut package = None;
    let mut moved = Vec::new();
    for (i, &(a, z)) in stmts.iter().enumerate() {
        let first = &text[toks[a].start..toks[a].end];
        if first == "package" && !dotted(text, &toks, a) && package.is_none() {
            let end = toks[a + 1..z]
                .iter()
                .take_while(|t| t.kind != Kind::Comment)
                .last()?
                .end;
            package = Some((text[toks[a].end..end].trim().to_string(), (a, z)));
            continue;
        }
        // `default not.foo := 1` too.
        let k = if first == "default" && !dotted(text, &toks, a) {
            a + 1
        } else {
            a
        };
        if k < z && dotted(text, &toks, k) {
            let kw = KEYWORDS
                .iter()
                .find(|&&w| w == &text[toks[k].start..toks[k].end])?;
            moved.push((i, *kw, k));
        }
    }
    let (package, package_stmt) = package?;
    let refs = toks
        .iter()
        .enumerate()
        .any(|(k, _)| dotted(text, &toks, k) && !after_dot(text, &toks, k));
    let as_heads = stmts.iter().any(|&r| !as_fields(text, &toks, r).is_empty());
    if moved.is_empty() && !refs && !as_heads {
        return None;
    }
    Some(Module {
        toks,
        stmts,
        package,
        package_stmt,
        moved,
    })
}

/// The `.as` in a statement's head (before its `contains`, `:=`, `=`, `if` or body): regorus
/// reads `foo.as contains "a"` as something else; `foo["as"]` is the same name.
fn as_fields(text: &str, toks: &[Tok], (a, z): (usize, usize)) -> Vec<usize> {
    let mut out = Vec::new();
    if matches!(&text[toks[a].start..toks[a].end], "package" | "import") && !dotted(text, toks, a) {
        return out;
    }
    for k in a..z {
        let t = toks[k];
        let s = &text[t.start..t.end];
        if t.depth == 0 && matches!(s, "contains" | ":" | "=" | "if" | "{" | "else") {
            break;
        }
        // A function's name regorus reads (and `f["as"](x)` is no function head).
        if s == "(" {
            return Vec::new();
        }
        if s == "as" && after_dot(text, toks, k) {
            out.push(k);
        }
    }
    out
}

/// `.as` in the head written `["as"]` (see [`as_fields`]).
fn as_edits(text: &str, toks: &[Tok], range: (usize, usize), edits: &mut Edits) {
    for k in as_fields(text, toks, range) {
        edits.push((toks[k - 1].start, toks[k].end, "[\"as\"]".into()));
    }
}

/// Text edits: (start, end, replacement).
pub(crate) type Edits = Vec<(usize, usize, String)>;

/// `text` with the edits made (an edit overlapping an earlier one is dropped).
pub(crate) fn apply(text: &str, mut edits: Edits) -> String {
    edits.sort_by_key(|e| e.0);
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for (a, z, r) in edits {
        if a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str(&r);
        at = z;
    }
    out.push_str(&text[at..]);
    out
}

/// Blanks (spaces, newlines kept) in place of `text[a..z]`.
fn blank(text: &str, a: usize, z: usize) -> String {
    text[a..z]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect()
}

/// `kw.x` at token `k` (not a field itself, not a statement's head) written `data.<pkg>.kw.x`.
fn qualify_refs(text: &str, m: &Module, range: (usize, usize), skip: &[usize], edits: &mut Edits) {
    for k in range.0..range.1 {
        if dotted(text, &m.toks, k) && !after_dot(text, &m.toks, k) && !skip.contains(&k) {
            let t = m.toks[k];
            edits.push((t.start, t.start, format!("data.{}.", m.package)));
        }
    }
}

/// The module as regorus reads it: the rules named from a keyword blank (see [`moved`]), and
/// references starting with a keyword written in full; `None` when it has neither.
pub(crate) fn rewrite(text: &str) -> Option<String> {
    let m = read(text)?;
    let mut edits = Edits::new();
    let heads: Vec<usize> = m.moved.iter().map(|&(_, _, k)| k).collect();
    for (i, &(a, z)) in m.stmts.iter().enumerate() {
        if m.moved.iter().any(|&(s, _, _)| s == i) {
            let (start, end) = (m.toks[a].start, m.toks[z - 1].end);
            edits.push((start, end, blank(text, start, end)));
        } else {
            qualify_refs(text, &m, (a, z), &heads, &mut edits);
            as_edits(text, &m.toks, (a, z), &mut edits);
        }
    }
    Some(apply(text, edits))
}

/// For each keyword that starts a rule's name in the module, a module of the package one
/// keyword deeper declaring those rules, on the lines the user wrote them.
pub(crate) fn moved(text: &str) -> Vec<String> {
    let Some(m) = read(text) else {
        return Vec::new();
    };
    // The names the module's other rules declare (first parts), written in full in a moved rule.
    let mut names: Vec<&str> = Vec::new();
    for (i, &(a, _)) in m.stmts.iter().enumerate() {
        if i == 0 || m.moved.iter().any(|&(s, _, _)| s == i) {
            continue;
        }
        let t = m.toks[a];
        let first = &text[t.start..t.end];
        if t.kind == Kind::Ident && !matches!(first, "package" | "import" | "default") {
            names.push(first);
        } else if first == "default" {
            if let Some(n) = m.toks.get(a + 1) {
                names.push(&text[n.start..n.end]);
            }
        }
    }
    let mut kws: Vec<&str> = m.moved.iter().map(|&(_, kw, _)| kw).collect();
    kws.sort_unstable();
    kws.dedup();
    let mut out = Vec::new();
    for kw in kws {
        let mut edits = Edits::new();
        let (pa, pz) = m.package_stmt;
        for (i, &(a, z)) in m.stmts.iter().enumerate() {
            let (start, end) = (m.toks[a].start, m.toks[z - 1].end);
            let first = &text[start..m.toks[a].end];
            if (a, z) == (pa, pz) {
                let end = m.toks[a + 1..z]
                    .iter()
                    .take_while(|t| t.kind != Kind::Comment)
                    .last()
                    .map_or(end, |t| t.end);
                edits.push((m.toks[a].end, end, format!(" {}.{kw}", m.package)));
                continue;
            }
            if first == "import" && !dotted(text, &m.toks, a) {
                continue;
            }
            let Some(&(_, _, k)) = m.moved.iter().find(|&&(s, w, _)| s == i && w == kw) else {
                edits.push((start, end, blank(text, start, end)));
                continue;
            };
            // `not.foo` becomes `foo`, in place.
            let head = m.toks[k];
            edits.push((
                head.start,
                head.end + 1,
                " ".repeat(head.end + 1 - head.start),
            ));
            qualify_refs(text, &m, (a, z), &[k], &mut edits);
            as_edits(text, &m.toks, (a, z), &mut edits);
            for j in a..z {
                let t = m.toks[j];
                if j == k + 2 || t.kind != Kind::Ident || after_dot(text, &m.toks, j) {
                    continue;
                }
                let name = &text[t.start..t.end];
                // Not a local of the same name being declared (`base := 1`).
                let call_or_ref = m
                    .toks
                    .get(j + 1)
                    .is_none_or(|n| &text[n.start..n.end] != ":");
                if names.contains(&name) && call_or_ref {
                    edits.push((t.start, t.start, format!("data.{}.", m.package)));
                }
            }
        }
        out.push(apply(text, edits));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &str = "package test\n\np if {\n  not.foo == 1\n  foo.not == 2\n}\n\nnot.foo := 1 if {\n  input.x == 1\n} else := 2\n\nfoo.not := 2\n";

    #[test]
    fn keyword_rules_move_and_references_are_written_in_full() {
        let main = rewrite(M).expect("rewritten");
        assert_eq!(main.lines().count(), M.lines().count());
        assert!(main.contains("  data.test.not.foo == 1\n  foo.not == 2\n"));
        assert!(!main.contains("input.x"));
        assert!(main.contains("foo.not := 2"));
        let moved = moved(M);
        assert_eq!(moved.len(), 1);
        let lines: Vec<&str> = moved[0].lines().collect();
        assert_eq!(lines[0], "package test.not");
        assert_eq!(lines[7], "    foo := 1 if {");
        assert_eq!(lines[9], "} else := 2");
        assert!(lines[3].trim().is_empty() && lines[11].trim().is_empty());
    }

    #[test]
    fn keywords_after_dots_and_plain_modules_are_left_alone() {
        assert_eq!(rewrite("package a.not.b\n\nx := input.not.y\n"), None);
        assert_eq!(rewrite("package a\n\nx if not input.y\n"), None);
        assert!(moved("package a\n\nx := 1\n").is_empty());
    }

    #[test]
    fn as_in_a_head_is_a_string_key() {
        let m = "package a.as\nimport data.x.as.y\n\nfoo.as contains 1\nbar.as(x) := x\n";
        let out = rewrite(m).expect("rewritten");
        assert!(out.starts_with("package a.as\nimport data.x.as.y\n"));
        assert!(out.contains("foo[\"as\"] contains 1\nbar.as(x) := x\n"));
    }

    #[test]
    fn a_moved_rule_names_its_package_rules_in_full() {
        let m = "package t\nimport rego.v1\n\nbase := 2\n\ndefault not.f(_) := 0\nnot.f(x) := x + base if x > 1\n";
        let moved = moved(m);
        let lines: Vec<&str> = moved[0].lines().collect();
        assert_eq!(lines[1], "import rego.v1");
        assert_eq!(lines[5], "default     f(_) := 0");
        assert_eq!(lines[6], "    f(x) := x + data.t.base if x > 1");
    }
}
