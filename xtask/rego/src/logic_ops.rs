//! OPA's infix `and` / `or` (`import future.keywords.and`, `.or`, or all of `future.keywords`):
//! `a and b`, `a or { x := f(y); x > 1 }`, `(a or b) and not c`, in any body (a rule's, an
//! `if` without braces, `else`, a function's, a comprehension's, `every`'s, a not-body's).
//!
//! OPA evaluates each operand as a closed body: its own variables stay in it, it succeeds at most
//! once, and it binds nothing outside; `and` binds tighter than `or`, `not` tighter than both; the
//! right operand runs only when the left one did not decide (short-circuit). regorus has none of
//! it, so a chain is written with comprehensions, which close over the rule's variables as an
//! operand does and keep their own (`lang.rs` renames a comprehension's own variables that the
//! rule also uses):
//! - an operand `X` (an expression, `{ body }` or `( .. )`) is `[true | X]`, which is `[]` exactly
//!   when `X` fails;
//! - `A and B` is `[true | [true | A] != []; [true | B] != []] != []`, and `A or B` is
//!   `[true | [true | A] == []; [true | B] == []] == []`: a body stops at its first failing
//!   literal, so `B` runs only when `A` did not decide, and the whole succeeds once.
//!
//! A `with` after the chain stays on it, and applies to both operands as in OPA. What OPA's
//! parser refuses of a chain (a `with` on an operand, `{}`, a value in braces, ...) is an error
//! in its words, as the parser reports one; what its compiler refuses (`x := 1` in an operand
//! without braces, a variable an operand uses declared after it) is [`compile_refusals`], which
//! the checks report with their local-variable stage. An empty operand is left to the parser.
//! OPA stops an operand at its first success, where the comprehension runs it whole: an error in
//! a later iteration of an operand that already succeeded is raised here, not in OPA.
//!
//! No line moves; only the columns after an operator or an operand's edge shift.

use std::num::{NonZeroU32, NonZeroUsize};

use super::ast::{imports_future, line_col};
use anyhow::Result;
use regorus::unstable::{Lexer, TokenKind};
use regorus::Source;

/// A token with its span as written (a string's with its quotes).
struct Tok<'a> {
    kind: TokenKind,
    start: usize,
    end: usize,
    text: &'a str,
}

#[derive(Clone, Copy, PartialEq)]
enum Pol {
    /// The written expression succeeds when the operand does.
    Succ,
    /// It succeeds when the operand fails.
    Fail,
}

impl Pol {
    fn test(self) -> &'static str {
        match self {
            Pol::Succ => " != []",
            Pol::Fail => " == []",
        }
    }
}

enum Node {
    Leaf(usize, usize),
    /// `and` (true) or `or` (false) over its operands, with the operator tokens between them.
    Op(bool, Vec<Node>, Vec<usize>),
}

struct Rewriter<'a> {
    text: &'a str,
    toks: Vec<Tok<'a>>,
    /// For an opening bracket, the index of its closing one.
    close: Vec<Option<usize>>,
    and: bool,
    or: bool,
    not_bodies: bool,
    /// (position, rank: 0 a closing insertion, 1 an opening one, 2 a replacement; end, text).
    edits: Vec<(usize, u8, usize, String)>,
    /// The first form OPA's parser refuses: where (a byte offset) and OPA's words.
    refused: Option<(usize, String)>,
    /// What OPA's compiler refuses (after every module parsed): where and OPA's words.
    compile: Vec<(usize, String)>,
}

/// The module's text with each `and` / `or` chain written as comprehensions, or `None` when there
/// is none (or the module does not lex: the parser then reports what it finds); an error, in
/// the parser's form, for a chain OPA's parser or compiler refuses.
pub(crate) fn rewrite(name: &str, text: &str) -> Result<Option<String>> {
    let (and, or) = (imports_future(text, "and"), imports_future(text, "or"));
    if !and && !or {
        return Ok(None);
    }
    Ok(match written(name, text, and, or) {
        Some(Ok(out)) => Some(out),
        Some(Err(e)) => return Err(e),
        None => None,
    })
}

