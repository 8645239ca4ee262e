//! `cargo fuzz-rego` (the xtask built with its `fuzz` feature): differential fuzzing of our Rego
//! engine against the real OPA (Go OPA v1.20 through `xtask/rego/tests/opa/fuzz_worker.py`). Random
//! programs go to both; every disagreement is shrunk and printed, or saved as a side-by-side
//! regression tree.

pub mod gen;
pub mod shrink;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use regorus::Value;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use gen::Program;
use trustacks_rego::engine::Policy;
use trustacks_rego::tree::{PolicyTree, RegoFile};

/// Divergences we know of and skip, each with the reason. Keep this short: a divergence
/// belongs here only when matching OPA is out of reach of this tool (regorus's evaluation
/// order), or while its fix is open; anything else is a bug to fix and gets a regression tree.
/// The README lists the same entries.
pub const KNOWN: &[Known] = &[
    Known {
        name: "evaluation-order",
        kind: "error",
        opa_errors: false,
        opa_has: &[],
        ours_has: &[
            "expects",
            "requires",
            "modulo",
            "must be",
            "divide by zero",
            "negative offset",
            "could not parse",
            "conflicts with rule",
            "multiple outputs",
            // Our Go-exact overrides word their errors as OPA does.
            "invalid syntax",
            "non-string value found",
            "non-string key found",
            "empty search character",
        ],
        reason: "OPA's rule index rules a body out before any literal runs; we write its \
                 checks first (lang.rs) where they are certain: references into input and base \
                 data the body needs, comparisons with a scalar or array. Left: `x in ref` on a \
                 non-collection, the order of the calls inside one expression, references under \
                 the tree's packages, a complete rule defined twice",
    },
    Known {
        name: "number-text",
        kind: "error",
        opa_errors: true,
        opa_has: &[
            "must be integer number but got floating-point number",
            "modulo on floating-point number",
        ],
        ours_has: &[],
        reason: "OPA keeps a number's text and computes in arbitrary precision: a number written \
                 with an exponent (`1e3`, `1.5e2`, `to_number(\"1e0\")`) is not an integer \
                 operand, and `0.2 + 9007199254740993` keeps its fraction; regorus holds the \
                 value (float64 past 2^53), an integer in both cases",
    },
];

/// A known difference: a divergence of `kind` where OPA's side is (or is not) an error
/// containing one of `opa_has` (any, when empty) and ours contains one of `ours_has` (any, when
/// empty).
pub struct Known {
    pub name: &'static str,
    pub kind: &'static str,
    pub opa_errors: bool,
    pub opa_has: &'static [&'static str],
    pub ours_has: &'static [&'static str],
    pub reason: &'static str,
}

pub struct Options {
    pub seconds: u64,
    pub seed: u64,
    /// Stop after this many programs even when time is left (a fixed seed range).
    pub count: Option<u64>,
    pub python: PathBuf,
    pub save: Option<PathBuf>,
    /// Open divergences by seed (`SEED KIND  # cause`): expected, not failures.
    pub expect: Option<PathBuf>,
}

/// `SEED KIND` pairs from an expectations file; `#` starts a comment.
fn read_expect(path: &Path) -> Result<BTreeSet<(u64, String)>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words = line.split_whitespace();
        let seed = words.next().and_then(|w| w.parse().ok());
        let kind = words.next();
        match (seed, kind) {
            (Some(seed), Some(kind)) => out.insert((seed, kind.to_string())),
            _ => bail!("{}:{}: expected `SEED KIND`", path.display(), i + 1),
        };
    }
    Ok(out)
}

/// The repository root, where `xtask/rego/tests/opa/fuzz_worker.py` lives.
/// The Python that has `opa_bindings`: `$OPA_PYTHON`, else the one `scripts/test` installs
/// into `target/opa-venv`.
pub fn opa_python() -> PathBuf {
    std::env::var_os("OPA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/opa-venv/bin/python"))
}

