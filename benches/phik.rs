//! Speed of the φK matrix over the model table: `cargo bench --bench phik`.
//!
//! Uses the originals when present (`$ONECLICK_REAL_DATA` or `../shared/data/real`), else
//! the embedded synthetic data. Prints the median of 20 runs of the φK matrix alone and of
//! 3 runs with the hybrid significance (1000 simulations per pair). Asserts nothing; the
//! goal (≤ 0.2 s for the matrix, the Python library takes about 1–3.5 s) is read off.

use std::path::PathBuf;
use std::time::Instant;

use oneclick::checked::Checked;
use oneclick::corr::{PhikMatrix, PhikOptions, Significance};
use oneclick::schema;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let real = std::env::var_os("ONECLICK_REAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/real"));
    let dir = if real.join("market_file.csv").is_file() {
        real
    } else {
        root.join("data/synthetic")
    };
    let raw = oneclick::Data::load(&dir).expect("load");
    let table = raw.clean().expect("clean").merge().expect("merge");
    let frame = table.frame.drop(schema::ID).expect("frame");
    let interval = schema::interval_columns();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    println!(
        "φK benchmark on {} ({} rows × {} columns, {threads} threads)",
        raw.source,
        frame.height(),
        frame.width()
    );

    let only = PhikOptions {
        bins: 10,
        significance: None,
    };
    let times: Vec<f64> = (0..20)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(
                PhikMatrix::compute(
                    &frame,
                    &interval,
                    &Checked::new(only.clone()).expect("options"),
                )
                .expect("phik"),
            );
            t.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "φK matrix: {:.4} s (median of 20; goal ≤ 0.2 s)",
        median(times)
    );

    let asym = PhikOptions {
        bins: 10,
        significance: Some(Significance::Asymptotic),
    };
    let t = Instant::now();
    std::hint::black_box(
        PhikMatrix::compute(&frame, &interval, &Checked::new(asym).expect("options"))
            .expect("phik"),
    );
    println!(
        "φK + asymptotic significance: {:.4} s",
        t.elapsed().as_secs_f64()
    );

    let times: Vec<f64> = (0..3)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(
                PhikMatrix::compute(&frame, &interval, &Checked::default()).expect("phik"),
            );
            t.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "φK + hybrid significance (1000 simulations per pair): {:.3} s (median of 3)",
        median(times)
    );
}
