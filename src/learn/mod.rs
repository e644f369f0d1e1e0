//! What works for whom, learned from an **exploring test** (`campaign` with design
//! `explore`: each customer's lever drawn at random among those allowed for them, or the
//! control arm), so that every lever's effect is identified for every customer it may be
//! offered to.
//!
//! **Nuisance models, cross-fitted.** The customers with an outcome are cut into folds
//! (stratified by arm, seeded). For each fold, one pipeline of the project's own families
//! (logistic regression or gradient boosting) is fitted on the other folds' controls and
//! one on each lever's test customers; every customer then has P̂(decline | x, control) and
//! P̂(decline | x, lever) from models that never saw them.
//!
//! **Two learners per lever.** The *T-learner*'s effect is the difference of the two
//! probabilities. The *DR-learner* (Kennedy, 2023) regresses the doubly robust
//! pseudo-outcome φ = τ̂_T + t/π·(y − P̂_lever) − (1 − t)/(1 − π)·(y − P̂_control) (π: the
//! customer's chance of the lever rather than control, from the plan) on the features by
//! ridge least squares, cross-fitted too; each customer's DR effect gets a bootstrap
//! interval from refits on resampled customers.
//!
//! **Per lever**: the average effect among the customers it may be offered to, doubly
//! robust (the mean of φ, with its normal interval); the Qini and uplift-curve areas and
//! uplift at k of the DR-learner's cross-fitted ranking (the outcome «activity held», so a
//! positive uplift helps), the Qini curve with a bootstrap band.
//!
//! **Policies in money.** A customer's gain of a lever is −effect × loss share × profit ×
//! horizon − the offer's cost; the loss share is *measured*: among control customers, one
//! minus the ratio of the mean profit ratio (after ÷ before) of those whose activity
//! declined to that of those whose activity held. A learned policy gives each customer the
//! allowed lever with the largest positive gain, or nothing (no lever is dropped for
//! seeming not to pay on the test: on the causal stores tried, that dropped real levers as
//! often as useless ones). Every policy (both learned
//! ones, the what-if's, each lever for everyone it may go to, random, nobody) is valued by
//! inverse-propensity and doubly robust estimates of the mean money per customer (horizon ×
//! monthly profit after, less the offer's cost), and by its doubly robust gain over
//! giving nobody anything. The DR-learner's effects go into the lever-effects file
//! ([`LeverEffects`]) that `campaign --effects` chooses offers with (its offers kept more
//! of the oracle's gain than the T-learner's on every causal store tried,
//! `tests/learn_seeds.rs`).
//!
//! **Several months pooled.** [`learn_months`] takes several months' exploring tests of
//! the same levers: every customer with an outcome is one unit whatever the month, with
//! their own month's assignment probabilities (`oneclick learn` with `--data`,
//! `--campaign` and `--outcomes` repeated). Effects are learned from all the tests; on
//! the causal stores tried, twice the test customers kept clearly more of the oracle's
//! gain (CHANGELOG, 2026-12-07).
//!
//! Customers without an outcome are left out and counted (assumed missing at random; the
//! exploring test's arms make that checkable: `oneclick evaluate` reports attrition by
//! arm).

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::evaluate::{Arm, Campaign, Design, Estimate, Outcome};
use crate::offers::{LEVERS, Lever};
use crate::score::SavedModel;
use crate::uplift::PolicyValue;

mod dr;
mod effects;
mod options;
mod policy;
mod report;
mod ridge;
mod tlearner;

pub use effects::{EFFECTS_FORMAT, Learner, LeverEffects, LeverModel};
pub use options::LearnOptions;
pub use ridge::{Basis, Moments, Ridge};

/// The DR-learner's candidate ridge penalties (1 to 10⁶, four per decade); each lever's is
/// chosen by cross-fitted error.
const PENALTIES: [f64; 25] = {
    let mut p = [1.0; 25];
    let mut k = 1;
    while k < 25 {
        p[k] = p[k - 1] * 1.778_279_410_038_922_8;
        k += 1;
    }
    p
};

