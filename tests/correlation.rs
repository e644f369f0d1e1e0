//! φK against the Python `phik` library on the originals, and on bivariate normals.

mod common;

use oneclick::corr::{self, PhikMatrix, PhikOptions, Significance};
use oneclick::prelude::*;
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

#[derive(serde::Deserialize)]
struct Expected {
    interval_cols: Vec<String>,
    columns: Vec<String>,
    phik: Vec<Vec<f64>>,
    significance_asymptotic: Vec<Vec<f64>>,
    significance_hybrid: Vec<Vec<f64>>,
}

fn expected() -> Expected {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/phik_originals.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn max_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> (f64, usize, usize) {
    let mut worst = (0.0, 0, 0);
    for i in 0..a.len() {
        for j in 0..a.len() {
            let d = (a[i][j] - b[i][j]).abs();
            if d > worst.0 {
                worst = (d, i, j);
            }
        }
    }
    worst
}

#[test]
fn phik_matches_the_reference_library_on_the_originals() {
    let Some(dir) = common::real_data_dir("phik_matches_the_reference_library_on_the_originals")
    else {
        return;
    };
    let want = expected();
    let table = Data::load(dir).unwrap().clean().unwrap().merge().unwrap();
    let frame = table.frame.drop(schema::ID).unwrap();
    assert_eq!(schema::interval_columns(), want.interval_cols);
    let interval: Vec<&str> = want.interval_cols.iter().map(String::as_str).collect();

    let asymptotic = PhikMatrix::compute(
        &frame,
        &interval,
        &Checked::new(PhikOptions {
            bins: 10,
            significance: Some(Significance::Asymptotic),
        })
        .unwrap(),
    )
    .unwrap();
    assert_eq!(asymptotic.columns, want.columns);
    let (d, i, j) = max_diff(&asymptotic.phik, &want.phik);
    eprintln!(
        "phik: largest difference {d:.2e} at ({}, {})",
        want.columns[i], want.columns[j]
    );
    assert!(
        d < 0.02,
        "phik differs by {d} at ({}, {})",
        want.columns[i],
        want.columns[j]
    );
    let z = asymptotic.significance.as_ref().unwrap();
    let (d, i, j) = max_diff(z, &want.significance_asymptotic);
    eprintln!(
        "asymptotic Z: largest difference {d:.2e} at ({}, {})",
        want.columns[i], want.columns[j]
    );
    assert!(
        d < 0.05,
        "asymptotic significance differs by {d} at ({}, {})",
        want.columns[i],
        want.columns[j]
    );

    // The hybrid method simulates; another generator gives another sample, so the
    // tolerance is that of two seeds of the reference library (≈ 0.1) with margin.
    let hybrid = PhikMatrix::compute(&frame, &interval, &Checked::default()).unwrap();
    let (d, i, j) = max_diff(
        hybrid.significance.as_ref().unwrap(),
        &want.significance_hybrid,
    );
    eprintln!(
        "hybrid Z: largest difference {d:.2e} at ({}, {})",
        want.columns[i], want.columns[j]
    );
    assert!(
        d < 0.35,
        "hybrid significance differs by {d} at ({}, {})",
        want.columns[i],
        want.columns[j]
    );
    assert_eq!(hybrid.phik, asymptotic.phik);
}

#[test]
fn phik_of_bivariate_normals_is_close_to_pearson() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    for rho in [0.0, 0.3, 0.6, 0.9] {
        let n = 4000;
        let (mut x, mut y) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let a: f64 = StandardNormal.sample(&mut rng);
            let b: f64 = StandardNormal.sample(&mut rng);
            x.push(a);
            y.push(rho * a + (1.0f64 - rho * rho).sqrt() * b);
        }
        let r = oneclick::stats::pearson(&x, &y).abs();
        let phik = corr::phik_from_codes(&corr::bin_uniform(&x, 10), &corr::bin_uniform(&y, 10));
        // φK of binned normals tracks |ρ| closely but not exactly (uniform bins over the
        // sample range): the reference library gives 0.325, 0.624, 0.903 for ρ = 0.3, 0.6, 0.9.
        assert!(
            (phik - r).abs() < 0.05,
            "rho {rho}: phik {phik}, |pearson| {r}"
        );
    }
}

#[test]
fn phik_is_deterministic() {
    let table = common::synthetic_table();
    let frame = table.frame.drop(schema::ID).unwrap();
    let cols = schema::interval_columns();
    let interval: Vec<&str> = cols.iter().map(String::as_str).collect();
    let a = PhikMatrix::compute(&frame, &interval, &Checked::default()).unwrap();
    let b = PhikMatrix::compute(&frame, &interval, &Checked::default()).unwrap();
    assert_eq!(a, b);
    let ranking = a.ranking(schema::TARGET).unwrap();
    assert_eq!(ranking.len(), 16);
    assert!(ranking.windows(2).all(|w| w[0].phik >= w[1].phik));
}
