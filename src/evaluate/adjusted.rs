//! The stratified, covariate-adjusted difference of means test − control: the estimator
//! a randomised test stratified like a campaign calls for.
//!
//! Within each stratum the difference of the arms' means is corrected by the difference
//! of their covariate means times θ, the pooled within-cell regression slope of the
//! outcome on the covariates (CUPED / ANCOVA with one slope for all cells: cells are
//! stratum × arm, so the slope never absorbs the treatment effect). The strata's
//! differences are weighted by their share of the customers; the variance is Neyman's,
//! Σ w²ₛ (s²_test,ₛ / n_test,ₛ + s²_control,ₛ / n_control,ₛ), with the sample variances
//! of the adjusted outcome y − θ·x, and the interval is normal. A stratum with fewer than
//! two customers in an arm has no variance of its own: such strata are pooled into one
//! (at an equal test share in every stratum pooling keeps the estimator unbiased), and a
//! pool still too thin joins the largest stratum. That the interval keeps its level under
//! the campaign's rerandomisation is checked by simulation (tests/evaluate_simulation.rs).

use serde::{Deserialize, Serialize};

use crate::stats::{norm_cdf, norm_ppf};

/// One customer of a comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit {
    /// The stratum (any id; month and stratum together when months are pooled).
    pub stratum: u32,
    /// In the test arm.
    pub test: bool,
    /// The outcome.
    pub y: f64,
    /// The pre-period covariates (the campaign's probability and the prior profit).
    pub x: [f64; 2],
}

/// An estimate with its standard error and interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// The estimate.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
    /// The interval's lower end (`1 − alpha`, normal).
    pub ci_low: f64,
    /// … upper end.
    pub ci_high: f64,
}

impl Estimate {
    /// Not estimable (an arm without customers): every field `NaN`.
    pub const NONE: Estimate = Estimate {
        value: f64::NAN,
        se: f64::NAN,
        ci_low: f64::NAN,
        ci_high: f64::NAN,
    };

    /// `value ± z·se` at `1 − alpha`.
    pub fn normal(value: f64, se: f64, alpha: f64) -> Estimate {
        let z = norm_ppf(1.0 - alpha / 2.0);
        Estimate {
            value,
            se,
            ci_low: value - z * se,
            ci_high: value + z * se,
        }
    }

    /// `a·self + b`, for an amount computed from a difference (a ≥ 0).
    pub fn affine(self, a: f64, b: f64) -> Estimate {
        Estimate {
            value: a * self.value + b,
            se: a * self.se,
            ci_low: a * self.ci_low + b,
            ci_high: a * self.ci_high + b,
        }
    }

    /// One-sided p-value of "the true value is at most 0" (normal): small when the
    /// estimate lies well above zero.
    pub fn p_above_zero(&self) -> f64 {
        if self.se > 0.0 {
            1.0 - norm_cdf(self.value / self.se)
        } else if self.value > 0.0 {
            0.0
        } else if self.value.is_nan() {
            f64::NAN
        } else {
            1.0
        }
    }

    /// The width of the interval.
    pub fn width(&self) -> f64 {
        self.ci_high - self.ci_low
    }
}

