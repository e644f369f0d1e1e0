//! What a test showed: the analysis of a campaign file (`oneclick campaign`) against the
//! customers' outcomes three months later, by the rule the campaign's plan stated before
//! the data existed.
//!
//! Per arm the decline rate with its counts; the difference test − control with the
//! Newcombe (hybrid score) interval, the pooled two-proportion z-test and Fisher's exact
//! test (the statistics of statsmodels' `confint_proportions_2indep(method="newcomb")`,
//! `proportions_ztest` and scipy's `fisher_exact`, tested against them); profit per
//! customer per arm with a seeded bootstrap interval of its difference; the campaign's net
//! gain after the offers' costs; and the decision. Everything is intention to treat:
//! every campaign customer is analysed in the arm drawn for them. Customers without an
//! outcome are counted per arm (attrition) and left out of the rates, never silently.
//!
//! Only statistics and the CSV layer: this module sits low, beside [`stats`](crate::stats).

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::stats::quantile_sorted;

mod files;
mod proportions;

pub use files::{
    Arm, CAMPAIGN_COLUMNS, CAMPAIGN_FORMAT, Campaign, CampaignPlan, CampaignRow, OUTCOME_COLUMNS,
    Outcome, outcomes_from_bytes, read_outcomes,
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
    /// Customers with an outcome.
    pub n: u64,
    /// … of whom declined.
    pub declined: u64,
    /// declined / n.
    pub rate: f64,
    /// Mean profit per customer per month (before the offers' costs).
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
}

