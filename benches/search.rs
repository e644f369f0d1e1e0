//! The model search against scikit-learn: `cargo bench --bench search`.
//!
//! On the data `Data::discover()` finds (`ONECLICK_DATA=../shared/data/real` for the
//! originals): the study's 75 % training part, the full grid (374 pipelines × 5 folds).
//! Runs our search (median of 3, work sharing on; once with it off), then scikit-learn's
//! `GridSearchCV` on the same grid, pipelines and folds (`benches/sklearn_search.py`) with
//! n_jobs = 1 and 2, and prints both times, the ratio, and each family's best CV ROC-AUC
//! from both. Asserts nothing.
//!
//! Python: `$ONECLICK_BENCH_PYTHON`, else a venv in `target/bench-venv` created on first
//! use from `benches/requirements.txt`. `-- --no-python` skips scikit-learn.

#[path = "common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;

use oneclick::search::{SearchOptions, cross_validate, study_grid, take_rows, train_test_split};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let table = common::model_table();
    let y = table.target().unwrap();
    let x = table.features().unwrap();
    let (train, _) = train_test_split(&y, 0.25, 42).unwrap();
    let xt = take_rows(&x, &train).unwrap();
    let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
    let grid = study_grid();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get());
    println!(
        "model search: {} training rows, {} pipelines × 5 folds, {threads} threads",
        yt.len(),
        grid.len()
    );

    let mut times = Vec::new();
    let mut result = None;
    for _ in 0..3 {
        let r = cross_validate(&xt, &yt, &grid, &SearchOptions::default(), None).unwrap();
        times.push(r.seconds);
        result = Some(r);
    }
    times.sort_by(f64::total_cmp);
    let ours = times[1];
    let result = result.unwrap();
    println!("oneclick, shared work: median {ours:.2} s (runs {times:.2?})");
    let plain = SearchOptions {
        share_work: false,
        ..Default::default()
    };
    let r_plain = cross_validate(&xt, &yt, &grid, &plain, None).unwrap();
    println!(
        "oneclick, one fit per candidate and fold: {:.2} s",
        r_plain.seconds
    );

    let mut sk: Vec<serde_json::Value> = Vec::new();
    if !args.iter().any(|a| a == "--no-python") {
        match common::python() {
            None => println!("scikit-learn: no Python environment; skipped"),
            Some(py) => {
                let dir = std::env::temp_dir().join("oneclick-bench-search");
                common::write_csv(&xt, &yt, &dir.join("train.csv"));
                let valid: Vec<&Vec<usize>> = result.folds.iter().map(|(_, v)| v).collect();
                std::fs::write(
                    dir.join("folds.json"),
                    serde_json::to_string(&valid).unwrap(),
                )
                .unwrap();
                let script =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sklearn_search.py");
                for (jobs, prob) in [("1", true), ("2", true), ("2", false)] {
                    let mut cmd = Command::new(&py);
                    cmd.arg(&script).arg(&dir).args(["--n-jobs", jobs]);
                    if prob {
                        cmd.arg("--probability");
                    }
                    let out = cmd.output().expect("python");
                    if !out.status.success() {
                        println!(
                            "scikit-learn failed: {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                        continue;
                    }
                    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                    let secs = v["seconds"].as_f64().unwrap();
                    println!(
                        "scikit-learn {} GridSearchCV n_jobs={jobs}, SVC(probability={}): {secs:.1} s → oneclick is {:.0}× faster",
                        v["sklearn"].as_str().unwrap_or("?"),
                        if prob { "True" } else { "False" },
                        secs / ours
                    );
                    sk.push(v);
                }
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
    }

    println!("\nbest mean CV ROC-AUC per family (same folds):");
    println!(
        "{:<22} {:>9} {:>9} {:>8}  params (oneclick)",
        "family", "oneclick", "sklearn", "Δ"
    );
    for b in result.best_per_family() {
        let theirs = sk
            .first()
            .and_then(|v| v["families"][b.family().id()]["cv_roc_auc"].as_f64());
        println!(
            "{:<22} {:>9.4} {:>9} {:>8}  {}",
            b.family(),
            b.mean,
            theirs.map_or("—".into(), |t| format!("{t:.4}")),
            theirs.map_or("—".into(), |t| format!("{:+.4}", b.mean - t)),
            serde_json::to_string(&b.pipeline.params()).unwrap()
        );
    }
    if let Some(v) = sk.first() {
        println!("scikit-learn's best per family: {}", v["families"]);
    }
}
