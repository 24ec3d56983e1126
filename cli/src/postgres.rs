//! `dynastore postgres`: a private PostgreSQL cluster in the foreground,
//! from the installed server binaries, until SIGINT/SIGTERM. Prints
//! `DATABASE_URL=…` once it accepts connections.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

/// Flags of `dynastore postgres`.
#[derive(Debug, Args)]
pub struct PostgresArgs {
    /// Directory of the cluster (created and initialised if missing).
    #[arg(long, default_value = "./.dynastore/postgres")]
    pub dir: PathBuf,
    /// TCP port on 127.0.0.1 (default: the last one used, else a free one).
    #[arg(long)]
    pub port: Option<u16>,
}

/// Runs the cluster until a signal arrives.
pub async fn run(args: PostgresArgs) -> anyhow::Result<()> {
    let opts = pgcluster::Options {
        dir: args.dir,
        port: args.port,
        bin_dir: None,
    };
    let cluster = tokio::task::spawn_blocking(move || pgcluster::Cluster::start(opts))
        .await
        .context("postgres start task failed")??;
    println!("DATABASE_URL={}", cluster.url());
    dynastore_common::shutdown::signal().await;
    tokio::task::spawn_blocking(move || cluster.stop())
        .await
        .context("postgres stop task failed")??;
    Ok(())
}
