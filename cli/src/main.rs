//! The `dynastore` command: `dev` runs the whole stack locally (private
//! Postgres, control plane, data plane, a `default` tenant); `postgres`
//! runs only a private Postgres cluster in the foreground (used by the test
//! script); `bench` measures the data plane against a bare-server ceiling;
//! `admin` drives the control plane's admin REST API.

mod admin;
mod bench;
mod dev;
mod postgres;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "dynastore", version, about = "Self-hosted, multi-tenant, DynamoDB-compatible database")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole stack on this machine, ready for `aws dynamodb`.
    Dev(dev::DevArgs),
    /// Run a private PostgreSQL cluster in the foreground; prints its URL.
    Postgres(postgres::PostgresArgs),
    /// Load-test the DynamoDB API (PutItem, GetItem, mixed, Query) against a
    /// bare-server ceiling; starts the whole stack unless --endpoint.
    Bench(bench::BenchArgs),
    /// Administer tenants, users, access keys, policies; read tables and the
    /// audit log (the control plane's admin API).
    Admin(admin::AdminArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Dev(_) | Command::Bench(_)) {
        // These run the data plane in this process.
        dynastore_common::allocator::apply();
    }
    dynastore_common::telemetry::init();
    let runtime = match dynastore_common::runtime::build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Dev(args) => dev::run(args).await,
            Command::Postgres(args) => postgres::run(args).await,
            Command::Bench(args) => bench::run(args).await,
            Command::Admin(args) => admin::run(args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