pub fn workspace() -> PathBuf {
    // This crate lives at xtask/rego-fuzz.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// One evaluation outcome, as either engine states it.
#[derive(Debug, Clone)]
pub enum Outcome {
    Value(Json),
    Undefined,
    Error(String),
    Panic(String),
}

impl Outcome {
    fn show(&self) -> String {
        match self {
            Outcome::Value(v) => v.to_string(),
            Outcome::Undefined => "undefined".into(),
            Outcome::Error(e) => format!("error: {e}"),
            Outcome::Panic(e) => format!("PANIC: {e}"),
        }
    }
}

/// What an engine says about a whole program.
#[derive(Debug, Clone)]
pub enum Verdict {
    Refused(String),
    Results(Vec<Outcome>),
}

#[derive(Debug, Clone)]
pub struct Divergence {
    /// `value`, `undefined`, `error`, `refusal` or `panic`.
    pub kind: &'static str,
    pub query: String,
    pub opa: String,
    pub ours: String,
}

impl Divergence {
    fn known(&self) -> Option<&'static Known> {
        KNOWN.iter().find(|k| {
            k.kind == self.kind
                && self.opa.starts_with("error") == k.opa_errors
                && (k.opa_has.is_empty() || k.opa_has.iter().any(|n| self.opa.contains(n)))
                && (k.ours_has.is_empty() || k.ours_has.iter().any(|n| self.ours.contains(n)))
        })
    }
}

