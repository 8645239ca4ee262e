//! `policy-bundle --release X.Y.Z`: the tags and version annotation a release pushes, from a
//! SemVer 2.0.0 version. A stable version moves `<version>`, `<major>` and `latest`; a
//! pre-release only names itself, so no consumer following `latest` or a major gets it.

use anyhow::{bail, Result};

/// A release's version as given (a leading `v`, as git tags carry it, dropped) and its tags.
#[derive(Debug, PartialEq, Eq)]
pub struct Release {
    pub version: String,
    pub tags: Vec<String>,
}

pub fn release(raw: &str) -> Result<Release> {
    let v = raw.strip_prefix('v').unwrap_or(raw);
    let bad = |why: &str| {
        anyhow::anyhow!(
            "--release {raw:?}: not a SemVer version MAJOR.MINOR.PATCH[-PRE][+BUILD] ({why})"
        )
    };
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let nums: Vec<&str> = core.split('.').collect();
    if nums.len() != 3 {
        return Err(bad("three numbers separated by dots"));
    }
    for n in &nums {
        if n.is_empty()
            || !n.bytes().all(|b| b.is_ascii_digit())
            || (n.len() > 1 && n.starts_with('0'))
        {
            return Err(bad("numbers without leading zeros"));
        }
    }
    let ident_ok = |s: &str, numeric_rule: bool| {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !(numeric_rule
                && s.len() > 1
                && s.starts_with('0')
                && s.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(p) = pre {
        if !p.split('.').all(|i| ident_ok(i, true)) {
            return Err(bad(
                "pre-release identifiers are [0-9A-Za-z-], numeric ones without leading zeros",
            ));
        }
    }
    if let Some(b) = build {
        if !b.split('.').all(|i| ident_ok(i, false)) {
            return Err(bad("build identifiers are [0-9A-Za-z-]"));
        }
    }
    // An OCI tag has no `+`: build metadata is written with `_`, as Helm does.
    let version_tag = v.replace('+', "_");
    if version_tag.len() > 128 {
        bail!("--release {raw:?}: over 128 characters, too long for a tag");
    }
    let tags = match pre {
        Some(_) => vec![version_tag],
        None => vec![version_tag, nums[0].to_string(), "latest".to_string()],
    };
    Ok(Release {
        version: v.to_string(),
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_moves_major_and_latest_prerelease_only_itself() {
        assert_eq!(release("1.2.3").unwrap().tags, ["1.2.3", "1", "latest"]);
        assert_eq!(release("v2.0.0").unwrap().version, "2.0.0");
        assert_eq!(release("1.2.3-rc.1").unwrap().tags, ["1.2.3-rc.1"]);
        assert_eq!(
            release("1.2.3+build.7").unwrap().tags,
            ["1.2.3_build.7", "1", "latest"]
        );
        assert_eq!(release("0.1.0").unwrap().tags, ["0.1.0", "0", "latest"]);
    }

    #[test]
    fn not_semver_is_refused_in_one_line() {
        for bad in [
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.x",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3-a..b",
            "latest",
            "",
        ] {
            let e = release(bad).unwrap_err().to_string();
            assert!(
                e.contains("not a SemVer version") && !e.contains('\n'),
                "{bad}: {e}"
            );
        }
    }
}
