//! Support-vector classification: libsvm's SMO solver, Platt-scaled probabilities.

use std::cell::RefCell;

use linfa::composing::platt_scaling::{Platt, platt_newton_method};
use linfa::prelude::*;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::{Classifier, check_width, not_fitted};
use crate::error::{Error, Result};

/// The kernel of an [`Svc`], with scikit-learn's definitions and `gamma = "scale"`
/// (1 / (features × variance of all training values)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// exp(−γ‖x − x′‖²).
    Rbf,
    /// ⟨x, x′⟩.
    Linear,
    /// (γ⟨x, x′⟩)³ (degree 3, coef0 0).
    Poly,
}

impl Kernel {
    /// All three.
    pub const ALL: [Kernel; 3] = [Kernel::Rbf, Kernel::Linear, Kernel::Poly];

    /// `rbf`, `linear`, `poly`.
    pub fn id(self) -> &'static str {
        match self {
            Kernel::Rbf => "rbf",
            Kernel::Linear => "linear",
            Kernel::Poly => "poly",
        }
    }
}

/// C-support-vector classification (scikit-learn's `SVC(kernel, C)`), solved by the SMO
/// algorithm of libsvm (which scikit-learn wraps): second-order working-set selection,
/// stopping tolerance 1e-3, kernel rows computed once when first needed. The decision
/// function is
/// Σ αᵢyᵢK(xᵢ, x) − ρ. With `probability` on, `fit` also fits Platt's sigmoid
/// P = 1 / (1 + exp(A·f + B)) on out-of-fold decision values of a stratified 5-fold split
/// of the training rows (seeded), as libsvm does; without it `predict_proba` is an error
/// and only `decision_function` (all ROC-AUC needs) is available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Svc {
    /// Kernel.
    pub kernel: Kernel,
    /// Cost of margin violations.
    #[serde(rename = "C")]
    pub c: f64,
    /// Kernel coefficient γ (`rbf`, `poly`); `None` is scikit-learn's `"scale"`,
    /// 1 / (features × variance of all training values).
    #[serde(default)]
    pub gamma: Option<f64>,
    /// Stopping tolerance of the solver (maximal KKT violation; scikit-learn's `tol`).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Fit Platt scaling too.
    pub probability: bool,
    /// Seed of the internal folds for Platt scaling.
    pub seed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fitted: Option<SvcFitted>,
}

