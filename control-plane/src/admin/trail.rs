//! The audit trail of mutating admin calls: one `audit_log` row per call.
//!
//! A handler builds a [`Trail`] first, runs everything that can fail
//! (tenant resolution, authorization, decoding, validation, the change)
//! and hands the outcome to [`Trail::finish`]: a success is recorded in
//! the transaction that made the change, which it then commits, so there
//! is no change without its row; a failure (the transaction rolled back)
//! is recorded on its own, best effort.

use axum::http::StatusCode;
use sqlx::{Postgres, Transaction};

use super::caller::Caller;
use super::error::AdminError;
use crate::db::audit::{self, Entry};
use crate::ControlPlane;

/// The open transaction of a change and the value to answer.
pub type Done<T> = Result<(Transaction<'static, Postgres>, T), AdminError>;

/// The audit record of one mutating call, being filled in.
#[derive(Debug)]
pub struct Trail<'a> {
    cp: &'a ControlPlane,
    entry: Entry,
}

impl<'a> Trail<'a> {
    /// A record of `action` by `caller` on the request's path.
    pub fn new(cp: &'a ControlPlane, caller: &Caller, action: &str) -> Trail<'a> {
        Trail {
            cp,
            entry: Entry {
                tenant_id: None,
                principal: caller.principal.subject.clone(),
                source_ip: caller.source_ip.clone(),
                action: action.to_owned(),
                resource: caller.resource.clone(),
                request: serde_json::Value::Object(serde_json::Map::new()),
            },
        }
    }

    /// The tenant acted on.
    pub fn tenant(&mut self, tenant_id: &str) {
        self.entry.tenant_id = Some(tenant_id.to_owned());
    }

    /// A summary of the request (never secrets).
    pub fn request(&mut self, summary: serde_json::Value) {
        self.entry.request = summary;
    }

    /// Records the outcome and, on success, commits the change with its
    /// record; `ok` is the status the success is answered with.
    pub async fn finish<T>(self, result: Done<T>, ok: StatusCode) -> Result<T, AdminError> {
        match result {
            Ok((mut tx, value)) => {
                audit::insert(&mut tx, &self.entry, ok.as_u16()).await?;
                tx.commit().await?;
                Ok(value)
            }
            Err(e) => {
                self.record_failure(&e).await;
                Err(e)
            }
        }
    }

    async fn record_failure(&self, error: &AdminError) {
        let recorded = async {
            let mut conn = self.cp.pool.acquire().await?;
            audit::insert(&mut conn, &self.entry, error.status().as_u16()).await
        }
        .await;
        if let Err(e) = recorded {
            tracing::error!(error = %e, action = %self.entry.action, "cannot record a failed admin call in the audit log");
        }
    }
}
