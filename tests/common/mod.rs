//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod http;

/// The originals: `$ONECLICK_REAL_DATA`, else `../shared/data/real`; `None` (with a
/// message on stderr) when they are not there.
pub fn real_data_dir(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("ONECLICK_REAL_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/real"));
    if dir.join("market_file.csv").is_file() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: the original data are not in {} (set ONECLICK_REAL_DATA)",
            dir.display()
        );
        None
    }
}

/// The embedded synthetic data.
pub fn synthetic_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/synthetic")
}

/// The model table of the embedded synthetic data.
pub fn synthetic_table() -> oneclick::ModelTable {
    table_of(&synthetic_dir())
}

/// The model table of the data in `dir` (loaded, cleaned, merged).
pub fn table_of(dir: &Path) -> oneclick::ModelTable {
    oneclick::Data::load(dir)
        .unwrap()
        .clean()
        .unwrap()
        .merge()
        .unwrap()
}

/// A synthetic store of `customers` (seed `seed`) written to a new temporary directory,
/// and its model table.
pub fn synthetic_store(customers: usize, seed: u64) -> (tempfile::TempDir, oneclick::ModelTable) {
    let dir = tempfile::tempdir().unwrap();
    oneclick::synth::write(
        &oneclick::synth::SynthOptions::new(customers, seed),
        dir.path(),
    )
    .unwrap();
    let table = table_of(dir.path());
    (dir, table)
}

/// Copies the four CSV files of `from` into a new temporary directory.
pub fn copy_data(from: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for f in oneclick::schema::FileId::ALL {
        std::fs::copy(from.join(f.file_name()), dir.path().join(f.file_name())).expect("copy");
    }
    dir
}

/// A saved model around `fitted` with the segment thresholds of an RBF SVC segmentation
/// of `table` (the study's shape, without running the whole study).
pub fn saved_model(
    table: &oneclick::ModelTable,
    fitted: oneclick::model::FittedPipeline,
) -> oneclick::score::SavedModel {
    use oneclick::model::{Kernel, Pipeline, Scaler, Svc};
    let pipeline = Pipeline::new(Scaler::Standard, Svc::new(Kernel::Rbf, 1.0));
    let s = oneclick::segment::Segmentation::run(
        table,
        &pipeline,
        0.5,
        &oneclick::checked::Checked::default(),
    )
    .unwrap();
    let features = table.features().unwrap();
    let y = table.target().unwrap();
    // the reference of the customers the pipeline can score (a test may fit it on fewer)
    let p = match fitted.predict_proba(&features) {
        Ok(p) => p.to_vec(),
        Err(_) => oneclick::frame::f64_values(&s.frame, oneclick::segment::PROBABILITY).unwrap(),
    };
    let reference = oneclick::drift::Reference::of(
        &features,
        &y,
        &p,
        s.thresholds.risk,
        oneclick::metrics::roc_auc(&y, &p).unwrap(),
        oneclick::calibration::brier_score(&y, &p).unwrap(),
    )
    .unwrap();
    // One "fold" that scored no study customer: every customer is scored as new, by it.
    oneclick::score::SavedModel {
        format: oneclick::score::FORMAT.into(),
        folds: vec![oneclick::score::FoldModel {
            pipeline: fitted,
            typical: oneclick::offers::Typical::of(table).unwrap(),
            ids: Vec::new(),
        }],
        thresholds: s.thresholds.clone(),
        recalibration: oneclick::calibration::PlattMap::IDENTITY,
        assumptions: oneclick::checked::Checked::default(),
        features: table.feature_names(),
        trained_on: "synthetic".into(),
        reference,
        parameters: Vec::new(),
    }
}

/// An RBF SVC (C = 1, probabilities) fitted on the embedded synthetic data, saved with
/// its segments and offers.
pub fn synthetic_svc_model() -> oneclick::score::SavedModel {
    use oneclick::model::{Kernel, Pipeline, Scaler, Svc};
    let table = synthetic_table();
    let fitted = Pipeline::new(
        Scaler::Standard,
        Svc::new(Kernel::Rbf, 1.0).with_probability(1),
    )
    .fit(&table.features().unwrap(), &table.target().unwrap())
    .unwrap();
    saved_model(&table, fitted)
}

/// The model of a causal store's tests: a logistic regression saved with its segments and
/// offers, trained on a 1 300-customer causal store of `seed`.
pub fn causal_model(seed: u64) -> oneclick::score::SavedModel {
    use oneclick::model::{LogisticRegression, Pipeline, Scaler};
    let dir = tempfile::tempdir().expect("tempdir");
    let answers = tempfile::tempdir().expect("tempdir");
    oneclick::causal::write(
        &oneclick::synth::SynthOptions::new(1300, seed),
        dir.path(),
        &answers.path().join("answers.csv"),
    )
    .expect("causal store");
    let table = table_of(dir.path());
    let fitted = Pipeline::new(Scaler::Standard, LogisticRegression::new(1.0))
        .with_probability(1)
        .fit(&table.features().unwrap(), &table.target().unwrap())
        .expect("fit");
    saved_model(&table, fitted)
}

/// A month of a causal store: `DIR/data` holds its files, `DIR/answers.csv` its truth.
pub fn causal_month(customers: usize, seed: u64) -> (tempfile::TempDir, oneclick::causal::Answers) {
    let dir = tempfile::tempdir().expect("tempdir");
    let answers = oneclick::causal::write(
        &oneclick::synth::SynthOptions::new(customers, seed),
        &dir.path().join("data"),
        &dir.path().join("answers.csv"),
    )
    .expect("causal store");
    (dir, answers)
}

/// An exploring campaign (70 % of each stratum given a lever) on the causal month in `dir`,
/// written to `DIR/campaign.csv`, and its outcomes drawn from `answers` with `outcome_seed`.
pub fn explore_month(
    model: &oneclick::score::SavedModel,
    dir: &Path,
    answers: &oneclick::causal::Answers,
    outcome_seed: u64,
) -> (
    oneclick::evaluate::Campaign,
    Vec<Option<oneclick::evaluate::Outcome>>,
) {
    let options = oneclick::checked::Checked::new(oneclick::campaign::CampaignOptions {
        design: oneclick::evaluate::Design::Explore,
        max_draws: 20,
        test_share: 0.7,
        ..Default::default()
    })
    .unwrap();
    let run = oneclick::campaign::run(model, &dir.join("data"), &options).unwrap();
    let path = dir.join("campaign.csv");
    run.write(&path).unwrap();
    let campaign = oneclick::evaluate::Campaign::read(&path).unwrap();
    let outcomes = oneclick::causal::outcomes(
        answers,
        &campaign,
        &oneclick::checked::Checked::new(oneclick::causal::CausalOutcomeOptions {
            seed: outcome_seed,
            ..Default::default()
        })
        .unwrap(),
    )
    .unwrap();
    (campaign, outcomes)
}