impl Decision {
    /// «раскатывать», «не раскатывать», «не ясно — продлить тест».
    pub fn name_ru(self) -> &'static str {
        match self {
            Decision::RollOut => "раскатывать",
            Decision::DoNotRollOut => "не раскатывать",
            Decision::Inconclusive => "не ясно — продлить тест",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::RollOut => "roll out",
            Decision::DoNotRollOut => "do not roll out",
            Decision::Inconclusive => "inconclusive",
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
    /// Decline rate test − control (negative: the offer lowered it).
    pub difference: f64,
    /// Newcombe interval of `difference`: lower end.
    pub ci_low: f64,
    /// … upper end.
    pub ci_high: f64,
    /// Two-proportion z-test (pooled), two-sided.
    pub p_value_z: f64,
    /// Fisher's exact test, two-sided.
    pub p_value_fisher: f64,
    /// Profit per customer per month, test − control.
    pub profit_difference: f64,
    /// Bootstrap percentile interval of `profit_difference`: lower end.
    pub profit_ci_low: f64,
    /// … upper end.
    pub profit_ci_high: f64,
    /// The offers' costs in the test arm.
    pub offer_costs: f64,
    /// Net gain over the horizon: test customers × horizon × profit difference − costs.
    pub net_gain: f64,
    /// Its interval (from the profit difference's): lower end.
    pub net_gain_ci_low: f64,
    /// … upper end.
    pub net_gain_ci_high: f64,
    /// The plan's break-even drop.
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
    /// Campaign customers without an outcome (attrition), left out of the rates.
    pub missing_outcomes: u64,
    /// The level of the tests.
    pub alpha: f64,
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
    if outcomes.len() != campaign.rows.len() {
        return Err(Error::shape(
            "outcomes",
            format!("{} (one per campaign row)", campaign.rows.len()),
            outcomes.len().to_string(),
        ));
    }
    let plan = &campaign.plan;
    let all: Vec<usize> = (0..campaign.rows.len()).collect();
    let overall = compare(
        campaign,
        outcomes,
        &all,
        None,
        plan.break_even_drop,
        options,
        0,
    )?;
    let mut levers: Vec<&str> = Vec::new();
    for r in &campaign.rows {
        if !levers.contains(&r.lever.as_str()) {
            levers.push(&r.lever);
        }
    }
    let by_lever = levers
        .iter()
        .enumerate()
        .map(|(k, lever)| {
            let rows: Vec<usize> = all
                .iter()
                .copied()
                .filter(|i| campaign.rows[*i].lever == *lever)
                .collect();
            let break_even = plan
                .break_even_by_lever
                .get(*lever)
                .copied()
                .unwrap_or(plan.break_even_drop);
            compare(
                campaign,
                outcomes,
                &rows,
                Some(lever.to_string()),
                break_even,
                options,
                k as u64 + 1,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Evaluation {
        missing_outcomes: overall.test.missing + overall.control.missing,
        overall,
        by_lever,
        alpha: plan.alpha,
        decision_rule: plan.decision_rule.clone(),
        bootstrap: options.bootstrap,
        seed: options.seed,
    })
}

fn compare(
    campaign: &Campaign,
    outcomes: &[Option<Outcome>],
    rows: &[usize],
    lever: Option<String>,
    break_even: f64,
    options: &EvaluateOptions,
    group: u64,
) -> Result<Comparison> {
    let plan = &campaign.plan;
    let alpha = plan.alpha;
    let mut profit: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut declined = [0u64; 2];
    let mut missing = [0u64; 2];
    let mut offer_costs = 0.0;
    let mut sent = 0u64;
    for &i in rows {
        let r = &campaign.rows[i];
        let a = usize::from(r.arm == Arm::Control);
        if r.offer_sent {
            offer_costs += r.offer_cost;
            sent += 1;
        }
        match outcomes[i] {
            Some(o) => {
                declined[a] += u64::from(o.declined);
                profit[a].push(o.profit);
            }
            None => missing[a] += 1,
        }
    }
    let arm = |a: usize| {
        let n = profit[a].len() as u64;
        ArmResult {
            n,
            declined: declined[a],
            rate: declined[a] as f64 / n.max(1) as f64,
            profit: crate::stats::mean(&profit[a]),
            missing: missing[a],
        }
    };
    let (test, control) = (arm(0), arm(1));
    let what = lever.as_deref().unwrap_or("all levers");
    if test.n == 0 || control.n == 0 {
        return Err(Error::InvalidArgument(format!(
            "{what}: the test arm has {} and the control arm {} customers with an outcome; expected at least one in each",
            test.n, control.n
        )));
    }
    let (ci_low, ci_high) =
        newcombe_interval(test.declined, test.n, control.declined, control.n, alpha);
    let p_value_z = z_test(test.declined, test.n, control.declined, control.n);
    let p_value_fisher = fisher_exact(test.declined, test.n, control.declined, control.n);
    let profit_difference = test.profit - control.profit;
    let diffs = bootstrap_differences(&profit[0], &profit[1], options, group);
    let profit_ci_low = quantile_sorted(&diffs, alpha / 2.0);
    let profit_ci_high = quantile_sorted(&diffs, 1.0 - alpha / 2.0);
    let scale = sent as f64 * plan.horizon_months;
    let net = |d: f64| scale * d - offer_costs;
    let difference = test.rate - control.rate;
    let drop = -difference;
    let largest_drop = -ci_low;
    let gain_negative = net(profit_ci_high) < 0.0;
    let pp = |d: f64| d * 100.0;
    let (decision, why, why_ru) = if gain_negative {
        (
            Decision::DoNotRollOut,
            format!(
                "the net gain after the offers' costs is significantly negative (its interval ends at {:.2})",
                net(profit_ci_high)
            ),
            format!(
                "выгода после затрат на предложения значимо отрицательна (интервал кончается на {})",
                crate::labels::decimal_comma(&format!("{:.2}", net(profit_ci_high)))
            ),
        )
    } else if largest_drop < break_even {
        (
            Decision::DoNotRollOut,
            format!(
                "even the interval's largest drop ({:.1} p.p.) is below the break-even drop ({:.1} p.p.)",
                pp(largest_drop),
                pp(break_even)
            ),
            format!(
                "даже наибольшее снижение в интервале ({} п. п.) меньше точки окупаемости ({} п. п.)",
                crate::labels::decimal_comma(&format!("{:.1}", pp(largest_drop))),
                crate::labels::decimal_comma(&format!("{:.1}", pp(break_even)))
            ),
        )
    } else if p_value_fisher < alpha && drop >= break_even {
        (
            Decision::RollOut,
            format!(
                "Fisher's test rejects (p = {p_value_fisher:.2e} < {alpha}) and the observed drop ({:.1} p.p.) reaches the break-even drop ({:.1} p.p.); the net gain is not significantly negative",
                pp(drop),
                pp(break_even)
            ),
            format!(
                "тест Фишера отвергает равенство долей (p {} при α = {}), наблюдаемое снижение ({} п. п.) не меньше точки окупаемости ({} п. п.), выгода не отрицательна значимо",
                {
                    let p = p_text(p_value_fisher);
                    if p.starts_with('<') {
                        p
                    } else {
                        format!("= {p}")
                    }
                },
                crate::labels::decimal_comma(&alpha.to_string()),
                crate::labels::decimal_comma(&format!("{:.1}", pp(drop))),
                crate::labels::decimal_comma(&format!("{:.1}", pp(break_even)))
            ),
        )
    } else {
        (
            Decision::Inconclusive,
            format!(
                "the interval of the drop ({:.1} to {:.1} p.p.) holds both the break-even drop ({:.1} p.p.) and less, or Fisher's test does not reject (p = {p_value_fisher:.3}): extend the test",
                pp(-ci_high),
                pp(-ci_low),
                pp(break_even)
            ),
            format!(
                "интервал снижения (от {} до {} п. п.) содержит и точку окупаемости ({} п. п.), и меньшие значения, или тест Фишера не отвергает равенство (p = {}): продлить тест",
                crate::labels::decimal_comma(&format!("{:.1}", pp(-ci_high))),
                crate::labels::decimal_comma(&format!("{:.1}", pp(-ci_low))),
                crate::labels::decimal_comma(&format!("{:.1}", pp(break_even))),
                p_text(p_value_fisher)
            ),
        )
    };
    Ok(Comparison {
        lever,
        test,
        control,
        difference,
        ci_low,
        ci_high,
        p_value_z,
        p_value_fisher,
        profit_difference,
        profit_ci_low,
        profit_ci_high,
        offer_costs,
        net_gain: net(profit_difference),
        net_gain_ci_low: net(profit_ci_low),
        net_gain_ci_high: net(profit_ci_high),
        break_even_drop: break_even,
        decision,
        why,
        why_ru,
    })
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

impl Evaluation {
    /// The comparison as a Russian table: overall first, then each lever by its id.
    pub fn table(&self) -> crate::display::Table {
        self.table_titled(&|id| id.to_string())
    }

    /// [`table`](Self::table) with each lever named by `title(id)`.
    pub fn table_titled(&self, title: &dyn Fn(&str) -> String) -> crate::display::Table {
        let f = |v: f64, d: usize| crate::labels::decimal_comma(&format!("{v:.d$}"));
        let pp = |v: f64| f(v * 100.0, 1);
        let rows = std::iter::once(&self.overall)
            .chain(&self.by_lever)
            .map(|c| {
                vec![
                    c.lever
                        .as_deref()
                        .map_or_else(|| "все рычаги".into(), title),
                    format!(
                        "{} из {} ({} %)",
                        c.test.declined,
                        c.test.n,
                        pp(c.test.rate)
                    ),
                    format!(
                        "{} из {} ({} %)",
                        c.control.declined,
                        c.control.n,
                        pp(c.control.rate)
                    ),
                    format!("{} [{}; {}]", pp(c.difference), pp(c.ci_low), pp(c.ci_high)),
                    p_text(c.p_value_z),
                    p_text(c.p_value_fisher),
                    format!(
                        "{} [{}; {}]",
                        f(c.profit_difference, 3),
                        f(c.profit_ci_low, 3),
                        f(c.profit_ci_high, 3)
                    ),
                    format!(
                        "{} [{}; {}]",
                        f(c.net_gain, 1),
                        f(c.net_gain_ci_low, 1),
                        f(c.net_gain_ci_high, 1)
                    ),
                    pp(c.break_even_drop),
                    c.decision.name_ru().to_string(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(
            [
                "рычаг",
                "«Снизилась», опытная",
                "«Снизилась», контрольная",
                "разность, п. п. [95 % ДИ Ньюкомба]",
                "p (z-тест)",
                "p (Фишер)",
                "разность прибыли в месяц [бутстреп 95 % ДИ]",
                "выгода за горизонт после затрат [95 % ДИ]",
                "точка окупаемости, п. п.",
                "решение",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title("Итоги A/B-теста: опытная группа против контрольной")
    }
}
