//! The policy author's loop against the real OPA engine: `policy-eval` values over generated
//! inputs (from the tree and from the built bundle), `policy-test --coverage` against OPA's
//! coverage, the JUnit report through an independent reader, the JSON report's field names,
//! explanations of a mutated tree, and `policy-inspect` of a bundle file and an OCI layout.

use std::path::{Path, PathBuf};
use std::process::Command;

use e2e::opa::{opa_judge, opa_python, Verdict};
use e2e::{run, sample_copy, workspace, xtask, Run};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn sample() -> PathBuf {
    workspace().join("policy/constitution")
}

fn multi_file() -> PathBuf {
    workspace().join("xtask/rego/tests/opa/trees/author/multi-file")
}

/// What `xtask/rego/tests/opa/author.py` (the real OPA engine, junitparser) says.
fn author_py(args: &[&str]) -> Value {
    let out = Command::new(opa_python())
        .arg(workspace().join("xtask/rego/tests/opa/author.py"))
        .args(args)
        .output()
        .expect("run author.py");
    assert!(
        out.status.success(),
        "author.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("author.py JSON")
}

/// A small deterministic generator (no crate needed for a reproducible stream).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next(xs.len())]
    }
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Proposals that exercise every rule of both trees: paths inside and outside the allowed
/// folders, traversal, deep paths, protected files, workflows with and without tests,
/// workloads pinned or not, root or privileged, private keys, many changes, odd tiers.
fn inputs(count: usize, seed: u64) -> Vec<Value> {
    let mut g = Lcg(seed);
    let plain = [
        "docs/readme.md",
        "src/main.rs",
        "../etc/passwd",
        "/abs/path",
        "apps/a/b/c/d/e/f/g/h.yaml",
        "apps/web/x.txt",
        "policy/constitution/lib/lib.rego",
        ".github/CODEOWNERS",
        "charts\\evil",
        "apps/../../x",
    ];
    let workflows = [
        "jobs:\n  t:\n    steps:\n      - run: cargo test\n",
        "jobs:\n  t:\n    steps:\n      - run: echo hi\n",
        "permissions: write-all\njobs:\n  t:\n    steps:\n      - run: pytest\n",
        "jobs:\n  t:\n    permissions: write-all\n    steps:\n      - run: make test\n",
        "name: x\n",
    ];
    let mut out = Vec::new();
    for _ in 0..count {
        let mut changes = Vec::new();
        for _ in 0..g.next(5) {
            let change = match g.next(4) {
                0 => {
                    json!({"path": format!(".github/workflows/w{}.yml", g.next(3)), "content": g.pick(&workflows)})
                }
                1 => {
                    let image = if g.next(2) == 0 {
                        format!("registry.example/web@{DIGEST}")
                    } else {
                        "nginx:latest".to_string()
                    };
                    let ctx = g.pick(&[
                        "{}",
                        "{\"runAsNonRoot\": true}",
                        "{\"runAsNonRoot\": true, \"privileged\": true}",
                        "{\"runAsUser\": 0, \"runAsNonRoot\": true}",
                        "{\"allowPrivilegeEscalation\": true}",
                    ]);
                    let kind = g.pick(&["Deployment", "Job", "ConfigMap"]);
                    json!({"path": format!("apps/w{}/deploy.yaml", g.next(3)), "content": format!(
                        "kind: {kind}\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: {image}\n          securityContext: {ctx}\n"
                    )})
                }
                2 => {
                    json!({"path": g.pick(&plain), "content": g.pick(&["x", "-----BEGIN PRIVATE KEY-----"])})
                }
                _ => json!({"path": g.pick(&plain), "content": ""}),
            };
            changes.push(change);
        }
        let mut proposal = json!({"changes": changes});
        match g.next(4) {
            0 => {}
            1 => proposal["tier"] = json!("elevated"),
            2 => proposal["tier"] = json!("root"),
            _ => proposal["tier"] = json!("standard"),
        }
        if g.next(5) == 0 {
            proposal["kind"] = json!("exotic");
        }
        out.push(json!({"proposal": proposal}));
    }
    out
}

