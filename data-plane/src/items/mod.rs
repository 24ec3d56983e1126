//! The item engine: how items are laid out in a tenant's key space
//! (`layout`), the per-tenant store with its group-committing writer
//! (`store`), and what every item operation shares (`request`), and secondary-index maintenance (`index`).

pub mod backfill;
pub mod changelog;
pub mod index;
pub mod layout;
pub mod legacy;
pub mod request;
pub mod store;

pub use store::{Decide, DecideMany, Decision, ItemStore, MultiDecision, WriteKey};