fn default_tol() -> f64 {
    1e-3
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SvcFitted {
    gamma: f64,
    /// Support vectors (in the kernel's input space: scaled by √γ for `poly`).
    support: Array2<f64>,
    /// αᵢyᵢ of each support vector.
    dual_coef: Array1<f64>,
    rho: f64,
    platt: Option<(f64, f64)>,
}

impl Svc {
    /// An unfitted model without probabilities.
    pub fn new(kernel: Kernel, c: f64) -> Self {
        Svc {
            kernel,
            c,
            gamma: None,
            tol: default_tol(),
            probability: false,
            seed: 0,
            fitted: None,
        }
    }

    /// The same model with a fixed γ instead of `"scale"`.
    pub fn with_gamma(mut self, gamma: f64) -> Self {
        self.gamma = Some(gamma);
        self
    }

    /// The same model with solver tolerance `tol`.
    pub fn with_tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The same model with Platt-scaled probabilities (internal folds seeded with `seed`).
    pub fn with_probability(mut self, seed: u64) -> Self {
        self.probability = true;
        self.seed = seed;
        self
    }

    /// Number of support vectors of the fitted model.
    pub fn support_vectors(&self) -> Option<usize> {
        self.fitted.as_ref().map(|f| f.support.nrows())
    }

    /// γ used by the fitted model.
    pub fn gamma(&self) -> Option<f64> {
        self.fitted.as_ref().map(|f| f.gamma)
    }

    /// The solver's part: γ, support vectors, dual coefficients and ρ.
    fn solve(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<SvcFitted> {
        Ok(
            solve_path(self.kernel, self.gamma, &[self.c], self.tol, x, y)
                .pop()
                .expect("one C, one solution"),
        )
    }

    /// Fits one model per value of `cs` (sorted ascending, each > 0) on the same rows,
    /// sharing the kernel rows and starting each solve from the previous solution scaled
    /// by C′/C (feasible, and close on a regularisation path). Every solution meets the
    /// same stopping rule as a cold start, so it differs from one only within the solver
    /// tolerance. Without probabilities.
    pub fn fit_path(
        kernel: Kernel,
        gamma: Option<f64>,
        cs: &[f64],
        x: ArrayView2<f64>,
        y: &[u8],
    ) -> Result<Vec<Svc>> {
        super::check_fit_input(x, y)?;
        if let Some(c) = cs.iter().find(|c| !(**c > 0.0 && c.is_finite())) {
            return Err(Error::InvalidArgument(format!(
                "svc: C must be a positive number, got {c}"
            )));
        }
        if cs.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::InvalidArgument(format!(
                "svc: the C values of a path must be ascending, got {cs:?}"
            )));
        }
        Ok(solve_path(kernel, gamma, cs, default_tol(), x, y)
            .into_iter()
            .zip(cs)
            .map(|(f, c)| Svc {
                fitted: Some(f),
                gamma,
                ..Svc::new(kernel, *c)
            })
            .collect())
    }

    /// Decision values, rows in parallel chunks. Every row is computed on its own with a
    /// fixed order of operations, so the values do not depend on the thread count.
    fn decision(&self, f: &SvcFitted, x: ArrayView2<f64>) -> Array1<f64> {
        use rayon::prelude::*;
        const CHUNK: usize = 512;
        let rows = x.nrows();
        if rows <= CHUNK {
            return self.decision_rows(f, x);
        }
        let parts: Vec<Array1<f64>> = (0..rows.div_ceil(CHUNK))
            .into_par_iter()
            .map(|c| {
                let end = ((c + 1) * CHUNK).min(rows);
                self.decision_rows(f, x.slice(ndarray::s![c * CHUNK..end, ..]))
            })
            .collect();
        parts.into_iter().flatten().collect()
    }

    fn decision_rows(&self, f: &SvcFitted, x: ArrayView2<f64>) -> Array1<f64> {
        if self.kernel == Kernel::Rbf {
            return rbf_decision(f, x);
        }
        let sqrt_gamma = f.gamma.sqrt();
        x.rows()
            .into_iter()
            .map(|row| {
                let row = match self.kernel {
                    Kernel::Poly => row.mapv(|v| v * sqrt_gamma),
                    _ => row.to_owned(),
                };
                f.support
                    .rows()
                    .into_iter()
                    .zip(f.dual_coef.iter())
                    .map(|(s, a)| a * kernel(self.kernel, f.gamma, s, row.view()))
                    .sum::<f64>()
                    - f.rho
            })
            .collect()
    }
}

/// RBF decision values with the support vectors laid out feature-major, so the inner
/// loops run over support vectors and vectorise: squared distances summed feature by
/// feature, kernel values from [`exp_neg`], coefficients summed in four lanes. Each row
/// is computed on its own with one fixed order of operations, on every CPU: the AVX2
/// copy (picked at run time) differs from the baseline one only in vector width, and
/// neither fuses multiply-adds.
fn rbf_decision(f: &SvcFitted, x: ArrayView2<f64>) -> Array1<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { rbf_decision_avx2(f, x) };
    }
    rbf_decision_generic(f, x)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn rbf_decision_avx2(f: &SvcFitted, x: ArrayView2<f64>) -> Array1<f64> {
    rbf_decision_generic(f, x)
}

