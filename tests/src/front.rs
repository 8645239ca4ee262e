//! A fault-injecting, hostile HTTP front for the test registry: listens on 127.0.0.1, forwards
//! to the real `docker-registry` (tests/src/registry.rs), logs every request, and lets a test
//! decide per request — with one closure — to forward, modify, answer itself, drop the
//! connection, never answer, or drip bytes. [`Front::silent`] goes further: it accepts
//! connections and never reads or writes a byte (not even a TLS handshake). Everything stops when the `Front` is dropped, and
//! every front ends by itself after [`MAX_LIFETIME`] so a forgotten one cannot hang CI.
//!
//! ```ignore
//! let reg = TestRegistry::start();
//! let front = Front::start(&reg.addr, modes::every_nth(4, Fault::Status(503)));
//! run(dir, &["policy-bundle", "--to", &format!("{}/p/c:1", front.addr)]).ok();
//! assert!(front.log().iter().any(|r| r.reply == "503"));
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// No front lives longer than this, whatever the test does.
pub const MAX_LIFETIME: Duration = Duration::from_secs(600);
/// Largest request or upstream response the front buffers (tests push small bundles).
const MAX_BODY: usize = 512 << 20;

/// One request as the client sent it (body de-chunked).
#[derive(Clone, Debug)]
pub struct Request {
    /// 1-based index of this request on this front.
    pub n: usize,
    pub method: String,
    /// The request target as sent (path and query).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
    pub fn has_authorization(&self) -> bool {
        self.header("authorization").is_some()
    }
    /// The path without the query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or("")
    }
    /// `GET /v2/<repo>/manifests/<ref>`-style requests: the kind (`manifests`, `blobs`,
    /// `blobs/uploads`, `tags/list`, ...) and the reference after it.
    pub fn is(&self, method: &str, contains: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path.contains(contains)
    }
}

/// A response to send (body whole; the front sets `Content-Length`).
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For HEAD: the upstream `Content-Length` to repeat (no body is sent).
    pub head_length: Option<u64>,
}

impl Response {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            reason: reason(status).to_string(),
            headers: Vec::new(),
            body: body.into(),
            head_length: None,
        }
    }
    /// A Distribution-style JSON error body with `message` inside.
    pub fn oci_error(status: u16, code: &str, message: &str) -> Response {
        let body = serde_json::json!({"errors": [{"code": code, "message": message}]});
        Response::new(status, body.to_string()).with_header("Content-Type", "application/json")
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.set_header(name, value);
        self
    }
    /// Replaces every header of that name.
    pub fn set_header(&mut self, name: &str, value: &str) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
    /// Points an absolute or relative `Location` at `http://{addr}` (same path and query).
    pub fn rewrite_location(&mut self, addr: &str) {
        if let Some(loc) = self.header("location").map(str::to_string) {
            let path = match loc.find("://") {
                Some(i) => loc[i + 3..]
                    .find('/')
                    .map(|j| loc[i + 3 + j..].to_string())
                    .unwrap_or_else(|| "/".into()),
                None => loc,
            };
            self.set_header("Location", &format!("http://{addr}{path}"));
        }
    }
    fn to_bytes(&self, head_only: bool) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, self.reason).into_bytes();
        for (k, v) in &self.headers {
            let skip = ["content-length", "transfer-encoding", "connection"]
                .iter()
                .any(|h| k.eq_ignore_ascii_case(h));
            if !skip {
                out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
            }
        }
        let len = match (head_only, self.head_length) {
            (true, Some(n)) => n,
            _ => self.body.len() as u64,
        };
        out.extend_from_slice(format!("Content-Length: {len}\r\n\r\n").as_bytes());
        if !head_only {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// What the front does with one request.
pub enum Reply {
    /// Write this response (the connection stays open for the next request).
    Send(Response),
    /// Close the connection without a byte of answer.
    Drop,
    /// Read the request, then never answer (until the front is dropped).
    Hang,
    /// Write the response one byte every `every`; with `body_only`, the head goes at once.
    Drip {
        response: Response,
        every: Duration,
        body_only: bool,
    },
}

/// Forwards a request to the real registry.
#[derive(Clone)]
pub struct Upstream {
    addr: String,
}

impl Upstream {
    /// Sends `req` unchanged (its `Host` header kept, so the registry writes URLs that point
    /// back at the front) and returns the registry's answer, or a 502 when it cannot be reached.
    pub fn forward(&self, req: &Request) -> Response {
        self.try_forward(req)
            .unwrap_or_else(|e| Response::new(502, format!("front: upstream: {e}")))
    }

    fn try_forward(&self, req: &Request) -> std::io::Result<Response> {
        let mut s = TcpStream::connect(&self.addr)?;
        s.set_read_timeout(Some(Duration::from_secs(60)))?;
        let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.path).into_bytes();
        for (k, v) in &req.headers {
            let skip = [
                "content-length",
                "transfer-encoding",
                "connection",
                "expect",
            ]
            .iter()
            .any(|h| k.eq_ignore_ascii_case(h));
            if !skip {
                head.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
            }
        }
        if !req.body.is_empty() || ["POST", "PUT", "PATCH"].contains(&req.method.as_str()) {
            head.extend_from_slice(format!("Content-Length: {}\r\n", req.body.len()).as_bytes());
        }
        head.extend_from_slice(b"Connection: close\r\n\r\n");
        s.write_all(&head)?;
        s.write_all(&req.body)?;
        let mut r = BufReader::new(s);
        let (status, reason, headers) = read_head(&mut r, true)?;
        let head_req = req.method.eq_ignore_ascii_case("HEAD");
        let declared = find_header(&headers, "content-length").and_then(|v| v.parse::<u64>().ok());
        let body = if head_req || status == 204 || status == 304 || (100..200).contains(&status) {
            Vec::new()
        } else if is_chunked(&headers) {
            read_chunked(&mut r)?
        } else if let Some(n) = declared {
            read_exact_len(&mut r, n)?
        } else {
            let mut b = Vec::new();
            r.take(MAX_BODY as u64).read_to_end(&mut b)?;
            b
        };
        Ok(Response {
            status,
            reason,
            headers,
            body,
            head_length: if head_req { declared } else { None },
        })
    }
}

