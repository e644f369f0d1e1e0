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

use std::collections::BinaryHeap;

use ndarray::{Array1, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Classifier, Fit, check_fit_input, check_width};
use crate::error::{Error, Result};
use crate::stats::quantile_sorted;

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
            "gradient_boosting",
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
        check_width("gradient_boosting", f.features, x)?;
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
                source_name: "gradient_boosting".into(),
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

/// The bins of one feature: inner thresholds, bin b holding the values in
/// (threshold[b − 1], threshold[b]].
fn thresholds(column: &[f64], max_bins: usize) -> Vec<f64> {
    let mut sorted = column.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut distinct = sorted.clone();
    distinct.dedup();
    if distinct.len() <= max_bins {
        return distinct
            .windows(2)
            .map(|w| w[0] / 2.0 + w[1] / 2.0)
            .collect();
    }
    let mut t: Vec<f64> = (1..max_bins)
        .map(|k| quantile_sorted(&sorted, k as f64 / max_bins as f64))
        .collect();
    t.dedup();
    // the top value must stay in the last bin
    t.retain(|v| *v < distinct[distinct.len() - 1]);
    t
}

/// (Σ g, Σ h, rows) per bin, every feature's bins one after another (feature f at
/// `offsets[f]..offsets[f + 1]`): one allocation per leaf.
type Hist = Vec<(f64, f64, u32)>;

/// Leaves with at least this many rows fill their features' histograms in parallel;
/// smaller ones in one thread (the fork costs more than the work; same sums either way).
const PARALLEL_HISTOGRAM_ROWS: usize = 4096;

/// A leaf waiting to be split: its rows, histograms per feature, sums and best split.
struct Leaf {
    rows: Vec<u32>,
    hist: Hist,
    g: f64,
    h: f64,
    split: Option<(f64, usize, usize)>, // (gain, feature, last bin going left)
    node: usize,
}

/// Heap entry: the leaf's gain, then the older leaf first on ties.
struct Candidate(f64, std::cmp::Reverse<usize>);

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0).then(self.1.cmp(&other.1))
    }
}

struct Grower<'a> {
    params: &'a Gbdt,
    bins: &'a [Vec<u8>],
    /// Start of each feature's bins in a [`Hist`], and the total at the end.
    offsets: &'a [usize],
    g: &'a [f64],
    h: &'a [f64],
}

