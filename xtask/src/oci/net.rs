//! How the registry transport behaves on a real network: TLS and timeout options shared by every
//! command that talks to a registry, one clock for retries and deadlines, the retry policy, and
//! the one function that makes text from the network safe to print.

use std::cell::Cell;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};

/// Connect timeout of every request.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A request with no bytes moving for this long is abandoned (then retried).
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// A request may take this long, plus its body at `MIN_RATE`: a server dripping a byte every
/// few seconds is abandoned after about a minute, however long it keeps dripping.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(60);
/// The slowest transfer rate we wait for (bytes per second), for large bodies.
pub const MIN_RATE: u64 = 64 << 10;
/// Tries per operation, first one included.
pub const MAX_TRIES: u32 = 5;
/// Without `--timeout`, one operation (all its tries, the HTTPS-first probe, token fetches)
/// ends within this, plus its body at `MIN_RATE`.
pub const OPERATION_DEADLINE: Duration = Duration::from_secs(90);
/// Nothing waits longer than this, whatever `--timeout` or a body's size says (an `Instant`
/// far in the future overflows).
const FOREVER: Duration = Duration::from_secs(100 * 365 * 86400);

/// When an operation must have ended, all its tries included, and what set that time (for the
/// message). Anything that talks to the network over several requests or tries takes one and
/// bounds each request with `limit`, and each retry with `retry`.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    /// The whole allowance, as set.
    budget: Duration,
    /// Set by `--timeout` (the whole command) rather than by the default per operation.
    from_flag: bool,
}

impl Deadline {
    /// An operation's own deadline, `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline::starting(Instant::now(), budget, false)
    }

    fn starting(now: Instant, budget: Duration, from_flag: bool) -> Deadline {
        let budget = budget.min(FOREVER);
        Deadline {
            at: now + budget,
            budget,
            from_flag,
        }
    }

    /// Time left.
    pub fn remaining(&self) -> Duration {
        self.left(Instant::now())
    }

    fn left(&self, now: Instant) -> Duration {
        self.at.saturating_duration_since(now)
    }

    pub fn passed(&self) -> bool {
        self.remaining().is_zero()
    }

    /// How long a request whose own limit is `own` may run: `own`, or what is left when that
    /// is less; `true` when the deadline is what bounds it.
    pub fn limit(&self, own: Duration) -> (Duration, bool) {
        Self::bound(self.remaining(), own)
    }

    fn bound(left: Duration, own: Duration) -> (Duration, bool) {
        if left <= own {
            (left, true)
        } else {
            (own, false)
        }
    }

    /// Whether a retry after `wait` may start: it has to be able to end before the deadline,
    /// and the try that just failed (`took`) says how long one takes against this server.
    /// A server that never answers made the last try last its whole no-progress timeout; the
    /// next would too, so it is not started when that would run past the deadline.
    pub fn retry(&self, tries: u32, wait: Duration, took: Duration) -> Retry {
        Self::plan(self.remaining(), tries, wait, took)
    }

    fn plan(left: Duration, tries: u32, wait: Duration, took: Duration) -> Retry {
        if tries >= MAX_TRIES {
            Retry::NoTriesLeft
        } else if wait >= left {
            Retry::WaitPastDeadline
        } else if wait + took > left {
            Retry::NoTimeForAnother
        } else {
            Retry::After(wait)
        }
    }

    /// `--timeout 5s`, or `the 1m30s deadline (...)` for an operation's own.
    pub fn name(&self) -> String {
        if self.from_flag {
            format!("--timeout {}", go_duration(self.budget))
        } else {
            format!(
                "the {} deadline (--timeout sets another)",
                go_duration(self.budget)
            )
        }
    }
}

/// What to do after a try failed in a way worth another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Wait this long, then try again.
    After(Duration),
    /// `MAX_TRIES` made.
    NoTriesLeft,
    /// The wait alone (a registry's `Retry-After`) reaches the deadline.
    WaitPastDeadline,
    /// The wait plus a try as long as the last one would end past the deadline.
    NoTimeForAnother,
}

/// The network flags of every command that talks to a registry.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Extra PEM CA certificates, trusted besides the system store.
    pub ca_file: Option<PathBuf>,
    /// No certificate check at all.
    pub insecure: bool,
    /// Plain HTTP, never TLS.
    pub plain_http: bool,
    /// When the whole command must have finished (from `--timeout`, counted from its start).
    pub timeout: Option<Deadline>,
}

