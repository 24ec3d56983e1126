//! The Tokio runtime the binaries serve requests on.
//!
//! Request handlers run on the runtime's worker threads, whose stack Tokio
//! sizes at 2 MiB. The expression parsers recurse once per nesting level,
//! bounded by DynamoDB's limits (300 levels), which fits that stack in an
//! optimized build but not in an unoptimized one, where every frame is
//! several times larger and an async handler's own state already sits on the
//! stack. Workers get 8 MiB instead: the memory is reserved, not committed,
//! so an idle thread costs the same, and no input can overflow a worker of a
//! debug build either.

use tokio::runtime::{Builder, Runtime};

/// Stack of each worker (and blocking-pool) thread.
pub const WORKER_STACK_BYTES: usize = 8 << 20;

/// A multi-threaded runtime with every driver enabled and
/// [`WORKER_STACK_BYTES`] of stack per thread.
pub fn build() -> std::io::Result<Runtime> {
    Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Uses about `depth` KiB of stack.
    fn deep(depth: usize) -> usize {
        let frame = std::hint::black_box([1u8; 1024]);
        if depth == 0 {
            0
        } else {
            usize::from(frame[depth % 1024]) + deep(depth - 1)
        }
    }

    #[test]
    fn workers_have_more_stack_than_tokios_default() {
        let rt = build().expect("runtime");
        // 2,500 frames of over 1 KiB: more than Tokio's default 2 MiB,
        // well within ours (a crash, not a failed assertion, if the stack
        // were the default).
        let used = rt.block_on(async { tokio::spawn(async { deep(2500) }).await.expect("task") });
        assert_eq!(used, 2500);
    }
}
