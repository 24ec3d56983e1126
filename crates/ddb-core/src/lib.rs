//! Pure DynamoDB domain library.
//!
//! Everything about DynamoDB that needs no I/O lives here so that it can be
//! tested exhaustively: the operation table, the wire error codes, and the
//! typed input/output of each operation. No tokio, sockets, files or HTTP
//! types may appear in this crate.

pub mod api;
pub mod value;
pub mod key;
pub mod key_hash;
pub mod size;
pub mod capacity;
pub mod error;
pub mod expr;
pub mod partiql;
pub mod vector;

pub use api::Operation;
pub use error::{ErrorCode, ValidationErrors};
pub use value::{AttributeValue, Item, Number};
