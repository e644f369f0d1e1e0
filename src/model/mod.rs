//! Classifiers in linfa's manner: a parameter type per family, checked before anything is
//! fitted ([`Fit::check`]), and `fit` returning a separate fitted type that implements
//! [`Classifier`] (`predict_proba`: probability of class 1 = «Снизилась»;
//! `decision_function`: a score that orders rows the same way, what ROC-AUC is computed
//! on, as scikit-learn's `roc_auc` scorer does). A fitted model cannot be unfitted, so
//! there is no "not fitted" state to check at run time.
//!
//! | family (`family()`) | parameters → fitted | back-end and why |
//! |---|---|---|
//! | `knn` | [`Knn`] → [`FittedKnn`] | own brute force: exact distances, ties broken by training order (scikit-learn's brute-force rule); linfa-nn returns no distances and breaks ties arbitrarily |
//! | `decision_tree` | [`DecisionTree`] → [`FittedTree`] | own CART: leaf class frequencies as probabilities (linfa-trees keeps only the modal class and prunes, smartcore's `predict_proba` is one-hot and its `max_depth` is off by one) |
//! | `logistic_regression` | [`LogisticRegression`] → [`FittedLogistic`] | linfa-logistic (L-BFGS on Σ log-loss + ‖w‖²/(2C), i.e. `alpha = 1/C`; intercept unpenalised, as scikit-learn) |
//! | `gradient_boosting` | [`Gbdt`] → [`FittedGbdt`] | own histogram gradient boosting in the manner of scikit-learn's `HistGradientBoostingClassifier` (binned features, best-first trees, log-loss; no randomness): the family that scales to a store's size, fitted in seconds on 100 000 customers |
//! | `svc` | [`Svc`] → [`FittedSvc`] | our own implementation of libsvm's SMO solver (C-SVC, WSS2, shrinking, stopping rule `eps = 1e-3`; linfa-svm 0.8.1 panicked on the study data and was ~10× slower without shrinking), kernels `rbf`/`linear`/`poly` with scikit-learn's `gamma = "scale"`; probabilities by Platt scaling (linfa's `platt_newton_method`) fitted on 5-fold out-of-fold decision values, as libsvm does |
//!
//! [`Model`] / [`FittedModel`] hold any family by value (what grids enumerate and
//! pipelines store). A [`Pipeline`] chains the study's
//! [`ColumnTransformer`](crate::prep::ColumnTransformer) with a [`Model`]; fitted, it
//! scores polars frames. Candidates of a search that can share work (kNN of any k, trees
//! differing only in depth, SVCs along a C path) say so through [`Model::work_group`] and
//! are fitted together by [`Model::group_decisions`]; the search knows no family's
//! internals.

mod gbdt;
mod knn;
mod logistic;
mod svc;
mod tree;

pub use gbdt::{FittedGbdt, Gbdt};
pub(crate) use gbdt::{MaskWalker, probability as gbdt_probability};
pub use knn::{FittedKnn, Knn};
pub use logistic::{FittedLogistic, LogisticRegression};
pub(crate) use svc::platt;
pub use svc::{FittedSvc, Kernel, Move, Svc};
pub use tree::{DecisionTree, FittedTree};

use ndarray::{Array1, Array2, ArrayView2};
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::prep::{ColumnTransformer, FittedTransformer, Transformer};

/// Hyper-parameters of a model family (linfa's `ParamGuard` + `Fit` in one trait).
pub trait Fit {
    /// The fitted model `fit` returns.
    type Fitted: Classifier;
    /// Checks every parameter against its domain, naming the parameter and the rule on
    /// failure. Needs no data: a search checks its whole grid before fitting anything.
    fn check(&self) -> Result<()>;
    /// Checks the parameters and the data (shapes, finite values, both classes), then fits
    /// on `x` (rows × features) and `y` (0/1, one per row).
    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<Self::Fitted>;
}

/// A model family: the identifier results, model files and frames use (`knn`,
/// `decision_tree`, `logistic_regression`, `svc`, `gradient_boosting`; [`id`](Self::id)), and the name a reader
/// sees ([`name_ru`](Self::name_ru)). One definition instead of strings spread over the
/// crate and the notebooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// k nearest neighbours.
    Knn,
    /// CART decision tree.
    DecisionTree,
    /// L2 logistic regression.
    LogisticRegression,
    /// Support vector classifier.
    Svc,
    /// Histogram gradient-boosted trees.
    GradientBoosting,
}