// Plain loops, no closures: closures and iterator adaptors are separate functions that
// would not inherit the AVX2 target feature.
#[inline(always)]
fn rbf_decision_generic(f: &SvcFitted, x: ArrayView2<f64>) -> Array1<f64> {
    let n_sv = f.support.nrows();
    let width = f.support.ncols();
    // support_t[j * n_sv + s] = support[s][j]
    let support_t: Vec<f64> = f.support.t().iter().copied().collect();
    let coef: Vec<f64> = f.dual_coef.iter().copied().collect();
    let x = x.as_standard_layout();
    let values = x.as_slice().unwrap_or(&[]);
    let mut dist = vec![0.0f64; n_sv];
    let mut out = Vec::with_capacity(x.nrows());
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
        // Kernel values in place (a map over a slice, which vectorises), then the
        // coefficient-weighted sum in four lanes.
        for d in dist.iter_mut() {
            *d = exp_neg(-f.gamma * *d);
        }
        let mut lanes = [0.0f64; 4];
        let full = n_sv / 4 * 4;
        for (k, a) in dist[..full]
            .chunks_exact(4)
            .zip(coef[..full].chunks_exact(4))
        {
            for l in 0..4 {
                lanes[l] += a[l] * k[l];
            }
        }
        for s in full..n_sv {
            lanes[s - full] += coef[s] * dist[s];
        }
        out.push(((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) - f.rho);
    }
    Array1::from(out)
}

/// eˣ for x ≤ 0, written so that it vectorises: Cody–Waite reduction x = k·ln 2 + r
/// (|r| ≤ ln 2 / 2), a degree-13 Taylor polynomial of eʳ, and 2ᵏ put together from bits.
/// Within 2 ulp of the correctly rounded value for −708 ≤ x ≤ 0 (tested); below −708
/// (kernel values under 10⁻³⁰⁷) it returns e⁻⁷⁰⁸.
#[inline(always)]
pub(crate) fn exp_neg(x: f64) -> f64 {
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

impl Svc {
    /// Checks a fitted model read from a file: support vectors of `width` columns, one
    /// dual coefficient each, finite values and a positive γ.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = self.fitted.as_ref().ok_or_else(|| not_fitted("svc"))?;
        let finite = f
            .support
            .iter()
            .chain(f.dual_coef.iter())
            .all(|v| v.is_finite())
            && f.rho.is_finite()
            && f.platt.is_none_or(|(a, b)| a.is_finite() && b.is_finite());
        if f.support.ncols() != width
            || f.dual_coef.len() != f.support.nrows()
            || !(f.gamma > 0.0 && f.gamma.is_finite())
            || !finite
        {
            return Err(Error::InvalidArgument(format!(
                "svc: {}×{} support vectors with {} coefficients, γ = {}: expected {width} columns, one coefficient per vector, finite values, γ > 0",
                f.support.nrows(),
                f.support.ncols(),
                f.dual_coef.len(),
                f.gamma
            )));
        }
        Ok(())
    }
}

impl Classifier for Svc {
    fn family(&self) -> &'static str {
        "svc"
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("kernel".into(), self.kernel.id().into());
        p.insert("C".into(), self.c.into());
        if let Some(g) = self.gamma {
            p.insert("gamma".into(), g.into());
        }
        p
    }

    fn fit(&mut self, x: ArrayView2<f64>, y: &[u8]) -> Result<()> {
        let valid = |v: f64| v > 0.0 && v.is_finite();
        if !valid(self.c) || !valid(self.tol) {
            return Err(Error::InvalidArgument(format!(
                "svc: C and tol must be positive numbers, got {} and {}",
                self.c, self.tol
            )));
        }
        let mut fitted = self.solve(x, y)?;
        if self.probability {
            let folds = crate::search::stratified_kfold(y, 5, self.seed)?;
            let mut oof = Array1::zeros(y.len());
            for (train, valid) in &folds {
                let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
                let f = self.solve(x.select(Axis(0), train).view(), &yt)?;
                let d = self.decision(&f, x.select(Axis(0), valid).view());
                for (i, v) in valid.iter().zip(d) {
                    oof[*i] = v;
                }
            }
            let labels: Array1<bool> = y.iter().map(|v| *v == 1).collect();
            let params = Platt::<f64, ()>::params()
                .check()
                .map_err(|e| Error::InvalidArgument(format!("svc Platt parameters: {e}")))?;
            let (a, b) = platt_newton_method(oof.view(), labels.view(), &params)
                .map_err(|e| Error::InvalidArgument(format!("svc Platt scaling: {e}")))?;
            fitted.platt = Some((a, b));
        }
        self.fitted = Some(fitted);
        Ok(())
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let f = self.fitted.as_ref().ok_or_else(|| not_fitted("svc"))?;
        let (a, b) = f.platt.ok_or_else(|| {
            Error::InvalidArgument(
                "svc: fitted without probability; use Svc::with_probability for predict_proba"
                    .into(),
            )
        })?;
        Ok(self.decision_function(x)?.mapv(|d| platt(a, b, d)))
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let f = self.fitted.as_ref().ok_or_else(|| not_fitted("svc"))?;
        check_width("svc", f.support.ncols(), x)?;
        Ok(self.decision(f, x))
    }
}

