//! `--explain full`'s trace, like OPA's `--explain full`: every rule body a test evaluates
//! (file:line), each of its expressions with its outcome and the variables it bound, nested by
//! depth. regorus has no evaluation trace, so a second copy of the tree is loaded with a
//! `print` probe at the start of every rule body and after every expression (on the same
//! lines, so every location stays put); the probes' output, in evaluation order, is the trace.

use std::cell::RefCell;
use std::collections::BTreeMap;

use anyhow::{anyhow, Result};
use regorus::unstable::{Literal, Rule};

use super::engine::Policy;
use super::lang::is_inserted;
use super::source::{parse, source};
use super::tree::PolicyTree;

/// The trace of one test is cut after this many lines.
pub const MAX_LINES: usize = 500;

/// What a probe's message starts with.
const MARK: &str = "xtask-trace ";

/// A shown value is cut at this many characters.
const MAX_VALUE: usize = 160;

/// One instrumented rule body.
#[derive(Debug)]
struct Body {
    /// `file:line` of the rule (the `else` for an else body), as OPA's Enter event names it.
    at: String,
    /// The head's first line, as written.
    head: String,
    /// Each expression: its line and its first line of text.
    stmts: Vec<(u32, String)>,
    file: String,
    /// The rule it belongs to (`package.name`): Rego has no recursion, so a body is never
    /// entered from inside another body of its own rule.
    rule: String,
}

/// The tree loaded with trace probes.
pub struct Tracer {
    policy: Policy,
    bodies: Vec<Body>,
}

impl Tracer {
    /// Loads `tree` (with `data`) a second time, a probe in every rule body.
    pub fn load(tree: &PolicyTree, data: &serde_json::Value) -> Result<Tracer> {
        let bodies = RefCell::new(Vec::new());
        let instrument = |m: &regorus::unstable::Module, text: String| -> Result<String> {
            let file = m.package.span.source.file().to_string();
            instrument(m, file, text, &mut bodies.borrow_mut())
        };
        let mut policy = Policy::load_with(tree, data, Some(&instrument))?;
        policy.engine.set_gather_prints(true);
        Ok(Tracer {
            policy,
            bodies: bodies.into_inner(),
        })
    }

    /// The trace of `data.<package>.<rule>`, at most [`MAX_LINES`] lines (then one saying how
    /// many were cut).
    pub fn trace(&mut self, package: &str, rule: &str) -> Vec<String> {
        let _ = self.policy.engine.take_prints();
        let result = self.policy.eval(package, rule);
        let prints = match self.policy.engine.take_prints() {
            Ok(p) => p,
            Err(e) => return vec![format!("(no trace: {e})")],
        };
        let mut r = Render {
            bodies: &self.bodies,
            stack: Vec::new(),
            out: Vec::new(),
            cut: 0,
        };
        for p in &prints {
            r.event(p);
        }
        // An error stops the innermost open body at its next expression.
        let errored = result.is_err();
        let mut first = true;
        while let Some(f) = r.stack.pop() {
            r.close(f, errored && first);
            first = false;
        }
        if let Err(e) = result {
            r.push(0, format!("error: {}", self.policy.error_line(&e)));
        }
        let mut out = r.out;
        if r.cut > 0 {
            out.push(format!("... {} more trace lines cut", r.cut));
        }
        out
    }
}

/// One body being evaluated.
struct Frame {
    id: usize,
    /// The last expression that succeeded.
    last: Option<usize>,
    /// The variables shown so far, to show only what changed.
    shown: BTreeMap<String, String>,
}

struct Render<'a> {
    bodies: &'a [Body],
    stack: Vec<Frame>,
    out: Vec<String>,
    cut: usize,
}

