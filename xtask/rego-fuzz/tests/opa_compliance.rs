//! OPA's own compliance cases (`v1/test/cases/testdata/v1/**.yaml` in OPA's source), run through
//! our engine in process and judged the way OPA's runner (`v1/topdown/exported_test.go`) judges
//! them: the modules as `test-<i>.rego`, the data as the store, the query's bindings compared as
//! a set of objects (each binding's array sorted first when the case says `sort_bindings`), an
//! expected error by its text (a substring) or its code.
//!
//! The cases are OPA's and stay out of this repository: the test runs only when
//! `TRUSTACKS_OPA_SRC` names an OPA source tree (`scripts/opa-compliance` fetches v1.20.0 through
//! the Go module proxy and sets it). Optional: `TRUSTACKS_OPA_COMPLIANCE_FILTER` (a substring of
//! the file or the note), `TRUSTACKS_OPA_COMPLIANCE_REPORT` (a file for the full report).
//!
//! It prints a summary (cases, agree, differ, skipped, with each reason to skip) and one line per
//! difference. Every difference not listed in `xtask/rego/tests/opa/compliance-known.txt` fails
//! the test, and so does a listed one that now agrees, so that the list only shrinks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use regorus::Value;
use serde_json::Value as Json;
use trustacks_rego::engine::Policy;
use trustacks_rego::eval::Evaluator;
use trustacks_rego::tree::{PolicyTree, RegoFile};
use trustacks_rego_fuzz::{same_json, to_json, workspace};

const SRC: &str = "TRUSTACKS_OPA_SRC";
const FILTER: &str = "TRUSTACKS_OPA_COMPLIANCE_FILTER";
const REPORT: &str = "TRUSTACKS_OPA_COMPLIANCE_REPORT";
const STRICT: &str = "a builtin error where OPA's runner, not strict, has undefined (listed)";
/// A case that runs longer than this is a difference (`timeout`); its thread is left behind.
const CASE_TIMEOUT: Duration = Duration::from_secs(20);

/// One case, as `cases.TestCase` reads it.
struct Case {
    file: String,
    note: String,
    query: String,
    modules: Vec<String>,
    data: Json,
    input: Option<Json>,
    input_term: Option<String>,
    want_result: Option<Vec<Json>>,
    want_error_code: Option<String>,
    want_error: Option<String>,
    sort_bindings: bool,
    ignore_generated_vars: bool,
    strict_error: bool,
    experimental_keywords: bool,
    env: bool,
}

/// Our answer: the result set (one object of bindings per result), or an error.
enum Got {
    Results(Vec<Json>),
    Error(String),
}

/// What OPA's runner does not ask of us, or needs from outside the process.
fn skip_reason(c: &Case) -> Option<&'static str> {
    let text = || {
        c.modules
            .iter()
            .map(String::as_str)
            .chain([c.query.as_str()])
    };
    if text().any(|t| t.contains("http.send")) {
        return Some("http.send (network)");
    }
    if text().any(|t| t.contains("net.lookup_ip_addr")) {
        return Some("net.lookup_ip_addr (DNS)");
    }
    if text().any(|t| t.contains("opa.runtime")) || c.env {
        return Some("opa.runtime / environment (the OPA process's own)");
    }
    if text().any(|t| t.contains("test.sleep")) {
        return Some("test.sleep (a builtin of OPA's own test binary)");
    }
    if c.experimental_keywords {
        return Some("experimental keywords (a capabilities option)");
    }
    None
}

/// A builtin's error where the case wants a result: OPA's runner runs these cases without
/// strict builtin errors (an error is then undefined), but our engine is strict, as the judge's
/// OPA (`opa_bindings`, `rego.StrictBuiltinErrors`) is. Cases marked `strict_error` run as is.
fn non_strict_only(c: &Case, got: &Got) -> bool {
    let wants_error = c.want_error.is_some() || c.want_error_code.is_some();
    matches!(got, Got::Error(e) if !c.strict_error && !wants_error
        && (e.contains("eval_builtin_error") || e.contains("eval_type_error")))
}