/// The parts of a fitted RBF SVC that permutation SHAP exploits (the kernel factorises
/// over features).
pub(crate) struct RbfParts<'a> {
    pub gamma: f64,
    pub support: &'a Array2<f64>,
    pub dual_coef: &'a Array1<f64>,
    pub rho: f64,
    pub platt: Option<(f64, f64)>,
}

impl Svc {
    /// γ, support vectors, αᵢyᵢ, ρ and Platt's (A, B) of a fitted RBF model.
    pub(crate) fn rbf_parts(&self) -> Option<RbfParts<'_>> {
        let f = self.fitted.as_ref()?;
        (self.kernel == Kernel::Rbf).then_some(RbfParts {
            gamma: f.gamma,
            support: &f.support,
            dual_coef: &f.dual_coef,
            rho: f.rho,
            platt: f.platt,
        })
    }
}

/// Platt's sigmoid 1 / (1 + exp(A·d + B)), evaluated without overflow.
pub(crate) fn platt(a: f64, b: f64, d: f64) -> f64 {
    let t = a * d + b;
    if t >= 0.0 {
        (-t).exp() / (1.0 + (-t).exp())
    } else {
        1.0 / (1.0 + t.exp())
    }
}

/// γ by scikit-learn's `"scale"`, then one solution per C (ascending), warm-started.
fn solve_path(
    kernel: Kernel,
    gamma: Option<f64>,
    cs: &[f64],
    tol: f64,
    x: ArrayView2<f64>,
    y: &[u8],
) -> Vec<SvcFitted> {
    let (n, p) = x.dim();
    let mean = x.sum() / (n * p) as f64;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n * p) as f64;
    let gamma = gamma.unwrap_or(if var > 0.0 {
        1.0 / (p as f64 * var)
    } else {
        1.0
    });
    let input = match kernel {
        Kernel::Poly => x.mapv(|v| v * gamma.sqrt()),
        _ => x.to_owned(),
    };
    let signs: Vec<f64> = y.iter().map(|v| if *v == 1 { 1.0 } else { -1.0 }).collect();
    let rows = KernelRows::new(kernel, gamma, input.view(), &signs);
    let mut previous: Option<(f64, Vec<f64>)> = None;
    cs.iter()
        .map(|&c| {
            let start = previous
                .as_ref()
                .map(|(pc, a)| a.iter().map(|v| v * c / pc).collect::<Vec<f64>>());
            let (alpha, rho) = smo(&rows, &signs, c, tol, start);
            let keep: Vec<usize> = (0..n).filter(|i| alpha[*i] > 0.0).collect();
            let fitted = SvcFitted {
                gamma,
                support: input.select(Axis(0), &keep),
                dual_coef: keep.iter().map(|i| alpha[*i] * signs[*i]).collect(),
                rho,
                platt: None,
            };
            previous = Some((c, alpha));
            fitted
        })
        .collect()
}

/// Kernel matrix rows Qᵢⱼ = yᵢyⱼK(xᵢ, xⱼ), each computed the first time the solver needs it
/// (only rows of variables that enter a working set are ever computed).
struct KernelRows<'a> {
    kernel: Kernel,
    gamma: f64,
    x: ArrayView2<'a, f64>,
    signs: &'a [f64],
    norms: Vec<f64>,
    rows: RefCell<Vec<Option<std::rc::Rc<[f64]>>>>,
}

