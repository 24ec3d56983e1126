//! `dynastore admin policies list|create|show|update|delete|attach|detach`.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use serde_json::{json, Value};

use super::output::{fields, list};
use super::Ctx;

/// Policy commands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List a tenant's policies.
    List { tenant: String },
    /// Create a policy from a JSON document (a file, or - for stdin).
    Create {
        tenant: String,
        name: String,
        #[arg(long)]
        document: String,
    },
    /// Show a policy with its document.
    Show { tenant: String, policy: String },
    /// Replace a policy's document (a file, or - for stdin).
    Update {
        tenant: String,
        policy: String,
        #[arg(long)]
        document: String,
    },
    /// Delete a policy (it must be attached to no user).
    Delete { tenant: String, policy: String },
    /// Attach a policy to a user.
    Attach {
        tenant: String,
        user: String,
        policy: String,
    },
    /// Detach a policy from a user.
    Detach {
        tenant: String,
        user: String,
        policy: String,
    },
}

/// The document in `source` (a path, or `-` for stdin): the JSON value when
/// it parses, else the text (the API then says what is wrong with it).
fn document(source: &str) -> anyhow::Result<Value> {
    let text = if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the document from stdin")?;
        s
    } else {
        std::fs::read_to_string(Path::new(source)).with_context(|| format!("reading {source}"))?
    };
    Ok(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn show(p: &Value) -> String {
    let mut out = fields(
        p,
        &[
            ("name", "name"),
            ("id", "id"),
            ("created", "created_at"),
            ("updated", "updated_at"),
            ("attached to", "attached_users"),
        ],
    );
    out.push_str("document:\n");
    out.push_str(&serde_json::to_string_pretty(&p["document"]).unwrap_or_default());
    out.push('\n');
    out
}

/// Runs a policy command.
pub async fn run(cmd: Cmd, ctx: &Ctx) -> anyhow::Result<()> {
    let c = &ctx.client;
    match cmd {
        Cmd::List { tenant } => {
            let v = c.get(&["v1", "tenants", &tenant, "policies"], &[]).await?;
            ctx.print(&v, |v| {
                list(
                    &v["policies"],
                    &[
                        ("NAME", "name"),
                        ("ID", "id"),
                        ("CREATED", "created_at"),
                        ("UPDATED", "updated_at"),
                    ],
                )
            })
        }
        Cmd::Create {
            tenant,
            name,
            document: source,
        } => {
            let body = json!({ "name": name, "document": document(&source)? });
            let v = c
                .post(&["v1", "tenants", &tenant, "policies"], &body)
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Show { tenant, policy } => {
            let v = c
                .get(&["v1", "tenants", &tenant, "policies", &policy], &[])
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Update {
            tenant,
            policy,
            document: source,
        } => {
            let body = json!({ "document": document(&source)? });
            let v = c
                .put(
                    &["v1", "tenants", &tenant, "policies", &policy],
                    Some(&body),
                )
                .await?;
            ctx.print(&v, show)
        }
        Cmd::Delete { tenant, policy } => {
            c.delete(&["v1", "tenants", &tenant, "policies", &policy])
                .await?;
            ctx.done(&format!("deleted policy {policy}"));
            Ok(())
        }
        Cmd::Attach {
            tenant,
            user,
            policy,
        } => {
            c.put(
                &[
                    "v1", "tenants", &tenant, "users", &user, "policies", &policy,
                ],
                None,
            )
            .await?;
            ctx.done(&format!("attached policy {policy} to user {user}"));
            Ok(())
        }
        Cmd::Detach {
            tenant,
            user,
            policy,
        } => {
            c.delete(&[
                "v1", "tenants", &tenant, "users", &user, "policies", &policy,
            ])
            .await?;
            ctx.done(&format!("detached policy {policy} from user {user}"));
            Ok(())
        }
    }
}