/// The OPA side: a long-lived Python process speaking JSON lines.
pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    pub fn spawn(python: &Path) -> Result<Worker> {
        let script = workspace().join("xtask/rego/tests/opa/fuzz_worker.py");
        let mut child = Command::new(python)
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| {
                format!(
                    "{}: cannot start the OPA worker (run ./scripts/test to install it)",
                    python.display()
                )
            })?;
        let stdin = child.stdin.take().context("worker stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("worker stdout")?);
        Ok(Worker {
            child,
            stdin,
            stdout,
        })
    }

    pub fn call(&mut self, req: &Json) -> Result<Json> {
        writeln!(self.stdin, "{req}").context("OPA worker: write")?;
        self.stdin.flush().context("OPA worker: flush")?;
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .context("OPA worker: read")?;
        if line.is_empty() {
            bail!("OPA worker exited (is opa_bindings installed in that Python?)");
        }
        let v: Json = serde_json::from_str(&line).context("OPA worker: bad JSON")?;
        if let Some(e) = v.get("worker_error") {
            bail!("OPA worker: {e}");
        }
        Ok(v)
    }

    fn request(op: &str, p: &Program, queries: &[String]) -> Json {
        let modules: serde_json::Map<String, Json> = p
            .files()
            .into_iter()
            .map(|(n, s)| (n, Json::String(s)))
            .collect();
        json!({"op": op, "modules": modules, "data": p.data, "input": p.input, "queries": queries})
    }

    pub fn eval(&mut self, p: &Program, queries: &[String]) -> Result<Verdict> {
        let v = self.call(&Self::request("eval", p, queries))?;
        if v["refused"] == json!(true) {
            return Ok(Verdict::Refused(v["message"].as_str().unwrap_or("").into()));
        }
        let results = v["results"]
            .as_array()
            .context("OPA worker: no results")?
            .iter()
            .map(|r| {
                if let Some(val) = r.get("value") {
                    Outcome::Value(val.clone())
                } else if let Some(e) = r.get("error") {
                    Outcome::Error(e.as_str().unwrap_or("").into())
                } else {
                    Outcome::Undefined
                }
            })
            .collect();
        Ok(Verdict::Results(results))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

static PANIC_AT: Mutex<String> = Mutex::new(String::new());

/// Panics inside the engine become outcomes; the default hook would print a backtrace banner
/// for each one, so a quiet hook records where it happened instead.
fn quiet_panics() {
    panic::set_hook(Box::new(|info| {
        if let Ok(mut at) = PANIC_AT.lock() {
            // `~/.cargo/registry/src/index.crates.io-HASH/regorus-0.14.1/src/x.rs` as
            // `regorus-0.14.1/src/x.rs`.
            *at = info
                .location()
                .map(|l| {
                    let file = l.file();
                    let short = file
                        .split_once("/registry/src/")
                        .map_or(file, |(_, r)| r.split_once('/').map_or(r, |(_, t)| t));
                    format!("{short}:{}", l.line())
                })
                .unwrap_or_default();
        }
    }));
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    let at = PANIC_AT.lock().map(|a| a.clone()).unwrap_or_default();
    format!("{msg} (at {at})")
}

/// Our side, in-process: load the program as `policy-test` would, then evaluate each query
/// with the program's input.
pub fn ours(p: &Program, queries: &[String]) -> Verdict {
    ours_files(p.files(), p, queries)
}

/// `ours` over given module texts (the program's, maybe plus a test module).
fn ours_files(files: Vec<(String, String)>, p: &Program, queries: &[String]) -> Verdict {
    let tree = PolicyTree {
        root: PathBuf::from("fuzz"),
        modules: files
            .into_iter()
            .map(|(rel, text)| RegoFile { rel, text })
            .collect(),
        data: vec![],
    };
    let load = || Policy::load(&tree, &p.data);
    let mut policy = match panic::catch_unwind(AssertUnwindSafe(load)) {
        Err(payload) => return Verdict::Refused(format!("PANIC: {}", panic_text(payload))),
        Ok(Err(e)) => return Verdict::Refused(format!("{e:#}")),
        Ok(Ok(policy)) => policy,
    };
    let input = match Value::from_json_str(&p.input.to_string()) {
        Ok(v) => v,
        Err(e) => return Verdict::Refused(format!("input: {e}")),
    };
    let mut out = Vec::new();
    for q in queries {
        let run = AssertUnwindSafe(|| eval_one(&mut policy, &input, q));
        match panic::catch_unwind(run) {
            Ok(o) => out.push(o),
            Err(payload) => {
                out.push(Outcome::Panic(panic_text(payload)));
                // The engine may be left half-way through an evaluation: start afresh.
                match Policy::load(&tree, &p.data) {
                    Ok(fresh) => policy = fresh,
                    Err(e) => return Verdict::Refused(format!("{e:#}")),
                }
            }
        }
    }
    Verdict::Results(out)
}

fn eval_one(policy: &mut Policy, input: &Value, q: &str) -> Outcome {
    policy.engine.set_input(input.clone());
    let full = format!("data.{q}");
    let r = match policy.engine.eval_rule(full.clone()) {
        Err(e) if e.to_string() == "not a valid rule path" => {
            policy.engine.eval_query(full, false).map(|res| {
                res.result
                    .first()
                    .and_then(|r| r.expressions.first())
                    .map(|e| e.value.clone())
                    .unwrap_or(Value::Undefined)
            })
        }
        r => r,
    };
    match r {
        Ok(Value::Undefined) => Outcome::Undefined,
        Ok(v) => Outcome::Value(to_json(&v)),
        Err(e) => Outcome::Error(policy.error_line(&e)),
    }
}

/// A regorus value as OPA's JSON output shows it: sets as arrays in OPA's order, object keys
/// as strings.
pub fn to_json(v: &Value) -> Json {
    match v {
        Value::Null | Value::Undefined => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => serde_json::from_str(&n.format_decimal()).unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.to_string()),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Set(s) => {
            let mut items: Vec<&Value> = s.iter().collect();
            items.sort_by(|a, b| opa_cmp(a, b));
            Json::Array(items.into_iter().map(to_json).collect())
        }
        Value::Object(o) => Json::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Value::String(s) => s.to_string(),
                        other => to_json(other).to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// OPA's order of values: null < booleans < numbers < strings < arrays < objects < sets.
fn opa_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null | Value::Undefined => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
            Value::Set(_) => 6,
        }
    }
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = opa_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Set(x), Value::Set(y)) => {
            let mut xs: Vec<&Value> = x.iter().collect();
            let mut ys: Vec<&Value> = y.iter().collect();
            xs.sort_by(|a, b| opa_cmp(a, b));
            ys.sort_by(|a, b| opa_cmp(a, b));
            for (p, q) in xs.iter().zip(ys.iter()) {
                let o = opa_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ if rank(a) == rank(b) => a.cmp(b),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// JSON equality with OPA's number semantics (`1 == 1.0`).
pub fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(p), Some(q)) => p == q,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(p), Some(q)) => p == q,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            // A non-string key shows as its text, which each engine writes its own way
            // (`1e20` or `1e+20`, `3.0` or `3`, `set()` or `[]`): compare keys canonically.
            let y: BTreeMap<String, &Json> = y.iter().map(|(k, v)| (canon_key(k), v)).collect();
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(&canon_key(k)).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// An object key as text both engines agree on: JSON keys with numbers as `f64`, OPA's set
/// syntax as an array, no spaces.
fn canon_key(k: &str) -> String {
    fn canon(v: &Json) -> String {
        match v {
            Json::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string()),
            Json::Array(a) => format!("[{}]", a.iter().map(canon).collect::<Vec<_>>().join(",")),
            Json::Object(o) => {
                let items: Vec<String> = o
                    .iter()
                    .map(|(k, v)| format!("{k:?}:{}", canon(v)))
                    .collect();
                format!("{{{}}}", items.join(","))
            }
            other => other.to_string(),
        }
    }
    match serde_json::from_str::<Json>(k) {
        Ok(Json::String(_)) => k.to_string(),
        Ok(v) => canon(&v),
        Err(_) => {
            let t: String = k.chars().filter(|c| !c.is_whitespace()).collect();
            if t == "set()" {
                "[]".into()
            } else if t.starts_with('{') && t.ends_with('}') {
                let inner = format!("[{}]", &t[1..t.len() - 1]);
                serde_json::from_str::<Json>(&inner).map_or(inner, |v| canon(&v))
            } else {
                t
            }
        }
    }
}

