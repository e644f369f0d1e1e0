//! Classifiers with one interface, [`Classifier`]: fit on a dense matrix of transformed
//! features, then `predict_proba` (probability of class 1 = «Снизилась») and
//! `decision_function` (a score that orders rows the same way; what ROC-AUC is computed
//! on, as scikit-learn's `roc_auc` scorer does).
//!
//! | family (`family()`) | type | back-end and why |
//! |---|---|---|
//! | `knn` | [`Knn`] | own brute force: exact distances, ties broken by training order (scikit-learn's brute-force rule); linfa-nn returns no distances and breaks ties arbitrarily |
//! | `decision_tree` | [`DecisionTree`] | own CART: leaf class frequencies as probabilities (linfa-trees keeps only the modal class and prunes, smartcore's `predict_proba` is one-hot and its `max_depth` is off by one) |
//! | `logistic_regression` | [`LogisticRegression`] | linfa-logistic (L-BFGS on Σ log-loss + ‖w‖²/(2C), i.e. `alpha = 1/C`; intercept unpenalised, as scikit-learn) |
//! | `svc` | [`Svc`] | linfa-svm's SMO solver (C-SVC, libsvm stopping rule `eps = 1e-3`), kernels `rbf`/`linear`/`poly` with scikit-learn's `gamma = "scale"`; probabilities by Platt scaling fitted on 5-fold out-of-fold decision values, as libsvm does |
//!
//! A [`Pipeline`] chains the study's [`ColumnTransformer`](crate::prep::ColumnTransformer)
//! with a [`Model`]; fitted, it scores polars frames.

mod knn;
mod logistic;
mod svc;
mod tree;

pub use knn::Knn;
pub use logistic::LogisticRegression;
pub(crate) use svc::platt;
pub use svc::{Kernel, Svc};
pub use tree::DecisionTree;

use ndarray::{Array1, Array2, ArrayView2};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::prep::{ColumnTransformer, FittedTransformer, Transformer};

/// A binary classifier in the manner of scikit-learn: `fit`, then score new rows.
/// Targets are `0`/`1`; probabilities and scores refer to class `1`.
pub trait Classifier {
    /// The family identifier used in results: `knn`, `decision_tree`,
    /// `logistic_regression`, `svc`.
    fn family(&self) -> &'static str;
    /// Hyper-parameters as a JSON object (what results and tables show).
    fn params(&self) -> serde_json::Map<String, serde_json::Value>;
    /// Fits on `x` (rows × features) and `y` (0/1, one per row).
    fn fit(&mut self, x: ArrayView2<f64>, y: &[u8]) -> Result<()>;
    /// P(class 1) for every row.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>>;
    /// A score ordering rows like the probability (a margin or log-odds where the model
    /// has one, else the probability).
    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>>;
}

/// Any of the four families, by value: what grids enumerate and pipelines hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Model {
    /// k-nearest neighbours.
    Knn(Knn),
    /// CART decision tree.
    DecisionTree(DecisionTree),
    /// L2-regularised logistic regression.
    LogisticRegression(LogisticRegression),
    /// Support-vector classifier.
    Svc(Svc),
}

macro_rules! each {
    ($self:expr, $m:ident => $e:expr) => {
        match $self {
            Model::Knn($m) => $e,
            Model::DecisionTree($m) => $e,
            Model::LogisticRegression($m) => $e,
            Model::Svc($m) => $e,
        }
    };
}

impl Classifier for Model {
    fn family(&self) -> &'static str {
        each!(self, m => m.family())
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        each!(self, m => m.params())
    }
    fn fit(&mut self, x: ArrayView2<f64>, y: &[u8]) -> Result<()> {
        check_fit_input(x, y)?;
        each!(self, m => m.fit(x, y))
    }
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        each!(self, m => m.predict_proba(x))
    }
    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        each!(self, m => m.decision_function(x))
    }
}

impl Model {
    /// Parameters in one line, e.g. `k=7` or `kernel=rbf, C=1`.
    pub fn params_text(&self) -> String {
        params_text(&self.params())
    }
}

/// `key=value, …` of a JSON parameter object.
pub fn params_text(params: &serde_json::Map<String, serde_json::Value>) -> String {
    params
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<Knn> for Model {
    fn from(m: Knn) -> Self {
        Model::Knn(m)
    }
}
impl From<DecisionTree> for Model {
    fn from(m: DecisionTree) -> Self {
        Model::DecisionTree(m)
    }
}
impl From<LogisticRegression> for Model {
    fn from(m: LogisticRegression) -> Self {
        Model::LogisticRegression(m)
    }
}
impl From<Svc> for Model {
    fn from(m: Svc) -> Self {
        Model::Svc(m)
    }
}

/// Shapes, finiteness and labels of a training set.
pub(crate) fn check_fit_input(x: ArrayView2<f64>, y: &[u8]) -> Result<()> {
    if x.nrows() != y.len() {
        return Err(Error::InvalidArgument(format!(
            "{} rows of features but {} targets",
            x.nrows(),
            y.len()
        )));
    }
    if let Some(v) = y.iter().find(|v| **v > 1) {
        return Err(Error::InvalidArgument(format!(
            "targets must be 0 or 1, found {v}"
        )));
    }
    if !y.contains(&0) || !y.contains(&1) {
        return Err(Error::InvalidArgument(
            "the training rows must contain both classes".into(),
        ));
    }
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::InvalidArgument(format!(
            "feature matrix: value {v} at row {i}, column {j} is not finite"
        )));
    }
    Ok(())
}