impl Render<'_> {
    fn push(&mut self, depth: usize, line: String) {
        if self.out.len() < MAX_LINES {
            self.out.push(format!("{}{line}", "  ".repeat(depth)));
        } else {
            self.cut += 1;
        }
    }

    fn event(&mut self, print: &str) {
        let Some(msg) = print.find(MARK).map(|i| &print[i + MARK.len()..]) else {
            // The policy's own `print` calls are part of the trace too.
            let depth = self.stack.len();
            self.push(depth, format!("print: {print}"));
            return;
        };
        let mut parts = msg.splitn(3, ' ');
        let (Some(Ok(id)), Some(what)) = (parts.next().map(str::parse::<usize>), parts.next())
        else {
            return;
        };
        if id >= self.bodies.len() {
            return;
        }
        if what == "E" {
            // Rego has no recursion: a body of the same rule entered again means the frame of
            // that rule ended. A body that reached its end calls nothing more either: a new
            // body entered after it is not its child.
            let rule = &self.bodies[id].rule;
            if let Some(p) = self
                .stack
                .iter()
                .position(|f| self.bodies[f.id].rule == *rule)
            {
                self.close_above(p);
            }
            while self.stack.last().is_some_and(|f| self.finished(f)) {
                self.close_above(self.stack.len() - 1);
            }
            self.enter(id);
            return;
        }
        let Ok(k) = what.parse::<usize>() else { return };
        match self.stack.iter().position(|f| f.id == id) {
            Some(p) => self.close_above(p + 1),
            None => self.enter(id),
        }
        let depth = self.stack.len().saturating_sub(1);
        let body = &self.bodies[id];
        let Some(f) = self.stack.last_mut() else {
            return;
        };
        // Back at an earlier expression: the next one after the last reached failed, and
        // evaluation went back for the next value (OPA's Redo).
        let redo = f.last.filter(|&l| k <= l && l + 1 < body.stmts.len());
        f.last = Some(k);
        let mut vars = Vec::new();
        if let Some(Ok(serde_json::Value::Object(m))) =
            parts.next().map(serde_json::from_str::<serde_json::Value>)
        {
            for (name, v) in m {
                let v = show(&v);
                if f.shown.get(&name) != Some(&v) {
                    vars.push(format!("  {name} = {v}"));
                    f.shown.insert(name, v);
                }
            }
        }
        if let Some(l) = redo {
            self.stmt(depth, id, l + 1, "fail");
            self.push(depth, "  redo".into());
        }
        if k < body.stmts.len() {
            self.stmt(depth, id, k, "ok");
            for v in vars {
                self.push(depth, format!("  {v}"));
            }
            if k + 1 == body.stmts.len() {
                self.push(depth, format!("exit {}", body.at));
            }
        }
    }

    fn finished(&self, f: &Frame) -> bool {
        f.last.map_or(0, |l| l + 1) >= self.bodies[f.id].stmts.len()
    }

    fn stmt(&mut self, depth: usize, id: usize, k: usize, verdict: &str) {
        let body = &self.bodies[id];
        if let Some((line, text)) = body.stmts.get(k) {
            let text = super::quiet::cut_values(text);
            let line = format!("  {}:{line}: {verdict}: {text}", body.file);
            self.push(depth, line);
        }
    }

    fn enter(&mut self, id: usize) {
        let depth = self.stack.len();
        let b = &self.bodies[id];
        let line = format!("enter {}: {}", b.at, b.head);
        self.push(depth, line);
        if b.stmts.is_empty() {
            // A rule without a body (`xs := [1, 2]`) has nothing more to show.
            self.push(depth, format!("exit {}", b.at));
            return;
        }
        self.stack.push(Frame {
            id,
            last: None,
            shown: BTreeMap::new(),
        });
    }

    /// Closes every frame above position `keep` (exclusive of frames below it).
    fn close_above(&mut self, keep: usize) {
        while self.stack.len() > keep {
            if let Some(f) = self.stack.pop() {
                self.close(f, false);
            }
        }
    }

    /// A body that is left: if it did not reach its last expression, the next one stopped it.
    fn close(&mut self, f: Frame, errored: bool) {
        let body = &self.bodies[f.id];
        let next = f.last.map_or(0, |l| l + 1);
        if next < body.stmts.len() {
            let depth = self.stack.len() + 1;
            self.stmt(
                depth - 1,
                f.id,
                next,
                if errored { "error" } else { "fail" },
            );
        }
    }
}

