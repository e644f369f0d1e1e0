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

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::schema;
use crate::stats::{erfc, ln_choose, quantile_sorted, wilson};

/// Format tag of a campaign's plan file (`FILE.plan.json`).
pub const CAMPAIGN_FORMAT: &str = "oneclick-campaign/1";

/// The columns of a campaign file, in order.
pub const CAMPAIGN_COLUMNS: [&str; 9] = [
    "id",
    "stratum",
    "arm",
    "lever",
    "category",
    "probability",
    "expected_gain",
    "offer_sent",
    "offer_cost",
];

/// The columns of an outcomes file (any order).
pub const OUTCOME_COLUMNS: [&str; 3] = ["id", schema::TARGET, schema::PROFIT];

/// A customer's arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arm {
    /// Gets the offer.
    Test,
    /// Gets nothing; kept to compare like with like.
    Control,
}

impl Arm {
    /// `test` / `control`, as written in the file.
    pub fn id(self) -> &'static str {
        match self {
            Arm::Test => "test",
            Arm::Control => "control",
        }
    }

    /// «опытная» / «контрольная».
    pub fn name_ru(self) -> &'static str {
        match self {
            Arm::Test => "опытная",
            Arm::Control => "контрольная",
        }
    }
}

/// One row of a campaign file.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignRow {
    /// Customer id.
    pub id: i64,
    /// The randomisation stratum (`lever/consent/risk band`).
    pub stratum: String,
    /// The arm drawn for the customer.
    pub arm: Arm,
    /// The offer's lever (the one the customer gets in the test arm, and would have got
    /// in the control arm).
    pub lever: String,
    /// The favourite category (the offer's variant).
    pub category: String,
    /// P(«Снизилась») at the campaign's start.
    pub probability: f64,
    /// The offer's expected net gain under the model's assumptions.
    pub expected_gain: f64,
    /// Whether the offer is sent (the test arm only).
    pub offer_sent: bool,
    /// The offer's cost for this customer, in the profit's units (charged only when sent).
    pub offer_cost: f64,
}

/// What a campaign committed to before its outcomes existed (`FILE.plan.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignPlan {
    /// [`CAMPAIGN_FORMAT`].
    pub format: String,
    /// Seed of the randomisation.
    pub seed: u64,
    /// Target share of the test arm in each stratum.
    pub test_share: f64,
    /// What the strata are and why.
    pub stratified_by: String,
    /// The draw kept (1: the first was balanced).
    pub draw: usize,
    /// |SMD| every feature had to stay below.
    pub balance_limit: f64,
    /// Level of the tests; the intervals are at `1 − alpha`.
    pub alpha: f64,
    /// Months the offers' gain is counted over (the outcomes' profit is per month).
    pub horizon_months: f64,
    /// Drop of the decline rate from which the offers pay for themselves, all levers.
    pub break_even_drop: f64,
    /// The same per lever.
    pub break_even_by_lever: BTreeMap<String, f64>,
    /// The rule the decision follows.
    pub decision_rule: String,
    /// The model that scored the snapshot.
    pub model: String,
    /// Customers in the campaign, in the test arm, in the control arm.
    pub customers: usize,
    /// Customers in the test arm.
    pub test: usize,
    /// Customers in the control arm.
    pub control: usize,
}

impl CampaignPlan {
    /// The decision rule, stated before the outcomes exist.
    pub fn rule(alpha: f64) -> String {
        format!(
            "roll out when Fisher's exact test rejects at α = {alpha}, the observed drop of the decline rate (control − test) is at least the break-even drop and the net gain after the offers' costs is not significantly negative; do not roll out when the interval's largest drop lies below the break-even drop or the net gain is significantly negative; otherwise inconclusive: extend the test"
        )
    }
}

/// A campaign file with its plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// The campaign file.
    pub path: PathBuf,
    /// Its rows, in file order.
    pub rows: Vec<CampaignRow>,
    /// Its plan.
    pub plan: CampaignPlan,
}

impl Campaign {
    /// The plan beside a campaign file: `campaign.csv` → `campaign.plan.json`.
    pub fn plan_path(path: &Path) -> PathBuf {
        crate::io::beside(path, "plan", "json")
    }

