//! Tenant quotas enforced at table management (CreateTable, UpdateTable),
//! refused with DynamoDB's `LimitExceededException` and its wording.
//!
//! Enforced here: `max_tables`, `max_provisioned_read_capacity` and
//! `max_provisioned_write_capacity`. The data plane enforces
//! `max_storage_bytes` and `max_on_demand_throughput`, which depend on
//! traffic and data rather than on the catalog.
//!
//! Invariant: every check runs in the transaction that makes the change,
//! after [`crate::db::tenants::lock`] has locked the tenant row, so two
//! concurrent creates or updates of one tenant are serialized and cannot
//! both pass on the same headroom. Lock order is tenant row, then table
//! row, everywhere.
//!
//! Provisioned capacity of a table: when it bills PROVISIONED, its read
//! (write) capacity units plus those of its global secondary indexes (local
//! ones share the table's); zero for on-demand tables. A change is refused
//! only when it raises the table's read (write) capacity and the tenant's
//! total would exceed the quota, so lowering stays possible even for a
//! tenant whose quota was set below what it already holds.

use ddb_core::api::table::{BillingMode, TableDefinition};
use dynastore_common::contract::{DdbError, TenantQuotas};
use sqlx::PgConnection;

use crate::db::tables;
use crate::error::Result;

/// Read and write capacity units a table reserves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capacity {
    pub read: i64,
    pub write: i64,
}

impl Capacity {
    /// What `def` reserves (zero when it bills on demand).
    pub fn of(def: &TableDefinition) -> Capacity {
        let spec = &def.spec;
        if spec.billing_mode != BillingMode::Provisioned {
            return Capacity::default();
        }
        spec.throughput
            .iter()
            .chain(
                spec.global_secondary_indexes
                    .iter()
                    .filter_map(|i| i.throughput.as_ref()),
            )
            .fold(Capacity::default(), |acc, t| Capacity {
                read: acc.read.saturating_add(t.read),
                write: acc.write.saturating_add(t.write),
            })
    }
}

/// DynamoDB's refusal when an account holds as many tables as it may
/// (observed: "Subscriber limit exceeded: There is a limit of 256 tables
/// per subscriber", when the default was 256).
pub fn table_limit_error(limit: i64) -> DdbError {
    DdbError::new(
        "LimitExceededException",
        format!("Subscriber limit exceeded: There is a limit of {limit} tables per subscriber"),
    )
}

/// DynamoDB's refusal when a request would take the account's provisioned
/// `unit` ("ReadCapacityUnits" or "WriteCapacityUnits") past its limit:
/// `reserved` by the account's other tables, `requested` by the table
/// created or updated. DynamoDB names the region after "for the account";
/// the control plane does not know it, so the message omits it.
pub fn capacity_limit_error(unit: &str, reserved: i64, limit: i64, requested: i64) -> DdbError {
    DdbError::new(
        "LimitExceededException",
        format!(
            "This request would have caused the {unit} limit to be exceeded for the account. \
             Current {unit} reserved by the account: {reserved}. Limit: {limit}. Requested: {requested}. \
             Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
        ),
    )
}

/// Refuses a table just inserted (in this transaction) when the tenant now
/// holds more than `max_tables`.
pub async fn check_table_count(
    conn: &mut PgConnection,
    tenant_id: &str,
    quotas: &TenantQuotas,
) -> Result<()> {
    let Some(limit) = quotas.max_tables else {
        return Ok(());
    };
    if tables::count(conn, tenant_id).await? > limit {
        return Err(table_limit_error(limit).into());
    }
    Ok(())
}

/// Refuses table `name` going from `before` (zero for a new table) to
/// `after` when that raises its read (write) capacity and the tenant's
/// total over its PROVISIONED tables would exceed the quota.
pub async fn check_capacity(
    conn: &mut PgConnection,
    tenant_id: &str,
    quotas: &TenantQuotas,
    (region, name): (&str, &str),
    before: Capacity,
    after: Capacity,
) -> Result<()> {
    let read_limit = quotas
        .max_provisioned_read_capacity
        .filter(|_| after.read > before.read);
    let write_limit = quotas
        .max_provisioned_write_capacity
        .filter(|_| after.write > before.write);
    if read_limit.is_none() && write_limit.is_none() {
        return Ok(());
    }
    let (others_read, others_write) = tables::provisioned_capacity(conn, tenant_id, region, name).await?;
    let checks = [
        ("ReadCapacityUnits", read_limit, others_read, after.read),
        ("WriteCapacityUnits", write_limit, others_write, after.write),
    ];
    for (unit, limit, reserved, requested) in checks {
        if let Some(limit) = limit {
            if reserved.saturating_add(requested) > limit {
                return Err(capacity_limit_error(unit, reserved, limit, requested).into());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ddb_core::api::table::{
        IndexSpec, KeyAttr, KeySchema, ProjectionSpec, ScalarType, TableSpec, Throughput,
    };

    use super::*;

    fn def(
        mode: BillingMode,
        table: Option<(i64, i64)>,
        gsis: &[Option<(i64, i64)>],
    ) -> TableDefinition {
        let key = KeySchema {
            hash: KeyAttr {
                name: "pk".into(),
                ty: ScalarType::S,
            },
            range: None,
            more_hash: Vec::new(),
            more_range: Vec::new(),
        };
        let t = |p: (i64, i64)| Throughput {
            read: p.0,
            write: p.1,
        };
        let spec = TableSpec {
            name: "T".into(),
            key_schema: key.clone(),
            attribute_definitions: vec![("pk".into(), ScalarType::S)],
            billing_mode: mode,
            throughput: table.map(t),
            local_secondary_indexes: Vec::new(),
            global_secondary_indexes: gsis
                .iter()
                .enumerate()
                .map(|(n, g)| IndexSpec {
                    name: format!("g{n}"),
                    key_schema: key.clone(),
                    projection: ProjectionSpec::All,
                    throughput: g.map(t),
                    warm_throughput: None,
                })
                .collect(),
            on_demand: None,
            vector_indexes: Vec::new(),
            stream: None,
            sse_enabled: false,
            sse_kms_key: None,
            table_class: None,
            warm_throughput: None,
            deletion_protection: false,
            tags: Default::default(),
        };
        TableDefinition::new("id".into(), 0.0, spec)
    }

    #[test]
    fn capacity_sums_the_table_and_its_global_indexes() {
        let d = def(
            BillingMode::Provisioned,
            Some((5, 7)),
            &[Some((1, 2)), Some((10, 20))],
        );
        assert_eq!(
            Capacity::of(&d),
            Capacity {
                read: 16,
                write: 29
            }
        );
        let on_demand = def(BillingMode::PayPerRequest, None, &[None]);
        assert_eq!(Capacity::of(&on_demand), Capacity::default());
    }

    #[test]
    fn messages_carry_the_numbers() {
        assert_eq!(
            table_limit_error(2).message,
            "Subscriber limit exceeded: There is a limit of 2 tables per subscriber"
        );
        let e = capacity_limit_error("ReadCapacityUnits", 8, 10, 5);
        assert_eq!(e.code, "LimitExceededException");
        assert!(
            e.message.contains(
                "Current ReadCapacityUnits reserved by the account: 8. Limit: 10. Requested: 5."
            ),
            "{}",
            e.message
        );
    }
}
