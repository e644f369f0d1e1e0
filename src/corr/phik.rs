//! The φK kernel on a contingency table (layer 1) and on arrays of codes (layer 2).

use crate::stats::{bvn_cdf, norm_cdf};

// ---------------------------------------------------------------------------------------
// The normal-space grid

/// Cell probabilities of a standard bivariate normal with correlation `rho` on the grid
/// `xs × ys` (edges), row-major.
fn grid_probabilities(xs: &[f64], ys: &[f64], rho: f64) -> Vec<f64> {
    let (r, c) = (xs.len() - 1, ys.len() - 1);
    let mut cdf = vec![0.0; xs.len() * ys.len()];
    for (i, &x) in xs.iter().enumerate() {
        for (j, &y) in ys.iter().enumerate() {
            cdf[i * ys.len() + j] = if rho >= 1.0 {
                norm_cdf(x.min(y))
            } else {
                bvn_cdf(x, y, rho)
            };
        }
    }
    let at = |i: usize, j: usize| cdf[i * ys.len() + j];
    let mut p = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            p[i * c + j] = (at(i + 1, j + 1) - at(i, j + 1) - at(i + 1, j) + at(i, j)).max(0.0);
        }
    }
    p
}

fn linspace(a: f64, b: f64, n: usize) -> Vec<f64> {
    let step = (b - a) / (n - 1) as f64;
    let mut v: Vec<f64> = (0..n).map(|i| a + i as f64 * step).collect();
    v[n - 1] = b;
    v
}

// ---------------------------------------------------------------------------------------
// Layer 1: the kernel on a contingency table

/// Pearson χ² of a table with independence expectations; Yates-corrected for 2×2.
pub fn pearson_chi2(counts: &[f64], rows: usize, cols: usize) -> f64 {
    statistic(counts, rows, cols, false)
}

/// Log-likelihood statistic G = 2 Σ O ln(O/E); Yates-corrected counts for 2×2.
pub fn g_statistic(counts: &[f64], rows: usize, cols: usize) -> f64 {
    statistic(counts, rows, cols, true)
}

fn statistic(counts: &[f64], rows: usize, cols: usize, log_likelihood: bool) -> f64 {
    let n: f64 = counts.iter().sum();
    if n <= 0.0 || rows < 2 || cols < 2 {
        return 0.0;
    }
    let row: Vec<f64> = (0..rows)
        .map(|i| counts[i * cols..(i + 1) * cols].iter().sum())
        .collect();
    let col: Vec<f64> = (0..cols)
        .map(|j| (0..rows).map(|i| counts[i * cols + j]).sum())
        .collect();
    let yates = rows == 2 && cols == 2;
    let mut s = 0.0;
    for i in 0..rows {
        for j in 0..cols {
            let e = row[i] * col[j] / n;
            if e <= 0.0 {
                continue;
            }
            let mut o = counts[i * cols + j];
            if yates {
                let shift = (e - o).abs().min(0.5);
                o += if e > o { shift } else { -shift };
            }
            if log_likelihood {
                if o > 0.0 {
                    s += 2.0 * o * (o / e).ln();
                }
            } else {
                s += (o - e) * (o - e) / e;
            }
        }
    }
    s
}

/// The normal-space curve of one table shape: `p_0`, `D(1)` and the grid.
struct Shape {
    xs: Vec<f64>,
    ys: Vec<f64>,
    p0: Vec<f64>,
    d1: f64,
}

impl Shape {
    fn new(rows: usize, cols: usize) -> Shape {
        let xs = linspace(-5.0, 5.0, rows + 1);
        let ys = linspace(-5.0, 5.0, cols + 1);
        let p0 = grid_probabilities(&xs, &ys, 0.0);
        let mut s = Shape {
            xs,
            ys,
            p0,
            d1: 0.0,
        };
        s.d1 = s.distance(1.0);
        s
    }

    /// D(ρ) = Σ (p_ρ − p_0)² / p_0.
    fn distance(&self, rho: f64) -> f64 {
        grid_probabilities(&self.xs, &self.ys, rho)
            .iter()
            .zip(&self.p0)
            .filter(|(_, p0)| **p0 > 0.0)
            .map(|(p, p0)| (p - p0) * (p - p0) / p0)
            .sum()
    }
}

