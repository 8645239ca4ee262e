//! The one boundary every call into the Rego engine crosses: a panic inside regorus becomes a
//! one-line error instead of a backtrace and exit 101.
//!
//! Why not only fix the panics: the engine is a large dependency evaluating arbitrary programs;
//! every panic we find gets fixed (usually by overriding the builtin in `builtins/`), and this
//! boundary keeps the ones nobody found yet from taking the whole command down.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use anyhow::{anyhow, Result};

thread_local! {
    /// True while this thread is inside [`guarded`]: the hook then stays quiet.
    static GUARDED: Cell<u32> = const { Cell::new(0) };
    /// The message of the last panic caught on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Chains a quiet hook in front of the default one, once per process: panics inside the
/// boundary are recorded for the error line, every other panic still prints as usual.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) > 0 {
                let msg = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                LAST.with(|l| *l.borrow_mut() = Some(msg));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f` (a call into the engine); a panic in it becomes the error `<what>: the Rego engine
/// failed: <panic message>`, where `what` names the policy file and line being evaluated.
pub fn guarded<T>(what: impl FnOnce() -> String, f: impl FnOnce() -> Result<T>) -> Result<T> {
    install_hook();
    GUARDED.with(|g| g.set(g.get() + 1));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get().saturating_sub(1)));
    match r {
        Ok(r) => r,
        Err(payload) => {
            // The payload carries the message even when another hook replaced ours.
            let from_payload = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned());
            let recorded = LAST.with(|l| l.borrow_mut().take());
            let msg = from_payload.or(recorded).unwrap_or_else(|| "panic".into());
            let msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
            Err(anyhow!("{}: the Rego engine failed: {msg}", what()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_one_line() {
        let e = guarded(
            || "p.rego:3".into(),
            || -> Result<()> { panic!("window size\nmust be non-zero") },
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "p.rego:3: the Rego engine failed: window size must be non-zero"
        );
        // The boundary nests and unwinds its counter.
        assert_eq!(guarded(String::new, || Ok(1)).unwrap(), 1);
        assert_eq!(GUARDED.with(Cell::get), 0);
    }
}
