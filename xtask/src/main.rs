//! `cargo xtask`: test, build, publish and verify the policy constitution, and bootstrap the
//! Runner's cluster objects. This file parses the command line and dispatches; nothing else.

mod bench;
mod cluster;
mod cosign;
mod fsutil;
mod git;
mod oci;
mod policy;
#[cfg(test)]
mod proptests;
mod release;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cluster::{deploy_key, policy_pub_deploy, secrets};
use release::{promote, publish, verify};

const DEFAULT_POLICY_DIR: &str = "policy/constitution";
const DEFAULT_BUNDLE: &str = "target/policy/bundle.tar.gz";
const DEFAULT_KEYS: &str = ".policy-keys";
const DEFAULT_NAMESPACE: &str = "trustacks-system";

/// Release and bootstrap tooling for the policy constitution (replaces the Makefile).
#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about,
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the Rego unit tests (`test_*` rules), like `opa test`
    PolicyTest {
        /// Policy directory
        #[arg(long, default_value = DEFAULT_POLICY_DIR)]
        dir: PathBuf,
        /// Run only tests whose full name (`data.pkg.test_x`) matches this regex
        #[arg(long)]
        run: Option<String>,
        /// Print every test, not only failures
        #[arg(short, long)]
        verbose: bool,
    },
    /// Build a deterministic OPA bundle `.tar.gz`, like `opa build -b`
    PolicyBuild {
        /// Policy directory
        #[arg(long, default_value = DEFAULT_POLICY_DIR)]
        dir: PathBuf,
        /// Where to write the bundle
        #[arg(long, default_value = DEFAULT_BUNDLE)]
        out: PathBuf,
        /// Revision for `.manifest` (default: the last git commit of DIR, `-dirty` if changed)
        #[arg(long)]
        revision: Option<String>,
        /// Build even when data files that policy-test loads would be left out of the bundle
        #[arg(long)]
        allow_unshipped_data: bool,
    },
    /// Generate, import or show the Cosign keypair (password from COSIGN_PASSWORD or a prompt)
    PolicyKeys {
        /// Key directory (must be git-ignored)
        #[arg(long, default_value = DEFAULT_KEYS)]
        dir: PathBuf,
        /// Import an existing cosign private key (cosign 1.x or 2.x format)
        #[arg(long, value_name = "FILE")]
        import: Option<PathBuf>,
        /// Replace existing keys; the old pair is kept beside them with a timestamp suffix
        #[arg(long)]
        force: bool,
    },
    /// Test, build, push to OCI and sign: the one-shot release step
    PolicyBundle {
        /// Policy directory
        #[arg(long, default_value = DEFAULT_POLICY_DIR)]
        dir: PathBuf,
        /// Destination: `host[:port]/repo[:tag]` or `oci:PATH[:TAG]` [default: oci:target/policy/oci:dev]
        #[arg(long, env = "POLICY_REF", value_name = "REF")]
        to: Option<String>,
        /// Another tag for the same digest (repeatable)
        #[arg(long = "tag", value_name = "T")]
        tags: Vec<String>,
        /// An extra manifest annotation (repeatable)
        #[arg(long = "annotation", value_name = "K=V")]
        annotations: Vec<String>,
        /// Key directory
        #[arg(long, default_value = DEFAULT_KEYS)]
        keys: PathBuf,
        /// Where to write the bundle file as well
        #[arg(long, default_value = DEFAULT_BUNDLE)]
        out: PathBuf,
        #[command(flatten)]
        net: Net,
        /// Build even when data files that policy-test loads would be left out of the bundle
        #[arg(long)]
        allow_unshipped_data: bool,
        /// Push without signing (CI without keys; the Runner must then run with verify=false)
        #[arg(long)]
        unsigned: bool,
        /// Print one JSON object for CI on stdout
        #[arg(long)]
        json: bool,
    },
    /// Verify a pushed bundle as the Runner does, and optionally extract it safely
    PolicyVerify {
        /// `host[:port]/repo[:tag|@digest]` or `oci:PATH[:TAG]`
        #[arg(value_name = "REF")]
        reference: String,
        /// The Cosign public key
        #[arg(long, default_value = ".policy-keys/cosign.pub")]
        key: PathBuf,
        /// Unpack the verified bundle into this (new or empty) directory
        #[arg(long, value_name = "DIR")]
        extract: Option<PathBuf>,
        #[command(flatten)]
        net: Net,
        /// Print one JSON object for CI on stdout
        #[arg(long)]
        json: bool,
    },
    /// Verify a pushed bundle, then copy it with its signatures to another tag, repository or registry
    PolicyPromote {
        /// Source: `host[:port]/repo[:tag|@digest]` or `oci:PATH[:TAG]`
        #[arg(value_name = "SRC")]
        src: String,
        /// Destination: `host[:port]/repo[:tag]` or `oci:PATH[:TAG]`
        #[arg(value_name = "DST")]
        dst: String,
        /// The Cosign public key SRC must verify with
        #[arg(long, default_value = ".policy-keys/cosign.pub")]
        key: PathBuf,
        /// Another tag for the promoted digest (repeatable)
        #[arg(long = "tag", value_name = "T")]
        tags: Vec<String>,
        #[command(flatten)]
        net: Net,
        /// Print one JSON object for CI on stdout
        #[arg(long)]
        json: bool,
    },
    /// Apply the public key as the `policy-pub-key` ConfigMap (server-side apply)
    PolicyPubDeploy {
        /// The Cosign public key
        #[arg(long, default_value = ".policy-keys/cosign.pub")]
        key: PathBuf,
        #[command(flatten)]
        cluster: Cluster,
        /// Print the manifest instead of applying it
        #[arg(long)]
        dry_run: bool,
    },
    /// `.env` to the `trustacks-runner-llm` Secret; `secrets status` shows what exists
    Secrets {
        #[command(subcommand)]
        action: Option<SecretsAction>,
        /// The env file to read
        #[arg(long, default_value = ".env")]
        env_file: PathBuf,
        #[command(flatten)]
        cluster: Cluster,
        /// Print the manifest with every value redacted instead of applying it
        #[arg(long)]
        dry_run: bool,
        /// Create the namespace when it is missing
        #[arg(long)]
        create_namespace: bool,
    },
    /// Create a repository's ed25519 deploy key as a labelled Secret; prints the public key
    DeployKey {
        /// Repository name (DNS-1123 label): the Secret is `<REPO>-deploy-key`
        repo: String,
        /// Register the key with write access (default: read-only)
        #[arg(long)]
        read_write: bool,
        /// Replace an existing key
        #[arg(long)]
        rotate: bool,
        #[command(flatten)]
        cluster: Cluster,
    },
    /// Measure the publish path against tar, gzip and skopeo (needs docker-registry, skopeo)
    Bench {
        /// Size of the generated policy tree for the packing benchmark, in MiB
        #[arg(long, default_value_t = 50)]
        mb: usize,
    },
}

