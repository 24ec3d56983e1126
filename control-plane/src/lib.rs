//! Dynastore's control plane: owns all metadata in Postgres (tenants, users,
//! access keys, the table catalog) and serves it to data planes over the
//! internal API, plus health and metrics.
//!
//! Map:
//! - [`config`]: the one config struct;
//! - [`db`]: the pool, migrations and every SQL statement, by resource;
//! - [`feed`]: the latest config revision (LISTEN/NOTIFY + poll);
//! - `internal_api`: snapshot and change long-poll for data planes;
//! - `tables_api`: CreateTable / DeleteTable applied to the catalog;
//! - `health`: liveness, readiness, `/metrics`;
//! - `bootstrap`: idempotent tenant and root-key set-up;
//! - [`crypto`]: sealing access-key secrets at rest;
//! - [`error`]: the error enum and its one HTTP mapping.

pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod feed;
pub mod ids;

mod bootstrap;
mod health;
mod internal_api;
mod tables_api;

use std::sync::Arc;

use axum::Router;
use dynastore_common::shutdown::Shutdown;
use sqlx::PgPool;
use tokio::net::TcpListener;

pub use config::Config;
pub use error::{Error, Result};

/// The control plane's shared state.
#[derive(Debug)]
pub struct ControlPlane {
    /// The catalog database.
    pub pool: PgPool,
    /// Seals access-key secrets.
    pub master: crypto::MasterKey,
    /// Settings.
    pub config: Config,
    feed: feed::Feed,
    metrics: health::Metrics,
}

impl ControlPlane {
    /// Validates the config, connects, migrates, and starts the revision
    /// feed (which stops with `shutdown`).
    pub async fn start(config: Config, shutdown: Shutdown) -> Result<Arc<ControlPlane>> {
        config.validate().map_err(Error::Config)?;
        let pool = db::connect(config.database_url.expose(), config.db_max_connections).await?;
        db::migrate(&pool).await?;
        Self::with_pool(pool, config, shutdown).await
    }

    /// Like [`ControlPlane::start`] on an existing, migrated pool.
    pub async fn with_pool(pool: PgPool, config: Config, shutdown: Shutdown) -> Result<Arc<ControlPlane>> {
        config.validate().map_err(Error::Config)?;
        let master = config.master_key().map_err(Error::Config)?;
        let feed = feed::Feed::start(pool.clone(), shutdown).await?;
        Ok(Arc::new(ControlPlane {
            pool,
            master,
            config,
            feed,
            metrics: health::Metrics::new(),
        }))
    }

    /// Every route of the control plane.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .merge(health::router())
            .merge(internal_api::router())
            .merge(tables_api::router())
            .with_state(Arc::clone(self))
    }

    /// Serves on `listener` until `shutdown` fires, then drains.
    pub async fn serve(self: &Arc<Self>, listener: TcpListener, shutdown: Shutdown) -> Result<()> {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown.wait())
            .await?;
        Ok(())
    }
}

/// Starts the control plane and serves on `listener` until `shutdown`.
pub async fn run(config: Config, listener: TcpListener, shutdown: Shutdown) -> Result<()> {
    let cp = ControlPlane::start(config, shutdown.clone()).await?;
    tracing::info!(addr = ?listener.local_addr().ok(), "control plane listening");
    cp.serve(listener, shutdown).await
}
