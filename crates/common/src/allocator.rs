//! Allocator settings the binaries need before their first allocation.
//!
//! The binaries use mimalloc, which by default returns memory that has been
//! free for 10 ms to the OS. On the request path memory is freed and
//! reused within milliseconds, so each return costs a page fault (and, with
//! transparent huge pages, zeroing 2 MiB) on the next use: measured 11,500
//! faults/s and about 7 % of the data plane's CPU at PutItem × 16, against
//! 62 faults/s with a 1 s delay. mimalloc reads its options from the
//! environment when the process starts, before `main`, so [`apply`] sets
//! `MIMALLOC_PURGE_DELAY` and re-executes the binary (same pid, same
//! arguments) when the variable is not set; an operator's own value is
//! kept.

use std::ffi::OsString;

/// mimalloc's option: milliseconds before free memory goes back to the OS.
pub const PURGE_DELAY_VAR: &str = "MIMALLOC_PURGE_DELAY";
/// The delay the binaries run with unless told otherwise.
pub const PURGE_DELAY_MS: &str = "1000";

/// Re-executes the process with the allocator settings when they are
/// missing; returns (and changes nothing) when they are set or the
/// re-execution fails.
pub fn apply() {
    if std::env::var_os(PURGE_DELAY_VAR).is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| OsString::from(&exe));
    let error = reexec(&exe, arg0, args.collect());
    // Only reached when exec failed (e.g. the binary was replaced on disk):
    // run on with mimalloc's defaults.
    eprintln!("note: running with the allocator's default purge delay ({error})");
}

#[cfg(unix)]
fn reexec(exe: &std::path::Path, arg0: OsString, args: Vec<OsString>) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    std::process::Command::new(exe)
        .arg0(arg0)
        .args(args)
        .env(PURGE_DELAY_VAR, PURGE_DELAY_MS)
        .exec()
}

#[cfg(not(unix))]
fn reexec(_: &std::path::Path, _: OsString, _: Vec<OsString>) -> std::io::Error {
    std::io::Error::other("re-execution needs a Unix exec")
}
