//! `strings.render_template`: the part of Go's text/template that OPA users write — field and
//! variable references, `if`/`else if`/`else`, `range` (with `$i, $v :=`), `with`, comments,
//! `{{-`/`-}}` trimming, pipes and the builtin functions `len index eq ne lt le gt ge and or not
//! print printf println`. Values print as Go prints the `interface{}` OPA hands over (numbers
//! as written, objects as `map[k:v]`, a missing value as `<undefined>`).

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use regorus::{Engine, Value};
use serde_json::Value as Json;

use super::{add, object, string, to_json};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "strings.render_template", 2, render_builtin)
}

fn render_builtin(args: &[Value]) -> Result<Value> {
    let text = string(args, 0)?;
    let vars = object(args, 1)?;
    if contains_set(vars) {
        // OPA hands the variables over as JSON, which has no sets.
        bail!("invalid character ',' after object key");
    }
    let data = to_json(vars)?;
    let nodes = Parser::new(text).parse_all()?;
    let mut out = String::new();
    let mut scope = vec![("$".to_string(), Val::Json(data.clone()))];
    exec(&nodes, &Some(data), &mut scope, &mut out)?;
    Ok(Value::from(out))
}

fn contains_set(v: &Value) -> bool {
    match v {
        Value::Set(_) => true,
        Value::Array(a) => a.iter().any(contains_set),
        Value::Object(o) => o.iter().any(|(k, v)| contains_set(k) || contains_set(v)),
        _ => false,
    }
}

// ---- values -------------------------------------------------------------------------------

/// A template value: JSON from the variables (numbers stay text, like Go's `json.Number`), or a
/// literal of the template itself.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    Nil,
    Json(Json),
    Int(i64),
    Float(f64),
}

fn truth(v: &Val) -> bool {
    match v {
        Val::Nil => false,
        Val::Int(i) => *i != 0,
        Val::Float(f) => *f != 0.0,
        Val::Json(j) => match j {
            Json::Null => false,
            Json::Bool(b) => *b,
            Json::Number(_) => true, // a non-empty json.Number string
            Json::String(s) => !s.is_empty(),
            Json::Array(a) => !a.is_empty(),
            Json::Object(o) => !o.is_empty(),
        },
    }
}

fn fmt_json(j: &Json, top: bool, out: &mut String) {
    match j {
        Json::Null => out.push_str(if top { "<undefined>" } else { "<nil>" }),
        Json::Bool(b) => out.push_str(&b.to_string()),
        Json::Number(n) => out.push_str(&n.to_string()),
        Json::String(s) => out.push_str(s),
        Json::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                fmt_json(x, false, out);
            }
            out.push(']');
        }
        Json::Object(o) => {
            out.push_str("map[");
            let sorted: BTreeMap<_, _> = o.iter().collect();
            for (i, (k, x)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                fmt_json(x, false, out);
            }
            out.push(']');
        }
    }
}

/// `%v` of a value; `top` is an action's own output, where nil reads `<undefined>`.
fn fmt_val(v: &Val, top: bool) -> String {
    let mut s = String::new();
    match v {
        Val::Nil => s.push_str(if top { "<undefined>" } else { "<nil>" }),
        Val::Int(i) => s.push_str(&i.to_string()),
        Val::Float(f) => s.push_str(&f.to_string()),
        Val::Json(j) => fmt_json(j, top, &mut s),
    }
    s
}

// ---- parsing ------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Tok {
    Field(Vec<String>),       // .a.b ( `.` alone is an empty path)
    Var(String, Vec<String>), // $x.a
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
    Ident(String),
    Pipe,
    Open,
    Close,
    Declare,
    Assign,
    Comma,
}

#[derive(Debug, Clone)]
enum Arg {
    Tok(Tok),
    Sub(Pipeline),
}

#[derive(Debug, Clone, Default)]
struct Pipeline {
    decl: Vec<String>,
    assign: bool,
    cmds: Vec<Vec<Arg>>,
}

