//! Decision values of a fitted SVC: Σ αᵢyᵢK(xᵢ, x) − ρ, rows in parallel chunks, with a
//! vectorised RBF path (an own `exp` and an AVX2 copy chosen at run time).

use ndarray::{Array1, ArrayView1, ArrayView2};

use super::{Kernel, SvcState};

/// Decision values, rows in parallel chunks. Every row is computed on its own with a
/// fixed order of operations, so the values do not depend on the thread count.
pub(super) fn decision(kernel: Kernel, f: &SvcState, x: ArrayView2<f64>) -> Array1<f64> {
    use rayon::prelude::*;
    const CHUNK: usize = 512;
    let rows = x.nrows();
    if rows <= CHUNK {
        return decision_rows(kernel, f, x);
    }
    let parts: Vec<Array1<f64>> = (0..rows.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let end = ((c + 1) * CHUNK).min(rows);
            decision_rows(kernel, f, x.slice(ndarray::s![c * CHUNK..end, ..]))
        })
        .collect();
    parts.into_iter().flatten().collect()
}

fn decision_rows(kernel_kind: Kernel, f: &SvcState, x: ArrayView2<f64>) -> Array1<f64> {
    if kernel_kind == Kernel::Rbf {
        return rbf_decision(f, x);
    }
    let sqrt_gamma = f.gamma.sqrt();
    x.rows()
        .into_iter()
        .map(|row| {
            let row = match kernel_kind {
                Kernel::Poly => row.mapv(|v| v * sqrt_gamma),
                _ => row.to_owned(),
            };
            f.support
                .rows()
                .into_iter()
                .zip(f.dual_coef.iter())
                .map(|(s, a)| a * kernel(kernel_kind, f.gamma, s, row.view()))
                .sum::<f64>()
                - f.rho
        })
        .collect()
}

/// RBF decision values with the support vectors laid out feature-major, so the inner
/// loops run over support vectors and vectorise: squared distances summed feature by
/// feature, kernel values from [`exp_neg`], coefficients summed in four lanes. Each row
/// is computed on its own with one fixed order of operations, on every CPU: the AVX2
/// copy (picked at run time) differs from the baseline one only in vector width, and
/// neither fuses multiply-adds.
fn rbf_decision(f: &SvcState, x: ArrayView2<f64>) -> Array1<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { rbf_decision_avx2(f, x) };
    }
    rbf_decision_generic(f, x)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rbf_decision_avx2(f: &SvcState, x: ArrayView2<f64>) -> Array1<f64> {
    rbf_decision_generic(f, x)
}

// Plain loops, no closures: closures and iterator adaptors are separate functions that
// would not inherit the AVX2 target feature.
#[inline(always)]
fn rbf_decision_generic(f: &SvcState, x: ArrayView2<f64>) -> Array1<f64> {
    rbf_decision_moves_generic(f, x, &[]).column(0).to_owned()
}

/// A change of some columns of every row. Without `step`: `x'_j = x_j + shift · (target_j − x_j)`
/// for the columns `cols` (with `shift = 1`, exactly `target_j`). With `step`: each column
/// moves by `step_j` towards `target_j` but never past it, and not at all when it already
/// lies at or beyond the target in the step's direction (a bounded change in the feature's
/// own units, e.g. «one more page per visit, at most up to the typical level»).
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// Columns that change.
    pub cols: Vec<usize>,
    /// Their target values, one per column.
    pub target: Vec<f64>,
    /// How far towards the target, in [0, 1] (ignored with `step`).
    pub shift: f64,
    /// Bounded steps, one per column (their signs are the directions), or `None`.
    pub step: Option<Vec<f64>>,
}

impl Move {
    /// The moved value of column `cols[k]` whose current value is `v`.
    #[inline(always)]
    pub fn value(&self, k: usize, v: f64) -> f64 {
        if let Some(step) = &self.step {
            let (d, t) = (step[k], self.target[k]);
            return if d > 0.0 && v < t {
                (v + d).min(t)
            } else if d < 0.0 && v > t {
                (v + d).max(t)
            } else {
                v
            };
        }
        if self.shift == 1.0 {
            self.target[k]
        } else {
            v + self.shift * (self.target[k] - v)
        }
    }