/// φK of an r×c table of counts (row-major). Rows and columns that are all zero are
/// ignored; a table with fewer than two occupied rows or columns gives NaN.
pub fn phik_from_table(counts: &[f64], rows: usize, cols: usize, noise_correction: bool) -> f64 {
    let (table, r, c) = occupied(counts, rows, cols);
    if r < 2 || c < 2 {
        return f64::NAN;
    }
    let n: f64 = table.iter().sum();
    let chi2 = pearson_chi2(&table, r, c);
    let pedestal = if noise_correction {
        ((r - 1) * (c - 1)) as f64
    } else {
        0.0
    };
    let chi2_max = n * (r.min(c) - 1) as f64;
    if chi2 <= pedestal {
        return 0.0;
    }
    if chi2 >= chi2_max * (1.0 - 1e-12) {
        return 1.0;
    }
    let shape = Shape::new(r, c);
    let target = (chi2 - pedestal) / (chi2_max - pedestal) * shape.d1;
    // D(ρ) increases on [0, 1]: find D(ρ) = target by bisection refined with secants.
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    let (mut flo, mut fhi) = (-target, shape.d1 - target);
    for _ in 0..60 {
        let mid = if fhi > flo {
            (lo - flo * (hi - lo) / (fhi - flo)).clamp(lo + (hi - lo) * 0.05, hi - (hi - lo) * 0.05)
        } else {
            0.5 * (lo + hi)
        };
        let f = shape.distance(mid) - target;
        if f < 0.0 {
            lo = mid;
            flo = f;
        } else {
            hi = mid;
            fhi = f;
        }
        if hi - lo < 1e-9 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The table without all-zero rows and columns, and its shape.
pub(super) fn occupied(counts: &[f64], rows: usize, cols: usize) -> (Vec<f64>, usize, usize) {
    let keep_r: Vec<usize> = (0..rows)
        .filter(|&i| counts[i * cols..(i + 1) * cols].iter().any(|v| *v > 0.0))
        .collect();
    let keep_c: Vec<usize> = (0..cols)
        .filter(|&j| (0..rows).any(|i| counts[i * cols + j] > 0.0))
        .collect();
    let mut out = Vec::with_capacity(keep_r.len() * keep_c.len());
    for &i in &keep_r {
        for &j in &keep_c {
            out.push(counts[i * cols + j]);
        }
    }
    (out, keep_r.len(), keep_c.len())
}

// ---------------------------------------------------------------------------------------
// Layer 2: arrays

/// Uniform bin codes (0-based) of `values` in `bins` equal bins over [min, max], computed
/// exactly as the reference library does: the lowest edge is `min − max(1e-14·|min|,
/// f64::MIN_POSITIVE)`, inner edges `i·step + start`, bins closed on the right.
/// Values on an inner edge therefore fall into the upper bin.
pub fn bin_uniform(values: &[f64], bins: usize) -> Vec<u32> {
    let (min, max) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if !min.is_finite() || bins == 0 {
        return vec![0; values.len()];
    }
    let start = min - (1e-14 * min.abs()).max(f64::MIN_POSITIVE);
    let step = (max - start) / bins as f64;
    let mut edges: Vec<f64> = (0..bins).map(|i| i as f64 * step + start).collect();
    edges.push(max);
    values
        .iter()
        .map(|&v| {
            // number of edges strictly below v, minus one = right-closed bin index
            let k = edges.partition_point(|e| *e < v);
            (k.clamp(1, bins) - 1) as u32
        })
        .collect()
}

/// Dense codes 0..k of arbitrary keys, in order of first appearance.
pub fn codes_of<T: std::hash::Hash + Eq + Clone>(values: &[T]) -> Vec<u32> {
    let mut map = std::collections::HashMap::new();
    values
        .iter()
        .map(|v| {
            let next = map.len() as u32;
            *map.entry(v.clone()).or_insert(next)
        })
        .collect()
}

pub(super) fn crosstab(x: &[u32], y: &[u32]) -> (Vec<f64>, usize, usize) {
    let r = x.iter().copied().max().map_or(0, |m| m as usize + 1);
    let c = y.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut t = vec![0.0; r * c];
    for (&a, &b) in x.iter().zip(y) {
        t[a as usize * c + b as usize] += 1.0;
    }
    occupied(&t, r, c)
}

/// φK of two arrays of category codes (same length).
pub fn phik_from_codes(x: &[u32], y: &[u32]) -> f64 {
    let (t, r, c) = crosstab(x, y);
    phik_from_table(&t, r, c, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binning_reproduces_the_reference_edges() {
        // Длительность of the cleaned originals spans 121..=1079; the reference library's
        // first two inner edges are 216.79999999999893 and 312.59999999999906 (numpy
        // linspace from 121 − 1.21e-12), so 216.8 falls into the second bin, not the first.
        let v = [121.0, 216.79999999999893, 216.8, 312.59999999999906, 1079.0];
        assert_eq!(bin_uniform(&v, 10), vec![0, 0, 1, 1, 9]);
        // exact edges: 0..=10 in 10 bins puts 1.0 on the first inner edge, closed on the right
        let w: Vec<f64> = (0..=10).map(f64::from).collect();
        let b = bin_uniform(&w, 10);
        assert_eq!((b[0], b[1], b[2], b[10]), (0, 0, 1, 9));
    }

    #[test]
    fn independent_table_gives_zero_and_diagonal_one() {
        let t = [25.0, 25.0, 25.0, 25.0];
        assert_eq!(phik_from_table(&t, 2, 2, true), 0.0);
        // a 3×3 diagonal reaches the maximum χ² (no Yates correction beyond 2×2)
        let d = [30.0, 0.0, 0.0, 0.0, 30.0, 0.0, 0.0, 0.0, 30.0];
        assert_eq!(phik_from_table(&d, 3, 3, true), 1.0);
        assert!(phik_from_table(&[1.0, 2.0], 1, 2, true).is_nan());
    }
}
