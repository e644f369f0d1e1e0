//! What a test showed: the analysis of a campaign file (`oneclick campaign`) — or of
//! several months' campaigns pooled — against the customers' outcomes three months later,
//! by the rule the campaign's plan stated before the data existed.
//!
//! Everything is intention to treat: every campaign customer is analysed in the arm drawn
//! for them, and a customer without an outcome left the store — counted as declined, with
//! no profit; how far the answer could move if they had not is shown by the worst cases
//! (`attrition_*`).
//!
//! Per comparison (all levers together, and each lever):
//! - unadjusted, as a reader checks by hand: the decline rates, their difference with the
//!   Newcombe (hybrid score) interval, the pooled two-proportion z-test and Fisher's exact
//!   test (statsmodels' `confint_proportions_2indep(method="newcomb")`, `proportions_ztest`
//!   and scipy's `fisher_exact`, tested against them); the profit difference with a seeded
//!   bootstrap interval; the net gain after the offers' costs;
//! - adjusted, as the design calls for: the same differences stratified by the campaign's
//!   strata (and months) and adjusted for the pre-period probability and profit
//!   ([`Estimate`], module `adjusted`) — narrower, and with nominal coverage under the
//!   campaign's rerandomisation (simulated in tests/evaluate_simulation.rs);
//! - the decision: a comparison is rolled out only when its adjusted net gain is above
//!   zero at Holm's level over every comparison tested (all levers together and each lever
//!   with at least the plan's `min_arm` customers per arm) and its decline rate did not
//!   rise; not rolled out when the net gain's whole interval is below zero; otherwise
//!   inconclusive. A lever with a thin or empty arm is reported as such and never stops the
//!   others.
//!
//! Only statistics and the CSV layer: this module sits low, beside [`stats`](crate::stats).

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::stats::quantile_sorted;

mod adjusted;
mod files;
mod proportions;
mod table;

pub use adjusted::{Estimate, holm};
use adjusted::{Unit, stratified};
pub use files::{
    Arm, Assignment, CAMPAIGN_COLUMNS, CAMPAIGN_FORMAT, Campaign, CampaignPlan, CampaignRow,
    Design, OUTCOME_COLUMNS, Outcome, outcomes_from_bytes, read_outcomes,
};
pub use proportions::{fisher_exact, newcombe_interval, z_test};

/// How to analyse a test (`launch.evaluation` in the parameter file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EvaluateOptions {
    /// Bootstrap resamples of the profit difference.
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
}

impl Default for EvaluateOptions {
    fn default() -> Self {
        EvaluateOptions {
            bootstrap: 2000,
            seed: 42,
        }
    }
}

impl crate::checked::Check for EvaluateOptions {
    /// Checks the options: at least 100 resamples.
    fn check(&self) -> Result<()> {
        if !(100..=1_000_000).contains(&self.bootstrap) {
            return Err(Error::parameter(
                "launch.evaluation.bootstrap",
                self.bootstrap,
                "between 100 and 1000000 resamples",
            ));
        }
        Ok(())
    }
}

/// One arm's result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmResult {
    /// Customers of the arm (all of them: intention to treat).
    pub n: u64,
    /// … whose activity declined, customers without an outcome included (they left).
    pub declined: u64,
    /// declined / n.
    pub rate: f64,
    /// Mean profit per customer per month before the offers' costs (0 for a customer
    /// without an outcome).
    pub profit: f64,
    /// Customers of the arm without an outcome.
    pub missing: u64,
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Roll the offers out.
    RollOut,
    /// Do not roll them out.
    DoNotRollOut,
    /// The test cannot tell yet: extend it.
    Inconclusive,
    /// An arm has fewer customers than the plan's minimum: the lever is read only within
    /// all levers together (and over several months).
    TooFew,
}

impl Decision {
    /// «раскатывать», «не раскатывать», «не ясно — продлить тест», «мало покупателей».
    pub fn name_ru(self) -> &'static str {
        match self {
            Decision::RollOut => "раскатывать",
            Decision::DoNotRollOut => "не раскатывать",
            Decision::Inconclusive => "не ясно — продлить тест",
            Decision::TooFew => "мало покупателей — только в общем итоге",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::RollOut => "roll out",
            Decision::DoNotRollOut => "do not roll out",
            Decision::Inconclusive => "inconclusive",
            Decision::TooFew => "too few customers",
        })
    }
}

