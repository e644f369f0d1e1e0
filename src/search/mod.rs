//! Model selection as scikit-learn does it, faster: a stratified train/test split,
//! stratified k-fold cross-validation on the training part, grid and randomized search
//! over pipelines (scaler × model × hyper-parameters) scored by ROC-AUC, a leaderboard,
//! and the refit of the best pipeline.
//!
//! Candidates × folds run in parallel (rayon); every fit is deterministic and results are
//! collected in candidate order, so they do not depend on the number of threads.
//! Candidates that differ only in `k` (kNN) or `max_depth` (tree) share one neighbour
//! search / one deep tree per fold and scaler — an exact shortcut (see
//! [`Knn::neighbour_labels`](crate::model::Knn::neighbour_labels),
//! [`DecisionTree::predict_proba_at_depth`](crate::model::DecisionTree::predict_proba_at_depth));
//! SVCs that differ only in C share kernel rows and warm-start along the C path
//! ([`Svc::fit_path`](crate::model::Svc::fit_path); equal to cold starts within the
//! solver's tolerance). [`SearchOptions::share_work`] turns all of it off.

mod cv;
mod grid;
mod selection;

/// The splits live below the models ([`crate::split`]: Platt scaling uses folds too);
/// re-exported here, where a search reads them.
pub use crate::split::{
    sample_table, stratified_kfold, stratified_sample, take_rows, train_test_split,
};
pub use cv::{
    CvResult, HalvingRound, SearchOptions, SearchResult, cross_val_fit, cross_val_predict,
    cross_val_predict_with_progress, cross_validate, halving_rounds, halving_search,
};
pub use grid::{
    LOGISTIC_C, SVC_C, family_grid, grid_table, random_candidates, random_pipeline, study_grid,
};

/// Best mean CV ROC-AUC per family from scikit-learn 1.9.1's `GridSearchCV` on the
/// original data's training part (seed 42), with the study grid and our folds: a
/// reference measured once with scikit-learn (printed by `ONECLICK_DATA=../shared/data/real
/// cargo bench --bench search`); valid only for the originals.
pub const SKLEARN_BEST_CV_ORIGINALS: [(crate::model::Family, f64); 4] = [
    (crate::model::Family::Knn, 0.9104176),
    (crate::model::Family::DecisionTree, 0.8787679),
    (crate::model::Family::LogisticRegression, 0.9078648),
    (crate::model::Family::Svc, 0.9175728),
];
pub use selection::{FamilyBest, ModelSelection, SelectionOptions};
