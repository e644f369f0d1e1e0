//! Permutation importance and permutation SHAP: additivity, agreement with exact Shapley
//! values, determinism across threads, scikit-learn's semantics.

mod common;

use ndarray::{Array1, Array2};
use oneclick::checked::Checked;
use oneclick::explain::{ShapOptions, exact_shapley, permutation_importance, permutation_shap};
use oneclick::model::{
    Classifier, DecisionTree, Fit, FittedPipeline, Kernel, LogisticRegression, Model, Pipeline,
    Scaler, Svc,
};
use oneclick::search::{take_rows, train_test_split};

/// A pipeline fitted on the synthetic training part, with the test part.
fn fitted(
    model: Model,
) -> (
    FittedPipeline,
    polars::prelude::DataFrame,
    Vec<u8>,
    polars::prelude::DataFrame,
) {
    let table = common::synthetic_table();
    let y = table.target().unwrap();
    let x = table.features().unwrap();
    let (train, test) = train_test_split(&y, 0.25, 42).unwrap();
    let xt = take_rows(&x, &train).unwrap();
    let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
    let p = Pipeline::new(Scaler::Standard, model)
        .fit(&xt, &yt)
        .unwrap();
    let test_y = test.iter().map(|i| y[*i]).collect();
    (p, take_rows(&x, &test).unwrap(), test_y, xt)
}

#[test]
fn shap_is_additive_for_every_row_and_family() {
    for model in [
        Model::from(Svc::new(Kernel::Rbf, 1.0).with_probability(1)),
        Svc::new(Kernel::Poly, 1.0).with_probability(1).into(),
        LogisticRegression::new(1.0).into(),
        DecisionTree::new(5, 2, 1).into(),
    ] {
        let family = model.family();
        let (p, test, _, train) = fitted(model);
        let rows: Vec<usize> = (0..20).collect();
        let explain = take_rows(&test, &rows).unwrap();
        let e = permutation_shap(&p, &explain, &train, &Checked::default()).unwrap();
        assert_eq!(e.values.dim(), (20, 16));
        let proba = p.predict_proba(&explain).unwrap();
        let diff = (&e.outputs() - &proba)
            .mapv(f64::abs)
            .fold(0.0f64, |a, b| a.max(*b));
        assert!(
            diff < 1e-9,
            "{family}: base + Σ SHAP differs from P by {diff}"
        );
        // one row sliced out keeps its values
        let r = e.row(7);
        assert_eq!(r.values.row(0), e.values.row(7));
        assert_eq!(r.labels[0], e.labels[7]);
    }
}