/// Test against control, overall or for one lever.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The lever, `None` overall.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lever: Option<String>,
    /// The test arm.
    pub test: ArmResult,
    /// The control arm.
    pub control: ArmResult,
    /// Decline rate test − control, unadjusted (negative: the offer lowered it).
    pub difference: f64,
    /// Newcombe interval of `difference`: lower end.
    pub ci_low: f64,
    /// … upper end.
    pub ci_high: f64,
    /// Two-proportion z-test (pooled), two-sided.
    pub p_value_z: f64,
    /// Fisher's exact test, two-sided.
    pub p_value_fisher: f64,
    /// The decline rate's difference stratified by the campaign's strata and adjusted for
    /// the probability and the prior profit (the estimate the decision reads).
    pub adjusted_difference: Estimate,
    /// Profit per customer per month, test − control, unadjusted.
    pub profit_difference: f64,
    /// Bootstrap percentile interval of `profit_difference`: lower end.
    pub profit_ci_low: f64,
    /// … upper end.
    pub profit_ci_high: f64,
    /// The profit's difference stratified and adjusted like `adjusted_difference`.
    pub adjusted_profit_difference: Estimate,
    /// The offers' costs in the test arm.
    pub offer_costs: f64,
    /// Net gain over the horizon, unadjusted: test customers × horizon × profit
    /// difference − costs.
    pub net_gain: f64,
    /// Its interval (from the bootstrap of the profit difference): lower end.
    pub net_gain_ci_low: f64,
    /// … upper end.
    pub net_gain_ci_high: f64,
    /// The net gain from the adjusted profit difference (what the decision reads).
    pub adjusted_net_gain: Estimate,
    /// One-sided p-value of "the net gain is at most 0" (adjusted, normal).
    pub p_value_net_gain: f64,
    /// Its Holm adjustment over every comparison the plan tests (`NaN` for a comparison
    /// it does not test).
    pub p_value_holm: f64,
    /// Attrition's worst cases for the adjusted decline difference: every test customer
    /// without an outcome declined and none in control, and the reverse.
    pub attrition_difference: [f64; 2],
    /// … for the adjusted net gain: test customers without an outcome brought no profit
    /// and control ones their prior profit, and the reverse.
    pub attrition_net_gain: [f64; 2],
    /// Strata the adjusted estimates used (thin ones pooled).
    pub strata: usize,
    /// The plan's break-even drop (for reading; the decision reads the net gain).
    pub break_even_drop: f64,
    /// The decision by the plan's rule.
    pub decision: Decision,
    /// Why, in one sentence.
    pub why: String,
    /// The same in Russian (for the notebook).
    #[serde(skip)]
    pub why_ru: String,
}

/// The test's analysis (`oneclick evaluate --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// All levers together.
    pub overall: Comparison,
    /// Per lever, in the order of their first customer in the campaign.
    pub by_lever: Vec<Comparison>,
    /// Campaigns (months) pooled, each its own set of strata.
    pub months: usize,
    /// Campaign customers without an outcome (attrition), counted as declined.
    pub missing_outcomes: u64,
    /// The level of the tests.
    pub alpha: f64,
    /// Customers each arm of a lever needs for the lever to be tested on its own.
    pub min_arm: usize,
    /// Comparisons in the Holm family (all levers together and every lever tested).
    pub family: usize,
    /// The decision rule applied.
    pub decision_rule: String,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

/// Analyses `campaign` with `outcomes` (one per campaign row, from [`read_outcomes`]).
pub fn evaluate(
    campaign: &Campaign,
    outcomes: &[Option<Outcome>],
    options: &Checked<EvaluateOptions>,
) -> Result<Evaluation> {
    evaluate_months(&[(campaign, outcomes)], options)
}

