//! Permutation importance with scikit-learn's semantics.

use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::groups;
use crate::display::{Figure, Table};
use crate::error::{Error, Result};
use crate::labels;
use crate::metrics::roc_auc;
use crate::model::{Classifier, FittedPipeline};

/// The drop of ROC-AUC when one feature is shuffled (`results.json` →
/// `importance.permutation[]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FeatureDrop {
    /// Source feature.
    pub feature: String,
    /// Mean drop of ROC-AUC over the repeats.
    pub mean: f64,
    /// Its (population) standard deviation.
    pub std: f64,
}

/// Drops in ROC-AUC when one source feature is shuffled.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationImportance {
    /// Source features, in the frame's order.
    pub features: Vec<String>,
    /// ROC-AUC with nothing shuffled.
    pub baseline: f64,
    /// Per feature, the drop in ROC-AUC of each repeat.
    pub scores: Vec<Vec<f64>>,
    /// Mean drop per feature.
    pub mean: Vec<f64>,
    /// Standard deviation of the drops (population, as scikit-learn).
    pub std: Vec<f64>,
}

/// Permutation importance as `sklearn.inspection.permutation_importance` with
/// `scoring="roc_auc"`: for each source feature, `n_repeats` shuffles of its column (the
/// `r`-th shuffle of every feature seeded by (`seed`, feature)), the drop of ROC-AUC of the
/// decision function. Features are processed in parallel; results do not depend on it.
pub fn permutation_importance(
    model: &FittedPipeline,
    features: &DataFrame,
    y: &[u8],
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    if n_repeats == 0 {
        return Err(Error::parameter("n_repeats", n_repeats, "at least 1"));
    }
    let x = model.transform(features)?;
    let baseline = roc_auc(y, &model.model.decision_function(x.view())?.to_vec())?;
    let names: Vec<String> = features
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let groups = groups(model, &names)?;
    let scores: Vec<Vec<f64>> = groups
        .par_iter()
        .enumerate()
        .map(|(f, cols)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(f as u64);
            let mut order: Vec<usize> = (0..x.nrows()).collect();
            (0..n_repeats)
                .map(|_| {
                    order.shuffle(&mut rng);
                    let mut xp = x.clone();
                    for &c in cols {
                        let col = x.column(c);
                        for (i, &src) in order.iter().enumerate() {
                            xp[[i, c]] = col[src];
                        }
                    }
                    let s = model.model.decision_function(xp.view())?.to_vec();
                    Ok(baseline - roc_auc(y, &s)?)
                })
                .collect::<Result<Vec<f64>>>()
        })
        .collect::<Result<_>>()?;
    let (mean, std) = scores.iter().map(|s| crate::stats::mean_std(s)).unzip();
    Ok(PermutationImportance {
        features: names,
        baseline,
        scores,
        mean,
        std,
    })
}

impl PermutationImportance {
    /// `(feature, mean, std)`, largest mean first.
    pub fn ranking(&self) -> Vec<FeatureDrop> {
        let mut r: Vec<FeatureDrop> = (0..self.features.len())
            .map(|i| FeatureDrop {
                feature: self.features[i].clone(),
                mean: self.mean[i],
                std: self.std[i],
            })
            .collect();
        r.sort_by(|a, b| b.mean.total_cmp(&a.mean));
        r
    }

    /// The ranking as a table.
    pub fn table(&self) -> Table {
        let rows = self
            .ranking()
            .into_iter()
            .map(|r| vec![r.feature, format!("{:.4}", r.mean), format!("{:.4}", r.std)])
            .collect();
        Table::from_rows(labels::IMPORTANCE_HEADERS.map(String::from).to_vec(), rows).title(
            labels::importance_title(self.baseline, self.scores.first().map_or(0, Vec::len)),
        )
    }

    /// Horizontal bars of the mean drop with ±std error bars.
    pub fn figure(&self) -> Result<Figure> {
        let r = self.ranking();
        crate::plot::importance_bars(
            &r.iter()
                .map(|r| (r.feature.clone(), r.mean, r.std))
                .collect::<Vec<_>>(),
            labels::IMPORTANCE_FIGURE_TITLE,
            labels::IMPORTANCE_FIGURE_AXIS,
        )
    }
}