/// One `policy-eval` run per input, asking for every document at once; each comes back as
/// `[]` (undefined) or `[value]`, so undefined documents are compared too.
fn ours(source: &[&str], documents: &[&str], inputs: &[Value], dir: &Path) -> Vec<Vec<Value>> {
    let query = format!(
        "[{}]",
        documents
            .iter()
            .map(|d| format!("[x | x := data.{d}]"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let f = dir.join(format!("input-{i}.json"));
            std::fs::write(&f, input.to_string()).unwrap();
            let mut args = vec!["policy-eval", "--format", "raw", "--input"];
            let f = f.to_string_lossy().into_owned();
            args.push(&f);
            args.extend_from_slice(source);
            args.push(&query);
            let r = run(&workspace(), &args);
            r.ok();
            let v: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
            v.as_array().unwrap().clone()
        })
        .collect()
}

fn compare_with_opa(tree: &Path, documents: &[&str], seed: u64) {
    let d = tempfile::tempdir().unwrap();
    let inputs = inputs(50, seed);
    let req = d.path().join("request.json");
    std::fs::write(
        &req,
        json!({"inputs": inputs, "documents": documents}).to_string(),
    )
    .unwrap();
    let opa = author_py(&["eval", &tree.to_string_lossy(), &req.to_string_lossy()]);
    let bundle = d.path().join("bundle.tar.gz");
    let b = bundle.to_string_lossy().into_owned();
    run(
        &workspace(),
        &[
            "policy-build",
            "--dir",
            &tree.to_string_lossy(),
            "--out",
            &b,
            "--revision",
            "t",
        ],
    )
    .ok();
    let dir = tree.to_string_lossy().into_owned();
    let mut defined = 0;
    for (what, source) in [("tree", ["--dir", &dir]), ("bundle", ["--bundle", &b])] {
        let ours = ours(&source, documents, &inputs, d.path());
        let mut bad = Vec::new();
        for (i, row) in ours.iter().enumerate() {
            for (j, doc) in documents.iter().enumerate() {
                let theirs = &opa[i][j];
                assert!(theirs.get("error").is_none(), "OPA errs on {doc}: {theirs}");
                let expected = match theirs.get("value") {
                    Some(v) => json!([v]),
                    None => json!([]),
                };
                defined += usize::from(expected != json!([]));
                if row[j] != expected {
                    bad.push(format!(
                        "input {}: data.{doc}\n  OPA:  {expected}\n  ours: {}",
                        inputs[i], row[j]
                    ));
                }
            }
        }
        assert!(
            bad.is_empty(),
            "{} ({what}): {} differences from OPA:\n{}",
            tree.display(),
            bad.len(),
            bad.join("\n")
        );
    }
    assert!(defined > 50, "the generated inputs define too little");
}

#[test]
fn policy_eval_equals_opa_on_the_sample() {
    compare_with_opa(
        &sample(),
        &[
            "constitution.decision",
            "constitution.allow",
            "paths.deny",
            "ci.deny",
            "workloads.deny",
            "paths.rule_metadata",
            "ci.rule_metadata",
            "workloads.rule_metadata",
            "ci.workflows",
            "paths.no_such_rule",
            "nowhere.at_all",
        ],
        7,
    );
}

#[test]
fn policy_eval_equals_opa_on_a_multi_file_tree() {
    compare_with_opa(
        &multi_file(),
        &[
            "proposal.decision",
            "proposal.deny",
            "proposal.rule_metadata",
            "proposal.tier",
            "proposal.paths",
            "proposal.no_such_rule",
        ],
        11,
    );
}

#[test]
fn policy_eval_prints_opas_shape_and_exit_codes() {
    let input =
        r#"{"proposal": {"tier": "standard", "changes": [{"path": "../x", "content": ""}]}}"#;
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("in.json");
    std::fs::write(&f, input).unwrap();
    let f = f.to_string_lossy().into_owned();
    let r = run(
        &workspace(),
        &["policy-eval", "-i", &f, "data.constitution.allow"],
    );
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v,
        json!({"result": [{"expressions": [{"value": false, "text": "data.constitution.allow", "location": {"row": 1, "col": 1}}]}]})
    );
    // Undefined: `{}`, and exit 1 only with --fail; defined: exit 1 only with --fail-defined.
    let r = run(&workspace(), &["policy-eval", "data.constitution.nothing"]);
    assert_eq!((r.code, r.stdout.trim()), (0, "{}"), "{r}");
    assert_eq!(
        run(
            &workspace(),
            &["policy-eval", "--fail", "data.constitution.nothing"]
        )
        .code,
        1
    );
    assert_eq!(
        run(
            &workspace(),
            &["policy-eval", "--fail", "-i", &f, "data.constitution.allow"]
        )
        .code,
        0
    );
    assert_eq!(
        run(
            &workspace(),
            &[
                "policy-eval",
                "--fail-defined",
                "-i",
                &f,
                "data.constitution.allow"
            ]
        )
        .code,
        1
    );
    // An error is exit 2 with one line naming the problem.
    let r = run(&workspace(), &["policy-eval", "data.constitution.allow +"]);
    assert_eq!(r.code, 2, "{r}");
    let r = run(
        &workspace(),
        &["policy-eval", "-i", "/nonexistent.json", "data.x"],
    );
    assert_eq!(r.code, 2, "{r}");
    assert!(r.error_line().contains("/nonexistent.json"), "{r}");
    // stdin input, pretty and raw output.
    let mut c = xtask(
        &workspace(),
        &[
            "policy-eval",
            "-i",
            "-",
            "-f",
            "pretty",
            "data.constitution.decision.allow",
        ],
    );
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "false\n");
    let r = run(
        &workspace(),
        &[
            "policy-eval",
            "-f",
            "raw",
            "-i",
            &f,
            "data.constitution.decision.violations[_].rule",
        ],
    );
    assert_eq!(
        r.ok().stdout,
        "paths.no_traversal\npaths.outside_allowed_folders\n",
        "{r}"
    );
}

