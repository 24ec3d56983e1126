//! Allocator settings the binaries need before their first allocation.
//!
//! The binaries use mimalloc. Two of its defaults cost the data plane:
//!
//! - It returns memory that has been free for 10 ms to the OS. On the
//!   request path memory is freed and reused within milliseconds, so each
//!   return costs a page fault (and, with huge pages, zeroing 2 MiB) on the
//!   next use: measured 11,500 faults/s and about 7 % of the data plane's
//!   CPU at PutItem × 16, against 62 faults/s with a 1 s delay.
//! - It maps memory in 4 KiB pages. A point read of a random item touches
//!   a cold entry of the row cache (hundreds of MiB over 4 KiB pages), which
//!   misses the TLB; under a hypervisor's nested paging each miss is a long
//!   page walk. With `MIMALLOC_LARGE_OS_PAGES` mimalloc asks for
//!   transparent huge pages (`madvise(MADV_HUGEPAGE)`, which also works
//!   where the system's THP setting is `madvise`): GetItem's server CPU per
//!   request fell from 25.6 to 19.9 µs in `dynastore bench` (× 16).
//!
//! mimalloc reads its options from the environment when the process starts,
//! before `main`, so [`apply`] sets the missing ones and re-executes the
//! binary (same pid, same arguments); an operator's own values are kept
//! (`MIMALLOC_LARGE_OS_PAGES=0` turns huge pages off).

use std::ffi::OsString;

/// mimalloc's option: milliseconds before free memory goes back to the OS.
pub const PURGE_DELAY_VAR: &str = "MIMALLOC_PURGE_DELAY";
/// The delay the binaries run with unless told otherwise.
pub const PURGE_DELAY_MS: &str = "1000";
/// mimalloc's option: ask the OS for huge pages.
pub const LARGE_PAGES_VAR: &str = "MIMALLOC_LARGE_OS_PAGES";

/// The settings the binaries run with, each unless already set.
const SETTINGS: [(&str, &str); 2] = [(PURGE_DELAY_VAR, PURGE_DELAY_MS), (LARGE_PAGES_VAR, "1")];

/// Re-executes the process with the allocator settings when any is
/// missing; returns (and changes nothing) when all are set or the
/// re-execution fails.
pub fn apply() {
    let missing = missing(|var| std::env::var_os(var).is_some());
    if missing.is_empty() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| OsString::from(&exe));
    let error = reexec(&exe, arg0, args.collect(), &missing);
    // Only reached when exec failed (e.g. the binary was replaced on disk):
    // run on with mimalloc's defaults.
    eprintln!("note: running with the allocator's default settings ({error})");
}

/// The settings whose variable `is_set` says is not set.
fn missing(is_set: impl Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
    SETTINGS.into_iter().filter(|(var, _)| !is_set(var)).collect()
}

#[cfg(unix)]
fn reexec(exe: &std::path::Path, arg0: OsString, args: Vec<OsString>, vars: &[(&str, &str)]) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    std::process::Command::new(exe)
        .arg0(arg0)
        .args(args)
        .envs(vars.iter().copied())
        .exec()
}

#[cfg(not(unix))]
fn reexec(_: &std::path::Path, _: OsString, _: Vec<OsString>, _: &[(&str, &str)]) -> std::io::Error {
    std::io::Error::other("re-execution needs a Unix exec")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unset_settings_are_applied() {
        assert_eq!(missing(|_| false), [(PURGE_DELAY_VAR, "1000"), (LARGE_PAGES_VAR, "1")]);
        // An operator's MIMALLOC_LARGE_OS_PAGES=0 is kept.
        assert_eq!(missing(|var| var == LARGE_PAGES_VAR), [(PURGE_DELAY_VAR, "1000")]);
        assert!(missing(|_| true).is_empty());
    }
}
