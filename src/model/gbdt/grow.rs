//! Growing one tree of [`Gbdt`](super::Gbdt): the feature bins, per-leaf histograms
//! (the smaller child's built, the larger one's the parent's minus it) and best-first
//! splitting by gain.

use std::collections::BinaryHeap;
use std::ops::Range;

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

/// One bin's (Σ g, Σ h, rows).
type Bin = (f64, f64, u32);

/// Where each feature's bins lie in a [`Hist`]: feature f's bins at
/// `offsets[f]..offsets[f + 1]` and its marks in the words `words[f]..words[f + 1]`.
pub(super) struct Layout {
    offsets: Vec<usize>,
    words: Vec<usize>,
}

impl Layout {
    /// The layout of features cut at `cuts` (feature f has `cuts[f].len() + 1` bins).
    pub(super) fn new(cuts: &[Vec<f64>]) -> Self {
        let (mut offsets, mut words) = (vec![0], vec![0]);
        for t in cuts {
            let bins = t.len() + 1;
            offsets.push(offsets[offsets.len() - 1] + bins);
            words.push(words[words.len() - 1] + bins.div_ceil(64));
        }
        Layout { offsets, words }
    }
}

/// A leaf's histograms, every feature's bins one after another in one allocation, and a
/// mark per bin that may hold something: an empty bin splits the rows as the bin before
/// it did, so a split scans only the marked bins (the same sums in the same order), and
/// a buffer goes back to the pool clean by zeroing only those. A fresh histogram marks
/// its non-empty bins; a parent turned into its larger child keeps the marks of bins
/// still holding rows (and, for the first feature, whose sums give the leaf's totals,
/// every mark: a bin emptied by the subtraction may keep a rounding residue that the
/// totals have always included).
pub(super) struct Hist {
    bins: Vec<Bin>,
    marks: Vec<u64>,
}

/// Calls `visit(b)` for every marked bin `b` of one feature in increasing order until it
/// returns `false`.
#[inline]
fn each_mark(marks: &[u64], mut visit: impl FnMut(usize) -> bool) {
    for (w, word) in marks.iter().enumerate() {
        let mut m = *word;
        while m != 0 {
            let b = w * 64 + m.trailing_zeros() as usize;
            m &= m - 1;
            if !visit(b) {
                return;
            }
        }
    }
}

/// Leaves with at least this many rows fill their features' histograms in parallel;
/// smaller ones in one thread (the fork costs more than the work; same sums either way).
const PARALLEL_HISTOGRAM_ROWS: usize = 4096;

/// Features whose histograms one pass over a leaf's rows fills.
const FILL_GROUP: usize = 4;

/// A leaf waiting to be split: its rows (a range of the tree's row order), histograms
/// per feature, sums and best split.
struct Leaf {
    rows: Range<usize>,
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
    pub(super) layout: &'a Layout,
    pub(super) g: &'a [f64],
    pub(super) h: &'a [f64],
}

