//! sigstore-rs (the Sigstore project's own Rust cosign code) as a second, independent verifier
//! of the signatures the xtask pushes, run as the small tool in `tests/sigstore-verify/`.
//!
//! The tool is a workspace of its own: sigstore-rs needs OpenSSL (`native-tls`), and as a
//! dependency of this crate cargo would unify that feature into the xtask's reqwest, so the
//! binary under test would differ from the one users build. It is built here on first use
//! (cargo's own lock serializes concurrent tests) into `target/sigstore-verify/`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

fn tool() -> Result<PathBuf, String> {
    static TOOL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TOOL.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = root.join("../target/sigstore-verify");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet", "--manifest-path"])
            .arg(root.join("sigstore-verify/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .output()
            .map_err(|e| format!("cargo build sigstore-verify: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo build sigstore-verify failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(target.join("debug/sigstore-verify"))
    })
    .clone()
}

/// Verifies with sigstore-rs that `registry/repo@digest` carries a cosign signature by the
/// P-256 public key `pubkey_pem` (the `.pub` file `policy-keys` writes). sigstore itself finds
/// the `.sig` manifest, checks each layer's blob and payload, and the signature against the key.
/// Returns how many signature layers sigstore accepted; an error says what it refused.
pub fn sigstore_verify(
    registry: &str,
    repo: &str,
    digest: &str,
    pubkey_pem: &[u8],
) -> Result<usize, String> {
    run_tool(registry, repo, digest, pubkey_pem, None)
}

/// [`sigstore_verify`] with the transparency log's public key (PEM file): sigstore then checks
/// each layer's `dev.sigstore.cosign/bundle` SET with it, and only layers carrying a verified
/// one count, so a missing or forged annotation is a refusal.
pub fn sigstore_verify_with_log(
    registry: &str,
    repo: &str,
    digest: &str,
    pubkey_pem: &[u8],
    rekor_pubkey: &std::path::Path,
) -> Result<usize, String> {
    run_tool(registry, repo, digest, pubkey_pem, Some(rekor_pubkey))
}

/// Verifies with sigstore-rs that `registry/repo@digest` carries a keyless cosign signature
/// by `identity` (the certificate's URI SAN) from the OIDC `issuer`: sigstore checks each
/// `.sig` layer's `dev.sigstore.cosign/bundle` with the Rekor key (PEM file) and its
/// `dev.sigstore.cosign/certificate` against the Fulcio root (PEM file, e.g.
/// `SigstoreMock::fulcio_root()`) at the logged time, then needs one layer signed by its
/// certificate's key for that identity and issuer. Returns how many layers it accepted.
pub fn sigstore_verify_keyless(
    registry: &str,
    repo: &str,
    digest: &str,
    fulcio_root: &std::path::Path,
    rekor_pubkey: &std::path::Path,
    identity: &str,
    issuer: &str,
) -> Result<usize, String> {
    let tool = tool()?;
    let mut c = Command::new(&tool);
    c.args(["--keyless", registry, repo, digest])
        .arg(fulcio_root)
        .arg(rekor_pubkey)
        .args([identity, issuer]);
    output_count(&tool, c)
}

fn run_tool(
    registry: &str,
    repo: &str,
    digest: &str,
    pubkey_pem: &[u8],
    rekor_pubkey: Option<&std::path::Path>,
) -> Result<usize, String> {
    let tool = tool()?;
    let dir = tempfile::tempdir().map_err(|e| format!("tempdir: {e}"))?;
    let key = dir.path().join("cosign.pub");
    std::fs::write(&key, pubkey_pem).map_err(|e| format!("{}: {e}", key.display()))?;
    let mut c = Command::new(&tool);
    c.args([registry, repo, digest])
        .arg(&key)
        .args(rekor_pubkey);
    output_count(&tool, c)
}

/// Runs the tool: its stdout is the count of accepted layers, its stderr the refusal.
fn output_count(tool: &std::path::Path, mut c: Command) -> Result<usize, String> {
    let out = c.output().map_err(|e| format!("{}: {e}", tool.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("sigstore-verify output: {e}"))
}
