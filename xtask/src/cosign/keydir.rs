//! `policy-keys`: the keypair directory (`.policy-keys/` by default): generate, import, show,
//! rotate. The password comes from `COSIGN_PASSWORD` (cosign's variable) or a terminal prompt.

use std::fs;
use std::io::IsTerminal;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use p256::{PublicKey, SecretKey};
use tempfile::NamedTempFile;
use xshell::{cmd, Shell};
use zeroize::Zeroizing;

use super::keys::{self, OpenError};
use crate::fsutil;

pub const KEY_FILE: &str = "cosign.key";
pub const PUB_FILE: &str = "cosign.pub";

pub struct KeyDir {
    pub dir: PathBuf,
}

/// What `ensure` found or did, for the report.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyState {
    Kept,
    Created,
    Imported,
    Rotated { old_suffix: String },
}

impl KeyDir {
    pub fn new(dir: &Path) -> KeyDir {
        KeyDir {
            dir: dir.to_path_buf(),
        }
    }
    pub fn key_path(&self) -> PathBuf {
        self.dir.join(KEY_FILE)
    }
    pub fn pub_path(&self) -> PathBuf {
        self.dir.join(PUB_FILE)
    }
    pub fn exists(&self) -> bool {
        self.key_path().exists() || self.pub_path().exists()
    }

    /// `policy-keys`: keep existing keys, or create (`import`: copy) a pair; `force` rotates.
    /// A new or imported key comes back too, so a caller need not ask for the password again.
    ///
    /// Everything that can fail on input (the password, the import's decryption, writing the
    /// new pair to temp files beside the active one) happens before the active pair changes;
    /// the change itself is renames. On any failure the previous pair is untouched and active.
    pub fn ensure(
        &self,
        import: Option<&Path>,
        force: bool,
    ) -> Result<(KeyState, Option<SecretKey>)> {
        self.check_git_ignored()?;
        let existed = self.exists();
        if existed && !force {
            if import.is_some() {
                bail!(
                    "{}: keys already exist; pass --force to replace them (the old pair is kept beside them)",
                    self.dir.display()
                );
            }
            self.public()?; // a kept pair must at least be readable
            return Ok((KeyState::Kept, None));
        }
        let (sealed, key) = match import {
            Some(file) => {
                let text = read_key_text(file)?;
                let password = password(&format!("password for {}", file.display()), false)?;
                let key = open_named(&text, &password, file)?;
                // The imported file is kept as written (either label), so cosign reads it as before.
                (text, key)
            }
            None => {
                let password = password("password for the new private key", true)?;
                if password.is_empty() {
                    eprintln!("warning: the private key is encrypted with an empty password");
                }
                let key = keys::generate();
                let sealed = keys::seal(&key, &password)?;
                (sealed, key)
            }
        };
        let public = keys::public_pem(&key.public_key())?;
        self.prepare_dir()?;
        let key_tmp = fsutil::temp_beside(&self.key_path(), sealed.as_bytes(), 0o600)?;
        let pub_tmp = fsutil::temp_beside(&self.pub_path(), public.as_bytes(), 0o644)?;
        let state = if existed {
            let old_suffix = self.swap(key_tmp, pub_tmp)?;
            KeyState::Rotated { old_suffix }
        } else {
            self.install_first(key_tmp, pub_tmp)?;
            match import {
                Some(_) => KeyState::Imported,
                None => KeyState::Created,
            }
        };
        Ok((state, Some(key)))
    }