/// Random groups of customers the DR-learner's bootstrap resamples.
const GROUPS: usize = 200;
pub use report::{lever_title, policy_title};
pub use tlearner::t_learner;

/// A curve at fixed shares of customers with a bootstrap band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    /// Share of customers taken (0 to 1).
    pub share: Vec<f64>,
    /// The curve's value per customer of the sample.
    pub value: Vec<f64>,
    /// The band's lower end (`alpha / 2` quantile of the resamples).
    pub low: Vec<f64>,
    /// … upper end.
    pub high: Vec<f64>,
}

/// What the test taught about one lever.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeverResult {
    /// Lever id.
    pub lever: String,
    /// Customers with an outcome who may get it.
    pub allowed: usize,
    /// … of them given it (test arm).
    pub treated: usize,
    /// … of them in control.
    pub control: usize,
    /// Decline rate of its test customers minus that of the allowed controls.
    pub difference: f64,
    /// The doubly robust average effect on the probability of decline among the
    /// customers who may get it (negative helps).
    pub average: Estimate,
    /// The DR-learner's Qini coefficient (sklift's `qini_auc_score`, negative effects
    /// allowed) on the lever's test and control customers.
    pub qini: f64,
    /// The area under its uplift curve (sklift's `uplift_auc_score`).
    pub auuc: f64,
    /// Uplift at the top `top_share` (sklift's `uplift_at_k`, strategy overall).
    pub uplift_at_k: f64,
    /// The Qini curve of the DR-learner's ranking with its bootstrap band.
    pub qini_curve: Band,
    /// Customers of the test whose what-if offer was this lever.
    pub what_if_customers: usize,
    /// The mean drop of their probability of decline the what-if promised (a scenario).
    pub what_if_promised: f64,
    /// The doubly robust average effect measured among them (negative helps; not
    /// estimable with fewer than two of them in the lever's arms).
    pub what_if_measured: Estimate,
}

/// One policy's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyResult {
    /// `nobody`, `random`, `what_if`, `all:<lever>`, `learned_t`, `learned_dr`.
    pub policy: String,
    /// Customers it gives an offer.
    pub treated: usize,
    /// Mean money per customer over the horizon (profit after, less the offer's cost).
    pub value: PolicyValue,
    /// Its doubly robust gain per customer over giving nobody anything.
    pub gain: Estimate,
    /// Per customer with an outcome ([`Learned::ids`]), the lever it gives (`None`:
    /// nothing).
    #[serde(skip)]
    pub choice: Vec<Option<&'static str>>,
}

/// One customer's estimated effect of one lever they may get.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerEffect {
    /// Customer id.
    pub id: i64,
    /// Lever id.
    pub lever: &'static str,
    /// The T-learner's cross-fitted effect on the probability of decline.
    pub t_learner: f64,
    /// The DR-learner's cross-fitted effect.
    pub dr_learner: f64,
    /// The bootstrap interval of the final DR-learner's effect: lower end.
    pub dr_low: f64,
    /// … upper end.
    pub dr_high: f64,
}

/// What `learn` found.
#[derive(Debug, Clone)]
pub struct Learned {
    /// Per lever tested.
    pub levers: Vec<LeverResult>,
    /// Per policy.
    pub policies: Vec<PolicyResult>,
    /// Per customer and allowed lever.
    pub customers: Vec<CustomerEffect>,
    /// The measured loss share of a decline.
    pub loss_share: f64,
    /// Campaign customers with an outcome.
    pub with_outcome: usize,
    /// Their ids, in the order of [`PolicyResult::choice`].
    pub ids: Vec<i64>,
    /// Campaign customers without one (left out).
    pub missing: usize,
    /// The lever-effects file.
    pub effects: LeverEffects,
    /// Wall-clock seconds per stage.
    pub timings: Vec<(&'static str, f64)>,
}

/// The test's customers with an outcome and what every stage reads of them.
struct Test<'a> {
    units: Vec<Unit>,
    /// Per customer, the probability of each action (control first, then `levers`).
    e: Vec<Vec<f64>>,
    /// Per customer, the cross-fitting fold.
    fold: Vec<usize>,
    levers: Vec<&'static Lever>,
    options: &'a LearnOptions,
    /// Per customer, the action the what-if chose (0: no offer that pays).
    what_if: Vec<usize>,
    /// Per customer, the drop of the probability of decline the what-if's offer promised.
    promised: Vec<f64>,
}

