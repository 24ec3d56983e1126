//! `dynastore admin`: the admin REST API from the command line — tenants,
//! users, access keys, policies, tables, the audit log — and `token` to
//! mint an admin token from the shared secret.
//!
//! Reads `DYNASTORE_ADMIN_URL` and `DYNASTORE_TOKEN` (what `dynastore dev`
//! prints), overridable by `--url` and `--token`. Prints aligned tables by
//! default and the API's JSON with `--json`; an error answer prints the
//! problem's title and detail to stderr and exits non-zero.
//!
//! Map: [`client`] (HTTP and problems), [`output`] (tables), one module
//! per resource, [`token`] (minting, and the dev stack's secret).

pub mod client;
pub mod output;
pub mod token;

mod audit;
mod keys;
mod policies;
mod tables;
mod tenants;
mod users;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::Value;

use client::Client;

/// Flags of `dynastore admin`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// Base URL of the control plane's admin API.
    #[arg(long, global = true, env = "DYNASTORE_ADMIN_URL")]
    pub url: Option<String>,
    /// Bearer token (a JWT; see `dynastore admin token`).
    #[arg(long, global = true, env = "DYNASTORE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The resources.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tenants (operators only, except `show` of one's own tenant).
    #[command(subcommand)]
    Tenants(tenants::Cmd),
    /// IAM users of a tenant.
    #[command(subcommand)]
    Users(users::Cmd),
    /// Access keys of a user.
    #[command(subcommand)]
    Keys(keys::Cmd),
    /// IAM policies of a tenant and their attachments to users.
    #[command(subcommand)]
    Policies(policies::Cmd),
    /// The audit log (a tenant's with --tenant, else all of it).
    Audit(audit::AuditArgs),
    /// A tenant's tables (read-only).
    #[command(subcommand)]
    Tables(tables::Cmd),
    /// Mint an admin token (HS256) from the shared secret.
    Token(token::TokenArgs),
}

/// What every command needs: the client and the output mode.
pub struct Ctx {
    pub client: Client,
    pub json: bool,
}

impl Ctx {
    /// Prints `value` as JSON, or as `human` renders it.
    pub fn print(&self, value: &Value, human: impl FnOnce(&Value) -> String) -> anyhow::Result<()> {
        if self.json {
            if !value.is_null() {
                println!("{}", serde_json::to_string_pretty(value)?);
            }
        } else {
            print!("{}", human(value));
        }
        Ok(())
    }

    /// Prints `message` for a command that answers nothing (unless --json).
    pub fn done(&self, message: &str) {
        if !self.json {
            println!("{message}");
        }
    }
}

/// Runs `dynastore admin …`.
pub async fn run(args: AdminArgs) -> anyhow::Result<()> {
    if let Command::Token(t) = &args.command {
        let token = token::mint(t)?;
        if args.json {
            println!("{}", serde_json::json!({ "token": token }));
        } else {
            println!("{token}");
        }
        return Ok(());
    }
    let url = args
        .url
        .as_deref()
        .context("no admin URL: set DYNASTORE_ADMIN_URL or pass --url")?;
    let token = args
        .token
        .as_deref()
        .context("no token: set DYNASTORE_TOKEN or pass --token (see `dynastore admin token`)")?;
    let ctx = Ctx {
        client: Client::new(url, token)?,
        json: args.json,
    };
    match args.command {
        Command::Tenants(c) => tenants::run(c, &ctx).await,
        Command::Users(c) => users::run(c, &ctx).await,
        Command::Keys(c) => keys::run(c, &ctx).await,
        Command::Policies(c) => policies::run(c, &ctx).await,
        Command::Audit(a) => audit::run(a, &ctx).await,
        Command::Tables(c) => tables::run(c, &ctx).await,
        Command::Token(_) => Ok(()),
    }
}