/// OPA's coverage rows against ours, per file; any difference prints both.
fn coverage_equals_opa(tree: &Path) {
    let opa = author_py(&["coverage", &tree.to_string_lossy()]);
    let r = run(
        &workspace(),
        &[
            "policy-test",
            "--coverage",
            "--format",
            "json",
            "--dir",
            &tree.to_string_lossy(),
        ],
    );
    let ours: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    let rows = |ranges: &Value| -> Vec<u64> {
        ranges
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|r| r["start"]["row"].as_u64().unwrap()..=r["end"]["row"].as_u64().unwrap())
            .collect()
    };
    let prefix = format!("{}/", tree.display());
    let mut ours_rows = serde_json::Map::new();
    for (file, fr) in ours["files"].as_object().unwrap() {
        let rel = file.strip_prefix(&prefix).unwrap_or(file);
        // OPA's percentage, to the two places its summary prints.
        let pct = (fr["coverage"].as_f64().unwrap() * 100.0).round() / 100.0;
        ours_rows.insert(
            rel.to_string(),
            json!({"covered": rows(&fr["covered"]), "not_covered": rows(&fr["not_covered"]),
                   "covered_lines": fr["covered_lines"], "not_covered_lines": fr["not_covered_lines"],
                   "coverage": pct}),
        );
    }
    let mut bad = Vec::new();
    let files: std::collections::BTreeSet<&String> = opa
        .as_object()
        .unwrap()
        .keys()
        .chain(ours_rows.keys())
        .collect();
    for f in files {
        let empty = json!({"covered": [], "not_covered": [], "covered_lines": 0,
                           "not_covered_lines": 0, "coverage": 0.0});
        let (o, u) = (
            opa.get(f).unwrap_or(&empty),
            ours_rows.get(f).unwrap_or(&empty),
        );
        if o != u {
            bad.push(format!("{f}\n  OPA:  {o}\n  ours: {u}"));
        }
    }
    assert!(
        bad.is_empty(),
        "{}: coverage differs from OPA's:\n{}",
        tree.display(),
        bad.join("\n")
    );
    let total =
        ours["covered_lines"].as_u64().unwrap() + ours["not_covered_lines"].as_u64().unwrap();
    assert!(total > 40, "{ours}");
}

