//! How well a ranking finds the customers an offer moves, read from a randomised test:
//! the uplift and Qini curves, their normalised areas and uplift at k — the measures of
//! scikit-uplift (`sklift.metrics`), tested against it to 1e-9
//! (`tests/oracle/uplift_oracle.py`).
//!
//! Customers are ranked by predicted uplift, highest first; at each distinct value the
//! curves take everyone ranked so far (n customers, of them n_t treated with r_t
//! responses and n_c control with r_c):
//! - uplift curve: (r_t / n_t − r_c / n_c) · n (a rate is 0 while its arm is empty);
//! - Qini curve: r_t − r_c · n_t / n_c (0 while the control arm is empty).
//!
//! Both start at (0, 0). A normalised area is (area − baseline) / (perfect area −
//! baseline), trapezoids throughout, the baseline the straight line to the curve's last
//! point and the perfect curve the one of an oracle ranking (for Qini with negative
//! effects, treated responders first and control responders last; without, the closed
//! form of Radcliffe). Uplift at k is the response rate of the treated minus that of the
//! controls among the top k (`overall`) or among each arm's top k (`by group`).
//!
//! A response is the outcome the offer is meant to raise: for retention, staying
//! («Прежний уровень»), i.e. 1 − declined.

use crate::error::{Error, Result};

/// Points of a curve: customers ranked so far, and the curve's value there.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Customers taken (0 first).
    pub x: Vec<f64>,
    /// The curve's values.
    pub y: Vec<f64>,
}

impl Curve {
    /// The area under the curve by trapezoids.
    pub fn area(&self) -> f64 {
        self.x
            .windows(2)
            .zip(self.y.windows(2))
            .map(|(x, y)| (x[1] - x[0]) * (y[0] + y[1]) / 2.0)
            .sum()
    }
}

fn check(y: &[u8], uplift: Option<&[f64]>, treatment: &[bool]) -> Result<()> {
    if y.len() != treatment.len() || uplift.is_some_and(|u| u.len() != y.len()) {
        return Err(Error::shape(
            "outcomes, uplift and treatment flags",
            format!("{} each", y.len()),
            format!(
                "{} outcomes, {} uplifts, {} flags",
                y.len(),
                uplift.map_or(y.len(), <[f64]>::len),
                treatment.len()
            ),
        ));
    }
    if let Some(i) = y.iter().position(|v| *v > 1) {
        return Err(Error::parameter(
            format!("outcome of row {i}"),
            y[i],
            "0 or 1",
        ));
    }
    if let Some(i) = uplift.and_then(|u| u.iter().position(|v| !v.is_finite())) {
        return Err(Error::parameter(
            format!("uplift of row {i}"),
            uplift.map_or(f64::NAN, |u| u[i]),
            "a finite number",
        ));
    }
    let treated = treatment.iter().filter(|t| **t).count();
    if treated == 0 || treated == treatment.len() {
        return Err(Error::shape(
            "treated and control customers",
            "at least one of each",
            format!("{treated} treated of {}", treatment.len()),
        ));
    }
    Ok(())
}

/// Row indices ranked by `uplift`, highest first; among equal values the later row
/// first (scikit-uplift reverses a stable ascending sort).
fn ranking(uplift: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..uplift.len()).collect();
    order.sort_by(|a, b| uplift[*a].total_cmp(&uplift[*b]));
    order.reverse();
    order
}

/// Cumulative counts at each distinct uplift value: (n, n_t, r_t, r_c).
fn cumulative(y: &[u8], uplift: &[f64], treatment: &[bool]) -> Vec<[f64; 4]> {
    let order = ranking(uplift);
    let mut out = Vec::new();
    let mut acc = [0.0f64; 4];
    for (k, i) in order.iter().enumerate() {
        acc[0] += 1.0;
        if treatment[*i] {
            acc[1] += 1.0;
            acc[2] += f64::from(y[*i]);
        } else {
            acc[3] += f64::from(y[*i]);
        }
        let last = k + 1 == order.len();
        if last || uplift[order[k + 1]] != uplift[*i] {
            out.push(acc);
        }
    }
    out
}

fn starting_at_origin(x: Vec<f64>, y: Vec<f64>) -> Curve {
    if x.first() == Some(&0.0) && y.first() == Some(&0.0) {
        Curve { x, y }
    } else {
        Curve {
            x: std::iter::once(0.0).chain(x).collect(),
            y: std::iter::once(0.0).chain(y).collect(),
        }
    }
}

