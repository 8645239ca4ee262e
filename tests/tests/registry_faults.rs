//! The transport against a faulty or hostile registry: the fault-injecting front
//! (tests/src/front.rs) before the real `docker-registry`. Transient faults are retried and
//! the push verifies; permanent ones fail in bounded time with one line and no tag; credentials
//! stay with their host; nothing from the network reaches the terminal raw; no answer makes the
//! process panic; a `.sig` manifest cannot make us fetch more than cosign's 1000 layers.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use e2e::front::{hostile, modes, Fault, Front, Reply, Response};
use e2e::registry::TestRegistry;
use e2e::{run, sample_copy, xtask, Run};

const PW: &str = "correct horse battery staple";

fn bundle(cwd: &Path, to: &str, extra: &[&str]) -> Run {
    let mut args = vec!["policy-bundle", "--to", to, "--plain-http"];
    args.extend_from_slice(extra);
    xtask(cwd, &args)
        .env("COSIGN_PASSWORD", PW)
        .output()
        .expect("run")
        .into()
}

/// `bundle` with the registry credentials of `TestRegistry::start_with_auth("ci-bot", ...)`.
fn bundle_as_ci_bot(cwd: &Path, to: &str) -> Run {
    xtask(cwd, &["policy-bundle", "--to", to, "--plain-http"])
        .env("COSIGN_PASSWORD", PW)
        .env("REGISTRY_USERNAME", "ci-bot")
        .env("REGISTRY_PASSWORD", "registry-pass-123")
        .output()
        .expect("run")
        .into()
}

/// A failure is one `error:` line, no panic, no escape byte.
fn clean_failure(r: &Run) {
    r.failed();
    assert_eq!(r.code, 1, "an error exit, not a panic or an abort: {r}");
    assert!(!r.stderr.contains("panicked"), "{r}");
    assert!(
        !r.stderr.contains('\x1b') && !r.stdout.contains('\x1b'),
        "{r:?}"
    );
    let e = r.error_line();
    assert!(e.len() < 600, "one short line: {e}");
}

#[test]
fn transient_faults_are_retried_and_the_push_verifies() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    for (i, fault) in [
        Fault::Status(503),
        Fault::TooMany,
        Fault::Drop,
        Fault::Status(502),
    ]
    .into_iter()
    .enumerate()
    {
        let front = Front::start(&reg.addr, modes::every_nth(3, fault));
        let to = format!("{}/p/c{i}:dev", front.addr);
        let r = bundle(d.path(), &to, &[]);
        r.ok();
        assert!(r.stderr.contains("retrying "), "{r}");
        assert!(
            r.stderr
                .lines()
                .filter(|l| l.starts_with("retrying "))
                .all(|l| l.contains("/5), waiting ")),
            "{r}"
        );
        // Verified straight at the registry, past the front.
        run(
            d.path(),
            &[
                "policy-verify",
                &format!("{}/p/c{i}:dev", reg.addr),
                "--plain-http",
            ],
        )
        .ok();
        // And by sigstore-rs, independently.
        // `pushed  REPO@sha256:<64 hex>`
        let digest = r
            .stdout
            .split_once('@')
            .and_then(|(_, rest)| rest.get(..71))
            .unwrap_or_else(|| panic!("no digest printed: {r}"));
        let key = std::fs::read(d.path().join(".policy-keys/cosign.pub")).unwrap();
        assert_eq!(
            e2e::sigstore_verify(&reg.addr, &format!("p/c{i}"), digest, &key),
            Ok(1)
        );
    }
}

/// A front that answers the first blob `PUT` with 429 and `Retry-After: <retry_after()>`.
fn refuse_first_upload_put(
    reg: &TestRegistry,
    retry_after: impl Fn() -> String + Send + Sync + 'static,
) -> Front {
    let refused = AtomicBool::new(false);
    Front::start(&reg.addr, move |req, up| {
        if req.is("PUT", "/blobs/uploads/") && !refused.swap(true, Ordering::SeqCst) {
            Fault::TooManyAfter(retry_after()).reply()
        } else {
            Reply::Send(up.forward(req))
        }
    })
}

