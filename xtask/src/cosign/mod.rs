//! Cosign, in process: the key files (`keys`), the `.policy-keys/` directory (`keydir`),
//! signatures stored and verified beside an image in any `oci::Store` (`signature`), their
//! transparency-log entries (`rekor`), Sigstore bundles attached as referrers (`sigbundle`), and
//! the trust root log evidence is checked with (`trust`). Keyless: the CI job's identity token
//! (`oidc`), its Fulcio certificate (`fulcio`), and verification by certificate identity
//! (`identity`).

pub mod fulcio;
pub mod identity;
pub mod keydir;
pub mod keys;
pub mod oidc;
pub mod rekor;
pub mod sigbundle;
pub mod signature;
pub mod trust;
