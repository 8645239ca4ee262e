//! A loopback Sigstore for the tests, and the real judges that check what the xtask signs.
//!
//! [`SigstoreMock::start`] runs `tests/sigstore-mock/server.mjs`: the Sigstore project's own mock
//! services (npm `@sigstore/mock`: Fulcio with an embedded-SCT CT log, Rekor, a timestamp
//! authority) behind one node HTTP server on a free 127.0.0.1 port, plus an OIDC token issuer
//! that imitates GitHub Actions' ID token endpoint. Every service shares the one base URL
//! ([`SigstoreMock::url`]), at the real REST paths:
//!
//! | service | paths |
//! |---|---|
//! | Fulcio | `POST /api/v2/signingCert` (JSON, token in `credentials`, answers 200), `POST /api/v1/signingCert` (cosign 2's legacy API: bearer token, `{publicKey: {content}, signedEmailAddress}`, answers 201 with a PEM chain), `GET /api/v2/trustBundle` |
//! | Rekor | `POST /api/v1/log/entries` (201, 409 for a duplicate), `GET /api/v1/log/entries/{uuid}`, `GET /api/v1/log/entries?logIndex=N`, `POST /api/v1/log/entries/retrieve` (by UUIDs, indexes or proposed entries), `POST /api/v1/index/retrieve` (by `sha256:` hash), `GET /api/v1/log`, `GET /api/v1/log/publicKey` |
//! | TSA | `POST /api/v1/timestamp` (RFC 3161 `application/timestamp-query`, or sigstore-js JSON), `GET /api/v1/timestamp/certchain` |
//! | GitHub OIDC | `GET /oidc/token?api-version=2.0&audience=sigstore` with `Authorization: bearer <request token>` → `{"value": JWT}` |
//!
//! What the mock does like the real services (beyond `@sigstore/mock`, which only decodes the
//! token and logs every entry as a one-leaf tree): Fulcio checks the token (the issuer's RS256
//! signature, `exp`, `aud` = `sigstore`: else 401) and the proof of possession (ECDSA-SHA256 over
//! the token's `sub`, or the CSR's self-signature: else 400); the certificate (valid ten
//! minutes, issued directly by a self-signed root, SCT embedded) has SAN
//! `https://github.com/<job_workflow_ref>` and the token's `iss` in the issuer extensions
//! (OIDs 1.3.6.1.4.1.57264.1.1 and .8). Rekor stores the canonical body of `hashedrekord` and
//! `dsse` entries (a dsse envelope is verified with the proposed verifiers and replaced by its
//! hashes and signatures), appends it to one RFC 6962 Merkle tree (sequential `logIndex` after
//! five unrelated leaves; the SET; an inclusion proof with its audit path and a checkpoint
//! signed by the log key, key hint = first 4 bytes of the log ID), UUID = the leaf hash.
//! The default GitHub job is [`DEFAULT_IDENTITY`]; [`SigstoreMock::set_github_job`] and
//! [`SigstoreMock::mint_token`] change it; [`SigstoreMock::inject_fault`],
//! [`SigstoreMock::set_clock_offset`], [`SigstoreMock::fulcio_misbehave`] (a certificate for
//! another key, without an SCT, with a foreign SCT), [`SigstoreMock::hits`] and
//! [`SigstoreMock::log_entries`] are for failure tests. Rekor refuses (400) an entry whose
//! signature does not verify: hashedrekord over the digest with the key or certificate (ECDSA
//! P-256; other key types are logged unchecked), dsse with the proposed verifiers. A test that wants another log key or
//! CA (a "foreign" trusted root) starts a second mock.
//!
//! The trust material it generated is in files ([`SigstoreMock::trusted_root`] and friends).
//! How each judge is pointed at the mock (each recipe is run by `tests/tests/sigstore_harness.rs`):
//!
//! **cosign v2.4.1** ([`Cosign::V2`], TruStacks' pin). Environment ([`SigstoreMock::cosign`] sets
//! it): `SIGSTORE_REKOR_PUBLIC_KEY=<rekor.pub>` (the log key; else cosign fetches the public-good
//! TUF root and fails offline), `SIGSTORE_CT_LOG_PUBLIC_KEY_FILE=<ctlog.pub>` (SCT checks, keyless
//! sign and verify), `SIGSTORE_ROOT_FILE=<fulcio_root.pem>` (the Fulcio CA, keyless verify),
//! `HOME`, `TUF_ROOT`, `DOCKER_CONFIG` in the mock's temp dir. v2.4.1's `verify` has no
//! `--trusted-root`.
//! - sign: `cosign sign --yes --rekor-url <url> --allow-insecure-registry --allow-http-registry
//!   --key cosign.key IMAGE@DIGEST` (password in `COSIGN_PASSWORD`); keyless adds
//!   `--fulcio-url <url> --identity-token <jwt>` instead of `--key`; `--timestamp-server-url
//!   <url>/api/v1/timestamp` adds an RFC 3161 timestamp; `--tlog-upload=false` skips the log.
//! - verify: `cosign verify --rekor-url <url> --allow-insecure-registry --allow-http-registry
//!   --key cosign.pub IMAGE` with cosign's defaults (the log entry is required: the `.sig`
//!   layer's `dev.sigstore.cosign/bundle` SET is checked offline with the log key; without the
//!   annotation cosign searches the log, `POST /api/v1/log/entries/retrieve`, and fails with
//!   `signature not found in transparency log`; `--insecure-ignore-tlog` accepts it). Keyless:
//!   `--certificate-identity[-regexp] X --certificate-oidc-issuer[-regexp] Y` instead of `--key`.
//!   A timestamp: `--timestamp-certificate-chain <tsa_chain.pem>`.
//!
//! **cosign v3.1.3** ([`Cosign::V3`]): the same environment, and
//! - verify: as v2 plus `--trusted-root <trusted_root.json>` (`--rekor-url` only warns that it
//!   is deprecated). It reads `.sig` signatures (v2's) and referrer bundles alike.
//! - sign: `--signing-config <signing_config.json> --trusted-root <trusted_root.json>` and no
//!   `--rekor-url`/`--fulcio-url` (v3 refuses URL flags with a signing config). v3 writes a
//!   Sigstore bundle v0.3 as an OCI 1.1 referrer: manifest with `artifactType` and layer media
//!   type `application/vnd.dev.sigstore.bundle.v0.3+json`, empty config
//!   (`application/vnd.oci.empty.v1+json`, also with that artifactType), `subject` = the image,
//!   annotations `dev.sigstore.bundle.content: dsse-envelope` and
//!   `dev.sigstore.bundle.predicateType: https://sigstore.dev/cosign/sign/v1`; on Debian's
//!   registry (no referrers API) listed in the tag schema index `sha256-<hex>`. With `--key`
//!   too, the content is a DSSE envelope (payloadType `application/vnd.in-toto+json`, an
//!   in-toto v1 statement whose one subject has the image digest and no name), its log entry
//!   kind `dsse` 0.0.1, `verificationMaterial.publicKey.hint` = base64 sha256 of the key's DER,
//!   and an RFC 3161 timestamp from the signing config's TSA.
//!
//! **sigstore-python** 4.5 ([`SigstoreMock::sigstore_python_verify_identity`]): `sigstore
//! --trust-config <trust_config.json> verify identity --offline --bundle B --cert-identity I
//! --cert-oidc-issuer O sha256:<hex>|FILE` (the ClientTrustConfig wraps the trusted root and the
//! signing config). Certificates only (no key-signed bundles); it refuses cosign 3's DSSE
//! statements (in-toto subject without `name`), so it judges message-signature bundles.
//!
//! **sigstore-js** (`@sigstore/verify` 3.1, [`SigstoreMock::sigstore_js_verify`]): `node
//! tests/sigstore-mock/verify-bundle.mjs --trusted-root <trusted_root.json> --bundle B
//! (--artifact FILE | --digest sha256:HEX) (--key PUB | --identity I --issuer O)`: key or
//! certificate bundles, message signature (needs the signed bytes: the manifest) or DSSE (the
//! statement must name the digest).
//!
//! **sigstore-rs** ([`crate::sigstore_verify_with_log`]): the `.sig` layers by key, each with a
//! bundle annotation whose SET verifies with `rekor.pub` and whose body is that layer's; and
//! ([`crate::sigstore_verify_keyless`]) keyless `.sig` layers by identity and issuer, the
//! certificate against `fulcio_root.pem` at the logged time.
//!
//! Everything is installed by `scripts/install-sigstore` (which `scripts/test` runs) into
//! `${XDG_CACHE_HOME:-$HOME/.cache}/trustacks-xtask/`; a missing part fails the test with a
//! line saying so.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::Run;