/// One customer of the test with an outcome.
struct Unit {
    row: usize,
    action: usize,
    declined: u8,
    money: f64,
    prior: f64,
}

/// [`learn`] on the snapshot in the directory `data`, its campaign file and its outcomes
/// file (what `oneclick learn` does).
pub fn learn_files(
    model: &SavedModel,
    data: &std::path::Path,
    campaign: &std::path::Path,
    outcomes: &std::path::Path,
    options: &Checked<LearnOptions>,
) -> Result<Learned> {
    learn_months_files(model, &[(data, campaign, outcomes)], options)
}

/// [`learn_months`] on several months, each `(data directory, campaign file, outcomes
/// file)` (what `oneclick learn` does with repeated `--data`, `--campaign`, `--outcomes`).
pub fn learn_months_files(
    model: &SavedModel,
    months: &[(&std::path::Path, &std::path::Path, &std::path::Path)],
    options: &Checked<LearnOptions>,
) -> Result<Learned> {
    let mut read = Vec::with_capacity(months.len());
    for (data, campaign, outcomes) in months {
        let campaign = Campaign::read(campaign)?;
        let outcomes = crate::evaluate::read_outcomes(outcomes, &campaign)?;
        read.push((crate::Data::load(data)?, campaign, outcomes));
    }
    learn_months(
        model,
        read.into_iter()
            .map(|(raw, campaign, outcomes)| Month {
                raw,
                campaign,
                outcomes,
            })
            .collect(),
        options,
    )
}

/// One month's exploring test: the snapshot the campaign was drawn on, the campaign and
/// its outcomes (row for row with the campaign).
pub struct Month {
    /// The snapshot the campaign was drawn on.
    pub raw: crate::RawData,
    /// The exploring campaign.
    pub campaign: Campaign,
    /// One outcome per campaign row (`None`: the customer left).
    pub outcomes: Vec<Option<Outcome>>,
}

/// Learns from an exploring campaign on the snapshot `raw` (the one the campaign was
/// drawn on, scored by `model`) and its `outcomes` (row for row with the campaign).
pub fn learn(
    model: &SavedModel,
    raw: crate::RawData,
    campaign: &Campaign,
    outcomes: &[Option<Outcome>],
    options: &Checked<LearnOptions>,
) -> Result<Learned> {
    learn_months(
        model,
        vec![Month {
            raw,
            campaign: campaign.clone(),
            outcomes: outcomes.to_vec(),
        }],
        options,
    )
}

