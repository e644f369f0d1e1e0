//! Who gets what, randomised: a snapshot scored with a saved model, every customer with an
//! offer that pays for itself (positive expected net gain; offers that need consent only
//! to customers who gave it) drawn into a test arm (gets the offer) or a control arm (gets
//! nothing, and is kept so the analysis compares like with like, lever by lever).
//!
//! **Strata: lever × consent × risk band.** The lever, because the test is read per lever
//! and each lever's arms must be comparable; consent, because customers who allow messages
//! differ from those who do not (and only they can get some offers); the risk band (at or
//! above the model's risk threshold, or below), because the decline rate depends on the
//! probability most of all, so balancing it within each lever removes most of the
//! outcome's variance between the arms. Within a stratum the customers (in id order) are
//! shuffled with the stratum's own seeded stream and the first ⌊n·share⌋ go to the test
//! arm, one more with probability frac(n·share): at share ½ the arms of a stratum differ
//! by at most one customer. The same seed gives a byte-identical file.
//!
//! **Every stratum gets both arms.** A stratum too small for the share to give it a
//! customer in each arm ([`min_stratum`]) is pooled with its lever's other thin strata
//! into `lever/merged` (with the lever's smallest full stratum when the pool is still
//! thin); levers too small even then share one `small_levers/merged` stratum. The plan
//! records `min_arm`: a lever with fewer customers in an arm is read only within all
//! levers together (`oneclick evaluate`).
//!
//! The balance report gives the standardised mean difference (SMD) between the arms of
//! every model feature (each level of a category as a 0/1 indicator) and of the
//! probability: (mean_test − mean_control) / √((s²_test + s²_control) / 2), sample
//! variances; |SMD| < 0.1 is the usual sign of balance (Austin, 2009).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::evaluate::{Arm, CAMPAIGN_COLUMNS, CAMPAIGN_FORMAT, Campaign, CampaignPlan, Design};
use crate::learn::LeverEffects;
use crate::offers::LEVERS;
use crate::score::{SavedModel, Scores};

mod explore;
mod strata;

use strata::{balance, covariates, merge_thin};
pub use strata::{min_stratum, months_for_power};

/// How to draw a campaign (`launch.campaign` in the parameter file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignOptions {
    /// Seed of the randomisation.
    pub seed: u64,
    /// Target share of the test arm in each stratum.
    pub test_share: f64,
    /// |SMD| from which a feature counts as imbalanced.
    pub balance_limit: f64,
    /// Draws tried until every |SMD| is below the limit (rerandomisation); the best one is
    /// kept, with a warning, when none is.
    pub max_draws: usize,
    /// Customers each arm of a lever needs for the lever to be tested on its own
    /// (recorded in the plan; fewer: the lever is read only within all levers together).
    pub min_arm: usize,
    /// `offer` (each customer's chosen offer) or `explore` (a lever drawn at random among
    /// those allowed for the customer: the test `oneclick learn` learns from).
    pub design: Design,
}

impl Default for CampaignOptions {
    fn default() -> Self {
        CampaignOptions {
            seed: 42,
            test_share: 0.5,
            balance_limit: 0.1,
            max_draws: 1000,
            min_arm: 20,
            design: Design::Offer,
        }
    }
}

impl crate::checked::Check for CampaignOptions {
    /// Checks the options: a share strictly between 0 and 1, a positive limit.
    fn check(&self) -> Result<()> {
        if !(self.test_share > 0.0 && self.test_share < 1.0) {
            return Err(Error::parameter(
                "launch.campaign.test_share",
                self.test_share,
                "a share strictly between 0 and 1",
            ));
        }
        if !(1..=10_000).contains(&self.max_draws) {
            return Err(Error::parameter(
                "launch.campaign.max_draws",
                self.max_draws,
                "between 1 and 10000 draws",
            ));
        }
        if !(1..=1_000_000).contains(&self.min_arm) {
            return Err(Error::parameter(
                "launch.campaign.min_arm",
                self.min_arm,
                "between 1 and 1000000 customers per arm",
            ));
        }
        if !(self.balance_limit > 0.0 && self.balance_limit.is_finite()) {
            return Err(Error::parameter(
                "launch.campaign.balance_limit",
                self.balance_limit,
                "a positive number",
            ));
        }
        Ok(())
    }
}