/// What OPA's compiler refuses of the module's chains, once every module parsed: (line, column
/// in characters, message), all `rego_compile_error`.
pub(crate) fn compile_refusals(name: &str, text: &str) -> Vec<(u32, u32, String)> {
    let (and, or) = (imports_future(text, "and"), imports_future(text, "or"));
    if !and && !or {
        return Vec::new();
    }
    let Some((_, rw)) = rewriter(name, text, and, or) else {
        return Vec::new();
    };
    rw.compile
        .iter()
        .map(|(at, msg)| {
            let (line, col) = line_col(text, *at);
            (line as u32, col as u32, msg.clone())
        })
        .collect()
}

fn written(name: &str, text: &str, and: bool, or: bool) -> Option<Result<String>> {
    let (src, mut rw) = rewriter(name, text, and, or)?;
    if let Some((at, msg)) = rw.refused.take() {
        // As the parser reports an error.
        let (line, col) = line_col(text, at);
        return Some(Err(src.error(line as u32, col as u32, &msg)));
    }
    if rw.edits.is_empty() {
        return None;
    }
    let mut edits = std::mem::take(&mut rw.edits);
    // Stable: at one position, closings (inner first) come before openings (outer first).
    edits.sort_by_key(|e| (e.0, e.1));
    let mut out = String::with_capacity(text.len() + edits.len() * 12);
    let mut copied = 0;
    for (pos, _, end, with) in edits {
        out.push_str(text.get(copied..pos)?);
        out.push_str(&with);
        copied = end.max(pos);
    }
    out.push_str(text.get(copied..)?);
    Some(Ok(out))
}

/// The module lexed and gone through: its edits and what OPA refuses of it.
fn rewriter<'a>(name: &str, text: &'a str, and: bool, or: bool) -> Option<(Source, Rewriter<'a>)> {
    let (bytes, lines) = (NonZeroUsize::MAX, NonZeroUsize::MAX);
    let src = Source::from_contents_with_limits(name.into(), text.into(), bytes, lines).ok()?;
    let mut lexer = Lexer::new(&src);
    lexer.set_max_col(NonZeroU32::MAX);
    let mut toks = Vec::new();
    loop {
        let tok = lexer.next_token().ok()?;
        let (kind, span) = (tok.0, &tok.1);
        if kind == TokenKind::Eof {
            break;
        }
        let (mut start, mut end) = (span.start as usize, span.end as usize);
        if matches!(kind, TokenKind::String | TokenKind::RawString) {
            (start, end) = (start.checked_sub(1)?, end + 1);
        }
        toks.push(Tok {
            kind,
            start,
            end,
            text: text.get(start..end)?,
        });
    }
    let mut close = vec![None; toks.len()];
    let mut stack = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        if is_open(t) {
            stack.push(i);
        } else if t.kind == TokenKind::Symbol && matches!(t.text, ")" | "]" | "}") {
            close[stack.pop()?] = Some(i);
        }
    }
    if !stack.is_empty() {
        return None;
    }
    let mut rw = Rewriter {
        text,
        toks,
        close,
        and,
        or,
        not_bodies: imports_future(text, "not"),
        edits: Vec::new(),
        refused: None,
        compile: Vec::new(),
    };
    rw.region(0, rw.toks.len(), None);
    rw.drop_imports();
    Some((src, rw))
}

/// Whether `text` has `name` as a whole word.
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(i, _)| {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        !text[..i].chars().next_back().is_some_and(word)
            && !text[i + name.len()..].chars().next().is_some_and(word)
    })
}

fn is_open(t: &Tok) -> bool {
    (t.kind == TokenKind::Symbol && matches!(t.text, "(" | "[" | "{"))
        // regorus lexes `set(` as one identifier.
        || (t.kind == TokenKind::Ident && t.text.ends_with('('))
}

