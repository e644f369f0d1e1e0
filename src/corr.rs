//! Correlation: φK (phik) with significance, Spearman and Pearson matrices, VIF.
//!
//! φK (Baak, Koopman, Snoek, Klous 2018, arXiv:1811.11440) measures the association of
//! any two variables — categorical, ordinal or interval — on a 0..1 scale that equals
//! |ρ| for a bivariate normal. The API is layered like the reference library:
//!
//! 1. [`phik_from_table`] — the kernel, on an r×c contingency table;
//! 2. [`phik_from_codes`] — on two arrays of category codes (interval variables binned
//!    first with [`bin_uniform`]);
//! 3. [`PhikMatrix::compute`] — on a frame, every pair, with the significance matrix.
//!
//! The kernel: the observed Pearson χ² (Yates-corrected for 2×2 tables, as
//! `scipy.stats.chi2_contingency` does) is compared with the χ² that a bivariate normal
//! with correlation ρ would give on an r×c grid of equal cells over [-5, 5]², scaled so
//! that ρ = 0 gives the noise pedestal (r−1)(c−1) and ρ = 1 the maximum n·(min(r,c)−1);
//! φK is the ρ at which they meet. Only occupied rows and columns count.
//!
//! Significance: the log-likelihood statistic G of the table gives a p-value from the χ²
//! distribution — with the nominal degrees of freedom ([`Significance::Asymptotic`]) or
//! with effective ones, the mean G of tables simulated under independence
//! ([`Significance::Hybrid`], the reference library's default) — reported as a one-sided
//! Z-score.

use polars::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

use crate::display::Table;
use crate::error::{Error, Result};
use crate::stats::{norm_cdf, norm_ppf, pearson, ranks};

// ---------------------------------------------------------------------------------------
// Bivariate normal

/// Gauss–Legendre nodes in (−1, 0) and their weights for an `n`-point rule (n even).
fn gauss_legendre_half(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n / 2);
    for i in 1..=n / 2 {
        // Newton's method on P_n from the Chebyshev guess
        let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (n as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push((-x, w));
    }
    out
}

struct Quadrature {
    rules: [Vec<(f64, f64)>; 3],
}

impl Quadrature {
    fn get() -> &'static Quadrature {
        static Q: std::sync::OnceLock<Quadrature> = std::sync::OnceLock::new();
        Q.get_or_init(|| Quadrature {
            rules: [
                gauss_legendre_half(6),
                gauss_legendre_half(12),
                gauss_legendre_half(20),
            ],
        })
    }
}

/// Upper bivariate normal probability P(X > h, Y > k) for standard margins and
/// correlation `r` (A. Genz's method after Drezner and Wesolowsky; error ≈ 1e-15).
pub fn bvn_upper(h: f64, k: f64, r: f64) -> f64 {
    use std::f64::consts::PI;
    let q = Quadrature::get();
    let rule = if r.abs() < 0.3 {
        &q.rules[0]
    } else if r.abs() < 0.75 {
        &q.rules[1]
    } else {
        &q.rules[2]
    };
    let mut k = k;
    let mut hk = h * k;
    let mut bvn = 0.0;
    if r.abs() < 0.925 {
        let hs = (h * h + k * k) / 2.0;
        let asr = r.asin();
        for &(x, w) in rule {
            for sign in [-1.0, 1.0] {
                let sn = (asr * (1.0 + sign * x) / 2.0).sin();
                bvn += w * ((sn * hk - hs) / (1.0 - sn * sn)).exp();
            }
        }
        return (bvn * asr / (4.0 * PI) + norm_cdf(-h) * norm_cdf(-k)).clamp(0.0, 1.0);
    }
    if r < 0.0 {
        k = -k;
        hk = -hk;
    }
    if r.abs() < 1.0 {
        let a2 = (1.0 - r) * (1.0 + r);
        let mut a = a2.sqrt();
        let bs = (h - k) * (h - k);
        let c = (4.0 - hk) / 8.0;
        let d = (12.0 - hk) / 16.0;
        let asr = -(bs / a2 + hk) / 2.0;
        if asr > -100.0 {
            bvn = a
                * asr.exp()
                * (1.0 - c * (bs - a2) * (1.0 - d * bs / 5.0) / 3.0 + c * d * a2 * a2 / 5.0);
        }
        if -hk < 100.0 {
            let b = bs.sqrt();
            bvn -= (-hk / 2.0).exp()
                * (2.0 * PI).sqrt()
                * norm_cdf(-b / a)
                * b
                * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
        }
        a /= 2.0;
        for &(x, w) in rule {
            for sign in [-1.0, 1.0] {
                let xs = (a * (sign * x + 1.0)).powi(2);
                let rs = (1.0 - xs).sqrt();
                let asr = -(bs / xs + hk) / 2.0;
                if asr > -100.0 {
                    bvn += a
                        * w
                        * asr.exp()
                        * ((-hk * (1.0 - rs) / (2.0 * (1.0 + rs))).exp() / rs
                            - (1.0 + c * xs * (1.0 + d * xs)));
                }
            }
        }
        bvn = -bvn / (2.0 * PI);
    }
    if r > 0.0 {
        bvn += norm_cdf(-h.max(k));
    } else {
        bvn = -bvn;
        if k > h {
            bvn += norm_cdf(k) - norm_cdf(h);
        }
    }
    bvn.clamp(0.0, 1.0)
}