impl Options {
    pub fn new(
        ca_file: Option<PathBuf>,
        insecure: bool,
        plain_http: bool,
        timeout: Option<&str>,
    ) -> Result<Options> {
        let timeout = match timeout {
            Some(t) => Some(Deadline::starting(Instant::now(), parse_duration(t)?, true)),
            None => None,
        };
        Ok(Options {
            ca_file,
            insecure,
            plain_http,
            timeout,
        })
    }

    /// The deadline of one operation moving `size` bytes, starting now: `--timeout`'s when it
    /// was given (it bounds the whole command, and says how long the user will wait), else
    /// `OPERATION_DEADLINE` plus the body's time at `MIN_RATE`.
    pub fn operation(&self, size: u64) -> Deadline {
        match self.timeout {
            Some(t) => t,
            None => Deadline::after(OPERATION_DEADLINE + body_time(size)),
        }
    }
}

/// An HTTP client for a JSON service beside the registries (Fulcio, Rekor): the registry
/// calls' timeouts, user agent and `--ca-file`/`--insecure` from `o`; redirects not followed.
pub fn client_builder(o: &Options) -> Result<reqwest::ClientBuilder> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut b = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .user_agent(concat!("trustacks-xtask/", env!("CARGO_PKG_VERSION")))
        .danger_accept_invalid_certs(o.insecure)
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = &o.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("--ca-file {}: cannot read", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|_| anyhow!("--ca-file {}: not a PEM certificate file", path.display()))?;
        b = b.tls_certs_merge(certs);
    }
    Ok(b)
}

/// A duration as Go (and so cosign) prints one: `90s` is `1m30s`, `500ms`, `2h0m0s`.
pub fn go_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let (h, m, s, frac) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    let s = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => s,
        (0, m) => format!("{m}m{s}"),
        (h, m) => format!("{h}h{m}m{s}"),
    }
}

/// `90s`, `2m`, `1h`, `500ms`, Go's composite `1m30s` (as cosign prints its `--timeout`), or a
/// bare number of seconds. Whole numbers only.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim();
    let hint = || format!("--timeout {s:?}: expected a duration such as 90s, 5m, 1m30s or 1h");
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        let n: u64 = t.parse().map_err(|_| anyhow::anyhow!(hint()))?;
        return nonzero(s, Duration::from_secs(n));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    if rest.is_empty() {
        bail!(hint());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(digits);
        let n: u64 = match num.parse() {
            Ok(n) => n,
            Err(_) => bail!(hint()),
        };
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "" => bail!("--timeout {s:?}: {num} needs a unit (ms, s, m or h)"),
            _ => bail!("--timeout {s:?}: unknown unit {unit:?} (use ms, s, m or h)"),
        };
        total = total.saturating_add(part);
        rest = next;
    }
    nonzero(s, total)
}

fn nonzero(s: &str, d: Duration) -> Result<Duration> {
    if d.is_zero() {
        bail!("--timeout {s:?}: must be more than zero");
    }
    Ok(d)
}

/// The time a body of `size` bytes needs at `MIN_RATE`.
pub fn body_time(size: u64) -> Duration {
    Duration::from_secs(size / MIN_RATE)
}

/// How long one try of a request moving `size` bytes may take.
pub fn request_deadline(size: u64) -> Duration {
    REQUEST_DEADLINE + body_time(size)
}

/// The wait before try `next` (2..): 1 s, 2 s, 4 s, 8 s, each with up to 50 % jitter so that
/// many clients do not come back in step.
pub fn backoff(next: u32) -> Duration {
    let base = base_backoff(next);
    let nanos = Instant::now().elapsed().subsec_nanos() as u64
        ^ std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0);
    let jitter = base.as_millis() as u64 * (nanos % 500) / 1000;
    base + Duration::from_millis(jitter)
}

fn base_backoff(next: u32) -> Duration {
    Duration::from_secs(1u64 << next.saturating_sub(2).min(4))
}

