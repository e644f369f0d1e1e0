//! A CART decision tree (Gini) whose leaves keep their class counts.

use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, Fit, check_fit_input, check_width};
use crate::error::{Error, Result};

/// Values closer than this are not split apart (scikit-learn's `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;

/// A CART classification tree with the Gini criterion and scikit-learn's stopping rules
/// (`DecisionTreeClassifier(max_depth, min_samples_split, min_samples_leaf)`):
/// a node is split only if it is impure, shallower than `max_depth`, has at least
/// `min_samples_split` rows, and a split exists leaving `min_samples_leaf` rows on each
/// side; thresholds are midpoints between neighbouring distinct values within the node.
/// P(1) is the leaf's share of class 1. Equally good splits: the lower feature index,
/// then the lower threshold (scikit-learn breaks such ties at random).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    /// Maximum depth (the root has depth 0).
    pub max_depth: usize,
    /// Minimum rows in a node for it to be split (≥ 2).
    pub min_samples_split: usize,
    /// Minimum rows in each child of a split (≥ 1).
    pub min_samples_leaf: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TreeState {
    features: usize,
    nodes: Vec<Node>,
}

/// A fitted [`DecisionTree`]: its parameters and nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedTree {
    /// The parameters it was fitted with.
    #[serde(flatten)]
    pub params: DecisionTree,
    fitted: TreeState,
}

/// One node; `left == 0` marks a leaf (the root is never a child).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    feature: usize,
    threshold: f64,
    left: usize,
    right: usize,
    depth: usize,
    positives: usize,
    samples: usize,
}

impl DecisionTree {
    /// A tree with these parameters.
    pub fn new(max_depth: usize, min_samples_split: usize, min_samples_leaf: usize) -> Self {
        DecisionTree {
            max_depth,
            min_samples_split,
            min_samples_leaf,
        }
    }

    /// Hyper-parameters as a JSON object.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("max_depth".into(), self.max_depth.into());
        p.insert("min_samples_split".into(), self.min_samples_split.into());
        p.insert("min_samples_leaf".into(), self.min_samples_leaf.into());
        p
    }

    /// Decision values (= P(1)) on `x_valid` of every tree of `group` (trees that differ
    /// only in `max_depth`), from one tree grown to the largest depth on (`x`, `y`) and
    /// cut at each depth ([`FittedTree::predict_proba_at_depth`], exact). In the order
    /// given.
    pub(super) fn shared_decisions(
        group: &[&DecisionTree],
        x: ArrayView2<f64>,
        y: &[u8],
        x_valid: ArrayView2<f64>,
    ) -> Vec<Result<Array1<f64>>> {
        super::shared_by_size(
            crate::model::Family::DecisionTree.id(),
            group,
            |t| t.max_depth,
            |t, max_depth| DecisionTree {
                max_depth,
                ..t.clone()
            },
            |f, x, depth| f.predict_proba_at_depth(x, depth),
            (x, y, x_valid),
        )
    }
}

impl FittedTree {
    /// Depth of the tree.
    pub fn depth(&self) -> usize {
        self.fitted.nodes.iter().map(|n| n.depth).max().unwrap_or(0)
    }

    /// Number of leaves.
    pub fn leaves(&self) -> usize {
        self.fitted.nodes.iter().filter(|n| n.left == 0).count()
    }

    /// P(1) as if the tree had been fitted with `max_depth = depth` (and the same other
    /// parameters): growth is greedy and top-down, so the shallower tree is exactly this
    /// tree cut at `depth`. Lets a search fit one deep tree per fold for a whole depth axis.
    pub fn predict_proba_at_depth(&self, x: ArrayView2<f64>, depth: usize) -> Result<Array1<f64>> {
        let f = &self.fitted;
        check_width(crate::model::Family::DecisionTree.id(), f.features, x)?;
        Ok(x.rows()
            .into_iter()
            .map(|row| {
                let mut k = 0;
                loop {
                    let n = &f.nodes[k];
                    if n.left == 0 || n.depth >= depth {
                        return n.positives as f64 / n.samples as f64;
                    }
                    k = if row[n.feature] <= n.threshold {
                        n.left
                    } else {
                        n.right
                    };
                }
            })
            .collect())
    }
}