impl<'a> KernelRows<'a> {
    fn new(kernel: Kernel, gamma: f64, x: ArrayView2<'a, f64>, signs: &'a [f64]) -> Self {
        let norms = x.rows().into_iter().map(|r| r.dot(&r)).collect();
        KernelRows {
            kernel,
            gamma,
            x,
            signs,
            norms,
            rows: RefCell::new(vec![None; x.nrows()]),
        }
    }

    fn k(&self, i: usize, j: usize) -> f64 {
        let dot = self.x.row(i).dot(&self.x.row(j));
        match self.kernel {
            Kernel::Rbf => {
                (-self.gamma * (self.norms[i] + self.norms[j] - 2.0 * dot).max(0.0)).exp()
            }
            Kernel::Linear => dot,
            Kernel::Poly => dot.powi(3),
        }
    }

    /// K(xᵢ, xᵢ).
    fn diagonal(&self, i: usize) -> f64 {
        match self.kernel {
            Kernel::Rbf => 1.0,
            Kernel::Linear => self.norms[i],
            Kernel::Poly => self.norms[i].powi(3),
        }
    }

    fn row(&self, i: usize) -> std::rc::Rc<[f64]> {
        if let Some(r) = &self.rows.borrow()[i] {
            return r.clone();
        }
        let yi = self.signs[i];
        let r: std::rc::Rc<[f64]> = (0..self.x.nrows())
            .map(|j| yi * self.signs[j] * self.k(i, j))
            .collect();
        self.rows.borrow_mut()[i] = Some(r.clone());
        r
    }
}

/// libsvm's solver for the C-SVC dual, min ½αᵀQα − eᵀα subject to yᵀα = 0, 0 ≤ α ≤ C:
/// working sets by maximal violation + second-order gain (Fan, Chen & Lin 2005), libsvm's
/// shrinking heuristic (variables stuck at a bound leave the active set; the gradient is
/// reconstructed and optimality re-checked on all variables before stopping), stop when
/// the maximal violation is below `eps`; from `start` (a feasible α) if given.
/// Returns α and ρ.
fn smo(q: &KernelRows, y: &[f64], c: f64, eps: f64, start: Option<Vec<f64>>) -> (Vec<f64>, f64) {
    let mut s = Smo::new(q, y, c, start);
    s.solve(eps);
    let rho = s.rho();
    (s.alpha, rho)
}

struct Smo<'a, 'b> {
    q: &'a KernelRows<'b>,
    y: &'a [f64],
    c: f64,
    qd: Vec<f64>,
    alpha: Vec<f64>,
    /// Gradient of the dual objective, Qα − e (exact for active variables).
    g: Vec<f64>,
    /// C · Σ_{j: αⱼ = C} Qᵢⱼ, for reconstructing the gradient of shrunk variables.
    g_bar: Vec<f64>,
    active: Vec<usize>,
}

impl<'a, 'b> Smo<'a, 'b> {
    const TAU: f64 = 1e-12;

    fn new(q: &'a KernelRows<'b>, y: &'a [f64], c: f64, start: Option<Vec<f64>>) -> Self {
        let n = y.len();
        let mut alpha = start.unwrap_or_else(|| vec![0.0; n]);
        for a in alpha.iter_mut() {
            *a = a.clamp(0.0, c);
        }
        let mut g = vec![-1.0; n];
        let mut g_bar = vec![0.0; n];
        for (i, &a) in alpha.iter().enumerate() {
            if a > 0.0 {
                let qi = q.row(i);
                for (gt, q) in g.iter_mut().zip(qi.iter()) {
                    *gt += q * a;
                }
                if a >= c {
                    for (gt, q) in g_bar.iter_mut().zip(qi.iter()) {
                        *gt += c * q;
                    }
                }
            }
        }
        Smo {
            q,
            y,
            c,
            qd: (0..n).map(|i| q.diagonal(i)).collect(),
            alpha,
            g,
            g_bar,
            active: (0..n).collect(),
        }
    }

