//! Parallel work on rayon with a caller-chosen thread count. Every parallel step of the
//! crate collects in item order (rayon's indexed `collect`), so results never depend on
//! the number of threads, only on the items.

use rayon::prelude::*;

/// Environment variable capping the worker threads (default: rayon's, i.e.
/// `$RAYON_NUM_THREADS`, else every core).
pub const THREADS_ENV: &str = "ONECLICK_THREADS";

/// The thread count asked for: `threads`, else `$ONECLICK_THREADS`; `None` leaves it to
/// rayon's global pool (which honours `$RAYON_NUM_THREADS`).
fn requested(threads: Option<usize>) -> Option<usize> {
    threads
        .or_else(|| std::env::var(THREADS_ENV).ok()?.parse().ok())
        .filter(|t| *t > 0)
}

/// Runs `f` on a pool of `threads` workers (`None`: `$ONECLICK_THREADS`, else rayon's
/// global pool). Should a dedicated pool fail to start, `f` runs on the global pool:
/// the result is the same, only the parallelism differs.
pub(crate) fn install<R: Send>(threads: Option<usize>, f: impl FnOnce() -> R + Send) -> R {
    match requested(threads)
        .and_then(|t| rayon::ThreadPoolBuilder::new().num_threads(t).build().ok())
    {
        Some(pool) => pool.install(f),
        None => f(),
    }
}

/// Maps `f` over `items` with `threads` workers ([`install`]), in item order.
pub(crate) fn map<T: Sync, R: Send, F: Fn(&T) -> R + Sync + Send>(
    items: &[T],
    threads: Option<usize>,
    f: F,
) -> Vec<R> {
    install(threads, || items.par_iter().map(&f).collect())
}
