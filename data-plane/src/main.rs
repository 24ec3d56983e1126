//! `dynastore-data-plane`: loads the config (`--config FILE`, then
//! `DYNASTORE_DP_*`), binds, and runs until SIGINT/SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use dynastore_common::{config, shutdown, telemetry};
use dynastore_data_plane::config::ENV_PREFIX;
use dynastore_data_plane::Config;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    dynastore_common::allocator::apply();
    match dynastore_common::runtime::build() {
        Ok(rt) => rt.block_on(run()),
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> ExitCode {
    telemetry::init();
    let mut args = std::env::args().skip(1);
    let mut file: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => file = args.next().map(PathBuf::from),
            other => {
                eprintln!("unknown argument {other}; usage: dynastore-data-plane [--config FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let config: Config = match config::load(file.as_deref(), ENV_PREFIX) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", config.listen);
            return ExitCode::FAILURE;
        }
    };
    let (trigger, stop) = shutdown::channel();
    tokio::spawn(async move {
        shutdown::signal().await;
        trigger.fire();
    });
    match dynastore_data_plane::run(config, listener, stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("data plane failed: {e}");
            ExitCode::FAILURE
        }
    }
}
