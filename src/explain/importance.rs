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
use crate::metrics::{roc_auc, roc_auc_weighted};
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
    /// Decision values of the explained rows with nothing shuffled.
    pub baseline_scores: Vec<f64>,
    /// Per feature and repeat, the decision values with that shuffle.
    pub shuffled_scores: Vec<Vec<Vec<f64>>>,
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
    let baseline_scores = model.model.decision_function(x.view())?.to_vec();
    let baseline = roc_auc(y, &baseline_scores)?;
    let names: Vec<String> = features
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let groups = groups(model, &names)?;
    let shuffled_scores: Vec<Vec<Vec<f64>>> = groups
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
                    Ok(model.model.decision_function(xp.view())?.to_vec())
                })
                .collect::<Result<Vec<Vec<f64>>>>()
        })
        .collect::<Result<_>>()?;
    let scores: Vec<Vec<f64>> = shuffled_scores
        .iter()
        .map(|f| {
            f.iter()
                .map(|s| Ok(baseline - roc_auc(y, s)?))
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
        baseline_scores,
        shuffled_scores,
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

    /// The standard error of each feature's mean drop over the explained customers
    /// themselves (in feature order): `replicates` bootstrap resamples of the customers
    /// (seeded, resample `b` from stream `b`), each re-scoring the stored decision values
    /// of every shuffle, the standard deviation (denominator B − 1) of the resampled mean
    /// drops. It says how much the ranking would move with another sample of customers of
    /// the same size; the `std` column only says how much it moves with another shuffle.
    pub fn bootstrap_std_error(&self, y: &[u8], replicates: usize, seed: u64) -> Result<Vec<f64>> {
        if replicates < 2 {
            return Err(Error::parameter("replicates", replicates, "at least 2"));
        }
        let n = self.baseline_scores.len();
        if y.len() != n {
            return Err(Error::parameter(
                "y",
                format!("{} labels", y.len()),
                format!("one per explained customer ({n})"),
            ));
        }
        let order = |s: &[f64]| {
            let mut o: Vec<usize> = (0..n).collect();
            o.sort_by(|&a, &b| s[a].total_cmp(&s[b]));
            o
        };
        let base_order = order(&self.baseline_scores);
        let orders: Vec<Vec<Vec<usize>>> = self
            .shuffled_scores
            .par_iter()
            .map(|f| f.iter().map(|s| order(s)).collect())
            .collect();
        let drops: Vec<Vec<f64>> = (0..replicates)
            .into_par_iter()
            .map(|b| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(b as u64);
                let mut weight = vec![0u32; n];
                for _ in 0..n {
                    weight[rand::Rng::gen_range(&mut rng, 0..n)] += 1;
                }
                let base = roc_auc_weighted(y, &self.baseline_scores, &base_order, &weight);
                self.shuffled_scores
                    .iter()
                    .zip(&orders)
                    .map(|(f, o)| {
                        let d: f64 = f
                            .iter()
                            .zip(o)
                            .map(|(s, o)| base - roc_auc_weighted(y, s, o, &weight))
                            .sum();
                        d / f.len() as f64
                    })
                    .collect()
            })
            .collect();
        Ok((0..self.features.len())
            .map(|j| {
                let v: Vec<f64> = drops
                    .iter()
                    .map(|d| d[j])
                    .filter(|x| x.is_finite())
                    .collect();
                crate::stats::sample_std(&v, crate::stats::mean(&v))
            })
            .collect())
    }

    /// The ranking with the bootstrap standard error over customers
    /// ([`bootstrap_std_error`](Self::bootstrap_std_error)) and a 95 % normal interval.
    pub fn sampling_table(&self, y: &[u8], replicates: usize, seed: u64) -> Result<Table> {
        let se = self.bootstrap_std_error(y, replicates, seed)?;
        let rows = self
            .ranking()
            .into_iter()
            .map(|r| {
                let j = self
                    .features
                    .iter()
                    .position(|f| *f == r.feature)
                    .unwrap_or(0);
                let [error, interval] = super::error_cells(r.mean, se[j]);
                vec![
                    r.feature,
                    format!("{:.4}", r.mean),
                    format!("{:.4}", r.std),
                    error,
                    interval,
                ]
            })
            .collect();
        Ok(Table::from_rows(
            labels::IMPORTANCE_SAMPLING_HEADERS
                .map(String::from)
                .to_vec(),
            rows,
        )
        .title(labels::importance_sampling_title(
            self.baseline_scores.len(),
            replicates,
        )))
    }
}
