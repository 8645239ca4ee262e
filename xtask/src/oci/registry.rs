//! The `Store` over a registry, on `oci-client` (the ORAS project's Rust client): pushes, pulls,
//! HEADs and cross-repository mounts, with our credentials (`REGISTRY_USERNAME`/`PASSWORD`, the
//! Docker config's `auths` and credential helpers), TLS from the system store plus `--ca-file`,
//! proxies from the environment, and every call retried, bounded in time and reported in one
//! sanitized line.
//!
//! oci-client is async; a current-thread tokio runtime owned here drives it, so the commands
//! stay synchronous. Where oci-client falls short it is wrapped, not patched: a deadline around
//! every call (its timeouts are per read only), a size cap on blob streams, a guard that turns
//! a panic on a hostile answer (it unwraps a few header values) into an error, and a narrow
//! bypass (`wire`): blob HEAD, blob upload, manifest PUT and a bounded manifest GET are our own
//! requests, authenticated with oci-client's token, because its errors drop the answer's
//! headers (`Retry-After`) and it reads a manifest body whole, however large.
//!
//! oci-client would send credentials to whatever token realm the registry names, so we check
//! the realm first (`check_realm`).

use std::io::Write;
use std::pin::Pin;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use futures_util::StreamExt;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, RegistryOperation};
use reqwest::header::HeaderValue;
use zeroize::Zeroizing;

use super::net::{self, Deadline, Options, Retry};
use super::reference::RegistryRef;
use super::wire::{Endpoint, OpError};
use super::{Store, ACCEPT};

/// How long the first HTTPS try to a loopback registry may take before plain HTTP is tried.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a token (or the knowledge that Basic credentials are wanted) is reused. Tokens live
/// at least 60 s (the Distribution token spec's default); an early 401 fetches a new one.
const TOKEN_REUSE: std::time::Duration = std::time::Duration::from_secs(50);

type Fut<'a, T> = Pin<Box<dyn std::future::Future<Output = Result<T, OpError>> + 'a>>;
/// What one try gave, as `net::run` returns it: the operation's result, or `Err(None)` for its
/// deadline and `Err(Some(..))` for a panic in the client.
type Tried<T> = std::result::Result<Result<T, OpError>, Option<String>>;

pub struct Registry {
    rt: tokio::runtime::Runtime,
    /// Built on first use: a push to an open registry never needs it, and each client loads
    /// the system's CA certificates (about 15 ms).
    client: Option<Client>,
    /// For our own requests (`wire`): the same TLS, proxy and timeout settings as oci-client's.
    http: reqwest::Client,
    /// `host[:port]` as the user wrote it, for messages and credential lookup.
    host: String,
    repository: String,
    auth: RegistryAuth,
    net: Options,
    /// Loopback without `--plain-http`: HTTPS first; plain HTTP if the host does not speak TLS.
    may_fall_back: bool,
    plain: bool,
    uploaded: usize,
    /// Whether `GET /v2/` was asked (once per scheme): it says whether the registry wants
    /// credentials, and where its token service is.
    probed: bool,
    /// The registry wants no credentials at all: oci-client is then told none, which spares a
    /// `GET /v2/` before each request (it caches tokens, not "no token needed").
    open: bool,
    /// `Authorization` values by scope, with when they were fetched (`None`: send nothing).
    tokens: Vec<(RegistryOperation, Option<HeaderValue>, Instant)>,
}

/// Why a try failed, and whether another may succeed.
struct Failure {
    /// `HTTP 503`, `connection error`, ...: set when the failure is worth another try.
    retry: Option<String>,
    status: Option<u16>,
    /// One sanitized line.
    message: String,
    /// The host did not speak TLS (or refused it): a loopback host may fall back to HTTP.
    connect: bool,
    /// The registry's `Retry-After`, when it sent one.
    retry_after: Option<std::time::Duration>,
}

impl Failure {
    fn new(message: String) -> Failure {
        Failure {
            retry: None,
            status: None,
            message,
            connect: false,
            retry_after: None,
        }
    }
}