/// A wait as the retry line shows it: `3 s`, `1.4 s`.
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// HTTP statuses worth another try: the server or something in front of it is busy or failing.
pub fn retryable_status(code: u16) -> bool {
    matches!(code, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Text that came from the network, made inert for a terminal: whitespace runs become one
/// space, other control characters (ESC, BEL, C1, bidi overrides) are shown escaped, and the
/// result is cut to 200 characters.
pub fn sanitize(s: &str) -> String {
    const MAX: usize = 200;
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in s.trim().chars() {
        if count >= MAX {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                count += 1;
            }
            space = true;
            continue;
        }
        space = false;
        if c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            let e = c.escape_unicode().to_string();
            count += e.len();
            out.push_str(&e);
        } else {
            out.push(c);
            count += 1;
        }
    }
    out
}

thread_local! {
    /// Set while a registry future runs: a panic inside the client is turned into an error
    /// there, so the default hook must not print its message (the server chose its content).
    static IN_CLIENT: Cell<bool> = const { Cell::new(false) };
}

/// Runs a future of the registry client on `rt` with a deadline. `Err(None)` when the deadline
/// passed; `Err(Some(..))` when the client panicked on the server's answer (it unwraps some
/// values it parses from headers).
pub fn run<T>(
    rt: &tokio::runtime::Runtime,
    limit: Duration,
    fut: impl Future<Output = T>,
) -> std::result::Result<T, Option<String>> {
    use futures_util::FutureExt;
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CLIENT.with(Cell::get) {
                previous(info);
            }
        }));
    });
    struct Quiet;
    impl Drop for Quiet {
        fn drop(&mut self) {
            IN_CLIENT.with(|f| f.set(false));
        }
    }
    IN_CLIENT.with(|f| f.set(true));
    let quiet = Quiet;
    // The timer must be made inside the runtime.
    let result = rt.block_on(async {
        std::panic::AssertUnwindSafe(tokio::time::timeout(limit, fut))
            .catch_unwind()
            .await
    });
    drop(quiet);
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(_elapsed)) => Err(None),
        Err(panic) => {
            let text = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Some(sanitize(&text)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_escapes_controls_and_cuts() {
        assert_eq!(
            sanitize("a\x1b]0;pwned\x07b\x1b[2J"),
            "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2J"
        );
        assert_eq!(sanitize(" line one\r\n\tline two "), "line one line two");
        assert_eq!(sanitize("x\u{202e}y\u{9b}"), "x\\u{202e}y\\u{9b}");
        let long = sanitize(&"é".repeat(1000));
        assert_eq!(long.chars().count(), 201);
        assert!(!sanitize(&"\x1b".repeat(1000)).contains('\x1b'));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("15").unwrap(), Duration::from_secs(15));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        for bad in ["", "m", "1d", "0s", "-1s", "1.5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_style_composite_durations_parse_and_print() {
        assert_eq!(parse_duration("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("3m0s").unwrap(), Duration::from_secs(180));
        assert_eq!(
            parse_duration("1h2m3s500ms").unwrap(),
            Duration::from_millis(3_723_500)
        );
        // Absurd values saturate instead of overflowing the deadline's clock.
        let huge = parse_duration("99999999999999999999h");
        assert!(huge.is_err(), "not a u64: {huge:?}");
        let d = Deadline::starting(
            Instant::now(),
            parse_duration("9999999999999h").unwrap(),
            true,
        );
        assert!(d.remaining() <= FOREVER);
        for bad in ["1m30", "30 s", "1s1", "s1", "1.5m", "0m0s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        for (d, text) in [
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(5), "5s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_secs(7200), "2h0m0s"),
        ] {
            assert_eq!(go_duration(d), text);
            if text != "1.5s" {
                assert_eq!(parse_duration(text).unwrap(), d, "{text}");
            }
        }
    }

    #[test]
    fn a_deadline_bounds_each_try_and_names_itself() {
        let t0 = Instant::now();
        let d = Deadline::starting(t0, Duration::from_secs(90), false);
        assert_eq!(d.name(), "the 1m30s deadline (--timeout sets another)");
        let flag = Deadline::starting(t0, Duration::from_secs(5), true);
        assert_eq!(flag.name(), "--timeout 5s");
        let s = Duration::from_secs;
        // A try keeps its own limit while the deadline is further; past that, the deadline's.
        assert_eq!(Deadline::bound(s(90), s(60)), (s(60), false));
        assert_eq!(Deadline::bound(s(20), s(60)), (s(20), true));
        assert_eq!(Deadline::bound(s(60), s(60)), (s(60), true));
        assert_eq!(
            Deadline::bound(Duration::ZERO, s(5)),
            (Duration::ZERO, true)
        );
        assert_eq!(d.left(t0 + s(100)), Duration::ZERO);
        assert_eq!(d.left(t0 + s(30)), s(60));
        // Without --timeout an operation gets 90 s plus its body at MIN_RATE; with it, the
        // command's deadline, shared by every operation.
        let open = Options::default();
        let op = open.operation(0);
        assert!(op.remaining() <= s(90) && op.remaining() > s(89));
        assert!(open.operation(MIN_RATE * 30).remaining() > s(119));
        let timed = Options::new(None, false, false, Some("5s")).unwrap();
        assert!(timed.operation(1 << 30).remaining() <= s(5));
        assert_eq!(timed.operation(0).name(), "--timeout 5s");
    }

    #[test]
    fn a_retry_starts_only_when_it_can_end_before_the_deadline() {
        let s = Duration::from_secs;
        let plan = Deadline::plan;
        // Fast failures (HTTP 503 in milliseconds) retry while the wait fits.
        assert_eq!(
            plan(s(80), 1, s(1), Duration::from_millis(5)),
            Retry::After(s(1))
        );
        assert_eq!(
            plan(s(80), 4, s(8), Duration::from_millis(5)),
            Retry::After(s(8))
        );
        assert_eq!(
            plan(s(80), MAX_TRIES, s(1), Duration::ZERO),
            Retry::NoTriesLeft
        );
        // A Retry-After past the deadline ends the operation at once.
        assert_eq!(
            plan(s(80), 1, s(120), Duration::ZERO),
            Retry::WaitPastDeadline
        );
        assert_eq!(plan(s(3), 1, s(3), Duration::ZERO), Retry::WaitPastDeadline);
        // A silent server made the last try last its 30 s no-progress timeout: another needs
        // as long, so it starts only when wait + 30 s fits in what is left.
        assert_eq!(plan(s(40), 1, s(1), s(30)), Retry::After(s(1)));
        assert_eq!(plan(s(31), 1, s(1), s(30)), Retry::After(s(1)));
        assert_eq!(plan(s(30), 1, s(1), s(30)), Retry::NoTimeForAnother);
        assert_eq!(plan(s(9), 2, s(2), s(30)), Retry::NoTimeForAnother);
    }

    /// The default-deadline case the issue measured (148 s): a loopback server that accepts
    /// and never answers, HTTPS first. Walks the retry loop's arithmetic with its real limits.
    #[test]
    fn a_silent_loopback_server_costs_less_than_the_default_deadline() {
        let mut left = OPERATION_DEADLINE;
        let spend = |left: &mut Duration, d: Duration| {
            let (took, _) = Deadline::bound(*left, d);
            *left -= took;
            took
        };
        // The HTTPS probe, the HTTPS try (both bounded by the probe timeout), the plain probe.
        spend(&mut left, Duration::from_secs(5));
        spend(&mut left, Duration::from_secs(5));
        spend(&mut left, Duration::from_secs(10));
        let mut tries = 0;
        loop {
            tries += 1;
            // Each try ends at the no-progress timeout (the request deadline is longer).
            let took = spend(&mut left, READ_TIMEOUT.min(request_deadline(0)));
            // The longest backoff jitter allows.
            let wait = base_backoff(tries + 1) * 3 / 2;
            match Deadline::plan(left, tries, wait, took) {
                Retry::After(w) => {
                    spend(&mut left, w);
                }
                other => {
                    assert_eq!(other, Retry::NoTimeForAnother);
                    break;
                }
            }
        }
        assert_eq!(tries, 2);
        let spent = OPERATION_DEADLINE - left;
        assert!(spent <= Duration::from_secs(82), "{spent:?}");
    }

    #[test]
    fn backoff_grows_with_bounded_jitter() {
        for next in 2..=5 {
            let b = backoff(next);
            let base = Duration::from_secs(1 << (next - 2));
            assert!(b >= base && b < base + base / 2, "{next}: {b:?}");
        }
    }
}
