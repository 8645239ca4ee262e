//! The mutation corpus: broken trees made by mutating valid ones (the sample constitution, the
//! suite's trees, a small tree of our own), and a handful of mutated trees that stay valid, each
//! judged by the real OPA engine and by our engine (as `cargo xtask policy-test` runs it); both must refuse with the same
//! error classes, or both accept with the same test verdicts.
//!
//! Mutations are textual and deterministic: a literal inserted into the k-th rule body of a
//! module, a rule or import appended, an `if` removed. The trees are written at test time.

use std::fs;
use std::path::{Path, PathBuf};

mod judge;

use judge::{disagreement, opa_judge, our_judge, trees_under, workspace};

/// A tree as files: (relative path, contents).
type Files = Vec<(String, String)>;

fn read_tree(root: &Path) -> Files {
    fn walk(root: &Path, dir: &Path, out: &mut Files) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .expect("read tree")
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else if let Ok(text) = fs::read_to_string(&p) {
                let rel = p.strip_prefix(root).expect("under root");
                out.push((rel.to_string_lossy().into_owned(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// A small valid tree of our own: functions of several arities, an alias, data refs.
fn own_tree() -> Files {
    vec![
        (
            "lib/lib.rego".into(),
            "package lib\n\nis_admin(u) if u.role == \"admin\"\n\n\
             join2(a, b) := concat(\"-\", [a, b])\n\n\
             names contains n if {\n\tsome u in input.users\n\tn := u.name\n}\n"
                .into(),
        ),
        (
            "app/app.rego".into(),
            "package app\n\nimport data.lib\n\n\
             default allow := false\n\n\
             allow if {\n\tsome u in input.users\n\tlib.is_admin(u)\n}\n\n\
             label := lib.join2(\"a\", \"b\") if {\n\tcount(input.users) > 0\n}\n\n\
             deny contains msg if {\n\tsome u in input.users\n\tnot lib.is_admin(u)\n\tmsg := sprintf(\"%s is not admin\", [u.name])\n}\n"
                .into(),
        ),
        (
            "app/app_test.rego".into(),
            "package app_test\n\nimport data.app\n\n\
             test_allow if {\n\tapp.allow with input as {\"users\": [{\"name\": \"a\", \"role\": \"admin\"}]}\n}\n\n\
             test_deny if {\n\tcount(app.deny) == 1 with input as {\"users\": [{\"name\": \"b\"}]}\n}\n\n\
             test_label if {\n\tapp.label == \"a-b\" with input as {\"users\": [{}]}\n}\n"
                .into(),
        ),
    ]
}

/// Lines that open a rule body: `... if {`.
fn body_openers(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with("if {"))
        .map(|(i, _)| i)
        .collect()
}

/// Inserts `literal` as the first literal of the body opened at line `at`.
fn insert_literal(text: &str, at: usize, literal: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let indent: String = lines
        .get(at + 1)
        .map(|l| l.chars().take_while(|c| c.is_whitespace()).collect())
        .filter(|s: &String| !s.is_empty())
        .unwrap_or_else(|| "\t".into());
    let mut out = String::new();
    for (i, l) in lines.iter().enumerate() {
        out.push_str(l);
        out.push('\n');
        if i == at {
            out.push_str(&indent);
            out.push_str(literal);
            out.push('\n');
        }
    }
    out
}

fn package_of(text: &str) -> Option<&str> {
    text.lines()
        .find_map(|l| l.strip_prefix("package "))
        .map(str::trim)
}

/// The rule a body opener line declares: its leading name, and whether it is a function.
fn rule_at(text: &str, at: usize) -> Option<(String, bool)> {
    let line = text.lines().nth(at)?;
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if name.is_empty() || name.starts_with("test_") {
        return None;
    }
    let function = line[name.len()..].starts_with('(');
    Some((name, function))
}

/// `name/arity` of every function declared at the start of a line.
fn functions_of(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for l in text.lines() {
        let name: String = l
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || !l[name.len()..].starts_with('(') {
            continue;
        }
        let inner = &l[name.len() + 1..];
        let Some(close) = inner.find(')') else {
            continue;
        };
        let args = &inner[..close];
        let n = if args.trim().is_empty() {
            0
        } else {
            args.split(',').count()
        };
        if !out.iter().any(|(f, _)| f == &name) {
            out.push((name, n));
        }
    }
    out
}

fn first_data_import(text: &str) -> Option<(String, String)> {
    text.lines().find_map(|l| {
        let path = l.strip_prefix("import data.")?.trim();
        if path.contains(' ') {
            return None;
        }
        let alias = path.rsplit('.').next()?.to_string();
        Some((format!("import data.{path}"), alias))
    })
}

/// Literals OPA refuses, inserted into a rule body (`{pkg}` is the module's package).
const BROKEN_LITERALS: &[&str] = &[
    // undefined functions
    "mutant_v := no_such_function(input.name)",
    "mutant_v := data.{pkg}.no_such_fn(1)",
    "mutant_v := data.nowhere.f(1)",
    "mutant_v := strings.no_such(\"a\")",
    // builtin arity
    "mutant_v := concat(\",\", [\"a\"], \"b\")",
    "mutant_v := count()",
    "mutant_v := upper(\"a\", \"b\")",
    "startswith(\"a\")",
    "mutant_v := object.get({}, \"a\")",
    // constant argument kinds
    "mutant_v := count(5)",
    "mutant_v := upper(1)",
    "mutant_v := concat(\",\", \"a\")",
    "mutant_v := lower([])",
    "mutant_v := sum(\"a\")",
    "mutant_v := abs(\"x\")",
    "mutant_v := split(1, \",\")",
    "mutant_v := object.get(\"a\", \"b\", 1)",
    "mutant_v := abs(upper(\"a\"))",
    "mutant_v := count(count([1]))",
    "mutant_v := startswith(true, \"a\")",
    "mutant_v := to_number([])",
    // kinds carried by a variable assigned a constant or a builtin's result
    "mutant_n := 5; count(mutant_n) > 0",
    "mutant_s := upper(\"a\"); abs(mutant_s) > 0",
    // unsafe variables
    "mutant_unbound == 1",
    "input.x[mutant_k] == mutant_w",
    "not input.y[mutant_z]",
    "mutant_c := [mutant_x | mutant_x := mutant_q]",
    "mutant_v := mutant_free + 1",
    // declared twice in one scope, or assigned under `not`
    "mutant_x := 1; mutant_x := 2",
    "some mutant_y; mutant_y := 1",
    "not mutant_z := 1",
    "some mutant_u",
    "every mutant_q in [1] { true }",
    // deprecated in rego.v1
    "any([true])",
    "all([true])",
    "re_match(\"a\", \"a\")",
    "set_diff({1}, {2}) == set()",
    "cast_string(1) == \"1\"",
    "net.cidr_overlap(\"10.0.0.0/8\", \"10.1.1.1\")",
];

/// Literals OPA accepts; inserted, they leave every test verdict as it was.
const VALID_LITERALS: &[&str] = &[
    "concat(\",\", [\"a\"], mutant_out)",
    "mutant_v := count(upper(\"a\"))",
    "some mutant_i in [1]",
    "every mutant_e in [1] { mutant_e > 0 }",
    "mutant_v := [mutant_x | some mutant_x in [1, 2]]",
    "walk({\"a\": 1}, [mutant_p, mutant_w])",
    "mutant_s := sprintf(\"%v\", [1])",
    "split(\"a.b\", \".\", mutant_parts)",
    "mutant_s := \"a\"; upper(mutant_s) == \"A\"",
    "mutant_v := [mutant_x | mutant_x := 1]; mutant_x := 2",
];

struct Corpus {
    dir: PathBuf,
    trees: Vec<PathBuf>,
}

impl Corpus {
    fn add(&mut self, name: &str, base: &Files, file: usize, text: String) {
        let dir = self.dir.join(format!("{:03}-{name}", self.trees.len()));
        for (i, (rel, orig)) in base.iter().enumerate() {
            let path = dir.join(rel);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(&path, if i == file { &text } else { orig }).expect("write");
        }
        self.trees.push(dir);
    }
}

/// The mutants of one base tree. Module `i` of the tree takes every `spread`-th broken literal
/// and appended rule starting at `i`, so the corpus covers each kind several times without
/// multiplying every kind by every module.
fn mutate(c: &mut Corpus, label: &str, base: &Files, spread: usize, valid_too: bool) {
    let all_functions: Vec<(String, String, usize)> = base
        .iter()
        .filter(|(r, _)| r.ends_with(".rego"))
        .flat_map(|(_, t)| {
            let pkg = package_of(t).unwrap_or("").to_string();
            functions_of(t)
                .into_iter()
                .map(move |(f, n)| (pkg.clone(), f, n))
        })
        .collect();
    let appended = [
        ("mutual", "\nmutant_a if mutant_b\n\nmutant_b if mutant_a\n"),
        (
            "mutualfn",
            "\nmutant_f(x) := mutant_g(x)\n\nmutant_g(x) := mutant_f(x)\n",
        ),
        ("v0", "\nmutant_v0[x] {\n\tx := 1\n}\n"),
        ("defaultref", "\ndefault mutant_d := input.x\n"),
        (
            "twodefaults",
            "\ndefault mutant_b := false\n\ndefault mutant_b := true\n",
        ),
        (
            "conflict",
            "\nmutant_r := 1\n\nmutant_r contains 2 if true\n",
        ),
        ("conflictfn", "\nmutant_h(x) := x\n\nmutant_h := 2\n"),
    ];
    let mut valid_done = !valid_too;
    let mut mi = 0;
    for (fi, (rel, text)) in base.iter().enumerate() {
        if !rel.ends_with(".rego") {
            continue;
        }
        let Some(pkg) = package_of(text) else {
            continue;
        };
        let openers = body_openers(text);
        let Some(&at) = openers.get(openers.len() / 2) else {
            continue;
        };
        let stem = format!("{label}-{}", rel.replace(['/', '.'], "_"));
        let mine = |i: usize| spread <= 1 || i % spread == mi % spread;
        for (li, lit) in BROKEN_LITERALS.iter().enumerate().filter(|(i, _)| mine(*i)) {
            let lit = lit.replace("{pkg}", pkg);
            c.add(
                &format!("{stem}-lit{li}"),
                base,
                fi,
                insert_literal(text, at, &lit),
            );
        }
        for (name, tail) in appended
            .iter()
            .enumerate()
            .filter(|(i, _)| mine(*i))
            .map(|(_, a)| a)
        {
            c.add(&format!("{stem}-{name}"), base, fi, format!("{text}{tail}"));
        }
        if !valid_done {
            valid_done = true;
            for (li, lit) in VALID_LITERALS.iter().enumerate() {
                c.add(
                    &format!("{stem}-valid{li}"),
                    base,
                    fi,
                    insert_literal(text, at, lit),
                );
            }
        }
        // Recursion: the rule refers to itself, by name or by its `data.` path.
        if let Some((name, function)) = rule_at(text, at) {
            let lit = if function {
                let n = functions_of(text)
                    .into_iter()
                    .find(|(f, _)| *f == name)
                    .map_or(1, |(_, n)| n);
                format!("_ = {name}({})", vec!["1"; n].join(", "))
            } else if mi % 2 == 0 {
                format!("_ = {name}")
            } else {
                format!("_ = data.{pkg}.{name}")
            };
            c.add(
                &format!("{stem}-self"),
                base,
                fi,
                insert_literal(text, at, &lit),
            );
        }
        // rego.v1: a body without `if`.
        let no_if: String = text
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i == at {
                    format!("{}{{\n", l.trim_end().trim_end_matches("if {"))
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        c.add(&format!("{stem}-noif"), base, fi, no_if);
        // User functions with the wrong number of arguments.
        if let Some((fpkg, f, n)) = all_functions.get(mi % all_functions.len().max(1)) {
            let (lit, name) = if mi % 2 == 0 || *n == 0 {
                let more = vec!["\"a\""; n + 2].join(", ");
                (format!("mutant_v := data.{fpkg}.{f}({more})"), "arity")
            } else {
                (format!("mutant_v := data.{fpkg}.{f}()"), "arity0")
            };
            c.add(
                &format!("{stem}-{name}"),
                base,
                fi,
                insert_literal(text, at, &lit),
            );
        }
        // Duplicate imports, and a call through an alias to a function its package lacks.
        if let Some((import, alias)) = first_data_import(text) {
            let dup = if mi % 2 == 0 {
                format!("{import}\n{import}")
            } else {
                format!("{import}\nimport input.{alias}")
            };
            c.add(
                &format!("{stem}-dupimport"),
                base,
                fi,
                text.replacen(&import, &dup, 1),
            );
            let lit = format!("mutant_v := {alias}.no_such_fn(1)");
            c.add(
                &format!("{stem}-aliasfn"),
                base,
                fi,
                insert_literal(text, at, &lit),
            );
        }
        // Real call sites, changed in place: a renamed function, a builtin misspelt or replaced
        // by its deprecated twin, arguments added.
        let call_sites: Vec<(String, &str)> = all_functions
            .iter()
            .map(|(_, f, _)| format!("{f}("))
            .chain(
                [
                    "sprintf(",
                    "regex.match(",
                    "object.get(",
                    "startswith(",
                    "count(",
                ]
                .map(String::from),
            )
            .filter_map(|needle| replace_call(text, &needle, "").map(|_| (needle, rel.as_str())))
            .collect();
        if let Some((needle, _)) = call_sites.get(mi % call_sites.len().max(1)) {
            let name = needle.trim_end_matches('(');
            let changed = [
                ("renamed", format!("{name}_renamed(")),
                ("moreargs", format!("{name}(1, 1, ")),
                (
                    "respelt",
                    match name {
                        "regex.match" => "re_match(".to_string(),
                        "sprintf" => "sprint(".to_string(),
                        _ => format!("{name}s("),
                    },
                ),
            ];
            for (kind, with) in changed {
                if let Some(t) = replace_call(text, needle, &with) {
                    c.add(&format!("{stem}-{kind}"), base, fi, t);
                }
            }
        }
        mi += 1;
    }
}

/// `text` with the first call of `needle` (not a declaration, not a longer name) replaced.
fn replace_call(text: &str, needle: &str, with: &str) -> Option<String> {
    let mut from = 0;
    while let Some(i) = text[from..].find(needle).map(|i| i + from) {
        let before = text[..i].chars().next_back();
        let is_call = !matches!(before, None | Some('\n'))
            && !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if is_call {
            return Some(format!("{}{with}{}", &text[..i], &text[i + needle.len()..]));
        }
        from = i + needle.len();
    }
    None
}

#[test]
fn mutants_are_judged_as_opa_judges_them() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut c = Corpus {
        dir: tmp.path().to_path_buf(),
        trees: Vec::new(),
    };
    let sample = read_tree(&workspace().join("policy/constitution"));
    mutate(&mut c, "sample", &sample, 6, true);
    mutate(&mut c, "own", &own_tree(), 1, true);
    for tree in trees_under(&workspace().join("xtask/rego/tests/opa/trees")) {
        if tree.parent().and_then(|p| p.file_name()) == Some("checks".as_ref()) {
            continue; // already broken on purpose
        }
        let name = tree.file_name().map(|n| n.to_string_lossy().into_owned());
        mutate(
            &mut c,
            &name.unwrap_or_default(),
            &read_tree(&tree),
            3,
            false,
        );
    }
    assert!(
        c.trees.len() >= 200,
        "only {} mutants; the corpus promises at least 200",
        c.trees.len()
    );
    eprintln!("{} mutated trees", c.trees.len());
    // As `assert_same_judgement`, with OPA judging on one core while we judge on the other.
    let trees = c.trees.clone();
    let opa = std::thread::spawn(move || opa_judge(&trees));
    let ours: Vec<_> = c.trees.iter().map(|t| our_judge(t)).collect();
    let opa = opa.join().expect("OPA judge thread");
    let mut report = String::new();
    let mut bad = 0;
    for (tree, ours) in c.trees.iter().zip(&ours) {
        if let Some(d) = disagreement(&opa[tree], ours) {
            bad += 1;
            report.push_str(&format!("=== {}\n{d}\n", tree.display()));
        }
    }
    assert!(
        bad == 0,
        "{bad} of {} trees judged differently from OPA:\n{report}",
        c.trees.len()
    );
}
