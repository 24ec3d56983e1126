//! `dynastore-control-plane`: loads the config (`--config FILE`, then
//! `DYNASTORE_CP_*`), binds, and runs until SIGINT/SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;

use dynastore_common::{config, shutdown, telemetry};
use dynastore_control_plane::config::ENV_PREFIX;
use dynastore_control_plane::Settings;

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let mut args = std::env::args().skip(1);
    let mut file: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--config" => file = args.next().map(PathBuf::from),
            other => {
                eprintln!("unknown argument {other}; usage: dynastore-control-plane [--config FILE]");
                return ExitCode::from(2);
            }
        }
    }
    let settings: Settings = match config::load(file.as_deref(), ENV_PREFIX) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&settings.config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", settings.config.listen);
            return ExitCode::FAILURE;
        }
    };
    let (trigger, stop) = shutdown::channel();
    tokio::spawn(async move {
        shutdown::signal().await;
        trigger.fire();
    });
    match dynastore_control_plane::run(settings, listener, stop).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("control plane failed: {e}");
            ExitCode::FAILURE
        }
    }
}
