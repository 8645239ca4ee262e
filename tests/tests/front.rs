//! Self-test of the hostile front (tests/src/front.rs) against the real registry, with a raw
//! HTTP client: each mode does what the fault tests rely on.

use e2e::front::{hostile, modes, Fault, Front, Reply, Response};
use e2e::registry::TestRegistry;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

/// One request on a fresh connection (`Connection: close`), read to the end.
fn http(addr: &str, method: &str, path: &str, headers: &[&str], body: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head,
        body: raw[split..].to_vec(),
    }
}

fn header<'a>(a: &'a Answer, name: &str) -> Option<&'a str> {
    a.head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[test]
fn forwards_logs_and_injects_transient_faults() {
    let reg = TestRegistry::start();
    let front = Front::start(&reg.addr, modes::every_nth(2, Fault::Status(503)));
    assert_eq!(http(&front.addr, "GET", "/v2/", &[], b"").status, 200);
    let a = http(
        &front.addr,
        "GET",
        "/v2/",
        &["Authorization: Basic eDp5"],
        b"",
    );
    assert_eq!(a.status, 503);
    assert!(String::from_utf8_lossy(&a.body).contains("injected fault"));
    assert_eq!(http(&front.addr, "GET", "/v2/", &[], b"").status, 200);
    let log = front.log();
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter().map(|r| r.reply.as_str()).collect::<Vec<_>>(),
        ["200", "503", "200"]
    );
    assert!(!log[0].authorization && log[1].authorization);
    assert_eq!(log[1].header("authorization"), Some("Basic eDp5"));

    let too_many = Front::start(&reg.addr, modes::every_nth(1, Fault::TooMany));
    let a = http(&too_many.addr, "GET", "/v2/", &[], b"");
    assert_eq!((a.status, header(&a, "retry-after")), (429, Some("1")));

    let dropping = Front::start(&reg.addr, modes::every_nth(1, Fault::Drop));
    let a = http(&dropping.addr, "GET", "/v2/", &[], b"");
    assert_eq!((a.status, a.head.len()), (0, 0), "no byte of answer");

    let down = Front::start(&reg.addr, modes::always(503));
    assert_eq!(http(&down.addr, "GET", "/v2/", &[], b"").status, 503);
    assert_eq!(http(&down.addr, "GET", "/v2/", &[], b"").status, 503);
}

