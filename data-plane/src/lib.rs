//! Dynastore's data plane: serves the DynamoDB JSON 1.0 API. Each request is
//! verified (SigV4) against an in-memory copy of the control plane's config,
//! routed by `X-Amz-Target`, and executed.
//!
//! Map:
//! - [`config`]: the one config struct;
//! - [`catalog`]: the in-memory config copy (tenants, keys, tables);
//! - [`sync`]: snapshot + long-poll that keeps the catalog current;
//! - `server`: the HTTP wrapper (body limit, auth, routing, encoding);
//! - [`auth`]: SigV4 verification → [`auth::Verified`];
//! - `ops`: typed operations and their dispatch table;
//! - [`error`]: the error enum and its one wire mapping;
//! - `metrics`: Prometheus series;
//! - `sts`: STS's GetCallerIdentity, for callers that ask who they are.

pub mod auth;
pub mod catalog;
pub mod config;
pub mod error;
pub mod items;
pub mod sync;

mod metrics;
mod ops;
pub mod authz;
mod body;
mod cork;
mod encoding;
mod ids;
mod server;
mod sts;
mod throttle;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use axum::serve::ListenerExt as _;
use dynastore_common::shutdown::Shutdown;
use tokio::net::TcpListener;

pub use config::Config;
/// Every route of the data plane, for serving it on something other than
/// [`DataPlane::serve`]'s listener (the `request_cost` example drives it
/// in process).
pub use server::router;

/// The data plane's shared state.
#[derive(Debug)]
pub struct DataPlane {
    /// Settings.
    pub config: Config,
    /// The current config copy; `None` until the first snapshot arrives.
    pub catalog: Arc<ArcSwapOption<catalog::Catalog>>,
    client: sync::ControlPlaneClient,
    /// Every tenant's items.
    pub items: Arc<items::ItemStore>,
    /// TransactWriteItems' ClientRequestTokens of the last 10 minutes
    /// (also kept in storage; the maintenance loop trims both together).
    client_tokens: Arc<ops::ClientTokens>,
    metrics: metrics::Metrics,
    /// Derived SigV4 signing keys.
    signing_keys: auth::SigningKeys,
    /// Tenants' on-demand throughput quota.
    throttle: throttle::Throttle,
    /// The node's row cache, when it has one (reported in the metrics).
    row_cache: Option<storage::RowCache>,
}

/// A data plane that failed to start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
    #[error("storage: {0}")]
    Storage(#[from] storage::Error),
}

impl DataPlane {
    /// Validates the config and starts the config sync loop, which stops
    /// with `shutdown`.
    pub fn start(config: Config, shutdown: Shutdown) -> Result<Arc<DataPlane>, StartError> {
        config.validate().map_err(StartError::Config)?;
        let client = sync::ControlPlaneClient::new(
            &config.control_plane_url,
            config.internal_token.clone(),
            Duration::from_secs(config.long_poll_secs),
        );
        let mut store_config = storage::TenantStoreConfig::new(&config.data_dir);
        store_config.max_open = config.max_open_tenants;
        store_config.engine.sync = config.sync_policy();
        // Fewer, larger flushes: a busy tenant otherwise flushes every few
        // thousand writes and stalls on compaction.
        store_config.engine.max_memtable_bytes = 32 * 1024 * 1024;
        store_config.engine.max_journal_bytes = 256 * 1024 * 1024;
        store_config.engine.shared_cache = Some(storage::BlockCache::with_capacity_bytes(
            config.block_cache_mib.saturating_mul(1024 * 1024),
        ));
        store_config.engine.row_cache = (config.row_cache_mib > 0)
            .then(|| {
                storage::RowCache::with_capacity_bytes(config.row_cache_mib.saturating_mul(1024 * 1024))
                    .with_write_through(items::layout::is_item_key)
            });
        let row_cache = store_config.engine.row_cache.clone();
        let tenants = Arc::new(storage::TenantStore::open(store_config)?);
        let client_tokens = Arc::new(ops::ClientTokens::default());
        let catalog = Arc::new(ArcSwapOption::empty());
        tokio::spawn(merge_quiet_tenants(Arc::clone(&tenants), shutdown.clone()));
        tokio::spawn(maintain_storage(
            Arc::clone(&tenants),
            Arc::clone(&client_tokens),
            Arc::clone(&catalog),
            shutdown.clone(),
        ));
        let metrics = metrics::Metrics::new();
        let items = Arc::new(
            items::ItemStore::new(tenants)
                .with_collection_limit(config.item_collection_limit_bytes)
                .with_group_meters(metrics.write_groups()),
        );
        tokio::spawn(ops::ttl::run(
            Arc::clone(&items),
            Arc::clone(&catalog),
            metrics.clone(),
            Duration::from_secs(config.ttl_sweep_secs),
            shutdown.clone(),
        ));
        tokio::spawn(sync::run(client.clone(), Arc::clone(&catalog), Arc::clone(&items), shutdown));
        let throttle = throttle::Throttle::new(metrics.clone(), config.throttle_provisioned);
        Ok(Arc::new(DataPlane {
            config,
            catalog,
            client,
            items,
            client_tokens,
            throttle,
            metrics,
            signing_keys: auth::SigningKeys::default(),
            row_cache,
        }))
    }