fn load_cases(root: &Path) -> Vec<Case> {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let doc: Json = yaml_serde::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        for c in doc["cases"].as_array().into_iter().flatten() {
            let s = |k: &str| c.get(k).and_then(Json::as_str).map(str::to_string);
            let b = |k: &str| c.get(k).and_then(Json::as_bool).unwrap_or(false);
            cases.push(Case {
                file: rel.clone(),
                note: s("note").unwrap_or_default(),
                query: s("query").unwrap_or_default(),
                modules: c["modules"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|m| m.as_str().map(str::to_string))
                    .collect(),
                data: match c.get("data") {
                    Some(d) if d.is_object() => d.clone(),
                    _ => Json::Object(Default::default()),
                },
                input: c.get("input").cloned(),
                input_term: s("input_term"),
                want_result: c.get("want_result").map(|w| match w {
                    Json::Array(a) => a.clone(),
                    _ => Vec::new(),
                }),
                want_error_code: s("want_error_code"),
                want_error: s("want_error"),
                sort_bindings: b("sort_bindings"),
                ignore_generated_vars: b("ignore_generated_vars"),
                strict_error: b("strict_error"),
                experimental_keywords: b("experimental_keywords"),
                env: c.get("env").is_some_and(|e| !e.is_null()),
            });
        }
    }
    cases
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(p);
        }
    }
}

/// Our engine on one case, as `policy-eval` runs a query over a tree.
fn run(c: &Case) -> Got {
    let tree = PolicyTree {
        // Messages name `test-0.rego`, as OPA's do.
        root: PathBuf::new(),
        modules: c
            .modules
            .iter()
            .enumerate()
            .map(|(i, text)| RegoFile {
                rel: format!("test-{i}.rego"),
                text: text.clone(),
            })
            .collect(),
        data: vec![],
    };
    let mut policy = match Policy::load(&tree, &c.data) {
        Ok(p) => p,
        Err(e) => return Got::Error(format!("{e:#}")),
    };
    let input = if let Some(term) = &c.input_term {
        // A Rego term (a set, say): its value, as OPA's runner parses it.
        match policy.engine.eval_query(term.clone(), false) {
            Ok(r) => r
                .result
                .first()
                .and_then(|r| r.expressions.first())
                .map(|e| e.value.clone()),
            Err(e) => return Got::Error(format!("input_term: {e:#}")),
        }
    } else {
        c.input
            .as_ref()
            .map(|i| Value::from_json_str(&i.to_string()).expect("JSON input"))
    };
    let mut ev = Evaluator::new(policy);
    match ev.query(&c.query, input) {
        Err(e) => Got::Error(format!("{e:#}")),
        Ok(rs) => Got::Results(
            rs.result
                .iter()
                .map(|r| {
                    let mut obj = serde_json::Map::new();
                    if let Value::Object(b) = &r.bindings {
                        for (k, v) in b.iter() {
                            let name = match k {
                                Value::String(s) => s.to_string(),
                                k => to_json(k).to_string(),
                            };
                            if c.ignore_generated_vars && name.starts_with("__localq") {
                                continue;
                            }
                            let mut v = to_json(v);
                            if c.sort_bindings {
                                if let Json::Array(a) = &mut v {
                                    a.sort_by(opa_cmp);
                                }
                            }
                            obj.insert(name, v);
                        }
                    }
                    Json::Object(obj)
                })
                .collect(),
        ),
    }
}