impl Family {
    /// Every family, in the order results list them.
    pub const ALL: [Family; 5] = [
        Family::Knn,
        Family::DecisionTree,
        Family::LogisticRegression,
        Family::Svc,
        Family::GradientBoosting,
    ];

    /// The identifier: `knn`, `decision_tree`, `logistic_regression`, `svc`.
    pub fn id(self) -> &'static str {
        match self {
            Family::Knn => "knn",
            Family::DecisionTree => "decision_tree",
            Family::LogisticRegression => "logistic_regression",
            Family::Svc => "svc",
            Family::GradientBoosting => "gradient_boosting",
        }
    }

    /// The family with identifier `id`.
    pub fn parse(id: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.id() == id)
    }

    /// The reader's name: «kNN», «дерево решений», «логистическая регрессия», «SVC».
    pub fn name_ru(self) -> &'static str {
        match self {
            Family::Knn => crate::labels::FAMILY_KNN,
            Family::DecisionTree => crate::labels::FAMILY_TREE,
            Family::LogisticRegression => crate::labels::FAMILY_LOGISTIC,
            Family::Svc => crate::labels::FAMILY_SVC,
            Family::GradientBoosting => crate::labels::FAMILY_BOOSTING,
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// A fitted binary classifier in the manner of scikit-learn. Targets are `0`/`1`;
/// probabilities and scores refer to class `1`.
pub trait Classifier {
    /// The model family.
    fn family(&self) -> Family;
    /// Hyper-parameters as a JSON object (what results and tables show).
    fn params(&self) -> serde_json::Map<String, serde_json::Value>;
    /// P(class 1) for every row.
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>>;
    /// A score ordering rows like the probability (a margin or log-odds where the model
    /// has one, else the probability).
    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>>;
}

/// Any of the four families' parameters, by value: what grids enumerate and pipelines
/// hold.
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
    /// Histogram gradient-boosted trees.
    GradientBoosting(Gbdt),
}

/// Any of the four families, fitted. Serialized with the family tag, the parameters and
/// the fitted state side by side (the layout of model files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum FittedModel {
    /// k-nearest neighbours.
    Knn(FittedKnn),
    /// CART decision tree.
    DecisionTree(FittedTree),
    /// L2-regularised logistic regression.
    LogisticRegression(FittedLogistic),
    /// Support-vector classifier.
    Svc(FittedSvc),
    /// Histogram gradient-boosted trees.
    GradientBoosting(FittedGbdt),
}

macro_rules! each {
    ($enum:ident, $self:expr, $m:ident => $e:expr) => {
        match $self {
            $enum::Knn($m) => $e,
            $enum::DecisionTree($m) => $e,
            $enum::LogisticRegression($m) => $e,
            $enum::Svc($m) => $e,
            $enum::GradientBoosting($m) => $e,
        }
    };
}

impl Fit for Model {
    type Fitted = FittedModel;

    fn check(&self) -> Result<()> {
        each!(Model, self, m => m.check())
    }

    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<FittedModel> {
        Ok(match self {
            Model::Knn(m) => FittedModel::Knn(m.fit(x, y)?),
            Model::DecisionTree(m) => FittedModel::DecisionTree(m.fit(x, y)?),
            Model::LogisticRegression(m) => FittedModel::LogisticRegression(m.fit(x, y)?),
            Model::Svc(m) => FittedModel::Svc(m.fit(x, y)?),
            Model::GradientBoosting(m) => FittedModel::GradientBoosting(m.fit(x, y)?),
        })
    }
}

impl Classifier for FittedModel {
    fn family(&self) -> Family {
        each!(FittedModel, self, m => m.family())
    }
    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        each!(FittedModel, self, m => m.params())
    }
    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        each!(FittedModel, self, m => m.predict_proba(x))
    }
    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        each!(FittedModel, self, m => m.decision_function(x))
    }
}

impl FittedModel {
    /// Parameters in one line, e.g. `k=7` or `kernel=rbf, C=1`.
    pub fn params_text(&self) -> String {
        params_text(&self.params())
    }