/// One row of the balance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Balance {
    /// The feature (or `probability`).
    pub feature: String,
    /// The level of a categorical feature (its 0/1 indicator), `None` for numbers.
    pub level: Option<String>,
    /// Mean in the test arm.
    pub test: f64,
    /// Mean in the control arm.
    pub control: f64,
    /// Standardised mean difference.
    pub smd: f64,
}

impl Balance {
    /// `feature` or `feature = level`.
    pub fn name(&self) -> String {
        match &self.level {
            Some(l) => format!("{} = {l}", self.feature),
            None => self.feature.clone(),
        }
    }
}

/// A drawn campaign.
#[derive(Debug, Clone)]
pub struct CampaignRun {
    /// The scored snapshot (every customer).
    pub scores: Scores,
    /// Per scored customer: the arm, `None` when not eligible.
    pub arms: Vec<Option<Arm>>,
    /// Per scored customer: the stratum (index into `strata`; eligible customers only).
    pub stratum: Vec<u32>,
    /// Stratum names, sorted.
    pub strata: Vec<String>,
    /// Customers per stratum in the test and control arms.
    pub sizes: Vec<(usize, usize)>,
    /// The balance between the arms.
    pub balance: Vec<Balance>,
    /// The plan (written beside the campaign).
    pub plan: CampaignPlan,
    /// The options used.
    pub options: CampaignOptions,
    /// Wall-clock seconds per stage.
    pub timings: Vec<(&'static str, f64)>,
}

/// Scores the snapshot in `data` with `model` and draws the campaign.
pub fn run(
    model: &SavedModel,
    data: &Path,
    options: &Checked<CampaignOptions>,
) -> Result<CampaignRun> {
    run_with(model, data, options, &[], None)
}

/// [`run`] keeping the arms of the `previous` campaigns' customers ([`draw_with`]), the
/// offers chosen on measured `effects` when given ([`LeverEffects::choose`]).
pub fn run_with(
    model: &SavedModel,
    data: &Path,
    options: &Checked<CampaignOptions>,
    previous: &[Campaign],
    effects: Option<&LeverEffects>,
) -> Result<CampaignRun> {
    let started = std::time::Instant::now();
    let raw = crate::Data::load(data)?;
    let load = started.elapsed().as_secs_f64();
    let mut run = run_raw(model, raw, options, previous, effects)?;
    run.timings.insert(0, ("load", load));
    Ok(run)
}

/// [`run_with`] on data already loaded and validated.
pub fn run_raw(
    model: &SavedModel,
    raw: crate::RawData,
    options: &Checked<CampaignOptions>,
    previous: &[Campaign],
    effects: Option<&LeverEffects>,
) -> Result<CampaignRun> {
    let mut prepared = crate::score::prepare(model, raw)?;
    let mut scores = crate::score::score_prepared(model, &mut prepared)?;
    if let Some(e) = effects {
        e.choose(&prepared.features, &mut scores)?;
    }
    draw_with(model, &prepared.features, scores, options, previous)
}

/// Draws the campaign for a snapshot already scored by `model` (`features`: its model
/// features, row for row with `scores`): what [`run`] does after scoring, and what a
/// simulation repeats with other seeds.
pub fn draw(
    model: &SavedModel,
    features: &polars::prelude::DataFrame,
    scores: Scores,
    options: &Checked<CampaignOptions>,
) -> Result<CampaignRun> {
    draw_with(model, features, scores, options, &[])
}

/// [`draw`] keeping the arm of every customer of the `previous` campaigns (a persistent
/// holdout: a control customer stays in control, a test customer keeps getting offers;
/// the latest campaign wins when several hold the customer); only newcomers are drawn,
/// each stratum's newcomers at the test share.
pub fn draw_with(
    model: &SavedModel,
    features: &polars::prelude::DataFrame,
    mut scores: Scores,
    options: &Checked<CampaignOptions>,
    previous: &[Campaign],
) -> Result<CampaignRun> {
    let mut timings = std::mem::take(&mut scores.timings);
    let mut earlier: std::collections::HashMap<i64, Arm> = std::collections::HashMap::new();
    for c in previous {
        for r in &c.rows {
            earlier.insert(r.id, r.arm);
        }
    }
    let kept: Vec<Option<Arm>> = scores
        .rows
        .iter()
        .map(|r| earlier.get(&r.id).copied())
        .collect();
    let risk = model.thresholds.risk;
    let explore = options.design == Design::Explore;
    let assignment = if explore {
        explore::assign(model, &mut scores, options.seed, options.test_share)
    } else {
        Vec::new()
    };
    // strata of the eligible customers
    let key = |i: usize| -> Option<String> {
        let r = &scores.rows[i];
        let lever = r.lever.filter(|_| explore || r.expected_gain > 0.0)?;
        Some(format!(
            "{}/{}/{}",
            LEVERS[usize::from(lever)].id,
            if r.consent { "consent" } else { "no_consent" },
            if r.probability >= risk {
                "at_risk"
            } else {
                "below_risk"
            }
        ))
    };
    let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..scores.rows.len() {
        if let Some(k) = key(i) {
            members.entry(k).or_default().push(i);
        }
    }
    let members = merge_thin(members, min_stratum(options.test_share));
    let strata: Vec<String> = members.keys().cloned().collect();
    let mut stratum = vec![u32::MAX; scores.rows.len()];
    for (k, rows) in members.values().enumerate() {
        for i in rows {
            stratum[*i] = k as u32;
        }
    }
    // Rerandomisation (Morgan & Rubin, 2012): draw d uses stream d·2³² + stratum; the
    // first draw whose every |SMD| is below the limit is kept, else the most balanced.
    let eligible_rows: Vec<usize> = members.values().flatten().copied().collect();
    let covariates = covariates(features, &scores, &eligible_rows)?;
    let mut best: Option<Draw> = None;
    let mut timing = (0.0, 0.0);
    let mut tried = 0;
    for draw in 0..options.max_draws {
        tried += 1;
        let clock = std::time::Instant::now();
        let (arms, sizes) = draw_arms(&members, &kept, options, draw as u64);
        timing.0 += clock.elapsed().as_secs_f64();
        let clock = std::time::Instant::now();
        let test: Vec<bool> = eligible_rows
            .iter()
            .map(|i| arms[*i] == Some(Arm::Test))
            .collect();
        let balance = balance(&covariates, &test);
        timing.1 += clock.elapsed().as_secs_f64();
        let worst = balance.iter().map(|b| b.smd.abs()).fold(0.0, f64::max);
        if best.as_ref().is_none_or(|b| worst < b.0) {
            best = Some((worst, draw + 1, arms, sizes, balance));
        }
        if worst < options.balance_limit {
            break;
        }
    }
    timings.push(("randomise", timing.0));
    timings.push(("balance", timing.1));
    let Some((_, draw, arms, sizes, balance)) = best else {
        return Err(Error::parameter(
            "launch.campaign.max_draws",
            0,
            "at least 1",
        ));
    };
    let o = &model.assumptions;
    let scale = |r: &crate::score::Scored| crate::offers::money_at_stake(r.profit, o);
    let mut money: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    let (mut cost, mut gain) = (0.0, 0.0);
    for (r, a) in scores.rows.iter().zip(&arms) {
        if a.is_some()
            && let Some(lever) = r.lever
        {
            let m = money
                .entry(LEVERS[usize::from(lever)].id.to_string())
                .or_default();
            m.0 += r.offer_cost;
            m.1 += scale(r);
            cost += r.offer_cost;
            gain += scale(r);
        }
    }
    let ratio = |c: f64, g: f64| if g > 0.0 { c / g } else { f64::INFINITY };
    // what the model expects: the control arm's decline rate and the offers' drop
    let (mut p0, mut drop, mut counted) = (0.0, 0.0, 0usize);
    for (r, a) in scores.rows.iter().zip(&arms) {
        if a.is_some() {
            p0 += r.probability;
            if !explore && scale(r) > 0.0 {
                drop += (r.expected_gain + r.offer_cost) / scale(r);
                counted += 1;
            }
        }
    }
    let test = arms.iter().filter(|a| **a == Some(Arm::Test)).count();
    let eligible = arms.iter().filter(|a| a.is_some()).count();
    if eligible == 0 {
        return Err(Error::InvalidArgument(format!(
            "no customer of the {} scored has an offer that pays for itself under the model's assumptions; there is nothing to randomise",
            scores.rows.len()
        )));
    }
    if test == 0 || test == eligible {
        return Err(Error::parameter(
            "launch.campaign.test_share",
            options.test_share,
            format!(
                "a share that puts customers in both arms; of the {eligible} eligible customers it put {test} in the test arm and {} in the control arm",
                eligible - test
            ),
        ));
    }
    let p0 = p0 / eligible as f64;
    let scenario_drop = drop / counted.max(1) as f64;
    let months = |d: f64| months_for_power(eligible, options.test_share, p0, d, o.alpha, o.power);
    let plan = CampaignPlan {
        format: CAMPAIGN_FORMAT.to_string(),
        seed: options.seed,
        test_share: options.test_share,
        stratified_by: "lever × consent × risk band (at or above the model's risk threshold, or below): the test is read per lever, consent decides which offers a customer can get, and the probability drives the decline rate most; shuffled within each stratum, the first ⌊n·share⌋ (one more with probability frac(n·share)) to the test arm; redrawn until every |SMD| is below the balance limit".into(),
        draw,
        draws: tried,
        balance_limit: options.balance_limit,
        alpha: o.alpha,
        horizon_months: o.horizon_months,
        break_even_drop: ratio(cost, gain),
        break_even_by_lever: money
            .into_iter()
            .map(|(k, (c, g))| (k, ratio(c, g)))
            .collect(),
        min_arm: options.min_arm,
        expected_control_rate: p0,
        scenario_drop,
        months_for_power_break_even: months(ratio(cost, gain)),
        months_for_power_scenario: months(scenario_drop),
        power: o.power,
        kept: kept.iter().zip(&arms).filter(|(k, a)| k.is_some() && a.is_some()).count(),
        previous: previous.iter().map(|c| c.plan.campaign_sha256.clone()).collect(),
        decision_rule: CampaignPlan::rule(o.alpha, options.min_arm),
        model: model.trained_on.clone(),
        customers: eligible,
        test,
        control: eligible - test,
        campaign_sha256: String::new(),
        design: options.design,
        assignment,
        basis: explore::basis_of(&scores, &arms, explore),
    };
    let mut run = CampaignRun {
        scores,
        arms,
        stratum,
        strata,
        sizes,
        balance,
        plan,
        options: **options,
        timings,
    };
    run.plan.campaign_sha256 = crate::io::sha256_hex(&run.csv_bytes());
    Ok(run)
}

/// A draw kept so far: largest |SMD|, its number (from 1), arms, sizes per stratum, balance.
type Draw = (
    f64,
    usize,
    Vec<Option<Arm>>,
    Vec<(usize, usize)>,
    Vec<Balance>,
);

/// One draw of the arms: each stratum's customers (in id order) shuffled with the stream
/// `draw·2³² + stratum`, the first ⌊n·share⌋ (one more with probability frac(n·share)) to
/// the test arm.
fn draw_arms(
    members: &BTreeMap<String, Vec<usize>>,
    kept: &[Option<Arm>],
    options: &CampaignOptions,
    draw: u64,
) -> (Vec<Option<Arm>>, Vec<(usize, usize)>) {
    let mut arms: Vec<Option<Arm>> = vec![None; kept.len()];
    let mut sizes = Vec::with_capacity(members.len());
    for (k, rows) in members.values().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream((draw << 32) | k as u64);
        let mut order: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|i| kept[*i].is_none())
            .collect();
        order.shuffle(&mut rng);
        let target = order.len() as f64 * options.test_share;
        let extra: f64 = rng.r#gen();
        let n_test = target.floor() as usize + usize::from(extra < target.fract());
        for (j, i) in order.iter().enumerate() {
            arms[*i] = Some(if j < n_test { Arm::Test } else { Arm::Control });
        }
        let mut size = (0, 0);
        for i in rows {
            if kept[*i].is_some() {
                arms[*i] = kept[*i];
            }
            match arms[*i] {
                Some(Arm::Test) => size.0 += 1,
                _ => size.1 += 1,
            }
        }
        sizes.push(size);
    }
    (arms, sizes)
}

