//! A private PostgreSQL cluster for the "dynastore dev" stack.
//!
//! [`Cluster::start`] runs `initdb` in a directory (once), starts the
//! installed PostgreSQL server binaries on `127.0.0.1`, waits until the
//! server accepts connections, creates the `dynastore` database, and hands
//! back a [`Cluster`] whose [`Cluster::url`] clients connect to.
//! [`Cluster::stop`] (or dropping it) performs a clean fast shutdown.
//!
//! Everything is blocking std code; async callers should wrap calls in
//! `spawn_blocking`.
//!
//! Decisions worth knowing:
//! - **Root:** PostgreSQL refuses to run as root, so when our effective uid
//!   is 0, `initdb` and `postgres` run as the `postgres` system user (or
//!   `nobody`), the cluster directory is chowned to it (mode 0700), and every
//!   ancestor directory must be traversable by it ([`Error::NotTraversable`]
//!   otherwise; parents we create ourselves get mode 0755).
//! - **Sockets:** the server listens on TCP `127.0.0.1` only, plus a unix
//!   socket inside the cluster directory if that path fits in 107 bytes;
//!   otherwise no unix socket at all.
//! - **Port:** an explicit port must be free; otherwise the port remembered
//!   in `<dir>/dynastore.port` is reused if free, else a fresh free port is
//!   picked (and remembered).
//! - **Leftover server:** a live postmaster from a previous run that still
//!   owns the directory and accepts connections is adopted (and stopped by
//!   [`Cluster::stop`]); a stale `postmaster.pid` is left to PostgreSQL.
//! - **Log:** server output is appended to `<dir>/postgres.log`.

mod cluster;
mod discover;
mod error;
mod identity;
mod process;

pub use cluster::{Cluster, Options, DATABASE, LOG_FILE, PORT_FILE, SUPERUSER};
pub use discover::{discover_bin_dir, BIN_ENV};
pub use error::Error;
