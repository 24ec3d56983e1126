//! `dynastore admin tables list|show`.

use clap::Subcommand;
use serde_json::Value;

use super::output::{fields, list};
use super::Ctx;

/// Table commands (read-only).
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List a tenant's tables.
    List { tenant: String },
    /// Show a table with its stored definition (`name@region` for a table
    /// outside the endpoint's home region).
    Show { tenant: String, name: String },
}

fn show(t: &Value) -> String {
    let mut out = fields(
        t,
        &[
            ("name", "name"),
            ("region", "region"),
            ("id", "id"),
            ("status", "status"),
            ("created", "created_at"),
        ],
    );
    out.push_str("definition:\n");
    out.push_str(&serde_json::to_string_pretty(&t["definition"]).unwrap_or_default());
    out.push('\n');
    out
}

/// Runs a table command.
pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let c = &ctx.client;
    match cmd {
        Cmd::List { tenant } => {
            let v = c.get(&["v1", "tenants", &tenant, "tables"], &[]).await?;
            ctx.print(&v, |v| {
                list(
                    &v["tables"],
                    &[
                        ("NAME", "name"),
                        ("REGION", "region"),
                        ("STATUS", "status"),
                        ("ID", "id"),
                        ("CREATED", "created_at"),
                    ],
                )
            })
        }
        Cmd::Show { tenant, name } => {
            let v = c
                .get(&["v1", "tenants", &tenant, "tables", &name], &[])
                .await?;
            ctx.print(&v, show)
        }
    }
}
