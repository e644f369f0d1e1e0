//! Histogram gradient-boosted trees for the binary log-loss, in the manner of
//! scikit-learn's `HistGradientBoostingClassifier` (no early stopping, no subsampling):
//! every feature is cut into at most `max_bins` bins once (midpoints between distinct
//! values when there are few, else quantiles); each of `max_iter` trees is grown
//! best-first on the gradients g = p − y and hessians h = p(1 − p) of the current
//! log-odds, splitting the leaf with the largest gain
//! G_L²/(H_L + λ) + G_R²/(H_R + λ) − G²/(H + λ) until `max_leaf_nodes` leaves, each child
//! keeping `min_samples_leaf` rows and a hessian of at least 1e-3; a leaf adds
//! −learning_rate · G/(H + λ). The first prediction is the training log-odds. A node's
//! histogram is built for the smaller child only, the other is the parent's minus it.
//!
//! Why our own: no well-kept pure-Rust crate fits in the study's dependency set (the GBDT
//! crates pull in their own data frames or C++ builds); the algorithm is a few hundred
//! lines, deterministic (no randomness at all; histograms per feature in parallel, each
//! summed in row order), and tested against scikit-learn on the originals.

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Classifier, Fit, check_fit_input, check_width};
use crate::error::{Error, Result};

mod grow;
mod walk;
use grow::{Grower, Layout, thresholds};
pub(crate) use walk::MaskWalker;

/// P(1) from log-odds: the one link of every probability the model gives (its fast
/// paths stay bit for bit equal to `predict_proba` by using it too).
pub(crate) fn probability(raw: f64) -> f64 {
    crate::stats::sigmoid(raw)
}

/// A child's smallest sum of hessians (scikit-learn's `min_hessian_to_split`).
const MIN_HESSIAN: f64 = 1e-3;

/// Gradient-boosted trees on binned features (log-loss).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gbdt {
    /// Shrinkage of every leaf value, in (0, 1].
    pub learning_rate: f64,
    /// Trees (boosting iterations).
    pub max_iter: usize,
    /// Leaves per tree (≥ 2).
    pub max_leaf_nodes: usize,
    /// Rows in every leaf (≥ 1).
    pub min_samples_leaf: usize,
    /// L2 penalty λ on the leaf values (≥ 0).
    pub l2_regularization: f64,
    /// Bins per feature (2…255).
    pub max_bins: usize,
}

impl Default for Gbdt {
    /// scikit-learn's defaults: 0.1, 100 trees, 31 leaves, 20 rows, λ = 0, 255 bins.
    fn default() -> Self {
        Gbdt {
            learning_rate: 0.1,
            max_iter: 100,
            max_leaf_nodes: 31,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            max_bins: 255,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GbdtState {
    features: usize,
    baseline: f64,
    trees: Vec<Vec<GNode>>,
}

/// One node; `left == 0` marks a leaf with `value` (the root is never a child).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
struct GNode {
    feature: u32,
    threshold: f64,
    left: u32,
    right: u32,
    value: f64,
}

/// A fitted [`Gbdt`]: its parameters, the first log-odds and the trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedGbdt {
    /// The parameters it was fitted with.
    #[serde(flatten)]
    pub params: Gbdt,
    fitted: GbdtState,
}

impl Gbdt {
    /// scikit-learn's defaults with these learning rate, trees and leaves.
    pub fn new(learning_rate: f64, max_iter: usize, max_leaf_nodes: usize) -> Self {
        Gbdt {
            learning_rate,
            max_iter,
            max_leaf_nodes,
            ..Gbdt::default()
        }
    }

    /// Hyper-parameters as a JSON object.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("learning_rate".into(), self.learning_rate.into());
        p.insert("max_iter".into(), self.max_iter.into());
        p.insert("max_leaf_nodes".into(), self.max_leaf_nodes.into());
        p.insert("min_samples_leaf".into(), self.min_samples_leaf.into());
        p
    }

    /// Decision values on `x_valid` of every model of `group` (models that differ only in
    /// `max_iter`), from one model with the most trees read after each one's count
    /// (boosting is sequential, so the first k trees are exactly the k-tree model).
    pub(super) fn shared_decisions(
        group: &[&Gbdt],
        x: ArrayView2<f64>,
        y: &[u8],
        x_valid: ArrayView2<f64>,
    ) -> Vec<Result<Array1<f64>>> {
        super::shared_by_size(
            crate::model::Family::GradientBoosting.id(),
            group,
            |m| m.max_iter,
            |m, max_iter| Gbdt {
                max_iter,
                ..m.clone()
            },
            |f, x, trees| f.decision_after(x, trees),
            (x, y, x_valid),
        )
    }
}

impl FittedGbdt {
    /// Trees.
    pub fn trees(&self) -> usize {
        self.fitted.trees.len()
    }

