//! The data plane's in-memory copy of the control plane's config: tenants,
//! access keys, IAM users with their (compiled) policies and tables at one
//! revision. Built from a snapshot, advanced
//! by change sets; readers get an immutable `Arc<Catalog>` and never block.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use ddb_core::api::table::TableDefinition;
use dynastore_common::contract::{unqualified, AccessKeyRecord, Changes, Snapshot, TableRecord, TenantRecord, UserRecord};

use crate::items::ChangeLog;

/// A table as the data plane serves it: the catalog row and its parsed
/// definition.
#[derive(Debug, Clone)]
pub struct CatalogTable {
    pub record: TableRecord,
    pub def: TableDefinition,
    /// The table's secondary indexes, ready for the write path.
    pub indexes: Arc<crate::items::index::TableIndexes>,
    /// Its capacity counters, bound to its labels on first use.
    meters: std::sync::OnceLock<crate::metrics::TableMeters>,
    /// What the other replicas of a global table need the change log to
    /// keep of writes to the items they share with this one.
    replica_log: ChangeLog,
    /// Its resource-based policies, compiled, by the key of
    /// `TableDefinition::resource_policies` (`""` for the table, a
    /// stream's label for a stream).
    pub policies: HashMap<String, Arc<iam::ResourcePolicy>>,
}

/// Allowed operations by region, then table name.
pub type TableDecisions = HashMap<String, HashMap<String, HashMap<ddb_core::Operation, iam::Decision>>>;

/// An IAM user and its attached policies, compiled for evaluation.
#[derive(Debug)]
pub struct CatalogUser {
    pub record: UserRecord,
    /// The attached policies. `Err` when one of them could not be compiled:
    /// the user is then denied everything (skipping a policy could skip a
    /// Deny).
    pub policies: Result<Vec<iam::Policy>, String>,
    /// True when no policy looks beyond the action and the resource, so a
    /// decision can be cached per (action, resource) for as long as this
    /// record (the user's policies at one revision) lives.
    pub context_free: bool,
    /// The request-dependent keys its policies mention.
    pub referenced: ReferencedKeys,
    /// Cached decisions of a context-free user, by (action, resource).
    pub decisions: std::sync::Mutex<HashMap<(String, String), iam::Decision>>,
    /// The same for requests naming one table and no index, by region
    /// (the ARN's), table name, then operation: looked up without building
    /// the ARN.
    pub table_decisions: std::sync::Mutex<TableDecisions>,
}

/// Which request-dependent condition keys a user's policies mention (as a
/// condition key or a policy variable), so that authorization computes
/// only those. Found by searching the documents' text: a key whose name
/// appears nowhere cannot be referenced.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReferencedKeys {
    pub current_time: bool,
    pub epoch_time: bool,
    pub source_ip: bool,
    pub secure_transport: bool,
    pub requested_region: bool,
    pub resource_tags: bool,
    pub leading_keys: bool,
    pub attributes: bool,
    pub select: bool,
    pub return_values: bool,
    pub return_consumed_capacity: bool,
}

