//! References: `host[:port]/repo[:tag][@sha256:…]` (Docker's rules) and `oci:PATH[:TAG]`
//! (an OCI image layout on disk, skopeo's syntax).

use std::fmt;
use std::path::PathBuf;

use anyhow::{bail, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Registry(RegistryRef),
    Layout { path: PathBuf, tag: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryRef {
    /// `host[:port]` as written (`docker.io` for Docker Hub).
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Target {
    pub fn parse(s: &str) -> Result<Target> {
        refuse_control(s)?;
        if let Some(rest) = s.strip_prefix("oci:") {
            // skopeo: `oci:path[:reference]`; the path cannot contain `:`. A digest is
            // written `oci:path@sha256:…`, as this tool prints it.
            if let Some((path, digest)) = rest.split_once('@') {
                if !is_digest(digest) || path.is_empty() || path.contains(':') {
                    bail!("{s}: want oci:PATH@sha256:<64 hex digits>");
                }
                return Ok(Target::Layout {
                    path: PathBuf::from(path),
                    tag: Some(digest.to_string()),
                });
            }
            let (path, tag) = match rest.split_once(':') {
                Some((p, t)) => (p, Some(t.to_string())),
                None => (rest, None),
            };
            if path.is_empty() {
                bail!("{s}: an OCI layout reference needs a path: oci:PATH[:TAG]");
            }
            if let Some(t) = &tag {
                check_tag(s, t)?;
            }
            return Ok(Target::Layout {
                path: PathBuf::from(path),
                tag,
            });
        }
        RegistryRef::parse(s).map(Target::Registry)
    }

    pub fn tag(&self) -> Option<&str> {
        match self {
            Target::Registry(r) => r.tag.as_deref(),
            Target::Layout { tag, .. } => tag.as_deref(),
        }
    }

    pub fn digest(&self) -> Option<&str> {
        match self {
            Target::Registry(r) => r.digest.as_deref(),
            Target::Layout { tag, .. } => tag.as_deref().filter(|t| t.starts_with("sha256:")),
        }
    }

    /// What a signature's `docker-reference` names: the repository without tag or digest.
    pub fn repository_name(&self) -> String {
        match self {
            Target::Registry(r) => format!("{}/{}", r.registry, r.repository),
            Target::Layout { path, .. } => path.display().to_string(),
        }
    }

    /// The same place with another tag, for messages: `host/repo:tag` or `oci:path:tag`.
    pub fn with(&self, reference: &str) -> String {
        let sep = if reference.starts_with("sha256:") {
            "@"
        } else {
            ":"
        };
        match self {
            Target::Registry(r) => format!("{}/{}{sep}{reference}", r.registry, r.repository),
            Target::Layout { path, .. } => format!("oci:{}{sep}{reference}", path.display()),
        }
    }
}

impl RegistryRef {
    pub fn parse(s: &str) -> Result<RegistryRef> {
        refuse_control(s)?;
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !is_digest(d) {
                    bail!("{s}: digest must be sha256: and 64 lowercase hex digits");
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag follows the last `:` after the last `/` (a `:` before it is a port).
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), path.to_string())
            }
            Some(_) => ("docker.io".to_string(), name.to_string()),
            None => ("docker.io".to_string(), format!("library/{name}")),
        };
        if !is_host(&registry) {
            bail!("{s}: {registry:?} is not a valid registry host (want host[:port])");
        }
        if repository.is_empty() || !repository.split('/').all(is_path_component) || name.is_empty()
        {
            bail!("{s}: not a valid reference: want host[:port]/repository[:tag], lowercase repository");
        }
        if let Some(t) = &tag {
            check_tag(s, t)?;
        }
        Ok(RegistryRef {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// Loopback registries may fall back to plain HTTP when they do not speak TLS, as Docker's
    /// do.
    pub fn is_loopback(&self) -> bool {
        let host = match self.registry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => self.registry.split(':').next().unwrap_or(""),
        };
        host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Registry(r) => {
                write!(f, "{}/{}", r.registry, r.repository)?;
                if let Some(t) = &r.tag {
                    write!(f, ":{t}")?;
                }
                if let Some(d) = &r.digest {
                    write!(f, "@{d}")?;
                }
                Ok(())
            }
            Target::Layout { path, tag } => {
                write!(f, "oci:{}", path.display())?;
                match tag {
                    Some(t) if t.starts_with("sha256:") => write!(f, "@{t}"),
                    Some(t) => write!(f, ":{t}"),
                    None => Ok(()),
                }
            }
        }
    }
}

pub fn is_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A reference is echoed in messages and becomes part of URLs and paths: no control characters
/// (a newline would forge a line of output; an escape sequence would reach the terminal).
fn refuse_control(s: &str) -> Result<()> {
    if s.chars().any(char::is_control) {
        bail!("{s:?}: a reference cannot contain control characters");
    }
    Ok(())
}

/// `host`, `host:port`, `[v6]:port`: what can stand before the first `/` of a URL path.
fn is_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
        })
}

fn check_tag(whole: &str, tag: &str) -> Result<()> {
    let ok = !tag.is_empty()
        && tag.len() <= 128
        && tag.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_alphanumeric() || b == b'_' || (i > 0 && (b == b'.' || b == b'-'))
        });
    if !ok && !is_digest(tag) {
        bail!("{whole}: {tag:?} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})");
    }
    Ok(())
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, the distribution spec's path component.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() {
        return false;
    }
    b.iter()
        .all(|&x| x.is_ascii_lowercase() || x.is_ascii_digit() || matches!(x, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(s: &str) -> RegistryRef {
        match Target::parse(s).unwrap() {
            Target::Registry(r) => r,
            t => panic!("{t:?}"),
        }
    }

    #[test]
    fn registry_references() {
        let r =
            reg("zot.trustacks-system.svc.cluster.local:5000/trustacks/policy/constitution:dev");
        assert_eq!(r.registry, "zot.trustacks-system.svc.cluster.local:5000");
        assert_eq!(r.repository, "trustacks/policy/constitution");
        assert_eq!(r.tag.as_deref(), Some("dev"));
        assert!(!r.is_loopback());

        let r = reg("127.0.0.1:5000/p/c");
        assert_eq!(
            (r.registry.as_str(), r.tag.as_deref()),
            ("127.0.0.1:5000", None)
        );
        assert!(r.is_loopback());
        assert!(reg("localhost/x").is_loopback());

        let d = format!("sha256:{}", "a".repeat(64));
        let r = reg(&format!("ghcr.io/o/r:1@{d}"));
        assert_eq!(
            (r.tag.as_deref(), r.digest.as_deref()),
            (Some("1"), Some(d.as_str()))
        );

        let r = reg("nginx");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "library/nginx")
        );
    }

    #[test]
    fn layout_references() {
        assert_eq!(
            Target::parse("oci:target/policy/oci:dev").unwrap(),
            Target::Layout {
                path: "target/policy/oci".into(),
                tag: Some("dev".into())
            }
        );
        assert_eq!(Target::parse("oci:/tmp/x").unwrap().tag(), None);
        let d = format!("sha256:{}", "b".repeat(64));
        let t = Target::parse(&format!("oci:/tmp/x@{d}")).unwrap();
        assert_eq!(t.digest(), Some(d.as_str()));
        assert_eq!(t.to_string(), format!("oci:/tmp/x@{d}"));
        assert!(Target::parse("oci:").is_err());
    }

    #[test]
    fn bad_references_are_refused() {
        for bad in [
            "Host.io/UPPER",
            "h.io/r:bad tag",
            "h.io/r@sha256:12",
            "h.io/",
            "h.io/r:-x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }
}