#[derive(Debug)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    /// Nesting of control structures and parentheses, bounded so no input exhausts the stack.
    depth: usize,
}

const MAX_DEPTH: usize = 100;

/// How a list of nodes ended.
enum Stop {
    Eof,
    End,
    Else(Option<(String, Pipeline)>),
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            src,
            pos: 0,
            line: 1,
            depth: 0,
        }
    }

    fn err(&self, msg: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("template: template:{}: {msg}", self.line)
    }

    fn parse_all(&mut self) -> Result<Vec<Node>> {
        let (nodes, end) = self.parse_list()?;
        match end {
            Stop::Eof => Ok(nodes),
            Stop::End => Err(self.err("unexpected {{end}}")),
            Stop::Else(_) => Err(self.err("unexpected {{else}}")),
        }
    }

    /// Nodes up to the end of input, `{{end}}` or `{{else ...}}`.
    fn parse_list(&mut self) -> Result<(Vec<Node>, Stop)> {
        let mut nodes = Vec::new();
        loop {
            let rest = &self.src[self.pos..];
            let Some(open) = rest.find("{{") else {
                if !rest.is_empty() {
                    nodes.push(Node::Text(rest.to_string()));
                }
                self.pos = self.src.len();
                return Ok((nodes, Stop::Eof));
            };
            let mut text = rest[..open].to_string();
            let mut inner_start = self.pos + open + 2;
            if self.src[inner_start..].starts_with("- ")
                || self.src[inner_start..].starts_with("-\t")
                || self.src[inner_start..].starts_with("-\n")
            {
                text = text.trim_end().to_string();
                inner_start += 1;
            }
            self.line += rest[..open].matches('\n').count();
            if !text.is_empty() {
                nodes.push(Node::Text(text));
            }
            // A comment runs to `*/}}`.
            let after = self.src[inner_start..].trim_start();
            if after.starts_with("/*") {
                let Some(close) = self.src[inner_start..].find("*/") else {
                    return Err(self.err("unclosed comment"));
                };
                let mut p = inner_start + close + 2;
                let tail = &self.src[p..];
                let trimmed = tail.trim_start();
                let trim_right = trimmed.starts_with("-}}") && tail.len() != trimmed.len();
                let tail = if trim_right { &trimmed[1..] } else { tail };
                if !tail.starts_with("}}") {
                    return Err(self.err("comment ends before closing delimiter"));
                }
                p = self.src.len() - tail.len() + 2;
                self.pos = p;
                if trim_right {
                    self.skip_space();
                }
                continue;
            }
            let (toks, trim_right) = self.lex_action(inner_start)?;
            if trim_right {
                self.skip_space();
            }
            let kw = match toks.first() {
                Some(Tok::Ident(k)) => k.clone(),
                _ => String::new(),
            };
            match kw.as_str() {
                "end" => return Ok((nodes, Stop::End)),
                "else" => {
                    let rest: Vec<Tok> = toks[1..].to_vec();
                    let chained = match rest.first() {
                        Some(Tok::Ident(k)) if k == "if" || k == "with" => {
                            Some((k.clone(), self.pipeline(&rest[1..])?))
                        }
                        None => None,
                        _ => return Err(self.err("unexpected tokens after else")),
                    };
                    return Ok((nodes, Stop::Else(chained)));
                }
                "if" | "range" | "with" => {
                    let p = self.pipeline(&toks[1..])?;
                    if p.decl.len() > 2 || (p.decl.len() > 1 && kw != "range") {
                        return Err(self.err(format!("too many declarations in {kw}")));
                    }
                    nodes.push(self.control(&kw, p)?);
                }
                "define" | "template" | "block" | "break" | "continue" => {
                    return Err(self.err(format!("{{{{{kw}}}}} is not supported")));
                }
                _ => nodes.push(Node::Action(self.pipeline(&toks)?)),
            }
        }
    }

    fn control(&mut self, kw: &str, p: Pipeline) -> Result<Node> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("template nested too deeply"));
        }
        let node = self.control_body(kw, p);
        self.depth -= 1;
        node
    }

    fn control_body(&mut self, kw: &str, p: Pipeline) -> Result<Node> {
        let (body, end) = self.parse_list()?;
        let alt = match end {
            Stop::Eof => return Err(self.err(format!("unexpected EOF in {kw}"))),
            Stop::End => Vec::new(),
            Stop::Else(None) => {
                let (alt, end) = self.parse_list()?;
                if !matches!(end, Stop::End) {
                    return Err(self.err(format!("expected end in {kw}")));
                }
                alt
            }
            // `{{else if x}}` is an `if` inside the else branch sharing this `{{end}}`.
            Stop::Else(Some((kw2, p2))) => vec![self.control(&kw2, p2)?],
        };
        Ok(match kw {
            "if" => Node::If(p, body, alt),
            "range" => Node::Range(p, body, alt),
            _ => Node::With(p, body, alt),
        })
    }

    fn skip_space(&mut self) {
        let rest = &self.src[self.pos..];
        let trimmed = rest.trim_start();
        self.line += rest[..rest.len() - trimmed.len()].matches('\n').count();
        self.pos = self.src.len() - trimmed.len();
    }

    /// Tokens of one action starting at `start`; sets `pos` after its `}}`.
    fn lex_action(&mut self, start: usize) -> Result<(Vec<Tok>, bool)> {
        let b = self.src.as_bytes();
        let mut i = start;
        let mut toks = Vec::new();
        loop {
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r' || b[i] == b'\n') {
                i += 1;
            }
            if i >= b.len() {
                return Err(self.err("unclosed action"));
            }
            let rest = &self.src[i..];
            if rest.starts_with("-}}") && i > start && b[i - 1].is_ascii_whitespace() {
                self.pos = i + 3;
                return Ok((toks, true));
            }
            if rest.starts_with("}}") {
                self.pos = i + 2;
                return Ok((toks, false));
            }
            let c = b[i];
            match c {
                b'|' => {
                    toks.push(Tok::Pipe);
                    i += 1;
                }
                b'(' => {
                    toks.push(Tok::Open);
                    i += 1;
                }
                b')' => {
                    toks.push(Tok::Close);
                    i += 1;
                }
                b',' => {
                    toks.push(Tok::Comma);
                    i += 1;
                }
                b':' if rest.starts_with(":=") => {
                    toks.push(Tok::Declare);
                    i += 2;
                }
                b'=' => {
                    toks.push(Tok::Assign);
                    i += 1;
                }
                b'"' => {
                    let mut j = i + 1;
                    while j < b.len() && b[j] != b'"' {
                        if b[j] == b'\\' {
                            j += 1;
                        }
                        if j < b.len() && b[j] == b'\n' {
                            return Err(self.err("unterminated quoted string"));
                        }
                        j += 1;
                    }
                    if j >= b.len() {
                        return Err(self.err("unterminated quoted string"));
                    }
                    let s: String = serde_json::from_str(&self.src[i..=j])
                        .map_err(|_| self.err("invalid quoted string"))?;
                    toks.push(Tok::Str(s));
                    i = j + 1;
                }
                b'`' => {
                    let Some(end) = self.src[i + 1..].find('`') else {
                        return Err(self.err("unterminated raw quoted string"));
                    };
                    toks.push(Tok::Str(self.src[i + 1..i + 1 + end].to_string()));
                    i += end + 2;
                }
                b'.' | b'$' => {
                    let mut j = i + 1;
                    while j < b.len()
                        && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.')
                    {
                        j += 1;
                    }
                    let word = &self.src[i..j];
                    if c == b'.' {
                        let path: Vec<String> = word[1..]
                            .split('.')
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect();
                        toks.push(Tok::Field(path));
                    } else {
                        let mut parts = word[1..].split('.');
                        let name = format!("${}", parts.next().unwrap_or(""));
                        toks.push(Tok::Var(name, parts.map(String::from).collect()));
                    }
                    i = j;
                }
                b'-' | b'+' | b'0'..=b'9' => {
                    let mut j = i + 1;
                    while j < b.len()
                        && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'_')
                    {
                        j += 1;
                    }
                    let word = &self.src[i..j];
                    if let Ok(n) = word.parse::<i64>() {
                        toks.push(Tok::Int(n));
                    } else if let Ok(f) = word.parse::<f64>() {
                        toks.push(Tok::Float(f));
                    } else {
                        return Err(self.err(format!("bad number syntax: {word:?}")));
                    }
                    i = j;
                }
                c if c.is_ascii_alphabetic() || c == b'_' => {
                    let mut j = i + 1;
                    while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                        j += 1;
                    }
                    let word = &self.src[i..j];
                    toks.push(match word {
                        "true" => Tok::Bool(true),
                        "false" => Tok::Bool(false),
                        "nil" => Tok::Nil,
                        w => Tok::Ident(w.to_string()),
                    });
                    i = j;
                }
                _ => {
                    let ch = rest.chars().next().unwrap_or(' ');
                    return Err(self.err(format!("bad character U+{:04X} '{ch}'", ch as u32)));
                }
            }
        }
    }

    fn pipeline(&self, toks: &[Tok]) -> Result<Pipeline> {
        let mut p = Pipeline::default();
        let mut rest = toks;
        // `$x :=`, `$i, $v :=`, `$x =`
        let decl_end = toks
            .iter()
            .position(|t| matches!(t, Tok::Declare | Tok::Assign));
        if let Some(end) = decl_end {
            let names: Vec<&Tok> = toks[..end]
                .iter()
                .filter(|t| !matches!(t, Tok::Comma))
                .collect();
            if !names.is_empty()
                && names
                    .iter()
                    .all(|t| matches!(t, Tok::Var(_, f) if f.is_empty()))
            {
                p.decl = names
                    .iter()
                    .filter_map(|t| match t {
                        Tok::Var(n, _) => Some(n.clone()),
                        _ => None,
                    })
                    .collect();
                p.assign = matches!(toks[end], Tok::Assign);
                rest = &toks[end + 1..];
            }
        }
        let (cmds, used) = self.commands(rest)?;
        if used != rest.len() {
            return Err(self.err("unexpected \")\" in command"));
        }
        if cmds.is_empty() {
            return Err(self.err("missing value for command"));
        }
        p.cmds = cmds;
        Ok(p)
    }

    /// Commands separated by `|`, up to an unmatched `)`; returns how many tokens were used.
    fn commands(&self, toks: &[Tok]) -> Result<(Vec<Vec<Arg>>, usize)> {
        self.commands_at(toks, 0)
    }

    fn commands_at(&self, toks: &[Tok], depth: usize) -> Result<(Vec<Vec<Arg>>, usize)> {
        if depth > MAX_DEPTH {
            return Err(self.err("pipeline nested too deeply"));
        }
        let mut cmds = Vec::new();
        let mut cur = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            match &toks[i] {
                Tok::Pipe => {
                    if cur.is_empty() {
                        return Err(self.err("missing command"));
                    }
                    cmds.push(std::mem::take(&mut cur));
                    i += 1;
                }
                Tok::Open => {
                    let (sub, used) = self.commands_at(&toks[i + 1..], depth + 1)?;
                    if !matches!(toks.get(i + 1 + used), Some(Tok::Close)) {
                        return Err(self.err("unclosed left paren"));
                    }
                    cur.push(Arg::Sub(Pipeline {
                        cmds: sub,
                        ..Default::default()
                    }));
                    i += used + 2;
                }
                Tok::Close => break,
                Tok::Declare | Tok::Assign | Tok::Comma => {
                    return Err(self.err("unexpected token in command"))
                }
                t => {
                    if let Tok::Ident(name) = t {
                        if !FUNCS.contains(&name.as_str()) {
                            return Err(self.err(format!("function {name:?} not defined")));
                        }
                    }
                    cur.push(Arg::Tok(t.clone()));
                    i += 1;
                }
            }
        }
        if !cur.is_empty() {
            cmds.push(cur);
        }
        Ok((cmds, i))
    }
}

