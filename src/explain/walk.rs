//! The model's output along a walk of masks, averaged over the background; for RBF SVCs
//! the kernel factorises over features, so a step multiplies cached factors instead of
//! re-evaluating the model.

use ndarray::{Array2, ArrayView1, Axis};

use crate::error::Result;
use crate::model::{Classifier, FittedModel, MaskWalker, platt};

/// Model outputs along a walk of masks, averaged over the background.
pub(super) struct Evaluator<'a> {
    model: &'a FittedModel,
    bg: &'a Array2<f64>,
    groups: &'a [Vec<usize>],
    /// E over the background of the output with every feature masked.
    pub(super) base: f64,
    rbf: Option<RbfCache>,
    trees: Option<TreeCache<'a>>,
}

/// A gradient-boosting model's trees indexed for walks, and each background row's ways
/// through them.
struct TreeCache<'a> {
    walker: MaskWalker<'a>,
    /// [b][tree]
    bg_ways: Vec<Vec<u64>>,
}

/// Per background row b, feature group g and support vector s:
/// exp(−γ Σ_{j∈g} (s_j − b_j)²) and its inverse, and the whole kernel K(s, b); flat,
/// so that a step is one pass over contiguous slices.
struct RbfCache {
    gamma: f64,
    support: Array2<f64>,
    coef: Vec<f64>,
    rho: f64,
    platt: (f64, f64),
    /// Support vectors.
    ns: usize,
    /// Feature groups.
    groups: usize,
    /// [(b·groups + g)·ns + s]
    factor: Vec<f64>,
    /// 1 / factor, same layout.
    inverse: Vec<f64>,
    /// [b·ns + s]
    kernel: Vec<f64>,
}