/// The `iss` of GitHub Actions ID tokens, and of the default token here.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// The certificate identity (SAN) Fulcio gives the default job's token.
pub const DEFAULT_IDENTITY: &str =
    "https://github.com/trustacks/constitution/.github/workflows/publish.yml@refs/tags/v1.2.3";
/// The cosign versions `scripts/install-sigstore` builds (keep the two in step).
pub const COSIGN_V2_VERSION: &str = "v2.4.1";
pub const COSIGN_V3_VERSION: &str = "v3.1.3";

/// `${XDG_CACHE_HOME:-$HOME/.cache}/trustacks-xtask`: where the judges are installed.
pub fn tool_cache() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache")
        });
    base.join("trustacks-xtask")
}

fn installed(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} is not installed at {}: run ./scripts/test (or scripts/install-sigstore), which installs it",
        path.display()
    );
    path
}

/// Which real cosign judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cosign {
    /// v2.4.1, what TruStacks' Runner pins.
    V2,
    /// A current cosign 3.
    V3,
}

impl Cosign {
    pub fn version(self) -> &'static str {
        match self {
            Cosign::V2 => COSIGN_V2_VERSION,
            Cosign::V3 => COSIGN_V3_VERSION,
        }
    }

    /// The binary in the tool cache (the test fails if it is missing).
    pub fn bin(self) -> PathBuf {
        installed(
            tool_cache().join(format!("cosign-{}/bin/cosign", self.version())),
            &format!("cosign {}", self.version()),
        )
    }
}