impl ReferencedKeys {
    fn of(documents: &[dynastore_common::contract::PolicyRecord]) -> ReferencedKeys {
        let text: String = documents
            .iter()
            .map(|p| p.document.to_string().to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        let has = |k: &str| text.contains(k);
        ReferencedKeys {
            current_time: has("aws:currenttime"),
            epoch_time: has("aws:epochtime"),
            source_ip: has("aws:sourceip"),
            secure_transport: has("aws:securetransport"),
            requested_region: has("aws:requestedregion"),
            resource_tags: has("aws:resourcetag"),
            leading_keys: has("dynamodb:leadingkeys"),
            attributes: has("dynamodb:attributes"),
            select: has("dynamodb:select"),
            return_values: has("dynamodb:returnvalues"),
            return_consumed_capacity: has("dynamodb:returnconsumedcapacity"),
        }
    }
}

impl CatalogUser {
    fn new(record: UserRecord) -> CatalogUser {
        let policies = record
            .policies
            .iter()
            .map(|p| iam::Policy::from_value(&p.document).map_err(|e| format!("policy {}: {e}", p.name)))
            .collect::<Result<Vec<_>, _>>();
        if let Err(e) = &policies {
            tracing::error!(tenant = %record.tenant_id, user = %record.name, error = %e, "unreadable policy; user denied");
        }
        let context_free = policies
            .as_ref()
            .is_ok_and(|p| !p.iter().any(iam::Policy::depends_on_context));
        CatalogUser {
            referenced: ReferencedKeys::of(&record.policies),
            record,
            policies,
            context_free,
            decisions: std::sync::Mutex::new(HashMap::new()),
            table_decisions: std::sync::Mutex::new(HashMap::new()),
        }
    }
}

/// One consistent view of the config.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The revision this view reflects.
    pub revision: i64,
    tenants: HashMap<String, Arc<TenantRecord>>,
    keys: HashMap<String, Arc<AccessKeyRecord>>,
    /// IAM users by tenant id, then user name.
    users: HashMap<String, HashMap<String, Arc<CatalogUser>>>,
    /// Tables by tenant id, region (empty: the home region), then name
    /// (sorted, as ListTables wants).
    tables: HashMap<String, HashMap<String, BTreeMap<String, Arc<CatalogTable>>>>,
    /// Tenants with at least one resource-based policy.
    policy_tenants: std::collections::HashSet<String>,
}

/// One of a tenant's table namespaces: its tables in one region, as
/// DynamoDB keeps each region's tables apart. `region` is empty for the
/// endpoint's home region (the one it is configured with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space<'a> {
    pub tenant: &'a str,
    pub region: &'a str,
}

impl<'a> Space<'a> {
    /// The namespace holding `table`.
    pub fn of(table: &'a TableRecord) -> Space<'a> {
        Space {
            tenant: &table.tenant_id,
            region: &table.region,
        }
    }
}

/// A policy that denies everything to everyone (stands in for a stored
/// document that no longer parses).
fn deny_all() -> iam::ResourcePolicy {
    const DENY_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#;
    iam::ResourcePolicy::parse(DENY_ALL).expect("a constant policy parses")
}

impl CatalogTable {
    /// The storage key of one of this table's items.
    pub fn item_key(&self, partition: &ddb_core::AttributeValue, sort: Option<&ddb_core::AttributeValue>) -> Result<Vec<u8>, ddb_core::key::KeyError> {
        crate::items::layout::item_key(&self.record.id, self.def.key_hash, partition, sort)
    }

    /// The storage prefix of one of this table's partitions.
    pub fn partition_prefix(&self, partition: &ddb_core::AttributeValue) -> Result<Vec<u8>, ddb_core::key::KeyError> {
        crate::items::layout::partition_prefix(&self.record.id, self.def.key_hash, partition)
    }

    /// What the change log keeps of this table's writes: nothing without
    /// a stream or point-in-time recovery; old images when recovery is on
    /// or the stream records them.
    /// The replicas of a global table share their items, so a write
    /// keeps what any of them needs.
    pub fn change_log(&self) -> ChangeLog {
        self.own_change_log().max(self.replica_log)
    }

    fn own_change_log(&self) -> ChangeLog {
        use ddb_core::api::table::StreamViewType;
        if self.def.pitr.is_some() {
            return ChangeLog::Images;
        }
        match self.def.spec.stream {
            None => ChangeLog::Off,
            Some(StreamViewType::OldImage | StreamViewType::NewAndOldImages) => ChangeLog::Images,
            Some(_) => ChangeLog::NewImage,
        }
    }