/// Adds the probes to one module's text (aliases resolved), recording each body in `bodies`.
/// Every probe goes on the line of the expression it follows, so lines stay put.
fn instrument(
    written: &regorus::unstable::Module,
    file: String,
    text: String,
    bodies: &mut Vec<Body>,
) -> Result<String> {
    // Parsed again: alias resolution may have moved columns since the module was parsed.
    let src = source(file.clone(), text.clone())?;
    let module = parse(&src)?;
    let bytes = text.as_bytes();
    let mut edits: Vec<(usize, String)> = Vec::new();
    for (i, r) in module.policy.iter().enumerate() {
        let Rule::Spec {
            span,
            bodies: bs,
            head: rule_head,
        } = &**r
        else {
            continue;
        };
        let name = super::explain::head_name(rule_head);
        if name.starts_with("__rego_") {
            continue; // added by our rewrites (rego.metadata), never written by the user
        }
        let rule = format!("{}.{name}", module.package.refr.span().text());
        // The texts shown are as written (before aliases were resolved) when the two parses
        // agree on the rule (our rewrites only append rules after the user's).
        let as_written = written
            .policy
            .get(i)
            .map(|w| &**w)
            .filter(|w| w.span().line == span.line);
        let written_bodies = match as_written {
            Some(Rule::Spec { bodies, .. }) if bodies.len() == bs.len() => Some(bodies),
            _ => None,
        };
        let head_span = as_written.map_or(span, |w| w.span());
        let head = super::explain::text_of(head_span)
            .lines()
            .next()
            .unwrap_or("")
            .trim()
            .chars()
            .take(100)
            .collect::<String>();
        if bs.is_empty() {
            let id = bodies.len();
            bodies.push(Body {
                at: format!("{file}:{}", span.line),
                head,
                stmts: Vec::new(),
                file: file.clone(),
                rule: rule.clone(),
            });
            edits.push((
                end_of(span, bytes),
                format!(" if {{ print(\"{MARK}{id} E\") }}"),
            ));
            continue;
        }
        for (j, b) in bs.iter().enumerate() {
            // Not the checks `lang.rs` writes before a literal: the user never wrote them.
            let stmts: Vec<_> = b.query.stmts.iter().filter(|s| !is_inserted(s)).collect();
            let line = if j == 0 { span.line } else { b.span.line };
            // An `else` is shown by its own line.
            let head = match j {
                0 => head.clone(),
                _ => line_of(written, line).unwrap_or_else(|| head.clone()),
            };
            // Entered before `lang.rs`'s checks run, as OPA enters before its compiler's.
            let Some(first) = b.query.stmts.first() else {
                // `else := value` without a condition: entered when the bodies before it fail.
                if let Some(a) = &b.assign {
                    let id = bodies.len();
                    bodies.push(Body {
                        at: format!("{file}:{line}"),
                        head: head.clone(),
                        stmts: Vec::new(),
                        file: file.clone(),
                        rule: rule.clone(),
                    });
                    edits.push((
                        end_of(a.value.span(), bytes),
                        format!(" if {{ print(\"{MARK}{id} E\") }}"),
                    ));
                }
                continue;
            };
            let written_stmts = written_bodies
                .and_then(|wb| wb.get(j))
                .map(|wb| &wb.query.stmts)
                .filter(|ws| ws.len() == stmts.len());
            let start = start_of(&first.span, bytes);
            let braced = bytes[..start]
                .iter()
                .rev()
                .find(|c| !c.is_ascii_whitespace())
                .is_some_and(|c| matches!(c, b'{' | b';'));
            let id = bodies.len();
            let mut vars = Vec::new();
            let mut shown = Vec::new();
            let open = if braced { "" } else { "{ " };
            edits.push((start, format!("{open}print(\"{MARK}{id} E\"); ")));
            if let (false, true, Some(last)) = (braced, stmts.is_empty(), b.query.stmts.last()) {
                edits.push((end_of(&last.span, bytes), " }".into()));
            }
            for (k, s) in stmts.iter().enumerate() {
                if !matches!(s.literal, Literal::SomeVars { .. }) {
                    super::explain::declared(s, &mut vars);
                }
                let obj: Vec<String> = vars.iter().map(|v| format!("{v:?}: {v}")).collect();
                let arg = if obj.is_empty() {
                    String::new()
                } else {
                    format!(", json.marshal({{{}}})", obj.join(", "))
                };
                let close = if !braced && k + 1 == stmts.len() {
                    " }"
                } else {
                    ""
                };
                edits.push((
                    end_of(&s.span, bytes),
                    format!("; print(\"{MARK}{id} {k}\"{arg}){close}"),
                ));
                let t = super::explain::text_of(written_stmts.map_or(&s.span, |ws| &ws[k].span));
                shown.push((
                    s.span.line,
                    t.lines().next().unwrap_or("").trim().to_string(),
                ));
            }
            bodies.push(Body {
                at: format!("{file}:{line}"),
                head: head.clone(),
                stmts: shown,
                file: file.clone(),
                rule: rule.clone(),
            });
        }
    }
    // Later edits first, so earlier offsets stay valid; at one offset, keep their order.
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text;
    for (at, s) in edits {
        if at > out.len() || !out.is_char_boundary(at) {
            return Err(anyhow!("trace probe outside the text"));
        }
        out.insert_str(at, &s);
    }
    Ok(out)
}

