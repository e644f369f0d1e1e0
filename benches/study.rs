//! The whole study against its Python original: `cargo bench --bench study`.
//!
//! On the data `Data::discover()` finds (`ONECLICK_DATA=../shared/data/real` for the
//! originals): `Study::run` (load → … → segmentation; median of 3), then
//! `benches/study_python.py` (pandas + scikit-learn + phik + shap with the same grids and
//! budgets) on the same files, once with `n_jobs=1` and once with `n_jobs=2`. Prints the
//! seconds of each stage, the totals, the ratio and the quality figures of both; asserts
//! nothing. Python as in `cargo bench --bench search`.

#[path = "common/mod.rs"]
mod common;

use std::process::Command;

use oneclick::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut runs = Vec::new();
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let study = Study::run(&Checked::default()).expect("study");
        runs.push((t.elapsed().as_secs_f64(), study));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (ours, study) = runs.swap_remove(1);
    println!("data: {}", study.data_dir);
    println!("oneclick Study::run: median {ours:.2} s");
    for (stage, secs) in &study.timings {
        println!("  {stage:<24} {secs:>8.3} s");
    }
    println!(
        "  quality: CV ROC-AUC {:.4}, test ROC-AUC {:.4} ({}), main segment {} customers",
        study.selection.best_cv.mean,
        study.selection.test_auc,
        study.selection.best_cv.family(),
        study.segmentation.main().size
    );
    if args.iter().any(|a| a == "--no-python") {
        return;
    }
    let Some(py) = common::python() else {
        println!("Python: no environment; skipped");
        return;
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/study_python.py");
    for jobs in ["1", "2"] {
        let out = Command::new(&py)
            .arg(&script)
            .arg(&study.data_dir.path)
            .args(["--n-jobs", jobs])
            .output()
            .expect("python");
        if !out.status.success() {
            println!(
                "Python study failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let total = v["total"].as_f64().unwrap();
        println!(
            "Python original (pandas + scikit-learn + phik + shap), n_jobs={jobs}: {total:.1} s → oneclick is {:.0}× faster",
            total / ours
        );
        if let Some(stages) = v["seconds"].as_object() {
            for (stage, secs) in stages {
                println!("  {stage:<24} {:>8.3} s", secs.as_f64().unwrap_or(f64::NAN));
            }
        }
        println!(
            "  quality: CV ROC-AUC {:.4}, test ROC-AUC {:.4} ({}), main segment {} customers",
            v["cv_roc_auc"].as_f64().unwrap_or(f64::NAN),
            v["test_roc_auc"].as_f64().unwrap_or(f64::NAN),
            v["best"].as_str().unwrap_or("?"),
            v["main_segment"]
        );
    }
}