/// Bivariate normal CDF P(X ≤ x, Y ≤ y) with standard margins and correlation `r`.
pub fn bvn_cdf(x: f64, y: f64, r: f64) -> f64 {
    bvn_upper(-x, -y, r)
}

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
fn occupied(counts: &[f64], rows: usize, cols: usize) -> (Vec<f64>, usize, usize) {
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

fn crosstab(x: &[u32], y: &[u32]) -> (Vec<f64>, usize, usize) {
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

// ---------------------------------------------------------------------------------------
// Significance

/// How the significance of an association is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Significance {
    /// χ² distribution with the nominal (r−1)(c−1) degrees of freedom.
    Asymptotic,
    /// χ² distribution with effective degrees of freedom: the mean G of `simulations`
    /// tables drawn (multinomially) under independence, seeded.
    Hybrid {
        /// Simulated tables per pair (the reference default is 1000).
        simulations: usize,
        /// Seed; each pair draws from its own stream.
        seed: u64,
    },
}

/// Regularised upper incomplete gamma Q(a, x).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 {
        // series for P
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut ap = a;
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - ln_gamma(a)).exp()
    } else {
        // Lentz's continued fraction for Q
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x + a * x.ln() - ln_gamma(a)).exp() * h
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ≈ 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// χ² survival function.
pub fn chi2_sf(x: f64, dof: f64) -> f64 {
    gamma_q(dof / 2.0, x / 2.0)
}

/// One-sided Z-score of a statistic under a χ²(dof) null.
pub fn z_from_chi2(stat: f64, dof: f64) -> f64 {
    if dof <= 0.0 {
        return f64::NAN;
    }
    let p = chi2_sf(stat, dof);
    if p > 0.0 {
        -norm_ppf(p)
    } else {
        // Chernoff bound, as the reference library does when p underflows
        let z = stat / dof;
        let u = -(2.0 * std::f64::consts::PI).ln() - dof * z.ln() + dof * (z - 1.0);
        (u - u.ln()).sqrt()
    }
}

/// Significance (Z) of the association in a table.
pub fn significance_from_table(
    counts: &[f64],
    rows: usize,
    cols: usize,
    method: Significance,
    stream: u64,
) -> f64 {
    let (t, r, c) = occupied(counts, rows, cols);
    if r < 2 || c < 2 {
        return f64::NAN;
    }
    let g = g_statistic(&t, r, c);
    let dof = match method {
        Significance::Asymptotic => ((r - 1) * (c - 1)) as f64,
        Significance::Hybrid { simulations, seed } => {
            effective_dof(&t, r, c, simulations.max(1), seed, stream)
        }
    };
    z_from_chi2(g, dof)
}