/// One logged request and what the front did with it.
#[derive(Clone, Debug)]
pub struct Logged {
    pub n: usize,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// Whether an `Authorization` header was sent.
    pub authorization: bool,
    /// The status sent (`"201"`), or `"drop"`, `"hang"`, `"drip 200"`.
    pub reply: String,
    /// When the request had been read in full (the reply follows at once).
    pub at: Instant,
}

impl Logged {
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

type Headers = Vec<(String, String)>;

type Handler = dyn Fn(&Request, &Upstream) -> Reply + Send + Sync;

struct Shared {
    stop: AtomicBool,
    count: AtomicUsize,
    /// Connections accepted (a silent front counts these, not requests).
    accepted: AtomicUsize,
    /// Accept connections and leave them untouched.
    silent: bool,
    log: Mutex<Vec<Logged>>,
    conns: Mutex<Vec<TcpStream>>,
    handler: Box<Handler>,
    upstream: Upstream,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// A running front. Dropping it stops the listener and closes every open connection.
pub struct Front {
    /// `127.0.0.1:PORT`
    pub addr: String,
    shared: Arc<Shared>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl Front {
    /// A front on a free loopback port that forwards to `upstream` (`127.0.0.1:PORT`), asking
    /// `handler` what to do with each request.
    pub fn start<F>(upstream: &str, handler: F) -> Front
    where
        F: Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static,
    {
        Front::listen(upstream, false, handler)
    }

    /// A front that accepts every connection and never reads or answers a byte on it (a hung
    /// server, or a firewall that completes the handshake): the client's TLS handshake gets
    /// no answer either. Nothing is logged; [`Front::accepted`] counts the connections.
    pub fn silent() -> Front {
        Front::listen("127.0.0.1:9", true, |_, _| Reply::Hang)
    }

    fn listen<F>(upstream: &str, silent: bool, handler: F) -> Front
    where
        F: Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind front");
        let addr = listener.local_addr().expect("front addr").to_string();
        listener.set_nonblocking(true).expect("nonblocking");
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            count: AtomicUsize::new(0),
            accepted: AtomicUsize::new(0),
            silent,
            log: Mutex::new(Vec::new()),
            conns: Mutex::new(Vec::new()),
            handler: Box::new(handler),
            upstream: Upstream {
                addr: upstream.to_string(),
            },
        });
        let sh = shared.clone();
        let accept = std::thread::spawn(move || {
            let born = Instant::now();
            while !sh.stopped() && born.elapsed() < MAX_LIFETIME {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        sh.accepted.fetch_add(1, Ordering::SeqCst);
                        if let Ok(c) = stream.try_clone() {
                            sh.conns.lock().unwrap().push(c);
                        }
                        if sh.silent {
                            // Held open (its clone is in `conns`) until the front stops.
                            drop(stream);
                            continue;
                        }
                        let sh = sh.clone();
                        std::thread::spawn(move || serve(stream, &sh));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            sh.stop.store(true, Ordering::SeqCst);
            close_all(&sh);
        });
        Front {
            addr,
            shared,
            accept: Some(accept),
        }
    }

    /// A front that forwards everything unchanged (a logging proxy).
    pub fn forwarding(upstream: &str) -> Front {
        Front::start(upstream, |req, up| Reply::Send(up.forward(req)))
    }

