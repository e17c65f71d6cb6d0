//! The one wasmtime [`Engine`] every plugin runs on, and its epoch ticker.
//!
//! Fuel and epoch interruption are on so that every call can be given a
//! budget and a wall-clock deadline; the wasm stack is bounded so that deep
//! recursion traps instead of exhausting the host's stack.
//!
//! Instances come from wasmtime's pooling allocator: every group gets fresh
//! instances, and reusing pre-reserved memory slots (copy-on-write images,
//! no `mmap`/`munmap` per instance) makes that several times cheaper (see
//! BENCHMARKS.md, "Plugins"). Where the kernel can report which pages an
//! instance dirtied (Linux 6.7 and later, `PAGEMAP_SCAN`), a slot is reset
//! by writing back just those pages and they stay mapped: the next instance
//! in the slot takes no page faults and no `madvise` (with its TLB
//! shootdowns) runs. Where the pool's address space cannot be reserved
//! (e.g. a `ulimit -v`), the engine falls back to allocating each instance
//! on demand.

use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the background thread advances the engine's epoch.
pub const TICK: Duration = Duration::from_millis(5);

/// The largest wasm stack a plugin call may use.
pub const MAX_WASM_STACK: usize = 512 * 1024;

/// Why the engine could not be started (then no plugin loads).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// wasmtime refused every configuration tried.
    #[error("cannot start the WebAssembly engine: {0:#}")]
    Start(#[source] wasmtime::Error),
    /// The epoch ticker thread could not be spawned.
    #[error("cannot start the plugin deadline thread: {0}")]
    Ticker(#[source] std::io::Error),
}

static ENGINE: OnceLock<Result<Engine, EngineError>> = OnceLock::new();

/// The shared engine, created (with its ticker thread) on first use.
pub fn engine() -> Result<&'static Engine, &'static EngineError> {
    ENGINE
        .get_or_init(|| {
            let engine = Engine::new(&pooled(config(), true))
                .or_else(|_| Engine::new(&pooled(config(), false)))
                .or_else(|_| Engine::new(&config()))
                .map_err(EngineError::Start)?;
            start_ticker(engine.clone())?;
            Ok(engine)
        })
        .as_ref()
}

fn config() -> Config {
    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .consume_fuel(true)
        .epoch_interruption(true)
        .max_wasm_stack(MAX_WASM_STACK);
    config
}

/// Instances (and their memories) that may be live at once: the warm
/// instances planning passes keep ([`super::format::WARM_TOTAL`], half of
/// these) and the ones calls are using.
pub const POOL_INSTANCES: u32 = 1024;

/// Dirty bytes of a memory or table reset in place when its instance ends
/// (with `PAGEMAP_SCAN`: only the pages written); beyond this they are
/// handed back to the kernel. A planning call dirties tens of KiB; idle
/// slots (wasmtime keeps up to 100) hold at most this much each.
const KEEP_RESIDENT: usize = 256 << 10;

/// `config` with instances taken from a pool of pre-reserved slots. Every
/// per-instance bound is at least the one [`super::state`] enforces with
/// clear messages (memory up to the 4096 MiB a policy may allow, 100,000
/// table elements), so the pool never refuses first. With `scan`, slots are
/// reset through `PAGEMAP_SCAN` (the engine fails to start where the kernel
/// lacks it, and the caller tries again without); without it, dirty memory
/// is handed back to the kernel when an instance ends (zeroing a fixed
/// prefix by hand instead measured slower: a Rust plugin's stack takes the
/// first MiB of its memory, mostly untouched).
fn pooled(mut config: Config, scan: bool) -> Config {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(POOL_INSTANCES)
        .total_core_instances(POOL_INSTANCES * 8)
        .total_memories(POOL_INSTANCES * 2)
        .total_tables(POOL_INSTANCES * 4)
        .max_tables_per_module(4)
        .table_elements(100_000)
        .max_core_instance_size(8 << 20)
        .max_component_instance_size(16 << 20)
        .max_memory_size(4 << 30);
    if scan {
        pool.pagemap_scan(Enabled::Yes)
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT);
    }
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
}

/// Advances the epoch every [`TICK`] for as long as the process lives.
fn start_ticker(engine: Engine) -> Result<(), EngineError> {
    std::thread::Builder::new()
        .name("peerwell-plugin-epoch".to_string())
        .spawn(move || {
            loop {
                std::thread::sleep(TICK);
                engine.increment_epoch();
            }
        })
        .map(|_| ())
        .map_err(EngineError::Ticker)
}

/// Epoch ticks for a deadline of `ms` milliseconds (rounded up, plus one
/// because the current tick may be nearly over).
pub fn ticks_for(ms: u64) -> u64 {
    let tick = TICK.as_millis().max(1) as u64;
    ms.div_ceil(tick) + 1
}

/// A key for the engine's compiled-code compatibility: wasmtime's version
/// and its precompile compatibility hash. Cached compiled plugins are only
/// reused under the same key.
pub fn compatibility_key(engine: &Engine) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut h);
    format!("wasmtime-48.0.8-{:016x}", h.finish())
}

#[cfg(test)]
mod tests;
