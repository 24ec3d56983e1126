//! The data plane's one config struct, loaded from an optional JSON file
//! then `DYNASTORE_DP_*` environment variables (see `dynastore_common::config`).

use dynastore_common::Secret;
use serde::Deserialize;

/// Data-plane settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the DynamoDB API listens on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Base URL of the control plane's internal API, e.g. `http://127.0.0.1:8080`.
    pub control_plane_url: String,
    /// Bearer token for the internal API.
    pub internal_token: Secret,
    /// The endpoint's home region: the region its health answer names, and
    /// the one whose tables the catalog files without a region (tables
    /// created before regions were namespaces). Every region is served.
    #[serde(default = "default_region")]
    pub region: String,
    /// Largest accepted request body, in bytes.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// How long a change long-poll may wait, in seconds (the control plane
    /// caps it too).
    #[serde(default = "default_long_poll")]
    pub long_poll_secs: u64,
    /// Where tenants' items live (`<data_dir>/tenants/<tenant>/`).
    #[serde(default = "default_data_dir")]
    pub data_dir: std::path::PathBuf,
    /// `always` (default): a write is fsynced before it is acknowledged, so
    /// it survives power loss. `interval`: fsync at most every 100 ms (for
    /// benchmarks; a power loss may lose the last interval's writes).
    #[serde(default = "default_sync")]
    pub sync: String,
    /// Most tenants whose storage is open at once.
    #[serde(default = "default_max_open")]
    pub max_open_tenants: usize,
    /// Block cache shared by every tenant's storage on this node, in MiB.
    #[serde(default = "default_cache_mib")]
    pub block_cache_mib: u64,
    /// Row cache shared by every tenant's storage on this node, in MiB: the
    /// latest value of recently read items, so a point read of a hot item
    /// skips the storage tree (0 turns it off).
    #[serde(default = "default_row_cache_mib")]
    pub row_cache_mib: u64,
    /// Largest item collection of a table with local secondary indexes,
    /// in bytes (DynamoDB's 10 GB; smaller values are for tests).
    #[serde(default = "default_collection_limit")]
    pub item_collection_limit_bytes: u64,
    /// How often expired items (Time to Live) are looked for, in seconds.
    #[serde(default = "default_ttl_sweep")]
    pub ttl_sweep_secs: u64,
    /// Whether provisioned tables are held to their capacity (as DynamoDB
    /// holds them; default). `false` lets every request through, as
    /// DynamoDB Local does, for test environments whose tables are
    /// provisioned smaller than their load.
    #[serde(default = "default_true")]
    pub throttle_provisioned: bool,
}

fn default_true() -> bool {
    true
}

fn default_ttl_sweep() -> u64 {
    30
}

fn default_data_dir() -> std::path::PathBuf {
    "./data".into()
}
fn default_sync() -> String {
    "always".into()
}
fn default_max_open() -> usize {
    64
}
fn default_cache_mib() -> u64 {
    256
}
fn default_row_cache_mib() -> u64 {
    128
}
fn default_collection_limit() -> u64 {
    crate::items::store::ITEM_COLLECTION_LIMIT
}

fn default_listen() -> String {
    "127.0.0.1:8000".into()
}
fn default_region() -> String {
    "us-east-1".into()
}
fn default_max_body() -> usize {
    // DynamoDB refuses a body over 16 MiB with a 413 (dynalite's
    // connection.js, recorded against DynamoDB: 16 MiB + 1 byte is refused,
    // 16 MiB is read); BatchWriteItem's 16 MB of items must fit in it.
    16 * 1024 * 1024
}
fn default_long_poll() -> u64 {
    25
}

/// Environment prefix of the data plane's settings.
pub const ENV_PREFIX: &str = "DYNASTORE_DP";

impl Config {
    /// A config with defaults for everything but the control plane link.
    pub fn new(control_plane_url: impl Into<String>, internal_token: Secret) -> Config {
        Config {
            listen: default_listen(),
            control_plane_url: control_plane_url.into(),
            internal_token,
            region: default_region(),
            max_body_bytes: default_max_body(),
            long_poll_secs: default_long_poll(),
            data_dir: default_data_dir(),
            sync: default_sync(),
            max_open_tenants: default_max_open(),
            block_cache_mib: default_cache_mib(),
            row_cache_mib: default_row_cache_mib(),
            item_collection_limit_bytes: default_collection_limit(),
            ttl_sweep_secs: default_ttl_sweep(),
            throttle_provisioned: true,
        }
    }

    /// The storage sync policy.
    pub fn sync_policy(&self) -> storage::SyncPolicy {
        if self.sync == "interval" {
            storage::SyncPolicy::Interval(std::time::Duration::from_millis(100))
        } else {
            storage::SyncPolicy::Always
        }
    }

    /// Checks values that serde cannot, once, at start-up.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.control_plane_url.starts_with("http://")
            || self.control_plane_url.starts_with("https://"))
        {
            return Err("control_plane_url must be an http:// or https:// URL".into());
        }
        if self.internal_token.is_empty() {
            return Err("internal_token must be set".into());
        }
        if !matches!(self.sync.as_str(), "always" | "interval") {
            return Err("sync must be `always` or `interval`".into());
        }
        if self.max_open_tenants == 0 {
            return Err("max_open_tenants must be at least 1".into());
        }
        if self.block_cache_mib == 0 || self.block_cache_mib > 1 << 20 {
            return Err("block_cache_mib must be between 1 and 1048576".into());
        }
        if self.row_cache_mib > 1 << 20 {
            return Err("row_cache_mib must be at most 1048576".into());
        }
        if self.ttl_sweep_secs == 0 {
            return Err("ttl_sweep_secs must be at least 1".into());
        }
        if self.max_body_bytes < 1024 {
            return Err("max_body_bytes must be at least 1024".into());
        }
        Ok(())
    }
}
