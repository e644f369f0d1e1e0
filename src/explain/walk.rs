//! The model's output along a walk of masks, averaged over the background; for RBF SVCs
//! the kernel factorises over features, so a step multiplies cached factors instead of
//! re-evaluating the model.

use ndarray::{Array1, Array2, ArrayView1, Axis};

use crate::error::Result;
use crate::model::{Classifier, FittedModel, platt};

/// Model outputs along a walk of masks, averaged over the background.
pub(super) struct Evaluator<'a> {
    model: &'a FittedModel,
    bg: &'a Array2<f64>,
    groups: &'a [Vec<usize>],
    /// E over the background of the output with every feature masked.
    pub(super) base: f64,
    rbf: Option<RbfCache>,
}

/// Per background row b, feature group g and support vector s:
/// exp(−γ Σ_{j∈g} (s_j − b_j)²), and the whole kernel K(s, b).
struct RbfCache {
    gamma: f64,
    support: Array2<f64>,
    coef: Array1<f64>,
    rho: f64,
    platt: (f64, f64),
    /// [b][g][s]
    factor: Vec<Vec<Vec<f64>>>,
    /// [b][s]
    kernel: Vec<Vec<f64>>,
}

/// A row's walk state.
pub(super) enum Walk {
    Generic,
    /// Row factors [g][s] and K(s, x).
    Rbf {
        factor: Vec<Vec<f64>>,
        kernel: Vec<f64>,
        k: Vec<Vec<f64>>,
        full: f64,
    },
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(
        model: &'a FittedModel,
        bg: &'a Array2<f64>,
        groups: &'a [Vec<usize>],
    ) -> Result<Self> {
        let base = model.predict_proba(bg.view())?.mean().unwrap_or(f64::NAN);
        let rbf = match model {
            FittedModel::Svc(svc) => svc.rbf_parts().and_then(|p| {
                let (a, b) = p.platt?;
                let factor: Vec<Vec<Vec<f64>>> = bg
                    .rows()
                    .into_iter()
                    .map(|row| group_factors(p.gamma, p.support, row, groups))
                    .collect();
                let kernel = factor
                    .iter()
                    .map(|f| {
                        (0..p.support.nrows())
                            .map(|s| f.iter().map(|g| g[s]).product())
                            .collect()
                    })
                    .collect();
                Some(RbfCache {
                    gamma: p.gamma,
                    support: p.support.clone(),
                    coef: p.dual_coef.clone(),
                    rho: p.rho,
                    platt: (a, b),
                    factor,
                    kernel,
                })
            }),
            _ => None,
        };
        Ok(Evaluator {
            model,
            bg,
            groups,
            base,
            rbf,
        })
    }

    pub(super) fn start(&self, row: ArrayView1<f64>) -> Result<Walk> {
        let full = self
            .model
            .predict_proba(row.insert_axis(Axis(0)))?
            .first()
            .copied()
            .unwrap_or(f64::NAN);
        if let Some(c) = &self.rbf {
            let factor = group_factors(c.gamma, &c.support, row, self.groups);
            let kernel: Vec<f64> = (0..c.support.nrows())
                .map(|s| factor.iter().map(|g| g[s]).product())
                .collect();
            // the multiplicative walk divides by background factors: use it only where
            // every factor is comfortably inside the floating-point range
            let safe = factor.iter().flatten().all(|v| *v > 1e-250)
                && c.factor.iter().flatten().flatten().all(|v| *v > 1e-250);
            if safe {
                return Ok(Walk::Rbf {
                    factor,
                    kernel,
                    k: c.kernel.clone(),
                    full,
                });
            }
        }
        Ok(Walk::Generic)
    }

    /// Outputs of the 2M + 1 masks of `order`: all masked, then unmasking `order[0]`, …,
    /// all unmasked (exactly the row's output), then masking `order[0]`, …, all masked
    /// (exactly the base value).
    pub(super) fn walk(
        &self,
        state: &mut Walk,
        row: ArrayView1<f64>,
        order: &[usize],
    ) -> Result<Vec<f64>> {
        let m = order.len();
        match state {
            Walk::Rbf {
                factor,
                kernel,
                k,
                full,
            } => {
                let c = self.rbf.as_ref().expect("RBF walk has a cache");
                let mut out = Vec::with_capacity(2 * m + 1);
                out.push(self.base);
                // forward from K(s, b)
                for (kb, cb) in k.iter_mut().zip(&c.kernel) {
                    kb.copy_from_slice(cb);
                }
                for (step, &g) in order.iter().enumerate() {
                    if step + 1 == m {
                        out.push(*full);
                        break;
                    }
                    out.push(self.rbf_step(c, k, |b, s| factor[g][s] / c.factor[b][g][s]));
                }
                // backward from K(s, x)
                for kb in k.iter_mut() {
                    kb.copy_from_slice(kernel);
                }
                for (step, &g) in order.iter().enumerate() {
                    if step + 1 == m {
                        out.push(self.base);
                        break;
                    }
                    out.push(self.rbf_step(c, k, |b, s| c.factor[b][g][s] / factor[g][s]));
                }
                Ok(out)
            }
            Walk::Generic => {
                let (nb, p) = self.bg.dim();
                let mut batch = Array2::zeros(((2 * m + 1) * nb, p));
                let mut z = self.bg.clone();
                let mut put = |k: usize, z: &Array2<f64>| {
                    batch
                        .slice_mut(ndarray::s![k * nb..(k + 1) * nb, ..])
                        .assign(z);
                };
                put(0, &z);
                for (step, &g) in order.iter().enumerate() {
                    for &j in &self.groups[g] {
                        z.column_mut(j).fill(row[j]);
                    }
                    put(step + 1, &z);
                }
                for (step, &g) in order.iter().enumerate() {
                    for &j in &self.groups[g] {
                        z.column_mut(j).assign(&self.bg.column(j));
                    }
                    put(m + step + 1, &z);
                }
                let p = self.model.predict_proba(batch.view())?;
                Ok((0..2 * m + 1)
                    .map(|k| {
                        p.slice(ndarray::s![k * nb..(k + 1) * nb])
                            .mean()
                            .unwrap_or(f64::NAN)
                    })
                    .collect())
            }
        }
    }

    /// Multiplies every K(s, z_b) by `ratio(b, s)` and returns the mean probability.
    fn rbf_step(
        &self,
        c: &RbfCache,
        k: &mut [Vec<f64>],
        ratio: impl Fn(usize, usize) -> f64,
    ) -> f64 {
        let (a, b0) = c.platt;
        let coef = c.coef.as_slice().expect("contiguous coefficients");
        let mut total = 0.0;
        for (b, kb) in k.iter_mut().enumerate() {
            let mut d = 0.0;
            for (s, (kv, w)) in kb.iter_mut().zip(coef).enumerate() {
                *kv *= ratio(b, s);
                d += w * *kv;
            }
            total += platt(a, b0, d - c.rho);
        }
        total / k.len() as f64
    }
}

/// exp(−γ Σ_{j∈g} (s_j − x_j)²) for every group g and support vector s.
fn group_factors(
    gamma: f64,
    support: &Array2<f64>,
    x: ArrayView1<f64>,
    groups: &[Vec<usize>],
) -> Vec<Vec<f64>> {
    groups
        .iter()
        .map(|g| {
            support
                .rows()
                .into_iter()
                .map(|s| {
                    let d: f64 = g.iter().map(|&j| (s[j] - x[j]) * (s[j] - x[j])).sum();
                    (-gamma * d).exp()
                })
                .collect()
        })
        .collect()
}