/// The error for scoring with a model that was never fitted.
pub(crate) fn not_fitted(family: &str) -> Error {
    Error::InvalidArgument(format!(
        "the {family} model is not fitted yet; call fit first"
    ))
}

/// The error for a feature count different from the one seen in `fit`.
pub(crate) fn check_width(family: &str, expected: usize, x: ArrayView2<f64>) -> Result<()> {
    if x.ncols() == expected {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "the {family} model was fitted on {expected} features, got {}",
            x.ncols()
        )))
    }
}

/// The numeric scaler of the study's pipeline: one grid axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaler {
    /// `StandardScaler`.
    Standard,
    /// `MinMaxScaler`.
    MinMax,
}

impl Scaler {
    /// Both scalers.
    pub const ALL: [Scaler; 2] = [Scaler::Standard, Scaler::MinMax];

    /// The transformer applied to the numeric columns.
    pub fn transformer(self) -> Transformer {
        match self {
            Scaler::Standard => Transformer::Standard,
            Scaler::MinMax => Transformer::MinMax,
        }
    }

    /// Identifier used in results: `standard` / `minmax`.
    pub fn id(self) -> &'static str {
        match self {
            Scaler::Standard => "standard",
            Scaler::MinMax => "minmax",
        }
    }
}

/// The study's preprocessing with `scaler`, followed by `model` — scikit-learn's
/// `Pipeline([("prep", ColumnTransformer(...)), ("model", ...)])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Scaler of the numeric columns.
    pub scaler: Scaler,
    /// The (unfitted) model.
    pub model: Model,
}

/// A fitted [`Pipeline`]: the fitted preprocessing and the fitted model. Serializable
/// (serde), so it can be stored and used to score new snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    /// Scaler of the numeric columns.
    pub scaler: Scaler,
    /// The preprocessing fitted on the training rows.
    pub transformer: FittedTransformer,
    /// The fitted model.
    pub model: Model,
}

impl Pipeline {
    /// A pipeline.
    pub fn new(scaler: Scaler, model: impl Into<Model>) -> Self {
        Pipeline {
            scaler,
            model: model.into(),
        }
    }

    /// The same pipeline with probabilities available: an SVC gets Platt scaling
    /// (internal folds seeded with `seed`); other families always have them.
    pub fn with_probability(&self, seed: u64) -> Pipeline {
        let mut p = self.clone();
        if let Model::Svc(m) = &p.model {
            p.model = m.clone().with_probability(seed).into();
        }
        p
    }

    /// Parameters including the scaler, e.g. `{"scaler": "minmax", "k": 7}`.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("scaler".into(), self.scaler.id().into());
        p.extend(self.model.params());
        p
    }

    /// Fits the preprocessing and then the model on `features` (the model table's
    /// feature columns) and `y`.
    pub fn fit(&self, features: &DataFrame, y: &[u8]) -> Result<FittedPipeline> {
        let transformer = ColumnTransformer::study(self.scaler.transformer()).fit(features)?;
        let x = transformer.transform(features)?;
        let mut model = self.model.clone();
        model.fit(x.view(), y)?;
        Ok(FittedPipeline {
            scaler: self.scaler,
            transformer,
            model,
        })
    }
}

impl FittedPipeline {
    /// Checks the internal consistency of a pipeline read from a file (the model's
    /// shapes against the preprocessing's output width, finite parameters, a tree
    /// whose every walk ends): a tampered or truncated model file is an error here,
    /// never a panic or a wrong score later.
    pub fn check(&self) -> Result<()> {
        self.transformer.check()?;
        let width = self.transformer.feature_names_out().len();
        if width == 0 {
            return Err(Error::InvalidArgument(
                "the preprocessing produces no features".into(),
            ));
        }
        match &self.model {
            Model::Knn(m) => m.check_fitted(width),
            Model::DecisionTree(m) => m.check_fitted(width),
            Model::LogisticRegression(m) => m.check_fitted(width),
            Model::Svc(m) => m.check_fitted(width),
        }
    }

    /// The transformed features of `features`.
    pub fn transform(&self, features: &DataFrame) -> Result<Array2<f64>> {
        self.transformer.transform(features)
    }

    /// P(«Снизилась») for every row of `features`.
    pub fn predict_proba(&self, features: &DataFrame) -> Result<Array1<f64>> {
        self.model.predict_proba(self.transform(features)?.view())
    }

    /// The model's decision score for every row of `features`.
    pub fn decision_function(&self, features: &DataFrame) -> Result<Array1<f64>> {
        self.model
            .decision_function(self.transform(features)?.view())
    }

    /// Names of the transformed features (`num__Акционные_покупки`, …).
    pub fn feature_names_out(&self) -> Vec<String> {
        self.transformer.feature_names_out()
    }
}