impl CampaignRun {
    /// Customers in the campaign (eligible).
    pub fn customers(&self) -> usize {
        self.plan.customers
    }

    /// The rows whose |SMD| reaches the options' limit.
    pub fn imbalanced(&self) -> Vec<&Balance> {
        self.balance
            .iter()
            .filter(|b| b.smd.abs() >= self.options.balance_limit || b.smd.is_nan())
            .collect()
    }

    /// The largest difference between the arms' sizes within a stratum, measured against
    /// the target share: `|n_test − n·share|`, at most 1.
    pub fn largest_stratum_gap(&self) -> f64 {
        self.sizes
            .iter()
            .map(|(t, c)| (*t as f64 - (*t + *c) as f64 * self.options.test_share).abs())
            .fold(0.0, f64::max)
    }

    /// The balance report beside a campaign file: `campaign.csv` → `campaign.balance.csv`.
    pub fn balance_path(path: &Path) -> PathBuf {
        crate::io::beside(path, "balance", "csv")
    }

    /// The offer texts beside a campaign file: `campaign.csv` → `campaign.levers.csv`.
    pub fn levers_path(path: &Path) -> PathBuf {
        crate::io::beside(path, "levers", "csv")
    }

    /// The campaign as the file [`Campaign::read`] reads back.
    pub fn to_campaign(&self, path: &Path) -> Campaign {
        let rows = self
            .scores
            .rows
            .iter()
            .zip(&self.arms)
            .zip(&self.stratum)
            .filter_map(|((r, a), s)| {
                let arm = (*a)?;
                Some(crate::evaluate::CampaignRow {
                    id: r.id,
                    stratum: self.strata[*s as usize].clone(),
                    arm,
                    lever: LEVERS[usize::from(r.lever?)].id.to_string(),
                    category: r.category.to_string(),
                    probability: r.probability,
                    expected_gain: r.expected_gain,
                    offer_sent: arm == Arm::Test,
                    offer_cost: r.offer_cost,
                    prior_profit: r.profit,
                })
            })
            .collect();
        Campaign {
            path: path.to_path_buf(),
            rows,
            plan: self.plan.clone(),
        }
    }