    /// P(class 1) of every row as it is (column 0) and after each [`Move`] of some
    /// columns (column 1 + v). An RBF SVC shares the squared distances between the moves;
    /// other models score, per move, the rows it changes (the rest keep column 0).
    pub fn predict_proba_moves(&self, x: ArrayView2<f64>, moves: &[Move]) -> Result<Array2<f64>> {
        if let FittedModel::Svc(m) = self {
            return m.predict_proba_moves(x, moves);
        }
        if let FittedModel::GradientBoosting(m) = self
            && let Some(p) = m.predict_proba_moves(x, moves)
        {
            return p;
        }
        let n = x.nrows();
        let base = self.predict_proba(x)?;
        let mut out = Array2::zeros((n, 1 + moves.len()));
        out.column_mut(0).assign(&base);
        for (v, m) in moves.iter().enumerate() {
            // only the rows the move changes are scored again (every model here scores a
            // row on its own, so the others keep their base probability bit for bit)
            let moved = m.apply(x);
            let changed: Vec<usize> = (0..n)
                .filter(|&i| m.cols.iter().any(|&j| moved[[i, j]] != x[[i, j]]))
                .collect();
            if changed.len() == n {
                out.column_mut(1 + v)
                    .assign(&self.predict_proba(moved.view())?);
                continue;
            }
            let mut column = out.column_mut(1 + v);
            column.assign(&base);
            if !changed.is_empty() {
                let p = self.predict_proba(moved.select(ndarray::Axis(0), &changed).view())?;
                for (k, &i) in changed.iter().enumerate() {
                    column[i] = p[k];
                }
            }
        }
        Ok(out)
    }
}

/// Candidates that a search may fit together on one fold: one neighbour search for every
/// k, one deep tree for every depth (same split and leaf sizes), one warm-started C path
/// (same kernel and γ, no probabilities). Exact for kNN and trees; within the solver's
/// tolerance for SVC paths.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkGroup {
    /// kNN of any k.
    Knn,
    /// Trees with these `(min_samples_split, min_samples_leaf)`.
    Tree(usize, usize),
    /// SVCs of this kernel and γ.
    SvcPath(Kernel, Option<f64>),
    /// Boosted trees differing only in `max_iter`: learning rate, leaves, leaf size,
    /// λ and bins.
    Boosting(f64, usize, usize, f64, usize),
}

impl Model {
    /// The model family.
    pub fn family(&self) -> Family {
        match self {
            Model::Knn(_) => Family::Knn,
            Model::DecisionTree(_) => Family::DecisionTree,
            Model::LogisticRegression(_) => Family::LogisticRegression,
            Model::Svc(_) => Family::Svc,
            Model::GradientBoosting(_) => Family::GradientBoosting,
        }
    }

