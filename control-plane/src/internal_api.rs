//! The internal API that data planes call, authenticated with the shared
//! bearer token: a full [`Snapshot`] at a revision, and a long-poll for the
//! [`Changes`] after a revision.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use dynastore_common::contract::{self, Changes, Snapshot};
use serde::Deserialize;
use sqlx::{PgConnection, Postgres, Transaction};

use crate::db::revision::Kind;
use crate::db::{access_keys, revision, tables, tenants, users};
use crate::error::{Error, Result};
use crate::ControlPlane;

/// Routes of the internal API.
pub fn router() -> Router<Arc<ControlPlane>> {
    Router::new()
        .route(contract::SNAPSHOT_PATH, get(snapshot))
        .route(contract::CHANGES_PATH, get(changes))
}

pub(crate) fn authorize(cp: &ControlPlane, headers: &HeaderMap) -> Result<()> {
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Error::Unauthorized)?;
    if cp.config.internal_token.ct_eq(token.as_bytes()) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

/// A read-only transaction with one consistent view of the catalog.
async fn consistent_view(cp: &ControlPlane) -> Result<Transaction<'static, Postgres>> {
    let mut tx = cp.pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

async fn snapshot(State(cp): State<Arc<ControlPlane>>, headers: HeaderMap) -> Result<Json<Snapshot>> {
    authorize(&cp, &headers)?;
    Ok(Json(cp.snapshot().await?))
}

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    after: i64,
    wait_secs: Option<u64>,
}

