//! `policy-test` reports: `pretty` for people (one line per test, explanations indented under a
//! failure), `json` with `opa test --format json`'s fields, and JUnit XML (one testsuite per
//! package) for CI test reporters; plus the readable coverage summary.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde_json::json;

use super::coverage;
use super::test::{Outcome, TestResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    Pretty,
    Json,
    Junit,
}

/// `PASS|FAIL|ERROR|SKIP data.pkg.test_x (file:line)[: detail]`, failures always, every test
/// with `verbose`; explanation lines follow their test, indented by two spaces.
pub fn pretty(results: &[TestResult], verbose: bool, out: &mut dyn Write) -> Result<()> {
    for r in results {
        let shown = verbose || !matches!(r.outcome, Outcome::Pass | Outcome::Skip);
        if !shown {
            continue;
        }
        match r.detail.as_str() {
            "" => writeln!(out, "{} {} ({})", tag(r.outcome), r.name, r.location)?,
            d => writeln!(out, "{} {} ({}): {d}", tag(r.outcome), r.name, r.location)?,
        }
        for l in &r.explanation {
            writeln!(out, "  {l}")?;
        }
    }
    Ok(())
}

fn tag(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "PASS",
        Outcome::Skip => "SKIP",
        Outcome::Error => "ERROR",
        Outcome::Fail | Outcome::Undefined => "FAIL",
    }
}

/// `opa test --format json`: an array of results with `location {file,row,col}`, `package`
/// (`data.pkg`), `name`, `fail`/`error`/`skip` when set, `duration` in nanoseconds. The
/// explanation lines ride along as `explanation`.
pub fn json(results: &[TestResult]) -> Result<String> {
    let items: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut v = json!({
                "location": {"file": r.file, "row": r.line, "col": r.col},
                "package": format!("data.{}", r.package),
                "name": r.rule,
                "duration": r.duration.as_nanos() as u64,
            });
            match r.outcome {
                Outcome::Fail | Outcome::Undefined => v["fail"] = json!(true),
                Outcome::Error => {
                    v["error"] = json!({"code": "eval_error", "message": r.detail});
                }
                Outcome::Skip => v["skip"] = json!(true),
                Outcome::Pass => {}
            }
            if !r.explanation.is_empty() {
                v["explanation"] = json!(r.explanation);
            }
            v
        })
        .collect();
    Ok(serde_json::to_string_pretty(&items)? + "\n")
}

/// JUnit XML as GitLab, Jenkins and GitHub reporters read it: one `<testsuite>` per package,
/// a `<testcase>` per test (`classname` the package, `name` the rule), `<failure>`/`<error>`
/// with the detail as `message` and the explanation as text, `<skipped/>` for `todo_` tests.
pub fn junit(results: &[TestResult]) -> String {
    let mut suites: BTreeMap<&str, Vec<&TestResult>> = BTreeMap::new();
    for r in results {
        suites.entry(&r.package).or_default().push(r);
    }
    let count =
        |rs: &[&TestResult], f: fn(Outcome) -> bool| rs.iter().filter(|r| f(r.outcome)).count();
    let is_fail = |o| matches!(o, Outcome::Fail | Outcome::Undefined);
    let is_error = |o| o == Outcome::Error;
    let is_skip = |o| o == Outcome::Skip;
    let secs = |d: std::time::Duration| format!("{:.6}", d.as_secs_f64());
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: std::time::Duration = results.iter().map(|r| r.duration).sum();
    x.push_str(&format!(
        "<testsuites name=\"policy-test\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
        results.len(),
        results.iter().filter(|r| is_fail(r.outcome)).count(),
        results.iter().filter(|r| is_error(r.outcome)).count(),
        results.iter().filter(|r| is_skip(r.outcome)).count(),
        secs(total)
    ));
    for (package, rs) in &suites {
        let time: std::time::Duration = rs.iter().map(|r| r.duration).sum();
        x.push_str(&format!(
            "  <testsuite name=\"data.{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">\n",
            esc(package),
            rs.len(),
            count(rs, is_fail),
            count(rs, is_error),
            count(rs, is_skip),
            secs(time)
        ));
        for r in rs {
            x.push_str(&format!(
                "    <testcase classname=\"data.{}\" name=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\"",
                esc(package),
                esc(&r.rule),
                esc(&r.file),
                r.line,
                secs(r.duration)
            ));
            let body = esc(&r.explanation.join("\n"));
            match r.outcome {
                Outcome::Pass => x.push_str("/>\n"),
                Outcome::Skip => x.push_str(">\n      <skipped/>\n    </testcase>\n"),
                o => {
                    let (el, kind) = if o == Outcome::Error {
                        ("error", "error")
                    } else {
                        ("failure", "fail")
                    };
                    x.push_str(&format!(
                        ">\n      <{el} message=\"{}\" type=\"{kind}\">{body}</{el}>\n    </testcase>\n",
                        esc(&r.detail)
                    ));
                }
            }
        }
        x.push_str("  </testsuite>\n");
    }
    x.push_str("</testsuites>\n");
    x
}

