//! A gradient-boosting model along walks of masks (permutation SHAP): each tree's inner
//! nodes as bits of a word, so a row's way through a tree is a word of directions, and a
//! step of the walk changes a tree's leaf only if it turns a node on the tree's current
//! path — one AND per tree and step instead of a descent. The same idea scores what-if
//! moves: a move re-descends only the trees whose way tests one of its columns.

use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

use super::{FittedGbdt, GNode};
use crate::error::Result;
use crate::model::Move;

/// The trees of a [`FittedGbdt`] with at most 64 inner nodes each, indexed for walks over
/// feature groups.
pub(crate) struct MaskWalker<'a> {
    model: &'a FittedGbdt,
    /// Per tree and node: the inner node's bit (leaves: unused).
    bits: Vec<Vec<u8>>,
    /// Per tree and group: the inner nodes that test one of the group's features.
    group_nodes: Vec<Vec<u64>>,
    /// Per tree: the inner nodes that test a feature of some group.
    grouped: Vec<u64>,
}

impl<'a> MaskWalker<'a> {
    /// `None` if a tree has more than 64 inner nodes or a group names a feature the
    /// model does not have.
    pub(crate) fn new(model: &'a FittedGbdt, groups: &[Vec<usize>]) -> Option<Self> {
        let f = &model.fitted;
        if groups.iter().flatten().any(|j| *j >= f.features) {
            return None;
        }
        let mut group_of = vec![usize::MAX; f.features];
        for (g, members) in groups.iter().enumerate() {
            for &j in members {
                group_of[j] = g;
            }
        }
        let (mut bits, mut group_nodes, mut grouped) = (Vec::new(), Vec::new(), Vec::new());
        for tree in &f.trees {
            let mut b = vec![0u8; tree.len()];
            let mut per_group = vec![0u64; groups.len()];
            let mut all = 0u64;
            let mut next = 0usize;
            for (k, n) in tree.iter().enumerate() {
                if n.left == 0 {
                    continue;
                }
                if next == 64 {
                    return None;
                }
                b[k] = next as u8;
                let g = group_of[n.feature as usize];
                if g != usize::MAX {
                    per_group[g] |= 1 << next;
                    all |= 1 << next;
                }
                next += 1;
            }
            bits.push(b);
            group_nodes.push(per_group);
            grouped.push(all);
        }
        Some(MaskWalker {
            model,
            bits,
            group_nodes,
            grouped,
        })
    }

    /// Per tree: the inner nodes where `row` goes left (`row[j] <= threshold`, as the
    /// model's own descent compares).
    pub(crate) fn directions(&self, row: ArrayView1<f64>) -> Vec<u64> {
        self.model
            .fitted
            .trees
            .iter()
            .zip(&self.bits)
            .map(|(tree, bits)| {
                tree.iter()
                    .zip(bits)
                    .filter(|(n, _)| n.left != 0 && row[n.feature as usize] <= n.threshold)
                    .fold(0u64, |d, (_, b)| d | 1 << b)
            })
            .collect()
    }

    /// Per tree: the directions of a row that takes the grouped features from `grouped`
    /// and the others from `rest`.
    pub(crate) fn mix(&self, grouped: &[u64], rest: &[u64]) -> Vec<u64> {
        self.grouped
            .iter()
            .zip(grouped.iter().zip(rest))
            .map(|(g, (a, b))| (a & g) | (b & !g))
            .collect()
    }

    /// Log-odds along a walk: the row going `start`'s ways, then with the features of
    /// `order[0]`'s group going `target`'s ways, then `order[1]`'s too, …
    /// (`order.len() + 1` values; each tree's leaves added in tree order, so each value is
    /// bit for bit the model's log-odds of that row).
    pub(crate) fn walk(&self, start: &[u64], target: &[u64], order: &[usize]) -> Vec<f64> {
        let f = &self.model.fitted;
        let mut raw = vec![f.baseline; order.len() + 1];
        for (t, tree) in f.trees.iter().enumerate() {
            let (bits, nodes) = (&self.bits[t], &self.group_nodes[t]);
            let differ = start[t] ^ target[t];
            let mut moved = 0u64;
            let ways = |moved: u64| (target[t] & moved) | (start[t] & !moved);
            let (mut value, mut path) = descend(tree, bits, ways(moved));
            raw[0] += value;
            for (out, &g) in raw[1..].iter_mut().zip(order) {
                moved |= nodes[g];
                if path & differ & nodes[g] != 0 {
                    (value, path) = descend(tree, bits, ways(moved));
                }
                *out += value;
            }
        }
        raw
    }
}

