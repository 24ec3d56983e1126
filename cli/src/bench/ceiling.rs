//! The ceiling: a bare axum server that does the least any DynamoDB
//! front end must do — read the body, parse it as JSON
//! (`serde_json::Value`) and answer a fixed small JSON reply. Driven by the
//! same generator with the same signed requests, it shows what this machine
//! (client and server sharing its cores) can do at all, so the data plane's
//! figures can be read as a fraction of it.
//!
//! It runs in-process on `127.0.0.1:0`, on the same runtime as the stack
//! the bench starts, with axum's defaults like the data plane's server.

use std::net::SocketAddr;

use anyhow::Context;
use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use dynastore_common::shutdown::{self, Trigger};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The fixed reply.
const REPLY: &str = "{}";

/// A running ceiling server.
#[derive(Debug)]
pub struct Ceiling {
    /// Where it listens.
    pub addr: SocketAddr,
    trigger: Trigger,
    task: JoinHandle<std::io::Result<()>>,
}

async fn handle(body: Bytes) -> impl IntoResponse {
    let ct = [(header::CONTENT_TYPE, super::signer::CONTENT_TYPE)];
    match serde_json::from_slice::<serde_json::Value>(&body) {
        Ok(_) => (StatusCode::OK, ct, REPLY),
        Err(_) => (
            StatusCode::BAD_REQUEST,
            ct,
            r#"{"__type":"com.amazon.coral.service#SerializationException"}"#,
        ),
    }
}

impl Ceiling {
    /// Binds `127.0.0.1:0` and serves on the current runtime.
    pub async fn start() -> anyhow::Result<Ceiling> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding the ceiling server")?;
        let addr = listener.local_addr()?;
        let (trigger, stop) = shutdown::channel();
        let app = Router::new().route("/", post(handle));
        let task = tokio::spawn(async move { axum::serve(listener, app).with_graceful_shutdown(stop.wait()).await });
        Ok(Ceiling { addr, trigger, task })
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.trigger.fire();
        self.task.await.context("ceiling server task")?.context("ceiling server")?;
        Ok(())
    }
}