    /// Every request so far, in arrival order.
    pub fn log(&self) -> Vec<Logged> {
        let mut l = self.shared.log.lock().unwrap().clone();
        l.sort_by_key(|r| r.n);
        l
    }

    /// How many requests arrived.
    pub fn count(&self) -> usize {
        self.shared.count.load(Ordering::SeqCst)
    }

    /// How many connections were accepted.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        close_all(&self.shared);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn close_all(sh: &Shared) {
    for c in sh.conns.lock().unwrap().drain(..) {
        let _ = c.shutdown(Shutdown::Both);
    }
}

/// Serves requests on one client connection until it closes or the front stops.
fn serve(stream: TcpStream, sh: &Shared) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let Ok(mut w) = stream.try_clone() else {
        return;
    };
    let mut r = BufReader::new(stream);
    while !sh.stopped() {
        let req = match read_request(&mut r, &mut w) {
            Ok(Some(req)) => req,
            _ => return,
        };
        let at = Instant::now();
        let n = sh.count.fetch_add(1, Ordering::SeqCst) + 1;
        let req = Request { n, ..req };
        let reply = (sh.handler)(&req, &sh.upstream);
        let head_only = req.method.eq_ignore_ascii_case("HEAD");
        let what = match &reply {
            Reply::Send(resp) => resp.status.to_string(),
            Reply::Drop => "drop".into(),
            Reply::Hang => "hang".into(),
            Reply::Drip { response, .. } => format!("drip {}", response.status),
        };
        sh.log.lock().unwrap().push(Logged {
            n,
            method: req.method.clone(),
            path: req.path.clone(),
            headers: req.headers.clone(),
            authorization: req.has_authorization(),
            reply: what,
            at,
        });
        match reply {
            Reply::Send(resp) => {
                if w.write_all(&resp.to_bytes(head_only)).is_err() {
                    return;
                }
                let close = req
                    .header("connection")
                    .is_some_and(|v| v.eq_ignore_ascii_case("close"));
                if close {
                    let _ = w.shutdown(Shutdown::Both);
                    return;
                }
            }
            Reply::Drop => {
                let _ = w.shutdown(Shutdown::Both);
                return;
            }
            Reply::Hang => {
                while !sh.stopped() {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return;
            }
            Reply::Drip {
                response,
                every,
                body_only,
            } => {
                let bytes = response.to_bytes(head_only);
                let start = if body_only {
                    bytes.len() - if head_only { 0 } else { response.body.len() }
                } else {
                    0
                };
                if w.write_all(&bytes[..start]).is_err() {
                    return;
                }
                for b in &bytes[start..] {
                    if !sleep_unless_stopped(sh, every) || w.write_all(&[*b]).is_err() {
                        return;
                    }
                }
                let _ = w.shutdown(Shutdown::Both);
                return;
            }
        }
    }
}

fn sleep_unless_stopped(sh: &Shared, d: Duration) -> bool {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if sh.stopped() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10).min(d));
    }
    !sh.stopped()
}

fn read_request(
    r: &mut BufReader<TcpStream>,
    w: &mut TcpStream,
) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        return Err(bad("request line"));
    };
    let (method, path) = (method.to_string(), path.to_string());
    let (_, _, headers) = read_head(r, false)?;
    if find_header(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = if is_chunked(&headers) {
        read_chunked(r)?
    } else {
        match find_header(&headers, "content-length").and_then(|v| v.parse::<u64>().ok()) {
            Some(n) => read_exact_len(r, n)?,
            None => Vec::new(),
        }
    };
    Ok(Some(Request {
        n: 0,
        method,
        path,
        headers,
        body,
    }))
}

/// Reads a status line (when `status_line`) and headers up to the blank line.
fn read_head(r: &mut impl BufRead, status_line: bool) -> std::io::Result<(u16, String, Headers)> {
    let mut status = 0;
    let mut reason_text = String::new();
    if status_line {
        let mut line = String::new();
        r.read_line(&mut line)?;
        let mut parts = line.trim_end().splitn(3, ' ');
        parts.next();
        status = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        reason_text = parts.next().unwrap_or("").to_string();
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if r.read_line(&mut line)? == 0 {
            return Err(bad("headers cut short"));
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    Ok((status, reason_text, headers))
}

fn read_exact_len(r: &mut impl Read, n: u64) -> std::io::Result<Vec<u8>> {
    if n > MAX_BODY as u64 {
        return Err(bad("body too large for the front"));
    }
    let mut b = vec![0; n as usize];
    r.read_exact(&mut b)?;
    Ok(b)
}

fn read_chunked(r: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line)?;
        let size = line.trim().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("chunk size"))?;
        if out.len() + size > MAX_BODY {
            return Err(bad("body too large for the front"));
        }
        if size == 0 {
            // Trailers up to the blank line.
            loop {
                let mut t = String::new();
                if r.read_line(&mut t)? == 0 || t.trim().is_empty() {
                    return Ok(out);
                }
            }
        }
        let start = out.len();
        out.resize(start + size, 0);
        r.read_exact(&mut out[start..])?;
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)?;
    }
}