    /// `x` with the move applied to every row.
    pub fn apply(&self, x: ArrayView2<f64>) -> ndarray::Array2<f64> {
        let mut moved = x.to_owned();
        for (k, &j) in self.cols.iter().enumerate() {
            moved.column_mut(j).mapv_inplace(|v| self.value(k, v));
        }
        moved
    }
}

/// RBF decision values of every row as it is (column 0, bit for bit [`decision`]'s) and
/// after each move (column 1 + v), sharing the squared distances: a move of the columns C
/// changes each squared distance by Σ_{j∈C} (s_j − x'_j)² − (s_j − x_j)², so only those
/// terms and the kernel values are computed again. Rows are computed one after another
/// (callers parallelise over row chunks).
pub(super) fn rbf_decision_moves(
    f: &SvcState,
    x: ArrayView2<f64>,
    moves: &[Move],
) -> ndarray::Array2<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { rbf_decision_moves_avx2(f, x, moves) };
    }
    rbf_decision_moves_generic(f, x, moves)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rbf_decision_moves_avx2(
    f: &SvcState,
    x: ArrayView2<f64>,
    moves: &[Move],
) -> ndarray::Array2<f64> {
    rbf_decision_moves_generic(f, x, moves)
}

#[inline(always)]
fn weighted_sum(kernel: &[f64], coef: &[f64], rho: f64) -> f64 {
    let n_sv = kernel.len();
    let mut lanes = [0.0f64; 4];
    let full = n_sv / 4 * 4;
    for (k, a) in kernel[..full]
        .chunks_exact(4)
        .zip(coef[..full].chunks_exact(4))
    {
        for l in 0..4 {
            lanes[l] += a[l] * k[l];
        }
    }
    for s in full..n_sv {
        lanes[s - full] += coef[s] * kernel[s];
    }
    ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) - rho
}

#[inline(always)]
fn rbf_decision_moves_generic(
    f: &SvcState,
    x: ArrayView2<f64>,
    moves: &[Move],
) -> ndarray::Array2<f64> {
    let n_sv = f.support.nrows();
    let width = f.support.ncols();
    let support_t: Vec<f64> = f.support.t().iter().copied().collect();
    let coef: Vec<f64> = f.dual_coef.iter().copied().collect();
    let x = x.as_standard_layout();
    let values = x.as_slice().unwrap_or(&[]);
    let mut dist = vec![0.0f64; n_sv];
    let mut kernel = vec![0.0f64; n_sv];
    let mut out = ndarray::Array2::zeros((x.nrows(), 1 + moves.len()));
    for i in 0..x.nrows() {
        let row = &values[i * width..(i + 1) * width];
        dist.fill(0.0);
        for j in 0..width {
            let xj = row[j];
            let column = &support_t[j * n_sv..(j + 1) * n_sv];
            for s in 0..n_sv {
                let t = column[s] - xj;
                dist[s] += t * t;
            }
        }
        for s in 0..n_sv {
            kernel[s] = exp_neg(-f.gamma * dist[s]);
        }
        out[[i, 0]] = weighted_sum(&kernel, &coef, f.rho);
        for (v, m) in moves.iter().enumerate() {
            // a move that leaves this row as it is (already at or beyond its target)
            // scores exactly the row itself
            let mut unchanged = true;
            for (k, &j) in m.cols.iter().enumerate() {
                if m.value(k, row[j]) != row[j] {
                    unchanged = false;
                }
            }
            if unchanged {
                out[[i, 1 + v]] = out[[i, 0]];
                continue;
            }
            kernel.copy_from_slice(&dist);
            for (k, &j) in m.cols.iter().enumerate() {
                let xj = row[j];
                let moved = m.value(k, xj);
                let column = &support_t[j * n_sv..(j + 1) * n_sv];
                for s in 0..n_sv {
                    let before = column[s] - xj;
                    let after = column[s] - moved;
                    kernel[s] += after * after - before * before;
                }
            }
            for d in kernel.iter_mut() {
                *d = exp_neg(-f.gamma * d.max(0.0));
            }
            out[[i, 1 + v]] = weighted_sum(&kernel, &coef, f.rho);
        }
    }
    out
}