/// [`learn`] on several months' exploring tests pooled: every customer with an outcome is
/// one unit, whatever the month (months are independent draws of customers; each unit
/// keeps its own month's assignment probabilities), so effects are learned from all the
/// tests together. The months' plans must test the same levers over the same horizon.
pub fn learn_months(
    model: &SavedModel,
    months: Vec<Month>,
    options: &Checked<LearnOptions>,
) -> Result<Learned> {
    let started = std::time::Instant::now();
    let mut timings = Vec::new();
    let Some(first) = months.first() else {
        return Err(Error::InvalidArgument(
            "learn needs at least one month: a campaign, its outcomes and its snapshot".into(),
        ));
    };
    let plan = first.campaign.plan.clone();
    // the campaign files, for messages about all months together
    let sources = months
        .iter()
        .map(|m| m.campaign.path.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    let lever_set = |p: &crate::evaluate::CampaignPlan| {
        let mut v: Vec<String> = p
            .assignment
            .iter()
            .flat_map(|g| g.levers.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    for m in &months {
        let source = m.campaign.path.display().to_string();
        if m.campaign.plan.design != Design::Explore {
            return Err(Error::InvalidArgument(format!(
                "{source} is an offer campaign: each lever went only to the customers its what-if chose, so what a lever does for the others is not identified; learn from a campaign drawn with design explore (`oneclick campaign --design explore`)"
            )));
        }
        if m.outcomes.len() != m.campaign.rows.len() {
            return Err(Error::shape(
                format!("outcomes of the campaign {source}"),
                format!("{} (one per campaign row)", m.campaign.rows.len()),
                m.outcomes.len().to_string(),
            ));
        }
        if m.campaign.plan.horizon_months != plan.horizon_months
            || lever_set(&m.campaign.plan) != lever_set(&plan)
        {
            return Err(Error::InvalidArgument(format!(
                "{source} tests the levers {:?} over {} months, the first campaign {:?} over {}: pooled months must test the same levers over the same horizon",
                lever_set(&m.campaign.plan),
                m.campaign.plan.horizon_months,
                lever_set(&plan),
                plan.horizon_months
            )));
        }
    }
    let levers: Vec<&'static Lever> = LEVERS
        .iter()
        .filter(|l| {
            plan.assignment
                .iter()
                .any(|g| g.levers.iter().any(|x| x == l.id))
        })
        .collect();
    let actions = levers.len() + 1;
    let horizon = plan.horizon_months;
    let sha: Vec<String> = months
        .iter()
        .map(|m| m.campaign.plan.campaign_sha256.clone())
        .collect();
    // every month's customers stacked: features, ids and scores; units index them
    let mut frames = Vec::with_capacity(months.len());
    let mut ids_all: Vec<i64> = Vec::new();
    let mut scored = Vec::new();
    let mut units = Vec::new();
    let mut e = Vec::new();
    let mut missing = 0;
    for m in months {
        let (campaign, outcomes) = (&m.campaign, &m.outcomes);
        let source = campaign.path.display().to_string();
        let mut prepared = crate::score::prepare(model, m.raw)?;
        let scores = crate::score::score_prepared(model, &mut prepared)?;
        let month_consent = crate::offers::consent(&prepared.features)?;
        let offset = ids_all.len();
        let propensity = |consent: bool| -> Vec<f64> {
            let mut p = vec![0.0; actions];
            if let Some(g) = campaign
                .plan
                .assignment
                .iter()
                .find(|g| g.consent == consent)
            {
                p[0] = g.control;
                for (k, l) in levers.iter().enumerate() {
                    if g.levers.iter().any(|x| x == l.id) {
                        p[k + 1] = g.test_per_lever;
                    }
                }
            }
            p
        };
        let position: HashMap<i64, usize> = prepared
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        for (k, (r, o)) in campaign.rows.iter().zip(outcomes).enumerate() {
            let bad = |column: &str, value: String, expected: String| Error::Value {
                file: source.clone(),
                line: k + 2,
                column: column.into(),
                value,
                expected,
            };
            let row = *position.get(&r.id).ok_or_else(|| {
                bad(
                    "id",
                    r.id.to_string(),
                    format!("a customer of the snapshot {}", prepared.data.display()),
                )
            })?;
            let Some(o) = o else {
                missing += 1;
                continue;
            };
            let action = match r.arm {
                Arm::Control => 0,
                Arm::Test => {
                    1 + levers.iter().position(|l| l.id == r.lever).ok_or_else(|| {
                        bad(
                            "lever",
                            r.lever.clone(),
                            "a lever of the plan's assignment".into(),
                        )
                    })?
                }
            };
            let p = propensity(month_consent[row]);
            if p[action] <= 0.0 {
                return Err(bad(
                    "lever",
                    r.lever.clone(),
                    format!(
                        "a lever the plan allows for a customer {} consent",
                        if month_consent[row] {
                            "with"
                        } else {
                            "without"
                        }
                    ),
                ));
            }
            e.push(p);
            units.push(Unit {
                row: offset + row,
                action,
                declined: u8::from(o.declined),
                money: horizon * o.profit,
                prior: r.prior_profit,
            });
        }
        ids_all.extend(&prepared.ids);
        scored.extend(scores.rows);
        frames.push(prepared.features);
    }
    let mut frames = frames.into_iter();
    let mut features = frames.next().expect("one month at least");
    for f in frames {
        features.vstack_mut(&f)?;
    }
    let n = units.len();
    for a in 0..actions {
        let count = units.iter().filter(|u| u.action == a).count();
        if count < options.folds * 2 {
            return Err(Error::InvalidArgument(format!(
                "{sources}: the {} arm has {count} customers with an outcome; learning needs at least {} (two per fold)",
                if a == 0 { "control" } else { levers[a - 1].id },
                options.folds * 2
            )));
        }
    }
    let costs: Vec<crate::offers::LeverAssumption> = levers
        .iter()
        .map(|l| model.assumptions.lever(l.id).cloned())
        .collect::<Result<_>>()?;
    let loss_share = measured_loss_share(&units)?;
    timings.push(("prepare", started.elapsed().as_secs_f64()));

    // folds, stratified by action
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let mut fold = vec![0usize; n];
    for a in 0..actions {
        let mut members: Vec<usize> = (0..n).filter(|i| units[*i].action == a).collect();
        members.shuffle(&mut rng);
        for (j, i) in members.into_iter().enumerate() {
            fold[i] = j % options.folds;
        }
    }
    let clock = std::time::Instant::now();
    let pipeline = options.pipeline().with_probability(options.seed);
    let unit_rows: Vec<usize> = units.iter().map(|u| u.row).collect();
    let x_units = crate::split::take_rows(&features, &unit_rows)?;
    let y: Vec<u8> = units.iter().map(|u| u.declined).collect();
    let fit = |rows: &[usize], what: String| {
        let yp: Vec<u8> = rows.iter().map(|i| y[*i]).collect();
        pipeline
            .fit(&crate::split::take_rows(&x_units, rows)?, &yp)
            .map_err(|e| Error::fit("learn", format!("{what} ({} customers): {e}", rows.len())))
    };
    let arm_name = |a: usize| if a == 0 { "control" } else { levers[a - 1].id };
    // p[a][i]: cross-fitted P̂(decline | x_i, action a)
    let mut p = vec![vec![f64::NAN; n]; actions];
    for f in 0..options.folds {
        let valid: Vec<usize> = (0..n).filter(|i| fold[*i] == f).collect();
        let x_valid = crate::split::take_rows(&x_units, &valid)?;
        for (a, pa) in p.iter_mut().enumerate() {
            let train: Vec<usize> = (0..n)
                .filter(|i| fold[*i] != f && units[*i].action == a)
                .collect();
            let m = fit(
                &train,
                format!("the {} arm's model of fold {}", arm_name(a), f + 1),
            )?;
            for (j, v) in valid.iter().zip(m.predict_proba(&x_valid)?.iter()) {
                pa[*j] = *v;
            }
        }
    }
    // final models on every customer, for the effects file
    let mut finals = Vec::with_capacity(actions);
    for a in 0..actions {
        let rows: Vec<usize> = (0..n).filter(|i| units[*i].action == a).collect();
        finals.push(fit(
            &rows,
            format!("the {} arm's final model", arm_name(a)),
        )?);
    }
    timings.push(("nuisance", clock.elapsed().as_secs_f64()));

    // DR-learner per lever
    let clock = std::time::Instant::now();
    let matrix = finals[0].transform(&x_units)?;
    let all: Vec<usize> = (0..n).collect();
    let basis = Basis::of(matrix.view(), &all);
    let design = basis.expand(matrix.view())?;
    drop(matrix);
    let mut levers_out = Vec::new();
    let mut customers = Vec::new();
    let mut t_effect = vec![vec![f64::NAN; n]; actions];
    let mut dr_effect = vec![vec![f64::NAN; n]; actions];
    let mut ridges = Vec::new();
    let what_if: Vec<usize> = units
        .iter()
        .map(|u| {
            let s = &scored[u.row];
            s.lever
                .filter(|_| s.expected_gain > 0.0)
                .and_then(|l| {
                    levers
                        .iter()
                        .position(|x| x.id == LEVERS[usize::from(l)].id)
                })
                .map_or(0, |k| k + 1)
        })
        .collect();
    let promised: Vec<f64> = units
        .iter()
        .map(|u| {
            let s = &scored[u.row];
            let stake = crate::offers::money_at_stake(s.profit, &model.assumptions);
            if stake > 0.0 {
                (s.expected_gain + s.offer_cost) / stake
            } else {
                0.0
            }
        })
        .collect();
    let ids: Vec<i64> = units.iter().map(|u| ids_all[u.row]).collect();
    let test = Test {
        e,
        units,
        fold,
        levers: levers.clone(),
        options,
        what_if,
        promised,
    };
    for k in 1..actions {
        let fit = dr::fit_lever(&test, k, &p, &design, &ids_all, &mut rng)?;
        levers_out.push(fit.result);
        ridges.push(fit.ridge);
        customers.extend(fit.customers);
        t_effect[k] = fit.t;
        dr_effect[k] = fit.dr;
    }
    timings.push(("dr_learner", clock.elapsed().as_secs_f64()));

    // policies
    let clock = std::time::Instant::now();
    let money = policy::Money {
        horizon,
        loss_share,
        costs: &costs,
    };
    let valued = policy::value(&test, &p, &t_effect, &dr_effect, &money)?;
    let (policies, learner) = (valued.results, valued.learner);
    timings.push(("policies", clock.elapsed().as_secs_f64()));
    let mut finals = finals.into_iter();
    let control = finals.next().expect("the control arm's model");
    let effects = LeverEffects {
        format: EFFECTS_FORMAT.to_string(),
        learner,
        loss_share,
        horizon_months: horizon,
        features: model.features.clone(),
        campaign_sha256: sha.join("+"),
        basis,
        levers: finals
            .map(|f| (f, true))
            .zip(ridges)
            .zip(&levers_out)
            .zip(&costs)
            .map(|((((treated, offered), ridge), r), c)| LeverModel {
                lever: r.lever.clone(),
                offered,
                needs_consent: crate::offers::lever(&r.lever).is_some_and(|l| l.needs_consent),
                treated,
                ridge,
                average: r.average,
                cost: c.clone(),
            })
            .collect(),
        control,
    };
    Ok(Learned {
        levers: levers_out,
        policies,
        customers,
        loss_share,
        with_outcome: n,
        ids,
        missing,
        effects,
        timings,
    })
}

/// The share of the monthly profit a decline costs, measured on the control arm: one
/// minus the ratio of the mean profit ratio (after ÷ before) of the controls whose
/// activity declined to that of those whose activity held.
fn measured_loss_share(units: &[Unit]) -> Result<f64> {
    let ratio = |declined: u8| {
        let v: Vec<f64> = units
            .iter()
            .filter(|u| u.action == 0 && u.declined == declined && u.prior > 0.0)
            .map(|u| u.money / u.prior)
            .collect();
        (!v.is_empty()).then(|| crate::stats::mean(&v))
    };
    match (ratio(1), ratio(0)) {
        (Some(d), Some(h)) if h > 0.0 => Ok((1.0 - d / h).clamp(0.0, 1.0)),
        _ => Err(Error::InvalidArgument(
            "the control arm needs customers whose activity declined and customers whose activity held, with a positive prior profit, to measure what a decline costs".into(),
        )),
    }
}
