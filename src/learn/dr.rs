//! The DR-learner of one lever: pseudo-outcomes, the ridge penalty, cross-fitted effects,
//! the bootstrap intervals, the lever's average effect and uplift measures.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Band, CustomerEffect, GROUPS, LearnOptions, LeverResult, Moments, PENALTIES, Test};
use crate::error::Result;
use crate::evaluate::Estimate;
use crate::uplift::Curve;

/// One lever's fit.
pub(super) struct LeverFit {
    pub result: LeverResult,
    pub ridge: super::Ridge,
    pub customers: Vec<CustomerEffect>,
    /// Per test customer: the T-learner's cross-fitted effect (NaN where not allowed).
    pub t: Vec<f64>,
    /// … the DR-learner's.
    pub dr: Vec<f64>,
}

/// The lever of action `k` (`p`: the cross-fitted probabilities per action, `design`: the
/// DR basis of every test customer, `ids`: the snapshot's ids by row).
pub(super) fn fit_lever(
    t: &Test,
    k: usize,
    p: &[Vec<f64>],
    design: &ndarray::Array2<f64>,
    ids: &[i64],
    rng: &mut ChaCha8Rng,
) -> Result<LeverFit> {
    let mut te = vec![f64::NAN; t.units.len()];
    let mut de = vec![f64::NAN; t.units.len()];
    let mut customers = Vec::new();
    let allowed: Vec<usize> = (0..t.units.len()).filter(|i| t.e[*i][k] > 0.0).collect();
    let pair: Vec<usize> = allowed
        .iter()
        .copied()
        .filter(|i| t.units[*i].action == 0 || t.units[*i].action == k)
        .collect();
    let mut phi = vec![0.0; t.units.len()];
    for &i in &allowed {
        te[i] = p[k][i] - p[0][i];
    }
    for &i in &pair {
        let e = &t.e[i];
        let pi = e[k] / (e[k] + e[0]);
        let yi = f64::from(t.units[i].declined);
        phi[i] = if t.units[i].action == k {
            te[i] + (yi - p[k][i]) / pi
        } else {
            te[i] - (yi - p[0][i]) / (1.0 - pi)
        };
    }
    // the penalty: the one whose cross-fitted predictions of φ err least
    let fold_moments: Vec<Moments> = (0..t.options.folds)
        .map(|f| {
            let rows: Vec<usize> = pair.iter().copied().filter(|i| t.fold[*i] == f).collect();
            Moments::of(design.view(), &phi, &rows)
        })
        .collect();
    let without = |f: usize| {
        let mut m = Moments::zero(design.ncols());
        for (g, fm) in fold_moments.iter().enumerate() {
            if g != f {
                m.add(fm, 1.0);
            }
        }
        m
    };
    let mut best: Option<(f64, f64)> = None;
    for lambda in PENALTIES {
        let mut error = 0.0;
        for f in 0..t.options.folds {
            let r = without(f).solve(lambda)?;
            let rows: Vec<usize> = pair.iter().copied().filter(|i| t.fold[*i] == f).collect();
            let x = design.select(ndarray::Axis(0), &rows);
            for (i, v) in rows.iter().zip(r.predict(x.view())?) {
                error += (phi[*i] - v).powi(2);
            }
        }
        if best.is_none_or(|b| error < b.1) {
            best = Some((lambda, error));
        }
    }
    let lambda = best.map_or(PENALTIES[0], |b| b.0);
    for f in 0..t.options.folds {
        let r = without(f).solve(lambda)?;
        let valid: Vec<usize> = allowed
            .iter()
            .copied()
            .filter(|i| t.fold[*i] == f)
            .collect();
        let x_valid = design.select(ndarray::Axis(0), &valid);
        for (i, v) in valid.iter().zip(r.predict(x_valid.view())?) {
            de[*i] = v;
        }
    }
    // moments of random groups of the pair's customers, once
    let mut grouped = pair.clone();
    grouped.shuffle(rng);
    let chunk = grouped.len().div_ceil(GROUPS).max(1);
    let groups: Vec<&[usize]> = grouped.chunks(chunk).collect();
    let moments: Vec<Moments> =
        crate::par::map(&groups, None, |g| Moments::of(design.view(), &phi, g));
    let mut whole = Moments::zero(design.ncols());
    for m in &moments {
        whole.add(m, 1.0);
    }
    let final_ridge = whole.solve(lambda)?;
    let x_allowed = design.select(ndarray::Axis(0), &allowed);
    let replicates: Vec<u64> = (0..t.options.bootstrap as u64).collect();
    let boot: Vec<Vec<f64>> = crate::par::map(&replicates, None, |b| {
        let mut rng = ChaCha8Rng::seed_from_u64(t.options.seed);
        rng.set_stream(((k as u64) << 32) | b);
        let mut m = Moments::zero(design.ncols());
        for _ in 0..moments.len() {
            m.add(&moments[rng.gen_range(0..moments.len())], 1.0);
        }
        m.solve(lambda)
            .and_then(|r| r.predict(x_allowed.view()))
            .unwrap_or_else(|_| vec![f64::NAN; allowed.len()])
    });
    for (j, &i) in allowed.iter().enumerate() {
        let mut v: Vec<f64> = boot
            .iter()
            .map(|b| b[j])
            .filter(|v| v.is_finite())
            .collect();
        v.sort_by(f64::total_cmp);
        let q = |s: f64| crate::stats::quantile_sorted(&v, s);
        customers.push(CustomerEffect {
            id: ids[t.units[i].row],
            lever: t.levers[k - 1].id,
            t_learner: te[i],
            dr_learner: de[i],
            dr_low: q(t.options.alpha / 2.0),
            dr_high: q(1.0 - t.options.alpha / 2.0),
        });
    }
    let phi_pair: Vec<f64> = pair.iter().map(|i| phi[*i]).collect();
    let mean = crate::stats::mean(&phi_pair);
    let se = crate::stats::sample_std(&phi_pair, mean) / (phi_pair.len() as f64).sqrt();
    let kept: Vec<u8> = pair.iter().map(|i| 1 - t.units[*i].declined).collect();
    let uplift: Vec<f64> = pair.iter().map(|i| -de[*i]).collect();
    let treated: Vec<bool> = pair.iter().map(|i| t.units[*i].action == k).collect();
    let rate = |arm: bool| {
        let v: Vec<f64> = pair
            .iter()
            .zip(&treated)
            .filter(|(_, x)| **x == arm)
            .map(|(i, _)| f64::from(t.units[*i].declined))
            .collect();
        crate::stats::mean(&v)
    };
    let chosen: Vec<f64> = pair
        .iter()
        .filter(|i| t.what_if[**i] == k)
        .map(|i| phi[*i])
        .collect();
    let what_if: Vec<f64> = (0..t.units.len())
        .filter(|i| t.what_if[*i] == k)
        .map(|i| t.promised[i])
        .collect();
    let what_if_measured = if chosen.len() >= 2 {
        let m = crate::stats::mean(&chosen);
        let se = crate::stats::sample_std(&chosen, m) / (chosen.len() as f64).sqrt();
        Estimate::normal(m, se, t.options.alpha)
    } else {
        Estimate::NONE
    };
    let result = LeverResult {
        what_if_customers: what_if.len(),
        what_if_promised: if what_if.is_empty() {
            f64::NAN
        } else {
            crate::stats::mean(&what_if)
        },
        what_if_measured,
        lever: t.levers[k - 1].id.to_string(),
        allowed: allowed.len(),
        treated: treated.iter().filter(|x| **x).count(),
        control: treated.iter().filter(|x| !**x).count(),
        difference: rate(true) - rate(false),
        average: Estimate::normal(mean, se, t.options.alpha),
        qini: crate::uplift::qini_auc_score(&kept, &uplift, &treated, true)?,
        auuc: crate::uplift::uplift_auc_score(&kept, &uplift, &treated)?,
        uplift_at_k: crate::uplift::uplift_at_k(
            &kept,
            &uplift,
            &treated,
            t.options.top_share,
            false,
        )?,
        qini_curve: qini_band(&kept, &uplift, &treated, t.options, k as u64)?,
    };
    Ok(LeverFit {
        result,
        ridge: final_ridge,
        customers,
        t: te,
        dr: de,
    })
}