    /// Hyper-parameters as a JSON object.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        each!(Model, self, m => m.params())
    }

    /// Parameters in one line, e.g. `k=7` or `kernel=rbf, C=1`.
    pub fn params_text(&self) -> String {
        params_text(&self.params())
    }

    /// The hyper-parameter a validation curve puts on its x axis (`k`, `max_depth`, `C`)
    /// and, for SVCs, the kernel that tells the curves apart.
    pub fn main_param(&self) -> (f64, Option<Kernel>) {
        match self {
            Model::Knn(m) => (m.k as f64, None),
            Model::DecisionTree(m) => (m.max_depth as f64, None),
            Model::LogisticRegression(m) => (m.c, None),
            Model::Svc(m) => (m.c, Some(m.kernel)),
            Model::GradientBoosting(m) => (m.max_iter as f64, None),
        }
    }

    /// The group of candidates this model can be fitted with in a search, if any.
    pub fn work_group(&self) -> Option<WorkGroup> {
        match self {
            Model::Knn(_) => Some(WorkGroup::Knn),
            Model::DecisionTree(t) => {
                Some(WorkGroup::Tree(t.min_samples_split, t.min_samples_leaf))
            }
            Model::Svc(m) if !m.probability => Some(WorkGroup::SvcPath(m.kernel, m.gamma)),
            Model::GradientBoosting(m) => Some(WorkGroup::Boosting(
                m.learning_rate,
                m.max_leaf_nodes,
                m.min_samples_leaf,
                m.l2_regularization,
                m.max_bins,
            )),
            Model::Svc(_) | Model::LogisticRegression(_) => None,
        }
    }

    /// A rough relative cost of one fit (larger = slower), so a search can start the
    /// heaviest work first: an SVC path 3, an SVC or boosted trees 2, anything shared 1,
    /// other fits 0.
    pub fn cost(&self, shared: bool) -> u8 {
        match (self, shared) {
            (Model::Svc(_), true) => 3,
            (Model::Svc(_), false) | (Model::GradientBoosting(_), _) => 2,
            (Model::Knn(_) | Model::DecisionTree(_) | Model::LogisticRegression(_), true) => 1,
            (Model::Knn(_) | Model::DecisionTree(_) | Model::LogisticRegression(_), false) => 0,
        }
    }

    /// Decision values on `x_valid` of every model in `group` (all of one
    /// [`WorkGroup`]), fitted together on (`x`, `y`); in the order given. A model of
    /// another group, or a group mixing families, is an error for that model.
    pub fn group_decisions(
        group: &[&Model],
        x: ArrayView2<f64>,
        y: &[u8],
        x_valid: ArrayView2<f64>,
    ) -> Vec<Result<Array1<f64>>> {
        let shared = group
            .first()
            .and_then(|m| m.work_group())
            .filter(|k| group.iter().all(|m| m.work_group().as_ref() == Some(k)));
        let Some(key) = shared else {
            return group
                .iter()
                .map(|m| m.fit(x, y).and_then(|f| f.decision_function(x_valid)))
                .collect();
        };
        // The group's parameters of one family (all members share the key's family).
        macro_rules! members {
            ($family:ident) => {
                group
                    .iter()
                    .filter_map(|m| {
                        if let Model::$family(p) = m {
                            Some(p)
                        } else {
                            None
                        }
                    })
                    .collect::<Vec<_>>()
            };
        }
        match key {
            WorkGroup::Knn => Knn::shared_decisions(&members!(Knn), x, y, x_valid),
            WorkGroup::Tree(..) => {
                DecisionTree::shared_decisions(&members!(DecisionTree), x, y, x_valid)
            }
            WorkGroup::SvcPath(..) => Svc::path_decisions(&members!(Svc), x, y, x_valid),
            WorkGroup::Boosting(..) => {
                Gbdt::shared_decisions(&members!(GradientBoosting), x, y, x_valid)
            }
        }
    }
}

/// Decision values on `x_valid` of every model of `group` — models that differ only in one
/// size (a tree's depth, a boosting's trees) — from one fit at the largest size on (`x`,
/// `y`), read at each member's size by `read` (exact when growth is greedy and
/// sequential, as both are). In the order given.
pub(crate) fn shared_by_size<P: Fit + Clone>(
    family: &str,
    group: &[&P],
    size: impl Fn(&P) -> usize,
    with_size: impl Fn(&P, usize) -> P,
    read: impl Fn(&P::Fitted, ArrayView2<f64>, usize) -> Result<Array1<f64>>,
    (x, y, x_valid): (ArrayView2<f64>, &[u8], ArrayView2<f64>),
) -> Vec<Result<Array1<f64>>> {
    let Some(first) = group.first() else {
        return Vec::new();
    };
    let largest = group.iter().map(|m| size(m)).max().unwrap_or(1);
    let full = with_size(first, largest).fit(x, y);
    group
        .iter()
        .map(|m| match &full {
            Ok(f) => read(f, x_valid, size(m)),
            Err(e) => Err(Error::fit(family, e.to_string())),
        })
        .collect()
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
impl From<Gbdt> for Model {
    fn from(m: Gbdt) -> Self {
        Model::GradientBoosting(m)
    }
}

/// Shapes, finiteness and labels of a training set.
pub(crate) fn check_fit_input(x: ArrayView2<f64>, y: &[u8]) -> Result<()> {
    if x.nrows() != y.len() {
        return Err(Error::shape(
            "targets for the feature rows",
            format!("{} (one per row)", x.nrows()),
            y.len(),
        ));
    }
    if let Some(v) = y.iter().find(|v| **v > 1) {
        return Err(Error::parameter("target", v, "0 or 1"));
    }
    if !y.contains(&0) || !y.contains(&1) {
        return Err(Error::fit(
            "model",
            "the training rows must contain both classes",
        ));
    }
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(Error::NotFinite {
            what: "feature matrix".into(),
            row: i,
            column: (j + 1).to_string(),
            value: *v,
        });
    }
    Ok(())
}

