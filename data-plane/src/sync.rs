//! Keeps the catalog current: fetch a snapshot, then long-poll the control
//! plane for changes after the catalog's revision, forever.
//!
//! Static stability: when the control plane or Postgres is unreachable the
//! last catalog stays in force and item traffic goes on; the loop retries
//! with capped exponential backoff and logs once per outage, not per retry.

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwapOption;
use dynastore_common::contract::{self, Changes, CreateTableRequest, DdbError, Snapshot, TableChange};
use dynastore_common::shutdown::Shutdown;
use dynastore_common::Secret;

use crate::catalog::{Catalog, Space};

const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Client for the control plane's internal API.
#[derive(Debug, Clone)]
pub struct ControlPlaneClient {
    http: reqwest::Client,
    base: String,
    token: Secret,
    long_poll: Duration,
}

/// A failed call to the control plane.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("control plane unreachable: {0}")]
    Http(#[from] reqwest::Error),
    #[error("control plane answered {0}")]
    Status(reqwest::StatusCode),
    /// The control plane refused a management request with a DynamoDB error.
    #[error(transparent)]
    Refused(#[from] DdbError),
}

impl ControlPlaneClient {
    /// A client for `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str, token: Secret, long_poll: Duration) -> ControlPlaneClient {
        ControlPlaneClient {
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(3))
                .build()
                .unwrap_or_default(),
            base: base.trim_end_matches('/').to_owned(),
            token,
            long_poll,
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        timeout: Duration,
    ) -> Result<T, SyncError> {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .query(query)
            .bearer_auth(self.token.expose())
            .timeout(timeout)
            .send()
            .await?;
        if !res.status().is_success() {
            return Err(SyncError::Status(res.status()));
        }
        Ok(res.json().await?)
    }

    async fn send_management(&self, req: reqwest::RequestBuilder) -> Result<TableChange, SyncError> {
        let res = req
            .bearer_auth(self.token.expose())
            .timeout(Duration::from_secs(30))
            .send()
            .await?;
        let status = res.status();
        if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY {
            return Err(SyncError::Refused(res.json().await?));
        }
        if !status.is_success() {
            return Err(SyncError::Status(status));
        }
        Ok(res.json().await?)
    }

    /// Names who asked for a management change, for the audit log.
    fn acting(req: reqwest::RequestBuilder, actor: Option<&Actor>) -> reqwest::RequestBuilder {
        match actor {
            Some(a) => {
                let req = req.header(contract::PRINCIPAL_HEADER, &a.principal);
                match a.source_ip {
                    Some(ip) => req.header(contract::SOURCE_IP_HEADER, ip.to_string()),
                    None => req,
                }
            }
            None => req,
        }
    }

    /// Creates a table from a validated spec.
    pub async fn create_table(&self, request: &CreateTableRequest, actor: Option<&Actor>) -> Result<TableChange, SyncError> {
        let url = format!("{}{}", self.base, contract::TABLES_PATH);
        self.send_management(Self::acting(self.http.post(url).json(request), actor)).await
    }

    /// Deletes the table `name` of `space`.
    pub async fn delete_table(&self, space: Space<'_>, name: &str, actor: Option<&Actor>) -> Result<TableChange, SyncError> {
        let mut url = reqwest::Url::parse(&format!("{}{}/", self.base, contract::TABLES_PATH))
            .map_err(|_| SyncError::Status(reqwest::StatusCode::BAD_REQUEST))?;
        url.path_segments_mut()
            .map_err(|()| SyncError::Status(reqwest::StatusCode::BAD_REQUEST))?
            .pop_if_empty()
            .push(space.tenant)
            .push(&contract::qualified(name, space.region));
        self.send_management(Self::acting(self.http.delete(url), actor)).await
    }

    /// The URL of `route` under the table `name` of `space`.
    fn table_url(&self, space: Space<'_>, name: &str, route: &str) -> Result<reqwest::Url, SyncError> {
        let mut url = reqwest::Url::parse(&format!("{}{}/", self.base, contract::TABLES_PATH))
            .map_err(|_| SyncError::Status(reqwest::StatusCode::BAD_REQUEST))?;
        url.path_segments_mut()
            .map_err(|()| SyncError::Status(reqwest::StatusCode::BAD_REQUEST))?
            .pop_if_empty()
            .push(space.tenant)
            .push(&contract::qualified(name, space.region))
            .push(route);
        Ok(url)
    }

    /// Posts `body` to `route` under the table `name` of `space`.
    async fn post_to_table<T: serde::Serialize + ?Sized>(
        &self,
        space: Space<'_>,
        name: &str,
        route: &str,
        body: &T,
        actor: Option<&Actor>,
    ) -> Result<TableChange, SyncError> {
        let url = self.table_url(space, name, route)?;
        self.send_management(Self::acting(self.http.post(url).json(body), actor)).await
    }

    /// Applies a change (a `TableChange` as JSON) to the table `name` of
    /// `space`.
    pub async fn change_table(
        &self,
        space: Space<'_>,
        name: &str,
        change: &serde_json::Value,
        actor: Option<&Actor>,
    ) -> Result<TableChange, SyncError> {
        self.post_to_table(space, name, "changes", change, actor).await
    }

    /// Adds or removes a replica of the table `name` of `space`.
    pub async fn change_replicas(
        &self,
        space: Space<'_>,
        name: &str,
        change: &contract::ReplicaChange,
        actor: Option<&Actor>,
    ) -> Result<TableChange, SyncError> {
        self.post_to_table(space, name, "replicas", change, actor).await
    }

    /// The full snapshot.
    pub async fn snapshot(&self) -> Result<Snapshot, SyncError> {
        self.get(contract::SNAPSHOT_PATH, &[], Duration::from_secs(30))
            .await
    }

    /// Changes after `revision`, waiting up to the long-poll time.
    pub async fn changes(&self, revision: i64) -> Result<Changes, SyncError> {
        let query = [
            ("after", revision.to_string()),
            ("wait_secs", self.long_poll.as_secs().to_string()),
        ];
        self.get(
            contract::CHANGES_PATH,
            &query,
            self.long_poll + Duration::from_secs(10),
        )
        .await
    }
}

