//! Speed and memory of the data layer at scale: `cargo bench --bench pipeline`.
//!
//! Generates N synthetic customers (default 1 000 000, `-- --customers N`), then runs
//! load + validate + clean + merge in a fresh child process per repetition, so each
//! peak resident memory (VmHWM) belongs to that stage alone. Prints figures, asserts
//! nothing: goals are read off the output (≤ 3 s and ≤ 2 GiB for 1 M customers).

#[path = "common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use oneclick::synth::{self, SynthOptions};

const CHILD: &str = "ONECLICK_BENCH_CHILD";

fn child(dir: &Path) {
    let t = Instant::now();
    let raw = oneclick::Data::load(dir).expect("load");
    let load = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let cleaned = raw.clean().expect("clean");
    let clean = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let table = cleaned.merge().expect("merge");
    let merge = t.elapsed().as_secs_f64();
    println!(
        "{load:.3} {clean:.3} {merge:.3} {:.1} {}",
        common::peak_rss_mib(),
        table.height()
    );
}

fn main() {
    if let Ok(dir) = std::env::var(CHILD) {
        child(Path::new(&dir));
        return;
    }
    let customers = common::customers_arg();
    let reps = 3;
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    let dir: PathBuf = std::env::temp_dir().join(format!("oneclick-bench-{customers}"));

    let t = Instant::now();
    let manifest = synth::write(&SynthOptions::new(customers, 1), &dir).expect("synth");
    let gen_s = t.elapsed().as_secs_f64();
    let bytes: u64 = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("oneclick data-layer benchmark ({threads} threads available)");
    println!(
        "synth: {} customers, {:.1} MiB written in {gen_s:.2} s ({:.0} customers/s)",
        manifest.customers,
        bytes as f64 / 1048576.0,
        customers as f64 / gen_s
    );

    let exe = std::env::current_exe().expect("exe");
    let mut runs = Vec::new();
    for _ in 0..reps {
        let out = Command::new(&exe).env(CHILD, &dir).output().expect("child");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        runs.push(v);
    }
    runs.sort_by(|a, b| (a[0] + a[1] + a[2]).total_cmp(&(b[0] + b[1] + b[2])));
    let m = &runs[reps / 2];
    let total = m[0] + m[1] + m[2];
    println!(
        "load+validate {:.3} s, clean {:.3} s, merge {:.3} s: total {total:.3} s (median of {reps}); \
         peak RSS {:.0} MiB; model table {} rows",
        m[0], m[1], m[2], m[3], m[4]
    );
    println!(
        "goal ≤ 3 s and ≤ 2048 MiB: {}",
        if total <= 3.0 && m[3] <= 2048.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    let _ = std::fs::remove_dir_all(&dir);
}