impl FittedTree {
    /// Checks a tree read from a file: `width` features, every split on an existing
    /// feature with a finite threshold, children after their parent (so every walk
    /// ends), 0 ≤ positives ≤ samples > 0 in every node.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = &self.fitted;
        let bad = |i: usize, what: &str| {
            Err(Error::ModelFile {
                source_name: crate::model::Family::DecisionTree.id().into(),
                reason: format!("node {i}: {what}"),
            })
        };
        if f.features != width {
            return Err(Error::shape(
                "decision_tree: features",
                format!("{width} (the preprocessing's width)"),
                f.features,
            ));
        }
        if f.nodes.is_empty() {
            return bad(0, "the tree has no nodes");
        }
        for (i, n) in f.nodes.iter().enumerate() {
            if n.samples == 0 || n.positives > n.samples {
                return bad(i, "expected 0 ≤ positives ≤ samples and samples > 0");
            }
            if n.left != 0 {
                let children_ok =
                    n.left > i && n.right > i && n.left < f.nodes.len() && n.right < f.nodes.len();
                if !children_ok || n.feature >= width || !n.threshold.is_finite() {
                    return bad(
                        i,
                        "expected children after the node, an existing feature and a finite threshold",
                    );
                }
            }
        }
        Ok(())
    }
}

/// The best split of one node: (proxy score, feature, position in the sorted order, threshold).
type Split = (f64, usize, usize, f64);

impl Fit for DecisionTree {
    type Fitted = FittedTree;

    fn check(&self) -> Result<()> {
        if self.min_samples_split < 2 {
            return Err(Error::parameter(
                "decision_tree.min_samples_split",
                self.min_samples_split,
                "a whole number ≥ 2",
            ));
        }
        if self.min_samples_leaf < 1 {
            return Err(Error::parameter(
                "decision_tree.min_samples_leaf",
                self.min_samples_leaf,
                "a whole number ≥ 1",
            ));
        }
        Ok(())
    }

    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<FittedTree> {
        self.check()?;
        check_fit_input(x, y)?;
        let (n, p) = x.dim();
        // Per feature, the node's rows sorted by that feature (presorted once, then
        // partitioned stably at each split).
        let mut sorted: Vec<Vec<usize>> = (0..p)
            .map(|j| {
                let mut idx: Vec<usize> = (0..n).collect();
                idx.sort_by(|a, b| x[[*a, j]].total_cmp(&x[[*b, j]]).then(a.cmp(b)));
                idx
            })
            .collect();
        // A node is the range lo..hi of every feature's order; a split partitions each
        // range stably in place (through one scratch buffer), left part first.
        let mut nodes = Vec::new();
        let mut stack = vec![(0usize, n, 0usize, usize::MAX, false)]; // (lo, hi, depth, parent, is_right)
        let mut goes_left = vec![false; n];
        let mut scratch: Vec<usize> = Vec::with_capacity(n);
        while let Some((lo, hi, depth, parent, is_right)) = stack.pop() {
            let rows = &sorted[0][lo..hi];
            let samples = rows.len();
            let positives = rows.iter().filter(|i| y[**i] == 1).count();
            let id = nodes.len();
            nodes.push(Node {
                feature: 0,
                threshold: 0.0,
                left: 0,
                right: 0,
                depth,
                positives,
                samples,
            });
            if parent != usize::MAX {
                if is_right {
                    nodes[parent].right = id;
                } else {
                    nodes[parent].left = id;
                }
            }
            let leaf = depth >= self.max_depth
                || samples < self.min_samples_split
                || samples < 2 * self.min_samples_leaf
                || positives == 0
                || positives == samples;
            if leaf {
                continue;
            }
            let Some((_, feature, pos, threshold)) =
                self.best_split(x, y, &sorted, lo..hi, positives)
            else {
                continue;
            };
            for (k, i) in sorted[feature][lo..hi].iter().enumerate() {
                goes_left[*i] = k < pos;
            }
            for s in sorted.iter_mut() {
                let seg = &mut s[lo..hi];
                scratch.clear();
                let mut l = 0;
                for k in 0..seg.len() {
                    let i = seg[k];
                    if goes_left[i] {
                        seg[l] = i;
                        l += 1;
                    } else {
                        scratch.push(i);
                    }
                }
                seg[l..].copy_from_slice(&scratch);
            }
            nodes[id].feature = feature;
            nodes[id].threshold = threshold;
            // Right pushed first so the left subtree is numbered first.
            stack.push((lo + pos, hi, depth + 1, id, true));
            stack.push((lo, lo + pos, depth + 1, id, false));
        }
        Ok(FittedTree {
            params: self.clone(),
            fitted: TreeState { features: p, nodes },
        })
    }
}

