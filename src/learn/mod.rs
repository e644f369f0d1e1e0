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
//! Customers without an outcome are left out and counted (assumed missing at random; the
//! exploring test's arms make that checkable: `oneclick evaluate` reports attrition by
//! arm).

use std::collections::HashMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::evaluate::{Arm, Campaign, Design, Estimate, Outcome};
use crate::model::{Family, Gbdt, LogisticRegression, Pipeline, Scaler};
use crate::offers::{LEVERS, Lever};
use crate::score::SavedModel;
use crate::uplift::PolicyValue;

mod dr;
mod effects;
mod policy;
mod report;
mod ridge;
mod tlearner;

pub use effects::{EFFECTS_FORMAT, Learner, LeverEffects, LeverModel};
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

/// How to learn (`launch.learn` in the parameter file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearnOptions {
    /// The nuisance models' family: `logistic_regression` or `gradient_boosting`.
    pub family: Family,
    /// Inverse regularisation C of the logistic regression.
    pub c: f64,
    /// Cross-fitting folds.
    pub folds: usize,
    /// Bootstrap resamples (the DR effects' intervals and the Qini bands).
    pub bootstrap: usize,
    /// Share of customers uplift at k reads (sklift's `k`).
    pub top_share: f64,
    /// Level of the intervals (1 − alpha).
    pub alpha: f64,
    /// Seed of the folds, the bootstrap and the random policy.
    pub seed: u64,
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            family: Family::LogisticRegression,
            c: 1.0,
            folds: 5,
            bootstrap: 50,
            top_share: 0.3,
            alpha: 0.05,
            seed: 42,
        }
    }
}

impl crate::checked::Check for LearnOptions {
    /// Checks the options, naming the key of a wrong one.
    fn check(&self) -> Result<()> {
        if !matches!(
            self.family,
            Family::LogisticRegression | Family::GradientBoosting
        ) {
            return Err(Error::parameter(
                "launch.learn.family",
                self.family,
                "logistic_regression or gradient_boosting",
            ));
        }
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::parameter(
                "launch.learn.c",
                self.c,
                "a positive number",
            ));
        }
        if !(2..=20).contains(&self.folds) {
            return Err(Error::parameter(
                "launch.learn.folds",
                self.folds,
                "2 to 20 folds",
            ));
        }
        if !(10..=10_000).contains(&self.bootstrap) {
            return Err(Error::parameter(
                "launch.learn.bootstrap",
                self.bootstrap,
                "10 to 10000 resamples",
            ));
        }
        if !(self.top_share > 0.0 && self.top_share < 1.0) {
            return Err(Error::parameter(
                "launch.learn.top_share",
                self.top_share,
                "a share strictly between 0 and 1",
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::parameter(
                "launch.learn.alpha",
                self.alpha,
                "a level strictly between 0 and 1",
            ));
        }
        Ok(())
    }
}

impl LearnOptions {
    /// The nuisance pipeline.
    pub fn pipeline(&self) -> Pipeline {
        match self.family {
            Family::GradientBoosting => Pipeline::new(Scaler::Standard, Gbdt::new(0.1, 100, 15)),
            _ => Pipeline::new(Scaler::Standard, LogisticRegression::new(self.c)),
        }
    }
}

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
    consent: bool,
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
    let campaign = Campaign::read(campaign)?;
    let outcomes = crate::evaluate::read_outcomes(outcomes, &campaign)?;
    learn(
        model,
        crate::Data::load(data)?,
        &campaign,
        &outcomes,
        options,
    )
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
    let started = std::time::Instant::now();
    let mut timings = Vec::new();
    let plan = &campaign.plan;
    let source = campaign.path.display().to_string();
    if plan.design != Design::Explore {
        return Err(Error::InvalidArgument(format!(
            "{source} is an offer campaign: each lever went only to the customers its what-if chose, so what a lever does for the others is not identified; learn from a campaign drawn with design explore (`oneclick campaign --design explore`)"
        )));
    }
    if outcomes.len() != campaign.rows.len() {
        return Err(Error::shape(
            "outcomes of the campaign",
            format!("{} (one per campaign row)", campaign.rows.len()),
            outcomes.len().to_string(),
        ));
    }
    let mut prepared = crate::score::prepare(model, raw)?;
    let scores = crate::score::score_prepared(model, &mut prepared)?;
    let features = prepared.features;
    let consent = crate::offers::consent(&features)?;
    let levers: Vec<&'static Lever> = LEVERS
        .iter()
        .filter(|l| {
            plan.assignment
                .iter()
                .any(|g| g.levers.iter().any(|x| x == l.id))
        })
        .collect();
    let actions = levers.len() + 1;
    let propensity = |consent: bool| -> Vec<f64> {
        let mut p = vec![0.0; actions];
        if let Some(g) = plan.assignment.iter().find(|g| g.consent == consent) {
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
    let horizon = plan.horizon_months;
    let mut units = Vec::new();
    let mut missing = 0;
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
        if propensity(consent[row])[action] <= 0.0 {
            return Err(bad(
                "lever",
                r.lever.clone(),
                format!(
                    "a lever the plan allows for a customer {} consent",
                    if consent[row] { "with" } else { "without" }
                ),
            ));
        }
        units.push(Unit {
            row,
            action,
            consent: consent[row],
            declined: u8::from(o.declined),
            money: horizon * o.profit,
            prior: r.prior_profit,
        });
    }
    let n = units.len();
    for a in 0..actions {
        let count = units.iter().filter(|u| u.action == a).count();
        if count < options.folds * 2 {
            return Err(Error::InvalidArgument(format!(
                "{source}: the {} arm has {count} customers with an outcome; learning needs at least {} (two per fold)",
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
            let s = &scores.rows[u.row];
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
            let s = &scores.rows[u.row];
            let stake = crate::offers::money_at_stake(s.profit, &model.assumptions);
            if stake > 0.0 {
                (s.expected_gain + s.offer_cost) / stake
            } else {
                0.0
            }
        })
        .collect();
    let ids: Vec<i64> = units.iter().map(|u| prepared.ids[u.row]).collect();
    let test = Test {
        e: units.iter().map(|u| propensity(u.consent)).collect(),
        units,
        fold,
        levers: levers.clone(),
        options,
        what_if,
        promised,
    };
    for k in 1..actions {
        let fit = dr::fit_lever(&test, k, &p, &design, &prepared.ids, &mut rng)?;
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
        campaign_sha256: plan.campaign_sha256.clone(),
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