#[test]
fn coverage_marks_the_lines_opa_marks() {
    coverage_equals_opa(&sample());
    coverage_equals_opa(&multi_file());
    coverage_equals_opa(&workspace().join("xtask/rego/tests/opa/trees/author/coverage-edges"));
    // Bare `else := v`, function bodies OPA's rule index never enters, bodies whose first
    // literal fails, over several files.
    coverage_equals_opa(&workspace().join("xtask/rego/tests/opa/trees/author/coverage-index"));
    // `not` whose parts OPA's compiler moves out: the parts evaluated, the `not` not reached.
    coverage_equals_opa(&workspace().join("xtask/rego/tests/opa/trees/engine/negation"));
    // Parenthesized values, and `or(..)`/`and(..)` the engine writes in parentheses.
    coverage_equals_opa(
        &workspace().join("xtask/rego/tests/opa/trees/author/coverage-parenthesized"),
    );
}

#[test]
fn coverage_summary_and_threshold() {
    let dir = multi_file().to_string_lossy().into_owned();
    let r = run(&workspace(), &["policy-test", "--dir", &dir, "--coverage"]);
    r.ok();
    assert!(
        r.stdout.contains("coverage: 67.12% (49 of 73 lines)"),
        "{r}"
    );
    assert!(r.stdout.contains("/proposal/tier.rego:20-25\n"), "{r}");
    assert!(r.stdout.ends_with("7 passed, 0 failed\n"), "{r}");
    run(
        &workspace(),
        &["policy-test", "--dir", &dir, "--threshold", "60"],
    )
    .ok();
    let r = run(
        &workspace(),
        &["policy-test", "--dir", &dir, "--threshold", "80"],
    );
    r.failed();
    assert_eq!(
        r.error_line(),
        "error: code coverage threshold not met: got 67.12% instead of 80.00%",
        "{r}"
    );
}

/// The sample with one assertion mutated (line 38 of paths_test.rego), one test that errors,
/// and one skipped.
fn mutated_sample() -> tempfile::TempDir {
    let d = sample_copy();
    let p = d.path().join("policy/constitution/paths/paths_test.rego");
    let text = std::fs::read_to_string(&p).unwrap();
    let mutated = text.replace(
        "rules(vs) == {\"paths.max_depth\"}",
        "rules(vs) == {\"paths.max_depth_typo\"}",
    );
    assert_ne!(text, mutated);
    std::fs::write(&p, mutated).unwrap();
    std::fs::write(
        d.path().join("policy/constitution/lib/extra_test.rego"),
        "package lib_test\n\nimport rego.v1\n\ntest_errors if {\n\tx := 1\n\tx / 0 == 1\n}\n\ntodo_test_later if false\n",
    )
    .unwrap();
    d
}

#[test]
fn a_mutated_line_is_named_with_its_values() {
    let d = mutated_sample();
    let r = run(d.path(), &["policy-test"]);
    r.failed();
    let lines: Vec<&str> = r.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("FAIL data.paths_test.test_too_deep_denied "))
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(
        lines[at + 1],
        "  policy/constitution/paths/paths_test.rego:38: fail: rules(vs) == {\"paths.max_depth_typo\"}",
        "{r}"
    );
    assert_eq!(
        lines[at + 2],
        "    rules(vs) = [\"paths.max_depth\"]",
        "{r}"
    );
    assert!(
        lines[at + 3].starts_with("    vs = [{\"message\":\"apps/a/b/c/d/e/f/g/h.yaml is deeper"),
        "{r}"
    );
    assert!(
        r.stdout.contains("ERROR data.lib_test.test_errors (policy/constitution/lib/extra_test.rego:5): policy/constitution/lib/extra_test.rego:7:"),
        "{r}"
    );
    assert!(
        r.stdout.ends_with("41 passed, 2 failed, 1 skipped\n"),
        "{r}"
    );

    // A policy line mutated: the explanation names it among the bodies that stopped.
    let d = sample_copy();
    let p = d.path().join("policy/constitution/paths/traversal.rego");
    let text = std::fs::read_to_string(&p).unwrap();
    let mutated = text.replace(
        "\tlib.has_traversal(change.path)",
        "\tnot lib.has_traversal(change.path)",
    );
    assert_ne!(text, mutated);
    std::fs::write(&p, mutated).unwrap();
    let r = run(d.path(), &["policy-test"]);
    let failure = r
        .stdout
        .split("\nFAIL ")
        .find(|f| f.starts_with("data.paths_test.test_traversal_denied "))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(
        failure.contains("\n    policy/constitution/paths/traversal.rego:15: not lib.has_traversal(change.path)\n"),
        "{failure}"
    );

    // A policy value mutated: the explanation shows the value it now has.
    let d = sample_copy();
    let p = d.path().join("policy/constitution/paths/traversal.rego");
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(&p, text.replace("max_depth := 8", "max_depth := 9")).unwrap();
    let r = run(d.path(), &["policy-test"]);
    assert!(
        r.stdout.contains("  policy/constitution/paths/paths_test.rego:46: fail: paths.max_depth == 8\n    paths.max_depth = 9\n"),
        "{r}"
    );
}