impl Registry {
    pub fn new(r: &RegistryRef, net: &Options) -> Result<Registry> {
        // reqwest is built without a bundled crypto provider; ring is already in the tree.
        let _ = rustls::crypto::ring::default_provider().install_default();
        if net.insecure {
            eprintln!(
                "warning: --insecure: the TLS certificate of {} is not checked; anyone on the \
                 path can read and change what is sent and received",
                net::sanitize(&r.registry)
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("start the network runtime")?;
        let auth = match credentials(&r.registry)? {
            Some((u, p)) => RegistryAuth::Basic(u, p.to_string()),
            None => RegistryAuth::Anonymous,
        };
        let plain = net.plain_http;
        Ok(Registry {
            client: None,
            http: build_http(net)?,
            rt,
            host: r.registry.clone(),
            repository: r.repository.clone(),
            auth,
            net: net.clone(),
            may_fall_back: !plain && r.is_loopback(),
            plain,
            uploaded: 0,
            probed: false,
            open: false,
            tokens: Vec::new(),
        })
    }

    /// oci-client looks credentials up by registry for the calls that do not take them. A
    /// client built later gets them when it is built.
    fn store_auth(&mut self) {
        let registry = self.reference("latest").resolve_registry().to_string();
        if let Some(client) = &self.client {
            self.rt
                .block_on(client.store_auth_if_needed(&registry, &self.auth));
        }
    }

    /// oci-client's client, built on first use.
    fn client(&mut self) -> Result<&Client, OpError> {
        if self.client.is_none() {
            let c = build_client(&self.net, self.plain)
                .map_err(|e| OpError::Client(generic(format!("{e:#}"))))?;
            if self.probed && !self.open {
                let registry = self.reference("latest").resolve_registry().to_string();
                self.rt
                    .block_on(c.store_auth_if_needed(&registry, &self.auth));
            }
            self.client = Some(c);
        }
        self.client
            .as_ref()
            .ok_or_else(|| OpError::Client(generic("no registry client".into())))
    }

    /// Our name for the registry's repository at `tag_or_digest`.
    fn reference(&self, tag_or_digest: &str) -> Reference {
        if tag_or_digest.starts_with("sha256:") {
            Reference::with_digest(
                self.host.clone(),
                self.repository.clone(),
                tag_or_digest.to_string(),
            )
        } else {
            Reference::with_tag(
                self.host.clone(),
                self.repository.clone(),
                tag_or_digest.to_string(),
            )
        }
    }

    /// Runs one registry operation with retries: `what` names it in messages (`PUT blob
    /// sha256:…`), `size` is the bytes it moves (the deadlines grow with it), `scope` the
    /// credentials our own requests need (`None`: the operation is oci-client's, which
    /// authenticates itself).
    fn call<T>(
        &mut self,
        what: &str,
        size: u64,
        scope: Option<RegistryOperation>,
        op: impl for<'a> Fn(Option<&'a Client>, Endpoint) -> Fut<'a, T>,
    ) -> Result<T, Failure> {
        self.call_retrying(what, size, scope, |_| None, op)
    }

    /// [`call`](Self::call), where `also` may name a reason to retry a failure that is not
    /// retryable in general (for one operation only).
    fn call_retrying<T>(
        &mut self,
        what: &str,
        size: u64,
        scope: Option<RegistryOperation>,
        also: impl Fn(&Failure) -> Option<String>,
        op: impl for<'a> Fn(Option<&'a Client>, Endpoint) -> Fut<'a, T>,
    ) -> Result<T, Failure> {
        // One deadline for the whole operation: the probe, token fetches, every try and wait.
        let deadline = self.net.operation(size);
        let mut tries = 0;
        let mut fresh_token = false;
        loop {
            if !self.probed {
                self.probe(&deadline)?;
            }
            if deadline.passed() {
                return Err(self.stopped(what, &deadline, tries));
            }
            tries += 1;
            let started = Instant::now();
            let mut own = net::request_deadline(size);
            if self.may_fall_back {
                // A loopback server that neither speaks TLS nor answers the handshake would
                // otherwise hold the first request for the whole read timeout.
                own = own.min(PROBE_TIMEOUT);
            }
            // The token fetch and the request share the try's limit.
            let (limit, by_deadline) = deadline.limit(own);
            let cached = scope.is_some_and(|s| self.cached_token(s).is_some());
            // Only oci-client's own operations (no scope) need its client here.
            let authz = match scope {
                None => self.client().map(|_| None).map_err(|e| Ok(Err(e))),
                Some(_) => self.authorization(scope, limit),
            };
            let result = match authz {
                Ok(authz) => {
                    let ep = Endpoint {
                        http: self.http.clone(),
                        base: format!(
                            "{}://{}",
                            if self.plain { "http" } else { "https" },
                            self.host
                        ),
                        repository: self.repository.clone(),
                        authz,
                    };
                    let left = limit.saturating_sub(started.elapsed());
                    net::run(&self.rt, left, op(self.client.as_ref(), ep))
                }
                Err(e) => e,
            };
            let took = started.elapsed();
            let failure = match result {
                Ok(Ok(v)) => {
                    self.may_fall_back = false;
                    return Ok(v);
                }
                Ok(Err(e)) => {
                    let mut f = classify(&e);
                    if f.retry.is_none() {
                        f.retry = also(&f);
                    }
                    f
                }
                Err(None) if by_deadline => return Err(self.stopped(what, &deadline, tries)),
                Err(None) if self.may_fall_back => Failure {
                    connect: true,
                    ..Failure::new(format!(
                        "{what}: no TLS handshake within {}s",
                        limit.as_secs()
                    ))
                },
                Err(None) => Failure {
                    retry: Some(format!("no complete answer within {}s", limit.as_secs())),
                    ..Failure::new(format!(
                        "{what}: no complete answer within {}s (server too slow or silent)",
                        limit.as_secs()
                    ))
                },
                Err(Some(panic)) => Failure::new(format!(
                    "{what}: the registry's answer could not be handled ({panic})"
                )),
            };
            if failure.connect && self.may_fall_back {
                // As Docker does for loopback: no TLS there, so try plain HTTP once.
                self.may_fall_back = false;
                self.plain = true;
                self.client = None;
                self.probed = false;
                self.tokens.clear();
                tries -= 1;
                continue;
            }
            if failure.status == Some(401) && cached && !fresh_token {
                // The token we reused may have expired: fetch a new one, once, at no try's cost.
                self.tokens.clear();
                fresh_token = true;
                tries -= 1;
                continue;
            }
            let Some(reason) = &failure.retry else {
                return Err(named(what, failure));
            };
            let (wait, asked) = match failure.retry_after {
                Some(w) => (w, " (Retry-After)"),
                None => (net::backoff(tries + 1), ""),
            };
            let tried = if tries == 1 {
                "1 try".to_string()
            } else {
                format!("{tries} tries")
            };
            // Retrying before the registry said would only earn another refusal, and a retry
            // that cannot end before the deadline only delays the error: give up now.
            let why = match deadline.retry(tries, wait, took) {
                Retry::After(wait) => {
                    eprintln!(
                        "retrying {what} after {reason} ({}/{}), waiting {}{asked}",
                        tries + 1,
                        net::MAX_TRIES,
                        net::seconds(wait)
                    );
                    std::thread::sleep(wait);
                    continue;
                }
                Retry::NoTriesLeft => format!("gave up after {tried}"),
                Retry::WaitPastDeadline if failure.retry_after.is_some() => format!(
                    "the registry asks to wait {} (Retry-After), past {}; gave up after {tried}",
                    net::seconds(wait),
                    deadline.name()
                ),
                Retry::WaitPastDeadline | Retry::NoTimeForAnother => format!(
                    "gave up after {tried}: another could not end before {}",
                    deadline.name()
                ),
            };
            let failure = named(what, failure);
            let message = format!("{}; {why}", failure.message);
            return Err(Failure { message, ..failure });
        }
    }

