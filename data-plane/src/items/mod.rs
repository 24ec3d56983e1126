//! The item engine: how items are laid out in a tenant's key space
//! (`layout`), the per-tenant store with its group-committing writer
//! (`store`), what every item operation shares (`request`),
//! secondary-index maintenance (`index`) and item counts and sizes (`stats`).

pub mod backfill;
pub mod changelog;
pub mod collection;
pub mod index;
pub mod layout;
pub mod legacy;
pub mod request;
pub mod stats;
pub mod store;

pub use store::{Decide, DecideMany, Decision, ItemStore, MultiDecision, WriteKey};
