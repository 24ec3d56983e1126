//! Postgres access: the pool, embedded migrations, and one repository module
//! per resource. Every SQL statement of the control plane lives under here.

pub mod access_keys;
pub mod audit;
pub mod pg_json;
pub mod policies;
pub mod revision;
pub mod tables;
pub mod tenants;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::error::Result;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Opens a pool.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?.application_name("dynastore-control-plane");
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies pending migrations under sqlx's advisory lock, so concurrent
/// replicas starting together migrate once.
pub async fn migrate(pool: &PgPool) -> Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// Maps a unique-constraint violation to `Conflict` with `message`.
pub(crate) fn conflict_on_unique(err: sqlx::Error, message: impl FnOnce() -> String) -> crate::Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => crate::Error::Conflict(message()),
        _ => crate::Error::Db(err),
    }
}