/// Every way the two verdicts disagree.
pub fn compare(queries: &[String], opa: &Verdict, ours: &Verdict) -> Vec<Divergence> {
    let div = |kind, query: &str, opa: String, ours: String| Divergence {
        kind,
        query: query.to_string(),
        opa,
        ours,
    };
    match (opa, ours) {
        (Verdict::Refused(_), Verdict::Refused(o)) if o.starts_with("PANIC") => {
            vec![div("panic", "", "refused".into(), o.clone())]
        }
        (Verdict::Refused(_), Verdict::Refused(_)) => vec![],
        (_, Verdict::Refused(o)) if o.starts_with("PANIC") => {
            vec![div("panic", "", "accepted".into(), o.clone())]
        }
        // OPA refuses, we accept: the compile checks of `policy-test` (not run here) decide
        // those; the fuzzer counts such programs as not accepted.
        (Verdict::Refused(_), Verdict::Results(_)) => vec![],
        (Verdict::Results(_), Verdict::Refused(m)) => {
            vec![div("refusal", "", "accepted".into(), m.clone())]
        }
        (Verdict::Results(a), Verdict::Results(b)) => {
            let mut out = Vec::new();
            for ((q, x), y) in queries.iter().zip(a).zip(b) {
                let kind = match (x, y) {
                    (_, Outcome::Panic(_)) => "panic",
                    (Outcome::Value(p), Outcome::Value(q)) if same_json(p, q) => continue,
                    (Outcome::Value(_), Outcome::Value(_)) => "value",
                    (Outcome::Undefined, Outcome::Undefined) => continue,
                    (Outcome::Error(_), Outcome::Error(_)) => continue,
                    (Outcome::Error(_), _) | (_, Outcome::Error(_)) => "error",
                    _ => "undefined",
                };
                out.push(div(kind, q, x.show(), y.show()));
            }
            out
        }
    }
}

/// Runs one program on both sides.
pub fn check(worker: &mut Worker, p: &Program) -> Result<(Verdict, Vec<Divergence>)> {
    let queries = p.queries();
    let opa = worker.eval(p, &queries)?;
    let ours = ours(p, &queries);
    let divs = compare(&queries, &opa, &ours);
    Ok((opa, divs))
}

/// A short, stable name for a cause: the kind, and our message with the specifics (numbers,
/// names) blanked, so that a hundred programs hitting one bug are shrunk and saved once.
fn cause(d: &Divergence) -> Option<String> {
    let (side, text) = match d.kind {
        "panic" | "refusal" => ("ours", &d.ours),
        "error" if d.ours.starts_with("error") => ("ours", &d.ours),
        "error" => ("OPA", &d.opa),
        _ => return None,
    };
    // The message after the first location, without the offending value.
    let msg = text.strip_prefix("error: ").unwrap_or(text);
    let msg = match msg.find(".rego:") {
        Some(i) => msg[i..].split_once(": ").map_or(msg, |(_, m)| m),
        None => msg,
    };
    let msg = msg.split(" Got ").next().unwrap_or(msg);
    let norm: String = msg
        .chars()
        .take(90)
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect();
    Some(format!("{} ({side} errs): {norm}", d.kind))
}

