//! Cosign, in process: the key files (`keys`), the `.policy-keys/` directory (`keydir`),
//! signatures stored and verified beside an image in any `oci::Store` (`signature`), their
//! transparency-log entries (`rekor`), Sigstore bundles attached as referrers (`sigbundle`), and
//! the trust root log evidence is checked with (`trust`).

pub mod keydir;
pub mod keys;
pub mod rekor;
pub mod sigbundle;
pub mod signature;
pub mod trust;