/// How long the client waited after the 429 before its next request (the retry's `POST`).
fn wait_after_429(front: &Front) -> Duration {
    let log = front.log();
    let i = log.iter().position(|l| l.reply == "429").expect("a 429");
    let next = log.get(i + 1).expect("a request after the 429");
    next.at.duration_since(log[i].at)
}

#[test]
fn retry_after_is_honoured_in_seconds_and_as_an_http_date() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_keys(d.path());

    let front = refuse_first_upload_put(&reg, || "3".into());
    let r = bundle(d.path(), &format!("{}/p/seconds:dev", front.addr), &[]);
    r.ok();
    let line = r
        .stderr
        .lines()
        .find(|l| l.starts_with("retrying PUT blob sha256:"))
        .unwrap_or_else(|| panic!("a retry line: {r}"));
    assert!(
        line.ends_with(" after HTTP 429 (2/5), waiting 3 s (Retry-After)"),
        "{line}"
    );
    let waited = wait_after_429(&front);
    assert!(waited >= Duration::from_millis(2900), "{waited:?}");

    // The date form: four seconds ahead at whole-second precision, so at least three.
    let front = refuse_first_upload_put(&reg, || {
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 4;
        let out = std::process::Command::new("date")
            .args(["-u", "-d", &format!("@{at}"), "+%a, %d %b %Y %H:%M:%S GMT"])
            .env("LC_ALL", "C")
            .output()
            .expect("date");
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    });
    let r = bundle(d.path(), &format!("{}/p/date:dev", front.addr), &[]);
    r.ok();
    assert!(
        r.stderr
            .lines()
            .any(|l| l.starts_with("retrying PUT blob sha256:")
                && l.contains("after HTTP 429 (2/5), waiting ")
                && l.ends_with(" s (Retry-After)")),
        "{r}"
    );
    let waited = wait_after_429(&front);
    assert!(waited >= Duration::from_millis(2900), "{waited:?}");
}

#[test]
fn a_retry_after_past_the_budget_fails_at_once_in_one_line() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_keys(d.path());
    let front = refuse_first_upload_put(&reg, || "120".into());
    let t = Instant::now();
    let r = bundle(d.path(), &format!("{}/p/c:dev", front.addr), &[]);
    clean_failure(&r);
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    let e = r.error_line();
    assert!(
        e.contains("HTTP 429") && e.contains("asks to wait 120 s (Retry-After)"),
        "{r}"
    );
    assert_eq!(reg.status("/v2/p/c/manifests/dev"), Some(404));
}

/// Docker Distribution's filesystem storage rewrites a repository's blob link in place when a
/// second client commits the same blob; a manifest PUT that reads the link meanwhile is refused
/// with 400 DIGEST_INVALID (or MANIFEST_BLOB_UNKNOWN) though the blob is there. Such a refusal
/// of a manifest whose blobs we just checked is retried; other 400s are not.
#[test]
fn a_manifest_refused_for_a_blob_the_registry_confirmed_is_retried() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    for (i, code) in ["DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN"]
        .iter()
        .enumerate()
    {
        let refused = AtomicBool::new(false);
        let front = Front::start(&reg.addr, move |req, up| {
            if req.is("PUT", "/manifests/dev") && !refused.swap(true, Ordering::SeqCst) {
                Reply::Send(Response::oci_error(
                    400,
                    code,
                    "provided digest did not match",
                ))
            } else {
                Reply::Send(up.forward(req))
            }
        });
        let r = bundle(d.path(), &format!("{}/p/l{i}:dev", front.addr), &[]);
        r.ok();
        assert!(
            r.stderr.lines().any(|l| l.starts_with("retrying PUT manifest dev after the registry not finding a blob it had confirmed (2/5)")),
            "{r}"
        );
        assert_eq!(reg.status(&format!("/v2/p/l{i}/manifests/dev")), Some(200));
    }
    // Any other 400 is the manifest's fault: one try, and the error names the operation.
    let front = Front::start(&reg.addr, |req, up| {
        if req.is("PUT", "/manifests/") {
            Reply::Send(Response::oci_error(
                400,
                "MANIFEST_INVALID",
                "manifest invalid",
            ))
        } else {
            Reply::Send(up.forward(req))
        }
    });
    let r = bundle(d.path(), &format!("{}/p/l9:dev", front.addr), &[]);
    clean_failure(&r);
    assert!(!r.stderr.contains("retrying"), "{r}");
    assert!(
        r.error_line()
            .contains("PUT manifest dev: HTTP 400 MANIFEST_INVALID"),
        "{r}"
    );
}

