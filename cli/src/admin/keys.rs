//! `dynastore admin keys list|create|activate|deactivate|delete`.

use clap::Subcommand;
use serde_json::{json, Value};

use super::output::{fields, list};
use super::Ctx;

/// Access key commands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List a user's access keys (no secrets).
    List { tenant: String, user: String },
    /// Create an access key; its secret is shown this once.
    Create { tenant: String, user: String },
    /// Let a key authenticate again.
    Activate {
        tenant: String,
        user: String,
        key: String,
    },
    /// Stop a key from authenticating.
    Deactivate {
        tenant: String,
        user: String,
        key: String,
    },
    /// Delete a key.
    Delete {
        tenant: String,
        user: String,
        key: String,
    },
}

fn show(k: &Value) -> String {
    fields(
        k,
        &[
            ("access key id", "access_key_id"),
            ("secret access key", "secret_access_key"),
            ("status", "status"),
            ("created", "created_at"),
        ],
    )
}

/// Runs an access key command.
pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let c = &ctx.client;
    match cmd {
        Cmd::List { tenant, user } => {
            let v = c
                .get(
                    &["v1", "tenants", &tenant, "users", &user, "access-keys"],
                    &[],
                )
                .await?;
            ctx.print(&v, |v| {
                list(
                    &v["access_keys"],
                    &[
                        ("ACCESS KEY ID", "access_key_id"),
                        ("STATUS", "status"),
                        ("CREATED", "created_at"),
                    ],
                )
            })
        }
        Cmd::Create { tenant, user } => {
            let v = c
                .post(
                    &["v1", "tenants", &tenant, "users", &user, "access-keys"],
                    &json!({}),
                )
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Activate { tenant, user, key } => {
            set_status(ctx, &tenant, &user, &key, "active").await
        }
        Cmd::Deactivate { tenant, user, key } => {
            set_status(ctx, &tenant, &user, &key, "inactive").await
        }
        Cmd::Delete { tenant, user, key } => {
            c.delete(&[
                "v1",
                "tenants",
                &tenant,
                "users",
                &user,
                "access-keys",
                &key,
            ])
            .await?;
            ctx.done(&format!("deleted access key {key}"));
            Ok(())
        }
    }
}

async fn set_status(
    ctx: &Ctx,
    tenant: &str,
    user: &str,
    key: &str,
    status: &str,
) -> anyhow::Result<()> {
    let v = ctx
        .client
        .patch(
            &["v1", "tenants", tenant, "users", user, "access-keys", key],
            &json!({ "status": status }),
        )
        .await?;
    ctx.print(&v, show)
}
