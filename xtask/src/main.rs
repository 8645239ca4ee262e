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

use cluster::{deploy_key, git_credential, policy_pub_deploy, rbac, secrets, status};
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
        /// Explain failures (the failing expression and its values), or trace every rule body
        #[arg(long, value_enum, default_value = "fails")]
        explain: policy::explain::Explain,
        /// Report format: lines for people, `opa test`'s JSON, or JUnit XML for CI
        #[arg(long, short = 'f', value_enum, default_value = "pretty")]
        format: policy::report::Format,
        /// Report coverage as `opa test --coverage` does (in JSON: the coverage report only)
        #[arg(long, short = 'c')]
        coverage: bool,
        /// Fail when coverage is below this percentage (implies --coverage)
        #[arg(long, value_name = "PCT")]
        threshold: Option<f64>,
    },
    /// OPA's compile-time checks, like `opa check`: every refusal as `file:line:col: class: msg`
    PolicyCheck {
        /// Policy directory
        #[arg(long, default_value = DEFAULT_POLICY_DIR)]
        dir: PathBuf,
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
        #[command(flatten)]
        tlog: TlogUpload,
        #[command(flatten)]
        keyless: KeylessArgs,
        /// Release this SemVer version: tags <version>, <major> and latest (a pre-release only
        /// <version>) and the org.opencontainers.image.version annotation
        #[arg(long, value_name = "X.Y.Z")]
        release: Option<String>,
        /// Print one JSON object for CI on stdout
        #[arg(long)]
        json: bool,
        /// Refuse to push or sign unless the cluster's policy-pub-key is this key
        #[arg(long)]
        check_cluster: bool,
        #[command(flatten)]
        cluster: Cluster,
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
        #[command(flatten)]
        log: TlogCheck,
        #[command(flatten)]
        identity: IdentityCheck,
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
        #[command(flatten)]
        log: TlogCheck,
        #[command(flatten)]
        identity: IdentityCheck,
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
    /// `.env` to the `trustacks-runner-llm` Secret (`secrets status` is `status`)
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
    /// Evaluate a query over the policy tree or a built bundle, like `opa eval`
    PolicyEval {
        /// Policy directory
        #[arg(long, default_value = DEFAULT_POLICY_DIR, conflicts_with = "bundle")]
        dir: PathBuf,
        /// Evaluate a built bundle `.tar.gz`, or one unpacked by `policy-verify --extract`
        #[arg(long, value_name = "FILE|DIR")]
        bundle: Option<PathBuf>,
        /// The input document: a JSON or YAML file, or `-` for stdin
        #[arg(long, short = 'i', value_name = "FILE")]
        input: Option<PathBuf>,
        /// Another data document (merged at the root of `data`) or `.rego` module (repeatable)
        #[arg(long, short = 'd', value_name = "FILE")]
        data: Vec<PathBuf>,
        /// Output format
        #[arg(long, short = 'f', value_enum, default_value = "json")]
        format: policy::eval::Format,
        /// Exit 1 when the result is undefined
        #[arg(long)]
        fail: bool,
        /// Exit 1 when the result is defined
        #[arg(long, conflicts_with = "fail")]
        fail_defined: bool,
        /// The Rego query, e.g. `data.constitution.decision`
        query: String,
    },
    /// Show what a bundle file or pushed reference holds, like `opa inspect`
    PolicyInspect {
        /// A bundle `.tar.gz`, `host[:port]/repo[:tag|@digest]` or `oci:PATH[:TAG]`
        #[arg(value_name = "BUNDLE|REF")]
        target: String,
        /// The Cosign public key the signature of a REF is checked with
        #[arg(long, default_value = ".policy-keys/cosign.pub")]
        key: PathBuf,
        #[command(flatten)]
        net: Net,
        #[command(flatten)]
        log: TlogCheck,
        #[command(flatten)]
        identity: IdentityCheck,
        /// Print one JSON object on stdout
        #[arg(long)]
        json: bool,
    },
    /// Is the Runner ready? One row per need (LLM, deploy keys, Git API, signed bundle)
    Status {
        #[command(flatten)]
        args: StatusArgs,
    },
    /// The Runner's Git API credential as a Secret: a Gitea token or a GitHub App
    GitCredential {
        #[command(subcommand)]
        kind: GitCredentialKind,
        /// The env file read for values not given by flags
        #[arg(long, default_value = ".env", global = true)]
        env_file: PathBuf,
        /// Print the manifest with every value redacted instead of applying it
        #[arg(long, global = true)]
        dry_run: bool,
    },
    /// Print the least-privilege ServiceAccount, Role and RoleBinding the cluster commands need
    Rbac {
        /// Namespace the commands act in
        #[arg(long, short = 'n', default_value = DEFAULT_NAMESPACE)]
        namespace: String,
        /// The ServiceAccount to bind
        #[arg(long, default_value = "trustacks-xtask")]
        service_account: String,
        /// Also grant creating the namespace (what `secrets --create-namespace` needs)
        #[arg(long)]
        create_namespace: bool,
        /// Print a JSON `List` instead of YAML
        #[arg(long)]
        json: bool,
    },
    /// Measure the publish path against tar, gzip and skopeo (needs docker-registry, skopeo)
    Bench {
        /// Size of the generated policy tree for the packing benchmark, in MiB
        #[arg(long, default_value_t = 50)]
        mb: usize,
        /// Only what signing with a transparency log costs beyond its round trips (in process)
        #[arg(long)]
        tlog: bool,
    },
    /// Differential fuzzing: random Rego programs through our engine and the real OPA
    FuzzRego {
        /// Run this many minutes (adds to --seconds)
        #[arg(long, default_value_t = 0)]
        minutes: u64,
        /// Run this many seconds [default: 60 when --minutes is not given]
        #[arg(long)]
        seconds: Option<u64>,
        /// First seed; program N uses seed S+N
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Stop after this many programs (a fixed seed range)
        #[arg(long)]
        count: Option<u64>,
        /// Python with `opa_bindings` [default: $OPA_PYTHON, else target/opa-venv/bin/python]
        #[arg(long)]
        python: Option<PathBuf>,
        /// Save each shrunk divergence as a side-by-side tree under DIR
        #[arg(long, value_name = "DIR")]
        save: Option<PathBuf>,
        /// Open divergences (`SEED KIND` lines) that do not fail the run
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
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
    /// Give up on the whole command after this long (e.g. 30s, 5m, 1m30s) [default: each
    /// registry operation, all its retries included, gives up after 90s]
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

/// Where signing logs signatures (cosign's `--rekor-url`, `--tlog-upload`).
#[derive(clap::Args)]
struct TlogUpload {
    /// The Rekor transparency log signatures are uploaded to
    #[arg(long, env = "POLICY_REKOR_URL", default_value = cosign::rekor::PUBLIC_REKOR)]
    rekor_url: String,
    /// Upload each signature to the log [default: true for a registry, false for an oci: layout]
    #[arg(long, env = "POLICY_TLOG_UPLOAD", value_name = "BOOL", num_args = 0..=1,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    tlog_upload: Option<bool>,
}

/// Keyless signing (cosign's `--identity-token`, `--fulcio-url`).
#[derive(clap::Args)]
struct KeylessArgs {
    /// Sign with an ephemeral key certified by Fulcio for the CI job's OIDC identity
    #[arg(long, conflicts_with = "unsigned")]
    keyless: bool,
    /// The identity token as `@FILE` (a literal value also works but lands in argv)
    /// [default: SIGSTORE_ID_TOKEN, then GitHub Actions' token endpoint]
    #[arg(long, value_name = "@FILE", requires = "keyless")]
    identity_token: Option<String>,
    /// The Fulcio certificate authority
    #[arg(long, env = "POLICY_FULCIO_URL", default_value = cosign::fulcio::PUBLIC_FULCIO)]
    fulcio_url: String,
}

/// Keyless verification by certificate identity, with cosign's flags and meaning.
#[derive(clap::Args)]
struct IdentityCheck {
    /// Verify keyless: the certificate's SAN must be exactly this (instead of --key)
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "certificate_identity_regexp"
    )]
    certificate_identity: Option<String>,
    /// Verify keyless: the certificate's SAN must match this regular expression
    #[arg(long, value_name = "RE")]
    certificate_identity_regexp: Option<String>,
    /// The certificate's OIDC issuer must be exactly this
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    certificate_oidc_issuer: Option<String>,
    /// The certificate's OIDC issuer must match this regular expression
    #[arg(long, value_name = "RE")]
    certificate_oidc_issuer_regexp: Option<String>,
    /// Do not check the certificate's embedded SCT (as cosign's flag)
    #[arg(long)]
    insecure_ignore_sct: bool,
}