    /// The operation ran out of time: what it was doing, on which deadline, after how many tries.
    fn stopped(&self, what: &str, deadline: &Deadline, tries: u32) -> Failure {
        let tried = match tries {
            0 | 1 => String::new(),
            n => format!("; {n} tries"),
        };
        Failure::new(format!(
            "{what}: stopped by {}, no complete answer (server too slow or silent{tried})",
            deadline.name()
        ))
    }

    /// A fresh `Authorization` already fetched for `scope` (a push token covers pulls too).
    fn cached_token(&self, scope: RegistryOperation) -> Option<&Option<HeaderValue>> {
        self.tokens
            .iter()
            .find(|(s, _, at)| {
                (*s == scope || *s == RegistryOperation::Push) && at.elapsed() < TOKEN_REUSE
            })
            .map(|(_, h, _)| h)
    }

    /// The `Authorization` our own requests send for `scope`: oci-client's Bearer token (it
    /// runs the token dance), the Basic pair when the registry wants that, or nothing for an
    /// open registry or anonymous access. Reused for `TOKEN_REUSE`. `Err` is the failed try,
    /// for the caller to sort as any other.
    fn authorization<T>(
        &mut self,
        scope: Option<RegistryOperation>,
        limit: std::time::Duration,
    ) -> Result<Option<HeaderValue>, Tried<T>> {
        let Some(scope) = scope else {
            return Ok(None);
        };
        if self.open {
            return Ok(None);
        }
        if let Some(h) = self.cached_token(scope) {
            return Ok(h.clone());
        }
        let image = self.reference("latest");
        if let Err(e) = self.client() {
            return Err(Ok(Err(e)));
        }
        let (client, auth) = (&self.client, &self.auth);
        let Some(client) = client else {
            return Err(Ok(Err(OpError::Client(generic(
                "no registry client".into(),
            )))));
        };
        let token = match net::run(&self.rt, limit, client.auth(&image, auth, scope)) {
            Ok(Ok(t)) => t,
            Ok(Err(e)) => return Err(Ok(Err(OpError::Client(e)))),
            Err(e) => return Err(Err(e)),
        };
        let value = match (token, &self.auth) {
            (Some(t), _) => Some(format!("Bearer {t}")),
            (None, RegistryAuth::Basic(u, p)) => {
                let pair = Zeroizing::new(format!("{u}:{p}"));
                Some(format!("Basic {}", B64.encode(pair.as_bytes())))
            }
            _ => None,
        };
        let header = match value.map(|v| HeaderValue::from_str(&Zeroizing::new(v))) {
            Some(Ok(mut h)) => {
                h.set_sensitive(true);
                Some(h)
            }
            Some(Err(_)) => {
                return Err(Ok(Err(OpError::Client(
                    OciDistributionError::GenericError(Some(
                        "the credentials or token are not a valid header value".into(),
                    )),
                ))))
            }
            None => None,
        };
        self.tokens.retain(|(s, _, _)| *s != scope);
        self.tokens.push((scope, header.clone(), Instant::now()));
        Ok(header)
    }