#[test]
fn junit_is_read_by_an_independent_parser() {
    let d = mutated_sample();
    let r = run(d.path(), &["policy-test", "--format", "junit"]);
    r.failed();
    let f = d.path().join("report.xml");
    std::fs::write(&f, &r.stdout).unwrap();
    let suites = author_py(&["junit", &f.to_string_lossy()]);
    let suites = suites.as_array().unwrap();
    let names: Vec<&str> = suites.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "data.ci_test",
            "data.constitution_test",
            "data.lib_test",
            "data.paths_test",
            "data.workloads_test"
        ]
    );
    let suite = |n: &str| suites.iter().find(|s| s["name"] == n).unwrap();
    let counts = |s: &Value| {
        (
            s["tests"].as_u64(),
            s["failures"].as_u64(),
            s["errors"].as_u64(),
            s["skipped"].as_u64(),
        )
    };
    assert_eq!(
        counts(suite("data.paths_test")),
        (Some(13), Some(1), Some(0), Some(0))
    );
    assert_eq!(
        counts(suite("data.lib_test")),
        (Some(11), Some(0), Some(1), Some(1))
    );
    assert_eq!(
        counts(suite("data.ci_test")),
        (Some(7), Some(0), Some(0), Some(0))
    );
    let case = |s: &str, n: &str| {
        suite(s)["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("{n} not in {s}"))
            .clone()
    };
    let failed = case("data.paths_test", "test_too_deep_denied");
    assert_eq!(failed["result"], "failure");
    assert_eq!(failed["classname"], "data.paths_test");
    assert_eq!(failed["message"], "undefined");
    assert!(
        failed["text"]
            .as_str()
            .unwrap()
            .contains("paths_test.rego:38: fail: rules(vs) == {\"paths.max_depth_typo\"}"),
        "{failed}"
    );
    let errored = case("data.lib_test", "test_errors");
    assert_eq!(errored["result"], "error");
    assert!(
        errored["message"]
            .as_str()
            .unwrap()
            .contains("extra_test.rego:7:"),
        "{errored}"
    );
    assert_eq!(
        case("data.lib_test", "todo_test_later")["result"],
        "skipped"
    );
    assert_eq!(
        case("data.ci_test", "test_good_workflow_passes")["result"],
        "pass"
    );
}

/// `opa test --format json`'s fields, exactly (plus our `explanation`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpaTestResult {
    location: OpaLocation,
    package: String,
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fail: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skip: Option<bool>,
    duration: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    explanation: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpaLocation {
    file: String,
    row: u32,
    col: u32,
}

