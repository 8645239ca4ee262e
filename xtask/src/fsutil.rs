//! Writing files so that a reader never sees half of one: a temp file beside it, then a rename.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` with `mode`, replacing it atomically.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let tmp = temp_beside(path, bytes, mode)?;
    tmp.persist(path)
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}

/// Like `write_atomic`, but fails if `path` exists: private keys are never silently replaced.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let tmp = temp_beside(path, bytes, mode)?;
    tmp.persist_noclobber(path)
        .with_context(|| format!("{}: already exists, or cannot be written", path.display()))?;
    Ok(())
}

/// A synced temp file with `bytes` beside `path` (same directory, so a rename is atomic);
/// removed when dropped unless persisted.
pub fn temp_beside(path: &Path, bytes: &[u8], mode: u32) -> Result<tempfile::NamedTempFile> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".xtask-")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(parent)
        .with_context(|| format!("{}: cannot create a temp file", parent.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(tmp)
}

/// Reads a file of outside origin, refusing one over `limit` bytes without reading it whole.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = fs::File::open(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mut bytes = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    if bytes.len() as u64 > limit {
        anyhow::bail!("{}: over the {limit}-byte limit", path.display());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_set_mode_and_new_refuses_to_clobber() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/k");
        write_new(&p, b"one", 0o600).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(write_new(&p, b"two", 0o600).is_err());
        assert_eq!(fs::read(&p).unwrap(), b"one");
        write_atomic(&p, b"three", 0o644).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"three");
        // No temp file is left behind.
        assert_eq!(fs::read_dir(d.path().join("sub")).unwrap().count(), 1);
    }
}
