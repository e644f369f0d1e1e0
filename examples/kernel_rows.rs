//! What the kernel families lose when fitted on a subsample: `cargo run --release
//! --example kernel_rows [-- CUSTOMERS [ROWS…]]` (defaults 12 000 customers of synthetic
//! seed 7; subsamples of 2000 and 4000 rows against every row).
//!
//! On the training part of the study's split, the 5-fold CV ROC-AUC and seconds of the
//! RBF SVC (C = 1, the originals' choice) and of kNN (k = 20) — each fitted on every
//! training row and on seeded stratified subsamples (`selection.kernel_rows`), always
//! validated on the whole fold. Prints figures; asserts nothing.

use std::time::Instant;

use oneclick::model::{Kernel, Knn, Pipeline, Scaler, Svc};
use oneclick::search::{SearchOptions, cross_validate, take_rows, train_test_split};

fn main() -> oneclick::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let customers = args.first().copied().unwrap_or(12_000);
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![2000, 4000]
    };
    let dir = std::env::temp_dir().join(format!("oneclick-kernel-rows-{customers}"));
    oneclick::synth::write(&oneclick::synth::SynthOptions::new(customers, 7), &dir)?;
    let table = oneclick::Data::load(&dir)?.clean()?.merge()?;
    let y = table.target()?;
    let (train, _) = train_test_split(&y, 0.25, 42)?;
    let features = take_rows(&table.features()?, &train)?;
    let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
    println!(
        "{} training customers ({} per CV training fold); 5-fold CV ROC-AUC on whole folds",
        yt.len(),
        yt.len() * 4 / 5
    );
    for (name, base) in [
        (
            "svc rbf C=1",
            Pipeline::new(Scaler::Standard, Svc::new(Kernel::Rbf, 1.0)),
        ),
        ("knn k=20", Pipeline::new(Scaler::Standard, Knn::new(20))),
    ] {
        let mut options: Vec<(String, Pipeline)> = vec![("every row".into(), base.clone())];
        for rows in &sizes {
            options.push((format!("{rows} rows"), base.with_kernel_rows(*rows, 42)));
        }
        for (label, p) in options {
            let t = Instant::now();
            let r = cross_validate(&features, &yt, &[p], &SearchOptions::default(), None)?;
            println!(
                "{name}, {label}: CV ROC-AUC {:.4} ± {:.4}, {:.1} s",
                r.results[0].mean,
                r.results[0].std,
                t.elapsed().as_secs_f64()
            );
        }
    }
    // where the study grid's search time goes at this size (kernel families capped)
    let grid: Vec<Pipeline> = oneclick::search::study_grid()
        .iter()
        .map(|p| p.with_kernel_rows(4000, 42))
        .collect();
    let t = Instant::now();
    let r = cross_validate(&features, &yt, &grid, &SearchOptions::default(), None)?;
    let mut per: Vec<(String, f64, usize)> = Vec::new();
    for c in &r.results {
        let f = c.family().to_string();
        match per.iter_mut().find(|(n, _, _)| *n == f) {
            Some(e) => {
                e.1 += c.seconds * 5.0;
                e.2 += 1;
            }
            None => per.push((f, c.seconds * 5.0, 1)),
        }
    }
    println!("study grid search: {:.1} s wall", t.elapsed().as_secs_f64());
    for (f, s, n) in per {
        println!("  {f}: {n} candidates, {s:.1} s of fitting and scoring (all folds)");
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