/// A service of the mock, for [`SigstoreMock::set_clock_offset`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Fulcio,
    Rekor,
    Tsa,
}

/// How Fulcio misbehaves, for [`SigstoreMock::fulcio_misbehave`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FulcioFault {
    /// The certificate is for a fresh key, not the one in the request.
    WrongKey,
    /// No embedded SCT.
    NoSct,
    /// An embedded SCT signed by a CT log the trusted root does not name.
    ForeignSct,
}

/// How a certificate's identity or issuer is matched, as cosign's flag pairs.
#[derive(Clone, Copy, Debug)]
pub enum Match<'a> {
    Exact(&'a str),
    Regexp(&'a str),
}

/// The running mock; stopped (and its temp dir removed) when dropped.
pub struct SigstoreMock {
    url: String,
    addr: String,
    oidc_request_url: String,
    oidc_request_token: String,
    dir: tempfile::TempDir,
    child: Child,
    // Held open: the server exits when it closes, even if this process dies without Drop.
    _stdin: ChildStdin,
}

impl SigstoreMock {
    /// Starts the server on a free 127.0.0.1 port and waits until its trust files are written.
    ///
    /// A start that does not answer in time is killed and tried once more: on a loaded CI
    /// machine one node start once printed nothing for 60 s while its siblings started fine.
    pub fn start() -> SigstoreMock {
        match Self::try_start(Duration::from_secs(120)) {
            Ok(m) => m,
            Err(first) => {
                eprintln!("sigstore-mock: first start failed, trying once more: {first}");
                Self::try_start(Duration::from_secs(180)).unwrap_or_else(|second| {
                    panic!("sigstore-mock did not start twice:\n{first}\n{second}")
                })
            }
        }
    }

    fn try_start(bound: Duration) -> Result<SigstoreMock, String> {
        let node = crate::require("node");
        let modules = mock_modules();
        let script = crate::workspace().join("tests/sigstore-mock/server.mjs");
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("trust");
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).expect("server log");
        let started = std::time::Instant::now();
        let mut child = Command::new(node)
            .arg(&script)
            .arg("--out")
            .arg(&out)
            .arg("--modules")
            .arg(&modules)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start node sigstore-mock");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        // The first stdout line is the ready signal; read it on a thread to bound the wait.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(bound).unwrap_or_default();
        let ready: serde_json::Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => {
                let alive = matches!(child.try_wait(), Ok(None));
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(format!(
                    "no ready line after {:.1?} (stdout {line:?}, process {}); its stderr:\n{log}",
                    started.elapsed(),
                    if alive { "still running" } else { "exited" },
                ));
            }
        };
        let field = |k: &str| ready[k].as_str().expect("ready field").to_string();
        let url = field("url");
        Ok(SigstoreMock {
            addr: url.trim_start_matches("http://").to_string(),
            url,
            oidc_request_url: field("oidc_request_url"),
            oidc_request_token: field("oidc_request_token"),
            dir,
            child,
            _stdin: stdin,
        })
    }

    /// `http://127.0.0.1:PORT`, the base URL of every service.
    pub fn url(&self) -> &str {
        &self.url
    }
    /// Rekor's base URL (`--rekor-url`).
    pub fn rekor_url(&self) -> &str {
        &self.url
    }
    /// Fulcio's base URL (`--fulcio-url`).
    pub fn fulcio_url(&self) -> &str {
        &self.url
    }
    /// The timestamp authority's endpoint (`--timestamp-server-url`: the full path).
    pub fn tsa_url(&self) -> String {
        format!("{}/api/v1/timestamp", self.url)
    }
    /// `ACTIONS_ID_TOKEN_REQUEST_URL` (already has a query: clients append `&audience=...`).
    pub fn oidc_request_url(&self) -> &str {
        &self.oidc_request_url
    }
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.
    pub fn oidc_request_token(&self) -> &str {
        &self.oidc_request_token
    }
    /// The two GitHub Actions variables, for `Command::envs`.
    pub fn github_actions_env(&self) -> [(&'static str, String); 2] {
        [
            (
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                self.oidc_request_url.clone(),
            ),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                self.oidc_request_token.clone(),
            ),
        ]
    }

    fn trust_file(&self, name: &str) -> PathBuf {
        self.dir.path().join("trust").join(name)
    }
    /// The Sigstore `trusted_root.json` (tlog, ctlog, Fulcio CA, TSA), for `--trusted-root`.
    pub fn trusted_root(&self) -> PathBuf {
        self.trust_file("trusted_root.json")
    }
    /// A Sigstore SigningConfig v0.2 naming this server (cosign 3's `--signing-config`).
    pub fn signing_config(&self) -> PathBuf {
        self.trust_file("signing_config.json")
    }
    /// A ClientTrustConfig (trusted root + signing config), sigstore-python's `--trust-config`.
    pub fn trust_config(&self) -> PathBuf {
        self.trust_file("trust_config.json")
    }
    /// The Rekor log's public key, PEM (`SIGSTORE_REKOR_PUBLIC_KEY`).
    pub fn rekor_pubkey(&self) -> PathBuf {
        self.trust_file("rekor.pub")
    }
    /// The CT log's public key, PEM (`SIGSTORE_CT_LOG_PUBLIC_KEY_FILE`).
    pub fn ctlog_pubkey(&self) -> PathBuf {
        self.trust_file("ctlog.pub")
    }
    /// The Fulcio root certificate, PEM (`SIGSTORE_ROOT_FILE`).
    pub fn fulcio_root(&self) -> PathBuf {
        self.trust_file("fulcio_root.pem")
    }
    /// The TSA chain, leaf first, PEM (`--timestamp-certificate-chain`).
    pub fn tsa_chain(&self) -> PathBuf {
        self.trust_file("tsa_chain.pem")
    }
    /// A scratch directory that lives as long as the mock.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    // ------------------------------------------------------------- OIDC and test control

    /// A token as the GitHub endpoint gives it for the current job (audience `sigstore`).
    pub fn identity_token(&self) -> String {
        let (status, body) = http(
            &self.addr,
            "GET",
            &format!(
                "{}&audience=sigstore",
                self.oidc_request_url.trim_start_matches(&self.url)
            ),
            &[(
                "Authorization",
                &format!("bearer {}", self.oidc_request_token),
            )],
            None,
        )
        .expect("OIDC token endpoint");
        assert_eq!(status, 200, "OIDC token endpoint: {}", lossy(&body));
        json_field(&body, "value")
    }

    /// A token signed by the issuer. `request` is `{"github": {job overrides: repository, ref,
    /// workflow_file, sha, job_workflow_ref, ...}, "claims": {final claim overrides: iss, sub,
    /// exp, ...}, "expired": bool, "audience": "sigstore"}`, every part optional.
    pub fn mint_token(&self, request: serde_json::Value) -> String {
        let body = self.control("POST", "/__control/token", Some(request));
        json_field(&body, "value")
    }

    /// Changes the job the GitHub endpoint describes from now on (merged into the default:
    /// `{"repository": "acme/other", "ref": "refs/tags/v9.0.0"}`); `{"reset": true}` restores it.
    pub fn set_github_job(&self, job: serde_json::Value) {
        self.control("POST", "/__control/github", Some(job));
    }

    /// The next `times` requests whose path starts with `path_prefix` (e.g. `/api/v1/log/entries`,
    /// `/api/v2/signingCert`, `/oidc/token`) get HTTP `status`; status 0 drops the connection.
    pub fn inject_fault(&self, path_prefix: &str, status: u16, times: u32) {
        self.control(
            "POST",
            "/__control/fault",
            Some(serde_json::json!({"prefix": path_prefix, "status": status, "times": times})),
        );
    }

    /// How many times each `METHOD /path` was requested (control requests not counted).
    pub fn hits(&self) -> BTreeMap<String, u64> {
        let body = self.control("GET", "/__control/hits", None);
        serde_json::from_slice(&body).expect("hits JSON")
    }

    /// The hits whose path starts with `prefix`, any method.
    pub fn hits_on(&self, method: &str, prefix: &str) -> u64 {
        self.hits()
            .iter()
            .filter(|(k, _)| {
                k.split_once(' ')
                    .is_some_and(|(m, p)| m == method && p.starts_with(prefix))
            })
            .map(|(_, n)| n)
            .sum()
    }

    /// The next `times` Fulcio certificates misbehave (a test that uses this owns its mock, or
    /// issues nothing else meanwhile).
    pub fn fulcio_misbehave(&self, how: FulcioFault, times: u32) {
        let mode = match how {
            FulcioFault::WrongKey => "wrong-key",
            FulcioFault::NoSct => "no-sct",
            FulcioFault::ForeignSct => "foreign-sct",
        };
        self.control(
            "POST",
            "/__control/fulcio",
            Some(serde_json::json!({"mode": mode, "times": times})),
        );
    }

    /// Moves one service's clock `offset_secs` ahead (negative: behind) from now on: Fulcio's
    /// (certificate validity, SCT time), Rekor's (integrated time), the TSA's (genTime). E.g.
    /// Rekor at +3600 logs an entry after a fresh certificate's ten minutes: a certificate
    /// that expired before the entry was integrated. The clock is the server's: a test that
    /// moves it starts a mock of its own.
    pub fn set_clock_offset(&self, service: Service, offset_secs: i64) {
        let name = match service {
            Service::Fulcio => "fulcio",
            Service::Rekor => "rekor",
            Service::Tsa => "tsa",
        };
        self.control(
            "POST",
            "/__control/clock",
            Some(serde_json::json!({"service": name, "offset_secs": offset_secs})),
        );
    }

    /// Everything in the log: `{uuid: entry}` with `body` (base64 canonical JSON),
    /// `integratedTime`, `logID`, `logIndex`, `verification` (`signedEntryTimestamp`,
    /// `inclusionProof`), as `GET /api/v1/log/entries/{uuid}` returns each.
    pub fn log_entries(&self) -> serde_json::Map<String, serde_json::Value> {
        let body = self.control("GET", "/__control/entries", None);
        serde_json::from_slice(&body).expect("entries JSON")
    }

    /// Clears injected faults and the hit counts.
    pub fn reset(&self) {
        self.control("POST", "/__control/reset", None);
    }

    fn control(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> Vec<u8> {
        let data = body.map(|b| b.to_string().into_bytes());
        let (status, out) = http(
            &self.addr,
            method,
            path,
            &[("Content-Type", "application/json")],
            data.as_deref(),
        )
        .unwrap_or_else(|e| panic!("sigstore-mock {path}: {e}"));
        assert_eq!(status, 200, "sigstore-mock {path}: {}", lossy(&out));
        out
    }

    // ------------------------------------------------------------- the real judges

    /// The real cosign with an environment that trusts this mock and nothing on the network
    /// (see the module doc), registry auth and TUF caches in the mock's temp dir.
    pub fn cosign(&self, which: Cosign) -> Command {
        let mut c = Command::new(which.bin());
        let home = self
            .dir
            .path()
            .join(format!("cosign-home-{}", which.version()));
        std::fs::create_dir_all(home.join("docker")).expect("cosign home");
        c.stdin(Stdio::null())
            .env("HOME", &home)
            .env("DOCKER_CONFIG", home.join("docker"))
            .env("TUF_ROOT", home.join("tuf"))
            .env("SIGSTORE_REKOR_PUBLIC_KEY", self.rekor_pubkey())
            .env("SIGSTORE_CT_LOG_PUBLIC_KEY_FILE", self.ctlog_pubkey())
            .env("SIGSTORE_ROOT_FILE", self.fulcio_root())
            .env_remove("COSIGN_PASSWORD")
            .env_remove("COSIGN_EXPERIMENTAL")
            .env_remove("SIGSTORE_ID_TOKEN")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        for v in [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            c.env_remove(v);
        }
        c
    }

    fn verify_args(&self, which: Cosign) -> Vec<OsString> {
        let mut a: Vec<OsString> = vec![
            "verify".into(),
            "--rekor-url".into(),
            self.url.clone().into(),
            "--allow-insecure-registry".into(),
            "--allow-http-registry".into(),
        ];
        if which == Cosign::V3 {
            a.push("--trusted-root".into());
            a.push(self.trusted_root().into());
        }
        a
    }

    /// `cosign verify --key <pubkey> <image>` as the Runner runs it: cosign's defaults (the log
    /// entry is required), trust from this mock. `extra` goes before the image (e.g.
    /// `--insecure-ignore-tlog`, `-o json`). The image is `127.0.0.1:PORT/repo@sha256:...`.
    pub fn cosign_verify_key(
        &self,
        which: Cosign,
        image: &str,
        pubkey: &Path,
        extra: &[&str],
    ) -> Run {
        let mut c = self.cosign(which);
        c.args(self.verify_args(which))
            .arg("--key")
            .arg(pubkey)
            .args(extra)
            .arg(image);
        c.output().expect("run cosign verify").into()
    }

    /// `cosign verify --certificate-identity[-regexp] ... --certificate-oidc-issuer[-regexp] ...`
    /// against this mock's Fulcio root, CT log key and log key.
    pub fn cosign_verify_identity(
        &self,
        which: Cosign,
        image: &str,
        identity: Match,
        issuer: Match,
        extra: &[&str],
    ) -> Run {
        let mut c = self.cosign(which);
        c.args(self.verify_args(which));
        match identity {
            Match::Exact(v) => c.args(["--certificate-identity", v]),
            Match::Regexp(v) => c.args(["--certificate-identity-regexp", v]),
        };
        match issuer {
            Match::Exact(v) => c.args(["--certificate-oidc-issuer", v]),
            Match::Regexp(v) => c.args(["--certificate-oidc-issuer-regexp", v]),
        };
        c.args(extra).arg(image);
        c.output().expect("run cosign verify").into()
    }

    /// [`Self::cosign_verify_identity`] with an exact identity and issuer and no other flags.
    pub fn cosign_verify_exact(
        &self,
        which: Cosign,
        image: &str,
        identity: &str,
        issuer: &str,
    ) -> Run {
        self.cosign_verify_identity(
            which,
            image,
            Match::Exact(identity),
            Match::Exact(issuer),
            &[],
        )
    }

    /// `cosign sign --key <key>` into this mock's log (the password through `COSIGN_PASSWORD`).
    pub fn cosign_sign_key(
        &self,
        which: Cosign,
        image: &str,
        key: &Path,
        password: &str,
        extra: &[&str],
    ) -> Run {
        let mut c = self.cosign(which);
        c.env("COSIGN_PASSWORD", password)
            .args(self.sign_args(which))
            .arg("--key")
            .arg(key)
            .args(extra)
            .arg(image);
        c.output().expect("run cosign sign").into()
    }

    /// Keyless `cosign sign` with this identity token (Fulcio certificate, Rekor entry).
    pub fn cosign_sign_keyless(
        &self,
        which: Cosign,
        image: &str,
        token: &str,
        extra: &[&str],
    ) -> Run {
        let mut c = self.cosign(which);
        c.args(self.sign_args(which));
        if which == Cosign::V2 {
            c.args(["--fulcio-url", &self.url]);
        }
        c.args(["--identity-token", token]).args(extra).arg(image);
        c.output().expect("run cosign sign").into()
    }

    fn sign_args(&self, which: Cosign) -> Vec<OsString> {
        let mut a: Vec<OsString> = vec![
            "sign".into(),
            "--yes".into(),
            "--allow-insecure-registry".into(),
            "--allow-http-registry".into(),
        ];
        // cosign 3 takes its service URLs from the signing config only (URL flags conflict).
        match which {
            Cosign::V2 => a.extend(["--rekor-url".into(), self.url.clone().into()]),
            Cosign::V3 => a.extend([
                "--signing-config".into(),
                self.signing_config().into(),
                "--trusted-root".into(),
                self.trusted_root().into(),
            ]),
        }
        a
    }

    /// sigstore-python (PyPI `sigstore` 4.x), offline with this mock's trusted root: checks a
    /// Sigstore bundle (v0.3, JSON) for the artifact `sha256:<hex>` (or a file path), signed by
    /// a Fulcio certificate for `identity` from `issuer`.
    pub fn sigstore_python_verify_identity(
        &self,
        bundle: &Path,
        artifact: &str,
        identity: &str,
        issuer: &str,
    ) -> Run {
        let bin = installed(
            tool_cache().join("sigstore-python/bin/sigstore"),
            "sigstore-python",
        );
        Command::new(bin)
            .env("HOME", self.dir.path())
            .stdin(Stdio::null())
            .arg("--trust-config")
            .arg(self.trust_config())
            .args(["verify", "identity", "--offline", "--bundle"])
            .arg(bundle)
            .args(["--cert-identity", identity, "--cert-oidc-issuer", issuer])
            .arg(artifact)
            .output()
            .expect("run sigstore-python")
            .into()
    }
}

