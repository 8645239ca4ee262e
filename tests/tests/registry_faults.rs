//! The transport against a faulty or hostile registry: the fault-injecting front
//! (tests/src/front.rs) before the real `docker-registry`. Transient faults are retried and
//! the push verifies; permanent ones fail in bounded time with one line and no tag; credentials
//! stay with their host; nothing from the network reaches the terminal raw; no answer makes the
//! process panic; a `.sig` manifest cannot make us fetch more than cosign's 1000 layers.

use std::path::Path;
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
                .all(|l| l.ends_with("/5)")),
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
    let r: Run = xtask(
        d.path(),
        &[
            "policy-bundle",
            "--to",
            &format!("{}/p/c:dev", front.addr),
            "--plain-http",
        ],
    )
    .env("COSIGN_PASSWORD", PW)
    .env("REGISTRY_USERNAME", "ci-bot")
    .env("REGISTRY_PASSWORD", "registry-pass-123")
    .output()
    .unwrap()
    .into();
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
        let r: Run = xtask(
            d.path(),
            &[
                "policy-bundle",
                "--to",
                &format!("{}/p/c:dev", front.addr),
                "--plain-http",
            ],
        )
        .env("COSIGN_PASSWORD", PW)
        .env("REGISTRY_USERNAME", "ci-bot")
        .env("REGISTRY_PASSWORD", "registry-pass-123")
        .output()
        .unwrap()
        .into();
        clean_failure(&r);
        assert!(r.error_line().contains("credentials not sent"), "{r}");
        assert!(
            front.log().iter().all(|l| !l.authorization),
            "nothing sent: {:?}",
            front.log()
        );
    }
}
