//! The crate's one error type.
//!
//! Callers mostly care about three classes, which [`Error::is_invalid_input`]
//! and [`Error::is_tenant_in_use`] tell apart: input the trait's contract
//! rejects (empty or oversized keys, bad tenant ids: a bug in the caller),
//! a tenant that cannot be erased right now, and everything else — I/O,
//! corruption, an engine that refuses writes after a failed fsync — which the
//! data plane reports as an internal error.

use std::path::PathBuf;

/// Everything that can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Keys must be at least one byte long (fjall cannot store an empty key,
    /// and one rule for every engine keeps them interchangeable).
    #[error("empty keys are not allowed")]
    EmptyKey,

    /// A key longer than [`crate::MAX_KEY_LEN`].
    #[error("key is {len} bytes long, more than the limit of {max}")]
    KeyTooLong {
        /// The key's length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A value longer than [`crate::MAX_VALUE_LEN`].
    #[error("value is {len} bytes long, more than the limit of {max}")]
    ValueTooLong {
        /// The value's length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A tenant id that cannot name a directory (see
    /// [`crate::tenants::validate_tenant_id`]).
    #[error("invalid tenant id {0:?}: 1 to 128 ASCII letters, digits, '-' or '_'")]
    InvalidTenantId(String),

    /// [`crate::TenantStore::erase`] found handles to the tenant's engine
    /// still in use (a request or a long scan); retry when they are done.
    #[error("tenant {0} is in use and cannot be erased now")]
    TenantInUse(String),

    /// A file or directory operation failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// What was being accessed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A storage format marker that is missing, unreadable or of a version
    /// this build does not know.
    #[error("storage format of {}: {reason}", path.display())]
    Format {
        /// The offending file or directory.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },

    /// An error inside fjall (I/O, corruption, or a database that was poisoned
    /// by a failed fsync and refuses further writes until reopened).
    #[error("fjall: {0}")]
    Fjall(#[from] fjall::Error),
}

impl Error {
    /// True for errors caused by input that breaks the trait's contract.
    pub fn is_invalid_input(&self) -> bool {
        matches!(
            self,
            Error::EmptyKey
                | Error::KeyTooLong { .. }
                | Error::ValueTooLong { .. }
                | Error::InvalidTenantId(_)
        )
    }

    /// True when an erase must be retried later.
    pub fn is_tenant_in_use(&self) -> bool {
        matches!(self, Error::TenantInUse(_))
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