#[test]
fn permanent_failure_is_bounded_one_line_and_leaves_no_tag() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    let front = Front::start(&reg.addr, modes::always(503));
    let t = Instant::now();
    let r = bundle(d.path(), &format!("{}/p/c:dev", front.addr), &[]);
    clean_failure(&r);
    assert!(t.elapsed() < Duration::from_secs(90), "{:?}", t.elapsed());
    assert!(r.error_line().contains("HTTP 503"), "{r}");
    assert!(r.stderr.contains("(5/5)"), "five tries: {r}");
    assert_eq!(reg.status("/v2/p/c/manifests/dev"), Some(404));
}

#[test]
fn silent_and_slow_drip_servers_end_within_about_a_minute() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_keys(d.path());
    for (name, front) in [
        ("silent", Front::start(&reg.addr, modes::never_answer())),
        (
            "drip",
            Front::start(&reg.addr, modes::drip(Duration::from_secs(5), false)),
        ),
    ] {
        let t = Instant::now();
        let r = bundle(d.path(), &format!("{}/p/c:dev", front.addr), &[]);
        clean_failure(&r);
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "{name}: {:?}",
            t.elapsed()
        );
    }
    // --timeout bounds the whole command.
    let front = Front::start(&reg.addr, modes::never_answer());
    let t = Instant::now();
    let r = bundle(
        d.path(),
        &format!("{}/p/c:dev", front.addr),
        &["--timeout", "5s"],
    );
    clean_failure(&r);
    assert!(r.error_line().contains("--timeout 5s"), "{r}");
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

/// `policy-verify REF` with `extra` flags, timed.
fn verify_timed(cwd: &Path, reference: &str, extra: &[&str]) -> (Run, Duration) {
    let mut args = vec!["policy-verify", reference];
    args.extend_from_slice(extra);
    let t = Instant::now();
    let r: Run = xtask(cwd, &args).output().expect("run").into();
    (r, t.elapsed())
}

