//! Dynastore's control plane: owns all metadata in Postgres (tenants, users,
//! access keys, policies, the table catalog, the audit log), serves it to
//! data planes over the internal API and to operators over the admin REST
//! API, plus health and metrics.
//!
//! Map:
//! - [`config`]: the config structs (core and admin API);
//! - [`admin`]: the admin REST API under `/v1` (JWT), its OpenAPI document;
//! - [`db`]: the pool, migrations and every SQL statement, by resource;
//! - [`feed`]: the latest config revision (LISTEN/NOTIFY + poll);
//! - `internal_api`: snapshot and change long-poll for data planes;
//! - `tables_api`: CreateTable / DeleteTable / table changes applied to
//!   the catalog;
//! - `quotas`: tenant quotas checked there (table count, provisioned
//!   capacity), with DynamoDB's errors;
//! - `health`: liveness, readiness, `/metrics`;
//! - `bootstrap`: idempotent tenant and root-key set-up;
//! - [`crypto`]: sealing access-key secrets at rest;
//! - [`error`]: the error enum and its one HTTP mapping.

pub mod admin;
pub mod config;
pub mod crypto;
pub mod db;
pub mod error;
pub mod feed;
pub mod ids;

mod bootstrap;
mod health;
mod internal_api;
mod quotas;
mod replicas_api;
mod tables_api;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use dynastore_common::shutdown::Shutdown;
use sqlx::PgPool;
use tokio::net::TcpListener;

pub use config::{AdminConfig, Config, Settings};
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
    /// Verifies admin API tokens; `None` when the admin API is disabled.
    admin: Option<admin::auth::Verifier>,
}

impl ControlPlane {
    /// Validates the config, connects, migrates, and starts the revision
    /// feed (which stops with `shutdown`). The admin API is disabled.
    pub async fn start(config: Config, shutdown: Shutdown) -> Result<Arc<ControlPlane>> {
        Self::start_with_admin(config, AdminConfig::disabled(), shutdown).await
    }

    /// [`ControlPlane::start`] with the admin API as `admin` configures it.
    pub async fn start_with_admin(
        config: Config,
        admin: AdminConfig,
        shutdown: Shutdown,
    ) -> Result<Arc<ControlPlane>> {
        config.validate().map_err(Error::Config)?;
        admin.validate().map_err(Error::Config)?;
        let pool = db::connect(config.database_url.expose(), config.db_max_connections).await?;
        db::migrate(&pool).await?;
        Self::with_pool_and_admin(pool, config, admin, shutdown).await
    }

    /// Like [`ControlPlane::start`] on an existing, migrated pool.
    pub async fn with_pool(pool: PgPool, config: Config, shutdown: Shutdown) -> Result<Arc<ControlPlane>> {
        Self::with_pool_and_admin(pool, config, AdminConfig::disabled(), shutdown).await
    }

    /// Like [`ControlPlane::start_with_admin`] on an existing, migrated pool.
    pub async fn with_pool_and_admin(
        pool: PgPool,
        config: Config,
        admin: AdminConfig,
        shutdown: Shutdown,
    ) -> Result<Arc<ControlPlane>> {
        config.validate().map_err(Error::Config)?;
        let master = config.master_key().map_err(Error::Config)?;
        let verifier = admin::auth::Verifier::from_config(&admin).map_err(Error::Config)?;
        let feed = feed::Feed::start(pool.clone(), shutdown).await?;
        Ok(Arc::new(ControlPlane {
            pool,
            master,
            config,
            feed,
            metrics: health::Metrics::new(),
            admin: verifier,
        }))
    }

    /// The admin API's token verifier, when the admin API is enabled.
    pub fn admin_verifier(&self) -> Option<&admin::auth::Verifier> {
        self.admin.as_ref()
    }

    /// Every route of the control plane (`/v1` only with the admin API).
    pub fn router(self: &Arc<Self>) -> Router {
        let mut router = Router::new()
            .merge(health::router())
            .merge(internal_api::router())
            .merge(tables_api::router())
            .route("/openapi.json", axum::routing::get(admin::openapi::serve));
        if self.admin.is_some() {
            router = router.merge(admin::router());
        }
        router.with_state(Arc::clone(self))
    }

    /// Serves on `listener` until `shutdown` fires, then drains. Handlers
    /// see the peer address (the audit log's source address).
    pub async fn serve(self: &Arc<Self>, listener: TcpListener, shutdown: Shutdown) -> Result<()> {
        axum::serve(
            listener,
            self.router().into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown.wait())
        .await?;
        Ok(())
    }
}

/// Starts the control plane and serves on `listener` until `shutdown`.
pub async fn run(settings: Settings, listener: TcpListener, shutdown: Shutdown) -> Result<()> {
    let cp = ControlPlane::start_with_admin(settings.config, settings.admin, shutdown.clone()).await?;
    tracing::info!(addr = ?listener.local_addr().ok(), "control plane listening");
    cp.serve(listener, shutdown).await
}