/// How a run ended: its last line, and whether it was clean (no divergence that is not listed,
/// no listed one that no longer diverges).
pub struct Summary {
    pub programs: u64,
    pub divergences: u64,
    pub clean: bool,
}

impl Summary {
    /// The run's last line: `N programs, M divergences`.
    pub fn line(&self) -> String {
        format!(
            "{} programs, {} divergences",
            self.programs, self.divergences
        )
    }
}

/// Fuzzes as `opts` says, printing the report; true when the run was clean.
pub fn fuzz_rego(opts: &Options) -> Result<bool> {
    Ok(fuzz_rego_summary(opts)?.clean)
}

/// [`fuzz_rego`], returning its summary.
pub fn fuzz_rego_summary(opts: &Options) -> Result<Summary> {
    let mut worker = Worker::spawn(&opts.python)?;
    quiet_panics();
    let start = Instant::now();
    let budget = Duration::from_secs(opts.seconds);
    let mut last_progress = Instant::now();
    let (mut programs, mut accepted, mut found) = (0u64, 0u64, 0u64);
    let mut known: BTreeMap<&str, u64> = BTreeMap::new();
    let mut causes: BTreeMap<String, u64> = BTreeMap::new();
    let mut shrunk_seen: BTreeSet<String> = BTreeSet::new();
    let mut refusals: BTreeMap<String, u64> = BTreeMap::new();
    let mut seed = opts.seed;
    let expect = match &opts.expect {
        Some(path) => read_expect(path)?,
        None => BTreeSet::new(),
    };
    let mut expected_seen = BTreeSet::new();
    let mut unlisted: Vec<String> = Vec::new();
    while start.elapsed() < budget && opts.count.is_none_or(|c| programs < c) {
        let p = gen::program(seed);
        let (opa, divs) = check(&mut worker, &p).with_context(|| format!("seed {seed}"))?;
        programs += 1;
        match &opa {
            Verdict::Results(_) => accepted += 1,
            Verdict::Refused(m) => {
                if std::env::var_os("FUZZ_SHOW_REFUSED").is_some() {
                    eprintln!("seed {seed} refused by OPA: {m}");
                    for (n, s) in p.files() {
                        eprintln!("--- {n}\n{s}");
                    }
                }
                *refusals.entry(refusal_reason(m)).or_default() += 1
            }
        }
        let (skip, divs): (Vec<_>, Vec<_>) = divs.into_iter().partition(|d| d.known().is_some());
        for d in &skip {
            if let Some(k) = d.known() {
                *known.entry(k.name).or_default() += 1;
            }
        }
        if let Some(d) = divs.first().filter(|d| {
            let listed = expect.contains(&(seed, d.kind.to_string()));
            if listed {
                expected_seen.insert((seed, d.kind.to_string()));
            }
            !listed
        }) {
            found += 1;
            if opts.expect.is_some() {
                let why = cause(d).unwrap_or_else(|| {
                    let short = |s: &str| s.chars().take(40).collect::<String>();
                    format!(
                        "{} on {}: OPA {} / ours {}",
                        d.kind,
                        d.query,
                        short(&d.opa),
                        short(&d.ours)
                    )
                });
                unlisted.push(format!("{seed} {}  # {why}", d.kind));
            }
            let key = cause(d);
            let repeat = key.as_ref().is_some_and(|k| causes.contains_key(k));
            if !repeat {
                let shape = report(
                    &mut worker,
                    &p,
                    d,
                    seed,
                    opts.save.as_deref(),
                    &mut shrunk_seen,
                )?;
                // A value divergence is named by its shrunk program.
                let key = key.unwrap_or_else(|| format!("{}: {shape}", d.kind));
                *causes.entry(key).or_default() += 1;
            } else {
                if let Some(k) = &key {
                    *causes.entry(k.clone()).or_default() += 1;
                }
                println!(
                    "seed {seed}: {} on {} (again: {})",
                    d.kind,
                    d.query,
                    key.unwrap_or_default()
                );
            }
        }
        if last_progress.elapsed() > Duration::from_secs(10) {
            last_progress = Instant::now();
            eprintln!(
                "  {}s: {programs} programs (seeds {}..{seed}), {}% accepted by OPA, {found} divergences",
                start.elapsed().as_secs(),
                opts.seed,
                accepted * 100 / programs.max(1)
            );
        }
        seed += 1;
    }
    println!(
        "seeds {}..{}, {}% of programs accepted by OPA",
        opts.seed,
        seed,
        accepted * 100 / programs.max(1)
    );
    let mut top: Vec<_> = refusals.into_iter().collect();
    top.sort_by_key(|e| std::cmp::Reverse(e.1));
    for (why, n) in top.iter().take(5) {
        println!("  OPA refused {n}: {why}");
    }
    if !causes.is_empty() {
        println!("divergences by cause:");
        for (c, n) in &causes {
            println!("  {n:>5}  {c}");
        }
    }
    for (name, n) in &known {
        let why = KNOWN
            .iter()
            .find(|k| k.name == *name)
            .map_or("", |k| k.reason);
        println!("  known difference skipped {n} times: {name}: {why}");
    }
    let stale: Vec<_> = expect
        .iter()
        .filter(|e| e.0 >= opts.seed && e.0 < seed && !expected_seen.contains(*e))
        .collect();
    if let Some(path) = &opts.expect {
        println!(
            "{} expected divergences (listed in {})",
            expected_seen.len(),
            path.display()
        );
        for (s, k) in &stale {
            println!(
                "  {}: seed {s} {k} no longer diverges: remove the line",
                path.display()
            );
        }
        if !unlisted.is_empty() {
            println!("  not listed in {}:", path.display());
            for l in &unlisted {
                println!("  {l}");
            }
        }
    }
    let summary = Summary {
        programs,
        divergences: found,
        clean: found == 0 && stale.is_empty(),
    };
    println!("{}", summary.line());
    Ok(summary)
}

