//! `policy-keys`: the keypair directory (`.policy-keys/` by default): generate, import, show,
//! rotate. The password comes from `COSIGN_PASSWORD` (cosign's variable) or a terminal prompt.

use std::fs;
use std::io::IsTerminal;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use p256::{PublicKey, SecretKey};
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
    pub fn ensure(
        &self,
        import: Option<&Path>,
        force: bool,
    ) -> Result<(KeyState, Option<SecretKey>)> {
        self.check_git_ignored()?;
        let mut rotated = None;
        if self.exists() {
            if !force {
                if import.is_some() {
                    bail!(
                        "{}: keys already exist; pass --force to replace them (the old pair is kept beside them)",
                        self.dir.display()
                    );
                }
                self.public()?; // a kept pair must at least be readable
                return Ok((KeyState::Kept, None));
            }
            rotated = Some(self.set_aside()?);
        }
        let (sealed, key) = match import {
            Some(file) => {
                let text = fs::read_to_string(file)
                    .with_context(|| format!("{}: cannot read", file.display()))?;
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
        self.write_pair(&sealed, &key.public_key())?;
        let state = match (rotated, import) {
            (Some(old_suffix), _) => KeyState::Rotated { old_suffix },
            (None, Some(_)) => KeyState::Imported,
            (None, None) => KeyState::Created,
        };
        Ok((state, Some(key)))
    }

    fn write_pair(&self, sealed: &str, public: &PublicKey) -> Result<()> {
        fs::create_dir_all(&self.dir)
            .with_context(|| format!("{}: cannot create", self.dir.display()))?;
        fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
            .with_context(|| format!("{}: cannot set mode 0700", self.dir.display()))?;
        // The public key first: a crash in between leaves no private key without its public one.
        fsutil::write_atomic(
            &self.pub_path(),
            keys::public_pem(public)?.as_bytes(),
            0o644,
        )?;
        fsutil::write_new(&self.key_path(), sealed.as_bytes(), 0o600)?;
        Ok(())
    }

    /// Renames the current pair to `cosign.key.<UTC timestamp>` / `cosign.pub.<...>`.
    fn set_aside(&self) -> Result<String> {
        let suffix = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        for path in [self.key_path(), self.pub_path()] {
            if path.exists() {
                let old = PathBuf::from(format!("{}.{suffix}", path.display()));
                if old.exists() {
                    bail!("{}: already exists; wait a second and retry", old.display());
                }
                fs::rename(&path, &old)
                    .with_context(|| format!("{}: cannot move aside", path.display()))?;
            }
        }
        Ok(suffix)
    }

    pub fn public(&self) -> Result<PublicKey> {
        read_public(&self.pub_path())
    }

    /// The private key, decrypted with the password from `COSIGN_PASSWORD` or a prompt.
    pub fn secret(&self) -> Result<SecretKey> {
        let path = self.key_path();
        let text = fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: no private key; run `cargo xtask policy-keys` first",
                path.display()
            )
        })?;
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
    let text =
        fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
    keys::parse_public(&text, &path.display().to_string())
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
    if matches!(state, KeyState::Rotated { .. }) {
        // The moment of harm: from here on, what this key signs does not verify in a cluster
        // that holds the old public key, and the Runner silently falls back.
        eprintln!(
            "warning: the cluster's policy-pub-key ConfigMap and every published bundle must follow this new key, or the Runner falls back to its baked-in constitution:\n  \
             1. re-sign every bundle a Runner pulls: cargo xtask policy-bundle --to REF (the old signature stays beside the new one)\n  \
             2. then give the cluster the new key: cargo xtask policy-pub-deploy [--context C] [-n NS]\n  \
             3. check: cargo xtask status --bundle-ref REF"
        );
    }
    Ok(())
}