    fn upper(&self, t: usize) -> bool {
        self.alpha[t] >= self.c
    }

    fn lower(&self, t: usize) -> bool {
        self.alpha[t] <= 0.0
    }

    fn solve(&mut self, eps: f64) {
        let n = self.y.len();
        let max_iter = (100 * n).max(10_000_000);
        let mut counter = n.min(1000) + 1;
        let mut unshrunk = false;
        for _ in 0..max_iter {
            counter -= 1;
            if counter == 0 {
                counter = n.min(1000);
                self.shrink(eps, &mut unshrunk);
            }
            let (i, j) = match self.working_set(eps) {
                Some(ij) => ij,
                None => {
                    // optimal on the active set: check all variables
                    self.reconstruct_gradient();
                    self.active = (0..n).collect();
                    match self.working_set(eps) {
                        Some(ij) => {
                            counter = 1;
                            ij
                        }
                        None => break,
                    }
                }
            };
            self.step(i, j);
        }
        if self.active.len() < n {
            self.reconstruct_gradient();
            self.active = (0..n).collect();
        }
    }

    /// (i, j) by WSS2, or `None` when the maximal violation is below `eps`.
    fn working_set(&self, eps: f64) -> Option<(usize, usize)> {
        let (y, g) = (self.y, &self.g);
        let (mut gmax, mut i) = (f64::NEG_INFINITY, usize::MAX);
        for &t in &self.active {
            let v = if y[t] > 0.0 {
                if self.upper(t) { continue } else { -g[t] }
            } else if self.lower(t) {
                continue;
            } else {
                g[t]
            };
            if v >= gmax {
                gmax = v;
                i = t;
            }
        }
        if i == usize::MAX {
            return None;
        }
        let qi = self.q.row(i);
        let (mut gmax2, mut j, mut best) = (f64::NEG_INFINITY, usize::MAX, f64::INFINITY);
        for &t in &self.active {
            let (v, quad) = if y[t] > 0.0 {
                if self.lower(t) {
                    continue;
                }
                (g[t], self.qd[i] + self.qd[t] - 2.0 * y[i] * qi[t])
            } else {
                if self.upper(t) {
                    continue;
                }
                (-g[t], self.qd[i] + self.qd[t] + 2.0 * y[i] * qi[t])
            };
            gmax2 = gmax2.max(v);
            let diff = gmax + v;
            if diff > 0.0 {
                let obj = -(diff * diff) / if quad > 0.0 { quad } else { Self::TAU };
                if obj <= best {
                    best = obj;
                    j = t;
                }
            }
        }
        if gmax + gmax2 < eps || j == usize::MAX {
            None
        } else {
            Some((i, j))
        }
    }