impl Rewriter<'_> {
    fn sym(&self, i: usize, s: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Symbol && t.text == s)
    }

    fn ident(&self, i: usize, s: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Ident && t.text == s)
    }

    /// Whether token `i` ends an operand, so that an `and` / `or` after it is the operator.
    fn ends_operand(&self, i: usize) -> bool {
        let t = &self.toks[i];
        match t.kind {
            TokenKind::Symbol => matches!(t.text, ")" | "]" | "}"),
            TokenKind::Ident => {
                !matches!(
                    t.text,
                    "not"
                        | "some"
                        | "every"
                        | "in"
                        | "if"
                        | "else"
                        | "with"
                        | "as"
                        | "contains"
                        | "default"
                        | "import"
                        | "package"
                ) && !self.is_op(i)
            }
            _ => true,
        }
    }

    /// Whether token `i` is the operator `and` or `or` (a keyword the module imports, after an
    /// operand: `x.and` is a reference, `or(a, b)` in a term's place a call).
    fn is_op(&self, i: usize) -> bool {
        let t = &self.toks[i];
        if t.kind != TokenKind::Ident
            || !((t.text == "and" && self.and) || (t.text == "or" && self.or))
        {
            return false;
        }
        i > 0 && !self.sym(i - 1, ".") && self.ends_operand(i - 1)
    }

    /// Whether a line break between tokens `p` and `p + 1` ends the literal.
    fn breaks(&self, p: usize) -> bool {
        let n = p + 1;
        if !self.text[self.toks[p].end..self.toks[n].start].contains('\n') {
            return false;
        }
        let (a, b) = (&self.toks[p], &self.toks[n]);
        let binary = |t: &Tok| {
            t.kind == TokenKind::Symbol
                && matches!(
                    t.text,
                    "==" | "!="
                        | "<"
                        | ">"
                        | "<="
                        | ">="
                        | "="
                        | ":="
                        | "+"
                        | "*"
                        | "/"
                        | "%"
                        | "&"
                        | "|"
                        | "."
                        | ":"
                        | ","
                )
        };
        let cont_after = binary(a)
            || self.sym(p, "-")
            || self.is_op(p)
            || (a.kind == TokenKind::Ident
                && matches!(a.text, "not" | "with" | "as" | "in" | "some" | "every"));
        let cont_before = (binary(b) && b.text != ",")
            || self.is_op(n)
            || (b.kind == TokenKind::Ident && matches!(b.text, "with" | "as" | "in"));
        !(cont_after || cont_before)
    }

    /// The tokens `a..b` inside a bracket (`open`, `None` at the top): split into literals, each
    /// chain rewritten, and every bracket inside gone through the same way.
    fn region(&mut self, a: usize, b: usize, open: Option<usize>) {
        let closer = open.map(|o| match self.toks[o].text {
            "[" => "]",
            "{" => "}",
            _ => ")",
        });
        let comprehension = open.is_some_and(|o| self.sym(o, "[") || self.sym(o, "{"));
        let mut bar_seen = false;
        let mut seg_start = a;
        let mut i = a;
        let mut segments = Vec::new();
        while i < b {
            let t = &self.toks[i];
            let delimiter = (t.kind == TokenKind::Symbol && matches!(t.text, ";" | ","))
                || (comprehension && !bar_seen && t.kind == TokenKind::Symbol && t.text == "|")
                || (t.kind == TokenKind::Ident
                    && matches!(t.text, "if" | "else" | "package" | "import" | "default"));
            if delimiter {
                if t.text == "|" {
                    bar_seen = true;
                }
                self.segment(seg_start, i, closer);
                segments.push((seg_start, i));
                seg_start = i + 1;
                i += 1;
                continue;
            }
            let next = match self.close[i] {
                Some(c) => {
                    self.region(i + 1, c, Some(i));
                    c + 1
                }
                None => i + 1,
            };
            if next < b && self.breaks(next - 1) {
                self.segment(seg_start, next, closer);
                segments.push((seg_start, next));
                seg_start = next;
            }
            i = next;
        }
        self.segment(seg_start, b, closer);
        segments.push((seg_start, b));
        if comprehension {
            self.declared_after(a, &segments);
        }
    }

    /// A variable an operand written without braces uses, declared (`x := ..`) by a later
    /// literal of the same body: OPA's `var x referenced above` (a compile error). Only a name
    /// nothing in the body mentions before the chain, so that OPA's other words are not needed.
    fn declared_after(&mut self, a: usize, segments: &[(usize, usize)]) {
        for (k, &(s, e)) in segments.iter().enumerate() {
            let top = self.top(s, e);
            if s >= e || !top.iter().any(|&i| self.is_op(i)) {
                continue;
            }
            let mut used: Vec<&str> = Vec::new();
            let mut start = s;
            for &i in top.iter().chain(std::iter::once(&e)) {
                if i < e && !self.is_op(i) && !self.ident(i, "with") {
                    continue;
                }
                let implicit = start < i && !self.sym(start, "{") && !self.sym(start, "(");
                if implicit {
                    used.extend(self.top(start, i).into_iter().filter_map(|j| {
                        let t = &self.toks[j];
                        let var = t.kind == TokenKind::Ident
                            && !self.is_op(j)
                            && (j == 0 || !self.sym(j - 1, "."))
                            && !self.sym(j + 1, "(")
                            && !matches!(
                                t.text,
                                "not" | "in" | "input" | "data" | "true" | "false" | "null" | "_"
                            );
                        var.then_some(t.text)
                    }));
                }
                if i == e || self.ident(i, "with") {
                    break;
                }
                start = i + 1;
            }
            let before = &self.text[self.toks[a].start..self.toks[s].start];
            for &(s2, e2) in &segments[k + 1..] {
                let declares = e2 > s2 + 1 && self.sym(s2 + 1, ":=");
                let name = self.toks[s2].text;
                if declares && used.contains(&name) && !mentions(before, name) {
                    let at = self.toks[s2].start;
                    self.compile
                        .push((at, format!("var {name} referenced above")));
                }
            }
        }
    }

    /// The depth-0 tokens of `a..b` (a bracket counts as its opening token).
    fn top(&self, a: usize, b: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut i = a;
        while i < b {
            out.push(i);
            i = self.close[i].map_or(i + 1, |c| c + 1);
        }
        out
    }

    /// Whether `a..b` is one group in parentheses (not a call's) holding a chain.
    fn paren_chain(&self, a: usize, b: usize) -> bool {
        b > a + 1
            && self.sym(a, "(")
            && self.close[a] == Some(b - 1)
            && self.top(a + 1, b - 1).into_iter().any(|i| self.is_op(i))
    }

    /// One literal, `a..b`.
    fn segment(&mut self, a: usize, b: usize, closer: Option<&'static str>) {
        if a >= b {
            return;
        }
        let top = self.top(a, b);
        if top.iter().any(|&i| self.is_op(i)) {
            self.chain(a, b, &top, closer);
            return;
        }
        // `(a or b with ..)` and `not (a or b)` (with not-bodies): the group, as an operand, is
        // the comprehension, which may carry a `with`; regorus takes none inside parentheses.
        if self.ident(a, "not") && self.paren_chain(a + 1, b) && !self.not_bodies {
            self.refuse_not_group(a + 1);
            return;
        }
        let g = if self.not_bodies && self.ident(a, "not") {
            a + 1
        } else {
            a
        };
        if self.paren_chain(g, b) {
            self.replace(g, "[true |".into());
            self.replace(b - 1, format!("]{}", Pol::Succ.test()));
        }
    }

    fn chain(&mut self, a: usize, b: usize, top: &[usize], closer: Option<&'static str>) {
        let end = top
            .iter()
            .copied()
            .find(|&i| self.ident(i, "with"))
            .unwrap_or(b);
        // Operands and operators, `or` over `and`.
        let mut ors: Vec<Node> = Vec::new();
        let mut or_ops = Vec::new();
        let mut ands: Vec<Node> = Vec::new();
        let mut and_ops = Vec::new();
        let mut start = a;
        let ops: Vec<usize> = top
            .iter()
            .copied()
            .filter(|&i| i < end && self.is_op(i))
            .collect();
        // A `with` before an operator is on an operand, which OPA refuses; and `some` and
        // `every` end their literal.
        if let Some(&op) = top.iter().find(|&&i| i > end && self.is_op(i)) {
            let kw = self.toks[op].text;
            self.refuse(
                end,
                format!(
                    "`with` modifier is not allowed on operand of `{kw}` (hint: Wrap the operand \
                     in `(...)` or `{{...}}` to scope, or move `with` after the `{kw}` expression \
                     to apply it to the whole expression)"
                ),
            );
            return;
        }
        if self.ident(a, "some") || self.ident(a, "every") {
            let kw = self.toks[ops[0]].text;
            let close = closer.unwrap_or("}");
            self.refuse(
                ops[0],
                format!("unexpected {kw} keyword: expected \\n or ; or {close}"),
            );
            return;
        }
        for (k, &op) in ops.iter().chain(std::iter::once(&end)).enumerate() {
            if op <= start {
                return; // an empty operand: left to the parser to refuse
            }
            // OPA names the operator after the first operand, before any other.
            let named = if k == 0 { op } else { ops[k - 1] };
            let kw = if named < end {
                self.toks[named].text
            } else {
                "and"
            };
            // Whether the operand is one of an `and`, else of an `or`.
            let in_and = (k > 0 && self.toks[ops[k - 1]].text == "and")
                || (op < end && self.toks[op].text == "and");
            self.check_operand(start, op, kw, if in_and { "and" } else { "or" });
            if self.refused.is_some() {
                return;
            }
            ands.push(Node::Leaf(start, op));
            start = op + 1;
            if op == end || self.toks[op].text == "or" {
                let node = if ands.len() == 1 {
                    ands.pop().unwrap_or(Node::Leaf(0, 0))
                } else {
                    Node::Op(
                        true,
                        std::mem::take(&mut ands),
                        std::mem::take(&mut and_ops),
                    )
                };
                ors.push(node);
                if op != end {
                    or_ops.push(op);
                }
            } else {
                and_ops.push(op);
            }
        }
        let root = if ors.len() == 1 {
            ors.pop().unwrap_or(Node::Leaf(0, 0))
        } else {
            Node::Op(false, ors, or_ops)
        };
        self.emit(&root, Pol::Succ);
    }

    fn first(node: &Node) -> usize {
        match node {
            Node::Leaf(a, _) => *a,
            Node::Op(_, kids, _) => Self::first(&kids[0]),
        }
    }

    fn last(node: &Node) -> usize {
        match node {
            Node::Leaf(_, b) => *b - 1,
            Node::Op(_, kids, _) => Self::last(&kids[kids.len() - 1]),
        }
    }

    fn emit(&mut self, node: &Node, pol: Pol) {
        match node {
            Node::Leaf(a, b) => {
                let (a, b) = (*a, *b);
                let body = (self.sym(a, "{") || self.sym(a, "(")) && self.close[a] == Some(b - 1);
                if body {
                    // `{ body }` or `( .. )`: the brackets become the comprehension's.
                    self.replace(a, "[true |".into());
                    self.replace(b - 1, format!("]{}", pol.test()));
                    return;
                }
                if self.not_bodies && self.ident(a, "not") && self.paren_chain(a + 1, b) {
                    self.replace(a + 1, "[true |".into());
                    self.replace(b - 1, format!("]{}", Pol::Succ.test()));
                }
                self.open_at(a);
                self.close_at(b - 1, format!("]{}", pol.test()));
            }
            Node::Op(and, kids, ops) => {
                let inner = if *and { Pol::Succ } else { Pol::Fail };
                // `and` succeeds when no operand fails, `or` when not every operand fails.
                let test = match (and, pol) {
                    (true, p) => p.test(),
                    (false, Pol::Succ) => Pol::Fail.test(),
                    (false, Pol::Fail) => Pol::Succ.test(),
                };
                self.open_at(Self::first(node));
                for (k, kid) in kids.iter().enumerate() {
                    self.emit(kid, inner);
                    if let Some(&op) = ops.get(k) {
                        self.replace(op, ";".into());
                    }
                }
                self.close_at(Self::last(node), format!("]{test}"));
            }
        }
    }

    /// `import future.keywords.and` (`.or`) written as nothing: regorus would take the keyword
    /// and refuse the set builtin called by that name (`or(a, b)`), which OPA still calls.
    fn drop_imports(&mut self) {
        for i in 0..self.toks.len().saturating_sub(5) {
            let path = self.ident(i, "import")
                && self.ident(i + 1, "future")
                && self.sym(i + 2, ".")
                && self.ident(i + 3, "keywords")
                && self.sym(i + 4, ".")
                && (self.ident(i + 5, "and") || self.ident(i + 5, "or"));
            if path {
                let (start, end) = (self.toks[i].start, self.toks[i + 5].end);
                self.edits.push((start, 2, end, String::new()));
            }
        }
    }

    /// What OPA refuses of an operand `a..b` of the operator `kw` (the one OPA names in its
    /// words; `node`, the one it belongs to).
    fn check_operand(&mut self, a: usize, b: usize, kw: &str, node: &str) {
        let whole = self.close[a] == Some(b - 1);
        if self.sym(a, "{") {
            let inner = self.top(a + 1, b - 1);
            if whole && inner.is_empty() {
                self.refuse(a, "found empty body".into());
                return;
            }
            let value = inner.iter().any(|&i| self.sym(i, ",") || self.sym(i, ":"));
            if !whole || value {
                let operand = &self.text[self.toks[a].start..self.toks[b - 1].end];
                self.refuse(
                    a,
                    format!(
                        "operand of `{kw}` cannot begin with `{{` unless the braces hold a body \
                         (hint: wrap the operand to keep the value: `({operand}) {kw} ...`)"
                    ),
                );
                return;
            }
            // `{ a | b }` reads as a comprehension too.
            if let Some(&bar) = inner.iter().find(|&&i| self.sym(i, "|")) {
                let first_end = inner
                    .iter()
                    .copied()
                    .find(|&i| i > bar && (self.sym(i, ";") || self.breaks(i - 1)))
                    .unwrap_or(b - 1);
                let (s0, s1) = (self.toks[a + 1].start, self.toks[first_end - 1].end);
                let braces = &self.text[self.toks[a].start..self.toks[b - 1].end];
                let (open, expr, rest) = (
                    &self.text[self.toks[a].start..s0],
                    &self.text[s0..s1],
                    &self.text[s1..self.toks[b - 1].end],
                );
                self.refuse(
                    a,
                    format!(
                        "ambiguous `{{ ... | ... }}` operand: read as a body holding a set-union \
                         expression, not as a comprehension (hint: write `({braces})` for the \
                         comprehension, or `{open}({expr}){rest}` for the set union)"
                    ),
                );
                return;
            }
        }
        // An operand of `print` calls only (written out or not) can never fail.
        let calls = if self.sym(a, "{") {
            (a + 1, b - 1)
        } else {
            (a, b)
        };
        let prints = self
            .top(calls.0, calls.1)
            .into_iter()
            .filter(|&i| !self.sym(i, ";"))
            .collect::<Vec<_>>();
        let only_prints = !prints.is_empty()
            && prints.iter().all(|&i| {
                (self.ident(i, "print") && self.sym(i + 1, "("))
                    || (self.sym(i, "(") && i > 0 && self.ident(i - 1, "print"))
            });
        if only_prints {
            self.refuse(
                prints[0],
                format!(
                    "operand of `{kw}` cannot consist only of calls to `print` (hint: `print` \
                     produces no value and always succeeds, so the operand can never fail; move \
                     it out of the operand, or add an expression that can fail)"
                ),
            );
            return;
        }
        if self.sym(a, "{") || (self.sym(a, "(") && whole) {
            return;
        }
        if self.ident(a, "not") && self.paren_chain(a + 1, b) && !self.not_bodies {
            self.refuse_not_group(a + 1);
            return;
        }
        // Only a written-out body declares variables (a compile error: the chain is written).
        if self.top(a, b).iter().any(|&i| self.sym(i, ":=")) {
            let at = self.toks[a].start;
            self.compile.push((
                at,
                format!("cannot assign vars inside implicit {node} operand"),
            ));
        }
    }

    /// `not (a or b)` without not-bodies: OPA reads a parenthesized term, which ends at `or`.
    fn refuse_not_group(&mut self, paren: usize) {
        let end = self.close[paren].unwrap_or(paren);
        if let Some(op) = self
            .top(paren + 1, end)
            .into_iter()
            .find(|&i| self.is_op(i))
        {
            self.refuse(op, "non-terminated expression".into());
        }
    }

    fn refuse(&mut self, i: usize, msg: String) {
        if self.refused.is_none() {
            self.refused = Some((self.toks[i].start, msg));
        }
    }

    fn open_at(&mut self, i: usize) {
        let p = self.toks[i].start;
        self.edits.push((p, 1, p, "[true | ".into()));
    }

    fn close_at(&mut self, i: usize, with: String) {
        let p = self.toks[i].end;
        self.edits.push((p, 0, p, with));
    }

    fn replace(&mut self, i: usize, with: String) {
        let t = &self.toks[i];
        self.edits.push((t.start, 2, t.end, with));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(body: &str) -> String {
        let src = format!("package p\nimport future.keywords\n{body}");
        let out = rewrite("p.rego", &src).unwrap().unwrap_or(src.clone());
        assert_eq!(out.lines().count(), src.lines().count());
        out.lines().skip(2).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn operands_become_comprehensions() {
        assert_eq!(
            rw("p if a and b"),
            "p if [true | [true | a] != [] ; [true | b] != []] != []"
        );
        assert_eq!(
            rw("p if a or b"),
            "p if [true | [true | a] == [] ; [true | b] == []] == []"
        );
        assert_eq!(
            rw("p if {\n  { x := 1; x > 0 } or\n  input.y\n}"),
            "p if {\n  [true | [true | x := 1; x > 0 ] == [] ;\n  [true | input.y] == []] == []\n}"
        );
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            rw("p if a or b and not c"),
            "p if [true | [true | a] == [] ; [true | [true | b] != [] ; [true | not c] != []] == []] == []"
        );
        assert_eq!(
            rw("p if (a or b) and c with input as 1"),
            "p if [true | [true |[true | [true | a] == [] ; [true | b] == []] == []] != [] ; [true | c] != []] != [] with input as 1"
        );
    }

    #[test]
    fn references_and_calls_are_left_alone() {
        let src = "package p\nimport future.keywords.and\nimport future.keywords.or\n\
                   p if x.and == or(a, b)\n";
        // Only the imports go, which would make regorus refuse the call.
        let out = rewrite("p.rego", src).unwrap();
        assert_eq!(
            out.as_deref(),
            Some("package p\n\n\np if x.and == or(a, b)\n")
        );
        let plain = "package p\n\np if and(a, b)\n";
        assert_eq!(rewrite("p.rego", plain).unwrap(), None);
    }

    fn refused(body: &str) -> String {
        let src = format!("package p\nimport future.keywords\n{body}");
        let e = rewrite("p.rego", &src).expect_err("refused");
        let text = format!("{e}");
        let at = text.lines().find_map(|l| l.strip_prefix("--> p.rego:"));
        let msg = text.lines().last().unwrap_or("");
        format!(
            "{}: {}",
            at.unwrap_or(""),
            msg.trim_start_matches("error: ")
        )
    }

    #[test]
    fn what_opa_refuses_in_its_words() {
        assert_eq!(
            refused("p if {\n\ta with input as 1 or b\n}"),
            "4:4: `with` modifier is not allowed on operand of `or` (hint: Wrap the operand in \
             `(...)` or `{...}` to scope, or move `with` after the `or` expression to apply it \
             to the whole expression)"
        );
        assert_eq!(refused("p if a and {}"), "3:12: found empty body");
        assert_eq!(
            refused("p if {\"a\": 1} or b"),
            "3:6: operand of `or` cannot begin with `{` unless the braces hold a body (hint: \
             wrap the operand to keep the value: `({\"a\": 1}) or ...`)"
        );
        assert!(refused("p if a or print(1)")
            .starts_with("3:11: operand of `or` cannot consist only of calls to `print`"));
        let src = "package p\nimport future.keywords.and\np if a and x := 1\n";
        assert!(rewrite("p.rego", src).is_ok_and(|t| t.is_some()));
        assert_eq!(
            compile_refusals("p.rego", src),
            [(
                3,
                12,
                "cannot assign vars inside implicit and operand".to_string()
            )]
        );
        assert_eq!(
            refused("p := [1 | some x in [1] or true]"),
            "3:25: unexpected or keyword: expected \\n or ; or ]"
        );
        assert!(refused("p if { { s | s } and true }").starts_with("3:8: ambiguous"));
        let src = "package p\nimport future.keywords.or\np if {\n\tx == 1 or y\n\tx := 2\n}\n";
        assert_eq!(
            compile_refusals("p.rego", src),
            [(5, 2, "var x referenced above".to_string())]
        );
        let bound =
            "package p\nimport future.keywords.or\np if {\n\tx := 1\n\tx == 1 or y\n\tz := x\n}\n";
        assert!(compile_refusals("p.rego", bound).is_empty());
        let src = "package p\nimport future.keywords.or\np if not (a or b)\n";
        assert!(format!("{}", rewrite("p.rego", src).expect_err("refused"))
            .ends_with("non-terminated expression"));
    }
}
