//! Progress of long notebook cells: a line every few seconds with done/total and the time
//! elapsed, instead of silence. Thread-safe: parallel work reports through [`Progress::add`].

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Where long work reports its progress: steps done, and the total once it is known
/// (the model search knows its number of fits only after the split and its halving plan).
/// A closure `|n| …` counts steps; [`Progress`] also takes the total.
pub trait Tally: Sync {
    /// `n` more steps done.
    fn add(&self, n: usize);
    /// The number of steps the work will take in all.
    fn set_total(&self, _total: usize) {}
}

impl<F: Fn(usize) + Sync> Tally for F {
    fn add(&self, n: usize) {
        self(n)
    }
}

/// A counter that prints `what: done/total, N с` at most every `every` (5 s by default).
#[derive(Debug)]
pub struct Progress {
    what: String,
    total: AtomicUsize,
    every: Duration,
    start: Instant,
    done: AtomicUsize,
    last: Mutex<Instant>,
}

impl Progress {
    /// A counter of `total` steps of `what` (e.g. «поиск: обучений»), printing every 5 s.
    pub fn new(what: &str, total: usize) -> Progress {
        Progress::every(what, total, Duration::from_secs(5))
    }

    /// The same with another interval between lines.
    pub fn every(what: &str, total: usize, every: Duration) -> Progress {
        let now = Instant::now();
        Progress {
            what: what.to_string(),
            total: AtomicUsize::new(total),
            every,
            start: now,
            done: AtomicUsize::new(0),
            last: Mutex::new(now),
        }
    }

    /// `n` more steps done; prints a line when the interval has passed since the last.
    pub fn add(&self, n: usize) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        if last.elapsed() >= self.every {
            *last = Instant::now();
            println!("{}", self.line(done));
        }
    }

    /// The total number of steps (as given, or as the work set it).
    pub fn total(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Steps done so far.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Prints the final line.
    pub fn finish(&self) {
        println!("{}", self.line(self.done()));
    }

    fn line(&self, done: usize) -> String {
        crate::labels::progress_line(
            &self.what,
            done,
            self.total(),
            self.start.elapsed().as_secs_f64(),
        )
    }
}

impl Tally for Progress {
    fn add(&self, n: usize) {
        Progress::add(self, n)
    }
    fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_across_threads() {
        let p = Progress::every("шаги", 1000, Duration::from_secs(3600));
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..250 {
                        p.add(1);
                    }
                });
            }
        });
        assert_eq!(p.done(), 1000);
        assert!(
            p.line(1000).starts_with("шаги: 1000/1000"),
            "{}",
            p.line(1000)
        );
    }
}
