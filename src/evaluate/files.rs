//! The campaign file with its plan, and the outcomes file: read, checked, every refusal
//! naming the file, line, column and value.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::schema;

/// Format tag of a campaign's plan file (`FILE.plan.json`).
/// (2: the plan records the campaign file's sha256, so a plan beside another run's file is
/// refused; 3: each row has the customer's prior profit, the plan the minimum arm size
/// and the net-gain rule.)
pub const CAMPAIGN_FORMAT: &str = "oneclick-campaign/4";

/// The columns of a campaign file, in order.
pub const CAMPAIGN_COLUMNS: [&str; 10] = [
    "id",
    "stratum",
    "arm",
    "lever",
    "category",
    "probability",
    "expected_gain",
    "offer_sent",
    "offer_cost",
    "prior_profit",
];

/// The largest amount a campaign file may hold (a probability or an offer's cost or gain
/// in the profit's units): beyond it the file is damaged.
const AMOUNT_LIMIT: f64 = 1e12;

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
    /// The customer's monthly profit in the snapshot (before the campaign): the
    /// pre-period covariate of the adjusted analysis.
    pub prior_profit: f64,
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
    /// Draws tried (the kept one is the most balanced of them).
    pub draws: usize,
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
    /// Customers each arm of a lever needs for the lever to be tested on its own; below
    /// it the lever is read only within all levers together.
    pub min_arm: usize,
    /// The model's mean probability over the campaign's customers: the decline rate it
    /// expects in the control arm.
    pub expected_control_rate: f64,
    /// The mean drop of the decline probability the chosen offers' what-ifs promise (the
    /// model's scenario, not a measured effect).
    pub scenario_drop: f64,
    /// Months of this campaign's eligible flow for `power` against a drop equal to the
    /// break-even drop (`null`: no drop to detect).
    pub months_for_power_break_even: Option<f64>,
    /// … against the scenario's drop.
    pub months_for_power_scenario: Option<f64>,
    /// The power those months are for.
    pub power: f64,
    /// Customers whose arm was kept from a previous campaign (`--previous`).
    pub kept: usize,
    /// The sha256 of each previous campaign file.
    pub previous: Vec<String>,
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
    /// The sha256 of the campaign file written with this plan (empty until written).
    pub campaign_sha256: String,
    /// `offer`: each customer gets the offer chosen for them (or nothing, in control);
    /// `explore`: each customer's lever is drawn at random among the levers allowed for
    /// them, so every lever's effect is identified for whom it may be offered.
    pub design: Design,
    /// For an exploring campaign, per consent group: the levers drawn among and each
    /// arm's assignment probability (empty for `offer`).
    pub assignment: Vec<Assignment>,
    /// Per lever of the campaign, what its customers' offers were chosen on: `measured`
    /// (a lever-effects file from an earlier test, `oneclick learn`), `what_if` (the
    /// model's scenario, where no test measured the lever yet) or `random` (exploring).
    pub basis: BTreeMap<String, String>,
}

/// How a campaign assigns levers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Each customer's chosen offer, test or control.
    #[default]
    Offer,
    /// A lever drawn at random among those allowed, test or control.
    Explore,
}

/// One consent group's assignment in an exploring campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The group: customers who allow messages (`true`) or not.
    pub consent: bool,
    /// The levers drawn among (each equally likely).
    pub levers: Vec<String>,
    /// P(test arm with a given lever) = test share / number of levers.
    pub test_per_lever: f64,
    /// P(control arm) = 1 − test share.
    pub control: f64,
    /// Customers in the group.
    pub customers: usize,
}