#[test]
fn permutation_shap_converges_to_exact_shapley_values() {
    // a small RBF SVC on 6 features (no categories): exact values by enumerating 2^6 coalitions
    let x = Array2::from_shape_fn((120, 6), |(i, j)| {
        ((i * 7 + j * 13) as f64 * 0.37).sin() * (1.0 + j as f64 * 0.2)
    });
    let y: Vec<u8> = x
        .rows()
        .into_iter()
        .map(|r| u8::from(r[0] + r[1] * r[2] - 0.5 * r[3] > 0.0))
        .collect();
    let model = Model::from(Svc::new(Kernel::Rbf, 1.0).with_probability(3))
        .fit(x.view(), &y)
        .unwrap();
    let bg = x.slice(ndarray::s![..20, ..]).to_owned();
    let groups: Vec<Vec<usize>> = (0..6).map(|j| vec![j]).collect();
    let f = |z: &Array2<f64>| model.predict_proba(z.view());
    let names: Vec<String> = (0..6).map(|j| format!("x{j}")).collect();
    let frame = |a: &Array2<f64>| {
        polars::prelude::DataFrame::new(
            a.nrows(),
            names
                .iter()
                .enumerate()
                .map(|(j, n)| polars::prelude::Column::new(n.into(), a.column(j).to_vec()))
                .collect(),
        )
        .unwrap()
    };
    // the explainer works on pipelines: a passthrough pipeline over the six columns
    let transformer = oneclick::prep::ColumnTransformer::new()
        .step(
            "num",
            oneclick::prep::Transformer::Passthrough,
            &names.iter().map(String::as_str).collect::<Vec<_>>(),
        )
        .fit(&frame(&x))
        .unwrap();
    let pipeline = FittedPipeline {
        scaler: Scaler::Standard,
        transformer,
        model: model.clone(),
    };
    let rows = x.slice(ndarray::s![100..104, ..]).to_owned();
    let options = ShapOptions {
        background: 20,
        max_evals: 13 * 400,
        seed: 5,
        ..ShapOptions::default()
    };
    let e = permutation_shap(
        &pipeline,
        &frame(&rows),
        &frame(&bg),
        &Checked::new(options.clone()).unwrap(),
    )
    .unwrap();
    for i in 0..4 {
        let exact = exact_shapley(&f, rows.row(i), &bg, &groups).unwrap();
        let err = exact
            .iter()
            .zip(e.values.row(i))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let scale = exact.iter().map(|v| v.abs()).fold(0.0, f64::max);
        assert!(
            err < 0.03 * scale.max(0.01),
            "row {i}: max error {err} (scale {scale}): {exact:?} vs {:?}",
            e.values.row(i)
        );
        // exact values are additive too
        let total: f64 = exact.iter().sum();
        let fx = model
            .predict_proba(rows.slice(ndarray::s![i..i + 1, ..]))
            .unwrap()[0];
        let base: f64 = f(&bg).unwrap().mean().unwrap();
        assert!((total - (fx - base)).abs() < 1e-12);
    }
}

#[test]
fn exact_for_a_linear_score_with_one_permutation() {
    // for an additive function every order gives the same marginal contributions
    let bg = Array2::from_shape_fn((5, 3), |(i, j)| (i + j) as f64);
    let x = Array1::from(vec![1.0, -2.0, 4.0]);
    let w = [0.5, -1.0, 2.0];
    let f = |z: &Array2<f64>| {
        Ok(z.rows()
            .into_iter()
            .map(|r| r.iter().zip(w).map(|(a, b)| a * b).sum())
            .collect())
    };
    let groups: Vec<Vec<usize>> = (0..3).map(|j| vec![j]).collect();
    let phi = exact_shapley(&f, x.view(), &bg, &groups).unwrap();
    for j in 0..3 {
        let expected = w[j] * (x[j] - bg.column(j).mean().unwrap());
        assert!((phi[j] - expected).abs() < 1e-12);
    }
}

#[test]
fn shap_and_importance_do_not_depend_on_threads() {
    let (p, test, y, train) = fitted(Svc::new(Kernel::Rbf, 1.0).with_probability(1).into());
    let rows: Vec<usize> = (0..30).collect();
    let explain = take_rows(&test, &rows).unwrap();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            (
                permutation_shap(&p, &explain, &train, &Checked::default()).unwrap(),
                permutation_importance(&p, &test, &y, 5, 3).unwrap(),
            )
        })
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_ne!(
        permutation_shap(
            &p,
            &explain,
            &train,
            &Checked::new(ShapOptions {
                seed: 9,
                ..Default::default()
            })
            .unwrap()
        )
        .unwrap()
        .values,
        a.0.values
    );
}

#[test]
fn permutation_importance_has_scikit_learn_semantics() {
    let (p, test, y, _) = fitted(LogisticRegression::new(1.0).into());
    let imp = permutation_importance(&p, &test, &y, 8, 1).unwrap();
    assert_eq!(imp.features.len(), 16);
    assert!(imp.scores.iter().all(|s| s.len() == 8));
    let auc =
        oneclick::metrics::roc_auc(&y, &p.decision_function(&test).unwrap().to_vec()).unwrap();
    assert_eq!(imp.baseline, auc);
    for (f, s) in imp.features.iter().zip(&imp.scores) {
        let m = s.iter().sum::<f64>() / 8.0;
        let i = imp.features.iter().position(|x| x == f).unwrap();
        assert!((imp.mean[i] - m).abs() < 1e-15);
    }
    // the strongest features matter: shuffling them costs ROC-AUC
    let top = &imp.ranking()[0];
    assert!(top.mean > 0.01, "{top:?}");
    // errors are clear
    assert!(permutation_importance(&p, &test, &y, 0, 1).is_err());
}

