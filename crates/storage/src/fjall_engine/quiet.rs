//! Merging level 0 when a database's writes pause.
//!
//! fjall's leveled compaction merges level 0 (memtables flushed to disk, each
//! table covering the whole key space) into level 1 only once four tables
//! have gathered there, so after a burst of writes a database can sit with
//! up to three level-0 tables for as long as no more writes come. Every
//! range read then seeks into each of them as well as into level 1: after
//! `dynastore bench`'s writes, a Query of one partition searched four tables
//! and took about 12 % more server time than on the same data merged (two
//! alternating runs of each against `dynastore dev`).
//!
//! [`FjallEngine::compact_if_quiet`] merges level 0 into level 1 once no
//! batch has been committed for [`QUIET`], at most once per
//! [`MIN_INTERVAL`], with the level sizes of fjall's default strategy
//! (level 1 of 256 MiB), so the merge rewrites at most level 0 and the part
//! of level 1 it overlaps. A database written steadily never pauses and is
//! left to fjall; one that pauses pays one merge per pause that follows a
//! flush, which is work fjall would do anyway after the next three flushes.
//!
//! The merged tables' files stay on disk until fjall next changes the
//! tree (a flush or compaction) and then drops them, as it does with the
//! inputs of its own compactions; a tenant that only reads keeps them until
//! its storage is closed (idle eviction, shutdown) and reopened.

use super::{FjallEngine, Result};
use lsm_tree::AbstractTree as _;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

/// How long a database must see no committed batch before level 0 is merged.
pub const QUIET: Duration = Duration::from_millis(500);

/// The shortest time between two such merges of one database.
pub const MIN_INTERVAL: Duration = Duration::from_secs(30);

/// fjall's default table size (64 MiB) times its default level-0 threshold
/// (4): the size of level 1 under fjall's default leveled strategy, kept by
/// the merge (whose strategy sizes level 1 as table size × threshold).
const LEVEL_1_BYTES: u64 = 256 * 1024 * 1024;

/// What the engine remembers between checks.
#[derive(Debug, Default)]
pub(super) struct Quiet {
    /// The database's sequence number at the last check, and since when it
    /// has not moved.
    seen: Option<(u64, Instant)>,
    /// When level 0 was last merged here.
    merged: Option<Instant>,
}

impl FjallEngine {
    /// Tables in level 0.
    pub fn level0_tables(&self) -> usize {
        self.inner.keyspace.l0_table_count()
    }

    /// Merges level 0 into level 1 when no batch has been committed for
    /// [`QUIET`] (as of `now`, checked against earlier calls) and the last
    /// merge is [`MIN_INTERVAL`] old. Blocks while it merges; says whether
    /// it did.
    pub fn compact_if_quiet(&self, now: Instant) -> Result<bool> {
        let seqno = self.inner.db.seqno();
        {
            let mut quiet = self.inner.quiet.lock().unwrap_or_else(PoisonError::into_inner);
            let since = match quiet.seen {
                Some((seen, since)) if seen == seqno => since,
                _ => {
                    quiet.seen = Some((seqno, now));
                    return Ok(false);
                }
            };
            let rested = quiet.merged.is_none_or(|at| now.saturating_duration_since(at) >= MIN_INTERVAL);
            if now.saturating_duration_since(since) < QUIET || !rested || self.level0_tables() == 0 {
                return Ok(false);
            }
            quiet.merged = Some(now);
        }
        self.merge_level0()?;
        Ok(true)
    }

    /// Merges every level-0 table into level 1 (one compaction; versions no
    /// snapshot can see any more are dropped, as in fjall's own).
    fn merge_level0(&self) -> Result<()> {
        let strategy = lsm_tree::compaction::Leveled::default()
            .with_l0_threshold(1)
            .with_table_target_size(LEVEL_1_BYTES);
        let visible_to_none = self.inner.db.supervisor.snapshot_tracker.get_seqno_safe_to_gc();
        self.inner
            .keyspace
            .tree
            .compact(Arc::new(strategy), visible_to_none)
            .map_err(fjall::Error::from)?;
        Ok(())
    }
}