    /// The analytic two-variable update, clipped to the box, then the gradient.
    fn step(&mut self, i: usize, j: usize) {
        let (c, y) = (self.c, self.y);
        let qi = self.q.row(i);
        let qj = self.q.row(j);
        let (qd, g) = (&self.qd, &self.g);
        let (old_i, old_j) = (self.alpha[i], self.alpha[j]);
        let (mut ai, mut aj) = (old_i, old_j);
        if y[i] != y[j] {
            let quad = (qd[i] + qd[j] + 2.0 * qi[j]).max(Self::TAU);
            let delta = (-g[i] - g[j]) / quad;
            let diff = ai - aj;
            ai += delta;
            aj += delta;
            if diff > 0.0 {
                if aj < 0.0 {
                    aj = 0.0;
                    ai = diff;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = -diff;
            }
            if diff > 0.0 {
                if ai > c {
                    ai = c;
                    aj = c - diff;
                }
            } else if aj > c {
                aj = c;
                ai = c + diff;
            }
        } else {
            let quad = (qd[i] + qd[j] - 2.0 * qi[j]).max(Self::TAU);
            let delta = (g[i] - g[j]) / quad;
            let sum = ai + aj;
            ai -= delta;
            aj += delta;
            if sum > c {
                if ai > c {
                    ai = c;
                    aj = sum - c;
                }
            } else if aj < 0.0 {
                aj = 0.0;
                ai = sum;
            }
            if sum > c {
                if aj > c {
                    aj = c;
                    ai = sum - c;
                }
            } else if ai < 0.0 {
                ai = 0.0;
                aj = sum;
            }
        }
        self.alpha[i] = ai;
        self.alpha[j] = aj;
        let (di, dj) = (ai - old_i, aj - old_j);
        for &t in &self.active {
            self.g[t] += qi[t] * di + qj[t] * dj;
        }
        for (k, old, row) in [(i, old_i, &qi), (j, old_j, &qj)] {
            let (was, is) = (old >= c, self.alpha[k] >= c);
            if was != is {
                let sign = if is { c } else { -c };
                for (gb, q) in self.g_bar.iter_mut().zip(row.iter()) {
                    *gb += sign * q;
                }
            }
        }
    }

    /// libsvm's `do_shrinking`.
    fn shrink(&mut self, eps: f64, unshrunk: &mut bool) {
        let (y, g) = (self.y, &self.g);
        let (mut gmax1, mut gmax2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for &t in &self.active {
            if y[t] > 0.0 {
                if !self.upper(t) {
                    gmax1 = gmax1.max(-g[t]);
                }
                if !self.lower(t) {
                    gmax2 = gmax2.max(g[t]);
                }
            } else {
                if !self.upper(t) {
                    gmax2 = gmax2.max(-g[t]);
                }
                if !self.lower(t) {
                    gmax1 = gmax1.max(g[t]);
                }
            }
        }
        if !*unshrunk && gmax1 + gmax2 <= eps * 10.0 {
            *unshrunk = true;
            self.reconstruct_gradient();
            self.active = (0..y.len()).collect();
        }
        let active = std::mem::take(&mut self.active);
        self.active = active
            .into_iter()
            .filter(|&t| {
                let gt = self.g[t];
                let shrink = if self.upper(t) {
                    if y[t] > 0.0 { -gt > gmax1 } else { -gt > gmax2 }
                } else if self.lower(t) {
                    if y[t] > 0.0 { gt > gmax2 } else { gt > gmax1 }
                } else {
                    false
                };
                !shrink
            })
            .collect();
    }

    /// Exact gradient of the shrunk variables from Ḡ and the free variables' rows.
    fn reconstruct_gradient(&mut self) {
        let n = self.y.len();
        if self.active.len() == n {
            return;
        }
        let mut is_active = vec![false; n];
        for &t in &self.active {
            is_active[t] = true;
        }
        let inactive: Vec<usize> = (0..n).filter(|t| !is_active[*t]).collect();
        for &t in &inactive {
            self.g[t] = self.g_bar[t] - 1.0;
        }
        for j in 0..n {
            if self.alpha[j] > 0.0 && self.alpha[j] < self.c {
                let qj = self.q.row(j);
                for &t in &inactive {
                    self.g[t] += self.alpha[j] * qj[t];
                }
            }
        }
    }

    /// ρ: mean of yᵢGᵢ over free variables, else the middle of the feasible interval.
    fn rho(&self) -> f64 {
        let (mut ub, mut lb, mut sum, mut free) = (f64::INFINITY, f64::NEG_INFINITY, 0.0, 0usize);
        for t in 0..self.y.len() {
            let yg = self.y[t] * self.g[t];
            if self.upper(t) {
                if self.y[t] < 0.0 {
                    ub = ub.min(yg)
                } else {
                    lb = lb.max(yg)
                }
            } else if self.lower(t) {
                if self.y[t] > 0.0 {
                    ub = ub.min(yg)
                } else {
                    lb = lb.max(yg)
                }
            } else {
                free += 1;
                sum += yg;
            }
        }
        if free > 0 {
            sum / free as f64
        } else {
            (ub + lb) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let f = SvcFitted {
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
