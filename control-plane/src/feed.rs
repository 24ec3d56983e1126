//! The revision feed: the latest committed config revision, kept current by
//! Postgres LISTEN/NOTIFY with a periodic poll as a fallback (a missed
//! notification only delays a change by one poll interval). Long-polls
//! wait on it.

use std::time::Duration;

use dynastore_common::shutdown::Shutdown;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use tokio::sync::watch;

use crate::db::revision;

/// How often the feed re-reads the revision even without notifications.
const POLL: Duration = Duration::from_secs(1);

/// Subscribes to the latest revision.
#[derive(Debug, Clone)]
pub struct Feed(watch::Receiver<i64>);

impl Feed {
    /// Starts the feed task; it ends when `shutdown` fires.
    pub async fn start(pool: PgPool, shutdown: Shutdown) -> crate::Result<Feed> {
        let mut conn = pool.acquire().await?;
        let initial = revision::current(&mut conn).await?;
        drop(conn);
        let (tx, rx) = watch::channel(initial);
        tokio::spawn(run(pool, tx, shutdown));
        Ok(Feed(rx))
    }

    /// The latest revision seen.
    pub fn latest(&self) -> i64 {
        *self.0.borrow()
    }

    /// Waits until the revision exceeds `after` or `timeout` passes;
    /// returns the latest revision either way.
    pub async fn wait_past(&self, after: i64, timeout: Duration) -> i64 {
        let mut rx = self.0.clone();
        let _ = tokio::time::timeout(timeout, rx.wait_for(|r| *r > after)).await;
        self.latest()
    }
}

async fn run(pool: PgPool, tx: watch::Sender<i64>, shutdown: Shutdown) {
    let stop = shutdown.clone().wait();
    tokio::pin!(stop);
    let mut listener: Option<PgListener> = None;
    let mut tick = tokio::time::interval(POLL);
    loop {
        if listener.is_none() {
            listener = connect_listener(&pool).await;
        }
        tokio::select! {
            () = &mut stop => return,
            _ = tick.tick() => {
                if let Ok(mut conn) = pool.acquire().await {
                    if let Ok(rev) = revision::current(&mut conn).await {
                        publish(&tx, rev);
                    }
                }
            }
            note = recv(&mut listener) => match note {
                Some(rev) => publish(&tx, rev),
                None => listener = None,
            },
        }
    }
}

async fn connect_listener(pool: &PgPool) -> Option<PgListener> {
    let mut l = PgListener::connect_with(pool).await.ok()?;
    l.listen(revision::CHANNEL).await.ok()?;
    Some(l)
}

/// The next notified revision; `None` when the listener broke.
async fn recv(listener: &mut Option<PgListener>) -> Option<i64> {
    match listener {
        Some(l) => match l.recv().await {
            Ok(n) => Some(n.payload().parse().unwrap_or(0)),
            Err(_) => None,
        },
        None => std::future::pending().await,
    }
}

fn publish(tx: &watch::Sender<i64>, rev: i64) {
    tx.send_if_modified(|cur| {
        if rev > *cur {
            *cur = rev;
            true
        } else {
            false
        }
    });
}
