//! The content of `results.json`, section by section.

use std::collections::BTreeMap;

use serde::Serialize;

use super::ParameterValue;
use crate::clean::Rule;
use crate::offers::OfferPlan;

/// Content of `results.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// Every parameter value the study used, with its source (`default`, `file PATH`,
    /// `--set`, a flag).
    pub parameters: Vec<ParameterValue>,
    /// The data section.
    pub data: DataResult,
    /// φK of the model table.
    pub correlation: CorrelationResult,
    /// The best pipeline of each model family.
    pub models: Vec<ModelResult>,
    /// The chosen pipeline.
    pub best: BestResult,
    /// What drives its predictions.
    pub importance: ImportanceResult,
    /// The segments, the main one (high risk × high profit) first.
    pub segments: Vec<crate::segment::Segment>,
    /// Their thresholds.
    pub segment_thresholds: crate::segment::Thresholds,
    /// Calibration of the out-of-fold probabilities the money uses.
    pub calibration: CalibrationResult,
    /// Levers, per-customer reasons and offers, money, A/B plan.
    pub offers: OfferPlan,
    /// Seconds per stage.
    pub timings: BTreeMap<String, f64>,
}

/// `results.json` → `calibration`: the out-of-fold probabilities' Brier score, skill,
/// log-loss, mean against rate and reliability bins (flattened), the recalibration map
/// when one was needed and the figures after it.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationResult {
    /// As the fold models gave them.
    #[serde(flatten)]
    pub measured: crate::calibration::Calibration,
    /// The Platt map applied (`null`: none was needed).
    pub recalibration: Option<crate::calibration::PlattMap>,
    /// After the map (`null` without one).
    pub after: Option<crate::calibration::Calibration>,
}

/// `results.json` → `data`.
#[derive(Debug, Clone, Serialize)]
pub struct DataResult {
    /// `original`, `synthetic` or `other`.
    pub source: String,
    /// Generator seed, for synthetic data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Customers generated, for synthetic data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<usize>,
    /// Per file.
    pub files: BTreeMap<String, FileResult>,
    /// Exact duplicate rows removed, per file.
    pub duplicate_rows: BTreeMap<String, usize>,
    /// Customers dropped by cleaning.
    pub dropped: Vec<DroppedResult>,
    /// Typo fixes.
    pub fixes: Vec<FixResult>,
    /// The model table.
    pub model_table: TableResult,
}

/// `results.json` → `data.files.<name>`.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    /// Data rows read.
    pub rows: usize,
    /// Rows after cleaning.
    pub rows_after_cleaning: usize,
    /// sha256 of the file.
    pub sha256: String,
    /// Detected format.
    pub format: String,
}

/// `results.json` → `data.dropped[]`.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedResult {
    /// Customer id.
    pub id: i64,
    /// `inactive` or `anomaly`.
    pub rule: Rule,
    /// Why.
    pub reason: String,
}

/// `results.json` → `data.fixes[]`.
#[derive(Debug, Clone, Serialize)]
pub struct FixResult {
    /// File name.
    pub file: String,
    /// Column.
    pub column: String,
    /// Misspelling.
    pub from: String,
    /// Correction.
    pub to: String,
    /// Rows changed.
    pub rows: usize,
}

/// `results.json` → `data.model_table`.
#[derive(Debug, Clone, Serialize)]
pub struct TableResult {
    /// Customers.
    pub rows: usize,
    /// Column names in order.
    pub columns: Vec<String>,
    /// Share of «Снизилась».
    pub decline_rate: f64,
}

/// `results.json` → `correlation`.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationResult {
    /// φK matrix over the target and the features.
    pub phik: MatrixResult,
    /// Significance (Z) matrix.
    pub significance: MatrixResult,
    /// How the significance was computed (`null`: not computed).
    pub significance_method: Option<crate::corr::Significance>,
    /// φK of each feature with the target, strongest first.
    pub target: Vec<crate::corr::Association>,
}

/// A square matrix with its column names.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixResult {
    /// Model-table column names.
    pub columns: Vec<String>,
    /// Row-major values.
    pub matrix: Vec<Vec<f64>>,
}

/// `results.json` → `models[]`: the best pipeline of one family.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    /// `knn`, `decision_tree`, `logistic_regression` or `svc`.
    pub family: String,
    /// Scaler and hyper-parameters.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Mean ROC-AUC over the folds.
    pub cv_roc_auc: f64,
    /// Its standard deviation.
    pub cv_roc_auc_std: f64,
    /// ROC-AUC on the test part after a refit on the training part.
    pub test_roc_auc: f64,
}

/// `results.json` → `best`: the chosen pipeline.
#[derive(Debug, Clone, Serialize)]
pub struct BestResult {
    /// Its family.
    pub family: String,
    /// Scaler and hyper-parameters.
    pub params: serde_json::Map<String, serde_json::Value>,
    /// Mean ROC-AUC over the folds.
    pub cv_roc_auc: f64,
    /// Its standard deviation.
    pub cv_roc_auc_std: f64,
    /// ROC-AUC of P(«Снизилась») on the test part.
    pub test_roc_auc: f64,
    /// Decision threshold (F1-optimal on out-of-fold training predictions).
    pub threshold: f64,
    /// Test confusion matrix at the threshold.
    pub confusion: crate::metrics::Confusion,
    /// Pipelines searched.
    pub candidates: usize,
    /// Folds.
    pub folds: usize,
    /// Training customers.
    pub train_rows: usize,
    /// Test customers.
    pub test_rows: usize,
}

/// `results.json` → `importance`, per source feature, most important first.
#[derive(Debug, Clone, Serialize)]
pub struct ImportanceResult {
    /// Drop of test ROC-AUC when the feature is shuffled (10 repeats by default).
    pub permutation: Vec<crate::explain::FeatureDrop>,
    /// Mean |SHAP| of P(«Снизилась») over the test customers.
    pub shap: Vec<crate::explain::MeanAbs>,
}
