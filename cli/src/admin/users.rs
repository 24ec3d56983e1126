//! `dynastore admin users list|create|show|delete`.

use clap::Subcommand;
use serde_json::{json, Value};

use super::output::{fields, list};
use super::Ctx;

/// User commands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List a tenant's users.
    List { tenant: String },
    /// Create a user.
    Create { tenant: String, name: String },
    /// Show a user with its policies and access keys.
    Show { tenant: String, user: String },
    /// Delete a user with its access keys and attachments.
    Delete { tenant: String, user: String },
}

fn show(u: &Value) -> String {
    fields(
        u,
        &[
            ("name", "name"),
            ("id", "id"),
            ("created", "created_at"),
            ("policies", "policies"),
            ("access keys", "access_keys"),
        ],
    )
}

/// Runs a user command.
pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let c = &ctx.client;
    match cmd {
        Cmd::List { tenant } => {
            let v = c.get(&["v1", "tenants", &tenant, "users"], &[]).await?;
            ctx.print(&v, |v| {
                list(
                    &v["users"],
                    &[("NAME", "name"), ("ID", "id"), ("CREATED", "created_at")],
                )
            })
        }
        Cmd::Create { tenant, name } => {
            let v = c
                .post(
                    &["v1", "tenants", &tenant, "users"],
                    &json!({ "name": name }),
                )
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Show { tenant, user } => {
            let v = c
                .get(&["v1", "tenants", &tenant, "users", &user], &[])
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Delete { tenant, user } => {
            c.delete(&["v1", "tenants", &tenant, "users", &user])
                .await?;
            ctx.done(&format!("deleted user {user}"));
            Ok(())
        }
    }
}