/// Mean G of tables drawn multinomially from the independence expectations.
fn effective_dof(t: &[f64], r: usize, c: usize, simulations: usize, seed: u64, stream: u64) -> f64 {
    let n: f64 = t.iter().sum();
    let row: Vec<f64> = (0..r).map(|i| t[i * c..(i + 1) * c].iter().sum()).collect();
    let col: Vec<f64> = (0..c).map(|j| (0..r).map(|i| t[i * c + j]).sum()).collect();
    let probs: Vec<f64> = (0..r * c)
        .map(|k| row[k / c] * col[k % c] / (n * n))
        .collect();
    let total = n.round() as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let mut sum = 0.0;
    let mut sim = vec![0.0; r * c];
    for _ in 0..simulations {
        let mut left = total;
        let mut mass = 1.0;
        for (k, p) in probs.iter().enumerate() {
            let draw = if left == 0 || mass <= 0.0 {
                0
            } else if k + 1 == probs.len() {
                left
            } else {
                let q = (p / mass).clamp(0.0, 1.0);
                Binomial::new(left, q).map_or(0, |b| b.sample(&mut rng))
            };
            sim[k] = draw as f64;
            left -= draw;
            mass -= p;
        }
        let (st, sr, sc) = occupied(&sim, r, c);
        sum += g_statistic(&st, sr, sc);
    }
    sum / simulations as f64
}

// ---------------------------------------------------------------------------------------
// Layer 3: a frame

/// Options of [`PhikMatrix::compute`].
#[derive(Debug, Clone, PartialEq)]
pub struct PhikOptions {
    /// Uniform bins per interval column. Default: 10.
    pub bins: usize,
    /// The significance method; `None` skips it. Default: hybrid, 1000 simulations, seed 42.
    pub significance: Option<Significance>,
}

impl Default for PhikOptions {
    fn default() -> Self {
        PhikOptions {
            bins: 10,
            significance: Some(Significance::Hybrid {
                simulations: 1000,
                seed: 42,
            }),
        }
    }
}

/// φK and significance for every pair of columns of a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PhikMatrix {
    /// Column names, in frame order.
    pub columns: Vec<String>,
    /// φK, symmetric, 1 on the diagonal.
    pub phik: Vec<Vec<f64>>,
    /// Z-scores (when computed); the diagonal is each column against itself.
    pub significance: Option<Vec<Vec<f64>>>,
    /// The options used.
    pub options: PhikOptions,
}

impl PhikMatrix {
    /// Computes φK (and significance) for all columns of `df`; the `interval` columns are
    /// binned uniformly, all others are used as categories as they are.
    pub fn compute<S: AsRef<str>>(
        df: &DataFrame,
        interval: &[S],
        options: &PhikOptions,
    ) -> Result<PhikMatrix> {
        let interval: Vec<&str> = interval.iter().map(|s| s.as_ref()).collect();
        if options.bins < 2 {
            return Err(Error::InvalidArgument(format!(
                "bins must be at least 2, got {}",
                options.bins
            )));
        }
        let mut columns = Vec::new();
        let mut codes = Vec::new();
        for c in df.columns() {
            let name = c.name().to_string();
            let code = if interval.contains(&name.as_str()) {
                let v = c.cast(&DataType::Float64)?;
                let v: Vec<f64> = v.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
                bin_uniform(&v, options.bins)
            } else {
                let keys: Vec<String> = (0..c.len())
                    .map(|i| c.get(i).map(|v| v.to_string()))
                    .collect::<std::result::Result<_, _>>()?;
                codes_of(&keys)
            };
            columns.push(name);
            codes.push(code);
        }
        for name in &interval {
            if !columns.iter().any(|c| c == name) {
                return Err(Error::InvalidArgument(format!(
                    "interval column {name:?} is not in the frame"
                )));
            }
        }
        let k = columns.len();
        let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
        let results: Vec<(f64, f64)> = crate::par::map(&pairs, None, |&(i, j)| {
            let (t, r, c) = crosstab(&codes[i], &codes[j]);
            let phik = if i == j {
                1.0
            } else {
                phik_from_table(&t, r, c, true)
            };
            let z = options.significance.map_or(f64::NAN, |m| {
                significance_from_table(&t, r, c, m, (i * k + j) as u64)
            });
            (phik, z)
        });
        let mut phik = vec![vec![0.0; k]; k];
        let mut sig = vec![vec![0.0; k]; k];
        for (&(i, j), &(p, z)) in pairs.iter().zip(&results) {
            phik[i][j] = p;
            phik[j][i] = p;
            sig[i][j] = z;
            sig[j][i] = z;
        }
        Ok(PhikMatrix {
            columns,
            phik,
            significance: options.significance.map(|_| sig),
            options: options.clone(),
        })
    }