    /// Log-odds of P(1) after the first `trees` trees.
    pub fn decision_after(&self, x: ArrayView2<f64>, trees: usize) -> Result<Array1<f64>> {
        let f = &self.fitted;
        check_width(crate::model::Family::GradientBoosting.id(), f.features, x)?;
        let used = &f.trees[..trees.min(f.trees.len())];
        let walk = |row: ndarray::ArrayView1<f64>| {
            let mut raw = f.baseline;
            for t in used {
                let mut k = 0usize;
                loop {
                    let n = &t[k];
                    if n.left == 0 {
                        raw += n.value;
                        break;
                    }
                    k = if row[n.feature as usize] <= n.threshold {
                        n.left as usize
                    } else {
                        n.right as usize
                    };
                }
            }
            raw
        };
        // Rows in parallel, each on its own: the result does not depend on the threads.
        let out: Vec<f64> = if x.nrows() >= 4096 {
            (0..x.nrows())
                .into_par_iter()
                .map(|i| walk(x.row(i)))
                .collect()
        } else {
            x.rows().into_iter().map(walk).collect()
        };
        Ok(Array1::from(out))
    }

    /// Checks a model read from a file: `width` features, finite values, every split on
    /// an existing feature with children after it (so every walk ends).
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = &self.fitted;
        let bad = |what: String| {
            Err(Error::ModelFile {
                source_name: crate::model::Family::GradientBoosting.id().into(),
                reason: what,
            })
        };
        if f.features != width {
            return Err(Error::shape(
                "gradient_boosting: features",
                format!("{width} (the preprocessing's width)"),
                f.features,
            ));
        }
        if !f.baseline.is_finite() {
            return bad("the first log-odds is not finite".into());
        }
        for (t, nodes) in f.trees.iter().enumerate() {
            if nodes.is_empty() {
                return bad(format!("tree {t} has no nodes"));
            }
            for (i, n) in nodes.iter().enumerate() {
                let ok = if n.left == 0 {
                    n.value.is_finite()
                } else {
                    let (l, r) = (n.left as usize, n.right as usize);
                    l > i
                        && r > i
                        && l < nodes.len()
                        && r < nodes.len()
                        && (n.feature as usize) < width
                        && n.threshold.is_finite()
                };
                if !ok {
                    return bad(format!(
                        "tree {t}, node {i}: expected children after the node, an existing feature and finite values"
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Fit for Gbdt {
    type Fitted = FittedGbdt;

    fn check(&self) -> Result<()> {
        let p = |name: &str, value: String, rule: &str| {
            Err(Error::parameter(
                format!("gradient_boosting.{name}"),
                value,
                rule,
            ))
        };
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return p(
                "learning_rate",
                self.learning_rate.to_string(),
                "a number in (0, 1]",
            );
        }
        if !(1..=10_000).contains(&self.max_iter) {
            return p(
                "max_iter",
                self.max_iter.to_string(),
                "a whole number from 1 to 10000",
            );
        }
        if self.max_leaf_nodes < 2 {
            return p(
                "max_leaf_nodes",
                self.max_leaf_nodes.to_string(),
                "a whole number ≥ 2",
            );
        }
        if self.min_samples_leaf < 1 {
            return p(
                "min_samples_leaf",
                self.min_samples_leaf.to_string(),
                "a whole number ≥ 1",
            );
        }
        if !(self.l2_regularization >= 0.0 && self.l2_regularization.is_finite()) {
            return p(
                "l2_regularization",
                self.l2_regularization.to_string(),
                "a finite number ≥ 0",
            );
        }
        if !(2..=255).contains(&self.max_bins) {
            return p(
                "max_bins",
                self.max_bins.to_string(),
                "a whole number from 2 to 255",
            );
        }
        Ok(())
    }

    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<FittedGbdt> {
        self.check()?;
        check_fit_input(x, y)?;
        let (n, p) = x.dim();
        let columns: Vec<Vec<f64>> = (0..p).map(|j| x.column(j).to_vec()).collect();
        let cuts: Vec<Vec<f64>> = columns
            .par_iter()
            .map(|c| thresholds(c, self.max_bins))
            .collect();
        let bins: Vec<Vec<u8>> = columns
            .par_iter()
            .zip(&cuts)
            .map(|(c, t)| {
                c.iter()
                    .map(|v| t.partition_point(|e| e < v) as u8)
                    .collect()
            })
            .collect();
        let layout = Layout::new(&cuts);
        let mut pool = Vec::new();
        let rate = y.iter().map(|v| f64::from(*v)).sum::<f64>() / n as f64;
        let baseline = (rate / (1.0 - rate)).ln();
        let mut raw = vec![baseline; n];
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n]);
        let mut trees = Vec::with_capacity(self.max_iter);
        for _ in 0..self.max_iter {
            for i in 0..n {
                let q = probability(raw[i]);
                g[i] = q - f64::from(y[i]);
                h[i] = q * (1.0 - q);
            }
            let grower = Grower {
                params: self,
                bins: &bins,
                layout: &layout,
                g: &g,
                h: &h,
            };
            trees.push(grower.grow(n, &cuts, &mut raw, &mut pool));
        }
        Ok(FittedGbdt {
            params: self.clone(),
            fitted: GbdtState {
                features: p,
                baseline,
                trees,
            },
        })
    }
}

impl Classifier for FittedGbdt {
    fn family(&self) -> super::Family {
        super::Family::GradientBoosting
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        self.params.params()
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(self.decision_function(x)?.mapv(probability))
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        self.decision_after(x, usize::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn data(n: usize) -> (Array2<f64>, Vec<u8>) {
        let x = Array2::from_shape_fn((n, 3), |(i, j)| {
            ((i * (7 + j * 6) + j * 13) % 97) as f64 / 97.0
        });
        let y = (0..n)
            .map(|i| u8::from(x[[i, 0]] + 0.5 * x[[i, 1]] > 0.8 || (i % 11 == 0)))
            .collect();
        (x, y)
    }

    #[test]
    fn mask_walks_take_trees_of_at_most_64_inner_nodes() {
        // distinct values and noisy labels: trees grow to every leaf allowed
        let x = Array2::from_shape_fn((3000, 3), |(i, j)| ((i * 7919 + j * 104_729) % 3001) as f64);
        let y: Vec<u8> = (0..3000)
            .map(|i| ((i * 2_654_435_761usize) >> 7) as u8 & 1)
            .collect();
        let fit = |leaves| {
            Gbdt {
                min_samples_leaf: 2,
                ..Gbdt::new(0.1, 2, leaves)
            }
            .fit(x.view(), &y)
            .unwrap()
        };
        let (small, large) = (fit(65), fit(90));
        assert!(small.fitted.trees.iter().all(|t| t.len() == 2 * 65 - 1));
        assert!(large.fitted.trees.iter().all(|t| t.len() == 2 * 90 - 1));
        assert!(MaskWalker::new(&small, &[vec![0], vec![1, 2]]).is_some());
        assert!(MaskWalker::new(&large, &[vec![0], vec![1, 2]]).is_none());
        assert!(MaskWalker::new(&small, &[vec![0], vec![3]]).is_none());
    }

    #[test]
    fn boosting_learns_and_staged_models_equal_shorter_fits() {
        let (x, y) = data(400);
        let m = Gbdt::new(0.1, 40, 8).fit(x.view(), &y).unwrap();
        assert_eq!(m.trees(), 40);
        let p = m.predict_proba(x.view()).unwrap();
        let auc = crate::metrics::roc_auc(&y, p.as_slice().unwrap()).unwrap();
        assert!(auc > 0.95, "{auc}");
        // the first log-odds is the training rate's
        let rate = y.iter().map(|v| f64::from(*v)).sum::<f64>() / 400.0;
        let zero = m.decision_after(x.view(), 0).unwrap();
        assert!((zero[0] - (rate / (1.0 - rate)).ln()).abs() < 1e-12);
        for k in [1, 10, 25] {
            let short = Gbdt::new(0.1, k, 8).fit(x.view(), &y).unwrap();
            assert_eq!(
                short.decision_function(x.view()).unwrap(),
                m.decision_after(x.view(), k).unwrap()
            );
        }
        // every tree keeps its leaf bound
        assert!(
            m.fitted
                .trees
                .iter()
                .all(|t| t.iter().filter(|n| n.left == 0).count() <= 8)
        );
        assert!(m.check_fitted(3).is_ok());
    }

    #[test]
    fn min_samples_leaf_and_bad_parameters() {
        let (x, y) = data(60);
        // 40 rows per leaf of 60: no split is possible, every tree is a single leaf
        let m = Gbdt {
            min_samples_leaf: 40,
            ..Gbdt::new(0.1, 3, 31)
        }
        .fit(x.view(), &y)
        .unwrap();
        assert!(m.fitted.trees.iter().all(|t| t.len() == 1));
        for (g, name) in [
            (
                Gbdt {
                    learning_rate: 0.0,
                    ..Gbdt::default()
                },
                "learning_rate",
            ),
            (
                Gbdt {
                    max_iter: 0,
                    ..Gbdt::default()
                },
                "max_iter",
            ),
            (
                Gbdt {
                    max_leaf_nodes: 1,
                    ..Gbdt::default()
                },
                "max_leaf_nodes",
            ),
            (
                Gbdt {
                    max_bins: 300,
                    ..Gbdt::default()
                },
                "max_bins",
            ),
        ] {
            assert!(g.check().unwrap_err().to_string().contains(name));
        }
    }

    #[test]
    fn bins_are_midpoints_for_few_values_and_quantiles_for_many() {
        assert_eq!(thresholds(&[1.0, 2.0, 2.0, 4.0], 255), vec![1.5, 3.0]);
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        let t = thresholds(&many, 10);
        assert_eq!(t.len(), 9);
        assert!(t.windows(2).all(|w| w[0] < w[1]));
    }
}