/// Line `line` of the module as written, trimmed and cut like a head.
fn line_of(written: &regorus::unstable::Module, line: u32) -> Option<String> {
    let text = written.package.span.source.contents();
    let l = text.lines().nth(line.checked_sub(1)? as usize)?;
    Some(l.trim().chars().take(100).collect())
}

/// Where a node starts, widened back over a string literal's opening quote.
fn start_of(span: &regorus::unstable::Span, text: &[u8]) -> usize {
    let start = span.start as usize;
    if start > 0 && matches!(text.get(start - 1), Some(b'"' | b'`')) {
        start - 1
    } else {
        start
    }
}

/// Where a node ends, widened over a string literal's closing quote.
fn end_of(span: &regorus::unstable::Span, text: &[u8]) -> usize {
    let end = span.end as usize;
    if matches!(text.get(end), Some(b'"' | b'`')) {
        end + 1
    } else {
        end
    }
}

fn show(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > MAX_VALUE {
        let cut: String = s.chars().take(MAX_VALUE).collect();
        format!("{cut}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_the_bodies_a_test_enters_nested_with_bindings() {
        let t = PolicyTree::of(&[
            (
                "p.rego",
                "package p\nimport rego.v1\nxs := [1, 2, 3]\nok if {\n\tsome x in xs\n\tx > 2\n}\n\
                 f(a) := b if {\n\tb := a + 1\n}\n\
                 g(a) := 1 if a > 0\nelse := 2\n",
            ),
            (
                "p_test.rego",
                "package p_test\nimport rego.v1\nimport data.p\n\
                 test_a if {\n\tp.ok\n\tp.f(1) == 3\n}\ntest_b if p.f(1) == \"2\"\n\
                 test_c if p.g(0) == 2\n",
            ),
        ]);
        let mut tr = Tracer::load(&t, &serde_json::json!({})).unwrap();
        let l = tr.trace("p_test", "test_a");
        let want = [
            "enter t/p_test.rego:4: test_a if {",
            "  enter t/p.rego:4: ok if {",
            "    enter t/p.rego:3: xs := [1, 2, 3]",
            "    exit t/p.rego:3",
            "    t/p.rego:5: ok: some x in xs",
            "      x = 1",
            "    t/p.rego:6: fail: x > 2",
            "    redo",
        ];
        assert_eq!(l[..want.len()], want, "{l:#?}");
        assert!(l.contains(&"  exit t/p.rego:4".to_string()), "{l:#?}");
        assert!(
            l.contains(&"  t/p_test.rego:5: ok: p.ok".to_string()),
            "{l:#?}"
        );
        assert!(
            l.contains(&"  enter t/p.rego:8: f(a) := b if {".to_string()),
            "{l:#?}"
        );
        assert!(l.contains(&"      b = 2".to_string()), "{l:#?}");
        assert_eq!(l.last().unwrap(), "  t/p_test.rego:6: fail: p.f(1) == 3");

        // A body without braces and a string at its end are probed without changing them.
        let l = tr.trace("p_test", "test_b");
        assert_eq!(
            l.last().unwrap(),
            "  t/p_test.rego:8: fail: p.f(1) == \"2\""
        );
    }

    #[test]
    fn a_long_trace_is_cut_and_says_so() {
        let t = PolicyTree::of(&[(
            "p_test.rego",
            "package p_test\nimport rego.v1\ntest_many if {\n\tsome i in numbers.range(1, 1000)\n\ti < 0\n}\n",
        )]);
        let mut tr = Tracer::load(&t, &serde_json::json!({})).unwrap();
        let l = tr.trace("p_test", "test_many");
        assert_eq!(l.len(), MAX_LINES + 1);
        assert!(
            l[MAX_LINES].starts_with("... ") && l[MAX_LINES].ends_with(" more trace lines cut")
        );
    }
}