    /// A table with its index layouts computed.
    pub fn new(record: TableRecord, def: TableDefinition) -> CatalogTable {
        let indexes = Arc::new(crate::items::index::TableIndexes::new(&record.id, &def));
        let policies = def
            .resource_policies
            .iter()
            .map(|(key, p)| match iam::ResourcePolicy::parse(&p.document) {
                Ok(compiled) => (key.clone(), Arc::new(compiled)),
                Err(e) => {
                    // Checked when attached; a document this build cannot
                    // read is treated as denying everything below.
                    tracing::error!(table = %record.name, error = %e, "unreadable resource-based policy");
                    (key.clone(), Arc::new(deny_all()))
                }
            })
            .collect();
        CatalogTable {
            record,
            def,
            indexes,
            meters: std::sync::OnceLock::new(),
            replica_log: ChangeLog::Off,
            policies,
        }
    }

    /// The resource-based policy governing `resource` (an ARN of this
    /// table, one of its indexes or streams): a stream's own, else the
    /// table's.
    pub fn policy_for(&self, sub: &iam::arn::SubResource) -> Option<&Arc<iam::ResourcePolicy>> {
        match sub {
            iam::arn::SubResource::Stream(label) => self.policies.get(label.as_str()),
            _ => self.policies.get(""),
        }
    }

    /// The table's capacity counters in `metrics`.
    pub(crate) fn meters(&self, metrics: &crate::metrics::Metrics) -> &crate::metrics::TableMeters {
        self.meters.get_or_init(|| metrics.table_meters(self))
    }
}

impl Catalog {
    /// A catalog equal to `snapshot`.
    pub fn from_snapshot(snapshot: Snapshot) -> Catalog {
        let mut c = Catalog {
            revision: snapshot.revision,
            ..Catalog::default()
        };
        for t in snapshot.tenants {
            c.tenants.insert(t.id.clone(), Arc::new(t));
        }
        for k in snapshot.access_keys {
            c.keys.insert(k.access_key_id.clone(), Arc::new(k));
        }
        for t in snapshot.tables {
            c.put_table(t);
        }
        for u in snapshot.users {
            c.put_user(u);
        }
        c.index_policies();
        c.link_replicas();
        c
    }

    /// Gives each replica of a global table the change log its other
    /// replicas need (see [`CatalogTable::change_log`]).
    fn link_replicas(&mut self) {
        for regions in self.tables.values_mut() {
            let mut needs: HashMap<String, ChangeLog> = HashMap::new();
            for t in regions.values().flat_map(BTreeMap::values).filter(|t| !t.def.replicas.is_empty()) {
                let need = needs.entry(t.record.id.clone()).or_insert(ChangeLog::Off);
                *need = (*need).max(t.own_change_log());
            }
            if needs.is_empty() {
                continue;
            }
            for t in regions.values_mut().flat_map(BTreeMap::values_mut) {
                let need = needs.get(&t.record.id).copied().unwrap_or(ChangeLog::Off);
                if need != t.replica_log && !t.def.replicas.is_empty() {
                    let mut linked = CatalogTable::clone(t);
                    linked.replica_log = need;
                    *t = Arc::new(linked);
                }
            }
        }
    }

    /// Recomputes which tenants have resource-based policies.
    fn index_policies(&mut self) {
        self.policy_tenants = self
            .tables
            .iter()
            .filter(|(_, regions)| regions.values().flat_map(BTreeMap::values).any(|t| !t.policies.is_empty()))
            .map(|(tenant, _)| tenant.clone())
            .collect();
    }

    /// Whether some table or stream of `tenant_id` has a resource-based policy.
    pub fn has_resource_policies(&self, tenant_id: &str) -> bool {
        self.policy_tenants.contains(tenant_id)
    }

    fn put_user(&mut self, u: UserRecord) {
        let users = self.users.entry(u.tenant_id.clone()).or_default();
        // A rename keeps the id: drop the old name first.
        users.retain(|_, old| old.record.id != u.id);
        users.insert(u.name.clone(), Arc::new(CatalogUser::new(u)));
    }