/// The stratified difference test − control of `units`' outcome, adjusted for the
/// covariates when `adjust`; also the number of strata it used. [`Estimate::NONE`] when
/// an arm has fewer than two customers.
pub(crate) fn stratified(units: &[Unit], adjust: bool, alpha: f64) -> (Estimate, usize) {
    let strata = merged_strata(units);
    let Some((cells, count)) = strata else {
        return (Estimate::NONE, 0);
    };
    // cell index: 2·stratum + arm (0 test, 1 control)
    let cell = |k: usize| 2 * cells[k] + usize::from(!units[k].test);
    let mut n = vec![0.0f64; 2 * count];
    let mut my = vec![0.0f64; 2 * count];
    let mut mx = vec![[0.0f64; 2]; 2 * count];
    for (k, u) in units.iter().enumerate() {
        let c = cell(k);
        n[c] += 1.0;
        my[c] += u.y;
        mx[c][0] += u.x[0];
        mx[c][1] += u.x[1];
    }
    for c in 0..2 * count {
        my[c] /= n[c];
        mx[c][0] /= n[c];
        mx[c][1] /= n[c];
    }
    let theta = if adjust {
        let mut sxx = [[0.0f64; 2]; 2];
        let mut sxy = [0.0f64; 2];
        for (k, u) in units.iter().enumerate() {
            let c = cell(k);
            let dx = [u.x[0] - mx[c][0], u.x[1] - mx[c][1]];
            let dy = u.y - my[c];
            for a in 0..2 {
                sxy[a] += dx[a] * dy;
                for b in 0..2 {
                    sxx[a][b] += dx[a] * dx[b];
                }
            }
        }
        slope(sxx, sxy)
    } else {
        [0.0, 0.0]
    };
    let adjusted = |y: f64, x: [f64; 2]| y - theta[0] * x[0] - theta[1] * x[1];
    let mut ss = vec![0.0f64; 2 * count];
    for (k, u) in units.iter().enumerate() {
        let c = cell(k);
        let r = adjusted(u.y, u.x) - adjusted(my[c], mx[c]);
        ss[c] += r * r;
    }
    let total = units.len() as f64;
    let (mut value, mut var) = (0.0, 0.0);
    for s in 0..count {
        let (t, c) = (2 * s, 2 * s + 1);
        let w = (n[t] + n[c]) / total;
        value += w * (adjusted(my[t], mx[t]) - adjusted(my[c], mx[c]));
        var += w * w * (ss[t] / (n[t] - 1.0) / n[t] + ss[c] / (n[c] - 1.0) / n[c]);
    }
    (Estimate::normal(value, var.sqrt(), alpha), count)
}

/// θ solving `sxx·θ = sxy`; a covariate without variance (or two collinear ones) falls
/// back to the one with variance, or to no adjustment.
fn slope(sxx: [[f64; 2]; 2], sxy: [f64; 2]) -> [f64; 2] {
    let det = sxx[0][0] * sxx[1][1] - sxx[0][1] * sxx[1][0];
    if det > 1e-9 * sxx[0][0] * sxx[1][1] && det > 0.0 {
        return [
            (sxx[1][1] * sxy[0] - sxx[0][1] * sxy[1]) / det,
            (sxx[0][0] * sxy[1] - sxx[1][0] * sxy[0]) / det,
        ];
    }
    if sxx[0][0] > 0.0 {
        [sxy[0] / sxx[0][0], 0.0]
    } else if sxx[1][1] > 0.0 {
        [0.0, sxy[1] / sxx[1][1]]
    } else {
        [0.0, 0.0]
    }
}

/// Per unit its merged stratum (0..count), and count; `None` when an arm has fewer than
/// two customers. Strata with at least two customers in each arm keep their own; the
/// rest are pooled into one, which joins the largest stratum when it is itself thinner.
fn merged_strata(units: &[Unit]) -> Option<(Vec<usize>, usize)> {
    let mut counts: std::collections::BTreeMap<u32, [usize; 2]> = Default::default();
    for u in units {
        counts.entry(u.stratum).or_default()[usize::from(!u.test)] += 1;
    }
    let arms = counts
        .values()
        .fold([0, 0], |a, c| [a[0] + c[0], a[1] + c[1]]);
    if arms[0] < 2 || arms[1] < 2 {
        return None;
    }
    let ok = |c: &[usize; 2]| c[0] >= 2 && c[1] >= 2;
    let mut index: std::collections::HashMap<u32, usize> = Default::default();
    let mut count = 0;
    for (s, c) in &counts {
        if ok(c) {
            index.insert(*s, count);
            count += 1;
        }
    }
    let thin: Vec<u32> = counts
        .iter()
        .filter(|(_, c)| !ok(c))
        .map(|(s, _)| *s)
        .collect();
    if !thin.is_empty() {
        let pooled = thin.iter().fold([0, 0], |a, s| {
            let c = counts[s];
            [a[0] + c[0], a[1] + c[1]]
        });
        let target = if ok(&pooled) || count == 0 {
            count += 1;
            count - 1
        } else {
            // the largest stratum takes the thin pool
            let largest = counts
                .iter()
                .filter(|(_, c)| ok(c))
                .max_by_key(|(s, c)| (c[0] + c[1], std::cmp::Reverse(**s)))
                .map(|(s, _)| *s)?;
            index[&largest]
        };
        for s in thin {
            index.insert(s, target);
        }
    }
    Some((units.iter().map(|u| index[&u.stratum]).collect(), count))
}

