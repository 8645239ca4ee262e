//! What the engine's crypto builtins rest on and the xtask's signing code reads too: X.509
//! certificates (`certs`), DER and PEM (`der`), Go's chain verification (`verify`), and `hex`
//! for digests (here; `bundle` uses it too). Public so that cosign's Fulcio, Rekor and identity checks use the same readers
//! as `crypto.x509.*` without reaching into `builtins/`; they use regorus's values nowhere.
//!
//! Layer: loading (the files live in `builtins/`, beside the builtins that use them); uses
//! nothing of the engine above them.

pub use crate::builtins::{certs, der, verify};

/// Bytes as lowercase hex, as digests are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
