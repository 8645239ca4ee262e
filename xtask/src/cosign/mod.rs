//! Cosign, in process: the key files (`keys`), the `.policy-keys/` directory (`keydir`), and
//! signatures stored and verified beside an image in any `oci::Store` (`signature`).

pub mod keydir;
pub mod keys;
pub mod signature;
