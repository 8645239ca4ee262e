//! What git knows about the sources: the revision stamped into a bundle and its OCI annotations.

use std::path::Path;

use xshell::{cmd, Shell};

/// The last commit that touched `dir`, with `-dirty` when `dir` has uncommitted changes; empty
/// outside a git checkout (as `opa build` leaves it). Tied to `dir`, not `HEAD`, so unchanged
/// policy sources keep their revision, and so their bundle digest, across unrelated commits.
pub fn revision(dir: &Path) -> String {
    let Ok(sh) = Shell::new() else {
        return String::new();
    };
    let run = |args: &[&str]| -> String {
        cmd!(sh, "git -C {dir} {args...}")
            .quiet()
            .ignore_stderr()
            .read()
            .unwrap_or_default()
    };
    let mut commit = run(&["log", "-1", "--format=%H", "--", "."]);
    if commit.is_empty() {
        commit = run(&["rev-parse", "--verify", "-q", "HEAD"]);
    }
    if commit.is_empty() {
        return String::new();
    }
    let dirty = !run(&["status", "--porcelain", "--", "."]).is_empty();
    if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    }
}
