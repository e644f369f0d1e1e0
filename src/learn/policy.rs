//! The policies' values in money: the learned ones, the what-if's, each lever for
//! everyone, random, nobody.

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

/// The valued policies and the learner whose effects choose the offers.
pub(super) struct Valued {
    pub results: Vec<PolicyResult>,
    pub learner: Learner,
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
    let learned = |effect: &[Vec<f64>]| -> Vec<usize> {
        (0..n)
            .map(|i| {
                let u = &units[i];
                (1..actions)
                    .filter(|a| e[i][*a] > 0.0)
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
    let (policy_t, policy_dr) = (learned(t_effect), learned(dr_effect));
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
            choice: policy
                .iter()
                .map(|a| (*a > 0).then(|| t.levers[*a - 1].id))
                .collect(),
            treated: policy.iter().filter(|a| **a > 0).count(),
            gain: difference(&policy, &nobody),
            policy: name,
            value,
        });
    }
    // The DR-learner chooses: its offers kept more of the oracle's gain than the
    // T-learner's on every causal store tried (tests/learn_seeds.rs); the T-learner's
    // policy is valued beside it for comparison. No lever is dropped: dropping those whose
    // offers seemed not to pay on the test dropped real ones as often as useless ones.
    let learner = Learner::Dr;
    Ok(Valued { results, learner })
}