fn report(
    worker: &mut Worker,
    p: &Program,
    d: &Divergence,
    seed: u64,
    save: Option<&Path>,
    seen: &mut BTreeSet<String>,
) -> Result<String> {
    let kind = d.kind;
    let t0 = Instant::now();
    let mut still = |c: &Program| -> bool {
        // A bounded effort: a divergence shown a bit larger beats a stalled session.
        if t0.elapsed() > Duration::from_secs(15) {
            return false;
        }
        match check(worker, c) {
            Ok((opa, divs)) => {
                (kind == "refusal" || matches!(opa, Verdict::Results(_)))
                    && divs.iter().any(|x| x.kind == kind && x.known().is_none())
            }
            Err(_) => false,
        }
    };
    let small = shrink::shrink(p, &mut still);
    let (_, divs) = check(worker, &small)?;
    let d = divs
        .into_iter()
        .find(|x| x.kind == kind)
        .unwrap_or_else(|| d.clone());
    let files = small.files();
    let text: String = files.iter().map(|(_, s)| s.as_str()).collect();
    let norm: String = text.chars().filter(|c| !c.is_ascii_digit()).collect();
    let fresh = seen.insert(format!("{kind}{norm}{}", small.input));
    println!("\nseed {seed}: {kind} divergence on data.{}", d.query);
    println!("  OPA:  {}", d.opa);
    println!("  ours: {}", d.ours);
    for (name, src) in &files {
        println!("  --- {name}");
        for l in src.lines() {
            println!("  {l}");
        }
    }
    println!("  --- input: {}", small.input);
    println!("  --- data:  {}", small.data);
    if let (Some(dir), true) = (save, fresh) {
        match save_tree(worker, &small, &d, dir) {
            Ok(path) => println!("  saved: {}", path.display()),
            Err(e) => println!("  not saved: {e:#}"),
        }
    }
    // The rules, without package lines, on one line: a name for this kind of divergence.
    let shape: String = files
        .iter()
        .flat_map(|(_, s)| s.lines().filter(|l| !l.starts_with("package ")))
        .collect::<Vec<_>>()
        .join(" ");
    Ok(one_line(&shape).chars().take(100).collect())
}