/// The error for a feature count different from the one seen in `fit`.
pub(crate) fn check_width(family: &str, expected: usize, x: ArrayView2<f64>) -> Result<()> {
    if x.ncols() == expected {
        Ok(())
    } else {
        Err(Error::shape(
            format!("{family}: features"),
            format!("{expected} (as in fitting)"),
            x.ncols(),
        ))
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

impl Pipeline {
    /// The pipeline for readers: «SVC (C=1.0, RBF-ядро), стандартизация».
    pub fn describe_ru(&self) -> String {
        crate::labels::pipeline_ru(
            self.model.family().name_ru(),
            &params_text(&self.model.params()),
            self.scaler.id(),
        )
    }
}

/// The study's preprocessing with `scaler`, followed by `model` — scikit-learn's
/// `Pipeline([("prep", ColumnTransformer(...)), ("model", ...)])`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Scaler of the numeric columns.
    pub scaler: Scaler,
    /// The model's parameters.
    pub model: Model,
    /// A kernel family (kNN, SVC: fits and predictions grow with the training rows) is
    /// fitted on a seeded stratified subsample of at most this many training rows; other
    /// families use every row. `None`: every row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel_rows: Option<KernelRows>,
}

/// The subsample a kernel family is fitted on when the training rows are many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KernelRows {
    /// At most this many rows.
    pub rows: usize,
    /// Seed of the draw.
    pub seed: u64,
}

impl KernelRows {
    /// The rows to fit on among `y.len()` training rows: all of them when they are few
    /// enough, else a stratified sample of `rows` (each class in its share, rounded; drawn
    /// with the seed's ChaCha8 stream per class), in row order.
    pub fn pick(&self, y: &[u8]) -> Option<Vec<usize>> {
        crate::split::stratified_sample(y, self.rows, self.seed)
    }

    /// `(x, y)` restricted to [`pick`](Self::pick)'s rows, or `None` when all are used.
    pub fn apply(&self, x: ArrayView2<f64>, y: &[u8]) -> Option<(Array2<f64>, Vec<u8>)> {
        let rows = self.pick(y)?;
        Some((
            x.select(ndarray::Axis(0), &rows),
            rows.iter().map(|i| y[*i]).collect(),
        ))
    }
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
    pub model: FittedModel,
}

impl Pipeline {
    /// A pipeline.
    pub fn new(scaler: Scaler, model: impl Into<Model>) -> Self {
        Pipeline {
            scaler,
            model: model.into(),
            kernel_rows: None,
        }
    }

    /// Whether the model is a kernel family (kNN, SVC), whose cost grows with the
    /// training rows.
    pub fn is_kernel(&self) -> bool {
        matches!(self.model, Model::Knn(_) | Model::Svc(_))
    }

    /// The same pipeline fitted on at most `rows` training rows (seeded stratified
    /// subsample) when it is a kernel family; unchanged otherwise.
    pub fn with_kernel_rows(&self, rows: usize, seed: u64) -> Pipeline {
        let mut p = self.clone();
        if p.is_kernel() {
            p.kernel_rows = Some(KernelRows { rows, seed });
        }
        p
    }

    /// The rows the model is fitted on, `(x, y)`, when a subsample applies.
    pub fn fit_subsample(&self, x: ArrayView2<f64>, y: &[u8]) -> Option<(Array2<f64>, Vec<u8>)> {
        self.kernel_rows.filter(|_| self.is_kernel())?.apply(x, y)
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
        if let Some(k) = self.kernel_rows {
            p.insert("fit_rows".into(), k.rows.into());
        }
        p
    }

    /// Fits the preprocessing and then the model on `features` (the model table's
    /// feature columns) and `y`.
    pub fn fit(&self, features: &DataFrame, y: &[u8]) -> Result<FittedPipeline> {
        self.model.check()?;
        let transformer = ColumnTransformer::study(self.scaler.transformer()).fit(features)?;
        let x = transformer.transform(features)?;
        let model = match self.fit_subsample(x.view(), y) {
            Some((xs, ys)) => self.model.fit(xs.view(), &ys)?,
            None => self.model.fit(x.view(), y)?,
        };
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
            return Err(Error::shape(
                "preprocessing output",
                "at least 1 feature",
                0,
            ));
        }
        each!(FittedModel, &self.model, m => m.check_fitted(width))
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
