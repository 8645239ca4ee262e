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

/// When the sources were committed, RFC 3339 UTC: `SOURCE_DATE_EPOCH` if set (the
/// reproducible-builds convention), else the commit time of DIR's last commit, else the epoch.
pub fn source_time(dir: &Path) -> String {
    let from_env = std::env::var("SOURCE_DATE_EPOCH").ok();
    let from_git = || {
        let sh = Shell::new().ok()?;
        cmd!(sh, "git -C {dir} log -1 --format=%ct -- .")
            .quiet()
            .ignore_stderr()
            .read()
            .ok()
    };
    let secs = from_env
        .or_else(from_git)
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `git remote get-url origin` without any credentials embedded in it, for the
/// `org.opencontainers.image.source` annotation.
pub fn origin_url(dir: &Path) -> Option<String> {
    let sh = Shell::new().ok()?;
    let url = cmd!(sh, "git -C {dir} remote get-url origin")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    if url.is_empty() {
        return None;
    }
    Some(strip_userinfo(&url))
}

/// `https://user:token@host/x` → `https://host/x`; scp-like `git@host:x` stays as it is.
fn strip_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_never_reach_the_source_annotation() {
        use super::strip_userinfo;
        assert_eq!(
            strip_userinfo("https://u:tok@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(
            strip_userinfo("https://github.com/o/r"),
            "https://github.com/o/r"
        );
        assert_eq!(
            strip_userinfo("git@github.com:o/r.git"),
            "git@github.com:o/r.git"
        );
    }
}