    /// Each tenant's storage quota in bytes, for tenants that have one.
    pub fn storage_quotas(&self) -> HashMap<String, u64> {
        self.tenants
            .values()
            .filter_map(|t| {
                let q = t.quotas.max_storage_bytes?;
                Some((t.id.clone(), u64::try_from(q).unwrap_or(0)))
            })
            .collect()
    }

    /// The IAM user `name` of tenant `tenant_id`.
    pub fn user(&self, tenant_id: &str, name: &str) -> Option<&Arc<CatalogUser>> {
        self.users.get(tenant_id).and_then(|m| m.get(name))
    }

    /// This catalog with `changes` applied.
    pub fn apply(&self, changes: Changes) -> Catalog {
        let mut c = self.clone();
        c.revision = changes.revision;
        for id in changes.deleted_tenants {
            c.tenants.remove(&id);
            c.keys.retain(|_, k| k.tenant_id != id);
            c.tables.remove(&id);
            c.users.remove(&id);
        }
        for t in changes.tenants {
            c.tenants.insert(t.id.clone(), Arc::new(t));
        }
        for id in changes.deleted_access_keys {
            c.keys.remove(&id);
        }
        for k in changes.access_keys {
            c.keys.insert(k.access_key_id.clone(), Arc::new(k));
        }
        for (tenant, qualified) in changes.deleted_tables {
            let (name, region) = unqualified(&qualified);
            if let Some(tables) = c.tables.get_mut(&tenant).and_then(|r| r.get_mut(region)) {
                tables.remove(name);
            }
        }
        for t in changes.tables {
            c.put_table(t);
        }
        if !changes.deleted_users.is_empty() {
            for users in c.users.values_mut() {
                users.retain(|_, u| !changes.deleted_users.contains(&u.record.id));
            }
        }
        for u in changes.users {
            c.put_user(u);
        }
        c.index_policies();
        c.link_replicas();
        c
    }

    fn put_table(&mut self, t: TableRecord) {
        // A definition this build cannot read is skipped, loudly: serving
        // a table with a misread schema would corrupt it.
        let def = match serde_json::from_value::<TableDefinition>(t.definition.clone()) {
            Ok(d) => d,
            Err(e) => {
                tracing::error!(tenant = %t.tenant_id, table = %t.name, error = %e, "unreadable table definition; table not served");
                return;
            }
        };
        self.tables
            .entry(t.tenant_id.clone())
            .or_default()
            .entry(t.region.clone())
            .or_default()
            .insert(t.name.clone(), Arc::new(CatalogTable::new(t, def)));
    }

    /// The table `name` in `space`.
    pub fn table(&self, space: Space<'_>, name: &str) -> Option<&Arc<CatalogTable>> {
        self.tables.get(space.tenant).and_then(|r| r.get(space.region)).and_then(|m| m.get(name))
    }

    /// Every table of tenant `tenant_id`, in every region.
    pub fn tenant_tables<'a>(&'a self, tenant_id: &str) -> impl Iterator<Item = &'a Arc<CatalogTable>> + 'a {
        self.tables.get(tenant_id).into_iter().flat_map(|r| r.values()).flat_map(BTreeMap::values)
    }

    /// The access key `id`.
    pub fn key(&self, id: &str) -> Option<&Arc<AccessKeyRecord>> {
        self.keys.get(id)
    }

    /// The tenant with internal id `id`.
    pub fn tenant(&self, id: &str) -> Option<&Arc<TenantRecord>> {
        self.tenants.get(id)
    }

