//! `cargo xtask`: test, build, publish and verify the policy constitution, and bootstrap the
//! Runner's cluster objects. This file parses the command line and dispatches; nothing else.

mod fsutil;
mod git;
mod policy;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const DEFAULT_POLICY_DIR: &str = "policy/constitution";
const DEFAULT_BUNDLE: &str = "target/policy/bundle.tar.gz";

/// Release and bootstrap tooling for the policy constitution (replaces the Makefile).
#[derive(Parser)]
#[command(name = "cargo xtask", version, about, propagate_version = true)]
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::PolicyTest { dir, run, verbose } => {
            policy::test::policy_test(&dir, run.as_deref(), verbose).map(drop)
        }
        Command::PolicyBuild {
            dir,
            out,
            revision,
            allow_unshipped_data,
        } => policy::bundle::policy_build(&dir, &out, revision, allow_unshipped_data).map(drop),
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