const FUNCS: [&str; 14] = [
    "len", "index", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "print", "printf",
    "println",
];

// ---- execution ----------------------------------------------------------------------------

/// Variables as Go holds them: a `range` index is an `int` (so `{{if $i}}` is false at 0).
type Scope = Vec<(String, Val)>;

fn exec(nodes: &[Node], dot: &Option<Json>, scope: &mut Scope, out: &mut String) -> Result<()> {
    for n in nodes {
        match n {
            Node::Text(t) => out.push_str(t),
            Node::Action(p) => {
                let v = eval_pipeline(p, dot, scope)?;
                if p.decl.is_empty() {
                    out.push_str(&fmt_val(&v, true));
                }
            }
            Node::If(p, body, alt) => {
                let depth = scope.len();
                let v = eval_pipeline(p, dot, scope)?;
                let branch = if truth(&v) { body } else { alt };
                exec(branch, dot, scope, out)?;
                scope.truncate(depth);
            }
            Node::With(p, body, alt) => {
                let depth = scope.len();
                let v = eval_pipeline(p, dot, scope)?;
                if truth(&v) {
                    exec(body, &to_opt(&v), scope, out)?;
                } else {
                    exec(alt, dot, scope, out)?;
                }
                scope.truncate(depth);
            }
            Node::Range(p, body, alt) => {
                let depth = scope.len();
                let mut inner = p.clone();
                let names = std::mem::take(&mut inner.decl);
                let v = eval_pipeline(&inner, dot, scope)?;
                let items: Vec<(Val, Json)> = match &v {
                    Val::Json(Json::Array(a)) => a
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (Val::Int(i as i64), x.clone()))
                        .collect(),
                    Val::Json(Json::Object(o)) => {
                        let sorted: BTreeMap<_, _> = o.iter().collect();
                        sorted
                            .into_iter()
                            .map(|(k, x)| (Val::Json(Json::String(k.clone())), x.clone()))
                            .collect()
                    }
                    Val::Nil | Val::Json(Json::Null) => Vec::new(),
                    other => bail!("range can't iterate over {}", fmt_val(other, false)),
                };
                if items.is_empty() {
                    exec(alt, dot, scope, out)?;
                }
                for (k, x) in items {
                    let d = scope.len();
                    match names.as_slice() {
                        [v] => scope.push((v.clone(), Val::Json(x.clone()))),
                        [i, v] => {
                            scope.push((i.clone(), k));
                            scope.push((v.clone(), Val::Json(x.clone())));
                        }
                        _ => {}
                    }
                    exec(body, &Some(x), scope, out)?;
                    scope.truncate(d);
                }
                scope.truncate(depth);
            }
        }
    }
    Ok(())
}