    fn index(&self, column: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| {
                Error::InvalidArgument(format!("column {column:?} is not in the matrix"))
            })
    }

    /// φK of every other column with `target`, strongest first.
    pub fn ranking(&self, target: &str) -> Result<Vec<(String, f64, f64)>> {
        let t = self.index(target)?;
        let mut out: Vec<(String, f64, f64)> = (0..self.columns.len())
            .filter(|&j| j != t)
            .map(|j| {
                let z = self.significance.as_ref().map_or(f64::NAN, |s| s[t][j]);
                (self.columns[j].clone(), self.phik[t][j], z)
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(out)
    }

    /// The `n` strongest pairs of distinct columns, excluding `exclude` (e.g. the target).
    pub fn strongest_pairs(&self, n: usize, exclude: &[&str]) -> Vec<(String, String, f64)> {
        let k = self.columns.len();
        let mut pairs: Vec<(String, String, f64)> = (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
            .filter(|&(i, j)| {
                !exclude.contains(&self.columns[i].as_str())
                    && !exclude.contains(&self.columns[j].as_str())
            })
            .map(|(i, j)| {
                (
                    self.columns[i].clone(),
                    self.columns[j].clone(),
                    self.phik[i][j],
                )
            })
            .collect();
        pairs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        pairs.truncate(n);
        pairs
    }

    /// The φK of `target` with each column as a table, with significance.
    pub fn ranking_table(&self, target: &str) -> Result<Table> {
        let rows = self
            .ranking(target)?
            .into_iter()
            .map(|(c, p, z)| {
                vec![
                    c,
                    format!("{p:.3}"),
                    if z.is_nan() {
                        "—".into()
                    } else {
                        format!("{z:.1}")
                    },
                ]
            })
            .collect();
        Ok(Table::from_rows(
            vec![
                "признак".into(),
                "φK с целевым".into(),
                "значимость, Z".into(),
            ],
            rows,
        )
        .title(format!("Связь признаков с «{target}»")))
    }
}

// ---------------------------------------------------------------------------------------
// Linear correlation and multicollinearity

/// Which linear correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Pearson's r.
    Pearson,
    /// Spearman's ρ (Pearson on average ranks).
    Spearman,
}

/// Numeric columns of a frame as f64 vectors (strings are skipped).
pub fn numeric_columns(df: &DataFrame) -> Result<Vec<(String, Vec<f64>)>> {
    let mut out = Vec::new();
    for c in df.columns() {
        if c.dtype().is_primitive_numeric() {
            let v = c.cast(&DataType::Float64)?;
            out.push((
                c.name().to_string(),
                v.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect(),
            ));
        }
    }
    Ok(out)
}

/// Correlation matrix of the numeric columns: `(names, matrix)`.
pub fn correlation_matrix(df: &DataFrame, method: Method) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let cols = numeric_columns(df)?;
    let data: Vec<Vec<f64>> = cols
        .iter()
        .map(|(_, v)| match method {
            Method::Pearson => v.clone(),
            Method::Spearman => ranks(v),
        })
        .collect();
    let k = data.len();
    let mut m = vec![vec![1.0; k]; k];
    for i in 0..k {
        for j in i + 1..k {
            let r = pearson(&data[i], &data[j]);
            m[i][j] = r;
            m[j][i] = r;
        }
    }
    Ok((cols.into_iter().map(|(n, _)| n).collect(), m))
}