impl Grower<'_> {
    fn histograms(&self, rows: &[u32]) -> Hist {
        let total = *self.offsets.last().unwrap_or(&0);
        let mut hist = vec![(0.0, 0.0, 0u32); total];
        let fill = |column: &[u8], part: &mut [(f64, f64, u32)]| {
            for r in rows {
                let r = *r as usize;
                let b = &mut part[usize::from(column[r])];
                b.0 += self.g[r];
                b.1 += self.h[r];
                b.2 += 1;
            }
        };
        let mut parts: Vec<&mut [(f64, f64, u32)]> = Vec::with_capacity(self.bins.len());
        let mut rest = hist.as_mut_slice();
        for w in self.offsets.windows(2) {
            let (part, tail) = rest.split_at_mut(w[1] - w[0]);
            parts.push(part);
            rest = tail;
        }
        if rows.len() >= PARALLEL_HISTOGRAM_ROWS {
            parts
                .into_par_iter()
                .zip(self.bins.par_iter())
                .for_each(|(part, column)| fill(column, part));
        } else {
            for (part, column) in parts.into_iter().zip(self.bins) {
                fill(column, part);
            }
        }
        hist
    }

    /// The bins of feature `f` in `hist`.
    fn feature<'h>(&self, hist: &'h [(f64, f64, u32)], f: usize) -> &'h [(f64, f64, u32)] {
        &hist[self.offsets[f]..self.offsets[f + 1]]
    }

    fn best_split(
        &self,
        hist: &[(f64, f64, u32)],
        g: f64,
        h: f64,
        n: usize,
    ) -> Option<(f64, usize, usize)> {
        let lambda = self.params.l2_regularization;
        let leaf = self.params.min_samples_leaf;
        if n < 2 * leaf {
            return None;
        }
        let parent = g * g / (h + lambda);
        let mut best: Option<(f64, usize, usize)> = None;
        for f in 0..self.bins.len() {
            let bins = self.feature(hist, f);
            let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0usize);
            for (b, (bg, bh, bn)) in bins.iter().enumerate().take(bins.len().saturating_sub(1)) {
                if *bn == 0 {
                    // an empty bin splits the rows as the bin before it did: same gain,
                    // and ties keep the earlier split
                    continue;
                }
                gl += bg;
                hl += bh;
                nl += *bn as usize;
                let nr = n - nl;
                if nl < leaf {
                    continue;
                }
                if nr < leaf {
                    break;
                }
                let (gr, hr) = (g - gl, h - hl);
                if hl < MIN_HESSIAN || hr < MIN_HESSIAN {
                    continue;
                }
                let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent;
                if gain > 0.0 && best.is_none_or(|(bg, ..)| gain > bg) {
                    best = Some((gain, f, b));
                }
            }
        }
        best
    }

    /// One tree on the current gradients; adds each leaf's value to `raw` of its rows.
    fn grow(&self, n: usize, thresholds: &[Vec<f64>], raw: &mut [f64]) -> Vec<GNode> {
        let rows: Vec<u32> = (0..n as u32).collect();
        let hist = self.histograms(&rows);
        let (g, h) = self
            .feature(&hist, 0)
            .iter()
            .fold((0.0, 0.0), |(a, b), (bg, bh, _)| (a + bg, b + bh));
        let mut nodes = vec![GNode {
            feature: 0,
            threshold: 0.0,
            left: 0,
            right: 0,
            value: 0.0,
        }];
        let split = self.best_split(&hist, g, h, rows.len());
        let mut leaves: Vec<Option<Leaf>> = vec![Some(Leaf {
            rows,
            hist,
            g,
            h,
            split,
            node: 0,
        })];
        let mut heap = BinaryHeap::new();
        if let Some((gain, ..)) = split {
            heap.push(Candidate(gain, std::cmp::Reverse(0)));
        }
        let mut count = 1;
        while count < self.params.max_leaf_nodes {
            let Some(Candidate(_, std::cmp::Reverse(k))) = heap.pop() else {
                break;
            };
            let Some(leaf) = leaves[k].take() else {
                continue;
            };
            let Some((_, f, b)) = leaf.split else {
                leaves[k] = Some(leaf);
                continue;
            };
            let column = &self.bins[f];
            let (left, right): (Vec<u32>, Vec<u32>) = leaf
                .rows
                .iter()
                .partition(|r| usize::from(column[**r as usize]) <= b);
            let (small, large_is_left) = if left.len() <= right.len() {
                (&left, false)
            } else {
                (&right, true)
            };
            let small_hist = self.histograms(small);
            let large_hist: Hist = leaf
                .hist
                .iter()
                .zip(&small_hist)
                .map(|(a, c)| (a.0 - c.0, a.1 - c.1, a.2 - c.2))
                .collect();
            let (left_hist, right_hist) = if large_is_left {
                (large_hist, small_hist)
            } else {
                (small_hist, large_hist)
            };
            let sums = |hist: &[(f64, f64, u32)]| {
                self.feature(hist, 0)
                    .iter()
                    .fold((0.0, 0.0), |(a, b), (bg, bh, _)| (a + bg, b + bh))
            };
            let id = nodes.len();
            nodes[leaf.node] = GNode {
                feature: f as u32,
                threshold: thresholds[f][b],
                left: id as u32,
                right: id as u32 + 1,
                value: 0.0,
            };
            for (child, (rows, hist)) in [(left, left_hist), (right, right_hist)]
                .into_iter()
                .enumerate()
            {
                let (g, h) = sums(&hist);
                let split = self.best_split(&hist, g, h, rows.len());
                nodes.push(GNode {
                    feature: 0,
                    threshold: 0.0,
                    left: 0,
                    right: 0,
                    value: 0.0,
                });
                let k = leaves.len();
                if let Some((gain, ..)) = split {
                    heap.push(Candidate(gain, std::cmp::Reverse(k)));
                }
                leaves.push(Some(Leaf {
                    rows,
                    hist,
                    g,
                    h,
                    split,
                    node: id + child,
                }));
            }
            count += 1;
        }
        let lambda = self.params.l2_regularization;
        for leaf in leaves.into_iter().flatten() {
            let value = -self.params.learning_rate * leaf.g / (leaf.h + lambda);
            nodes[leaf.node].value = value;
            for r in &leaf.rows {
                raw[*r as usize] += value;
            }
        }
        nodes
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
        let mut offsets = vec![0usize];
        for t in &cuts {
            offsets.push(offsets[offsets.len() - 1] + t.len() + 1);
        }
        let rate = y.iter().map(|v| f64::from(*v)).sum::<f64>() / n as f64;
        let baseline = (rate / (1.0 - rate)).ln();
        let mut raw = vec![baseline; n];
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n]);
        let mut trees = Vec::with_capacity(self.max_iter);
        for _ in 0..self.max_iter {
            for i in 0..n {
                let q = 1.0 / (1.0 + (-raw[i]).exp());
                g[i] = q - f64::from(y[i]);
                h[i] = q * (1.0 - q);
            }
            let grower = Grower {
                params: self,
                bins: &bins,
                offsets: &offsets,
                g: &g,
                h: &h,
            };
            trees.push(grower.grow(n, &cuts, &mut raw));
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
        Ok(self
            .decision_function(x)?
            .mapv(|r| 1.0 / (1.0 + (-r).exp())))
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