/// The Qini curve of `uplift` at 21 shares of customers, per customer of the sample,
/// with the `alpha` band of `options.bootstrap` resamples of customers.
fn qini_band(
    kept: &[u8],
    uplift: &[f64],
    treated: &[bool],
    options: &LearnOptions,
    stream: u64,
) -> Result<Band> {
    let share: Vec<f64> = (0..=20).map(|k| f64::from(k) / 20.0).collect();
    let at = |c: &Curve, n: usize| -> Vec<f64> {
        share
            .iter()
            .map(|s| {
                let x = s * n as f64;
                let j = c.x.partition_point(|v| *v < x);
                let y = if j == 0 {
                    c.y[0]
                } else if j >= c.x.len() {
                    *c.y.last().unwrap_or(&0.0)
                } else {
                    let (x0, x1, y0, y1) = (c.x[j - 1], c.x[j], c.y[j - 1], c.y[j]);
                    y0 + (y1 - y0) * (x - x0) / (x1 - x0).max(f64::MIN_POSITIVE)
                };
                y / n as f64
            })
            .collect()
    };
    let n = kept.len();
    let value = at(&crate::uplift::qini_curve(kept, uplift, treated)?, n);
    let replicates: Vec<u64> = (0..options.bootstrap as u64).collect();
    let boot: Vec<Option<Vec<f64>>> = crate::par::map(&replicates, None, |b| {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed ^ 0x9e37_79b9);
        rng.set_stream((stream << 32) | b);
        let idx: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
        let y: Vec<u8> = idx.iter().map(|i| kept[*i]).collect();
        let u: Vec<f64> = idx.iter().map(|i| uplift[*i]).collect();
        let t: Vec<bool> = idx.iter().map(|i| treated[*i]).collect();
        crate::uplift::qini_curve(&y, &u, &t)
            .ok()
            .map(|c| at(&c, n))
    });
    let boot: Vec<Vec<f64>> = boot.into_iter().flatten().collect();
    let q = |k: usize, s: f64| {
        let mut v: Vec<f64> = boot.iter().map(|b| b[k]).collect();
        v.sort_by(f64::total_cmp);
        crate::stats::quantile_sorted(&v, s)
    };
    Ok(Band {
        low: (0..share.len())
            .map(|k| q(k, options.alpha / 2.0))
            .collect(),
        high: (0..share.len())
            .map(|k| q(k, 1.0 - options.alpha / 2.0))
            .collect(),
        share,
        value,
    })
}
