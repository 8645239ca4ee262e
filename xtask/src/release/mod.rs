//! The release path: publish a bundle (`policy-bundle`) and verify it as the Runner does
//! (`policy-verify`), and promote a verified bundle elsewhere (`policy-promote`).

pub mod promote;
pub mod publish;
pub mod semver;
pub mod untar;
pub mod verify;
