//! Permutation SHAP against the Python `shap` library: `cargo bench --bench shap`.
//!
//! On the data `Data::discover()` finds (`ONECLICK_DATA=../shared/data/real` for the
//! originals): the study's model selection picks and refits the pipeline; then every test
//! customer is explained with 50 background rows from the training part and about 200
//! evaluations per row (median of 3 runs), and permutation importance (10 repeats) is
//! timed. Then `benches/shap_explain.py` fits the same scikit-learn pipeline and runs
//! `shap.PermutationExplainer` with the same background rows and budget. Prints both times
//! and the ratio; asserts nothing. Python as in `cargo bench --bench search`.

#[path = "common/mod.rs"]
mod common;

use std::process::Command;
use std::time::Instant;

use oneclick::checked::Checked;
use oneclick::explain::{ShapOptions, background_rows, permutation_importance, permutation_shap};
use oneclick::model::FittedModel;
use oneclick::prelude::*;
use oneclick::search::take_rows;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let table = common::model_table();
    let s = ModelSelection::run(&table, &Checked::default(), None).expect("selection");
    let x = table.features().unwrap();
    let (train, test) = (
        take_rows(&x, &s.train).unwrap(),
        take_rows(&x, &s.test).unwrap(),
    );
    let options = Checked::<ShapOptions>::default();
    println!(
        "explaining {} test customers of {} ({}), {} background rows, max_evals {}",
        test.height(),
        s.best_cv.family(),
        s.best_cv.pipeline.model.params_text(),
        options.background,
        options.max_evals
    );
    let mut times = Vec::new();
    let mut explanation = None;
    for _ in 0..3 {
        let t = Instant::now();
        let e = permutation_shap(&s.best, &test, &train, &options).unwrap();
        times.push(t.elapsed().as_secs_f64());
        explanation = Some(e);
    }
    times.sort_by(f64::total_cmp);
    let ours = times[1];
    let e = explanation.unwrap();
    let additivity = (&e.outputs() - &s.best.predict_proba(&test).unwrap())
        .mapv(f64::abs)
        .fold(0.0f64, |a, b| a.max(*b));
    println!(
        "oneclick permutation SHAP: median {ours:.2} s (runs {times:.2?}); max |base + Σ SHAP − P| = {additivity:.1e}"
    );
    let t = Instant::now();
    permutation_importance(&s.best, &test, &s.test_y, 10, 42).unwrap();
    println!(
        "oneclick permutation importance (16 features × 10 repeats): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let FittedModel::Svc(svc) = &s.best.model else {
        println!(
            "the chosen model is not an SVC; the Python comparison is written for the study's SVC"
        );
        return;
    };
    if args.iter().any(|a| a == "--no-python") {
        return;
    }
    let Some(py) = common::python() else {
        println!("shap: no Python environment; skipped");
        return;
    };
    let dir = std::env::temp_dir().join("oneclick-bench-shap");
    common::write_csv(&train, &s.train_y, &dir.join("train.csv"));
    common::write_csv(&test, &s.test_y, &dir.join("test.csv"));
    // the same background rows as ours: the sample permutation_shap draws
    let rows = background_rows(train.height(), options.background, options.seed);
    let setup = serde_json::json!({
        "scaler": s.best.scaler.id(),
        "kernel": svc.params.kernel.id(),
        "C": svc.params.c,
        "background": rows,
        "max_evals": options.max_evals,
    });
    std::fs::write(dir.join("setup.json"), setup.to_string()).unwrap();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/shap_explain.py");
    let out = Command::new(&py)
        .arg(&script)
        .arg(&dir)
        .output()
        .expect("python");
    let _ = std::fs::remove_dir_all(&dir);
    if !out.status.success() {
        println!("shap failed: {}", String::from_utf8_lossy(&out.stderr));
        return;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let theirs = v["seconds"].as_f64().unwrap();
    println!(
        "Python shap {} PermutationExplainer: {theirs:.1} s for {} rows (additivity {:.1e}) → oneclick is {:.0}× faster",
        v["shap"].as_str().unwrap_or("?"),
        v["rows"],
        v["additivity"].as_f64().unwrap_or(f64::NAN),
        theirs / ours
    );
    println!("\nmean |SHAP| per source feature (oneclick):");
    for r in e.mean_abs() {
        println!("  {:<40} {:.4}", r.feature, r.mean_abs);
    }
}