    /// `GET /v2/`, once: an open registry needs no credentials (and oci-client is told none);
    /// otherwise the credentials are handed to oci-client, after checking where they would go:
    /// the token service (the Bearer challenge's `realm`) on another host must be HTTPS, unless
    /// the registry itself is plain HTTP on loopback. Network trouble is left to the operation.
    fn probe(&mut self, deadline: &Deadline) -> Result<(), Failure> {
        let scheme = if self.plain { "http" } else { "https" };
        let url = format!("{scheme}://{}/v2/", self.host);
        let http = self.http.clone();
        // Short: a silent server must not cost a full request deadline before the first try.
        let (limit, _) = deadline.limit(if self.may_fall_back {
            PROBE_TIMEOUT
        } else {
            PROBE_TIMEOUT * 2
        });
        let fetched = net::run(&self.rt, limit, async move {
            let resp = http.get(&url).send().await?;
            let challenge = resp
                .headers()
                .get("WWW-Authenticate")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            Ok::<_, reqwest::Error>((resp.status().as_u16(), challenge))
        });
        let no_tls = |e: &reqwest::Error| {
            let chain = error_chain(e);
            e.is_connect() && !chain.contains("certificate")
        };
        let (status, challenge) = match fetched {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) if self.may_fall_back && no_tls(&e) => {
                // A loopback host that does not speak TLS: plain HTTP now, as Docker does,
                // rather than after a second HTTPS try by the operation.
                self.may_fall_back = false;
                self.plain = true;
                self.client = None;
                self.tokens.clear();
                return self.probe(deadline);
            }
            _ => {
                if !self.may_fall_back {
                    // Not reached: offer the credentials as usual, do not ask again, and let
                    // the operation report.
                    self.probed = true;
                    self.store_auth();
                }
                return Ok(());
            }
        };
        self.probed = true;
        // It answered over this scheme: if that was HTTPS, TLS works and there is no fallback.
        self.may_fall_back = false;
        if status == 200 && matches!(self.auth, RegistryAuth::Anonymous) {
            self.open = true;
            return Ok(());
        }
        self.open = false;
        if matches!(self.auth, RegistryAuth::Basic(..)) {
            if let Some(challenge) = challenge {
                self.check_realm(&challenge)?;
            }
        }
        self.store_auth();
        Ok(())
    }

    fn check_realm(&self, challenge: &str) -> Result<(), Failure> {
        let Some(realm) = bearer_realm(challenge) else {
            return Ok(());
        };
        let bad = |why: &str| {
            Failure::new(format!(
                "its token service {} {why}: credentials not sent",
                net::sanitize(&realm)
            ))
        };
        let Ok(url) = reqwest::Url::parse(&realm) else {
            return Err(bad("is not a URL"));
        };
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err(bad("has no host")),
        };
        let same_host = host == self.host;
        let loopback_plain = self.plain && self.on_loopback();
        match url.scheme() {
            "https" => Ok(()),
            "http" if same_host || loopback_plain => Ok(()),
            "http" => Err(bad("is plain HTTP on another host (HTTPS required)")),
            _ => Err(bad("is not HTTP(S)")),
        }
    }

    /// Whether the registry is on loopback (where plain HTTP is tolerated).
    fn on_loopback(&self) -> bool {
        super::reference::RegistryRef::parse(&format!("{}/x", self.host))
            .map(|r| r.is_loopback())
            .unwrap_or(false)
    }

    /// A failure as the user sees it: the registry, what was being done, why, and the fix.
    fn error(&self, f: Failure) -> anyhow::Error {
        let host = net::sanitize(&self.host);
        match f.status {
            Some(401) => match self.auth {
                RegistryAuth::Anonymous => anyhow!(
                    "registry {host} requires credentials: set REGISTRY_USERNAME and \
                     REGISTRY_PASSWORD, or run `docker login {host}`"
                ),
                _ => anyhow!(
                    "authentication to registry {host} failed (HTTP 401): check the credentials \
                     (REGISTRY_USERNAME/REGISTRY_PASSWORD or `docker login {host}`)"
                ),
            },
            Some(403) => anyhow!(
                "registry {host}: {} (the credentials lack access)",
                f.message
            ),
            _ if f.message.contains("certificate") => anyhow!(
                "registry {host}: TLS certificate not trusted ({}): add the registry's CA with \
                 --ca-file FILE (or to the system trust store), or use --insecure to skip the check",
                f.message
            ),
            _ if f.connect => anyhow!("cannot reach registry {host}: {}", f.message),
            _ => anyhow!("registry {host}: {}", f.message),
        }
    }

    fn fail<T>(&self, r: Result<T, Failure>) -> Result<T> {
        r.map_err(|f| self.error(f))
    }
}

fn build_client(net: &Options, plain: bool) -> Result<Client> {
    let mut extra = Vec::new();
    if let Some(path) = &net.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("--ca-file {}: cannot read", path.display()))?;
        if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
            bail!("--ca-file {}: no PEM certificate in it", path.display());
        }
        extra.push(Certificate {
            encoding: CertificateEncoding::Pem,
            data: pem,
        });
    }
    let config = ClientConfig {
        protocol: if plain {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        accept_invalid_certificates: net.insecure,
        // One POST and one PUT per blob, as before; and a failed try restarts from the POST.
        use_monolithic_push: true,
        extra_root_certificates: extra,
        // Our store asks for one thing at a time; nothing to parallelize here.
        max_concurrent_upload: 1,
        max_concurrent_download: 1,
        read_timeout: Some(net::READ_TIMEOUT),
        connect_timeout: Some(net::CONNECT_TIMEOUT),
        user_agent: concat!("trustacks-xtask/", env!("CARGO_PKG_VERSION")),
        // Proxies: reqwest reads HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY (either case)
        // from the environment itself, as curl does, when none is set here.
        ..ClientConfig::default()
    };
    // `Client::new` would fall back silently to a default client on a bad CA file.
    Client::try_from(config).map_err(|e| anyhow!("TLS setup: {}", net::sanitize(&e.to_string())))
}

/// The plain reqwest client for manifest reads: the same TLS, proxy and timeout settings as
/// oci-client's, and redirects only to `http(s)` URLs with a host (reqwest drops
/// `Authorization` when a redirect changes host).
fn build_http(net: &Options) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .connect_timeout(net::CONNECT_TIMEOUT)
        .read_timeout(net::READ_TIMEOUT)
        .user_agent(concat!("trustacks-xtask/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(net.insecure)
        .redirect(reqwest::redirect::Policy::custom(|a| {
            let ok = matches!(a.url().scheme(), "http" | "https") && a.url().host_str().is_some();
            if a.previous().len() >= 5 {
                a.error("too many redirects")
            } else if !ok {
                a.error("redirect to a URL that is not http(s) with a host")
            } else {
                a.follow()
            }
        }));
    if let Some(path) = &net.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("--ca-file {}: cannot read", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|_| anyhow!("--ca-file {}: not a PEM certificate file", path.display()))?;
        b = b.tls_certs_merge(certs);
    }
    b.build()
        .map_err(|e| anyhow!("TLS setup: {}", net::sanitize(&e.to_string())))
}