/// A manifest answer whose body is dripped after its head (or, `head_too`, head and all).
fn drip_manifest(req: &e2e::front::Request, head_too: bool) -> Option<Reply> {
    if !req.is("GET", "/manifests/") {
        return None;
    }
    let body = hostile::sig_manifest(3, &format!("sha256:{}", "a".repeat(64)), 10);
    Some(Reply::Drip {
        response: Response::new(200, body)
            .with_header("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
        every: Duration::from_millis(500),
        body_only: !head_too,
    })
}

/// Each slow or silent server ends within one deadline per operation: the probe, token fetch
/// and every try share it. With `--timeout 5s` each ends well before 15 s, in one line that
/// names the host and what was being done. (The default 90 s deadline is measured by
/// `benches/slow-registry.sh`, not here: no test waits that long.)
#[test]
fn every_slow_or_silent_mode_ends_within_the_deadline() {
    let reg = TestRegistry::start();
    let d = tempfile::tempdir().unwrap();
    with_keys(d.path());
    type Handler = Box<dyn Fn(&e2e::front::Request, &e2e::front::Upstream) -> Reply + Send + Sync>;
    let forward_or = |f: fn(&e2e::front::Request) -> Option<Reply>| -> Handler {
        Box::new(move |req, up| f(req).unwrap_or_else(|| Reply::Send(up.forward(req))))
    };
    let fronts: Vec<(&str, Front, &[&str])> = vec![
        // Accepts and never reads nor answers: over HTTPS first (loopback), as the issue ran it.
        ("silent, HTTPS first", Front::silent(), &[]),
        ("silent, plain HTTP", Front::silent(), &["--plain-http"]),
        (
            "reads and never answers",
            Front::start(&reg.addr, modes::never_answer()),
            &["--plain-http"],
        ),
        (
            "drips everything",
            Front::start(&reg.addr, modes::drip(Duration::from_millis(500), false)),
            &["--plain-http"],
        ),
        (
            "drips the manifest's headers",
            Front::start(&reg.addr, forward_or(|r| drip_manifest(r, true))),
            &["--plain-http"],
        ),
        (
            "drips the manifest's body",
            Front::start(&reg.addr, forward_or(|r| drip_manifest(r, false))),
            &["--plain-http"],
        ),
    ];
    for (name, front, extra) in &fronts {
        let reference = format!("{}/p/c:dev", front.addr);
        let mut flags = extra.to_vec();
        flags.extend(["--timeout", "5s"]);
        let (r, took) = verify_timed(d.path(), &reference, &flags);
        clean_failure(&r);
        eprintln!("{name}: {took:?}: {}", r.error_line());
        assert!(took < Duration::from_secs(15), "{name}: {took:?}\n{r}");
        let e = r.error_line();
        assert!(
            e.contains(&front.addr) && e.contains("GET manifest dev") && e.contains("--timeout 5s"),
            "{name}: the host, what was being done and the deadline: {r}"
        );
    }
    assert!(fronts[0].1.accepted() > 0 && fronts[0].1.count() == 0);

    // A token service that drips its answer: the token fetch is inside the deadline too.
    use std::sync::{Arc, OnceLock};
    let me: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let m = me.clone();
    let front = Front::start(&reg.addr, move |req, up| {
        if req.path.starts_with("/token") {
            return Reply::Drip {
                response: Response::new(200, r#"{"token":"tok-1","expires_in":300}"#)
                    .with_header("Content-Type", "application/json"),
                every: Duration::from_millis(500),
                body_only: true,
            };
        }
        if req.header("authorization") != Some("Bearer tok-1") {
            let challenge = format!(
                "Bearer realm=\"http://{}/token\",service=\"test\"",
                m.get().map(String::as_str).unwrap_or("")
            );
            return Reply::Send(
                Response::oci_error(401, "UNAUTHORIZED", "token needed")
                    .with_header("WWW-Authenticate", &challenge),
            );
        }
        Reply::Send(up.forward(req))
    });
    me.set(front.addr.clone()).unwrap();
    let (r, took) = verify_timed(
        d.path(),
        &format!("{}/p/c:dev", front.addr),
        &["--plain-http", "--timeout", "5s"],
    );
    clean_failure(&r);
    assert!(took < Duration::from_secs(15), "token drip: {took:?}\n{r}");
    assert!(
        front.log().iter().any(|l| l.path.starts_with("/token")),
        "the token was asked for: {:?}",
        front.log()
    );
    let e = r.error_line();
    assert!(
        e.contains(&front.addr) && e.contains("GET manifest dev") && e.contains("--timeout 5s"),
        "{r}"
    );
}

/// A retry that could not end before the deadline is not started: a server that takes 3 s to
/// refuse each try, and `--timeout 8s`, gets at most two tries, and the command gives up by
/// itself (no try is cut short by the deadline) saying why.
#[test]
fn a_retry_that_cannot_end_before_the_deadline_is_not_started() {
    let reg = TestRegistry::start();
    let d = tempfile::tempdir().unwrap();
    with_keys(d.path());
    let front = Front::start(&reg.addr, |req, up| {
        if req.is("GET", "/manifests/") {
            std::thread::sleep(Duration::from_secs(3));
            return Fault::Status(503).reply();
        }
        Reply::Send(up.forward(req))
    });
    let (r, took) = verify_timed(
        d.path(),
        &format!("{}/p/c:dev", front.addr),
        &["--plain-http", "--timeout", "8s"],
    );
    clean_failure(&r);
    assert!(took < Duration::from_secs(15), "{took:?}");
    let e = r.error_line();
    assert!(
        e.contains(&front.addr)
            && e.contains("GET manifest dev: HTTP 503")
            && e.contains("another could not end before --timeout 8s"),
        "{r}"
    );
    let tries = front
        .log()
        .iter()
        .filter(|l| l.path.contains("/manifests/"))
        .count();
    assert!((1..=2).contains(&tries), "{tries} tries: {r}");
}

fn with_keys(cwd: &Path) {
    let r: Run = xtask(cwd, &["policy-keys"])
        .env("COSIGN_PASSWORD", PW)
        .output()
        .unwrap()
        .into();
    r.ok();
}

#[test]
fn credentials_do_not_follow_an_upload_location_to_another_host() {
    let reg = TestRegistry::start_with_auth("ci-bot", "registry-pass-123");
    let other = Front::forwarding(&reg.addr);
    let front = Front::start(&reg.addr, modes::upload_location_to(other.addr.clone()));
    let d = sample_copy();
    let r = bundle_as_ci_bot(d.path(), &format!("{}/p/c:dev", front.addr));
    let log = other.log();
    assert!(!log.is_empty(), "the upload went to the other host: {r}");
    assert!(
        log.iter().all(|l| !l.authorization),
        "no Authorization at the other host: {log:?}"
    );
    assert!(
        front.log().iter().any(|l| l.authorization),
        "but at the registry"
    );
    assert!(!r.stderr.contains("registry-pass-123"), "{r}");
}

#[test]
fn network_text_is_inert_and_hostile_answers_do_not_panic() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_keys(d.path());
    for raw in [true, false] {
        let front = Front::start(&reg.addr, modes::escape_errors(raw));
        // A push starts with HEADs (no body); a verify's GET gets the hostile body.
        let r = bundle(d.path(), &format!("{}/p/c:dev", front.addr), &[]);
        clean_failure(&r);
        let r = run(
            d.path(),
            &[
                "policy-verify",
                &format!("{}/p/c:dev", front.addr),
                "--plain-http",
            ],
        );
        clean_failure(&r);
        assert!(r.error_line().contains("denied"), "{r}");
        assert!(r.error_line().contains("\\u{1b}"), "shown escaped: {r}");
    }
    for location in ["http:///x", "ftp://127.0.0.1/x", "//", "http://[::1"] {
        let front = Front::start(&reg.addr, modes::redirect_to(location));
        let r = run(
            d.path(),
            &[
                "policy-verify",
                &format!("{}/p/c:dev", front.addr),
                "--plain-http",
            ],
        );
        clean_failure(&r);
    }
    // Hostile upload Locations: not a URL, not HTTP.
    for location in ["not a url", "ftp://127.0.0.1/up"] {
        let front = Front::start(&reg.addr, move |req, up| {
            let resp = up.forward(req);
            if req.is("POST", "/blobs/uploads/") {
                Reply::Send(Response::new(202, "").with_header("Location", location))
            } else {
                Reply::Send(resp)
            }
        });
        let r = bundle(d.path(), &format!("{}/p/c:dev", front.addr), &[]);
        clean_failure(&r);
    }
}

#[test]
fn many_layer_signatures_and_bad_digests_cost_nothing() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    let to = format!("{}/p/c:dev", reg.addr);
    bundle(d.path(), &to, &[]).ok();

    let payload = format!("sha256:{}", "a".repeat(64));
    let front = Front::start(&reg.addr, move |req, up| {
        if req.is("GET", "/manifests/sha256-") {
            Reply::Send(
                Response::new(200, hostile::sig_manifest(17_800, &payload, 1 << 20))
                    .with_header("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
            )
        } else {
            Reply::Send(up.forward(req))
        }
    });
    let r = run(
        d.path(),
        &[
            "policy-verify",
            &format!("{}/p/c:dev", front.addr),
            "--plain-http",
        ],
    );
    clean_failure(&r);
    assert!(front.count() <= 1002, "{} requests", front.count());
    assert!(r.error_line().contains("1000"), "{r}");

    // An oversized manifest is refused, not read whole.
    let front = Front::start(&reg.addr, move |req, up| {
        if req.is("GET", "/manifests/dev") {
            Reply::Send(
                Response::new(200, vec![b' '; 8 << 20])
                    .with_header("Content-Type", "application/vnd.oci.image.manifest.v1+json"),
            )
        } else {
            Reply::Send(up.forward(req))
        }
    });
    let r = run(
        d.path(),
        &[
            "policy-verify",
            &format!("{}/p/c:dev", front.addr),
            "--plain-http",
        ],
    );
    clean_failure(&r);
    assert!(r.error_line().contains("limit"), "{r}");

    // Digests from the unsigned .sig manifest never reach a URL unless well-formed.
    let front = Front::start(&reg.addr, move |req, up| {
        let mut resp = up.forward(req);
        if req.is("GET", "/manifests/sha256-") {
            resp.body = hostile::traversal_digests(&resp.body);
            resp.headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("docker-content-digest"));
        }
        Reply::Send(resp)
    });
    let r = run(
        d.path(),
        &[
            "policy-verify",
            &format!("{}/p/c:dev", front.addr),
            "--plain-http",
        ],
    );
    clean_failure(&r);
    assert!(
        front
            .log()
            .iter()
            .all(|l| !l.path.contains("_catalog") && !l.path.contains("..")),
        "{:?}",
        front.log()
    );
}