async fn changes(
    State(cp): State<Arc<ControlPlane>>,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> Result<Json<Changes>> {
    authorize(&cp, &headers)?;
    let limit = cp.config.long_poll();
    let wait = q.wait_secs.map_or(limit, |s| Duration::from_secs(s).min(limit));
    cp.feed.wait_past(q.after, wait).await;
    let mut tx = consistent_view(&cp).await?;
    let out = changes_after(&mut tx, &cp, q.after).await?;
    tx.commit().await?;
    Ok(Json(out))
}

async fn changes_after(conn: &mut PgConnection, cp: &ControlPlane, after: i64) -> Result<Changes> {
    let current = revision::current(conn).await?;
    let mut out = Changes {
        revision: current,
        ..Changes::default()
    };
    if after > current || after < 0 {
        out.reset = true;
        return Ok(out);
    }
    for (kind, id) in revision::changed_between(conn, after, current).await? {
        match kind {
            Kind::Tenant => match tenants::by_id(conn, &id).await? {
                Some(t) => out.tenants.push(t),
                None => out.deleted_tenants.push(id),
            },
            Kind::AccessKey => match access_keys::get(conn, &cp.master, &id).await? {
                Some(k) => out.access_keys.push(k),
                None => out.deleted_access_keys.push(id),
            },
            Kind::User => match users::record(conn, &id).await? {
                Some(u) => out.users.push(u),
                None => out.deleted_users.push(id),
            },
            // Data planes see policies through the users they are attached
            // to, which are bumped with them.
            Kind::Policy => {}
            Kind::Table => match tables::by_entity_id(conn, &id).await? {
                Some(t) => out.tables.push(t),
                None => {
                    // The name as the entity id has it: qualified by
                    // its region outside the home region.
                    if let Some((tenant, name)) = id.split_once('/') {
                        out.deleted_tables.push((tenant.to_owned(), name.to_owned()));
                    }
                }
            },
        }
    }
    Ok(out)
}

impl ControlPlane {
    /// Everything a data plane needs, at one revision.
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let mut tx = consistent_view(self).await?;
        let snap = Snapshot {
            revision: revision::current(&mut tx).await?,
            tenants: tenants::list(&mut tx).await?,
            access_keys: access_keys::list(&mut tx, &self.master).await?,
            tables: tables::list(&mut tx).await?,
            users: users::list_records(&mut tx).await?,
        };
        tx.commit().await?;
        Ok(snap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynastore_common::shutdown;
    use dynastore_common::Secret;
    use sqlx::PgPool;

    fn config() -> crate::Config {
        crate::Config {
            database_url: Secret::new("unused"),
            listen: "127.0.0.1:0".into(),
            internal_token: Secret::new("0123456789abcdef0123"),
            master_key: Secret::new("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
            long_poll_secs: 1,
            db_max_connections: 2,
        }
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn changes_follow_revisions(pool: PgPool) {
        let (_t, stop) = shutdown::channel();
        let cp = ControlPlane::with_pool(pool, config(), stop).await.unwrap();
        let empty = cp.snapshot().await.unwrap();
        assert_eq!(empty.revision, 0);
        assert!(empty.tenants.is_empty());

        let tenant = cp.ensure_tenant("acme").await.unwrap();
        let key = cp.ensure_root_key(&tenant, None).await.unwrap();
        let snap = cp.snapshot().await.unwrap();
        assert_eq!(snap.revision, 2);
        assert_eq!(snap.access_keys, vec![key.clone()]);

        let mut conn = cp.pool.acquire().await.unwrap();
        let c = changes_after(&mut conn, &cp, 0).await.unwrap();
        assert_eq!(c.revision, 2);
        assert_eq!(c.tenants, vec![tenant.clone()]);
        assert_eq!(c.access_keys, vec![key.clone()]);

        access_keys::delete(&mut conn, &key.access_key_id).await.unwrap();
        let c = changes_after(&mut conn, &cp, 2).await.unwrap();
        assert_eq!(c.revision, 3);
        assert!(c.tenants.is_empty());
        assert_eq!(c.deleted_access_keys, vec![key.access_key_id.clone()]);

        let c = changes_after(&mut conn, &cp, 3).await.unwrap();
        assert!(c.is_empty());
        let c = changes_after(&mut conn, &cp, 99).await.unwrap();
        assert!(c.reset, "a revision from the future asks for a snapshot");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn secrets_are_encrypted_at_rest(pool: PgPool) {
        let (_t, stop) = shutdown::channel();
        let cp = ControlPlane::with_pool(pool, config(), stop).await.unwrap();
        let tenant = cp.ensure_tenant("acme").await.unwrap();
        let key = cp
            .ensure_root_key(&tenant, Some(("MYKEY".into(), Secret::new("plain-secret-value"))))
            .await
            .unwrap();
        assert_eq!(key.secret_access_key.expose(), "plain-secret-value");
        let raw: Vec<u8> = sqlx::query_scalar("SELECT secret_ciphertext FROM access_keys WHERE access_key_id = 'MYKEY'")
            .fetch_one(&cp.pool)
            .await
            .unwrap();
        assert!(!raw.windows(5).any(|w| w == b"plain"), "no clear text in the row");
        // Re-asserting the explicit key with a new secret updates it.
        let k2 = cp
            .ensure_root_key(&tenant, Some(("MYKEY".into(), Secret::new("other"))))
            .await
            .unwrap();
        assert_eq!(k2.secret_access_key.expose(), "other");
        // The same id for another tenant is a conflict.
        let t2 = cp.ensure_tenant("other").await.unwrap();
        let err = cp
            .ensure_root_key(&t2, Some(("MYKEY".into(), Secret::new("x"))))
            .await
            .unwrap_err();
        assert!(matches!(err, crate::Error::Conflict(_)), "{err}");
    }

    #[sqlx::test(migrator = "crate::db::MIGRATOR")]
    async fn long_poll_wakes_on_change(pool: PgPool) {
        let (_t, stop) = shutdown::channel();
        let cp = ControlPlane::with_pool(pool, config(), stop).await.unwrap();
        let start = cp.feed.latest();
        let waiter = {
            let cp = cp.clone();
            tokio::spawn(async move { cp.feed.wait_past(start, Duration::from_secs(10)).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        cp.ensure_tenant("acme").await.unwrap();
        let got = tokio::time::timeout(Duration::from_secs(3), waiter).await.unwrap().unwrap();
        assert!(got > start);
    }
}
