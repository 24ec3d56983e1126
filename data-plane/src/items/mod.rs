//! The item engine: how items are laid out in a tenant's key space
//! (`layout`), the per-tenant store (`store`) with its pipelined,
//! group-committing writer (`writer`), what every item operation shares (`request`),
//! secondary-index maintenance (`index`), item counts and sizes (`stats`)
//! and transactions' durable ClientRequestTokens (`tokens`).

pub mod backfill;
pub mod backups;
pub mod changelog;
pub mod collection;
pub mod index;
pub mod jobs;
pub mod layout;
pub mod legacy;
mod listing;
pub mod request;
pub mod stats;
pub mod store;
mod writer;
pub mod tokens;

pub use store::{ChangeLog, Decide, DecideMany, Decision, ItemStore, MultiDecision, WriteKey};