impl CampaignPlan {
    /// Checks every field of a plan read back from a file (`source` names it): a damaged
    /// or edited plan is refused naming the field, never analysed.
    pub fn check(&self, source: &str) -> Result<()> {
        let bad = |field: &str, value: String, expected: &str| Error::ModelFile {
            source_name: source.to_string(),
            reason: format!("field {field} = {value}: expected {expected}"),
        };
        let share = |v: f64| v > 0.0 && v < 1.0;
        if !share(self.alpha) {
            return Err(bad(
                "alpha",
                self.alpha.to_string(),
                "a level strictly between 0 and 1",
            ));
        }
        if !share(self.test_share) {
            return Err(bad(
                "test_share",
                self.test_share.to_string(),
                "a share strictly between 0 and 1",
            ));
        }
        if !(self.horizon_months.is_finite() && self.horizon_months > 0.0) {
            return Err(bad(
                "horizon_months",
                self.horizon_months.to_string(),
                "a positive number of months",
            ));
        }
        if !(self.balance_limit.is_finite() && self.balance_limit > 0.0) {
            return Err(bad(
                "balance_limit",
                self.balance_limit.to_string(),
                "a positive |SMD|",
            ));
        }
        if self.draw == 0 || self.draw > self.draws {
            return Err(bad(
                "draw",
                self.draw.to_string(),
                &format!("a draw from 1 to draws = {}", self.draws),
            ));
        }
        if self.break_even_drop.is_nan() || self.break_even_drop < 0.0 {
            return Err(bad(
                "break_even_drop",
                self.break_even_drop.to_string(),
                "a drop of at least 0",
            ));
        }
        if let Some((lever, v)) = self
            .break_even_by_lever
            .iter()
            .find(|(_, v)| v.is_nan() || **v < 0.0)
        {
            return Err(bad(
                &format!("break_even_by_lever.{lever}"),
                v.to_string(),
                "a drop of at least 0",
            ));
        }
        if self.min_arm == 0 {
            return Err(bad("min_arm", "0".into(), "at least 1 customer per arm"));
        }
        if self.test + self.control != self.customers {
            return Err(bad(
                "customers",
                self.customers.to_string(),
                &format!("test + control = {}", self.test + self.control),
            ));
        }
        for (k, a) in self.assignment.iter().enumerate() {
            let total = a.test_per_lever * a.levers.len() as f64 + a.control;
            if a.levers.is_empty() || !share(a.control) || (total - 1.0).abs() > 1e-9 {
                return Err(bad(
                    &format!("assignment[{k}]"),
                    format!(
                        "{} levers × {} + {}",
                        a.levers.len(),
                        a.test_per_lever,
                        a.control
                    ),
                    "at least one lever and probabilities that add up to 1",
                ));
            }
        }
        if (self.design == Design::Explore) == self.assignment.is_empty() {
            return Err(bad(
                "assignment",
                format!("{} groups", self.assignment.len()),
                "the assignment probabilities for an exploring campaign, none for an offer campaign",
            ));
        }
        if self.campaign_sha256.len() != 64 {
            return Err(bad(
                "campaign_sha256",
                format!("{:?}", self.campaign_sha256),
                "the sha256 of the campaign file (64 hex digits)",
            ));
        }
        Ok(())
    }

    /// [`rule`](Self::rule) in Russian, for the notebook.
    pub fn rule_ru(alpha: f64, min_arm: usize) -> String {
        format!(
            "раскатывать рычаг (или все вместе), только если выгода после затрат на предложения — по стратам, с поправкой на вероятность и прежнюю прибыль — больше нуля при α = {} с поправкой Холма на все проверяемые сравнения, а доля «Снизилась» не выросла; не раскатывать, если весь 95 % интервал выгоды ниже нуля; иначе — не ясно: продлить тест. Рычаг, у которого в группе меньше {}, проверяется только в общем итоге; ушедший покупатель считается снизившим активность",
            crate::labels::decimal_comma(&alpha.to_string()),
            crate::labels::CUSTOMER.count_of(min_arm as u64)
        )
    }

    /// The decision rule, stated before the outcomes exist.
    pub fn rule(alpha: f64, min_arm: usize) -> String {
        format!(
            "roll out a lever (or all together) only when its net gain after the offers' costs — stratified, adjusted for the probability and the prior profit — is above zero at α = {alpha} with Holm's correction over every comparison tested, and its decline rate did not rise; do not roll out when the net gain's whole 95% interval is below zero; otherwise inconclusive: extend the test. A lever with fewer than {min_arm} customers in an arm is tested only within all levers together; a customer without an outcome counts as declined"
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
        plan.check(&plan_path.display().to_string())?;
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let sha = crate::io::sha256_hex(&bytes);
        if sha != plan.campaign_sha256 {
            return Err(Error::ModelFile {
                source_name: plan_path.display().to_string(),
                reason: format!(
                    "it was written with another campaign file (sha256 {}…) than {} (sha256 {}…): the two come from different runs; draw the campaign again",
                    &plan.campaign_sha256[..12],
                    path.display(),
                    &sha[..12]
                ),
            });
        }
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
                    .filter(|v| v.abs() <= AMOUNT_LIMIT)
                    .ok_or_else(|| value(k, "a finite number within ±1e12"))
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
            let prior_profit = r[9]
                .parse::<f64>()
                .ok()
                .filter(|v| v.abs() <= schema::MONEY_LIMIT)
                .ok_or_else(|| value(9, "a monthly profit from -1e9 to 1e9"))?;
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
                prior_profit,
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
            .filter(|v| v.abs() <= schema::MONEY_LIMIT)
            .ok_or_else(|| {
                value(
                    2,
                    "a monthly profit from -1e9 to 1e9, with a decimal point".into(),
                )
            })?;
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
