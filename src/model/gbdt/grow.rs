//! Growing one tree of [`Gbdt`](super::Gbdt): the feature bins, per-leaf histograms
//! (the smaller child's built, the larger one's the parent's minus it) and best-first
//! splitting by gain.

use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::{GNode, Gbdt, MIN_HESSIAN};
use crate::stats::quantile_sorted;

/// The bins of one feature: inner thresholds, bin b holding the values in
/// (threshold[b − 1], threshold[b]].
pub(super) fn thresholds(column: &[f64], max_bins: usize) -> Vec<f64> {
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

pub(super) struct Grower<'a> {
    pub(super) params: &'a Gbdt,
    pub(super) bins: &'a [Vec<u8>],
    /// Start of each feature's bins in a [`Hist`], and the total at the end.
    pub(super) offsets: &'a [usize],
    pub(super) g: &'a [f64],
    pub(super) h: &'a [f64],
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
    pub(super) fn grow(&self, n: usize, thresholds: &[Vec<f64>], raw: &mut [f64]) -> Vec<GNode> {
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