/// The uplift curve (scikit-uplift's `uplift_curve`).
pub fn uplift_curve(y: &[u8], uplift: &[f64], treatment: &[bool]) -> Result<Curve> {
    check(y, Some(uplift), treatment)?;
    let (x, v): (Vec<f64>, Vec<f64>) = cumulative(y, uplift, treatment)
        .into_iter()
        .map(|[n, nt, rt, rc]| {
            let nc = n - nt;
            let rate = |r: f64, m: f64| if m != 0.0 { r / m } else { 0.0 };
            (n, (rate(rt, nt) - rate(rc, nc)) * n)
        })
        .unzip();
    Ok(starting_at_origin(x, v))
}

/// The Qini curve (scikit-uplift's `qini_curve`).
pub fn qini_curve(y: &[u8], uplift: &[f64], treatment: &[bool]) -> Result<Curve> {
    check(y, Some(uplift), treatment)?;
    let (x, v): (Vec<f64>, Vec<f64>) = cumulative(y, uplift, treatment)
        .into_iter()
        .map(|[n, nt, rt, rc]| {
            let nc = n - nt;
            (n, rt - if nc != 0.0 { rc * nt / nc } else { 0.0 })
        })
        .unzip();
    Ok(starting_at_origin(x, v))
}

/// The uplift curve of an oracle ranking (scikit-uplift's `perfect_uplift_curve`).
pub fn perfect_uplift_curve(y: &[u8], treatment: &[bool]) -> Result<Curve> {
    check(y, None, treatment)?;
    let control_responders = y
        .iter()
        .zip(treatment)
        .filter(|(v, t)| **v == 1 && !**t)
        .count();
    let treated_non_responders = y
        .iter()
        .zip(treatment)
        .filter(|(v, t)| **v == 0 && **t)
        .count();
    let perfect: Vec<f64> = y
        .iter()
        .zip(treatment)
        .map(|(v, t)| {
            let same = f64::from(u8::from((*v == 1) == *t));
            let summand = if control_responders > treated_non_responders {
                f64::from(*v)
            } else {
                f64::from(u8::from(*t))
            };
            2.0 * same + summand
        })
        .collect();
    uplift_curve(y, &perfect, treatment)
}

/// The Qini curve of an oracle ranking (scikit-uplift's `perfect_qini_curve`).
pub fn perfect_qini_curve(y: &[u8], treatment: &[bool], negative_effect: bool) -> Result<Curve> {
    check(y, None, treatment)?;
    if negative_effect {
        let perfect: Vec<f64> = y
            .iter()
            .zip(treatment)
            .map(|(v, t)| if *t { f64::from(*v) } else { -f64::from(*v) })
            .collect();
        return qini_curve(y, &perfect, treatment);
    }
    let n = y.len() as f64;
    let nt = treatment.iter().filter(|t| **t).count() as f64;
    let rt: f64 = y
        .iter()
        .zip(treatment)
        .filter(|(_, t)| **t)
        .map(|(v, _)| f64::from(*v))
        .sum();
    let rc: f64 = y
        .iter()
        .zip(treatment)
        .filter(|(_, t)| !**t)
        .map(|(v, _)| f64::from(*v))
        .sum();
    let random = rt - nt * rc / (n - nt);
    if random < 0.0 {
        return Err(Error::fit(
            "perfect Qini curve",
            format!(
                "the treated respond less than the controls overall ({random:.3} responses); without negative effects the curve is undefined"
            ),
        ));
    }
    Ok(Curve {
        x: vec![0.0, random, n],
        y: vec![0.0, random, random],
    })
}

fn normalised(actual: &Curve, perfect: &Curve) -> f64 {
    let last_x = *perfect.x.last().unwrap_or(&0.0);
    let last_y = *perfect.y.last().unwrap_or(&0.0);
    let baseline = Curve {
        x: vec![0.0, last_x],
        y: vec![0.0, last_y],
    }
    .area();
    (actual.area() - baseline) / (perfect.area() - baseline)
}

/// The normalised area under the uplift curve (scikit-uplift's `uplift_auc_score`).
pub fn uplift_auc_score(y: &[u8], uplift: &[f64], treatment: &[bool]) -> Result<f64> {
    Ok(normalised(
        &uplift_curve(y, uplift, treatment)?,
        &perfect_uplift_curve(y, treatment)?,
    ))
}

/// The Qini coefficient: the normalised area under the Qini curve (scikit-uplift's
/// `qini_auc_score`).
pub fn qini_auc_score(
    y: &[u8],
    uplift: &[f64],
    treatment: &[bool],
    negative_effect: bool,
) -> Result<f64> {
    Ok(normalised(
        &qini_curve(y, uplift, treatment)?,
        &perfect_qini_curve(y, treatment, negative_effect)?,
    ))
}