#[test]
fn json_report_round_trips_with_opas_field_names_and_verdicts() {
    let d = mutated_sample();
    let r = run(d.path(), &["policy-test", "--format", "json"]);
    r.failed();
    let raw: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    let parsed: Vec<OpaTestResult> = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), raw);
    // The verdicts are OPA's.
    let tree = d.path().join("policy/constitution");
    let opa = &opa_judge(std::slice::from_ref(&tree))[&tree];
    let mut ours = std::collections::BTreeMap::new();
    for t in parsed.iter().filter(|t| t.skip.is_none()) {
        let v = match (t.fail, &t.error) {
            (_, Some(_)) => Verdict::Error,
            (Some(true), _) => Verdict::Fail,
            _ => Verdict::Pass,
        };
        ours.insert(format!("{}.{}", t.package, t.name), v);
        assert!(t.location.file.ends_with(".rego") && t.location.row > 0 && t.location.col == 1);
    }
    assert_eq!(ours, opa.tests, "OPA:\n{opa}");
}

fn inspect_json(cwd: &Path, args: &[&str]) -> Value {
    let mut a = vec!["policy-inspect", "--json"];
    a.extend_from_slice(args);
    let r: Run = run(cwd, &a);
    r.ok();
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"))
}

#[test]
fn inspect_a_bundle_file_and_a_signed_layout() {
    let d = sample_copy();
    run(d.path(), &["policy-build", "--revision", "r1"]).ok();
    let v = inspect_json(d.path(), &["target/policy/bundle.tar.gz"]);
    assert_eq!(v["manifest"]["revision"], "r1");
    assert_eq!(v["manifest"]["rego_version"], 1);
    assert_eq!(
        v["namespaces"]["data.paths"],
        json!(["/paths/paths.rego", "/paths/traversal.rego"])
    );
    let rule = |id: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    // The inventory names the file and line that declare each rule, and its deny body.
    let t = rule("paths.no_traversal");
    assert_eq!(
        (t["file"].as_str(), t["line"].as_u64()),
        (Some("paths/traversal.rego"), Some(7))
    );
    assert_eq!(t["deny"], json!(["paths/traversal.rego:13"]));
    let p = rule("paths.protected");
    assert_eq!(
        (p["file"].as_str(), p["line"].as_u64()),
        (Some("paths/paths.rego"), Some(19))
    );
    assert!(v["files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["name"] == "/rule_inventory.json"));
    let r = run(d.path(), &["policy-inspect", "target/policy/bundle.tar.gz"]);
    assert!(r.ok().stdout.contains("paths.no_traversal"), "{r}");

    // A pushed, signed bundle in an OCI layout: digest, annotations, signature status.
    let r: Run = xtask(d.path(), &["policy-bundle"])
        .env("COSIGN_PASSWORD", "pw")
        .output()
        .unwrap()
        .into();
    r.ok();
    let v = inspect_json(d.path(), &["oci:target/policy/oci:dev"]);
    assert!(
        v["oci"]["digest"].as_str().unwrap().starts_with("sha256:"),
        "{v}"
    );
    assert_eq!(v["oci"]["signature"]["status"], "verified", "{v}");
    assert!(
        v["oci"]["annotations"]["org.opencontainers.image.created"].is_string(),
        "{v}"
    );
    assert_eq!(v["rules"].as_array().unwrap().len(), 9);
    let v = inspect_json(
        d.path(),
        &["oci:target/policy/oci:dev", "--key", "nope.pub"],
    );
    assert_eq!(v["oci"]["signature"]["status"], "not checked", "{v}");
    // Another key: the signature is there but does not verify with it.
    e2e::require("openssl");
    let key = Command::new("sh")
        .arg("-c")
        .arg("openssl ecparam -name prime256v1 -genkey -noout | openssl ec -pubout 2>/dev/null")
        .output()
        .unwrap();
    std::fs::write(d.path().join("other.pub"), &key.stdout).unwrap();
    let v = inspect_json(
        d.path(),
        &["oci:target/policy/oci:dev", "--key", "other.pub"],
    );
    assert_eq!(v["oci"]["signature"]["status"], "unverified", "{v}");
    // The pulled bundle, unpacked by policy-verify, evaluates as the tree does; the inventory
    // it carries is not data.
    run(
        d.path(),
        &[
            "policy-verify",
            "oci:target/policy/oci:dev",
            "--extract",
            "pulled",
        ],
    )
    .ok();
    let q = "[data.constitution.decision, [x | x := data.rules]]";
    let input =
        r#"{"proposal": {"tier": "standard", "changes": [{"path": "../x", "content": ""}]}}"#;
    std::fs::write(d.path().join("in.json"), input).unwrap();
    let from_dir = run(
        d.path(),
        &[
            "policy-eval",
            "-f",
            "raw",
            "-i",
            "in.json",
            "--bundle",
            "pulled",
            q,
        ],
    );
    let from_tree = run(d.path(), &["policy-eval", "-f", "raw", "-i", "in.json", q]);
    assert_eq!(from_dir.ok().stdout, from_tree.ok().stdout);
    assert!(from_dir.stdout.trim_end().ends_with(",[]]"), "{from_dir}");

    let r = run(d.path(), &["policy-inspect", "oci:target/policy/oci:nope"]);
    r.failed();
    assert!(r.error_line().contains("not found"), "{r}");
}

/// The issue's layout, one rule per file in one package: every inventory entry names its own
/// file, line and deny body.
#[test]
fn inventory_of_a_package_split_over_files() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("b.tar.gz").to_string_lossy().into_owned();
    let dir = multi_file().to_string_lossy().into_owned();
    run(
        &workspace(),
        &[
            "policy-build",
            "--dir",
            &dir,
            "--out",
            &out,
            "--revision",
            "t",
        ],
    )
    .ok();
    let v = inspect_json(&workspace(), &[&out]);
    let got: Vec<String> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}:{} {} {}",
                r["id"].as_str().unwrap(),
                r["file"].as_str().unwrap(),
                r["line"],
                r["package"].as_str().unwrap(),
                r["deny"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "proposal.known_tier proposal/tier.rego:5 proposal [\"proposal/tier.rego:10\"]",
            "proposal.max_changes proposal/size.rego:5 proposal [\"proposal/size.rego:10\"]",
            "proposal.no_exotic proposal/tier.rego:15 proposal [\"proposal/tier.rego:20\"]",
            "proposal.no_secrets proposal/no_secrets.rego:5 proposal [\"proposal/no_secrets.rego:10\"]",
        ]
    );
}