fn is_chunked(headers: &[(String, String)]) -> bool {
    find_header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("front: bad {what}"),
    )
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        408 => "Request Timeout",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A transient fault for [`modes::every_nth`].
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this status (and an OCI error body).
    Status(u16),
    /// 429 with `Retry-After: 1`.
    TooMany,
    /// 429 with this `Retry-After` value (seconds or an HTTP-date).
    TooManyAfter(String),
    /// Close the connection without answering.
    Drop,
}

impl Fault {
    pub fn reply(&self) -> Reply {
        match self {
            Fault::Status(s) => {
                Reply::Send(Response::oci_error(*s, "UNAVAILABLE", "injected fault"))
            }
            Fault::TooMany => Reply::Send(
                Response::oci_error(429, "TOOMANYREQUESTS", "slow down")
                    .with_header("Retry-After", "1"),
            ),
            Fault::TooManyAfter(value) => Reply::Send(
                Response::oci_error(429, "TOOMANYREQUESTS", "slow down")
                    .with_header("Retry-After", value),
            ),
            Fault::Drop => Reply::Drop,
        }
    }
}

/// Ready-made handlers for the common modes; write a closure for anything else.
pub mod modes {
    use super::*;

    /// Requests n, 2n, 3n, ... get `fault`; the rest are forwarded.
    pub fn every_nth(
        n: usize,
        fault: Fault,
    ) -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        move |req, up| {
            if n > 0 && req.n % n == 0 {
                fault.reply()
            } else {
                Reply::Send(up.forward(req))
            }
        }
    }

    /// Every request gets `status`.
    pub fn always(status: u16) -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        move |_, _| Fault::Status(status).reply()
    }

    /// Every request is read and never answered.
    pub fn never_answer() -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        |_, _| Reply::Hang
    }

    /// Every answer is forwarded one byte per `every` (head included unless `body_only`).
    pub fn drip(
        every: Duration,
        body_only: bool,
    ) -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        move |req, up| Reply::Drip {
            response: up.forward(req),
            every,
            body_only,
        }
    }

    /// Upload `Location`s point at `other` (another front, which logs `Authorization`).
    pub fn upload_location_to(
        other: String,
    ) -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        move |req, up| {
            let mut resp = up.forward(req);
            if req.path.contains("/blobs/uploads/") {
                resp.rewrite_location(&other);
            }
            Reply::Send(resp)
        }
    }

    /// Every request is answered with a redirect to `location` (e.g. `http:///x`, `ftp://h/x`).
    pub fn redirect_to(
        location: &'static str,
    ) -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        move |_, _| Reply::Send(Response::new(307, "").with_header("Location", location))
    }

    /// Error answers carry terminal escape sequences: with `raw`, as bytes in a text body;
    /// otherwise as JSON `\u001b` escapes in a Distribution error message (ESC once decoded).
    pub fn escape_errors(
        raw: bool,
    ) -> impl Fn(&Request, &Upstream) -> Reply + Send + Sync + 'static {
        move |_, _| {
            let text = "\u{1b}]0;pwned\u{7}\u{1b}[2Jdenied";
            Reply::Send(if raw {
                Response::new(400, text).with_header("Content-Type", "text/plain")
            } else {
                Response::oci_error(400, "DENIED", text)
            })
        }
    }
}

/// OCI documents a hostile registry serves.
pub mod hostile {
    /// A cosign-style `.sig` manifest with `layers` signature layers, all pointing at the same
    /// (real or not) `layer_digest` of `layer_size` bytes.
    pub fn sig_manifest(layers: usize, layer_digest: &str, layer_size: u64) -> Vec<u8> {
        let one = serde_json::json!({
            "mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
            "size": layer_size,
            "digest": layer_digest,
            "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQ=="},
        });
        let config = serde_json::json!({
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": 2,
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        });
        serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config,
            "layers": vec![one; layers],
        }))
        .expect("json")
    }

    /// Replaces every `"digest":"sha256:<hex>"` in a JSON document by a path-traversal digest.
    pub fn traversal_digests(doc: &[u8]) -> Vec<u8> {
        let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(doc) else {
            return doc.to_vec();
        };
        fn walk(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(m) => {
                    for (k, x) in m.iter_mut() {
                        if k == "digest" {
                            *x = "sha256:../../../../_catalog?n=1#".into();
                        } else {
                            walk(x);
                        }
                    }
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
                _ => {}
            }
        }
        walk(&mut v);
        serde_json::to_vec(&v).expect("json")
    }
}