/// Variance inflation factors of the numeric columns: VIF_i = 1 / (1 − R²_i), the i-th
/// diagonal element of the inverse correlation matrix.
pub fn vif(df: &DataFrame) -> Result<Vec<(String, f64)>> {
    let (names, m) = correlation_matrix(df, Method::Pearson)?;
    let inv = invert(&m).ok_or_else(|| {
        Error::InvalidArgument(
            "the correlation matrix is singular (a column is a linear combination of others)"
                .into(),
        )
    })?;
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, inv[i][i]))
        .collect())
}

/// Gauss–Jordan inverse with partial pivoting; `None` if singular.
fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let p = a[col][col];
        for v in a[col].iter_mut() {
            *v /= p;
        }
        for row in 0..n {
            if row != col {
                let f = a[row][col];
                if f != 0.0 {
                    let pivot_row = a[col].clone();
                    for (v, p) in a[row].iter_mut().zip(&pivot_row) {
                        *v -= f * p;
                    }
                }
            }
        }
    }
    Some(a.into_iter().map(|r| r[n..].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bivariate_normal_matches_scipy() {
        // scipy.stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([x, y]), scipy 1.17
        let cases = [
            (0.0, 0.0, 0.5, 0.33333333333333337),
            (1.0, -0.5, 0.3, 0.28313842024448094),
            (-1.2, 0.7, -0.6, 0.041014421748693214),
            (2.0, 1.5, 0.9, 0.9307272535126401),
            (-0.3, 0.4, 0.95, 0.3814901660178737),
            (0.5, 0.5, -0.99, 0.3829249225480322),
            (-4.5, 3.0, 0.8, 3.3976731247387093e-06),
            (1.0, 1.0, 0.0, 0.707860981737141),
        ];
        for (x, y, r, want) in cases {
            let got = bvn_cdf(x, y, r);
            assert!(
                (got - want).abs() < 1e-12,
                "({x}, {y}, {r}): {got} vs {want}"
            );
        }
    }

    #[test]
    fn chi2_tail_and_z_match_scipy() {
        // scipy.stats.chi2.sf(g, dof), scipy.stats.norm.isf(p), scipy 1.17
        let cases = [
            (10.0, 3.0, 0.01856613546304325, 2.0843067810989724),
            (0.5, 1.0, 0.47950012218695337, 0.05140820801410464),
            (150.0, 80.0, 3.5711707331331343e-06, 4.489401946566183),
            (62.3, 61.7, 0.4546783776200428, 0.11384993279936816),
            (3.0, 2.5, 0.30584962944581906, 0.5076493729861554),
            (400.0, 9.0, 1.3699125019662825e-80, 18.97510137193914),
        ];
        for (g, dof, p, z) in cases {
            let got = chi2_sf(g, dof);
            assert!(
                (got - p).abs() <= 1e-12 * p.max(1e-300).max(1e-3) + p * 1e-10,
                "sf({g}, {dof}) = {got} vs {p}"
            );
            assert!((z_from_chi2(g, dof) - z).abs() < 1e-8, "z({g}, {dof})");
        }
    }

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

    #[test]
    fn vif_of_independent_and_collinear_columns() {
        let a: Vec<f64> = (0..50).map(|i| ((i * 37) % 17) as f64).collect();
        let b: Vec<f64> = (0..50).map(|i| ((i * 11) % 13) as f64).collect();
        let c: Vec<f64> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| x + y + ((x * 7.0) % 3.0))
            .collect();
        let df = polars::df!("a" => a, "b" => b, "c" => c).unwrap();
        let v = vif(&df).unwrap();
        assert!(v.iter().all(|(_, x)| *x >= 1.0));
        assert!(v[2].1 > 5.0, "{v:?}");
    }
}