/// Sorts a failed try into retryable or not, in one sanitized line without URLs (upload URLs
/// carry state).
fn classify(e: &OpError) -> Failure {
    let e = match e {
        OpError::Client(e) => e,
        OpError::Http {
            code,
            body,
            retry_after,
        } => {
            let code = *code;
            return Failure {
                retry: net::retryable_status(code).then(|| format!("HTTP {code}")),
                status: Some(code),
                message: status_line(code, &envelope_text(body)),
                connect: false,
                retry_after: *retry_after,
            };
        }
    };
    let status = |code: u16, detail: &str| Failure {
        retry: net::retryable_status(code).then(|| format!("HTTP {code}")),
        status: Some(code),
        message: status_line(code, detail),
        connect: false,
        retry_after: None,
    };
    match e {
        OciDistributionError::ServerError { code, message, .. } => {
            status(*code, &envelope_text(message))
        }
        OciDistributionError::RegistryError { envelope, .. } => {
            // oci-client keeps the error codes of a 4xx answer, not its status.
            let code = |x: &oci_client::errors::OciError| {
                serde_json::to_value(&x.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            };
            let detail = envelope
                .errors
                .first()
                .map(|x| format!("{}: {}", code(x), x.message))
                .unwrap_or_default();
            let codes: Vec<String> = envelope.errors.iter().map(code).collect();
            let has = |c: &str| codes.iter().any(|x| x == c);
            let status = if has("TOOMANYREQUESTS") {
                Some(429)
            } else if has("UNAUTHORIZED") {
                Some(401)
            } else if has("DENIED") {
                Some(403)
            } else if has("MANIFEST_UNKNOWN") || has("NAME_UNKNOWN") || has("BLOB_UNKNOWN") {
                Some(404)
            } else {
                None
            };
            Failure {
                retry: (status == Some(429)).then(|| "HTTP 429".to_string()),
                status,
                message: net::sanitize(&detail),
                connect: false,
                retry_after: None,
            }
        }
        OciDistributionError::UnauthorizedError { .. } => status(401, ""),
        OciDistributionError::AuthenticationFailure(m) => Failure {
            retry: None,
            status: Some(401),
            message: net::sanitize(m),
            connect: false,
            retry_after: None,
        },
        OciDistributionError::RequestError(r) => {
            if let Some(code) = r.status() {
                return status(code.as_u16(), "");
            }
            let chain = error_chain(r);
            // A TLS server whose certificate we refuse: no retry, and no plain-HTTP fallback.
            let untrusted = chain.contains("certificate");
            let retry = if r.is_builder() || r.is_redirect() || untrusted {
                None
            } else if r.is_timeout() {
                Some("a timeout".to_string())
            } else {
                Some("a connection error".to_string())
            };
            // reqwest's read timeout: say what it means rather than "operation timed out".
            let message = if r.is_timeout() && !r.is_connect() {
                format!(
                    "read timed out ({}s; server too slow or silent)",
                    net::READ_TIMEOUT.as_secs()
                )
            } else {
                chain
            };
            Failure {
                retry,
                status: None,
                message,
                connect: r.is_connect() && !untrusted,
                retry_after: None,
            }
        }
        OciDistributionError::IoError(io) => Failure {
            retry: Some("a connection error".into()),
            status: None,
            message: net::sanitize(&io.to_string()),
            connect: false,
            retry_after: None,
        },
        other => Failure {
            retry: None,
            status: None,
            message: net::sanitize(&strip_urls(&other.to_string())),
            connect: false,
            retry_after: None,
        },
    }
}

/// Prefixes a failure's message with the operation (`PUT manifest dev: HTTP 400 ...`), once.
fn named(what: &str, f: Failure) -> Failure {
    if f.message.starts_with(what) {
        return f;
    }
    Failure {
        message: format!("{what}: {}", f.message),
        ..f
    }
}

/// A manifest PUT refused because the registry cannot find a blob it had just confirmed (we
/// check or upload every blob first). Docker Distribution's filesystem storage rewrites a
/// repository's blob link in place when another client commits the same blob, and a manifest
/// check that reads the link meanwhile fails with DIGEST_INVALID or MANIFEST_BLOB_UNKNOWN;
/// eventually consistent object stores do the like. The next try finds the link whole.
fn lost_blob(f: &Failure) -> Option<String> {
    let codes = ["DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN"];
    (f.status == Some(400) && codes.iter().any(|c| f.message.contains(c)))
        .then(|| "the registry not finding a blob it had confirmed".to_string())
}

/// `HTTP 503 UNAVAILABLE: busy`, sanitized.
fn status_line(code: u16, detail: &str) -> String {
    if detail.trim().is_empty() {
        format!("HTTP {code}")
    } else {
        format!("HTTP {code} {}", net::sanitize(detail))
    }
}

/// The `realm` of a `Bearer` challenge.
fn bearer_realm(challenge: &str) -> Option<String> {
    let (scheme, params) = challenge.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    params.split(',').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("realm")
            .then(|| v.trim().trim_matches('"').to_string())
    })
}

