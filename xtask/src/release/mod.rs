//! The release path: publish a bundle (`policy-bundle`) and verify it as the Runner does
//! (`policy-verify`).

pub mod publish;
pub mod untar;
pub mod verify;
