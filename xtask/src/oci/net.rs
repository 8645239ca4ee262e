//! How the registry transport behaves on a real network: TLS and timeout options shared by every
//! command that talks to a registry, one clock for retries and deadlines, the retry policy, and
//! the one function that makes text from the network safe to print.

use std::cell::Cell;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Once;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

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
/// No new try starts once an operation has spent this long (plus its body at `MIN_RATE`).
pub const RETRY_BUDGET: Duration = Duration::from_secs(60);

/// The network flags of every command that talks to a registry.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Extra PEM CA certificates, trusted besides the system store.
    pub ca_file: Option<PathBuf>,
    /// No certificate check at all.
    pub insecure: bool,
    /// Plain HTTP, never TLS.
    pub plain_http: bool,
    /// When the whole command must have finished (from `--timeout`).
    pub deadline: Option<Instant>,
    /// The `--timeout` value as typed, for messages.
    pub timeout_text: Option<String>,
}

impl Options {
    pub fn new(
        ca_file: Option<PathBuf>,
        insecure: bool,
        plain_http: bool,
        timeout: Option<&str>,
    ) -> Result<Options> {
        let deadline = match timeout {
            Some(t) => Some(Instant::now() + parse_duration(t)?),
            None => None,
        };
        Ok(Options {
            ca_file,
            insecure,
            plain_http,
            deadline,
            timeout_text: timeout.map(str::to_string),
        })
    }

    /// Time left before `--timeout`, if one was given.
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
    }
}

/// `90s`, `2m`, `1h`, `500ms`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = match num.parse() {
        Ok(n) => n,
        Err(_) => bail!("--timeout {s:?}: expected a duration such as 90s, 5m or 1h"),
    };
    let d = match unit {
        "" | "s" => Duration::from_secs(n),
        "ms" => Duration::from_millis(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => bail!("--timeout {s:?}: unknown unit {unit:?} (use ms, s, m or h)"),
    };
    if d.is_zero() {
        bail!("--timeout {s:?}: must be more than zero");
    }
    Ok(d)
}

/// How long one try of a request moving `size` bytes may take.
pub fn request_deadline(size: u64) -> Duration {
    REQUEST_DEADLINE + Duration::from_secs(size / MIN_RATE)
}

/// How long an operation moving `size` bytes may keep retrying.
pub fn retry_budget(size: u64) -> Duration {
    RETRY_BUDGET + Duration::from_secs(size / MIN_RATE)
}

/// The wait before try `next` (2..): 1 s, 2 s, 4 s, 8 s, each with up to 50 % jitter so that
/// many clients do not come back in step.
pub fn backoff(next: u32) -> Duration {
    let base = Duration::from_secs(1u64 << next.saturating_sub(2).min(4));
    let nanos = Instant::now().elapsed().subsec_nanos() as u64
        ^ std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0);
    let jitter = base.as_millis() as u64 * (nanos % 500) / 1000;
    base + Duration::from_millis(jitter)
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
    fn backoff_grows_with_bounded_jitter() {
        for next in 2..=5 {
            let b = backoff(next);
            let base = Duration::from_secs(1 << (next - 2));
            assert!(b >= base && b < base + base / 2, "{next}: {b:?}");
        }
    }
}