/// Writes the shrunk program as a side-by-side tree: its modules, `data.json`, and a test that
/// states OPA's answer for the diverging query. The test must pass in OPA (or error there, when
/// OPA's answer is an error) and our engine must judge it differently, or nothing is written.
fn save_tree(worker: &mut Worker, p: &Program, d: &Divergence, dir: &Path) -> Result<PathBuf> {
    let input = rego_of(&p.input, &BTreeMap::new(), "[]");
    let q = if d.query.is_empty() {
        p.queries().first().cloned().unwrap_or_default()
    } else {
        d.query.clone()
    };
    let opa = match worker.eval(p, std::slice::from_ref(&q))? {
        Verdict::Results(r) => r.into_iter().next(),
        Verdict::Refused(_) => None,
    };
    let mut tests = Vec::new();
    let want = match &opa {
        Some(Outcome::Value(v)) => {
            let types = worker.call(&json!({
                "op": "types", "modules": Worker::request("x", p, &[])["modules"],
                "data": p.data, "input": p.input, "query": q}))?;
            let types: BTreeMap<String, String> = types["types"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| Some((r[0].as_str()?.to_string(), r[1].as_str()?.to_string())))
                .collect();
            let lit = rego_of(v, &types, "[]");
            tests.push(format!(
                "test_fuzz if {{\n\tdata.{q} == {lit} with input as {input}\n}}\n"
            ));
            // Numbers OPA computes may not equal the literal its JSON output reads back as;
            // then compare the canonical JSON text OPA gives for the value.
            let m = worker.call(&json!({
                "op": "eval", "modules": Worker::request("x", p, &[])["modules"],
                "data": p.data, "input": p.input, "queries": [],
                "query_marshal": q}))?;
            if let Some(text) = m["marshal"].as_str() {
                tests.push(format!(
                    "test_fuzz if {{\n\tjson.marshal(data.{q}) == {} with input as {input}\n}}\n",
                    Json::String(text.to_string())
                ));
            }
            "pass"
        }
        Some(Outcome::Undefined) => {
            tests.push(format!(
                "defined if {{\n\t_ = data.{q}\n}}\n\ntest_fuzz if {{\n\tnot defined with input as {input}\n}}\n"
            ));
            "pass"
        }
        // OPA errors (or refuses the tree): the test errors in OPA too, and the suite compares
        // verdicts.
        _ => {
            tests.push(format!(
                "test_fuzz if {{\n\t_ = data.{q} with input as {input}\n}}\n"
            ));
            "error"
        }
    };
    let mut chosen = None;
    for test in tests {
        let test = format!(
            "# Found by `cargo xtask fuzz-rego`: {} divergence.\n# OPA:  {}\n# ours: {}\npackage fuzz_test\n\n{test}",
            d.kind,
            one_line(&d.opa),
            one_line(&d.ours)
        );
        let mut files = p.files();
        files.push(("fuzz_test.rego".into(), test));
        let modules: serde_json::Map<String, Json> = files
            .iter()
            .map(|(n, s)| (n.clone(), Json::String(s.clone())))
            .collect();
        let judged = worker.call(&json!({"op": "test", "modules": modules, "data": p.data}))?;
        let verdict = judged["tests"]["data.fuzz_test.test_fuzz"]
            .as_str()
            .unwrap_or("");
        let refused = judged["refused"] == json!(true);
        if verdict != want && !(want == "error" && refused) {
            continue;
        }
        let ours_verdict = match ours_files(files.clone(), p, &["fuzz_test.test_fuzz".into()]) {
            Verdict::Refused(_) => "refused",
            Verdict::Results(r) => match r.first() {
                Some(Outcome::Value(Json::Bool(true))) => "pass",
                Some(Outcome::Error(_)) | Some(Outcome::Panic(_)) => "error",
                _ => "fail",
            },
        };
        if ours_verdict != want || refused {
            chosen = Some(files);
            break;
        }
    }
    let files = chosen.context("no test states this divergence (OPA and ours agree on it)")?;
    let mut h = Sha256::new();
    for (n, s) in &files {
        h.update(n.as_bytes());
        h.update(s.as_bytes());
    }
    let hash: String = h.finalize()[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let out = dir.join(&hash);
    if out.exists() {
        return Ok(out);
    }
    let tmp = dir.join(format!(".{hash}.tmp"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("{}: cannot create", tmp.display()))?;
    for (n, s) in &files {
        std::fs::write(tmp.join(n), s).with_context(|| format!("{}: cannot write", n))?;
    }
    if p.data.as_object().is_some_and(|o| !o.is_empty()) {
        std::fs::write(tmp.join("data.json"), format!("{:#}\n", p.data))
            .context("data.json: cannot write")?;
    }
    std::fs::rename(&tmp, &out).with_context(|| format!("{}: cannot create", out.display()))?;
    Ok(out)
}

/// The first `rego_*_error: message` of an OPA refusal, digits blanked.
fn refusal_reason(m: &str) -> String {
    let at = m.find("rego_").unwrap_or(0);
    let first = m[at..].lines().next().unwrap_or("");
    first
        .chars()
        .take(100)
        .map(|c| if c.is_ascii_digit() { '#' } else { c })
        .collect()
}

fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    s.chars().take(200).collect()
}

/// A JSON value written as a Rego term, turning back into sets the arrays that were sets in
/// OPA's answer (`types` maps each node's path, as JSON text, to its `type_name`).
fn rego_of(v: &Json, types: &BTreeMap<String, String>, path: &str) -> String {
    let child = |seg: Json| -> String {
        let mut p: Vec<Json> = serde_json::from_str(path).unwrap_or_default();
        p.push(seg);
        Json::Array(p).to_string()
    };
    match v {
        Json::Array(items) => {
            let is_set = types.get(path).is_some_and(|t| t == "set");
            let parts: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    let seg = if is_set { x.clone() } else { json!(i) };
                    rego_of(x, types, &child(seg))
                })
                .collect();
            match (is_set, parts.is_empty()) {
                (true, true) => "set()".into(),
                (true, false) => format!("{{{}}}", parts.join(", ")),
                _ => format!("[{}]", parts.join(", ")),
            }
        }
        Json::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{}: {}",
                        Json::String(k.clone()),
                        rego_of(x, types, &child(json!(k)))
                    )
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_as_opa_compares_them() {
        assert!(same_json(&json!(1), &json!(1.0)));
        assert!(same_json(
            &json!({"a": [2, 3.5]}),
            &json!({"a": [2.0, 3.5]})
        ));
        assert!(!same_json(&json!(1), &json!("1")));
        assert!(!same_json(&json!([1, 2]), &json!([2, 1])));
        assert!(same_json(&json!({"[1e20]": 1}), &json!({"[1e+20]": 1})));
        assert!(same_json(
            &json!({"[{\"s\":3.0}]": 1}),
            &json!({"[{\"s\":3}]": 1})
        ));
        assert!(same_json(
            &json!({"set()": 1, "{1, 2}": 2}),
            &json!({"[]": 1, "[1,2]": 2})
        ));
        assert!(!same_json(&json!({"a": 1}), &json!({"b": 1})));
    }

    #[test]
    fn sets_are_shown_in_opas_order() {
        let mut e = regorus::Engine::new();
        let r = e
            .eval_query(
                r#"{null, {"k": 1}, "a", [1], 2, true, [], {1}}"#.into(),
                false,
            )
            .unwrap();
        let shown = to_json(&r.result[0].expressions[0].value);
        assert_eq!(shown, json!([null, true, 2, "a", [], [1], {"k": 1}, [1]]));
    }

    #[test]
    fn generation_is_deterministic_and_renders_rego() {
        let a = gen::program(42).files();
        let b = gen::program(42).files();
        assert_eq!(a, b);
        assert!(a[0].1.starts_with("package p\n"));
        assert_ne!(gen::program(43).files(), a);
    }

    #[test]
    fn shrinking_keeps_what_the_predicate_needs() {
        let p = gen::program(7);
        let keep = p.modules[0].rules[0].clone();
        let name = format!("{:?}", keep.head);
        let small = shrink::shrink(&p, &mut |c: &Program| {
            c.modules
                .iter()
                .any(|m| m.rules.iter().any(|r| format!("{:?}", r.head) == name))
        });
        let rules: usize = small.modules.iter().map(|m| m.rules.len()).sum();
        assert_eq!(rules, 1);
        assert_eq!(small.input, json!({}));
    }

    #[test]
    fn a_panic_in_the_engine_is_an_outcome() {
        quiet_panics();
        let r = panic::catch_unwind(|| panic!("boom"));
        let text = panic_text(r.unwrap_err());
        // Back to the default hook, so that other tests' failures print.
        drop(panic::take_hook());
        assert!(text.starts_with("boom (at "), "{text}");
    }
}
