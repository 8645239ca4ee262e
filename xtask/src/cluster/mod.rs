//! The cluster commands: `kubectl` with manifests on stdin, and the commands that use it
//! (`secrets`, `policy-pub-deploy`, `deploy-key`, `git-credential`, `status`, `rbac`).

pub mod deploy_key;
pub mod git_credential;
pub mod kube;
pub mod policy_pub_deploy;
pub mod rbac;
pub mod secrets;
pub mod status;