/// Analyses several months' campaigns together, stratified by month: each month's strata
/// stay apart, so the months are pooled like strata of one test. The plans must share
/// the level and horizon; the break-even drops shown are the last month's.
pub fn evaluate_months(
    months: &[(&Campaign, &[Option<Outcome>])],
    options: &Checked<EvaluateOptions>,
) -> Result<Evaluation> {
    let Some((last, _)) = months.last() else {
        return Err(Error::InvalidArgument(
            "no campaign to evaluate: expected at least one campaign with its outcomes".into(),
        ));
    };
    let plan = &last.plan;
    for (campaign, outcomes) in months {
        if outcomes.len() != campaign.rows.len() {
            return Err(Error::shape(
                "outcomes",
                format!(
                    "{} (one per row of {})",
                    campaign.rows.len(),
                    campaign.path.display()
                ),
                outcomes.len().to_string(),
            ));
        }
        let p = &campaign.plan;
        if p.alpha != plan.alpha || p.horizon_months != plan.horizon_months {
            return Err(Error::InvalidArgument(format!(
                "{} has α = {} and a horizon of {} months, {} α = {} and {} months: pool only campaigns planned alike",
                campaign.path.display(),
                p.alpha,
                p.horizon_months,
                last.path.display(),
                plan.alpha,
                plan.horizon_months
            )));
        }
    }
    let min_arm = months
        .iter()
        .map(|(c, _)| c.plan.min_arm)
        .max()
        .unwrap_or(1);
    // every customer of every month, with a stratum id per (month, stratum)
    let mut strata: HashMap<(usize, &str), u32> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    for (m, (campaign, outcomes)) in months.iter().enumerate() {
        for (r, o) in campaign.rows.iter().zip(outcomes.iter()) {
            let next = strata.len() as u32;
            let stratum = *strata.entry((m, r.stratum.as_str())).or_insert(next);
            rows.push(Row {
                row: r,
                outcome: *o,
                stratum,
            });
        }
    }
    let mut levers: Vec<&str> = Vec::new();
    for r in &rows {
        if !levers.contains(&r.row.lever.as_str()) {
            levers.push(&r.row.lever);
        }
    }
    let all: Vec<&Row> = rows.iter().collect();
    let mut overall = compare(&all, None, plan, options, 0);
    let mut by_lever: Vec<Comparison> = levers
        .iter()
        .enumerate()
        .map(|(k, lever)| {
            let mine: Vec<&Row> = rows.iter().filter(|r| r.row.lever == *lever).collect();
            compare(&mine, Some(lever), plan, options, k as u64 + 1)
        })
        .collect();
    // the Holm family: all levers together and every lever with both arms of min_arm
    let tested = |c: &Comparison, min: u64| c.test.n >= min && c.control.n >= min;
    let p: Vec<f64> = std::iter::once(&overall)
        .chain(&by_lever)
        .enumerate()
        .map(|(k, c)| {
            if tested(c, if k == 0 { 2 } else { min_arm as u64 }) {
                c.p_value_net_gain
            } else {
                f64::NAN
            }
        })
        .collect();
    let adjusted = holm(&p);
    let family = p.iter().filter(|v| !v.is_nan()).count();
    for (c, p) in std::iter::once(&mut overall)
        .chain(by_lever.iter_mut())
        .zip(adjusted)
    {
        c.p_value_holm = p;
        decide(c, plan.alpha, min_arm);
    }
    Ok(Evaluation {
        missing_outcomes: overall.test.missing + overall.control.missing,
        overall,
        by_lever,
        months: months.len(),
        alpha: plan.alpha,
        min_arm,
        family,
        decision_rule: plan.decision_rule.clone(),
        bootstrap: options.bootstrap,
        seed: options.seed,
    })
}

/// A campaign row with its outcome and pooled stratum.
struct Row<'a> {
    row: &'a CampaignRow,
    outcome: Option<Outcome>,
    stratum: u32,
}