#[test]
fn never_answer_holds_until_dropped_and_drip_is_slow() {
    let reg = TestRegistry::start();
    let front = Front::start(&reg.addr, modes::never_answer());
    let mut s = TcpStream::connect(&front.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    write!(s, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 16];
    let e = s.read(&mut buf).expect_err("no answer");
    assert!(matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    // Closed (EOF), not timed out: the read's bound is only there to end a hung test.
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    drop(front);
    assert_eq!(s.read(&mut buf).expect("closed when dropped"), 0);

    let drip = Front::start(&reg.addr, modes::drip(Duration::from_millis(40), true));
    let t = Instant::now();
    let a = http(&drip.addr, "GET", "/v2/", &[], b"");
    assert_eq!(a.status, 200);
    // The body "{}" arrives one byte per 40 ms.
    assert_eq!(a.body, b"{}");
    assert!(t.elapsed() >= Duration::from_millis(80));
    let slow_head = Front::start(&reg.addr, modes::drip(Duration::from_millis(2), false));
    assert_eq!(http(&slow_head.addr, "GET", "/v2/", &[], b"").status, 200);
}

#[test]
fn a_silent_front_accepts_and_never_reads_nor_answers() {
    let front = Front::silent();
    let mut s = TcpStream::connect(&front.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    // A TLS ClientHello's first bytes, then a request: neither gets a byte back.
    s.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05]).unwrap();
    write!(s, "GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 16];
    let e = s.read(&mut buf).expect_err("no answer");
    assert!(matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    let _second = TcpStream::connect(&front.addr).unwrap();
    let t = Instant::now();
    while front.accepted() < 2 && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        (front.accepted(), front.count()),
        (2, 0),
        "accepted, never read"
    );
    assert!(front.log().is_empty());
    // Closed (EOF), not timed out: the read's bound is only there to end a hung test.
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    drop(front);
    assert_eq!(s.read(&mut buf).expect("closed when dropped"), 0);
}

#[test]
fn upload_location_moves_to_another_host_which_logs_authorization() {
    let reg = TestRegistry::start();
    let other = Front::forwarding(&reg.addr);
    let front = Front::start(&reg.addr, modes::upload_location_to(other.addr.clone()));
    let a = http(&front.addr, "POST", "/v2/p/c/blobs/uploads/", &[], b"");
    assert_eq!(a.status, 202, "{}", a.head);
    let loc = header(&a, "location").expect("location").to_string();
    let prefix = format!("http://{}/", other.addr);
    assert!(loc.starts_with(&prefix), "{loc}");
    let blob = b"hello front";
    let digest = format!("sha256:{}", sha256_hex(blob));
    let sep = if loc.contains('?') { '&' } else { '?' };
    let put_path = format!("/{}{sep}digest={digest}", &loc[prefix.len()..]);
    let a = http(
        &other.addr,
        "PUT",
        &put_path,
        &["Authorization: Bearer leaked-token"],
        blob,
    );
    assert_eq!(a.status, 201, "{}", a.head);
    let got = http(
        &front.addr,
        "GET",
        &format!("/v2/p/c/blobs/{digest}"),
        &[],
        b"",
    );
    assert_eq!(got.body, blob);
    let head = http(
        &front.addr,
        "HEAD",
        &format!("/v2/p/c/blobs/{digest}"),
        &[],
        b"",
    );
    assert_eq!(head.status, 200);
    assert_eq!(header(&head, "content-length"), Some("11"));
    assert!(head.body.is_empty());
    let log = other.log();
    assert_eq!(log.len(), 1);
    assert!(log[0].authorization && log[0].method == "PUT");
}

#[test]
fn hostile_answers_are_what_they_say() {
    let reg = TestRegistry::start();
    let redirect = Front::start(&reg.addr, modes::redirect_to("http:///no-host"));
    let a = http(&redirect.addr, "GET", "/v2/p/c/manifests/1", &[], b"");
    assert_eq!(
        (a.status, header(&a, "location")),
        (307, Some("http:///no-host"))
    );

    let esc = Front::start(&reg.addr, modes::escape_errors(true));
    let a = http(&esc.addr, "GET", "/v2/", &[], b"");
    assert_eq!(a.status, 400);
    assert!(a.body.contains(&0x1b));
    let esc = Front::start(&reg.addr, modes::escape_errors(false));
    let a = http(&esc.addr, "GET", "/v2/", &[], b"");
    let v: serde_json::Value = serde_json::from_slice(&a.body).unwrap();
    assert!(v["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains('\u{1b}'));

    let sig = hostile::sig_manifest(5000, &format!("sha256:{}", "0".repeat(64)), 1 << 20);
    assert!(sig.len() < 4 << 20);
    let v: serde_json::Value = serde_json::from_slice(&sig).unwrap();
    assert_eq!(v["layers"].as_array().unwrap().len(), 5000);
    let bad = hostile::traversal_digests(&sig);
    assert!(String::from_utf8_lossy(&bad).contains("sha256:../../../../_catalog"));

    // A layer served bigger than its descriptor: the closure modifies what the registry says.
    let blob = vec![7u8; 100];
    let digest = format!("sha256:{}", sha256_hex(&blob));
    let post = http(&reg.addr, "POST", "/v2/p/c/blobs/uploads/", &[], b"");
    let loc = header(&post, "location").expect("location");
    let path = &loc[loc.find("/v2/").expect("path")..];
    let put = http(
        &reg.addr,
        "PUT",
        &format!("{path}&digest={digest}"),
        &[],
        &blob,
    );
    assert_eq!(put.status, 201, "{}", put.head);
    let big = Front::start(&reg.addr, |req, up| {
        let mut r = up.forward(req);
        if req.is("GET", "/blobs/sha256:") {
            r.body.extend(std::iter::repeat_n(0u8, 1 << 20));
        }
        Reply::Send(r)
    });
    let a = http(
        &big.addr,
        "GET",
        &format!("/v2/p/c/blobs/{digest}"),
        &[],
        b"",
    );
    assert_eq!(a.body.len(), 100 + (1 << 20));
    assert_eq!(
        header(&a, "content-length"),
        Some((100 + (1 << 20)).to_string().as_str())
    );
    let custom = Front::start(&reg.addr, |_, _| {
        Reply::Send(Response::new(418, "teapot").with_header("X-A", "b"))
    });
    let a = http(&custom.addr, "GET", "/", &[], b"");
    assert_eq!((a.status, header(&a, "x-a")), (418, Some("b")));
}