    fn prepare_dir(&self) -> Result<()> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("{}: cannot create", self.dir.display()))?;
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("{}: cannot set mode 0700", self.dir.display()))
    }

    /// First run: neither file may appear meanwhile (no silent overwrite). The public key goes
    /// first: a crash in between leaves no private key without its public one.
    fn install_first(&self, key_tmp: NamedTempFile, pub_tmp: NamedTempFile) -> Result<()> {
        let (key_path, pub_path) = (self.key_path(), self.pub_path());
        pub_tmp
            .persist_noclobber(&pub_path)
            .map_err(|e| e.error)
            .with_context(|| {
                format!(
                    "{}: already exists, or cannot be written",
                    pub_path.display()
                )
            })?;
        if let Err(e) = key_tmp.persist_noclobber(&key_path) {
            let _ = fs::remove_file(&pub_path);
            return Err(e.error).with_context(|| {
                format!(
                    "{}: already exists, or cannot be written",
                    key_path.display()
                )
            });
        }
        Ok(())
    }

    /// Rotation, once the new pair is complete in temp files: the old pair gets a second name
    /// (`cosign.key.<UTC timestamp>`, a hard link, so the active names never go missing), then
    /// each new file is renamed over the active one. Any failure undoes what was done.
    fn swap(&self, key_tmp: NamedTempFile, pub_tmp: NamedTempFile) -> Result<String> {
        let suffix = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let aside = |p: &Path| PathBuf::from(format!("{}.{suffix}", p.display()));
        let (key_path, pub_path) = (self.key_path(), self.pub_path());
        let mut kept: Vec<PathBuf> = Vec::new();
        let undo = |kept: &[PathBuf]| {
            for p in kept {
                let _ = fs::remove_file(p);
            }
        };
        for path in [&key_path, &pub_path] {
            if !path.exists() {
                continue;
            }
            let old = aside(path);
            if let Err(e) = keep_copy(path, &old) {
                undo(&kept);
                return Err(e);
            }
            kept.push(old);
        }
        let pub_had = pub_path.exists();
        if let Err(e) = pub_tmp.persist(&pub_path) {
            undo(&kept);
            return Err(e.error).with_context(|| format!("{}: cannot write", pub_path.display()));
        }
        if let Err(e) = key_tmp.persist(&key_path) {
            // Put the old public key back (its kept name moves back), then drop the other copy.
            let restored = if pub_had {
                fs::rename(aside(&pub_path), &pub_path)
            } else {
                fs::remove_file(&pub_path)
            };
            if restored.is_ok() {
                undo(&kept);
            }
            return Err(e.error).with_context(|| format!("{}: cannot write", key_path.display()));
        }
        Ok(suffix)
    }

    pub fn public(&self) -> Result<PublicKey> {
        read_public(&self.pub_path())
    }

    /// The private key, decrypted with the password from `COSIGN_PASSWORD` or a prompt.
    pub fn secret(&self) -> Result<SecretKey> {
        let path = self.key_path();
        if !path.exists() {
            bail!(
                "{}: no private key; run `cargo xtask policy-keys` first",
                path.display()
            );
        }
        let text = read_key_text(&path)?;
        let password = password(&format!("password for {}", path.display()), false)?;
        open_named(&text, &password, &path)
    }

    /// Refuses to write keys into a directory git would commit. Outside a git checkout there
    /// is nothing to leak through, so nothing to check.
    fn check_git_ignored(&self) -> Result<()> {
        let Ok(sh) = Shell::new() else { return Ok(()) };
        let probe = self.key_path();
        let out = cmd!(sh, "git check-ignore -q {probe}")
            .quiet()
            .ignore_status()
            .ignore_stderr()
            .output();
        match out.ok().and_then(|o| o.status.code()) {
            Some(1) => bail!(
                "{}: not git-ignored, so the private key could be committed; add `/{}/` to .gitignore",
                self.dir.display(),
                self.dir.file_name().map_or(".policy-keys".into(), |n| n.to_string_lossy())
            ),
            _ => Ok(()), // 0: ignored; 128 or no git: not a checkout
        }
    }
}

pub fn read_public(path: &Path) -> Result<PublicKey> {
    let text = read_key_text(path)?;
    keys::parse_public(&text, &path.display().to_string())
}

/// A key file's text, refusing anything over [`keys::MAX_KEY_FILE`] before reading it whole.
fn read_key_text(path: &Path) -> Result<String> {
    let bytes = fsutil::read_limited(path, keys::MAX_KEY_FILE)?;
    String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{}: not a text (PEM) file", path.display()))
}

/// Gives `path` a second name `old` without touching `path`: a hard link, or a copy where the
/// file system has none. Never replaces an existing `old`.
fn keep_copy(path: &Path, old: &Path) -> Result<()> {
    if old.exists() {
        bail!("{}: already exists; wait a second and retry", old.display());
    }
    if fs::hard_link(path, old).is_ok() {
        return Ok(());
    }
    let bytes = fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let mode = fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0o600);
    fsutil::write_new(old, &bytes, mode)
}

fn open_named(text: &str, password: &[u8], file: &Path) -> Result<SecretKey> {
    keys::open(text, password).map_err(|e| match e {
        OpenError::WrongPassword => anyhow::anyhow!("wrong password for {}", file.display()),
        OpenError::Invalid(why) => {
            anyhow::anyhow!("{}: not a cosign private key: {why}", file.display())
        }
    })
}

/// `COSIGN_PASSWORD` when set (an empty value is an empty password, as in cosign); else a
/// prompt on the terminal; else an error that says what to set.
fn password(what: &str, confirm: bool) -> Result<Zeroizing<Vec<u8>>> {
    if let Some(p) = std::env::var_os("COSIGN_PASSWORD") {
        return Ok(Zeroizing::new(p.into_encoded_bytes()));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no {what}: set COSIGN_PASSWORD (there is no terminal to ask on)");
    }
    let first = Zeroizing::new(
        rpassword::prompt_password(format!("Enter {what}: ")).context("read password")?,
    );
    if confirm {
        let again = Zeroizing::new(
            rpassword::prompt_password(format!("Enter {what} again: ")).context("read password")?,
        );
        if *first != *again {
            bail!("the passwords do not match");
        }
    }
    Ok(Zeroizing::new(first.as_bytes().to_vec()))
}

/// `policy-keys`: ensure the pair, then say what happened and show the public key.
pub fn policy_keys(dir: &Path, import: Option<&Path>, force: bool) -> Result<()> {
    let keys = KeyDir::new(dir);
    let (state, _) = keys.ensure(import, force)?;
    let what = match &state {
        KeyState::Kept => "kept the existing keypair".to_string(),
        KeyState::Created => "created a new keypair".to_string(),
        KeyState::Imported => "imported the keypair".to_string(),
        KeyState::Rotated { old_suffix } => {
            format!("rotated the keypair; the old one is kept as *.{old_suffix}")
        }
    };
    eprintln!("{what} in {}", dir.display());
    let public = keys::public_pem(&keys.public()?)?;
    println!("{}", keys.key_path().display());
    println!("{}", keys.pub_path().display());
    print!("{public}");
    Ok(())
}