fn to_opt(v: &Val) -> Option<Json> {
    match v {
        Val::Nil => None,
        Val::Json(j) => Some(j.clone()),
        Val::Int(i) => Some(Json::from(*i)),
        Val::Float(f) => serde_json::Number::from_f64(*f).map(Json::Number),
    }
}

fn eval_pipeline(p: &Pipeline, dot: &Option<Json>, scope: &mut Scope) -> Result<Val> {
    let mut prev: Option<Val> = None;
    for cmd in &p.cmds {
        prev = Some(eval_command(cmd, dot, scope, prev)?);
    }
    let v = prev.unwrap_or(Val::Nil);
    if let [name] = p.decl.as_slice() {
        if p.assign {
            let Some(slot) = scope.iter_mut().rev().find(|(n, _)| n == name) else {
                bail!("undefined variable: {name}");
            };
            slot.1 = v.clone();
        } else {
            scope.push((name.clone(), v.clone()));
        }
    }
    Ok(v)
}

fn field(mut v: Option<Json>, path: &[String]) -> Result<Val> {
    for (i, k) in path.iter().enumerate() {
        v = match v {
            Some(Json::Object(o)) => o.get(k).cloned(),
            None | Some(Json::Null) if i > 0 => {
                bail!("nil pointer evaluating interface {{}}.{k}")
            }
            None | Some(Json::Null) => None,
            Some(_) => bail!("can't evaluate field {k} in type interface {{}}"),
        };
    }
    Ok(match v {
        None => Val::Nil,
        Some(j) => Val::Json(j),
    })
}