/// Every rule body OPA's trace enters while a test runs is entered in our `--explain full`
/// trace of that test (`enter file:line`), test by test. Returns how many were checked.
fn full_trace_covers_opas_enters(tree: &Path) -> usize {
    let opa = author_py(&["enters", &tree.to_string_lossy()]);
    let r = run(
        &workspace(),
        &[
            "policy-test",
            "--explain",
            "full",
            "--format",
            "json",
            "--dir",
            &tree.to_string_lossy(),
        ],
    );
    let ours: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    let prefix = format!("{}/", tree.display());
    let mut missing = Vec::new();
    let mut checked = 0;
    for t in ours.as_array().expect("a JSON array of tests") {
        let name = format!(
            "{}.{}",
            t["package"].as_str().unwrap(),
            t["name"].as_str().unwrap()
        );
        let entered: std::collections::BTreeSet<String> = t["explanation"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l.as_str()?.trim_start().strip_prefix("enter "))
            .filter_map(|l| l.split(": ").next())
            .map(|at| at.strip_prefix(&prefix).unwrap_or(at).to_string())
            .collect();
        for at in opa[&name].as_array().into_iter().flatten() {
            let at = at.as_str().unwrap();
            checked += 1;
            if !entered.contains(at) {
                missing.push(format!("{name}: OPA enters {at}; ours: {entered:?}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{}: rule bodies missing from the trace:\n{}",
        tree.display(),
        missing.join("\n")
    );
    checked
}

#[test]
fn explain_full_traces_every_body_opa_enters() {
    assert!(full_trace_covers_opas_enters(&sample()) > 100);
    assert!(full_trace_covers_opas_enters(&multi_file()) > 20);
    // `else := value` without a condition, and rules our rewrites add (rego.metadata).
    let edges = workspace().join("xtask/rego/tests/opa/trees/builtins/metadata-edges");
    assert!(full_trace_covers_opas_enters(&edges) > 5);
}