/// A row's walk state.
pub(super) enum Walk {
    Generic,
    /// The row's ways through each tree of a gradient-boosting model.
    Trees(Vec<u64>),
    /// Row factors [g][s] and K(s, x).
    Rbf {
        /// The row's factors [g·ns + s] and their inverses.
        factor: Vec<f64>,
        inverse: Vec<f64>,
        /// K(s, x) [s].
        kernel: Vec<f64>,
        /// The walk's current K(s, z_b) [s] of one background row b.
        k: Vec<f64>,
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
                let ns = p.support.nrows();
                let factor: Vec<f64> = bg
                    .rows()
                    .into_iter()
                    .flat_map(|row| group_factors(p.gamma, p.support, row, groups))
                    .collect();
                let kernel = kernels(&factor, groups.len(), ns);
                // the multiplicative walk divides by background factors: use it only where
                // every factor is comfortably inside the floating-point range
                if !factor.iter().all(|v| *v > 1e-250) {
                    return None;
                }
                Some(RbfCache {
                    gamma: p.gamma,
                    support: p.support.clone(),
                    coef: p.dual_coef.to_vec(),
                    rho: p.rho,
                    platt: (a, b),
                    ns,
                    groups: groups.len(),
                    inverse: factor.iter().map(|v| 1.0 / v).collect(),
                    factor,
                    kernel,
                })
            }),
            FittedModel::Knn(_)
            | FittedModel::DecisionTree(_)
            | FittedModel::LogisticRegression(_)
            | FittedModel::GradientBoosting(_) => None,
        };
        let trees = match model {
            FittedModel::GradientBoosting(m) => MaskWalker::new(m, groups).map(|walker| {
                let bg_ways = bg
                    .rows()
                    .into_iter()
                    .map(|z| walker.directions(z))
                    .collect();
                TreeCache { walker, bg_ways }
            }),
            FittedModel::Knn(_)
            | FittedModel::DecisionTree(_)
            | FittedModel::LogisticRegression(_)
            | FittedModel::Svc(_) => None,
        };
        Ok(Evaluator {
            model,
            bg,
            groups,
            base,
            rbf,
            trees,
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
            if factor.iter().all(|v| *v > 1e-250) {
                let kernel = kernels(&factor, c.groups, c.ns);
                return Ok(Walk::Rbf {
                    inverse: factor.iter().map(|v| 1.0 / v).collect(),
                    factor,
                    kernel,
                    k: vec![0.0; c.ns],
                    full,
                });
            }
        }
        if let Some(c) = &self.trees {
            return Ok(Walk::Trees(c.walker.directions(row)));
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
                inverse,
                kernel,
                k,
                full,
            } => {
                let c = self.rbf.as_ref().expect("RBF walk has a cache");
                let (ns, mg) = (c.ns, c.groups);
                let nb = c.kernel.len() / ns;
                let (a, b0) = c.platt;
                // One background row at a time through every step (its factors stay in
                // cache), adding its probability to each step's sum in the order of b.
                let (mut fwd, mut bwd) = (vec![0.0; m - 1], vec![0.0; m - 1]);
                for b in 0..nb {
                    let own = |g: usize| (b * mg + g) * ns..(b * mg + g + 1) * ns;
                    // forward from K(s, b): unmasking g multiplies by x's factor over b's
                    k.copy_from_slice(&c.kernel[b * ns..(b + 1) * ns]);
                    for (sum, &g) in fwd.iter_mut().zip(order) {
                        let d = scale_and_dot(
                            k,
                            &factor[g * ns..(g + 1) * ns],
                            &c.inverse[own(g)],
                            &c.coef,
                        );
                        *sum += platt(a, b0, d - c.rho);
                    }
                    // backward from K(s, x): masking g multiplies by b's factor over x's
                    k.copy_from_slice(kernel);
                    for (sum, &g) in bwd.iter_mut().zip(order) {
                        let d = scale_and_dot(
                            k,
                            &c.factor[own(g)],
                            &inverse[g * ns..(g + 1) * ns],
                            &c.coef,
                        );
                        *sum += platt(a, b0, d - c.rho);
                    }
                }
                let mut out = Vec::with_capacity(2 * m + 1);
                out.push(self.base);
                out.extend(fwd.iter().map(|v| v / nb as f64));
                out.push(*full);
                out.extend(bwd.iter().map(|v| v / nb as f64));
                out.push(self.base);
                Ok(out)
            }
            Walk::Trees(ways) => match &self.trees {
                Some(c) => Ok(self.mask_walk(c, ways, order)),
                None => self.batch_walk(row, order),
            },
            Walk::Generic => self.batch_walk(row, order),
        }
    }

    /// [`walk`](Self::walk) of a gradient-boosting model through its trees' node masks
    /// ([`MaskWalker`]); bit for bit the batch's outputs.
    fn mask_walk(&self, c: &TreeCache, ways: &[u64], order: &[usize]) -> Vec<f64> {
        let k = order.len();
        let nb = c.bg_ways.len();
        let mut p = Array2::zeros((2 * k + 1, nb));
        for (b, z) in c.bg_ways.iter().enumerate() {
            let forward = c.walker.walk(z, ways, order);
            // the fully unmasked row as the batch builds it: every grouped feature from
            // the explained row, the rest from the background row
            let end = c.walker.mix(ways, z);
            let backward = c.walker.walk(&end, z, order);
            for (s, r) in forward.iter().enumerate() {
                p[[s, b]] = crate::model::gbdt_probability(*r);
            }
            for (s, r) in backward.iter().enumerate().skip(1) {
                p[[k + s, b]] = crate::model::gbdt_probability(*r);
            }
        }
        p.rows()
            .into_iter()
            .map(|r| r.mean().unwrap_or(f64::NAN))
            .collect()
    }

    /// [`walk`](Self::walk) of any model: every masked row of every background row in one
    /// batch through the model.
    fn batch_walk(&self, row: ArrayView1<f64>, order: &[usize]) -> Result<Vec<f64>> {
        let m = order.len();
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

/// `k[s] *= num[s] · den[s]`, then Σ_s w[s] · k[s] in sixteen interleaved partial sums (a
/// fixed order, so the AVX2 and baseline copies agree bit for bit: neither fuses
/// multiply-adds).
fn scale_and_dot(k: &mut [f64], num: &[f64], den: &[f64], w: &[f64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { scale_and_dot_avx2(k, num, den, w) };
    }
    scale_and_dot_generic(k, num, den, w)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scale_and_dot_avx2(k: &mut [f64], num: &[f64], den: &[f64], w: &[f64]) -> f64 {
    scale_and_dot_generic(k, num, den, w)
}

#[inline(always)]
fn scale_and_dot_generic(k: &mut [f64], num: &[f64], den: &[f64], w: &[f64]) -> f64 {
    let n = k.len();
    let (num, den, w) = (&num[..n], &den[..n], &w[..n]);
    // sixteen partial sums: four AVX2 registers, so the additions do not wait on each other
    let mut acc = [0.0f64; 16];
    let whole = n / 16 * 16;
    for (((kc, nc), dc), wc) in k[..whole]
        .chunks_exact_mut(16)
        .zip(num[..whole].chunks_exact(16))
        .zip(den[..whole].chunks_exact(16))
        .zip(w[..whole].chunks_exact(16))
    {
        // fixed-length blocks: no bounds checks, so the block becomes vector instructions
        let kc: &mut [f64; 16] = kc.try_into().expect("a block of 16");
        let nc: &[f64; 16] = nc.try_into().expect("a block of 16");
        let dc: &[f64; 16] = dc.try_into().expect("a block of 16");
        let wc: &[f64; 16] = wc.try_into().expect("a block of 16");
        for l in 0..16 {
            let v = kc[l] * (nc[l] * dc[l]);
            kc[l] = v;
            acc[l] += wc[l] * v;
        }
    }
    let mut tail = 0.0;
    for s in whole..n {
        let v = k[s] * (num[s] * den[s]);
        k[s] = v;
        tail += w[s] * v;
    }
    let mut half = [0.0f64; 8];
    for (h, pair) in half.iter_mut().zip(acc.chunks_exact(2)) {
        *h = pair[0] + pair[1];
    }
    ((half[0] + half[1]) + (half[2] + half[3])) + ((half[4] + half[5]) + (half[6] + half[7])) + tail
}

/// K(s, z) = Π_g factor[g·ns + s] for every support vector s of every row's factors.
fn kernels(factor: &[f64], groups: usize, ns: usize) -> Vec<f64> {
    factor
        .chunks_exact(groups * ns)
        .flat_map(|f| (0..ns).map(move |s| (0..groups).map(|g| f[g * ns + s]).product::<f64>()))
        .collect()
}

/// exp(−γ Σ_{j∈g} (s_j − x_j)²) for every group g and support vector s, as [g·ns + s].
fn group_factors(
    gamma: f64,
    support: &Array2<f64>,
    x: ArrayView1<f64>,
    groups: &[Vec<usize>],
) -> Vec<f64> {
    groups
        .iter()
        .flat_map(|g| {
            support.rows().into_iter().map(move |s| {
                let d: f64 = g.iter().map(|&j| (s[j] - x[j]) * (s[j] - x[j])).sum();
                (-gamma * d).exp()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fit, Kernel, Model, Svc};

    /// `n` rows of seven smooth features and a label from four of them.
    fn data(n: usize) -> (Array2<f64>, Vec<u8>) {
        let x = Array2::from_shape_fn((n, 7), |(i, j)| {
            ((i * 5 + j * 11) as f64 * 0.29).sin() * (1.0 + j as f64 * 0.3)
        });
        let y = x
            .rows()
            .into_iter()
            .map(|r| u8::from(r[0] - r[1] * r[2] + 0.3 * r[5] > 0.0))
            .collect();
        (x, y)
    }

    /// The RBF walk (cached kernel factors) gives every intermediate output the model
    /// itself gives on the masked rows.
    #[test]
    fn rbf_walk_equals_the_model_on_every_mask() {
        let (x, y) = data(90);
        let model = Model::from(Svc::new(Kernel::Rbf, 2.0).with_probability(5))
            .fit(x.view(), &y)
            .unwrap();
        let bg = x.slice(ndarray::s![..17, ..]).to_owned();
        // one group of two columns, the others alone
        let groups: Vec<Vec<usize>> = vec![vec![0, 6], vec![1], vec![2], vec![3], vec![4], vec![5]];
        let fast = Evaluator::new(&model, &bg, &groups).unwrap();
        assert!(fast.rbf.is_some());
        let slow = Evaluator {
            rbf: None,
            ..Evaluator::new(&model, &bg, &groups).unwrap()
        };
        let order = [3, 0, 5, 1, 4, 2];
        for i in [20, 41, 77] {
            let row = x.row(i);
            let mut a = fast.start(row).unwrap();
            assert!(matches!(a, Walk::Rbf { .. }));
            let mut b = Walk::Generic;
            let (wa, wb) = (
                fast.walk(&mut a, row, &order).unwrap(),
                slow.walk(&mut b, row, &order).unwrap(),
            );
            assert_eq!(wa.len(), 2 * order.len() + 1);
            for (k, (u, v)) in wa.iter().zip(&wb).enumerate() {
                assert!((u - v).abs() < 1e-12, "row {i}, mask {k}: {u} vs {v}");
            }
        }
    }

    /// The gradient-boosting walk (trees re-descended only where a step turns a node on
    /// their way) gives bit for bit the batch's outputs on every mask.
    #[test]
    fn tree_walk_equals_the_batch_on_every_mask() {
        let (x, y) = data(300);
        let model = Model::from(crate::model::Gbdt::new(0.1, 60, 15))
            .fit(x.view(), &y)
            .unwrap();
        let bg = x.slice(ndarray::s![..23, ..]).to_owned();
        // a group of two columns; then feature 6 in no group (it stays the background's)
        let partition: Vec<Vec<usize>> =
            vec![vec![0, 6], vec![1], vec![2], vec![3], vec![4], vec![5]];
        let partial: Vec<Vec<usize>> = (0..6).map(|j| vec![j]).collect();
        let bits = |v: &[f64]| v.iter().map(|u| u.to_bits()).collect::<Vec<_>>();
        for groups in [&partition, &partial] {
            let masks = Evaluator::new(&model, &bg, groups).unwrap();
            assert!(masks.trees.is_some());
            for (i, order) in [
                (20, [3, 0, 5, 1, 4, 2]),
                (141, [0, 1, 2, 3, 4, 5]),
                (277, [5, 4, 3, 2, 1, 0]),
            ] {
                let row = x.row(i);
                let slow = masks.batch_walk(row, &order).unwrap();
                assert_eq!(slow.len(), 2 * order.len() + 1);
                // and the walk moves: the masks change the output
                assert!(slow.iter().any(|v| (v - slow[0]).abs() > 1e-6));
                let mut state = masks.start(row).unwrap();
                assert!(matches!(state, Walk::Trees(_)));
                let fast = masks.walk(&mut state, row, &order).unwrap();
                assert_eq!(bits(&fast), bits(&slow), "row {i}");
            }
        }
    }
}