impl IdentityCheck {
    fn args(self) -> cosign::identity::IdentityArgs {
        cosign::identity::IdentityArgs {
            identity: self.certificate_identity,
            identity_regexp: self.certificate_identity_regexp,
            issuer: self.certificate_oidc_issuer,
            issuer_regexp: self.certificate_oidc_issuer_regexp,
            insecure_ignore_sct: self.insecure_ignore_sct,
        }
    }
}

/// How log evidence is verified (cosign's `--trusted-root`, `--insecure-ignore-tlog`).
#[derive(clap::Args)]
struct TlogCheck {
    /// Sigstore trusted_root.json with the log keys [default: the built-in public-good root]
    #[arg(long, env = "POLICY_TRUSTED_ROOT", value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Accept a signature whose transparency-log entry is missing (not checked), with a warning
    #[arg(long, env = "POLICY_INSECURE_IGNORE_TLOG")]
    insecure_ignore_tlog: bool,
}

impl TlogCheck {
    fn args(self) -> cosign::signature::LogArgs {
        cosign::signature::LogArgs {
            trusted_root: self.trusted_root,
            insecure_ignore_tlog: self.insecure_ignore_tlog,
        }
    }
}

#[derive(Subcommand)]
enum SecretsAction {
    /// The same as `cargo xtask status`
    Status {
        #[command(flatten)]
        args: StatusArgs,
    },
}