fn eval_arg(a: &Arg, dot: &Option<Json>, scope: &mut Scope) -> Result<Val> {
    match a {
        Arg::Sub(p) => eval_pipeline(p, dot, scope),
        Arg::Tok(t) => Ok(match t {
            Tok::Field(path) => field(dot.clone(), path)?,
            Tok::Var(name, path) => {
                let Some((_, v)) = scope.iter().rev().find(|(n, _)| n == name) else {
                    bail!("undefined variable: {name}");
                };
                match path.is_empty() {
                    true => v.clone(),
                    false => field(to_opt(v), path)?,
                }
            }
            Tok::Str(s) => Val::Json(Json::String(s.clone())),
            Tok::Int(i) => Val::Int(*i),
            Tok::Float(f) => Val::Float(*f),
            Tok::Bool(b) => Val::Json(Json::Bool(*b)),
            Tok::Nil => bail!("nil is not a command"),
            Tok::Ident(f) => call(f, Vec::new())?,
            _ => bail!("unexpected token"),
        }),
    }
}

fn eval_command(
    cmd: &[Arg],
    dot: &Option<Json>,
    scope: &mut Scope,
    piped: Option<Val>,
) -> Result<Val> {
    if let Some(Arg::Tok(Tok::Ident(f))) = cmd.first() {
        let mut args = Vec::new();
        for a in &cmd[1..] {
            args.push(eval_arg(a, dot, scope)?);
        }
        args.extend(piped);
        return call(f, args);
    }
    if cmd.len() > 1 || piped.is_some() {
        bail!("can't give argument to non-function");
    }
    eval_arg(&cmd[0], dot, scope)
}

