//! Shared by the benchmarks that compare with Python: the interpreter and a CSV export.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use polars::prelude::{AnyValue, DataFrame};

/// The model table of the data `Data::discover()` finds (`ONECLICK_DATA` for the originals).
pub fn model_table() -> oneclick::ModelTable {
    oneclick::Data::discover()
        .and_then(|d| d.load())
        .and_then(|r| r.clean())
        .and_then(|c| c.merge())
        .expect("data")
}

/// `$ONECLICK_BENCH_PYTHON`, else `target/bench-venv/bin/python` (created on first use
/// from `benches/requirements.txt`); `None` if that fails.
pub fn python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("ONECLICK_BENCH_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target/bench-venv");
    let py = venv.join("bin/python");
    let stamp = venv.join(".installed-requirements");
    let req = root.join("benches/requirements.txt");
    let wanted = std::fs::read_to_string(&req).ok()?;
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        eprintln!("creating {} with {}", venv.display(), req.display());
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .ok()?
            .success()
            && Command::new(&py)
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                    "-r",
                ])
                .arg(&req)
                .status()
                .ok()?
                .success();
        if !ok {
            return None;
        }
        std::fs::write(&stamp, wanted).ok()?;
    }
    Some(py)
}

/// `features` and the target (0/1, column `target`) as a comma-separated file.
pub fn write_csv(features: &DataFrame, y: &[u8], path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut w = csv::Writer::from_path(path).unwrap();
    let names: Vec<String> = features
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut header = names.clone();
    header.push("target".into());
    w.write_record(&header).unwrap();
    let cols: Vec<Vec<String>> = names
        .iter()
        .map(|n| {
            let c = features.column(n).unwrap().as_materialized_series().clone();
            (0..c.len())
                .map(|i| match c.get(i).unwrap() {
                    AnyValue::String(s) => s.to_string(),
                    AnyValue::StringOwned(s) => s.to_string(),
                    v => v.to_string(),
                })
                .collect()
        })
        .collect();
    for i in 0..features.height() {
        let mut row: Vec<String> = cols.iter().map(|c| c[i].clone()).collect();
        row.push(y[i].to_string());
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
}

/// This process's peak resident memory (VmHWM) in MiB; NaN where /proc is missing.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// `-- --customers N` of the scale benchmarks (default 1 000 000).
pub fn customers_arg() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--customers")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(1_000_000)
}
