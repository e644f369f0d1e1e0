//! The policies' values in money: the learned ones (offers kept only where they pay on
//! the test), the what-if's, each lever for everyone, random, nobody.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Learner, PolicyResult, Test};
use crate::error::Result;
use crate::evaluate::Estimate;
use crate::offers::LeverAssumption;

/// What the money of an offer is made of.
pub(super) struct Money<'a> {
    /// Months the gain is counted over.
    pub horizon: f64,
    /// The measured share of the monthly profit a decline costs.
    pub loss_share: f64,
    /// Per lever of the test, its cost.
    pub costs: &'a [LeverAssumption],
}

impl Money<'_> {
    fn cost(&self, prior: f64, a: usize) -> f64 {
        if a == 0 {
            0.0
        } else {
            self.costs[a - 1].cost_for(prior)
        }
    }
}

/// The valued policies, the learner whose policy gains more, and the levers it drops.
pub(super) struct Valued {
    pub results: Vec<PolicyResult>,
    pub learner: Learner,
    pub excluded: Vec<bool>,
}

/// Values every policy on the test (`p`: cross-fitted probabilities of decline per action;
/// `t_effect`, `dr_effect`: each learner's cross-fitted effects per action).
pub(super) fn value(
    t: &Test,
    p: &[Vec<f64>],
    t_effect: &[Vec<f64>],
    dr_effect: &[Vec<f64>],
    money: &Money,
) -> Result<Valued> {
    let units = &t.units;
    let (n, actions, e) = (units.len(), t.levers.len() + 1, &t.e);
    let alpha = t.options.alpha;
    let action: Vec<usize> = units.iter().map(|u| u.action).collect();
    let outcome: Vec<f64> = units
        .iter()
        .map(|u| u.money - money.cost(u.prior, u.action))
        .collect();
    let predicted: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let u = &units[i];
            (0..actions)
                .map(|a| {
                    money.horizon * u.prior * (1.0 - money.loss_share * p[a][i])
                        - money.cost(u.prior, a)
                })
                .collect()
        })
        .collect();
    let learned = |effect: &[Vec<f64>], excluded: &[bool]| -> Vec<usize> {
        (0..n)
            .map(|i| {
                let u = &units[i];
                (1..actions)
                    .filter(|a| e[i][*a] > 0.0 && !excluded[*a])
                    .map(|a| {
                        let keep = -effect[a][i] * money.loss_share * u.prior.max(0.0);
                        (a, keep * money.horizon - money.cost(u.prior, a))
                    })
                    .filter(|(_, g)| *g > 0.0)
                    .max_by(|x, y| x.1.total_cmp(&y.1))
                    .map_or(0, |(a, _)| a)
            })
            .collect()
    };
    let dr_terms = |policy: &[usize]| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let a = policy[i];
                let hit = if action[i] == a { 1.0 } else { 0.0 };
                predicted[i][a] + hit * (outcome[i] - predicted[i][a]) / e[i][a]
            })
            .collect()
    };
    let difference = |a: &[usize], b: &[usize]| -> Estimate {
        let d: Vec<f64> = dr_terms(a)
            .iter()
            .zip(dr_terms(b))
            .map(|(x, y)| x - y)
            .collect();
        let mean = crate::stats::mean(&d);
        let se = crate::stats::sample_std(&d, mean) / (n as f64).sqrt();
        Estimate::normal(mean, se, alpha)
    };
    // A lever stays in a learned policy only while offering it, to the customers the
    // learner picks, raises the policy's doubly robust value over the same policy without
    // it; the lever whose removal raises it most is dropped first.
    let prune = |effect: &[Vec<f64>]| -> (Vec<usize>, Vec<bool>) {
        let mut excluded = vec![false; actions];
        loop {
            let current = learned(effect, &excluded);
            let weakest = (1..actions)
                .filter(|k| !excluded[*k])
                .map(|k| {
                    let mut without = excluded.clone();
                    without[k] = true;
                    (k, difference(&current, &learned(effect, &without)).value)
                })
                .min_by(|a, b| a.1.total_cmp(&b.1));
            match weakest {
                Some((k, gain)) if gain < 0.0 => excluded[k] = true,
                _ => return (current, excluded),
            }
        }
    };
    let (policy_t, excluded_t) = prune(t_effect);
    let (policy_dr, excluded_dr) = prune(dr_effect);
    let mut rng = ChaCha8Rng::seed_from_u64(t.options.seed);
    rng.set_stream(u64::MAX);
    let random: Vec<usize> = (0..n)
        .map(|i| {
            let choices: Vec<usize> = (0..actions).filter(|a| e[i][*a] > 0.0).collect();
            choices[rng.gen_range(0..choices.len())]
        })
        .collect();
    let mut named: Vec<(String, Vec<usize>)> = vec![
        ("nobody".into(), vec![0; n]),
        ("random".into(), random),
        ("what_if".into(), t.what_if.clone()),
    ];
    for (k, l) in t.levers.iter().enumerate() {
        named.push((
            format!("all:{}", l.id),
            (0..n)
                .map(|i| if e[i][k + 1] > 0.0 { k + 1 } else { 0 })
                .collect(),
        ));
    }
    named.push(("learned_t".into(), policy_t));
    named.push(("learned_dr".into(), policy_dr));
    let nobody = vec![0; n];
    let mut results = Vec::new();
    for (name, policy) in named {
        let value = crate::uplift::policy_value(&policy, &action, e, &outcome, &predicted, alpha)?;
        results.push(PolicyResult {
            treated: policy.iter().filter(|a| **a > 0).count(),
            gain: difference(&policy, &nobody),
            policy: name,
            value,
        });
    }
    let gain_of = |name: &str| {
        results
            .iter()
            .find(|p| p.policy == name)
            .map_or(f64::NEG_INFINITY, |p| p.gain.value)
    };
    let (learner, excluded) = if gain_of("learned_dr") > gain_of("learned_t") {
        (Learner::Dr, excluded_dr)
    } else {
        (Learner::T, excluded_t)
    };
    Ok(Valued {
        results,
        learner,
        excluded,
    })
}
