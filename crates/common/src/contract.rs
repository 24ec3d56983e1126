//! The internal contract between the control plane and data planes.
//!
//! The control plane serves a [`Snapshot`] of everything a data plane needs
//! at a revision, and [`Changes`] after a revision (long-poll). Every
//! metadata change bumps one global revision, so a data plane that applied
//! revision N has exactly the state the catalog had at N.

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Path of the snapshot endpoint.
pub const SNAPSHOT_PATH: &str = "/internal/v1/snapshot";
/// Path of the long-poll endpoint (`?after=N&wait_secs=S`).
pub const CHANGES_PATH: &str = "/internal/v1/changes";

/// A tenant (an account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantRecord {
    /// Internal id.
    pub id: String,
    /// Unique name.
    pub name: String,
    /// 12-digit account id used in ARNs.
    pub account_id: String,
    /// `active` or `suspended`.
    pub status: TenantStatus,
}

/// Whether a tenant may use the data plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
}

/// An access key with its secret, as the data plane needs it to verify
/// signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKeyRecord {
    /// The public key id (`AKIA…`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// Owning tenant id.
    pub tenant_id: String,
    /// The IAM user name, or `None` for the tenant's root key.
    pub user_name: Option<String>,
    /// Active keys authenticate; inactive ones are refused.
    pub active: bool,
}

/// A table in the catalog, as much as the data plane needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRecord {
    /// Owning tenant id.
    pub tenant_id: String,
    /// Table name, unique within the tenant.
    pub name: String,
    /// Stable table id.
    pub id: String,
    /// Table status (`CREATING`, `ACTIVE`, …).
    pub status: String,
    /// The full definition as DynamoDB describes it.
    pub definition: serde_json::Value,
}

/// Everything a data plane needs, at one revision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The revision this snapshot reflects.
    pub revision: i64,
    pub tenants: Vec<TenantRecord>,
    pub access_keys: Vec<AccessKeyRecord>,
    pub tables: Vec<TableRecord>,
}

/// What changed after a revision. Upserts carry the entity's current
/// state; deletions carry its key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The revision after applying these changes.
    pub revision: i64,
    /// The requested revision is unknown to the control plane (for
    /// example, its catalog was restored): fetch a full snapshot.
    #[serde(default)]
    pub reset: bool,
    #[serde(default)]
    pub tenants: Vec<TenantRecord>,
    #[serde(default)]
    pub deleted_tenants: Vec<String>,
    #[serde(default)]
    pub access_keys: Vec<AccessKeyRecord>,
    #[serde(default)]
    pub deleted_access_keys: Vec<String>,
    #[serde(default)]
    pub tables: Vec<TableRecord>,
    /// Deleted tables as `(tenant_id, name)`.
    #[serde(default)]
    pub deleted_tables: Vec<(String, String)>,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        !self.reset
            && self.tenants.is_empty()
            && self.deleted_tenants.is_empty()
            && self.access_keys.is_empty()
            && self.deleted_access_keys.is_empty()
            && self.tables.is_empty()
            && self.deleted_tables.is_empty()
    }
}

/// Path of the table-management endpoint (`POST` create, `DELETE
/// …/{tenant_id}/{name}` delete, `POST …/{tenant_id}/{name}/changes` with a
/// `ddb_core::api::table::TableChange` as JSON).
pub const TABLES_PATH: &str = "/internal/v1/tables";

/// Create a table: the data plane has validated `spec` (a
/// `ddb_core::api::table::TableSpec` as JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateTableRequest {
    pub tenant_id: String,
    pub spec: serde_json::Value,
}

/// A management change, with the revision at which the data plane will see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableChange {
    pub revision: i64,
    pub table: TableRecord,
}

/// A management request the control plane refused, in DynamoDB's terms:
/// `code` is the error's short name (e.g. `ResourceInUseException`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DdbError {
    pub code: String,
    pub message: String,
}

impl DdbError {
    /// A refusal with `code` and `message`.
    pub fn new(code: &str, message: impl Into<String>) -> DdbError {
        DdbError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}