#[test]
fn credentials_go_only_to_a_token_service_over_http_s() {
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_keys(d.path());
    for realm in ["ftp://127.0.0.1/token", "token-service"] {
        let front = Front::start(&reg.addr, move |req, up| {
            if req.path == "/v2/" {
                Reply::Send(Response::new(401, "").with_header(
                    "WWW-Authenticate",
                    &format!("Bearer realm=\"{realm}\",service=\"x\""),
                ))
            } else {
                Reply::Send(up.forward(req))
            }
        });
        let r = bundle_as_ci_bot(d.path(), &format!("{}/p/c:dev", front.addr));
        clean_failure(&r);
        assert!(r.error_line().contains("credentials not sent"), "{r}");
        assert!(
            front.log().iter().all(|l| !l.authorization),
            "nothing sent: {:?}",
            front.log()
        );
    }
}

#[test]
fn a_token_service_is_asked_once_per_scope_and_its_token_goes_only_to_the_registry() {
    use std::sync::{Arc, OnceLock};
    let reg = TestRegistry::start();
    let d = sample_copy();
    with_keys(d.path());
    // The front plays a registry with a token service at /token on its own host: Basic
    // credentials buy a Bearer token there; everything else wants that token.
    let me: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let m = me.clone();
    let basic = format!("Basic {}", b64("ci-bot:registry-pass-123"));
    let front = Front::start(&reg.addr, move |req, up| {
        let challenge = format!(
            "Bearer realm=\"http://{}/token\",service=\"test\"",
            m.get().map(String::as_str).unwrap_or("")
        );
        if req.path.starts_with("/token") {
            return Reply::Send(if req.header("authorization") == Some(basic.as_str()) {
                Response::new(200, r#"{"token":"tok-1","expires_in":300}"#)
                    .with_header("Content-Type", "application/json")
            } else {
                Response::new(401, "")
            });
        }
        if req.header("authorization") != Some("Bearer tok-1") {
            return Reply::Send(
                Response::oci_error(401, "UNAUTHORIZED", "token needed")
                    .with_header("WWW-Authenticate", &challenge),
            );
        }
        Reply::Send(up.forward(req))
    });
    me.set(front.addr.clone()).unwrap();
    let to = format!("{}/p/c:dev", front.addr);
    let r = bundle_as_ci_bot(d.path(), &to);
    r.ok();
    let log = front.log();
    let token_asks: Vec<_> = log
        .iter()
        .filter(|l| l.path.starts_with("/token"))
        .collect();
    assert_eq!(
        token_asks.len(),
        1,
        "one token for the push: {token_asks:?}"
    );
    assert!(
        token_asks[0].path.contains("pull%2Cpush") || token_asks[0].path.contains("pull,push"),
        "{token_asks:?}"
    );
    // Past the probe and the token dance, every registry request carried the token.
    let refused: Vec<_> = log
        .iter()
        .filter(|l| l.reply == "401" && l.path != "/v2/" && !l.path.starts_with("/token"))
        .collect();
    assert!(
        refused.is_empty(),
        "no request went without the token: {refused:?}"
    );
    assert!(!r.stderr.contains("registry-pass-123") && !r.stderr.contains("tok-1"));
    // A read-only command asks for pull scope only.
    let before = log.len();
    let r: Run = xtask(d.path(), &["policy-verify", &to, "--plain-http"])
        .env("REGISTRY_USERNAME", "ci-bot")
        .env("REGISTRY_PASSWORD", "registry-pass-123")
        .output()
        .unwrap()
        .into();
    r.ok();
    let log = front.log();
    assert!(
        log[before..]
            .iter()
            .filter(|l| l.path.starts_with("/token"))
            .all(|l| l.path.contains("%3Apull&")
                || l.path.ends_with("%3Apull")
                || l.path.contains(":pull&")
                || l.path.ends_with(":pull")),
        "{:?}",
        &log[before..]
    );
}

fn b64(s: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