    /// Reads a campaign file and the plan beside it. A wrong header, a malformed value, a
    /// duplicate id or a plan that does not match the rows is an error naming the file,
    /// line, column and value.
    pub fn read(path: &Path) -> Result<Campaign> {
        let plan_path = Self::plan_path(path);
        let plan_bytes = std::fs::read(&plan_path).map_err(|e| Error::io(&plan_path, e))?;
        let plan: CampaignPlan =
            serde_json::from_slice(&plan_bytes).map_err(|e| Error::ModelFile {
                source_name: plan_path.display().to_string(),
                reason: format!("not a campaign plan written by `oneclick campaign` ({e})"),
            })?;
        if plan.format != CAMPAIGN_FORMAT {
            return Err(Error::ModelFile {
                source_name: plan_path.display().to_string(),
                reason: format!(
                    "campaign format {:?}, this version reads {CAMPAIGN_FORMAT:?}",
                    plan.format
                ),
            });
        }
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let file = path.display().to_string();
        let records = read_csv(&bytes, &file, &CAMPAIGN_COLUMNS, true)?;
        let mut rows = Vec::with_capacity(records.len());
        let mut seen: HashMap<i64, usize> = HashMap::with_capacity(records.len());
        for (line, r) in records {
            let value = |k: usize, expected: &str| Error::Value {
                file: file.clone(),
                line,
                column: CAMPAIGN_COLUMNS[k].to_string(),
                value: r[k].chars().take(60).collect(),
                expected: expected.to_string(),
            };
            let id: i64 = r[0]
                .parse()
                .map_err(|_| value(0, "an integer customer id"))?;
            if let Some(first) = seen.insert(id, line) {
                return Err(Error::DuplicateKey {
                    file: file.clone(),
                    line,
                    first_line: first,
                    key: format!("id {id}"),
                    expected: "each customer once in a campaign".into(),
                });
            }
            let arm = match r[2].as_str() {
                "test" => Arm::Test,
                "control" => Arm::Control,
                _ => return Err(value(2, "test or control")),
            };
            let number = |k: usize| -> Result<f64> {
                r[k].parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| value(k, "a finite number"))
            };
            let probability = number(5)?;
            if !(0.0..=1.0).contains(&probability) {
                return Err(value(5, "a probability in [0, 1]"));
            }
            let offer_sent = match r[7].as_str() {
                "true" => true,
                "false" => false,
                _ => return Err(value(7, "true or false")),
            };
            if offer_sent != (arm == Arm::Test) {
                return Err(value(
                    7,
                    "true in the test arm and false in the control arm",
                ));
            }
            let offer_cost = number(8)?;
            if offer_cost < 0.0 {
                return Err(value(8, "a cost of at least 0"));
            }
            if r[3].is_empty() {
                return Err(value(3, "the offer's lever"));
            }
            rows.push(CampaignRow {
                id,
                stratum: r[1].clone(),
                arm,
                lever: r[3].clone(),
                category: r[4].clone(),
                probability,
                expected_gain: number(6)?,
                offer_sent,
                offer_cost,
            });
        }
        let test = rows.iter().filter(|r| r.arm == Arm::Test).count();
        if (plan.customers, plan.test, plan.control) != (rows.len(), test, rows.len() - test) {
            return Err(Error::ModelFile {
                source_name: plan_path.display().to_string(),
                reason: format!(
                    "the plan counts {} customers ({} test, {} control) but {file} has {} ({test} test, {} control); expected the plan written with this file",
                    plan.customers,
                    plan.test,
                    plan.control,
                    rows.len(),
                    rows.len() - test
                ),
            });
        }
        Ok(Campaign {
            path: path.to_path_buf(),
            rows,
            plan,
        })
    }
}

/// A customer's outcome three months later.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Whether purchase activity declined («Снизилась»).
    pub declined: bool,
    /// Average monthly profit over the three months, before the offers' costs.
    pub profit: f64,
}

/// Reads an outcomes file (`id, Покупательская активность, Прибыль`, comma-separated,
/// decimal points) for `campaign`: one entry per campaign row, `None` where the file has
/// no row for the customer. An id not in the campaign, a duplicate id, an unknown label
/// value or a profit that is not a number is an error naming the file, line, column and
/// value.
pub fn read_outcomes(path: &Path, campaign: &Campaign) -> Result<Vec<Option<Outcome>>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    outcomes_from_bytes(&bytes, &path.display().to_string(), campaign)
}

