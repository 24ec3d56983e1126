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
    /// Limits the data plane enforces; absent in old snapshots (unlimited).
    #[serde(default)]
    pub quotas: TenantQuotas,
}

/// Per-tenant limits; `None` means unlimited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantQuotas {
    /// Most tables the tenant may hold.
    #[serde(default)]
    pub max_tables: Option<i64>,
    /// Most bytes of table data (items and indexes) the tenant may store.
    #[serde(default)]
    pub max_storage_bytes: Option<i64>,
    /// Most read capacity units provisioned over all its tables and indexes.
    #[serde(default)]
    pub max_provisioned_read_capacity: Option<i64>,
    /// Most write capacity units provisioned over all its tables and indexes.
    #[serde(default)]
    pub max_provisioned_write_capacity: Option<i64>,
    /// Ceiling of request units per second of each on-demand table.
    #[serde(default)]
    pub max_on_demand_throughput: Option<i64>,
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

/// An IAM user of a tenant with the policies attached to it, as the data
/// plane needs them to authorize the user's requests. A policy change or an
/// attach/detach re-sends every affected user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Owning tenant id.
    pub tenant_id: String,
    /// Internal user id.
    pub id: String,
    /// The IAM user name (what [`AccessKeyRecord::user_name`] holds).
    pub name: String,
    /// The attached policies, by name.
    #[serde(default)]
    pub policies: Vec<PolicyRecord>,
}

/// A policy attached to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// The policy name, unique within the tenant.
    pub name: String,
    /// The IAM policy document (validated by the control plane).
    pub document: serde_json::Value,
}

/// A table in the catalog, as much as the data plane needs of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRecord {
    /// Owning tenant id.
    pub tenant_id: String,
    /// The region whose namespace holds the table: empty for the
    /// endpoint's home region.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// Table name, unique within the tenant's region.
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
    /// IAM users with their attached policies; absent in old snapshots.
    #[serde(default)]
    pub users: Vec<UserRecord>,
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
    /// Deleted tenants by id: everything they owned (access keys, users,
    /// tables) is gone with them, without separate entries below.
    #[serde(default)]
    pub deleted_tenants: Vec<String>,
    #[serde(default)]
    pub access_keys: Vec<AccessKeyRecord>,
    #[serde(default)]
    pub deleted_access_keys: Vec<String>,
    #[serde(default)]
    pub tables: Vec<TableRecord>,
    /// Deleted tables as `(tenant_id, name)`, the name
    /// [`qualified`] by its region outside the home region.
    #[serde(default)]
    pub deleted_tables: Vec<(String, String)>,
    /// Users created or changed (their attached policies included).
    #[serde(default)]
    pub users: Vec<UserRecord>,
    /// Deleted users by id.
    #[serde(default)]
    pub deleted_users: Vec<String>,
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
            && self.users.is_empty()
            && self.deleted_users.is_empty()
    }
}

/// Path of the table-management endpoint (`POST` create, `DELETE
/// …/{tenant_id}/{name}` delete, `POST …/{tenant_id}/{name}/changes` with a
/// `ddb_core::api::table::TableChange` as JSON).
pub const TABLES_PATH: &str = "/internal/v1/tables";

/// Body of `POST {TABLES_PATH}/{tenant}/{qualified name}/replicas`: add or
/// remove a replica of a table (global tables version 2019.11.21). The
/// data plane has checked the request; regions are given both as the
/// catalog keys (`""` for the endpoint's home region) and as the names
/// DescribeTable lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaChange {
    /// Add (`true`) or remove the replica in `target`.
    pub create: bool,
    /// The catalog key of the replica's region.
    pub target: String,
    /// The replica region's name.
    pub target_name: String,
    /// The name of the region of the table the request names.
    pub source_name: String,
    /// A new replica's table class, when not the source's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_class: Option<String>,
    /// A new replica's KMS key, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key: Option<String>,
}

/// Header of a table-management request naming the principal it acts for
/// (e.g. the IAM user's ARN), recorded in the audit log; absent, the
/// control plane records `data-plane`.
pub const PRINCIPAL_HEADER: &str = "x-dynastore-principal";
/// Header of a table-management request naming the client's address,
/// recorded in the audit log; absent, the data plane's own address.
pub const SOURCE_IP_HEADER: &str = "x-dynastore-source-ip";

/// Create a table: the data plane has validated `spec` (a
/// `ddb_core::api::table::TableSpec` as JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateTableRequest {
    pub tenant_id: String,
    /// The region of the new table: empty for the home region.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
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

/// A table's name as the control plane's table routes, its change feed
/// and [`Changes::deleted_tables`] carry it: the name itself in the home
/// region (`region` empty), else `name@region` (table names never hold
/// `@`).
pub fn qualified(name: &str, region: &str) -> String {
    if region.is_empty() {
        name.to_owned()
    } else {
        format!("{name}@{region}")
    }
}

/// The name and region (empty: home) of a [`qualified`] table name.
pub fn unqualified(qualified: &str) -> (&str, &str) {
    qualified.split_once('@').unwrap_or((qualified, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_carry_the_region_outside_home() {
        assert_eq!(qualified("Music", ""), "Music");
        assert_eq!(qualified("Music", "eu-west-1"), "Music@eu-west-1");
        assert_eq!(unqualified("Music@eu-west-1"), ("Music", "eu-west-1"));
        assert_eq!(unqualified("Music"), ("Music", ""));
        let rec: TableRecord = serde_json::from_str(r#"{"tenant_id":"t","name":"n","id":"i","status":"ACTIVE","definition":{}}"#).unwrap();
        assert_eq!(rec.region, "", "records from before regions are home-region tables");
    }

    #[test]
    fn old_snapshots_and_changes_still_parse() {
        let snap: Snapshot = serde_json::from_str(
            r#"{"revision":4,"tenants":[{"id":"t","name":"n","account_id":"123456789012","status":"active"}],
                "access_keys":[],"tables":[]}"#,
        )
        .unwrap();
        assert_eq!(snap.tenants[0].quotas, TenantQuotas::default());
        assert!(snap.users.is_empty());
        let changes: Changes = serde_json::from_str(r#"{"revision":5}"#).unwrap();
        assert!(changes.is_empty());
        let with_user = Changes {
            revision: 6,
            deleted_users: vec!["u".into()],
            ..Changes::default()
        };
        assert!(!with_user.is_empty(), "a deleted user is a change");
    }
}