    /// The campaign file's bytes (what [`write`](Self::write) writes to `path`, and what
    /// the plan's `campaign_sha256` is the checksum of).
    pub fn csv_bytes(&self) -> Vec<u8> {
        let indices: Vec<usize> = (0..self.arms.len())
            .filter(|i| self.arms[*i].is_some())
            .collect();
        let chunks: Vec<Vec<u8>> = indices
            .par_chunks(16_384)
            .map(|chunk| {
                let mut s = String::with_capacity(chunk.len() * 96);
                for &i in chunk {
                    let r = &self.scores.rows[i];
                    let arm = self.arms[i].unwrap_or(Arm::Control);
                    let lever = r.lever.map_or("", |l| LEVERS[usize::from(l)].id);
                    // Writing into a String cannot fail.
                    let _ = writeln!(
                        s,
                        "{},{},{},{},{},{},{},{},{},{}",
                        r.id,
                        self.strata[self.stratum[i] as usize],
                        arm.id(),
                        lever,
                        csv_field(&r.category),
                        r.probability,
                        r.expected_gain,
                        arm == Arm::Test,
                        r.offer_cost,
                        r.profit
                    );
                }
                s.into_bytes()
            })
            .collect();
        let mut bytes = CAMPAIGN_COLUMNS.join(",").into_bytes();
        bytes.push(b'\n');
        for c in chunks {
            bytes.extend_from_slice(&c);
        }
        bytes
    }