    /// Waits until the first snapshot is loaded, up to `timeout`; true if it is.
    pub async fn wait_loaded(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.catalog.load().is_some() {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits (up to 5 s) until the catalog reflects `revision`, so a
    /// client sees its own management changes on its next call.
    pub async fn wait_for_revision(&self, revision: i64) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.revision().is_none_or(|r| r < revision) {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(revision, "catalog did not reach the revision within 5 s");
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The revision of the loaded config, if any.
    pub fn revision(&self) -> Option<i64> {
        self.catalog.load().as_ref().map(|c| c.revision)
    }

    /// Serves on `listener` until `shutdown` fires, then drains.
    ///
    /// Every accepted connection has `TCP_NODELAY`: a response larger
    /// than the socket buffer goes out in several writes, and with Nagle's
    /// algorithm its last short segment would wait for the client's
    /// (possibly delayed) acknowledgement.
    pub async fn serve(self: &Arc<Self>, listener: TcpListener, shutdown: Shutdown) -> Result<(), StartError> {
        let listener = cork::CorkedListener(listener).tap_io(|tcp| {
            if let Err(e) = tcp.stream().set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY could not be set on a connection");
            }
        });
        axum::serve(
            listener,
            server::router(Arc::clone(self)).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
            .with_graceful_shutdown(shutdown.wait())
            .await?;
        Ok(())
    }
}

/// Change logs and stored ClientRequestTokens are trimmed every this many
/// 5-second ticks.
const TRIM_EVERY_TICKS: u64 = 12;

/// Drops change records older than the tenant's retention (Streams' 24
/// hours, longer for point-in-time recovery), and expired
/// ClientRequestTokens, from every open tenant. Without a catalog yet,
/// no change record is dropped.
fn trim_expired(tenants: &storage::TenantStore, client_tokens: &ops::ClientTokens, catalog: Option<&catalog::Catalog>) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    for (tenant, engine) in tenants.open_engines() {
        if let Some(retention) = catalog.map(|c| c.change_log_retention(&tenant)) {
            let cutoff = now.saturating_sub(u64::try_from(retention.as_millis()).unwrap_or(u64::MAX));
            match items::changelog::trim(&engine, cutoff) {
                Ok(0) => {}
                Ok(n) => tracing::debug!(%tenant, records = n, "change log trimmed"),
                Err(e) => tracing::warn!(%tenant, error = %e, "change log trim failed"),
            }
        }
        match client_tokens.trim_stored(&tenant, &engine, now) {
            Ok(0) => {}
            Ok(n) => tracing::debug!(%tenant, tokens = n, "expired client request tokens trimmed"),
            Err(e) => tracing::warn!(%tenant, error = %e, "client request token trim failed"),
        }
    }
}

/// How often open tenants are checked for paused writes.
const QUIET_CHECK: Duration = Duration::from_millis(250);

/// Merges the on-disk level 0 of tenants whose writes paused (so their
/// reads search fewer tables; `storage::fjall_engine::quiet`), checking
/// every [`QUIET_CHECK`] until shutdown.
async fn merge_quiet_tenants(tenants: Arc<storage::TenantStore>, shutdown: Shutdown) {
    let stop = shutdown.wait();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(QUIET_CHECK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {}
        }
        let t = Arc::clone(&tenants);
        match tokio::task::spawn_blocking(move || t.compact_quiet(std::time::Instant::now())).await {
            Ok(Ok(0)) | Err(_) => {}
            Ok(Ok(n)) => tracing::debug!(tenants = n, "level 0 merged after writes paused"),
            Ok(Err(e)) => tracing::warn!(error = %e, "merging level 0 failed"),
        }
    }
}

/// Closes idle tenants' storage and syncs interval-policy writes, every
/// few seconds, until shutdown; then syncs once more. Every minute it also
/// trims change logs and expired ClientRequestTokens.
async fn maintain_storage(
    tenants: Arc<storage::TenantStore>,
    client_tokens: Arc<ops::ClientTokens>,
    catalog: Arc<ArcSwapOption<catalog::Catalog>>,
    shutdown: Shutdown,
) {
    let mut rounds = 0u64;
    let stop = shutdown.wait();
    tokio::pin!(stop);
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            () = &mut stop => break,
            _ = tick.tick() => {}
        }
        rounds += 1;
        let trim = rounds.is_multiple_of(TRIM_EVERY_TICKS);
        let t = Arc::clone(&tenants);
        let tokens = Arc::clone(&client_tokens);
        let cat = Arc::clone(&catalog);
        let _ = tokio::task::spawn_blocking(move || {
            t.evict_idle(std::time::Instant::now());
            if let Err(e) = t.sync_all() {
                tracing::error!(error = %e, "storage sync failed");
            }
            if trim {
                trim_expired(&t, &tokens, cat.load().as_deref());
            }
        })
        .await;
    }
    let _ = tokio::task::spawn_blocking(move || tenants.sync_all()).await;
}

/// Starts the data plane and serves on `listener` until `shutdown`.
pub async fn run(config: Config, listener: TcpListener, shutdown: Shutdown) -> Result<(), StartError> {
    let dp = DataPlane::start(config, shutdown.clone())?;
    tracing::info!(addr = ?listener.local_addr().ok(), "data plane listening");
    dp.serve(listener, shutdown).await
}
