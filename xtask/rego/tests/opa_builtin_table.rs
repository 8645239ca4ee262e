//! The builtin table the checks use (xtask/rego/src/check/opa_builtins.rs) against the real
//! OPA engine: for every builtin, OPA accepts a call with the table's number of arguments and
//! refuses one with a single argument more; and `policy-check` says the same.

use std::fs;
use std::path::PathBuf;

mod judge;

use judge::{opa_judge, policy_check, workspace};

/// A row of the table: name, arity (`None` when variadic), whether it returns a value,
/// whether it is deprecated.
type Row = (String, Option<usize>, bool, bool);

fn table() -> Vec<Row> {
    let src = fs::read_to_string(workspace().join("xtask/rego/src/check/opa_builtins.rs"))
        .expect("read the builtin table");
    let mut out = Vec::new();
    for line in src.lines() {
        let Some(row) = line.trim().strip_prefix("(\"") else {
            continue;
        };
        let mut fields = row.splitn(3, "\", \"");
        let (Some(name), Some(args), Some(rest)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let arity = match args {
            "..." => None,
            "" => Some(0),
            a => Some(a.split(',').count()),
        };
        let returns = !rest.starts_with('"');
        out.push((
            name.to_string(),
            arity,
            returns,
            rest.contains("DEPRECATED"),
        ));
    }
    assert!(out.len() > 150, "table not read: {} rows", out.len());
    out
}

/// A tree calling `name` with `args` arguments: as a value, or as a statement when the builtin
/// returns nothing (`internal.print`).
fn probe(dir: &PathBuf, name: &str, args: usize, returns: bool) {
    let args: Vec<String> = (0..args).map(|i| format!("input.a{i}")).collect();
    let call = format!("{name}({})", args.join(", "));
    let body = if returns {
        format!("x := {call}\n\tx == x")
    } else {
        call
    };
    fs::create_dir_all(dir).expect("mkdir");
    fs::write(
        dir.join("probe.rego"),
        format!("package probe\n\nr if {{\n\t{body}\n}}\n"),
    )
    .expect("write probe");
}

/// Builtins whose calls OPA rewrites before checking arity, so one argument too many surfaces
/// as another refusal (`eq` is unification and returns no value to assign).
const REWRITTEN: &[&str] = &["eq", "rego.metadata.chain", "rego.metadata.rule"];

#[test]
fn every_builtin_has_the_arity_opa_gives_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut exact = Vec::new();
    let mut more = Vec::new();
    let mut rows = Vec::new();
    for (i, (name, arity, returns, deprecated)) in table().into_iter().enumerate() {
        let Some(n) = arity else {
            continue; // variadic (`print`): any number fits
        };
        if REWRITTEN.contains(&name.as_str()) {
            continue;
        }
        let a = tmp.path().join(format!("{i:03}-exact"));
        let b = tmp.path().join(format!("{i:03}-more"));
        probe(&a, &name, n, returns);
        // At a statement's top one more argument is the output: two more is always too many.
        probe(&b, &name, if returns { n + 1 } else { n + 2 }, returns);
        exact.push(a);
        more.push(b);
        rows.push((name, deprecated));
    }
    let all: Vec<PathBuf> = exact.iter().chain(&more).cloned().collect();
    let opa = opa_judge(&all);
    let mut wrong = Vec::new();
    for (((name, deprecated), a), b) in rows.iter().zip(&exact).zip(&more) {
        let (ja, jb) = (&opa[a], &opa[b]);
        // A deprecated builtin is refused in rego.v1 whatever its arguments.
        if ja.refused.is_some() != *deprecated {
            wrong.push(format!(
                "{name}: OPA on the table's arity: {:?}\n{}",
                ja.refused, ja.detail
            ));
        }
        if !jb.detail.contains("arity mismatch") {
            wrong.push(format!(
                "{name}: OPA on one argument more: {:?}\n{}",
                jb.refused, jb.detail
            ));
        }
        let ours = policy_check(b);
        if ours.code == 0 || !ours.stdout.contains(&format!("{name}: arity mismatch")) {
            wrong.push(format!(
                "{name}: policy-check on one argument more:\n{ours}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