    /// `(tenant id, table id)` of the storage of tables in `self` that no
    /// table of `newer` uses any more (the replicas of a global table
    /// share their id: its storage stays while one of them is left).
    pub fn removed_tables(&self, newer: &Catalog) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (tenant, regions) in &self.tables {
            let mut kept: Option<std::collections::HashSet<&str>> = None;
            for t in regions.values().flat_map(BTreeMap::values) {
                let same = newer
                    .table(Space::of(&t.record), &t.record.name)
                    .is_some_and(|n| n.record.id == t.record.id);
                if same {
                    continue;
                }
                let ids = kept.get_or_insert_with(|| newer.tenant_tables(tenant).map(|n| n.record.id.as_str()).collect());
                let gone = (tenant.clone(), t.record.id.clone());
                if !ids.contains(t.record.id.as_str()) && !out.contains(&gone) {
                    out.push(gone);
                }
            }
        }
        out
    }

    /// `(tenant id, table id, index name)` of indexes of surviving tables
    /// that `newer` no longer has.
    pub fn removed_indexes(&self, newer: &Catalog) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        for (tenant, regions) in &self.tables {
            for t in regions.values().flat_map(BTreeMap::values) {
                let Some(n) = newer.table(Space::of(&t.record), &t.record.name).filter(|n| n.record.id == t.record.id) else {
                    continue;
                };
                for idx in &t.indexes.indexes {
                    if n.indexes.get(&idx.name).is_none() {
                        out.push((tenant.clone(), t.record.id.clone(), idx.name.clone()));
                    }
                }
            }
        }
        out
    }

    /// How long the tenant's change log must be kept: DynamoDB Streams'
    /// 24 hours, or the longest recovery period of a table with
    /// point-in-time recovery.
    pub fn change_log_retention(&self, tenant_id: &str) -> std::time::Duration {
        let days = self
            .tenant_tables(tenant_id)
            .filter_map(|t| t.def.pitr.map(|p| u64::from(p.recovery_period_days)))
            .max()
            .unwrap_or(0);
        crate::items::changelog::RETENTION.max(std::time::Duration::from_secs(days * 86_400))
    }

    /// The table names of `space` in ascending order.
    pub fn table_names<'a>(&'a self, space: Space<'_>) -> impl Iterator<Item = &'a str> + 'a {
        self.tables
            .get(space.tenant)
            .and_then(|r| r.get(space.region))
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynastore_common::contract::TenantStatus;
    use dynastore_common::Secret;

    fn tenant(id: &str) -> TenantRecord {
        TenantRecord {
            id: id.into(),
            name: format!("n{id}"),
            account_id: "123456789012".into(),
            status: TenantStatus::Active,
            quotas: Default::default(),
        }
    }

    fn key(id: &str, tenant: &str) -> AccessKeyRecord {
        AccessKeyRecord {
            access_key_id: id.into(),
            secret_access_key: Secret::new("s"),
            tenant_id: tenant.into(),
            user_name: None,
            active: true,
        }
    }

    #[test]
    fn applies_changes_and_cascades_tenant_deletion() {
        let c = Catalog::from_snapshot(Snapshot {
            revision: 3,
            tenants: vec![tenant("a"), tenant("b")],
            access_keys: vec![key("K1", "a"), key("K2", "b")],
            tables: vec![],
            users: vec![],
        });
        let c2 = c.apply(Changes {
            revision: 5,
            deleted_tenants: vec!["a".into()],
            access_keys: vec![key("K3", "b")],
            ..Changes::default()
        });
        assert_eq!(c2.revision, 5);
        assert!(c2.key("K1").is_none(), "keys of a deleted tenant go too");
        assert!(c2.key("K3").is_some());
        assert!(c2.tenant("a").is_none());
        assert!(c.key("K1").is_some(), "the old view is unchanged");
    }

    /// A table of tenant `a` with the given stream and recovery period.
    fn table(name: &str, stream: Option<&str>, pitr_days: Option<u32>) -> TableRecord {
        let mut input = serde_json::json!({
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        });
        if let Some(view) = stream {
            input["StreamSpecification"] = serde_json::json!({"StreamEnabled": true, "StreamViewType": view});
        }
        let input: ddb_core::api::table::CreateTableInput = serde_json::from_value(input).unwrap();
        let mut def = TableDefinition::new(format!("id-{name}"), 1.0, input.validate().unwrap());
        def.pitr = pitr_days.map(|d| ddb_core::api::table::PointInTimeRecovery { enabled_at: 1.0, recovery_period_days: d });
        TableRecord {
            tenant_id: "a".into(),
            region: String::new(),
            name: name.into(),
            id: format!("id-{name}"),
            status: "ACTIVE".into(),
            definition: serde_json::to_value(def).unwrap(),
        }
    }

    /// The change log keeps what a reader needs: nothing without a stream
    /// or recovery, old images for recovery and old-image streams; it is
    /// kept for the longest recovery period of the tenant's tables.
    #[test]
    fn change_logs_follow_streams_and_point_in_time_recovery() {
        let c = Catalog::from_snapshot(Snapshot {
            revision: 1,
            tenants: vec![tenant("a"), tenant("b")],
            access_keys: vec![],
            tables: vec![
                table("plain", None, None),
                table("keys", Some("KEYS_ONLY"), None),
                table("olds", Some("NEW_AND_OLD_IMAGES"), None),
                table("recovered", None, Some(7)),
            ],
            users: vec![],
        });
        let log = |name: &str| c.table(Space { tenant: "a", region: "" }, name).unwrap().change_log();
        assert_eq!(log("plain"), ChangeLog::Off);
        assert_eq!(log("keys"), ChangeLog::NewImage);
        assert_eq!(log("olds"), ChangeLog::Images);
        assert_eq!(log("recovered"), ChangeLog::Images);
        assert_eq!(c.change_log_retention("a"), std::time::Duration::from_secs(7 * 86_400));
        assert_eq!(c.change_log_retention("b"), crate::items::changelog::RETENTION);
    }

    #[test]
    fn each_region_is_a_namespace_of_its_own() {
        let in_region = |name: &str, region: &str, pitr| TableRecord { region: region.into(), id: format!("id-{name}-{region}"), ..table(name, None, pitr) };
        let home = Space { tenant: "a", region: "" };
        let eu = Space { tenant: "a", region: "eu-west-1" };
        let c = Catalog::from_snapshot(Snapshot {
            revision: 1,
            tenants: vec![tenant("a")],
            access_keys: vec![],
            tables: vec![in_region("Music", "", None), in_region("Music", "eu-west-1", Some(3)), in_region("Euro", "eu-west-1", None)],
            users: vec![],
        });
        assert_eq!(c.table_names(home).collect::<Vec<_>>(), ["Music"]);
        assert_eq!(c.table_names(eu).collect::<Vec<_>>(), ["Euro", "Music"]);
        assert!(c.table(Space { tenant: "a", region: "us-west-2" }, "Music").is_none());
        assert_eq!(c.table(eu, "Music").map(|t| t.record.id.as_str()), Some("id-Music-eu-west-1"));
        assert_eq!(c.tenant_tables("a").count(), 3);
        // Recovery on a table of any region keeps the tenant's change log.
        assert_eq!(c.change_log_retention("a"), std::time::Duration::from_secs(3 * 86_400));
        // A deletion names the region in the qualified name.
        let c2 = c.apply(Changes {
            revision: 2,
            deleted_tables: vec![("a".into(), "Music@eu-west-1".into())],
            ..Changes::default()
        });
        assert!(c2.table(eu, "Music").is_none());
        assert!(c2.table(home, "Music").is_some());
        assert_eq!(c.removed_tables(&c2), [("a".to_owned(), "id-Music-eu-west-1".to_owned())]);
    }

    #[test]
    fn replicas_storage_stays_while_one_is_left() {
        let replica = TableRecord { region: "eu-west-1".into(), id: "id-Music-".into(), ..table("Music", None, None) };
        let home = TableRecord { id: "id-Music-".into(), ..table("Music", None, None) };
        let c = Catalog::from_snapshot(Snapshot {
            revision: 1,
            tenants: vec![tenant("a")],
            access_keys: vec![],
            tables: vec![home, replica],
            users: vec![],
        });
        let drop = |qualified: &str, from: &Catalog| {
            from.apply(Changes {
                revision: from.revision + 1,
                deleted_tables: vec![("a".into(), qualified.into())],
                ..Changes::default()
            })
        };
        // Recovery on one replica: writes through the other keep old images too.
        let with_pitr = |region: &str| TableRecord {
            region: region.into(),
            id: "id-Music-".into(),
            definition: {
                let mut d: TableDefinition = serde_json::from_value(table("Music", None, Some(3)).definition).unwrap();
                d.replicas = vec!["eu-west-1".into(), "us-east-1".into()];
                serde_json::to_value(d).unwrap()
            },
            ..table("Music", None, None)
        };
        let without = |region: &str| {
            let mut r = with_pitr(region);
            let mut d: TableDefinition = serde_json::from_value(r.definition).unwrap();
            d.pitr = None;
            r.definition = serde_json::to_value(d).unwrap();
            r
        };
        let linked = Catalog::from_snapshot(Snapshot {
            revision: 1,
            tenants: vec![tenant("a")],
            access_keys: vec![],
            tables: vec![with_pitr(""), without("eu-west-1")],
            users: vec![],
        });
        let eu = Space { tenant: "a", region: "eu-west-1" };
        assert_eq!(linked.table(eu, "Music").unwrap().change_log(), ChangeLog::Images);
        let unlinked = linked.apply(Changes { revision: 2, tables: vec![without("")], ..Changes::default() });
        assert_eq!(unlinked.table(eu, "Music").unwrap().change_log(), ChangeLog::Off);

        let one_left = drop("Music@eu-west-1", &c);
        assert_eq!(c.removed_tables(&one_left), [], "the home replica still uses the storage");
        let none_left = drop("Music", &one_left);
        assert_eq!(one_left.removed_tables(&none_left), [("a".to_owned(), "id-Music-".to_owned())]);
        assert_eq!(c.removed_tables(&none_left), [("a".to_owned(), "id-Music-".to_owned())], "named once");
    }

    fn user(id: &str, tenant: &str, name: &str, document: serde_json::Value) -> UserRecord {
        UserRecord {
            tenant_id: tenant.into(),
            id: id.into(),
            name: name.into(),
            policies: vec![dynastore_common::contract::PolicyRecord {
                name: "p".into(),
                document,
            }],
        }
    }

    #[test]
    fn users_compile_policies_and_follow_changes() {
        let allow = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]});
        let c = Catalog::from_snapshot(Snapshot {
            revision: 1,
            tenants: vec![tenant("a")],
            access_keys: vec![],
            tables: vec![],
            users: vec![user("u1", "a", "alice", allow.clone()), user("u2", "a", "bob", serde_json::json!({"Statement": 3}))],
        });
        assert!(c.user("a", "alice").is_some_and(|u| u.policies.as_ref().is_ok_and(|p| p.len() == 1)));
        assert!(c.user("a", "bob").is_some_and(|u| u.policies.is_err()), "a broken policy denies the user");
        let c2 = c.apply(Changes {
            revision: 2,
            users: vec![user("u1", "a", "alice2", allow)],
            deleted_users: vec!["u2".into()],
            ..Changes::default()
        });
        assert!(c2.user("a", "alice").is_none(), "renamed");
        assert!(c2.user("a", "alice2").is_some());
        assert!(c2.user("a", "bob").is_none());
        let c3 = c2.apply(Changes {
            revision: 3,
            deleted_tenants: vec!["a".into()],
            ..Changes::default()
        });
        assert!(c3.user("a", "alice2").is_none());
    }
}