/// Where cluster commands act.
#[derive(clap::Args)]
struct Cluster {
    /// kubectl context (default: the current one)
    #[arg(long)]
    context: Option<String>,
    /// Namespace
    #[arg(long, short = 'n', default_value = DEFAULT_NAMESPACE)]
    namespace: String,
}

/// How commands that talk to a registry connect.
#[derive(clap::Args)]
struct Net {
    /// Extra CA certificates (PEM) to trust besides the system store
    #[arg(long, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Do not check the registry's TLS certificate (prints a warning)
    #[arg(long)]
    insecure: bool,
    /// Speak plain HTTP to the registry (loopback hosts fall back to it when TLS fails)
    #[arg(long)]
    plain_http: bool,
    /// Give up on the whole command after this long (e.g. 90s, 5m)
    #[arg(long, value_name = "DURATION")]
    timeout: Option<String>,
}

impl Net {
    fn options(self) -> anyhow::Result<oci::net::Options> {
        oci::net::Options::new(
            self.ca_file,
            self.insecure,
            self.plain_http,
            self.timeout.as_deref(),
        )
    }
}

#[derive(Subcommand)]
enum SecretsAction {
    /// Which expected items exist (✓/✗), never their values
    Status {
        #[command(flatten)]
        cluster: Cluster,
        /// The local public key to compare with the cluster's
        #[arg(long, default_value = ".policy-keys/cosign.pub")]
        key: PathBuf,
        /// Print one JSON object for CI on stdout
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::PolicyTest { dir, run, verbose } => {
            policy::test::policy_test(&dir, run.as_deref(), verbose, &mut std::io::stdout())
                .map(drop)
        }
        Command::PolicyBuild {
            dir,
            out,
            revision,
            allow_unshipped_data,
        } => policy::bundle::policy_build(&dir, &out, revision, allow_unshipped_data).map(drop),
        Command::PolicyKeys { dir, import, force } => {
            cosign::keydir::policy_keys(&dir, import.as_deref(), force)
        }
        Command::PolicyBundle {
            dir,
            to,
            tags,
            annotations,
            keys,
            out,
            net,
            allow_unshipped_data,
            unsigned,
            json,
        } => net.options().and_then(|net| {
            publish::policy_bundle(&publish::Options {
                dir,
                to,
                tags,
                annotations,
                json,
                keys,
                out,
                net,
                allow_unshipped_data,
                unsigned,
            })
        }),
        Command::PolicyVerify {
            reference,
            key,
            extract,
            net,
            json,
        } => net.options().and_then(|net| {
            verify::policy_verify(&verify::Options {
                reference,
                key,
                extract,
                json,
                net,
            })
        }),
        Command::PolicyPromote {
            src,
            dst,
            key,
            tags,
            net,
            json,
        } => net.options().and_then(|net| {
            promote::policy_promote(&promote::Options {
                src,
                dst,
                key,
                tags,
                net,
                json,
            })
        }),
        Command::Bench { mb } => bench::run(mb),
        Command::PolicyPubDeploy {
            key,
            cluster,
            dry_run,
        } => {
            policy_pub_deploy::policy_pub_deploy(&key, cluster.context, &cluster.namespace, dry_run)
        }
        Command::Secrets {
            action: Some(SecretsAction::Status { cluster, key, json }),
            ..
        } => secrets::status(&secrets::StatusOptions {
            context: cluster.context,
            namespace: cluster.namespace,
            key,
            json,
        }),
        Command::Secrets {
            action: None,
            env_file,
            cluster,
            dry_run,
            create_namespace,
        } => secrets::secrets(&secrets::SecretsOptions {
            env_file,
            context: cluster.context,
            namespace: cluster.namespace,
            dry_run,
            create_namespace,
        }),
        Command::DeployKey {
            repo,
            read_write,
            rotate,
            cluster,
        } => deploy_key::deploy_key(&deploy_key::Options {
            repo,
            read_write,
            rotate,
            context: cluster.context,
            namespace: cluster.namespace,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` joins anyhow's context chain on one line: `what: why`.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