/// What a Sigstore bundle signs, for [`SigstoreMock::sigstore_js_verify`].
#[derive(Clone, Copy, Debug)]
pub enum Signed<'a> {
    /// The signed bytes in a file (a message-signature bundle needs them: for an OCI signature,
    /// the manifest the signature names).
    Bytes(&'a Path),
    /// `sha256:<hex>`: a subject of a DSSE bundle's in-toto statement.
    Digest(&'a str),
}

/// Who must have signed, for [`SigstoreMock::sigstore_js_verify`].
#[derive(Clone, Copy, Debug)]
pub enum Signer<'a> {
    /// A key-signed bundle, by this PEM public key (cosign's `.pub`).
    Key(&'a Path),
    /// A keyless bundle: the certificate's SAN and OIDC issuer, exactly.
    Identity { identity: &'a str, issuer: &'a str },
}

impl SigstoreMock {
    /// sigstore-js (`@sigstore/verify`) on a Sigstore bundle, offline against this mock's
    /// trusted root: requires a log entry by the mock's log key (SET, or inclusion proof with a
    /// signed checkpoint), for certificates an SCT by its CT log and a chain to its Fulcio root.
    /// The judge for key-signed bundles (sigstore-python verifies certificates only).
    pub fn sigstore_js_verify(&self, bundle: &Path, signed: Signed, signer: Signer) -> Run {
        let node = crate::require("node");
        let script = crate::workspace().join("tests/sigstore-mock/verify-bundle.mjs");
        let mut c = Command::new(node);
        c.stdin(Stdio::null())
            .arg(script)
            .arg("--modules")
            .arg(mock_modules())
            .arg("--trusted-root")
            .arg(self.trusted_root())
            .arg("--bundle")
            .arg(bundle);
        match signed {
            Signed::Bytes(p) => c.arg("--artifact").arg(p),
            Signed::Digest(d) => c.args(["--digest", d]),
        };
        match signer {
            Signer::Key(k) => c.arg("--key").arg(k),
            Signer::Identity { identity, issuer } => {
                c.args(["--identity", identity, "--issuer", issuer])
            }
        };
        c.output().expect("run node verify-bundle.mjs").into()
    }
}

impl Drop for SigstoreMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory holding the npm packages (`node_modules`) scripts/install-sigstore installed.
fn mock_modules() -> PathBuf {
    let dir = tool_cache().join("sigstore-mock");
    installed(
        dir.join("node_modules/@sigstore/mock"),
        "@sigstore/mock (npm)",
    );
    dir
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn json_field(body: &[u8], field: &str) -> String {
    let v: serde_json::Value = serde_json::from_slice(body).expect("JSON answer");
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {}", lossy(body)))
        .to_string()
}

/// One HTTP/1.0 exchange (the server closes the connection, so no chunked answers): the status
/// and the body. Small on purpose: the tests' own client, shared with nothing in the xtask.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<(u16, Vec<u8>), String> {
    let (status, _, body) = http_full(addr, method, path, headers, body)?;
    Ok((status, body))
}

/// Status, headers (names lower-cased) and body of an HTTP answer.
pub type HttpAnswer = (u16, BTreeMap<String, String>, Vec<u8>);

/// As [`http`], with the answer's headers.
pub fn http_full(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<HttpAnswer, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or_default();
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes())
        .and_then(|_| s.write_all(body))
        .map_err(|e| format!("{method} {path}: {e}"))?;
    // Read the head, then the body by Content-Length (a server may keep the connection open
    // whatever was asked, as the test front does), else to the end.
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let split = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s
            .read(&mut buf)
            .map_err(|e| format!("{method} {path}: {e}"))?;
        if n == 0 {
            return Err(format!("{method} {path}: no HTTP header end"));
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("{method} {path}: bad status line"))?;
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let length = headers
        .get("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if method == "HEAD" || status == 204 || status == 304 {
        body.clear();
    } else if let Some(len) = length {
        while body.len() < len {
            let n = s
                .read(&mut buf)
                .map_err(|e| format!("{method} {path}: {e}"))?;
            if n == 0 {
                return Err(format!("{method} {path}: body ended early"));
            }
            body.extend_from_slice(&buf[..n]);
        }
        body.truncate(len);
    } else {
        s.read_to_end(&mut body)
            .map_err(|e| format!("{method} {path}: {e}"))?;
    }
    Ok((status, headers, body))
}

fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(data))
}

/// Pushes a small OCI image (config + one layer holding `content`) to the plain-HTTP registry at
/// `addr` as `repo:tag`, and returns its manifest digest. For tests that need something to sign
/// without going through the xtask.
pub fn push_test_image(addr: &str, repo: &str, tag: &str, content: &[u8]) -> String {
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(content)]},
    })
    .to_string()
    .into_bytes();
    let mut descriptors = Vec::new();
    for (blob, media_type) in [
        (&config[..], "application/vnd.oci.image.config.v1+json"),
        (content, "application/vnd.oci.image.layer.v1.tar"),
    ] {
        let digest = sha256_digest(blob);
        let (status, headers, body) = http_full(
            addr,
            "POST",
            &format!("/v2/{repo}/blobs/uploads/"),
            &[],
            None,
        )
        .expect("start upload");
        assert_eq!(status, 202, "start upload: {}", lossy(&body));
        let location = headers.get("location").expect("upload location");
        let location = location
            .strip_prefix(&format!("http://{addr}"))
            .unwrap_or(location);
        let sep = if location.contains('?') { '&' } else { '?' };
        let (status, _, body) = http_full(
            addr,
            "PUT",
            &format!("{location}{sep}digest={digest}"),
            &[("Content-Type", "application/octet-stream")],
            Some(blob),
        )
        .expect("upload blob");
        assert_eq!(status, 201, "upload blob: {}", lossy(&body));
        descriptors.push(serde_json::json!({
            "mediaType": media_type, "digest": digest, "size": blob.len(),
        }));
    }
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": descriptors[0],
        "layers": [descriptors[1]],
    })
    .to_string()
    .into_bytes();
    let (status, _, body) = http_full(
        addr,
        "PUT",
        &format!("/v2/{repo}/manifests/{tag}"),
        &[("Content-Type", "application/vnd.oci.image.manifest.v1+json")],
        Some(&manifest),
    )
    .expect("put manifest");
    assert_eq!(status, 201, "put manifest: {}", lossy(&body));
    sha256_digest(&manifest)
}

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
     application/vnd.oci.image.index.v1+json, \
     application/vnd.docker.distribution.manifest.v2+json, \
     application/vnd.docker.distribution.manifest.list.v2+json";