/// Everything but the decision (which needs the Holm adjustment over all comparisons).
fn compare(
    rows: &[&Row],
    lever: Option<&str>,
    plan: &CampaignPlan,
    options: &EvaluateOptions,
    group: u64,
) -> Comparison {
    let alpha = plan.alpha;
    let mut profit: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut declined = [0u64; 2];
    let mut missing = [0u64; 2];
    let mut offer_costs = 0.0;
    let mut sent = 0u64;
    for r in rows {
        let a = usize::from(r.row.arm == Arm::Control);
        if r.row.offer_sent {
            offer_costs += r.row.offer_cost;
            sent += 1;
        }
        // a customer without an outcome left the store: declined, no profit
        let (d, p) = r.outcome.map_or((true, 0.0), |o| (o.declined, o.profit));
        declined[a] += u64::from(d);
        profit[a].push(p);
        missing[a] += u64::from(r.outcome.is_none());
    }
    let arm = |a: usize| {
        let n = profit[a].len() as u64;
        ArmResult {
            n,
            declined: declined[a],
            rate: declined[a] as f64 / n.max(1) as f64,
            profit: if n > 0 {
                crate::stats::mean(&profit[a])
            } else {
                f64::NAN
            },
            missing: missing[a],
        }
    };
    let (test, control) = (arm(0), arm(1));
    let both = test.n > 0 && control.n > 0;
    let (ci_low, ci_high, p_value_z, p_value_fisher) = if both {
        let (lo, hi) = newcombe_interval(test.declined, test.n, control.declined, control.n, alpha);
        (
            lo,
            hi,
            z_test(test.declined, test.n, control.declined, control.n),
            fisher_exact(test.declined, test.n, control.declined, control.n),
        )
    } else {
        (f64::NAN, f64::NAN, f64::NAN, f64::NAN)
    };
    let (profit_ci_low, profit_ci_high) = if both {
        let diffs = bootstrap_differences(&profit[0], &profit[1], options, group);
        (
            quantile_sorted(&diffs, alpha / 2.0),
            quantile_sorted(&diffs, 1.0 - alpha / 2.0),
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    // adjusted estimates: decline and profit, with attrition's extremes
    let units = |y: &dyn Fn(&Row) -> f64| -> Vec<Unit> {
        rows.iter()
            .map(|r| Unit {
                stratum: r.stratum,
                test: r.row.arm == Arm::Test,
                y: y(r),
                x: [r.row.probability, r.row.prior_profit],
            })
            .collect()
    };
    let left = |r: &Row, test_value: f64, control_value: f64| {
        if r.row.arm == Arm::Test {
            test_value
        } else {
            control_value
        }
    };
    let decline_if = |t: f64, c: f64| {
        units(&|r: &Row| {
            r.outcome
                .map_or_else(|| left(r, t, c), |o| f64::from(u8::from(o.declined)))
        })
    };
    let profit_if = |t: f64, c: f64| {
        units(&|r: &Row| {
            r.outcome
                .map_or_else(|| left(r, t, c) * r.row.prior_profit, |o| o.profit)
        })
    };
    let (adjusted_difference, strata) = stratified(&decline_if(1.0, 1.0), true, alpha);
    let (adjusted_profit_difference, _) = stratified(&profit_if(0.0, 0.0), true, alpha);
    let scale = sent as f64 * plan.horizon_months;
    let adjusted_net_gain = adjusted_profit_difference.affine(scale, -offer_costs);
    let attrition_difference = [
        stratified(&decline_if(0.0, 1.0), true, alpha).0.value,
        stratified(&decline_if(1.0, 0.0), true, alpha).0.value,
    ];
    let attrition_net_gain = [
        scale * stratified(&profit_if(0.0, 1.0), true, alpha).0.value - offer_costs,
        scale * stratified(&profit_if(1.0, 0.0), true, alpha).0.value - offer_costs,
    ];
    let profit_difference = test.profit - control.profit;
    let net = |d: f64| scale * d - offer_costs;
    let break_even_drop = lever.map_or(plan.break_even_drop, |l| {
        plan.break_even_by_lever
            .get(l)
            .copied()
            .unwrap_or(plan.break_even_drop)
    });
    Comparison {
        lever: lever.map(str::to_string),
        test,
        control,
        difference: test.rate - control.rate,
        ci_low,
        ci_high,
        p_value_z,
        p_value_fisher,
        adjusted_difference,
        profit_difference,
        profit_ci_low,
        profit_ci_high,
        adjusted_profit_difference,
        offer_costs,
        net_gain: net(profit_difference),
        net_gain_ci_low: net(profit_ci_low),
        net_gain_ci_high: net(profit_ci_high),
        p_value_net_gain: adjusted_net_gain.p_above_zero(),
        adjusted_net_gain,
        p_value_holm: f64::NAN,
        attrition_difference,
        attrition_net_gain,
        strata,
        break_even_drop,
        decision: Decision::Inconclusive,
        why: String::new(),
        why_ru: String::new(),
    }
}

/// The plan's rule ([`CampaignPlan::rule`]) on a comparison whose Holm p-value is set.
fn decide(c: &mut Comparison, alpha: f64, min_arm: usize) {
    let f = |v: f64, d: usize| crate::labels::decimal_comma(&format!("{v:.d$}"));
    let g = &c.adjusted_net_gain;
    let (decision, why, why_ru) = if c.p_value_holm.is_nan() {
        (
            Decision::TooFew,
            format!(
                "{} test and {} control customers, below the plan's minimum of {min_arm} per arm: read only within all levers together, or pool months",
                c.test.n, c.control.n
            ),
            format!(
                "в опытной группе {}, в контрольной {} — меньше минимума плана ({} в каждой): рычаг читается только в общем итоге или по нескольким месяцам вместе",
                c.test.n,
                c.control.n,
                crate::labels::CUSTOMER.count(min_arm as u64)
            ),
        )
    } else if c.p_value_holm < alpha && c.adjusted_difference.value <= 0.0 {
        (
            Decision::RollOut,
            format!(
                "the adjusted net gain {:.1} [{:.1}; {:.1}] is above zero with Holm's p = {:.2e} < {alpha} and the decline rate did not rise ({:+.1} p.p.)",
                g.value,
                g.ci_low,
                g.ci_high,
                c.p_value_holm,
                c.adjusted_difference.value * 100.0
            ),
            format!(
                "выгода после затрат {} [{}; {}] больше нуля: p с поправкой Холма {} при α = {}, доля «Снизилась» не выросла ({} п. п.)",
                f(g.value, 1),
                f(g.ci_low, 1),
                f(g.ci_high, 1),
                p_text(c.p_value_holm),
                crate::labels::decimal_comma(&alpha.to_string()),
                f(c.adjusted_difference.value * 100.0, 1)
            ),
        )
    } else if g.ci_high < 0.0 {
        (
            Decision::DoNotRollOut,
            format!(
                "the adjusted net gain's interval [{:.1}; {:.1}] lies below zero: the offers cost more than they bring",
                g.ci_low, g.ci_high
            ),
            format!(
                "весь интервал выгоды после затрат [{}; {}] ниже нуля: предложения стоят больше, чем приносят",
                f(g.ci_low, 1),
                f(g.ci_high, 1)
            ),
        )
    } else {
        (
            Decision::Inconclusive,
            format!(
                "the adjusted net gain {:.1} [{:.1}; {:.1}] is not above zero at Holm's p = {:.3}: extend the test",
                g.value, g.ci_low, g.ci_high, c.p_value_holm
            ),
            format!(
                "выгода после затрат {} [{}; {}] не больше нуля с уверенностью (p с поправкой Холма {}): продлить тест",
                f(g.value, 1),
                f(g.ci_low, 1),
                f(g.ci_high, 1),
                p_text(c.p_value_holm)
            ),
        )
    };
    c.decision = decision;
    c.why = why;
    c.why_ru = why_ru;
}

/// `bootstrap` differences of means (test − control), each arm resampled with replacement
/// within itself, sorted. Resample `b` of group `group` draws from its own ChaCha8 stream,
/// so the result does not depend on the thread count.
fn bootstrap_differences(
    test: &[f64],
    control: &[f64],
    options: &EvaluateOptions,
    group: u64,
) -> Vec<f64> {
    let mut d: Vec<f64> = (0..options.bootstrap as u64)
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream((group << 32) | b);
            let mut mean = |v: &[f64]| {
                let s: f64 = (0..v.len()).map(|_| v[rng.gen_range(0..v.len())]).sum();
                s / v.len() as f64
            };
            let t = mean(test);
            t - mean(control)
        })
        .collect();
    d.sort_by(f64::total_cmp);
    d
}

/// A p-value for a reader: `< 0,001`, else three decimals with a decimal comma.
pub fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0,001".into()
    } else {
        crate::labels::decimal_comma(&format!("{p:.3}"))
    }
}