/// [`read_outcomes`] from bytes (`file` names them in errors).
pub fn outcomes_from_bytes(
    bytes: &[u8],
    file: &str,
    campaign: &Campaign,
) -> Result<Vec<Option<Outcome>>> {
    let index: HashMap<i64, usize> = campaign
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id, i))
        .collect();
    let records = read_csv(bytes, file, &OUTCOME_COLUMNS, false)?;
    let mut out: Vec<Option<Outcome>> = vec![None; campaign.rows.len()];
    let mut lines: Vec<usize> = vec![0; campaign.rows.len()];
    for (line, r) in records {
        let value = |k: usize, expected: String| Error::Value {
            file: file.to_string(),
            line,
            column: OUTCOME_COLUMNS[k].to_string(),
            value: r[k].chars().take(60).collect(),
            expected,
        };
        let id: i64 = r[0]
            .parse()
            .map_err(|_| value(0, "an integer customer id".into()))?;
        let Some(&i) = index.get(&id) else {
            return Err(value(
                0,
                format!("a customer of the campaign {}", campaign.path.display()),
            ));
        };
        if lines[i] > 0 {
            return Err(Error::DuplicateKey {
                file: file.to_string(),
                line,
                first_line: lines[i],
                key: format!("id {id}"),
                expected: "one outcome per customer".into(),
            });
        }
        lines[i] = line;
        let declined = match r[1].as_str() {
            schema::DECLINED => true,
            schema::SAME_LEVEL => false,
            _ => {
                return Err(value(
                    1,
                    format!("{:?} or {:?}", schema::DECLINED, schema::SAME_LEVEL),
                ));
            }
        };
        let profit = r[2]
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| value(2, "a finite number with a decimal point".into()))?;
        out[i] = Some(Outcome { declined, profit });
    }
    Ok(out)
}

/// Rows of a CSV file after its header, `(line, fields in `columns` order)`. The header
/// must hold exactly `columns` (in that order when `ordered`).
fn read_csv(
    bytes: &[u8],
    file: &str,
    columns: &[&str],
    ordered: bool,
) -> Result<Vec<(usize, Vec<String>)>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::EmptyFile {
            file: file.to_string(),
        });
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let csv_error = |e: csv::Error| Error::Csv {
        file: file.to_string(),
        line: e.position().map_or(0, |p| p.line() as usize),
        message: e.to_string(),
    };
    let header = records
        .next()
        .transpose()
        .map_err(csv_error)?
        .unwrap_or_default();
    let header: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    let missing: Vec<String> = columns
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .map(|c| c.to_string())
        .collect();
    let unexpected: Vec<String> = header
        .iter()
        .filter(|h| !columns.contains(&h.as_str()))
        .cloned()
        .collect();
    let mut duplicated: Vec<String> = header
        .iter()
        .filter(|h| header.iter().filter(|g| g == h).count() > 1)
        .cloned()
        .collect();
    duplicated.dedup();
    let order_wrong = ordered
        && header
            .iter()
            .map(String::as_str)
            .ne(columns.iter().copied());
    if !missing.is_empty() || !unexpected.is_empty() || !duplicated.is_empty() || order_wrong {
        return Err(Error::Columns {
            file: file.to_string(),
            missing,
            unexpected,
            duplicated: if order_wrong && duplicated.is_empty() {
                vec![format!("(order: expected {})", columns.join(","))]
            } else {
                duplicated
            },
        });
    }
    let position: Vec<usize> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == c).unwrap_or(0))
        .collect();
    let mut out = Vec::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let line = record
            .position()
            .map_or(out.len() + 2, |p| p.line() as usize);
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        if record.len() != header.len() {
            return Err(Error::FieldCount {
                file: file.to_string(),
                line,
                expected: header.len(),
                found: record.len(),
            });
        }
        let fields = position
            .iter()
            .map(|k| {
                std::str::from_utf8(&record[*k])
                    .map(|s| s.trim().to_string())
                    .map_err(|_| Error::Value {
                        file: file.to_string(),
                        line,
                        column: columns[position.iter().position(|p| p == k).unwrap_or(0)]
                            .to_string(),
                        value: String::from_utf8_lossy(&record[*k]).to_string(),
                        expected: "UTF-8 text".into(),
                    })
            })
            .collect::<Result<Vec<String>>>()?;
        out.push((line, fields));
    }
    if out.is_empty() {
        return Err(Error::NoRows {
            file: file.to_string(),
            line: 2,
        });
    }
    Ok(out)
}