    /// Writes the campaign as one set ([`crate::io::write_set`]; the plan, which records
    /// the campaign file's sha256, last):
    /// - `path`: `id,stratum,arm,lever,category,probability,expected_gain,offer_sent,offer_cost,prior_profit`,
    ///   one row per eligible customer in the snapshot's order (numbers as the shortest
    ///   text that reads back to the same value);
    /// - [`Campaign::plan_path`]: the plan (JSON);
    /// - [`balance_path`](Self::balance_path): `feature,level,test_mean,control_mean,smd,status`;
    /// - [`levers_path`](Self::levers_path): the offer texts once per lever and category.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = self.csv_bytes();
        let mut balance = String::from("feature,level,test_mean,control_mean,smd,status\n");
        for b in &self.balance {
            let _ = writeln!(
                balance,
                "{},{},{:.6},{:.6},{:.6},{}",
                csv_field(&b.feature),
                csv_field(b.level.as_deref().unwrap_or("")),
                b.test,
                b.control,
                b.smd,
                if b.smd.abs() < self.options.balance_limit {
                    "ok"
                } else {
                    "warn"
                }
            );
        }
        let mut plan = serde_json::to_vec_pretty(&self.plan)?;
        plan.push(b'\n');
        let levers = self.scores.levers_csv()?;
        // The plan is renamed last: it records the campaign file's checksum, so a crash
        // between the renames leaves a set that `evaluate` refuses.
        crate::io::write_set(&[
            (Campaign::plan_path(path), plan),
            (path.to_path_buf(), bytes),
            (Self::balance_path(path), balance.into_bytes()),
            (Self::levers_path(path), levers),
        ])
    }

    /// Every file [`write`](Self::write) writes for `path`: the campaign file and its
    /// plan, balance and offer texts beside it.
    pub fn outputs(path: &Path) -> [PathBuf; 4] {
        [
            path.to_path_buf(),
            Campaign::plan_path(path),
            Self::balance_path(path),
            Self::levers_path(path),
        ]
    }

    /// The balance as a Russian table (feature, means, SMD, verdict).
    pub fn balance_table(&self) -> crate::display::Table {
        let f = |v: f64| crate::labels::decimal_comma(&format!("{v:.3}"));
        crate::display::Table::from_rows(
            [
                "признак",
                "среднее, опытная",
                "среднее, контрольная",
                "SMD",
                "баланс",
            ]
            .map(String::from)
            .to_vec(),
            self.balance
                .iter()
                .map(|b| {
                    vec![
                        if b.feature == "probability" {
                            "вероятность снижения".to_string()
                        } else {
                            b.name()
                        },
                        f(b.test),
                        f(b.control),
                        f(b.smd),
                        if b.smd.abs() < self.options.balance_limit {
                            "да".into()
                        } else {
                            "нет".into()
                        },
                    ]
                })
                .collect(),
        )
        .title("Баланс групп: стандартизованная разность средних")
    }

    /// The strata with their arms' sizes, as a Russian table.
    pub fn strata_table(&self) -> crate::display::Table {
        crate::display::Table::from_rows(
            ["страта (рычаг / согласие / риск)", "опытная", "контрольная"]
                .map(String::from)
                .to_vec(),
            self.strata
                .iter()
                .zip(&self.sizes)
                .map(|(s, (t, c))| vec![strata::stratum_ru(s), t.to_string(), c.to_string()])
                .collect(),
        )
        .title("Страты рандомизации")
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
