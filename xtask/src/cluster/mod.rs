//! The cluster commands: `kubectl` with manifests on stdin, and the commands that use it
//! (`secrets`, `policy-pub-deploy`, `deploy-key`).

pub mod deploy_key;
pub mod kube;
pub mod policy_pub_deploy;
pub mod secrets;