impl Classifier for FittedTree {
    fn family(&self) -> super::Family {
        super::Family::DecisionTree
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        self.params.params()
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        self.predict_proba_at_depth(x, usize::MAX)
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        self.predict_proba(x)
    }
}

impl DecisionTree {
    /// Scans every feature's sorted order for the split maximising Σ_children Σ_class c²/n
    /// (equivalent to the largest Gini decrease).
    fn best_split(
        &self,
        x: ArrayView2<f64>,
        y: &[u8],
        sorted: &[Vec<usize>],
        range: std::ops::Range<usize>,
        positives: usize,
    ) -> Option<Split> {
        let leaf = self.min_samples_leaf;
        let mut best: Option<Split> = None;
        for (j, s) in sorted.iter().enumerate() {
            let s = &s[range.clone()];
            let n = s.len();
            if x[[s[n - 1], j]] <= x[[s[0], j]] + FEATURE_THRESHOLD {
                continue; // constant within the node
            }
            let mut left_pos = 0usize;
            for pos in 1..n {
                left_pos += usize::from(y[s[pos - 1]] == 1);
                if pos < leaf || n - pos < leaf {
                    continue;
                }
                let (a, b) = (x[[s[pos - 1], j]], x[[s[pos], j]]);
                if b <= a + FEATURE_THRESHOLD {
                    continue;
                }
                let (nl, nr) = (pos as f64, (n - pos) as f64);
                let (lp, rp) = (left_pos as f64, (positives - left_pos) as f64);
                let (ln, rn) = (nl - lp, nr - rp);
                let score = (lp * lp + ln * ln) / nl + (rp * rp + rn * rn) / nr;
                if best.is_none_or(|(bs, ..)| score > bs) {
                    let mut threshold = a / 2.0 + b / 2.0;
                    if threshold == b || !threshold.is_finite() {
                        threshold = a;
                    }
                    best = Some((score, j, pos, threshold));
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn splits_at_midpoints_and_reports_leaf_shares() {
        // x0 separates perfectly at 2.5; x1 is noise
        let x = array![[1.0, 5.0], [2.0, 1.0], [3.0, 4.0], [4.0, 2.0], [5.0, 3.0]];
        let y = [0, 0, 1, 1, 1];
        let t = DecisionTree::new(3, 2, 1).fit(x.view(), &y).unwrap();
        assert_eq!(t.depth(), 1);
        assert_eq!(t.leaves(), 2);
        let p = t
            .predict_proba(array![[2.5, 0.0], [2.6, 0.0]].view())
            .unwrap();
        assert_eq!(p.to_vec(), vec![0.0, 1.0]);
        // depth 0 → the root's share
        let p0 = t
            .predict_proba_at_depth(array![[1.0, 0.0]].view(), 0)
            .unwrap();
        assert_eq!(p0[0], 0.6);
        // min_samples_leaf = 3 forbids every split of 5 rows
        let t = DecisionTree::new(3, 2, 3).fit(x.view(), &y).unwrap();
        assert_eq!(t.leaves(), 1);
    }

    #[test]
    fn truncated_tree_equals_a_shallower_fit() {
        let x = ndarray::Array2::from_shape_fn((60, 3), |(i, j)| ((i * 7 + j * 13) % 17) as f64);
        let y: Vec<u8> = (0..60)
            .map(|i| u8::from((i * 5 + i / 7) % 3 == 0))
            .collect();
        let deep = DecisionTree::new(8, 2, 1).fit(x.view(), &y).unwrap();
        for d in 1..6 {
            let shallow = DecisionTree::new(d, 2, 1).fit(x.view(), &y).unwrap();
            assert_eq!(
                shallow.predict_proba(x.view()).unwrap(),
                deep.predict_proba_at_depth(x.view(), d).unwrap()
            );
        }
    }
}