/// eˣ for x ≤ 0, written so that it vectorises: Cody–Waite reduction x = k·ln 2 + r
/// (|r| ≤ ln 2 / 2), a degree-13 Taylor polynomial of eʳ, and 2ᵏ put together from bits.
/// Within 2 ulp of the correctly rounded value for −708 ≤ x ≤ 0 (tested); below −708
/// (kernel values under 10⁻³⁰⁷) it returns e⁻⁷⁰⁸.
#[inline(always)]
pub(super) fn exp_neg(x: f64) -> f64 {
    // 1.5·2⁵²: adding it rounds to an integer held in the low mantissa bits.
    const ROUND: f64 = 6_755_399_441_055_744.0;
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const INV_FACT: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let x = if x < -708.0 { -708.0 } else { x };
    let t = x * std::f64::consts::LOG2_E + ROUND;
    let k = t - ROUND;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut p = INV_FACT[13];
    for c in INV_FACT[..13].iter().rev() {
        p = p * r + c;
    }
    // The low bits of t hold k (two's complement); 2ᵏ has exponent field k + 1023.
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// The kernel value; for `poly` both vectors are already scaled by √γ.
fn kernel(k: Kernel, gamma: f64, a: ArrayView1<f64>, b: ArrayView1<f64>) -> f64 {
    match k {
        Kernel::Rbf => {
            let d: f64 = a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum();
            (-gamma * d).exp()
        }
        Kernel::Linear => a.dot(&b),
        Kernel::Poly => a.dot(&b).powi(3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn ulp(v: f64) -> f64 {
        f64::from_bits(v.to_bits() + 1) - v
    }

    #[test]
    fn exp_neg_is_within_two_ulp_of_exp() {
        let mut worst: f64 = 0.0;
        let n = 400_000;
        for i in 0..=n {
            // Dense near 0 (where kernel values live), then down to −708.
            let u = i as f64 / n as f64;
            for x in [-708.0 * u, -u, -1e-6 * u, -40.0 * u * u] {
                let (got, want) = (exp_neg(x), x.exp());
                worst = worst.max((got - want).abs() / ulp(want));
            }
        }
        assert!(worst <= 2.0, "worst error {worst} ulp");
        assert_eq!(exp_neg(0.0), 1.0);
        assert_eq!(exp_neg(-1000.0), exp_neg(-708.0));
        eprintln!("exp_neg: worst error {worst} ulp");
    }

    #[test]
    fn rbf_decision_matches_kernel_sums_and_every_instruction_set() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let support = Array2::from_shape_fn((37, 9), |_| rng.gen_range(-2.0..2.0));
        let dual_coef = Array1::from_shape_fn(37, |_| rng.gen_range(-1.0..1.0));
        let f = SvcState {
            gamma: 0.3,
            support,
            dual_coef,
            rho: 0.1,
            platt: None,
        };
        let x = Array2::from_shape_fn((300, 9), |_| rng.gen_range(-3.0..3.0));
        let fast = rbf_decision_generic(&f, x.view());
        for (row, v) in x.rows().into_iter().zip(&fast) {
            let direct: f64 = f
                .support
                .rows()
                .into_iter()
                .zip(&f.dual_coef)
                .map(|(s, a)| a * kernel(Kernel::Rbf, f.gamma, s, row))
                .sum::<f64>()
                - f.rho;
            assert!((direct - v).abs() <= 1e-14, "{direct} vs {v}");
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: checked just above.
            let wide = unsafe { rbf_decision_avx2(&f, x.view()) };
            assert_eq!(
                wide, fast,
                "AVX2 and baseline copies must agree bit for bit"
            );
        }
    }
}
