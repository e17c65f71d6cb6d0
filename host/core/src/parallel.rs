//! Deterministic data parallelism on the machine's cores.
//!
//! [`map`] runs a function over a slice on a few scoped threads that take
//! items one at a time (so uneven items balance out), and returns the
//! results in the slice's order: the output never depends on the number of
//! threads or on their timing.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Most threads [`map`] starts.
pub const MAX_THREADS: usize = 4;

/// The threads [`map`] uses: the cores this process may run on, at most
/// [`MAX_THREADS`], at least 1.
pub fn threads() -> usize {
    cores().clamp(1, MAX_THREADS)
}

/// The cores this process may run on, asked once: the answer comes from
/// cgroup files, too slow to read for each of thousands of calendars.
pub fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `items.iter().map(f).collect()`, computed on up to `threads` threads.
/// With one thread (or fewer than two items) it runs on the caller's
/// thread. A panic in `f` propagates to the caller.
pub fn map<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let threads = threads.clamp(1, items.len().max(1));
    if threads == 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut parts = vec![work()];
        for h in handles {
            match h.join() {
                Ok(p) => parts.push(p),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    let mut all: Vec<(usize, R)> = parts.into_iter().flatten().collect();
    all.sort_unstable_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests;
