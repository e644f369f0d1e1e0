//! Order-preserving parallel map on scoped threads: results never depend on the number
//! of threads, only on the items.

/// Environment variable capping the worker threads (default: every core).
pub const THREADS_ENV: &str = "ONECLICK_THREADS";

/// Maps `f` over `items` with `threads` workers (`None`: `$ONECLICK_THREADS`, else
/// `$RAYON_NUM_THREADS`, else every core), in item order.
pub(crate) fn map<T: Sync, R: Send, F: Fn(&T) -> R + Sync>(
    items: &[T],
    threads: Option<usize>,
    f: F,
) -> Vec<R> {
    let threads = threads
        .or_else(|| std::env::var(THREADS_ENV).ok()?.parse().ok())
        .or_else(|| std::env::var("RAYON_NUM_THREADS").ok()?.parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |t| t.get()))
        .clamp(1, items.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= items.len() {
                            break;
                        }
                        done.push((i, f(&items[i])));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("worker thread") {
                out[i] = Some(r);
            }
        }
    });
    out.into_iter()
        .map(|r| r.expect("every item mapped"))
        .collect()
}