/// Holm's step-down adjustment of `p` (NaN entries are left out and stay NaN).
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|i| !p[*i].is_nan()).collect();
    order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
    let m = order.len();
    let mut out = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (j, i) in order.iter().enumerate() {
        running = running.max(((m - j) as f64 * p[*i]).min(1.0));
        out[*i] = running;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holm_matches_the_step_down_by_hand() {
        // m = 4, sorted 0.01, 0.03, 0.04, 0.5: 0.01·4 = 0.04, 0.03·3 = 0.09, 0.04·2 = 0.08
        // → 0.09 (kept monotone), 0.5·1 = 0.5
        let p = holm(&[0.04, 0.01, 0.5, 0.03, f64::NAN]);
        let want = [0.09, 0.04, 0.5, 0.09];
        for (a, b) in p.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{p:?}");
        }
        assert!(p[4].is_nan());
    }

    #[test]
    fn one_stratum_without_adjustment_is_the_welch_difference() {
        let units: Vec<Unit> = [
            (true, 1.0),
            (true, 0.0),
            (true, 1.0),
            (false, 0.0),
            (false, 0.0),
            (false, 1.0),
        ]
        .iter()
        .map(|(t, y)| Unit {
            stratum: 0,
            test: *t,
            y: *y,
            x: [0.0, 0.0],
        })
        .collect();
        let (e, strata) = stratified(&units, true, 0.05);
        assert_eq!(strata, 1);
        // means 2/3 and 1/3; sample variances 1/3 each over 3 customers
        assert!((e.value - 1.0 / 3.0).abs() < 1e-12);
        assert!((e.se - (2.0 / 9.0f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn a_covariate_that_explains_the_outcome_removes_its_variance() {
        // y = 2·x + 0.5·test exactly: the adjusted difference is 0.5 with no variance left
        let units: Vec<Unit> = (0..40)
            .map(|i| {
                let x = f64::from(i % 7);
                let test = i % 2 == 0;
                Unit {
                    stratum: (i % 3) as u32,
                    test,
                    y: 2.0 * x + if test { 0.5 } else { 0.0 },
                    x: [x, 1.0],
                }
            })
            .collect();
        let (adjusted, _) = stratified(&units, true, 0.05);
        assert!((adjusted.value - 0.5).abs() < 1e-9, "{adjusted:?}");
        assert!(adjusted.se < 1e-9, "{adjusted:?}");
        let (plain, _) = stratified(&units, false, 0.05);
        assert!(plain.se > 0.1, "{plain:?}");
    }

    #[test]
    fn thin_strata_are_pooled_and_an_empty_arm_is_not_estimable() {
        let unit = |stratum: u32, test: bool| Unit {
            stratum,
            test,
            y: f64::from(stratum),
            x: [0.0, 0.0],
        };
        // strata 1 and 2 have one customer per arm: pooled into one
        let units = vec![
            unit(0, true),
            unit(0, true),
            unit(0, false),
            unit(0, false),
            unit(1, true),
            unit(1, false),
            unit(2, true),
            unit(2, false),
        ];
        assert_eq!(stratified(&units, false, 0.05).1, 2);
        let units = vec![unit(0, true), unit(0, false), unit(0, false)];
        assert!(stratified(&units, false, 0.05).0.value.is_nan());
    }
}
