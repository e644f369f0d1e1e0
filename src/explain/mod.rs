//! Why the model predicts what it predicts: permutation importance (scikit-learn's
//! semantics) and permutation SHAP (the algorithm of `shap.PermutationExplainer`), per
//! source feature.
//!
//! Both work on a [`FittedPipeline`]. Permuting a source column before the pipeline is the
//! same as permuting its transformed columns together (the transformation is row-wise), so
//! both transform once and then work on the matrix. SHAP masks a source feature's
//! transformed columns together (a category's indicator columns move as one), so every
//! masked input is a real customer profile and the values are per source feature.
//!
//! | file | owns |
//! |---|---|
//! | `importance.rs` | [`permutation_importance`] → [`PermutationImportance`] |
//! | `explanation.rs` | [`Explanation`]: values, base values, data; tables and charts |
//! | `shap.rs` | [`permutation_shap`], [`ShapOptions`], [`exact_shapley`] (the brute-force check) |
//! | `walk.rs` | the masked-walk evaluator, with the factorised fast path for RBF SVCs |

mod explanation;
mod importance;
mod shap;
mod walk;

pub use explanation::{Explanation, MeanAbs};

/// How the study measures what drives the predictions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportanceOptions {
    /// Shuffles per feature in permutation importance. Default 10.
    pub repeats: usize,
    /// Seed of the shuffles. Default 42.
    pub seed: u64,
    /// Permutation SHAP: background rows (default 50), evaluations per row (default 200),
    /// seed (default 42).
    pub shap: ShapOptions,
    /// Test customers explained: all of them up to this many, else a seeded stratified
    /// sample of this many (with `seed`). Default 2000.
    pub max_rows: usize,
}

impl Default for ImportanceOptions {
    fn default() -> Self {
        ImportanceOptions {
            repeats: 10,
            seed: 42,
            shap: ShapOptions::default(),
            max_rows: 2000,
        }
    }
}

impl crate::checked::Checked<ImportanceOptions> {
    /// SHAP's options, checked with these.
    pub fn shap(&self) -> crate::checked::Checked<ShapOptions> {
        crate::checked::Checked::part(self.shap.clone())
    }
}

impl crate::checked::Check for ImportanceOptions {
    /// Checks the options, naming the one that is wrong: at least one repeat, valid SHAP
    /// options.
    fn check(&self) -> Result<()> {
        if self.repeats == 0 {
            return Err(Error::parameter("importance.repeats", 0, "at least 1"));
        }
        if self.max_rows < 100 {
            return Err(Error::parameter(
                "importance.max_rows",
                self.max_rows,
                "at least 100 customers",
            ));
        }
        self.shap.check()
    }
}

pub use importance::{FeatureDrop, PermutationImportance, permutation_importance};
pub use shap::{
    ShapOptions, background_rows, exact_shapley, permutation_shap, permutation_shap_with_progress,
};

use crate::error::{Error, Result};
use crate::model::FittedPipeline;

/// The transformed columns of each source feature, in `names` order.
pub(crate) fn groups(model: &FittedPipeline, names: &[String]) -> Result<Vec<Vec<usize>>> {
    let sources = model.transformer.sources();
    names
        .iter()
        .map(|n| {
            let cols: Vec<usize> = (0..sources.len()).filter(|j| &sources[*j] == n).collect();
            if cols.is_empty() {
                Err(Error::UnknownColumn {
                    what: "inputs of the fitted pipeline".into(),
                    column: n.clone(),
                    known: {
                        let mut s = sources.clone();
                        s.dedup();
                        s
                    },
                })
            } else {
                Ok(cols)
            }
        })
        .collect()
}

/// The rows an explanation covers, as positions into `y`: all of them when there are at
/// most `max_rows`, else a seeded sample of `max_rows` stratified by the label (each
/// class keeps its share), sorted. The study explains these (permutation importance with
/// `ImportanceOptions::max_rows`, SHAP with `ShapOptions::max_rows` of those), and so
/// does notebook 07.
pub fn explained_rows(y: &[u8], max_rows: usize, seed: u64) -> Vec<usize> {
    crate::split::stratified_sample(y, max_rows, seed).unwrap_or_else(|| (0..y.len()).collect())
}

/// The standard error and the 95 % normal interval of an estimate, as table cells
/// (four decimals): `["0.0090", "[0.0111; 0.0465]"]`.
pub(crate) fn error_cells(estimate: f64, std_error: f64) -> [String; 2] {
    let half = 1.959_963_984_540_054 * std_error;
    [
        format!("{std_error:.4}"),
        format!("[{:.4}; {:.4}]", estimate - half, estimate + half),
    ]
}