/// Who asked for a management change: an IAM principal ARN and the
/// client's address.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: String,
    pub source_ip: Option<std::net::IpAddr>,
}

/// Runs the sync loop until `shutdown` fires. Tables that disappear from
/// the catalog (deleted, or re-created under a new id) have their storage
/// reclaimed in the background.
pub async fn run(
    client: ControlPlaneClient,
    catalog: Arc<ArcSwapOption<Catalog>>,
    items: Arc<crate::items::ItemStore>,
    shutdown: Shutdown,
) {
    let stop = shutdown.wait();
    tokio::pin!(stop);
    let mut backoff = MIN_BACKOFF;
    let mut in_outage = false;
    loop {
        let before = catalog.load_full();
        let step = step(&client, &catalog);
        let outcome = tokio::select! {
            () = &mut stop => return,
            r = step => r,
        };
        match outcome {
            Ok(()) => {
                if let Some(now) = catalog.load_full() {
                    items.set_storage_quotas(now.storage_quotas());
                }
                if let (Some(old), Some(new)) = (before, catalog.load_full()) {
                    for (tenant, table_id, index) in old.removed_indexes(&new) {
                        let items = Arc::clone(&items);
                        tokio::spawn(async move {
                            let prefix = crate::items::index::index_prefix(&table_id, &index);
                            let stats_key = crate::items::stats::index_key(&prefix);
                            if let Err(e) = items.drop_prefix(&tenant, stats_key).await {
                                tracing::warn!(%tenant, %table_id, %index, error = %e, "could not drop index stats");
                            }
                            if let Err(e) = items.drop_prefix(&tenant, prefix).await {
                                tracing::error!(%tenant, %table_id, %index, error = %e, "reclaiming index storage failed");
                            }
                        });
                    }
                    for (tenant, table_id) in old.removed_tables(&new) {
                        let items = Arc::clone(&items);
                        tokio::spawn(async move {
                            match items.drop_table(&tenant, &table_id).await {
                                Ok(n) => tracing::info!(%tenant, %table_id, keys = n, "table storage reclaimed"),
                                Err(e) => tracing::error!(%tenant, %table_id, error = %e, "reclaiming table storage failed"),
                            }
                        });
                    }
                }
                if in_outage {
                    tracing::info!("control plane reachable again; config is current");
                    in_outage = false;
                }
                backoff = MIN_BACKOFF;
            }
            Err(e) => {
                if in_outage {
                    tracing::debug!(error = %e, "config sync still failing");
                } else {
                    tracing::warn!(error = %e, "config sync failing; serving the last config until the control plane is back");
                    in_outage = true;
                }
                tokio::select! {
                    () = &mut stop => return,
                    () = tokio::time::sleep(backoff) => {},
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// One round: load a snapshot if there is none, else apply one long-poll.
async fn step(client: &ControlPlaneClient, catalog: &ArcSwapOption<Catalog>) -> Result<(), SyncError> {
    let current = catalog.load_full();
    match current {
        None => {
            let snap = client.snapshot().await?;
            tracing::info!(revision = snap.revision, "config snapshot loaded");
            catalog.store(Some(Arc::new(Catalog::from_snapshot(snap))));
        }
        Some(cat) => {
            let changes = client.changes(cat.revision).await?;
            if changes.reset {
                tracing::info!("control plane asked for a fresh snapshot");
                let snap = client.snapshot().await?;
                catalog.store(Some(Arc::new(Catalog::from_snapshot(snap))));
            } else if changes.revision != cat.revision || !changes.is_empty() {
                catalog.store(Some(Arc::new(cat.apply(changes))));
            }
        }
    }
    Ok(())
}