/// A manifest from the plain-HTTP registry at `addr`: its media type and bytes, or `None` on 404.
pub fn registry_manifest(addr: &str, repo: &str, reference: &str) -> Option<(String, Vec<u8>)> {
    let (status, headers, body) = http_full(
        addr,
        "GET",
        &format!("/v2/{repo}/manifests/{reference}"),
        &[("Accept", MANIFEST_ACCEPT)],
        None,
    )
    .expect("GET manifest");
    match status {
        200 => Some((
            headers.get("content-type").cloned().unwrap_or_default(),
            body,
        )),
        404 => None,
        _ => panic!("GET manifest {repo}:{reference}: {status} {}", lossy(&body)),
    }
}

/// A blob from the plain-HTTP registry at `addr`.
pub fn registry_blob(addr: &str, repo: &str, digest: &str) -> Vec<u8> {
    let (status, body) = http(
        addr,
        "GET",
        &format!("/v2/{repo}/blobs/{digest}"),
        &[],
        None,
    )
    .expect("GET blob");
    assert_eq!(status, 200, "GET blob {repo}@{digest}: {}", lossy(&body));
    body
}

/// The referrers of `digest` (descriptors, with `artifactType`): from the registry's referrers
/// API when it has one, else from the referrers tag schema index `sha256-<hex>` (what cosign 3
/// and oras write to a registry without the API, such as Debian's docker-registry).
pub fn registry_referrers(addr: &str, repo: &str, digest: &str) -> Vec<serde_json::Value> {
    let (status, _, body) = http_full(
        addr,
        "GET",
        &format!("/v2/{repo}/referrers/{digest}"),
        &[("Accept", "application/vnd.oci.image.index.v1+json")],
        None,
    )
    .expect("GET referrers");
    let index = if status == 200 {
        body
    } else {
        match registry_manifest(addr, repo, &digest.replacen(':', "-", 1)) {
            Some((_, b)) => b,
            None => return Vec::new(),
        }
    };
    let index: serde_json::Value = serde_json::from_slice(&index).expect("referrers index JSON");
    index["manifests"].as_array().cloned().unwrap_or_default()
}

/// The media type of a Sigstore bundle v0.3 (JSON), as cosign 3 attaches it.
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The Sigstore bundles attached to `digest` as referrers (artifact type a Sigstore bundle):
/// each bundle's JSON, read from the referrer manifest's one layer.
pub fn registry_sigstore_bundles(addr: &str, repo: &str, digest: &str) -> Vec<Vec<u8>> {
    registry_referrers(addr, repo, digest)
        .iter()
        .filter(|d| {
            d["artifactType"]
                .as_str()
                .is_some_and(|t| t.starts_with("application/vnd.dev.sigstore.bundle"))
        })
        .map(|d| {
            let m = d["digest"].as_str().expect("referrer digest");
            let (_, manifest) = registry_manifest(addr, repo, m).expect("referrer manifest");
            let manifest: serde_json::Value =
                serde_json::from_slice(&manifest).expect("referrer manifest JSON");
            let layer = manifest["layers"][0]["digest"]
                .as_str()
                .expect("bundle layer");
            registry_blob(addr, repo, layer)
        })
        .collect()
}