/// XML text and attribute escaping; characters XML 1.0 cannot carry are dropped.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\t' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => o.push(c),
        }
    }
    o
}

/// `coverage: 93.75% (120 of 128 lines)` and the uncovered lines as `file:row[-row]`.
pub fn coverage_pretty(r: &coverage::Report) -> String {
    let mut s = format!(
        "coverage: {:.2}% ({} of {} lines)\n",
        r.coverage,
        r.covered_lines,
        r.covered_lines + r.not_covered_lines
    );
    let mut first = true;
    for (file, f) in &r.files {
        for range in &f.not_covered {
            if first {
                s.push_str("not covered:\n");
                first = false;
            }
            if range.start.row == range.end.row {
                s.push_str(&format!("  {file}:{}\n", range.start.row));
            } else {
                s.push_str(&format!("  {file}:{}-{}\n", range.start.row, range.end.row));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(rule: &str, outcome: Outcome, detail: &str) -> TestResult {
        TestResult {
            name: format!("data.p_test.{rule}"),
            location: "t/p_test.rego:3".into(),
            outcome,
            detail: detail.into(),
            package: "p_test".into(),
            rule: rule.into(),
            file: "t/p_test.rego".into(),
            line: 3,
            col: 1,
            duration: Duration::from_micros(1500),
            explanation: vec!["t/p_test.rego:4: fail: x == \"<1>\"".into()],
        }
    }

    #[test]
    fn json_and_junit_carry_opas_fields() {
        let rs = [
            result("test_a", Outcome::Pass, ""),
            result("test_b", Outcome::Undefined, "undefined"),
            result("test_c", Outcome::Error, "t/p.rego:1:2: div by zero & more"),
        ];
        let j: serde_json::Value = serde_json::from_str(&json(&rs).unwrap()).unwrap();
        assert_eq!(
            j[0]["location"],
            json!({"file": "t/p_test.rego", "row": 3, "col": 1})
        );
        assert_eq!(j[0]["package"], "data.p_test");
        assert_eq!(j[0]["duration"], 1_500_000);
        assert!(j[0].get("fail").is_none());
        assert_eq!(j[1]["fail"], true);
        assert!(j[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("div by zero"));

        let x = junit(&rs);
        assert!(
            x.contains("<testsuite name=\"data.p_test\" tests=\"3\" failures=\"1\" errors=\"1\"")
        );
        assert!(x.contains("message=\"t/p.rego:1:2: div by zero &amp; more\""));
        assert!(x.contains("x == &quot;&lt;1&gt;&quot;"));
        let mut out = Vec::new();
        pretty(&rs, false, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with(
            "FAIL data.p_test.test_b (t/p_test.rego:3): undefined\n  t/p_test.rego:4"
        ));
    }
}