impl Grower<'_> {
    /// The histograms of `rows`, in a clean buffer from `pool` (or a new one).
    fn histograms(&self, rows: &[u32], pool: &mut Vec<Hist>) -> Hist {
        let Layout { offsets, words } = self.layout;
        let mut hist = pool.pop().unwrap_or_else(|| Hist {
            bins: vec![(0.0, 0.0, 0); offsets[offsets.len() - 1]],
            marks: vec![0; words[words.len() - 1]],
        });
        // Features four at a time in one pass over the rows: each bin's sums still add
        // its rows in row order, and the four features' additions overlap (one feature's
        // few bins make a chain of dependent additions otherwise).
        let fill = |group: &mut [(&mut [Bin], &mut [u64], &[u8])]| {
            for r in rows {
                let r = *r as usize;
                let (g, h) = (self.g[r], self.h[r]);
                for (part, marks, column) in group.iter_mut() {
                    let b = usize::from(column[r]);
                    let bin = &mut part[b];
                    bin.0 += g;
                    bin.1 += h;
                    bin.2 += 1;
                    marks[b / 64] |= 1 << (b % 64);
                }
            }
        };
        let mut parts: Vec<(&mut [Bin], &mut [u64], &[u8])> = Vec::with_capacity(self.bins.len());
        let (mut rest, mut rest_marks) = (hist.bins.as_mut_slice(), hist.marks.as_mut_slice());
        for ((o, w), column) in offsets.windows(2).zip(words.windows(2)).zip(self.bins) {
            let (part, tail) = rest.split_at_mut(o[1] - o[0]);
            let (marks, marks_tail) = rest_marks.split_at_mut(w[1] - w[0]);
            parts.push((part, marks, column));
            rest = tail;
            rest_marks = marks_tail;
        }
        if rows.len() >= PARALLEL_HISTOGRAM_ROWS {
            parts.par_chunks_mut(FILL_GROUP).for_each(fill);
        } else {
            parts.chunks_mut(FILL_GROUP).for_each(fill);
        }
        hist
    }

    /// Turns the parent's `hist` into its larger child's: minus the smaller child's
    /// `small`, bin by marked bin (an unmarked bin is zero in both).
    fn subtract(&self, hist: &mut Hist, small: &Hist) {
        let Layout { offsets, words } = self.layout;
        for f in 0..self.bins.len() {
            let bins = &mut hist.bins[offsets[f]..offsets[f + 1]];
            let minus = &small.bins[offsets[f]..offsets[f + 1]];
            for (w, word) in hist.marks[words[f]..words[f + 1]].iter_mut().enumerate() {
                let mut m = *word;
                while m != 0 {
                    let bit = m.trailing_zeros();
                    m &= m - 1;
                    let b = w * 64 + bit as usize;
                    let (a, c) = (&mut bins[b], minus[b]);
                    a.0 -= c.0;
                    a.1 -= c.1;
                    a.2 -= c.2;
                    if a.2 == 0 && f > 0 {
                        *a = (0.0, 0.0, 0);
                        *word &= !(1 << bit);
                    }
                }
            }
        }
    }

    /// Zeroes the marked bins and the marks of `hist`, and puts it in `pool`.
    fn release(&self, mut hist: Hist, pool: &mut Vec<Hist>) {
        let Layout { offsets, words } = self.layout;
        for f in 0..self.bins.len() {
            let bins = &mut hist.bins[offsets[f]..offsets[f + 1]];
            each_mark(&hist.marks[words[f]..words[f + 1]], |b| {
                bins[b] = (0.0, 0.0, 0);
                true
            });
        }
        hist.marks.fill(0);
        pool.push(hist);
    }

    /// Σ g and Σ h of a leaf: over the first feature's marked bins, in bin order (an
    /// unmarked bin is +0.0, which leaves a sum as it is).
    fn sums(&self, hist: &Hist) -> (f64, f64) {
        let Layout { offsets, words } = self.layout;
        let bins = &hist.bins[offsets[0]..offsets[1]];
        let (mut g, mut h) = (0.0, 0.0);
        each_mark(&hist.marks[words[0]..words[1]], |b| {
            g += bins[b].0;
            h += bins[b].1;
            true
        });
        (g, h)
    }

    fn best_split(&self, hist: &Hist, g: f64, h: f64, n: usize) -> Option<(f64, usize, usize)> {
        let lambda = self.params.l2_regularization;
        let leaf = self.params.min_samples_leaf;
        if n < 2 * leaf {
            return None;
        }
        let Layout { offsets, words } = self.layout;
        let parent = g * g / (h + lambda);
        let mut best: Option<(f64, usize, usize)> = None;
        for f in 0..self.bins.len() {
            let bins = &hist.bins[offsets[f]..offsets[f + 1]];
            let last = bins.len() - 1;
            let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0usize);
            // Only marked bins: an empty bin splits the rows as the bin before it did
            // (same gain, and ties keep the earlier split). The last bin sends every row
            // left.
            each_mark(&hist.marks[words[f]..words[f + 1]], |b| {
                if b >= last {
                    return false;
                }
                let (bg, bh, bn) = bins[b];
                if bn == 0 {
                    return true;
                }
                gl += bg;
                hl += bh;
                nl += bn as usize;
                let nr = n - nl;
                if nl < leaf {
                    return true;
                }
                if nr < leaf {
                    return false;
                }
                let (gr, hr) = (g - gl, h - hl);
                if hl < MIN_HESSIAN || hr < MIN_HESSIAN {
                    return true;
                }
                let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parent;
                if gain > 0.0 && best.is_none_or(|(bg, ..)| gain > bg) {
                    best = Some((gain, f, b));
                }
                true
            });
        }
        best
    }

    /// One tree on the current gradients; adds each leaf's value to `raw` of its rows.
    /// Histogram buffers come from `pool` and go back to it clean.
    pub(super) fn grow(
        &self,
        n: usize,
        thresholds: &[Vec<f64>],
        raw: &mut [f64],
        pool: &mut Vec<Hist>,
    ) -> Vec<GNode> {
        // Each leaf's rows lie together in `order`, in row order; a split partitions its
        // range stably, the right-hand rows through `spill`.
        let mut order: Vec<u32> = (0..n as u32).collect();
        let mut spill: Vec<u32> = Vec::with_capacity(n);
        let rows = 0..n;
        let hist = self.histograms(&order, pool);
        let (g, h) = self.sums(&hist);
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
            let Range { start, end } = leaf.rows;
            spill.clear();
            let mut cut = start;
            for k in start..end {
                let r = order[k];
                if usize::from(column[r as usize]) <= b {
                    order[cut] = r;
                    cut += 1;
                } else {
                    spill.push(r);
                }
            }
            order[cut..end].copy_from_slice(&spill);
            let (left, right) = (start..cut, cut..end);
            let small_is_left = left.len() <= right.len();
            let small = if small_is_left { &left } else { &right };
            let small_hist = self.histograms(&order[small.clone()], pool);
            let mut large_hist = leaf.hist;
            self.subtract(&mut large_hist, &small_hist);
            let (left_hist, right_hist) = if small_is_left {
                (small_hist, large_hist)
            } else {
                (large_hist, small_hist)
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
                let (g, h) = self.sums(&hist);
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
            for r in &order[leaf.rows.clone()] {
                raw[*r as usize] += value;
            }
            self.release(leaf.hist, pool);
        }
        nodes
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// Every bin's sums over `rows`, densely, in row order.
    fn dense(bins: &[Vec<u8>], layout: &Layout, g: &[f64], h: &[f64], rows: &[u32]) -> Vec<Bin> {
        let mut out = vec![(0.0, 0.0, 0); layout.offsets[layout.offsets.len() - 1]];
        for (f, column) in bins.iter().enumerate() {
            for r in rows {
                let bin = &mut out[layout.offsets[f] + usize::from(column[*r as usize])];
                bin.0 += g[*r as usize];
                bin.1 += h[*r as usize];
                bin.2 += 1;
            }
        }
        out
    }

    /// The split scan over every bin (the marks' reference).
    fn dense_split(grower: &Grower, hist: &[Bin], n: usize) -> Option<(f64, usize, usize)> {
        let offsets = &grower.layout.offsets;
        let (g, h) = hist[offsets[0]..offsets[1]]
            .iter()
            .fold((0.0, 0.0), |(a, b), c| (a + c.0, b + c.1));
        let (lambda, leaf) = (
            grower.params.l2_regularization,
            grower.params.min_samples_leaf,
        );
        let parent = g * g / (h + lambda);
        let mut best: Option<(f64, usize, usize)> = None;
        for f in 0..grower.bins.len() {
            let bins = &hist[offsets[f]..offsets[f + 1]];
            let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0);
            for (b, (bg, bh, bn)) in bins[..bins.len() - 1].iter().enumerate() {
                if *bn == 0 {
                    continue;
                }
                (gl, hl, nl) = (gl + bg, hl + bh, nl + *bn as usize);
                if nl < leaf {
                    continue;
                }
                if n - nl < leaf {
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

    /// Marked histograms, the larger child by subtraction, their totals and best splits
    /// equal the dense computation bit for bit (a subtracted bin compared with the
    /// parent's dense sums minus the child's, as the former code did), and buffers go
    /// back to the pool all zero.
    #[test]
    fn marked_histograms_equal_the_dense_ones() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let n = 2 * PARALLEL_HISTOGRAM_ROWS; // the first histograms filled in parallel
        let cards = [2usize, 3, 70, 200, 255, 2, 17];
        let cuts: Vec<Vec<f64>> = cards.iter().map(|c| vec![0.0; c - 1]).collect();
        let layout = Layout::new(&cuts);
        let bins: Vec<Vec<u8>> = cards
            .iter()
            .map(|c| (0..n).map(|_| rng.gen_range(0..*c) as u8).collect())
            .collect();
        let g: Vec<f64> = (0..n).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let h: Vec<f64> = (0..n).map(|_| rng.gen_range(0.01..0.25)).collect();
        let params = Gbdt {
            min_samples_leaf: 5,
            ..Gbdt::default()
        };
        let grower = Grower {
            params: &params,
            bins: &bins,
            layout: &layout,
            g: &g,
            h: &h,
        };
        let mut pool = Vec::new();
        let mut rows: Vec<u32> = (0..n as u32).collect();
        let mut hist = grower.histograms(&rows, &mut pool);
        let mut reference = dense(&bins, &layout, &g, &h, &rows);
        // Peel off a random third of the rows again and again: the parent turns into the
        // larger child each time, as down a tree's larger branch.
        while rows.len() > 20 {
            let (sg, sh) = grower.sums(&hist);
            let f0 = &reference[layout.offsets[0]..layout.offsets[1]];
            let (rg, rh) = f0.iter().fold((0.0, 0.0), |(a, b), c| (a + c.0, b + c.1));
            assert_eq!((sg.to_bits(), sh.to_bits()), (rg.to_bits(), rh.to_bits()));
            assert_eq!(
                grower.best_split(&hist, sg, sh, rows.len()),
                dense_split(&grower, &reference, rows.len())
            );
            for (k, (a, b)) in hist.bins.iter().zip(&reference).enumerate() {
                if b.2 > 0 {
                    assert_eq!(
                        (a.0.to_bits(), a.1.to_bits(), a.2),
                        (b.0.to_bits(), b.1.to_bits(), b.2),
                        "bin {k}"
                    );
                }
            }
            let (small, large): (Vec<u32>, Vec<u32>) =
                rows.iter().partition(|_| rng.gen_bool(1.0 / 3.0));
            let small_hist = grower.histograms(&small, &mut pool);
            let small_dense = dense(&bins, &layout, &g, &h, &small);
            grower.subtract(&mut hist, &small_hist);
            for (a, c) in reference.iter_mut().zip(&small_dense) {
                *a = (a.0 - c.0, a.1 - c.1, a.2 - c.2);
            }
            grower.release(small_hist, &mut pool);
            rows = large;
        }
        grower.release(hist, &mut pool);
        for buffer in &pool {
            assert!(buffer.bins.iter().all(|b| *b == (0.0, 0.0, 0)));
            assert!(buffer.marks.iter().all(|m| *m == 0));
        }
    }
}
