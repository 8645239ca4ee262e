//! End-to-end test harness: runs the built `xtask` binary as a user would, against real
//! services the harness starts (a Docker Distribution registry, the real `kubectl`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

pub mod apiserver;
pub mod front;
pub mod opa;
pub mod proxy;
pub mod referrers;
pub mod registry;
pub mod sigstore_check;
pub mod sigstore_mock;

pub use sigstore_check::{sigstore_verify, sigstore_verify_keyless, sigstore_verify_with_log};

/// The workspace root (where `policy/constitution` lives).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The `xtask` binary, built once per test process with the same cargo that runs the tests.
pub fn xtask_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        // The variables `cargo test` sets for test processes (CARGO_PKG_*, CARGO_MANIFEST_DIR,
        // ...) would change the xtask's build fingerprint and rebuild it on every run: pass
        // only what locates the toolchain and the target directory.
        let mut cmd = Command::new(cargo);
        cmd.env_clear();
        for (k, v) in std::env::vars_os() {
            let k_str = k.to_string_lossy();
            let keep = matches!(
                k_str.as_ref(),
                "PATH"
                    | "HOME"
                    | "CARGO_HOME"
                    | "RUSTUP_HOME"
                    | "RUSTUP_TOOLCHAIN"
                    | "CARGO_TARGET_DIR"
                    | "CI"
            );
            if keep {
                cmd.env(k, v);
            }
        }
        let status = cmd
            // With the fuzzer (its `fuzz-rego` command), which `cargo xtask` leaves out: one
            // binary for every test, so no test process swaps it under another.
            .args([
                "build",
                "--quiet",
                "--package",
                "xtask",
                "--features",
                "fuzz",
            ])
            .current_dir(workspace())
            .status()
            .expect("run cargo build");
        assert!(
            status.success(),
            "cargo build -p xtask --features fuzz failed"
        );
        // Test binaries live in <target>/debug/deps; the xtask binary in <target>/debug.
        let exe = std::env::current_exe().expect("current exe");
        exe.parent()
            .and_then(Path::parent)
            .expect("target dir")
            .join("xtask")
    })
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self
    }
    pub fn failed(&self) -> &Self {
        assert_ne!(self.code, 0, "expected failure:\n{self}");
        self
    }
    /// The `error: ...` line a failed command prints last.
    pub fn error_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("no error line:\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// A command for the xtask binary in `cwd`, with a clean, predictable environment.
pub fn xtask(cwd: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(xtask_bin());
    c.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env_remove("COSIGN_PASSWORD")
        .env_remove("POLICY_REF")
        .env_remove("REGISTRY_USERNAME")
        .env_remove("REGISTRY_PASSWORD")
        .env_remove("POLICY_REKOR_URL")
        .env_remove("POLICY_TRUSTED_ROOT")
        // No Rekor on the loopback of these tests (tests/tests/tlog.rs starts one): they sign
        // as an air-gapped pipeline does, and verify as its consumer must, with cosign's flag.
        // Every signature check they assert still runs; only the log evidence is not asked.
        .env("POLICY_TLOG_UPLOAD", "false")
        .env("POLICY_INSECURE_IGNORE_TLOG", "true");
    // The machine's proxy and CA settings would change where requests go; tests set their own.
    for v in [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ] {
        c.env_remove(v);
    }
    c
}

pub fn run(cwd: &Path, args: &[&str]) -> Run {
    xtask(cwd, args).output().expect("run xtask").into()
}

/// Writes `files` (relative path, contents) under `dir`.
pub fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (rel, text) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
}

/// A copy of the sample constitution in a fresh temp dir (so tests can break it).
pub fn sample_copy() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    copy_dir(
        &workspace().join("policy/constitution"),
        &d.path().join("policy/constitution"),
    );
    d
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

/// Whether a program is on PATH (tests that need one fail loudly when it is missing:
/// the project's test script installs them).
pub fn require(program: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{program} is not installed: run ./scripts/test, which installs it")
        })
}

/// Standard base64, written here so the tests' checks do not share the xtask's base64 crate.
pub mod b64 {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(raw: &[u8]) -> String {
        let mut out = String::new();
        for c in raw.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    pub fn decode(s: &str) -> Vec<u8> {
        let val = |c: u8| TABLE.iter().position(|&t| t == c).expect("base64") as u32;
        let clean: Vec<u8> = s.bytes().filter(|&c| c != b'=').collect();
        let mut out = Vec::new();
        for chunk in clean.chunks(4) {
            let mut n = 0u32;
            for (i, &c) in chunk.iter().enumerate() {
                n |= val(c) << (18 - 6 * i);
            }
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            out.extend_from_slice(&bytes[..chunk.len() - 1]);
        }
        out
    }

    #[test]
    fn round_trip() {
        for s in ["", "a", "ab", "abc", "ci-bot:registry-pass-123"] {
            assert_eq!(decode(&encode(s.as_bytes())), s.as_bytes());
        }
        assert_eq!(encode(b"abcd"), "YWJjZA==");
    }
}