/// Go's basic kinds, as `eq`/`lt` compare them: a JSON number is a string (`json.Number`).
#[derive(PartialEq, PartialOrd)]
enum Basic {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

fn basic(v: &Val) -> Result<Basic> {
    Ok(match v {
        Val::Int(i) => Basic::Int(*i),
        Val::Float(f) => Basic::Float(*f),
        Val::Json(Json::Bool(b)) => Basic::Bool(*b),
        Val::Json(Json::String(s)) => Basic::Str(s.clone()),
        Val::Json(Json::Number(n)) => Basic::Str(n.to_string()),
        _ => bail!("invalid type for comparison"),
    })
}

fn compare(f: &str, a: &Val, b: &Val) -> Result<bool> {
    let (x, y) = (basic(a)?, basic(b)?);
    if std::mem::discriminant(&x) != std::mem::discriminant(&y) {
        bail!("error calling {f}: incompatible types for comparison");
    }
    Ok(match f {
        "eq" => x == y,
        "ne" => x != y,
        "lt" => x < y,
        "le" => x <= y,
        "gt" => x > y,
        _ => x >= y,
    })
}

fn call(f: &str, args: Vec<Val>) -> Result<Val> {
    let need = |n: usize| -> Result<()> {
        if args.len() < n {
            bail!("wrong number of args for {f}: want {n} got {}", args.len());
        }
        Ok(())
    };
    Ok(match f {
        "len" => {
            need(1)?;
            let n = match &args[0] {
                Val::Json(Json::String(s)) => s.len(),
                Val::Json(Json::Number(n)) => n.to_string().len(),
                Val::Json(Json::Array(a)) => a.len(),
                Val::Json(Json::Object(o)) => o.len(),
                _ => bail!(
                    "error calling len: len of type {}",
                    fmt_val(&args[0], false)
                ),
            };
            Val::Int(n as i64)
        }
        "index" => {
            need(1)?;
            let mut v = args[0].clone();
            for k in &args[1..] {
                v = match (&v, k) {
                    (Val::Json(Json::Array(a)), Val::Int(i)) => {
                        match usize::try_from(*i).ok().and_then(|i| a.get(i)) {
                            Some(x) => Val::Json(x.clone()),
                            None => bail!("error calling index: index out of range: {i}"),
                        }
                    }
                    (Val::Json(Json::Object(o)), Val::Json(Json::String(s))) => {
                        o.get(s).cloned().map_or(Val::Nil, Val::Json)
                    }
                    (Val::Nil | Val::Json(Json::Null), _) => {
                        bail!("error calling index: index of untyped nil")
                    }
                    _ => bail!("error calling index: cannot index with that key"),
                };
            }
            v
        }
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
            need(2)?;
            if f == "eq" && args.len() > 2 {
                let mut any = false;
                for b in &args[1..] {
                    any |= compare(f, &args[0], b)?;
                }
                Val::Json(Json::Bool(any))
            } else {
                Val::Json(Json::Bool(compare(f, &args[0], &args[1])?))
            }
        }
        "and" => {
            need(1)?;
            args.iter()
                .find(|v| !truth(v))
                .or(args.last())
                .cloned()
                .unwrap_or(Val::Nil)
        }
        "or" => {
            need(1)?;
            args.iter()
                .find(|v| truth(v))
                .or(args.last())
                .cloned()
                .unwrap_or(Val::Nil)
        }
        "not" => {
            need(1)?;
            Val::Json(Json::Bool(!truth(&args[0])))
        }
        "print" | "println" => {
            let mut s = String::new();
            for (i, a) in args.iter().enumerate() {
                let is_str = |v: &Val| matches!(v, Val::Json(Json::String(_)));
                // Go's Sprint puts a space between operands when neither is a string.
                if i > 0 && (f == "println" || !(is_str(a) || is_str(&args[i - 1]))) {
                    s.push(' ');
                }
                s.push_str(&fmt_val(a, false));
            }
            if f == "println" {
                s.push('\n');
            }
            Val::Json(Json::String(s))
        }
        "printf" => {
            need(1)?;
            let Val::Json(Json::String(format)) = &args[0] else {
                bail!("error calling printf: format must be a string");
            };
            Val::Json(Json::String(printf(format, &args[1..])))
        }
        other => bail!("function {other:?} not defined"),
    })
}