#[derive(clap::Args)]
struct StatusArgs {
    #[command(flatten)]
    cluster: Cluster,
    /// The bundle the Runner pulls [default: POLICY_REF, else policy-bundle's default]
    #[arg(long, env = "POLICY_REF", value_name = "REF")]
    bundle_ref: Option<String>,
    /// The local public key, which must be the cluster's
    #[arg(long, default_value = ".policy-keys/cosign.pub")]
    key: PathBuf,
    #[command(flatten)]
    net: Net,
    #[command(flatten)]
    log: TlogCheck,
    #[command(flatten)]
    identity: IdentityCheck,
    /// Print one JSON object for CI on stdout
    #[arg(long)]
    json: bool,
}

impl StatusArgs {
    fn options(self) -> anyhow::Result<status::Options> {
        Ok(status::Options {
            context: self.cluster.context,
            namespace: self.cluster.namespace,
            bundle_ref: self.bundle_ref,
            key: self.key,
            net: self.net.options()?,
            json: self.json,
            log: self.log.args(),
            identity: self.identity.args(),
        })
    }
}

#[derive(Subcommand)]
enum GitCredentialKind {
    /// `gitea-api-token` (key `token`) [.env: GITEA_API_TOKEN]
    Gitea {
        /// File holding the token, `-` for stdin
        #[arg(long, value_name = "FILE")]
        token_file: Option<PathBuf>,
        #[command(flatten)]
        cluster: Cluster,
    },
    /// `trustacks-github-app` (app-id, private-key.pem, webhook-secret)
    /// [.env: GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY_FILE, GITHUB_WEBHOOK_SECRET]
    GithubApp {
        /// The App's numeric ID
        #[arg(long, value_name = "ID")]
        app_id: Option<String>,
        /// The App's private key (PEM, RSA), `-` for stdin
        #[arg(long, value_name = "FILE")]
        private_key: Option<PathBuf>,
        /// File holding the webhook secret, `-` for stdin
        #[arg(long, value_name = "FILE")]
        webhook_secret_file: Option<PathBuf>,
        #[command(flatten)]
        cluster: Cluster,
    },
}