#[test]
fn sampling_errors_follow_their_definitions() {
    let (p, test, y, _) = fitted(LogisticRegression::new(1.0).into());
    let imp = permutation_importance(&p, &test, &y, 4, 3).unwrap();
    // the weighted ROC-AUC with unit weights is the plain one, for every stored shuffle
    let ones = vec![1u32; y.len()];
    for s in imp.shuffled_scores.iter().flatten().take(8) {
        let mut order: Vec<usize> = (0..s.len()).collect();
        order.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
        let plain = oneclick::metrics::roc_auc(&y, s).unwrap();
        let weighted = oneclick::metrics::roc_auc_weighted(&y, s, &order, &ones);
        assert!((plain - weighted).abs() < 1e-12, "{plain} vs {weighted}");
    }
    // a row drawn twice counts twice: the weighted value equals the plain one on the
    // duplicated data
    let s = &imp.baseline_scores;
    let mut w = ones.clone();
    w[0] = 2;
    w[5] = 0;
    let (mut yy, mut ss) = (Vec::new(), Vec::new());
    for i in 0..y.len() {
        for _ in 0..w[i] {
            yy.push(y[i]);
            ss.push(s[i]);
        }
    }
    let mut order: Vec<usize> = (0..s.len()).collect();
    order.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
    let dup = oneclick::metrics::roc_auc(&yy, &ss).unwrap();
    assert!((oneclick::metrics::roc_auc_weighted(&y, s, &order, &w) - dup).abs() < 1e-12);
    // the bootstrap is seeded and does not depend on threads; its errors are positive and
    // shrink with more customers (the standard error of a mean)
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| imp.bootstrap_std_error(&y, 50, 11).unwrap())
    };
    let (a, b) = (run(1), run(2));
    assert_eq!(a, b);
    assert!(a.iter().all(|v| v.is_finite() && *v >= 0.0));
    assert!(a.iter().any(|v| *v > 0.0));
    assert_ne!(a, imp.bootstrap_std_error(&y, 50, 12).unwrap());
    assert!(imp.bootstrap_std_error(&y, 1, 1).is_err());
    assert!(imp.bootstrap_std_error(&y[1..], 50, 1).is_err());
    // SHAP: standard deviation of |SHAP| over √n
    let rows: Vec<usize> = (0..40).collect();
    let explain = take_rows(&test, &rows).unwrap();
    let e = permutation_shap(&p, &explain, &test, &Checked::default()).unwrap();
    let se = e.mean_abs_std_error();
    for (j, v) in se.iter().enumerate() {
        let a: Vec<f64> = e.values.column(j).iter().map(|v| v.abs()).collect();
        let m = a.iter().sum::<f64>() / 40.0;
        let sd = (a.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / 39.0).sqrt();
        assert!((v - sd / 40f64.sqrt()).abs() < 1e-15);
    }
    assert_eq!(e.sampling_table().rows.len(), 16);
}

#[test]
fn explained_rows_are_all_or_a_stratified_sample() {
    let y: Vec<u8> = (0..1000).map(|i| u8::from(i % 4 == 0)).collect();
    assert_eq!(
        oneclick::explain::explained_rows(&y, 1000, 1),
        (0..1000).collect::<Vec<_>>()
    );
    let s = oneclick::explain::explained_rows(&y, 200, 1);
    assert_eq!(s.len(), 200);
    assert_eq!(s.iter().filter(|i| y[**i] == 1).count(), 50);
    assert!(s.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(s, oneclick::explain::explained_rows(&y, 200, 1));
    assert_ne!(s, oneclick::explain::explained_rows(&y, 200, 2));
}