/// The verbs people use: `%v %s %q %d %%`.
fn printf(format: &str, args: &[Val]) -> String {
    let mut out = String::new();
    let mut it = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = it.next() else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        match (verb, a) {
            ('v' | 's', _) => out.push_str(&fmt_val(a, false)),
            ('q', Val::Json(Json::String(s))) => {
                out.push_str(&serde_json::to_string(s).unwrap_or_default())
            }
            ('d', Val::Int(i)) => out.push_str(&i.to_string()),
            ('d', Val::Json(Json::Number(n))) => out.push_str(&format!("%!d(json.Number={n})")),
            (v, a) => out.push_str(&format!("%!{v}({})", fmt_val(a, false))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(t: &str, vars: Json) -> String {
        let nodes = Parser::new(t).parse_all().unwrap();
        let mut out = String::new();
        let mut scope = vec![("$".to_string(), Val::Json(vars.clone()))];
        exec(&nodes, &Some(vars), &mut scope, &mut out).unwrap();
        out
    }

    #[test]
    fn go_template_subset() {
        let v = serde_json::json!({"name": "x", "l": ["a", "b"], "o": {"b": 2, "a": 1}});
        assert_eq!(
            render("hi {{.name}} {{.missing}}", v.clone()),
            "hi x <undefined>"
        );
        assert_eq!(
            render("{{range $i, $v := .l}}{{$i}}={{$v}},{{end}}", v.clone()),
            "0=a,1=b,"
        );
        assert_eq!(render("{{.o}}", v.clone()), "map[a:1 b:2]");
        assert_eq!(render("{{- .name -}}  \n  {{ .name }}", v.clone()), "xx");
        assert_eq!(render("{{if .nope}}y{{else if .name}}n{{end}}", v), "n");
    }
}
