//! `dynastore admin audit`: a tenant's audit trail (`--tenant`) or the
//! whole log (operators), filtered and paged.

use clap::Args;

use super::output::list;
use super::Ctx;

/// Flags of `dynastore admin audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this tenant's events (name or id).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Only this action (e.g. CreateUser, dynamodb:CreateTable).
    #[arg(long)]
    pub action: Option<String>,
    /// Only this principal.
    #[arg(long)]
    pub principal: Option<String>,
    /// Events at or after this time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Events before this time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// Page size (1–1000, default 100).
    #[arg(long)]
    pub limit: Option<u32>,
    /// The next_token of the previous page.
    #[arg(long)]
    pub next_token: Option<String>,
}

/// Runs `dynastore admin audit`.
pub async fn run(args: AuditArgs, ctx: &Ctx) -> anyhow::Result<()> {
    let mut query: Vec<(&str, String)> = Vec::new();
    for (name, value) in [
        ("action", args.action),
        ("principal", args.principal),
        ("from", args.from),
        ("to", args.to),
        ("limit", args.limit.map(|l| l.to_string())),
        ("next_token", args.next_token),
    ] {
        if let Some(v) = value {
            query.push((name, v));
        }
    }
    let v = match &args.tenant {
        Some(t) => {
            ctx.client
                .get(&["v1", "tenants", t, "audit"], &query)
                .await?
        }
        None => ctx.client.get(&["v1", "audit"], &query).await?,
    };
    ctx.print(&v, |v| {
        let mut out = list(
            &v["events"],
            &[
                ("AT", "at"),
                ("PRINCIPAL", "principal"),
                ("ACTION", "action"),
                ("RESOURCE", "resource"),
                ("OUTCOME", "outcome"),
                ("STATUS", "status_code"),
                ("SOURCE", "source_ip"),
            ],
        );
        if let Some(t) = v["next_token"].as_str() {
            out.push_str(&format!("next token: {t}\n"));
        }
        out
    })
}