/// A registry's JSON error body as `CODE: message`, or the body itself.
fn envelope_text(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|j| {
            let e = &j["errors"][0];
            Some(format!(
                "{}: {}",
                e["code"].as_str()?,
                e["message"].as_str().unwrap_or("")
            ))
        })
        .unwrap_or_else(|| body.to_string())
}

/// A reqwest error and its causes, without the URL (reqwest prints it; ours carry upload state).
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(u) = e.url() {
        text = text.replace(&format!(" for url ({u})"), "");
    }
    let mut parts = vec![strip_urls(&text)];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    net::sanitize(&parts.join(": "))
}

fn strip_urls(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            if w.contains("://") {
                match w.split_once('?') {
                    Some((base, _)) => base,
                    None => w,
                }
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads a blob stream up to `limit` bytes, refusing more (the size in the signed manifest, not
/// a generous cap: a registry serving more is lying).
async fn read_capped(
    client: &Client,
    image: &Reference,
    digest: &str,
    limit: u64,
) -> Result<Vec<u8>, OciDistributionError> {
    let too_big = |n: u64| {
        OciDistributionError::GenericError(Some(format!(
            "blob {digest} is over its {limit}-byte size ({n} bytes sent)"
        )))
    };
    let mut s = client.pull_blob_stream(image, digest).await?;
    if let Some(len) = s.content_length {
        if len > limit {
            return Err(too_big(len));
        }
    }
    let mut out = Vec::new();
    while let Some(chunk) = s.stream.next().await {
        let chunk = chunk?;
        if (out.len() + chunk.len()) as u64 > limit {
            return Err(too_big((out.len() + chunk.len()) as u64));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// oci-client's client inside an operation that uses it (`call` built it first).
fn need(c: Option<&Client>) -> Result<&Client, OpError> {
    c.ok_or_else(|| OpError::Client(generic("no registry client".into())))
}

fn generic(message: String) -> OciDistributionError {
    OciDistributionError::GenericError(Some(message))
}

fn not_found(f: &Failure) -> bool {
    f.status == Some(404)
}

impl Store for Registry {
    fn has_blob(&mut self, digest: &str) -> Result<bool> {
        let d = digest.to_string();
        // Only destinations are asked: the push scope, which the upload needs next anyway.
        let r = self.call(
            &format!("HEAD blob {digest}"),
            0,
            Some(RegistryOperation::Push),
            |_, ep| {
                let d = d.clone();
                Box::pin(async move { ep.has_blob(&d).await })
            },
        );
        self.fail(r)
    }

    fn put_blob(&mut self, digest: &str, bytes: &[u8], progress: &dyn Fn(u64)) -> Result<()> {
        let data = bytes::Bytes::copy_from_slice(bytes);
        let d = digest.to_string();
        let r = self.call(
            &format!("PUT blob {digest}"),
            bytes.len() as u64,
            Some(RegistryOperation::Push),
            |_, ep| {
                let (d, data) = (d.clone(), data.clone());
                Box::pin(async move { ep.put_blob(&d, data).await })
            },
        );
        self.fail(r)?;
        progress(bytes.len() as u64);
        self.uploaded += 1;
        Ok(())
    }

    fn get_blob(&mut self, digest: &str, limit: u64) -> Result<Vec<u8>> {
        let image = self.reference(digest);
        let d = digest.to_string();
        let r = self.call(&format!("GET blob {digest}"), limit, None, |c, _| {
            let (image, d) = (image.clone(), d.clone());
            Box::pin(async move { Ok(read_capped(need(c)?, &image, &d, limit).await?) })
        });
        self.fail(r)
    }

    fn put_manifest(&mut self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        let data = bytes::Bytes::copy_from_slice(bytes);
        let content_type = HeaderValue::from_str(media_type)
            .map_err(|_| anyhow!("manifest media type {media_type:?} is not a header value"))?;
        let reference_owned = reference.to_string();
        let r = self.call_retrying(
            &format!("PUT manifest {reference}"),
            bytes.len() as u64,
            Some(RegistryOperation::Push),
            lost_blob,
            |_, ep| {
                let (r, data, ct) = (reference_owned.clone(), data.clone(), content_type.clone());
                Box::pin(async move { ep.put_manifest(&r, ct, data).await })
            },
        );
        self.fail(r)
    }

    fn get_manifest(&mut self, reference: &str) -> Result<Option<(Vec<u8>, String)>> {
        const LIMIT: u64 = 4 << 20;
        let accept = ACCEPT.join(", ");
        let reference_owned = reference.to_string();
        // The cap is not a size to wait for: manifests are a few KiB, and a server dripping one
        // would otherwise be given the 64 s that 4 MiB takes at `MIN_RATE`.
        let r = self.call(
            &format!("GET manifest {reference}"),
            0,
            Some(RegistryOperation::Pull),
            |_, ep| {
                let (r, accept) = (reference_owned.clone(), accept.clone());
                Box::pin(async move { ep.get_manifest(&r, &accept, LIMIT).await })
            },
        );
        match r {
            Ok(Some((bytes, media_type))) => {
                // A registry may omit the type; OCI manifests name their own.
                let media_type = media_type
                    .filter(|t| super::ACCEPT.contains(&t.as_str()))
                    .or_else(|| {
                        serde_json::from_slice::<serde_json::Value>(&bytes)
                            .ok()
                            .and_then(|v| v["mediaType"].as_str().map(str::to_string))
                    })
                    .unwrap_or_else(|| super::MANIFEST_V1.to_string());
                Ok(Some((bytes, media_type)))
            }
            Ok(None) => Ok(None),
            Err(f) if not_found(&f) => Ok(None),
            Err(f) => Err(self.error(f)),
        }
    }

    fn blobs_uploaded(&self) -> usize {
        self.uploaded
    }

    fn mount_blob(&mut self, digest: &str, from: &super::Location) -> Result<bool> {
        if from.host != self.host || from.repository == self.repository {
            return Ok(false);
        }
        let image = self.reference("latest");
        let source =
            Reference::with_tag(from.host.clone(), from.repository.clone(), "latest".into());
        let d = digest.to_string();
        let r = self.call(&format!("mount blob {digest}"), 0, None, |c, _| {
            let (image, source, d) = (image.clone(), source.clone(), d.clone());
            Box::pin(async move { Ok(need(c)?.mount_blob(&image, &source, &d).await?) })
        });
        // A registry that will not mount starts an upload instead; we then upload as usual.
        Ok(r.is_ok())
    }

    fn location(&self) -> Option<super::Location> {
        Some(super::Location {
            host: self.host.clone(),
            repository: self.repository.clone(),
        })
    }

    fn referrers_api(&mut self, digest: &str) -> Result<Option<Vec<super::Descriptor>>> {
        const LIMIT: u64 = 4 << 20;
        let d = digest.to_string();
        let r = self.call(
            &format!("GET referrers {digest}"),
            LIMIT,
            Some(RegistryOperation::Pull),
            |_, ep| {
                let d = d.clone();
                Box::pin(async move { ep.get_referrers(&d, LIMIT).await })
            },
        );
        match r {
            Ok(Some(bytes)) => Ok(Some(super::referrers::parse_index(&bytes, digest)?)),
            Ok(None) => Ok(None),
            Err(f) if not_found(&f) => Ok(None),
            Err(f) => Err(self.error(f)),
        }
    }
}

/// Credentials for `host`: the environment first, then the Docker config file.
fn credentials(host: &str) -> Result<Option<(String, Zeroizing<String>)>> {
    if let (Ok(u), Ok(p)) = (
        std::env::var("REGISTRY_USERNAME"),
        std::env::var("REGISTRY_PASSWORD"),
    ) {
        return Ok(Some((u, Zeroizing::new(p))));
    }
    let dir = match std::env::var_os("DOCKER_CONFIG") {
        Some(d) => std::path::PathBuf::from(d),
        None => match std::env::var_os("HOME") {
            Some(h) => std::path::Path::new(&h).join(".docker"),
            None => return Ok(None),
        },
    };
    let path = dir.join("config.json");
    let Ok(bytes) = crate::fsutil::read_limited(&path, MAX_DOCKER_CONFIG) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    match config_credentials(&text, &path, host)? {
        FromConfig::Found(u, p) => Ok(Some((u, p))),
        FromConfig::Helper(h) => credential_helper(&h, host),
        FromConfig::Nothing => Ok(None),
    }
}

/// A Docker config file over this is not read (they are a few KiB).
const MAX_DOCKER_CONFIG: u64 = 1 << 20;

/// What a Docker config file says about a host.
#[derive(Debug)]
enum FromConfig {
    Found(String, Zeroizing<String>),
    /// Ask `docker-credential-<name>`.
    Helper(String),
    Nothing,
}

/// Parses a Docker config file's text (`path` names it in errors) for `host`'s credentials.
fn config_credentials(text: &str, path: &std::path::Path, host: &str) -> Result<FromConfig> {
    let config: serde_json::Value = serde_json::from_str(text)
        .with_context(|| format!("{}: not valid JSON", path.display()))?;
    let names = host_aliases(host);
    if let Some(auths) = config["auths"].as_object() {
        for (key, entry) in auths {
            if !names.contains(&normalize_host(key).as_str()) {
                continue;
            }
            if let Some(auth) = entry["auth"].as_str().filter(|a| !a.is_empty()) {
                let decoded = Zeroizing::new(B64.decode(auth).with_context(|| {
                    format!("{}: auths entry for {key:?} is not base64", path.display())
                })?);
                let text = String::from_utf8_lossy(&decoded);
                if let Some((u, p)) = text.split_once(':') {
                    return Ok(FromConfig::Found(
                        u.to_string(),
                        Zeroizing::new(p.to_string()),
                    ));
                }
            }
            if let (Some(u), Some(p)) = (entry["username"].as_str(), entry["password"].as_str()) {
                return Ok(FromConfig::Found(
                    u.to_string(),
                    Zeroizing::new(p.to_string()),
                ));
            }
        }
    }
    let helper = config["credHelpers"][host]
        .as_str()
        .or(config["credsStore"].as_str());
    Ok(match helper {
        Some(h) => FromConfig::Helper(h.to_string()),
        None => FromConfig::Nothing,
    })
}

/// `docker-credential-<helper> get`, the host on stdin, as docker does. The secret comes back on
/// the helper's stdout, never through an argument list.
fn credential_helper(helper: &str, host: &str) -> Result<Option<(String, Zeroizing<String>)>> {
    let program = helper_program(helper)?;
    let Ok(mut child) = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return Ok(None); // helper not installed: anonymous, as docker would try
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(host.as_bytes());
    }
    let out = child
        .wait_with_output()
        .with_context(|| format!("run {program}"))?;
    if !out.status.success() {
        return Ok(None);
    }
    let out = Zeroizing::new(out.stdout);
    let json: serde_json::Value =
        serde_json::from_slice(&out).map_err(|_| anyhow!("{program} get: answer is not JSON"))?;
    match (json["Username"].as_str(), json["Secret"].as_str()) {
        (Some(u), Some(s)) => Ok(Some((u.to_string(), Zeroizing::new(s.to_string())))),
        _ => Ok(None),
    }
}

/// `docker-credential-<helper>`, refusing a name that is not a plain program name (a config
/// file is outside input: `../x` would run a program by a relative path).
fn helper_program(helper: &str) -> Result<String> {
    let plain = !helper.is_empty()
        && helper.len() <= 64
        && helper
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        && !helper.starts_with('.');
    if !plain {
        bail!("credential helper {helper:?} in the Docker config is not a plain program name");
    }
    Ok(format!("docker-credential-{helper}"))
}

fn normalize_host(key: &str) -> String {
    let k = key
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    k.split('/').next().unwrap_or(k).to_string()
}

fn host_aliases(host: &str) -> Vec<&str> {
    if host == "docker.io" {
        vec!["docker.io", "index.docker.io", "registry-1.docker.io"]
    } else {
        vec![host]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_sort_into_retry_or_not() {
        let server = |code: u16, body: &str| {
            classify(&OpError::Client(OciDistributionError::ServerError {
                code,
                url: "http://h/v2/x/blobs/uploads/u?_state=secret".into(),
                message: body.into(),
            }))
        };
        for code in [408, 429, 500, 502, 503, 504] {
            assert_eq!(server(code, "").retry, Some(format!("HTTP {code}")));
        }
        for code in [400, 403, 404, 405, 501] {
            assert!(server(code, "").retry.is_none(), "{code}");
        }
        let f = server(
            503,
            r#"{"errors":[{"code":"UNAVAILABLE","message":"\u001b[2Jbusy"}]}"#,
        );
        assert_eq!(f.message, "HTTP 503 UNAVAILABLE: \\u{1b}[2Jbusy");
        assert!(!f.message.contains("_state"));
        let envelope: oci_client::errors::OciEnvelope = serde_json::from_str(
            r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#,
        )
        .unwrap();
        let f = classify(&OpError::Client(OciDistributionError::RegistryError {
            envelope,
            url: String::new(),
        }));
        assert_eq!(
            (f.status, f.retry.as_deref()),
            (Some(429), Some("HTTP 429"))
        );
        let envelope: oci_client::errors::OciEnvelope =
            serde_json::from_str(r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no"}]}"#)
                .unwrap();
        let f = classify(&OpError::Client(OciDistributionError::RegistryError {
            envelope,
            url: String::new(),
        }));
        assert!(not_found(&f) && f.retry.is_none());
        // Our own requests keep the status and the registry's Retry-After.
        let f = classify(&OpError::Http {
            code: 429,
            body: r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}"#.into(),
            retry_after: Some(std::time::Duration::from_secs(3)),
        });
        assert_eq!(f.retry.as_deref(), Some("HTTP 429"));
        assert_eq!(f.message, "HTTP 429 TOOMANYREQUESTS: slow down");
        assert_eq!(f.retry_after, Some(std::time::Duration::from_secs(3)));
    }

    #[test]
    fn bearer_realms_parse() {
        assert_eq!(
            bearer_realm(r#"Bearer realm="https://auth.example/token",service="r.example",scope="repository:a/b:pull""#)
                .as_deref(),
            Some("https://auth.example/token")
        );
        assert_eq!(bearer_realm(r#"Basic realm="test""#), None);
        assert_eq!(bearer_realm("Bearer"), None);
    }

    #[test]
    fn docker_config_keys_normalize() {
        assert_eq!(
            normalize_host("https://index.docker.io/v1/"),
            "index.docker.io"
        );
        assert_eq!(normalize_host("127.0.0.1:5000"), "127.0.0.1:5000");
        assert!(host_aliases("docker.io").contains(&"index.docker.io"));
    }

    #[test]
    fn docker_config_auth_is_read() {
        let d = tempfile::tempdir().unwrap();
        let auth = B64.encode("alice:s3cret:with:colons");
        std::fs::write(
            d.path().join("config.json"),
            format!(r#"{{"auths":{{"https://reg.example:5000/v2/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        // The variables are process-wide; this test alone sets them.
        std::env::set_var("DOCKER_CONFIG", d.path());
        std::env::remove_var("REGISTRY_USERNAME");
        let c = credentials("reg.example:5000").unwrap().unwrap();
        assert_eq!(
            (c.0.as_str(), c.1.as_str()),
            ("alice", "s3cret:with:colons")
        );
        assert!(credentials("other.example").unwrap().is_none());
        std::env::remove_var("DOCKER_CONFIG");
    }

    #[test]
    fn docker_config_files_parse_or_fail_in_one_line() {
        use crate::proptests::{check, json_with, one_line, CASES};
        use proptest::prelude::*;
        let input = || {
            let json = json_with(&[
                "auths",
                "auth",
                "username",
                "password",
                "credHelpers",
                "credsStore",
                "reg.example:5000",
                "https://reg.example:5000/v2/",
            ])
            .prop_map(|v| v.to_string());
            prop_oneof![any::<String>(), json]
        };
        check("Docker config files", CASES, input, |text| {
            let path = std::path::Path::new("config.json");
            match config_credentials(&text, path, "reg.example:5000") {
                Ok(FromConfig::Helper(h)) => {
                    if let Err(e) = helper_program(&h) {
                        one_line(&e)?;
                    }
                }
                Ok(_) => {}
                Err(e) => one_line(&e)?,
            }
            Ok(())
        });
    }
}