/// Uplift at k: the treated's response rate minus the controls' among the top `k` share
/// of all customers (`by_group` false: scikit-uplift's `strategy="overall"`) or among
/// each arm's top `k` share (`by_group` true). `NaN` when an arm has no customer there.
pub fn uplift_at_k(
    y: &[u8],
    uplift: &[f64],
    treatment: &[bool],
    k: f64,
    by_group: bool,
) -> Result<f64> {
    check(y, Some(uplift), treatment)?;
    if !(k > 0.0 && k < 1.0) {
        return Err(Error::parameter("k", k, "a share strictly between 0 and 1"));
    }
    let order = ranking(uplift);
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let arm = |treated: bool, take: usize, within: bool| -> Vec<f64> {
        let ranked: Vec<usize> = if within {
            order
                .iter()
                .copied()
                .filter(|i| treatment[*i] == treated)
                .take(take)
                .collect()
        } else {
            order
                .iter()
                .copied()
                .take(take)
                .filter(|i| treatment[*i] == treated)
                .collect()
        };
        ranked.iter().map(|i| f64::from(y[*i])).collect()
    };
    let (t, c) = if by_group {
        let nt = treatment.iter().filter(|t| **t).count();
        let nc = treatment.len() - nt;
        (
            arm(true, (nt as f64 * k) as usize, true),
            arm(false, (nc as f64 * k) as usize, true),
        )
    } else {
        let n = (y.len() as f64 * k) as usize;
        (arm(true, n, false), arm(false, n, false))
    };
    Ok(mean(&t) - mean(&c))
}

/// The estimated value of a policy from a randomised test with several arms: the mean
/// outcome per customer had every customer got the action the policy picks for them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PolicyValue {
    /// Inverse-propensity estimate: the mean of 1[aᵢ = π(i)] · yᵢ / eᵢ(aᵢ).
    pub ipw: crate::evaluate::Estimate,
    /// Doubly robust estimate: the mean of μ̂_π(i)(xᵢ) + 1[aᵢ = π(i)] · (yᵢ − μ̂_π(i)(xᵢ)) /
    /// eᵢ(π(i)) — unbiased when either the propensities or the outcome model are right.
    pub doubly_robust: crate::evaluate::Estimate,
}

/// [`PolicyValue`] of `policy` (the action per customer, an index into the actions)
/// from customers who got `action` with probability `propensity[i][a]` of each action
/// `a`, their `outcome`, and an outcome model's prediction `predicted[i][a]` of each
/// action's outcome (cross-fitted: from a model that did not see customer i). Intervals
/// at `1 − alpha`, normal, from the terms' sample standard deviation.
pub fn policy_value(
    policy: &[usize],
    action: &[usize],
    propensity: &[Vec<f64>],
    outcome: &[f64],
    predicted: &[Vec<f64>],
    alpha: f64,
) -> Result<PolicyValue> {
    let n = policy.len();
    if [
        action.len(),
        propensity.len(),
        outcome.len(),
        predicted.len(),
    ]
    .iter()
    .any(|m| *m != n)
        || n < 2
    {
        return Err(Error::shape(
            "policy, actions, propensities, outcomes and predictions",
            "one per customer, at least 2",
            format!(
                "{n}, {}, {}, {}, {}",
                action.len(),
                propensity.len(),
                outcome.len(),
                predicted.len()
            ),
        ));
    }
    let mut ipw = Vec::with_capacity(n);
    let mut dr = Vec::with_capacity(n);
    for i in 0..n {
        let (p, a) = (policy[i], action[i]);
        let arms = propensity[i].len();
        if p >= arms || a >= arms || predicted[i].len() != arms {
            return Err(Error::parameter(
                format!("actions of customer {i}"),
                format!("policy {p}, got {a}"),
                format!("actions below the {arms} with a propensity and a prediction each"),
            ));
        }
        let e = propensity[i][p];
        if !(e > 0.0 && e <= 1.0) {
            return Err(Error::parameter(
                format!("propensity of customer {i} for action {p}"),
                e,
                "a probability above 0: a policy's action must have been possible in the test",
            ));
        }
        let hit = if a == p { 1.0 } else { 0.0 };
        ipw.push(hit * outcome[i] / e);
        dr.push(predicted[i][p] + hit * (outcome[i] - predicted[i][p]) / e);
    }
    let estimate = |v: &[f64]| {
        let mean = crate::stats::mean(v);
        let sd = crate::stats::sample_std(v, mean);
        crate::evaluate::Estimate::normal(mean, sd / (v.len() as f64).sqrt(), alpha)
    };
    Ok(PolicyValue {
        ipw: estimate(&ipw),
        doubly_robust: estimate(&dr),
    })
}
