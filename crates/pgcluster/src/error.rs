//! The [`Error`] type returned by every fallible operation of this crate.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while discovering, initialising, starting or
/// stopping the private PostgreSQL cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No PostgreSQL server binaries could be located automatically.
    #[error(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH). \
         Install them with `apt-get install -y postgresql` (Debian/Ubuntu), or set \
         DYNASTORE_PG_BIN to the directory holding `postgres` and `initdb`, or pass a database URL."
    )]
    BinariesNotFound,

    /// An explicitly configured binary directory (`DYNASTORE_PG_BIN` or
    /// [`Options::bin_dir`](crate::Options::bin_dir)) lacks a required program.
    #[error(
        "{origin} is set to {dir:?}, but that directory does not contain an executable `{missing}`. \
         Point it at the directory holding the PostgreSQL server binaries `postgres` and `initdb` \
         (e.g. /usr/lib/postgresql/15/bin), unset it to auto-detect, or install them with \
         `apt-get install -y postgresql` (Debian/Ubuntu)."
    )]
    InvalidBinDir {
        /// Where the directory came from (`DYNASTORE_PG_BIN` or `Options::bin_dir`).
        origin: &'static str,
        /// The configured directory.
        dir: PathBuf,
        /// The program that is missing.
        missing: &'static str,
    },

    /// A client program needed for a step (e.g. `psql`/`createdb`) is missing.
    #[error("cannot {purpose}: neither of {tools} was found in {bin_dir:?}")]
    MissingTool {
        /// What we were trying to do.
        purpose: &'static str,
        /// The programs that were looked for.
        tools: &'static str,
        /// The binary directory that was searched.
        bin_dir: PathBuf,
    },

    /// An I/O operation failed.
    #[error("{context} {path:?}: {source}")]
    Io {
        /// What we were doing, e.g. "creating directory".
        context: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// We run as root, but there is no unprivileged user to run PostgreSQL as.
    #[error(
        "running as root, but neither a `postgres` nor a `nobody` user exists in /etc/passwd; \
         PostgreSQL refuses to run as root. Create a `postgres` user or run as an unprivileged user."
    )]
    NoUnprivilegedUser,

    /// A parent directory of the cluster directory cannot be traversed by the
    /// user PostgreSQL runs as.
    #[error(
        "PostgreSQL has to run as the unprivileged user `{user}` (uid {uid}) because we run as root, \
         but that user cannot traverse the parent directory {path:?} (mode {mode:04o}, owner uid {owner}). \
         Make it traversable (e.g. `chmod o+x {path:?}`) or choose a data directory below a \
         world-traversable path."
    )]
    NotTraversable {
        /// The offending directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// Its owner.
        owner: u32,
        /// The runtime user name.
        user: String,
        /// The runtime user id.
        uid: u32,
    },

    /// The existing cluster directory belongs to somebody other than the user
    /// PostgreSQL has to run as.
    #[error(
        "the PostgreSQL cluster directory {dir:?} is owned by uid {owner}, but PostgreSQL will run as \
         `{user}` (uid {uid}). Fix the ownership (e.g. `chown -R {uid} {dir:?}`) or use another data directory."
    )]
    WrongOwner {
        /// The cluster directory.
        dir: PathBuf,
        /// Its current owner.
        owner: u32,
        /// The runtime user name.
        user: String,
        /// The runtime user id.
        uid: u32,
    },

    /// The directory exists, is not empty, and is not a PostgreSQL cluster.
    #[error(
        "{dir:?} exists and is not empty, but it is not a PostgreSQL cluster (no PG_VERSION file); \
         refusing to run initdb there. Remove or empty it, or choose another directory."
    )]
    NotACluster {
        /// The cluster directory.
        dir: PathBuf,
    },

    /// The requested TCP port is already taken.
    #[error("TCP port 127.0.0.1:{port} is already in use; choose another port or leave it unset to pick a free one")]
    PortInUse {
        /// The port.
        port: u16,
    },

    /// Another live postmaster owns the cluster directory and could not be reused.
    #[error(
        "the PostgreSQL cluster in {dir:?} is already running (postmaster pid {pid}, port {port}) \
         and {reason}. Stop it (e.g. `kill -INT {pid}`) or use another data directory."
    )]
    AlreadyRunning {
        /// The cluster directory.
        dir: PathBuf,
        /// The pid recorded in `postmaster.pid`.
        pid: u32,
        /// The port recorded in `postmaster.pid` (0 if unknown).
        port: u16,
        /// Why it could not be reused.
        reason: String,
    },

    /// `initdb` failed.
    #[error("initdb failed ({status}); its output ends with:\n{log_tail}")]
    InitdbFailed {
        /// Exit status description.
        status: String,
        /// The last lines of initdb's output.
        log_tail: String,
    },

    /// The postmaster exited before accepting connections.
    #[error("PostgreSQL failed to start ({status}); the end of {log:?}:\n{log_tail}")]
    StartFailed {
        /// Exit status description.
        status: String,
        /// The server log file.
        log: PathBuf,
        /// The last lines written to the log during this start attempt.
        log_tail: String,
    },

    /// Something did not finish in time.
    #[error("timed out after {secs}s {what}; the end of {log:?}:\n{log_tail}")]
    Timeout {
        /// What we were waiting for.
        what: &'static str,
        /// How long we waited.
        secs: u64,
        /// The relevant log file.
        log: PathBuf,
        /// Its last lines.
        log_tail: String,
    },

    /// Creating the application database failed.
    #[error("creating database `{database}` failed ({status}):\n{output}")]
    CreateDatabaseFailed {
        /// The database name.
        database: &'static str,
        /// Exit status description.
        status: String,
        /// The client's output.
        output: String,
    },

    /// The postmaster could not be stopped.
    #[error("could not stop PostgreSQL (postmaster pid {pid}): {reason}")]
    StopFailed {
        /// The postmaster pid.
        pid: u32,
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    /// Shorthand for [`Error::Io`].
    pub(crate) fn io(context: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            context,
            path: path.into(),
            source,
        }
    }
}
