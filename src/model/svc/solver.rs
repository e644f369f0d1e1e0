//! libsvm's SMO solver for the C-SVC dual: lazily computed kernel rows, second-order
//! working-set selection, shrinking with gradient reconstruction, warm starts along a
//! path of C values.

use std::cell::RefCell;

use ndarray::{ArrayView2, Axis};

use super::{Kernel, SvcState};

/// γ by scikit-learn's `"scale"`, then one solution per C (ascending), warm-started.
pub(super) fn solve_path(
    kernel: Kernel,
    gamma: Option<f64>,
    cs: &[f64],
    tol: f64,
    x: ArrayView2<f64>,
    y: &[u8],
) -> Vec<SvcState> {
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
            let fitted = SvcState {
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
    /// t ∈ I_up (α_t can move up along y_t: y = +1 and α < C, or y = −1 and α > 0).
    up: Vec<bool>,
    /// t ∈ I_low (y = +1 and α > 0, or y = −1 and α < C).
    low: Vec<bool>,
    /// The first half of the next working set, max over active t ∈ I_up of −y_t g_t and
    /// its t (the last of equals; `usize::MAX` if none), found by the last [`Smo::step`]
    /// while it updated the gradient; `None` when the gradient or the active set changed
    /// since.
    first: Option<(f64, usize)>,
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
        let mut smo = Smo {
            q,
            y,
            c,
            qd: (0..n).map(|i| q.diagonal(i)).collect(),
            alpha,
            g,
            g_bar,
            active: (0..n).collect(),
            up: vec![false; n],
            low: vec![false; n],
            first: None,
        };
        for t in 0..n {
            smo.set_status(t);
        }
        smo
    }

    /// Recomputes whether t is in I_up and I_low after α_t changed.
    fn set_status(&mut self, t: usize) {
        let (above, below) = (!self.upper(t), !self.lower(t));
        (self.up[t], self.low[t]) = if self.y[t] > 0.0 {
            (above, below)
        } else {
            (below, above)
        };
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
                self.first = None;
                self.shrink(eps, &mut unshrunk);
            }
            let (i, j) = match self.working_set(eps) {
                Some(ij) => ij,
                None => {
                    // optimal on the active set: check all variables
                    self.first = None;
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
    fn working_set(&mut self, eps: f64) -> Option<(usize, usize)> {
        let (y, g) = (self.y, &self.g);
        let (up, low) = (&self.up, &self.low);
        let (gmax, i) = self.first.take().unwrap_or_else(|| {
            let (mut gmax, mut i) = (f64::NEG_INFINITY, usize::MAX);
            for &t in &self.active {
                if up[t] {
                    // −y_t g_t (y_t = ±1: exact)
                    let v = -y[t] * g[t];
                    if v >= gmax {
                        gmax = v;
                        i = t;
                    }
                }
            }
            (gmax, i)
        });
        if i == usize::MAX {
            return None;
        }
        let qi = self.q.row(i);
        let (qd, qdi, yi2) = (&self.qd, self.qd[i], 2.0 * y[i]);
        let (mut gmax2, mut j, mut best) = (f64::NEG_INFINITY, usize::MAX, f64::INFINITY);
        for &t in &self.active {
            if !low[t] {
                continue;
            }
            let v = y[t] * g[t];
            // K_ii + K_tt − 2 K_it, with Q_it = y_i y_t K_it
            let quad = qdi + qd[t] - yi2 * y[t] * qi[t];
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
        self.set_status(i);
        self.set_status(j);
        let (di, dj) = (ai - old_i, aj - old_j);
        // The gradient, and on the way the next working set's first half (statuses are
        // already updated): the same comparisons in the same order as `working_set`'s.
        let (mut gmax, mut first) = (f64::NEG_INFINITY, usize::MAX);
        for &t in &self.active {
            let gt = self.g[t] + (qi[t] * di + qj[t] * dj);
            self.g[t] = gt;
            if self.up[t] {
                let v = -y[t] * gt;
                if v >= gmax {
                    gmax = v;
                    first = t;
                }
            }
        }
        self.first = Some((gmax, first));
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
