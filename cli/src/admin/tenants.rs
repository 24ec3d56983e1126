//! `dynastore admin tenants list|create|show|update|delete`.

use clap::Subcommand;
use serde_json::{json, Map, Value};

use super::output::{fields, list};
use super::Ctx;

/// A quota value: a number, or `unlimited`.
#[derive(Debug, Clone, Copy)]
pub struct Quota(Option<i64>);

fn parse_quota(s: &str) -> Result<Quota, String> {
    match s {
        "unlimited" | "none" => Ok(Quota(None)),
        n => n
            .parse::<i64>()
            .map(|v| Quota(Some(v)))
            .map_err(|_| format!("invalid quota {n:?}: a number or `unlimited`")),
    }
}

/// Tenant commands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List every tenant.
    List,
    /// Create a tenant.
    Create { name: String },
    /// Show a tenant (name or id).
    Show { tenant: String },
    /// Change a tenant's status or quotas (a number, or `unlimited`).
    Update {
        tenant: String,
        #[arg(long, value_parser = ["active", "suspended"])]
        status: Option<String>,
        #[arg(long, value_parser = parse_quota)]
        max_tables: Option<Quota>,
        #[arg(long, value_parser = parse_quota)]
        max_storage_bytes: Option<Quota>,
        #[arg(long, value_parser = parse_quota)]
        max_provisioned_read_capacity: Option<Quota>,
        #[arg(long, value_parser = parse_quota)]
        max_provisioned_write_capacity: Option<Quota>,
        #[arg(long, value_parser = parse_quota)]
        max_on_demand_throughput: Option<Quota>,
    },
    /// Delete a tenant with its users, keys, policies and tables.
    Delete { tenant: String },
}

fn show(t: &Value) -> String {
    fields(
        t,
        &[
            ("name", "name"),
            ("id", "id"),
            ("account id", "account_id"),
            ("status", "status"),
            ("created", "created_at"),
            ("max tables", "quotas.max_tables"),
            ("max storage bytes", "quotas.max_storage_bytes"),
            (
                "max provisioned RCU",
                "quotas.max_provisioned_read_capacity",
            ),
            (
                "max provisioned WCU",
                "quotas.max_provisioned_write_capacity",
            ),
            (
                "max on-demand throughput",
                "quotas.max_on_demand_throughput",
            ),
        ],
    )
}

/// Runs a tenant command.
pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let c = &ctx.client;
    match cmd {
        Cmd::List => {
            let v = c.get(&["v1", "tenants"], &[]).await?;
            ctx.print(&v, |v| {
                list(
                    &v["tenants"],
                    &[
                        ("NAME", "name"),
                        ("ID", "id"),
                        ("ACCOUNT", "account_id"),
                        ("STATUS", "status"),
                        ("CREATED", "created_at"),
                    ],
                )
            })
        }
        Cmd::Create { name } => {
            let v = c.post(&["v1", "tenants"], &json!({ "name": name })).await?;
            ctx.print(&v, show)
        }
        Cmd::Show { tenant } => {
            let v = c.get(&["v1", "tenants", &tenant], &[]).await?;
            ctx.print(&v, show)
        }
        Cmd::Update {
            tenant,
            status,
            max_tables,
            max_storage_bytes,
            max_provisioned_read_capacity,
            max_provisioned_write_capacity,
            max_on_demand_throughput,
        } => {
            let mut body = Map::new();
            if let Some(s) = status {
                body.insert("status".into(), json!(s));
            }
            for (name, q) in [
                ("max_tables", max_tables),
                ("max_storage_bytes", max_storage_bytes),
                (
                    "max_provisioned_read_capacity",
                    max_provisioned_read_capacity,
                ),
                (
                    "max_provisioned_write_capacity",
                    max_provisioned_write_capacity,
                ),
                ("max_on_demand_throughput", max_on_demand_throughput),
            ] {
                if let Some(Quota(v)) = q {
                    body.insert(name.into(), json!(v));
                }
            }
            let v = c
                .patch(&["v1", "tenants", &tenant], &Value::Object(body))
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Delete { tenant } => {
            c.delete(&["v1", "tenants", &tenant]).await?;
            ctx.done(&format!("deleted tenant {tenant}"));
            Ok(())
        }
    }
}