/// OPA's order of JSON values (`util.Compare`): null, booleans, numbers, strings, arrays,
/// objects.
fn opa_cmp(a: &Json, b: &Json) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn rank(v: &Json) -> u8 {
        match v {
            Json::Null => 0,
            Json::Bool(_) => 1,
            Json::Number(_) => 2,
            Json::String(_) => 3,
            Json::Array(_) => 4,
            Json::Object(_) => 5,
        }
    }
    match (a, b) {
        (Json::Bool(x), Json::Bool(y)) => x.cmp(y),
        (Json::Number(x), Json::Number(y)) => {
            let (p, q) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            p.partial_cmp(&q).unwrap_or(Ordering::Equal)
        }
        (Json::String(x), Json::String(y)) => x.cmp(y),
        (Json::Array(x), Json::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(p, q)| opa_cmp(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        (Json::Object(x), Json::Object(y)) => {
            let xs: BTreeMap<&String, &Json> = x.iter().collect();
            let ys: BTreeMap<&String, &Json> = y.iter().collect();
            for ((k1, v1), (k2, v2)) in xs.iter().zip(ys.iter()) {
                let o = k1.cmp(k2).then_with(|| opa_cmp(v1, v2));
                if o.is_ne() {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The result sets as sets: each side's results, duplicates dropped, all in the other.
fn same_set(want: &[Json], got: &[Json]) -> bool {
    let dedup = |xs: &[Json]| {
        let mut out: Vec<Json> = Vec::new();
        for x in xs {
            if !out.iter().any(|y| same_json(x, y)) {
                out.push(x.clone());
            }
        }
        out
    };
    let (w, g) = (dedup(want), dedup(got));
    w.len() == g.len() && w.iter().all(|x| g.iter().any(|y| same_json(x, y)))
}

/// The kind of a difference, or `None` when we agree with the case.
fn judge(c: &Case, got: &Got) -> Option<&'static str> {
    let wants_error = c.want_error.is_some() || c.want_error_code.is_some();
    match got {
        Got::Error(e) if wants_error => {
            // OPA places an evaluation error at `file:row:`; ours adds the column.
            let e = &format!("{e}\n{}", without_column(e));
            let text_ok = c.want_error.as_ref().is_none_or(|w| e.contains(w.as_str()));
            let code_ok = c
                .want_error_code
                .as_ref()
                .is_none_or(|w| e.contains(w.as_str()));
            (!(text_ok && code_ok)).then_some("error-text")
        }
        Got::Results(_) if wants_error => Some("value-not-error"),
        Got::Error(e) if e.starts_with("PANIC") => Some("panic"),
        Got::Error(e) if e.starts_with("TIMEOUT") => Some("timeout"),
        Got::Error(_) => Some("error-not-value"),
        Got::Results(g) => {
            let want = c.want_result.as_deref().unwrap_or(&[]);
            if same_set(want, g) {
                None
            } else if want.is_empty() {
                Some("defined-not-undefined")
            } else if g.is_empty() {
                Some("undefined-not-defined")
            } else {
                Some("wrong-value")
            }
        }
    }
}

/// `test-0.rego:4:29: ...` as `test-0.rego:4: ...`.
fn without_column(e: &str) -> String {
    let mut parts = e.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(f), Some(row), Some(col), Some(rest))
            if row.parse::<u32>().is_ok() && col.parse::<u32>().is_ok() =>
        {
            format!("{f}:{row}:{rest}")
        }
        _ => e.to_string(),
    }
}

fn cut(s: &str, n: usize) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > n {
        format!("{}…", one.chars().take(n).collect::<String>())
    } else {
        one
    }
}

fn want_text(c: &Case) -> String {
    match (&c.want_error, &c.want_error_code) {
        (Some(e), Some(code)) => format!("error {code}: {e}"),
        (Some(e), None) => format!("error: {e}"),
        (None, Some(code)) => format!("error {code}"),
        (None, None) => Json::Array(c.want_result.clone().unwrap_or_default()).to_string(),
    }
}

fn got_text(g: &Got) -> String {
    match g {
        Got::Error(e) => format!("error: {e}"),
        Got::Results(r) => Json::Array(r.clone()).to_string(),
    }
}

/// `file | note` of every known difference (`compliance-known.txt`, `#` comments), with how
/// many cases of that file share the note.
fn known() -> BTreeMap<String, usize> {
    let path = workspace().join("xtask/rego/tests/opa/compliance-known.txt");
    let mut out = BTreeMap::new();
    for l in std::fs::read_to_string(path).unwrap_or_default().lines() {
        let l = l.trim();
        if !l.is_empty() && !l.starts_with('#') {
            *out.entry(l.to_string()).or_default() += 1;
        }
    }
    out
}

#[test]
fn opa_compliance_cases_agree() {
    let Some(src) = std::env::var_os(SRC) else {
        eprintln!("{SRC} is not set: skipped (scripts/opa-compliance sets it)");
        return;
    };
    let root = PathBuf::from(src).join("v1/test/cases/testdata/v1");
    assert!(root.is_dir(), "{}: not a directory", root.display());
    let filter = std::env::var(FILTER).unwrap_or_default();
    let cases: Vec<Case> = load_cases(&root)
        .into_iter()
        .filter(|c| c.file.contains(&filter) || c.note.contains(&filter))
        .collect();
    // Panics inside the engine are caught and reported as differences; their hook text is noise.
    std::panic::set_hook(Box::new(|_| {}));
    let started = Instant::now();
    let mut skipped: BTreeMap<&str, usize> = BTreeMap::new();
    let mut agree = 0;
    let mut diffs: Vec<(String, String)> = Vec::new(); // (key, line)
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut strict: Vec<String> = Vec::new();
    for c in &cases {
        if let Some(why) = skip_reason(c) {
            *skipped.entry(why).or_default() += 1;
            continue;
        }
        let got = run_bounded(c);
        if non_strict_only(c, &got) {
            *skipped.entry(STRICT).or_default() += 1;
            strict.push(format!(
                "{} | {} | want: {} | got: {}",
                c.file,
                c.note,
                cut(&want_text(c), 200),
                cut(&got_text(&got), 200)
            ));
            continue;
        }
        match judge(c, &got) {
            None => agree += 1,
            Some(kind) => {
                *by_kind.entry(kind).or_default() += 1;
                let key = format!("{} | {}", c.file, c.note);
                diffs.push((
                    key.clone(),
                    format!(
                        "{key} | {kind} | want: {} | got: {}",
                        cut(&want_text(c), 300),
                        cut(&got_text(&got), 300)
                    ),
                ));
            }
        }
    }
    let _ = std::panic::take_hook();
    let n_skipped: usize = skipped.values().sum();
    let mut report = format!(
        "{} cases, {agree} agree, {} differ, {n_skipped} skipped ({:.0} s)\n",
        cases.len(),
        diffs.len(),
        started.elapsed().as_secs_f64()
    );
    for (why, n) in &skipped {
        report.push_str(&format!("skipped {n}: {why}\n"));
    }
    for (kind, n) in &by_kind {
        report.push_str(&format!("differ {n}: {kind}\n"));
    }
    for (_, line) in &diffs {
        report.push_str(line);
        report.push('\n');
    }
    for line in &strict {
        report.push_str(&format!("strict: {line}\n"));
    }
    print!("{report}");
    if let Some(out) = std::env::var_os(REPORT) {
        std::fs::write(&out, &report).expect("the report is written");
    }
    if !filter.is_empty() {
        return; // a part of the cases: the known list speaks for all of them
    }
    let known = known();
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for (k, _) in &diffs {
        *found.entry(k.clone()).or_default() += 1;
    }
    let more = |a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| -> Vec<String> {
        a.iter()
            .filter(|(k, n)| b.get(*k).copied().unwrap_or(0) < **n)
            .map(|(k, _)| k.clone())
            .collect()
    };
    let new = more(&found, &known);
    let fixed = more(&known, &found);
    assert!(
        new.is_empty() && fixed.is_empty(),
        "differences not in compliance-known.txt: {new:#?}\n\
         listed there but now agreeing (remove them): {fixed:#?}"
    );
}

/// `run` on its own thread: a panic is a `PANIC` error, a case past `CASE_TIMEOUT` a `TIMEOUT`.
fn run_bounded(c: &Case) -> Got {
    let (tx, rx) = mpsc::channel();
    let case = Case {
        file: c.file.clone(),
        note: c.note.clone(),
        query: c.query.clone(),
        modules: c.modules.clone(),
        data: c.data.clone(),
        input: c.input.clone(),
        input_term: c.input_term.clone(),
        want_result: None,
        want_error_code: None,
        want_error: None,
        sort_bindings: c.sort_bindings,
        ignore_generated_vars: c.ignore_generated_vars,
        strict_error: c.strict_error,
        experimental_keywords: c.experimental_keywords,
        env: c.env,
    };
    std::thread::spawn(move || {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&case)))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Got::Error(format!("PANIC: {msg}"))
            });
        let _ = tx.send(got);
    });
    rx.recv_timeout(CASE_TIMEOUT)
        .unwrap_or_else(|_| Got::Error("TIMEOUT".into()))
}