fn main() -> ExitCode {
    // Errors are printed as one line, never with a backtrace, yet with RUST_BACKTRACE=1 (common
    // on a Rust developer's machine) anyhow captures one for every error the Rego engine makes
    // and drops: 40% of a warm `policy-bundle`. Panics keep their backtraces.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::PolicyTest {
            dir,
            run,
            verbose,
            explain,
            format,
            coverage,
            threshold,
        } => {
            let o = policy::test::TestOptions {
                run: run.as_deref(),
                verbose,
                explain,
                format,
                coverage,
                threshold,
            };
            policy::test::policy_test_with(&dir, &o, &mut std::io::stdout()).map(drop)
        }
        Command::PolicyCheck { dir } => policy::check::policy_check(&dir),
        Command::PolicyBuild {
            dir,
            out,
            revision,
            allow_unshipped_data,
        } => policy::build::policy_build(&dir, &out, revision, allow_unshipped_data).map(drop),
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
            tlog,
            keyless,
            release,
            json,
            check_cluster,
            cluster,
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
                check_cluster: check_cluster.then_some((cluster.context, cluster.namespace)),
                tlog_upload: tlog.tlog_upload,
                rekor_url: tlog.rekor_url,
                keyless: keyless.keyless.then_some(publish::Keyless {
                    identity_token: keyless.identity_token,
                    fulcio_url: keyless.fulcio_url,
                }),
                release,
            })
        }),
        Command::PolicyVerify {
            reference,
            key,
            extract,
            net,
            log,
            identity,
            json,
        } => net.options().and_then(|net| {
            verify::policy_verify(&verify::Options {
                reference,
                key,
                extract,
                json,
                net,
                log: log.args(),
                identity: identity.args(),
            })
        }),
        Command::PolicyPromote {
            src,
            dst,
            key,
            tags,
            net,
            log,
            identity,
            json,
        } => net.options().and_then(|net| {
            promote::policy_promote(&promote::Options {
                src,
                dst,
                key,
                tags,
                net,
                json,
                log: log.args(),
                identity: identity.args(),
            })
        }),
        Command::PolicyEval {
            dir,
            bundle,
            input,
            data,
            format,
            fail,
            fail_defined,
            query,
        } => {
            // OPA's exit codes: 1 for --fail/--fail-defined, 2 for an error.
            let o = policy::eval::Options {
                dir,
                bundle,
                input,
                data,
                format,
                fail,
                fail_defined,
                query,
            };
            return match policy::eval::policy_eval(&o) {
                Ok(code) => ExitCode::from(code),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(2)
                }
            };
        }
        Command::PolicyInspect {
            target,
            key,
            net,
            log,
            identity,
            json,
        } => net.options().and_then(|net| {
            policy::inspect::policy_inspect(&policy::inspect::Options {
                target,
                key,
                net,
                json,
                log: log.args(),
                identity: identity.args(),
            })
        }),
        Command::Bench { tlog: true, .. } => bench::tlog::run(),
        Command::Bench { mb, .. } => bench::run(mb),
        Command::FuzzRego {
            minutes,
            seconds,
            seed,
            count,
            python,
            save,
            expect,
        } => policy::fuzz::fuzz_rego(policy::fuzz::Args {
            minutes,
            seconds,
            seed,
            count,
            python,
            save,
            expect,
        }),
        Command::PolicyPubDeploy {
            key,
            cluster,
            dry_run,
        } => {
            policy_pub_deploy::policy_pub_deploy(&key, cluster.context, &cluster.namespace, dry_run)
        }
        Command::Secrets {
            action: Some(SecretsAction::Status { args }),
            ..
        } => args.options().and_then(|o| status::status(&o)),
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
        Command::Status { args } => args.options().and_then(|o| status::status(&o)),
        Command::GitCredential {
            kind,
            env_file,
            dry_run,
        } => {
            let (kind, cluster) = match kind {
                GitCredentialKind::Gitea {
                    token_file,
                    cluster,
                } => (git_credential::Kind::Gitea { token_file }, cluster),
                GitCredentialKind::GithubApp {
                    app_id,
                    private_key,
                    webhook_secret_file,
                    cluster,
                } => (
                    git_credential::Kind::GithubApp {
                        app_id,
                        private_key,
                        webhook_secret_file,
                    },
                    cluster,
                ),
            };
            git_credential::git_credential(&git_credential::Options {
                kind,
                env_file,
                context: cluster.context,
                namespace: cluster.namespace,
                dry_run,
            })
        }
        Command::Rbac {
            namespace,
            service_account,
            create_namespace,
            json,
        } => rbac::rbac(&rbac::Options {
            namespace,
            service_account,
            create_namespace,
            json,
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