/// The leaf value a row going `ways` reaches, and the inner nodes on its way.
fn descend(tree: &[GNode], bits: &[u8], ways: u64) -> (f64, u64) {
    let (mut k, mut path) = (0usize, 0u64);
    loop {
        let n = &tree[k];
        if n.left == 0 {
            return (n.value, path);
        }
        let b = bits[k];
        path |= 1 << b;
        k = if ways >> b & 1 == 1 {
            n.left as usize
        } else {
            n.right as usize
        };
    }
}

impl FittedGbdt {
    /// P(1) of every row as it is (column 0) and after each move (column 1 + v), bit for
    /// bit the probabilities of the moved rows: each row's trees are descended once,
    /// remembering which features each way tests, and a move re-descends only the trees
    /// whose way tests one of its columns (the others keep their leaf). `None` when the
    /// model has more than 64 features or a move names a column it does not have (the
    /// caller's general path then applies).
    pub(crate) fn predict_proba_moves(
        &self,
        x: ArrayView2<f64>,
        moves: &[Move],
    ) -> Option<Result<Array2<f64>>> {
        let f = &self.fitted;
        let bad = |m: &Move| {
            m.cols.iter().any(|&j| j >= f.features)
                || m.target.len() < m.cols.len()
                || m.step.as_ref().is_some_and(|s| s.len() < m.cols.len())
        };
        if f.features > 64 || moves.iter().any(bad) {
            return None;
        }
        if let Err(e) =
            super::check_width(crate::model::Family::GradientBoosting.id(), f.features, x)
        {
            return Some(Err(e));
        }
        let masks: Vec<u64> = moves
            .iter()
            .map(|m| m.cols.iter().fold(0u64, |a, &j| a | 1 << j))
            .collect();
        // the leaf value of `row` in `tree` and the features its way tests
        let descend = |tree: &[GNode], row: &[f64]| {
            let (mut k, mut tested) = (0usize, 0u64);
            loop {
                let n = &tree[k];
                if n.left == 0 {
                    return (n.value, tested);
                }
                let j = n.feature as usize;
                tested |= 1 << j;
                k = if row[j] <= n.threshold {
                    n.left as usize
                } else {
                    n.right as usize
                };
            }
        };
        let width = 1 + moves.len();
        let score = |(leaves, moved): &mut (Vec<(f64, u64)>, Vec<f64>),
                     (i, out): (usize, &mut [f64])| {
            let row = x.row(i);
            moved.clear();
            moved.extend(row.iter());
            leaves.clear();
            let mut raw = f.baseline;
            for tree in &f.trees {
                let leaf = descend(tree, moved);
                raw += leaf.0;
                leaves.push(leaf);
            }
            let base = super::probability(raw);
            out[0] = base;
            for ((m, mask), out) in moves.iter().zip(&masks).zip(&mut out[1..]) {
                let mut changed = false;
                for (k, &j) in m.cols.iter().enumerate() {
                    moved[j] = m.value(k, row[j]);
                    changed |= moved[j] != row[j];
                }
                if changed {
                    let mut raw = f.baseline;
                    for (tree, &(value, tested)) in f.trees.iter().zip(leaves.iter()) {
                        raw += if tested & mask == 0 {
                            value
                        } else {
                            descend(tree, moved).0
                        };
                    }
                    *out = super::probability(raw);
                } else {
                    *out = base;
                }
                for &j in &m.cols {
                    moved[j] = row[j];
                }
            }
        };
        // rows in parallel, each written into its own row of the result
        let mut out = vec![0.0; x.nrows() * width];
        out.par_chunks_mut(width)
            .enumerate()
            .for_each_init(|| (Vec::new(), Vec::new()), score);
        Some(
            Array2::from_shape_vec((x.nrows(), width), out).map_err(|e| {
                crate::error::Error::shape(
                    "what-if probabilities",
                    x.nrows() * width,
                    e.to_string(),
                )
            }),
        )
    }
}
