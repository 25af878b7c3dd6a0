//! Times the name index's build over a data directory:
//! `cargo run --release --example index_build -- DIR`.

/// The allocator `orgdir` itself runs on (src/main.rs), so the figures are
/// serve's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: index_build DIR");
    let source = orgdir::source::load(std::path::Path::new(&dir), Default::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let start = std::time::Instant::now();
    let entries = orgdir::search::entries::from_source(&source);
    let read = start.elapsed();
    drop(entries);
    let start = std::time::Instant::now();
    let index = orgdir::search::Index::from_source(&source).expect("an index");
    println!(
        "{} organizations: entries {:.3} s; whole index {:.3} s; {:.1} MiB of index files, {:.1} MiB besides",
        index.len(),
        read.as_secs_f64(),
        start.elapsed().as_secs_f64(),
        index.index_bytes() as f64 / (1 << 20) as f64,
        index.memory_bytes() as f64 / (1 << 20) as f64
    );
}
