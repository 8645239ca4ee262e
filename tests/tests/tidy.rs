//! Keeps the tree honest: the README and the reference pages under `docs/` document exactly the
//! commands `--help` lists, and every module says what it is for in its first line.

use std::collections::BTreeSet;
use std::path::Path;

use e2e::{run, workspace};

#[test]
fn readme_and_help_list_the_same_commands() {
    let help = run(&workspace(), &["--help"]);
    help.ok();
    let commands: BTreeSet<String> = help
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(commands.len() >= 9, "{commands:?}");
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let documented: BTreeSet<String> = readme
        .match_indices("cargo xtask ")
        .filter_map(|(i, m)| readme[i + m.len()..].split([' ', '`', '\n']).next())
        .filter(|w| w.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .map(str::to_string)
        .collect();
    for c in &commands {
        assert!(
            documented.contains(c),
            "README does not document `cargo xtask {c}`"
        );
        let sub = run(&workspace(), &[c.as_str(), "--help"]);
        sub.ok();
    }
    for d in &documented {
        assert!(
            commands.contains(d),
            "README documents `cargo xtask {d}`, which --help does not list"
        );
    }
    // Each command has its reference section, a `## `cargo xtask NAME ...`` heading, on a page
    // under docs/, and every such heading names a command --help lists.
    let mut sections = BTreeSet::new();
    for e in std::fs::read_dir(workspace().join("docs")).unwrap() {
        let page = e.unwrap().path();
        if page.extension().is_some_and(|x| x == "md") {
            let text = std::fs::read_to_string(&page).unwrap();
            for l in text.lines() {
                if let Some(rest) = l.strip_prefix("## `cargo xtask ") {
                    let name = rest.split([' ', '`']).next().unwrap_or_default();
                    sections.insert(name.to_string());
                }
            }
        }
    }
    assert_eq!(
        sections, commands,
        "the sections of docs/*.md (left) and the commands --help lists (right) differ"
    );
}

#[test]
fn every_module_opens_with_its_purpose() {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                if !text.starts_with("//!") {
                    out.push(p.display().to_string());
                }
            }
        }
    }
    let mut missing = Vec::new();
    for d in [
        "xtask/src",
        "xtask/rego/src",
        "xtask/rego/tests",
        "xtask/rego-fuzz/src",
        "xtask/rego-fuzz/tests",
        "tests/src",
        "tests/tests",
    ] {
        walk(&workspace().join(d), &mut missing);
    }
    assert!(missing.is_empty(), "no `//!` line: {missing:?}");
}