/// Newcombe's hybrid score interval (his method 10) at `1 − alpha` of the difference
/// `x1/n1 − x2/n2` of two independent proportions: from the Wilson intervals (l₁, u₁) and
/// (l₂, u₂) of each, `d − √((p₁ − l₁)² + (u₂ − p₂)²)` to `d + √((u₁ − p₁)² + (p₂ − l₂)²)`.
///
/// ```
/// // 120/400 against 160/400: −10 points, about −16.5 to −3.4
/// let (lo, hi) = oneclick::evaluate::newcombe_interval(120, 400, 160, 400, 0.05);
/// assert!((lo + 0.16489).abs() < 1e-4 && (hi + 0.03390).abs() < 1e-4);
/// ```
pub fn newcombe_interval(x1: u64, n1: u64, x2: u64, n2: u64, alpha: f64) -> (f64, f64) {
    let p1 = x1 as f64 / n1.max(1) as f64;
    let p2 = x2 as f64 / n2.max(1) as f64;
    let (l1, u1) = wilson(x1, n1, alpha);
    let (l2, u2) = wilson(x2, n2, alpha);
    let d = p1 - p2;
    (
        d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    )
}

/// Two-sided p-value of the two-proportion z-test with the pooled variance under the
/// null; `NaN` when both arms are all 0 or all 1 (the statistic is undefined).
pub fn z_test(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let (a, b) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (a + b);
    let se = (pooled * (1.0 - pooled) * (1.0 / a + 1.0 / b)).sqrt();
    if !(se > 0.0) {
        return f64::NAN;
    }
    let z = (x1 as f64 / a - x2 as f64 / b) / se;
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Two-sided p-value of Fisher's exact test of the 2×2 table `[[x1, n1 − x1], [x2, n2 −
/// x2]]`: the conditional (hypergeometric) probability of the tables no more likely than
/// the observed one, with a relative tolerance of 1e-7 for ties.
pub fn fisher_exact(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let (n, s) = (n1 + n2, x1 + x2);
    let (lo, hi) = (s.saturating_sub(n2), s.min(n1));
    let total = ln_choose(n, s);
    let lp = |x: u64| ln_choose(n1, x) + ln_choose(n2, s - x) - total;
    let limit = lp(x1) + (1e-7f64).ln_1p();
    let p: f64 = (lo..=hi)
        .map(lp)
        .filter(|l| *l <= limit)
        .map(f64::exp)
        .sum();
    p.min(1.0)
}

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

impl EvaluateOptions {
    /// Checks the options: at least 100 resamples.
    pub fn check(&self) -> Result<()> {
        if !(100..=1_000_000).contains(&self.bootstrap) {
            return Err(Error::parameter(
                "EvaluateOptions::bootstrap",
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
    options: &EvaluateOptions,
) -> Result<Evaluation> {
    options.check()?;
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
                "тест Фишера отвергает равенство долей (p = {} < {}), наблюдаемое снижение ({} п. п.) не меньше точки окупаемости ({} п. п.), выгода не отрицательна значимо",
                crate::labels::decimal_comma(&format!("{p_value_fisher:.2e}")),
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
                crate::labels::decimal_comma(&format!("{p_value_fisher:.3}"))
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

impl Evaluation {
    /// The comparison as Russian table rows: overall first, then each lever.
    pub fn table(&self) -> crate::display::Table {
        let f = |v: f64, d: usize| crate::labels::decimal_comma(&format!("{v:.d$}"));
        let pp = |v: f64| f(v * 100.0, 1);
        let rows = std::iter::once(&self.overall)
            .chain(&self.by_lever)
            .map(|c| {
                vec![
                    c.lever.clone().unwrap_or_else(|| "все рычаги".into()),
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
                    crate::labels::decimal_comma(&format!("{:.2e}", c.p_value_z)),
                    crate::labels::decimal_comma(&format!("{:.2e}", c.p_value_fisher)),
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
