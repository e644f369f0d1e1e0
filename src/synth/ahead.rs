//! The generator's two modes for the loop after a study: a **month-ahead** snapshot with a
//! stated drift, and **simulated outcomes** of a campaign with a known treatment effect.
//!
//! Neither is data about the store: the originals have no next month and no test, so the
//! loop (campaign → outcomes → evaluation → monitoring) is shown on numbers whose truth is
//! known — the drift the monitor should flag, and the effect the test should find.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::{FIRST_ID, VARIABLES, calibration};
use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::evaluate::{Arm, Campaign, Outcome};
use crate::schema;

/// One variable's shift in a month-ahead snapshot, in its own units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shift {
    /// A numeric model column.
    pub feature: String,
    /// Added to every customer's value, which is then kept inside the range the
    /// originals have.
    pub change: f64,
}

/// A month-ahead snapshot's drift: each listed variable shifted by a stated amount; the
/// others keep the generator's distribution, and so does the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Drift {
    /// The shifts.
    pub shifts: Vec<Shift>,
}

impl Default for Drift {
    /// The stated month-ahead drift: promo purchases up 15 points (a sale season) and two
    /// pages fewer per visit (a redesign that hides the catalogue).
    fn default() -> Self {
        Drift {
            shifts: vec![
                Shift {
                    feature: schema::PROMO_SHARE.to_string(),
                    change: 0.15,
                },
                Shift {
                    feature: schema::PAGES_PER_VISIT.to_string(),
                    change: -2.0,
                },
            ],
        }
    }
}

/// Columns a drift may shift: the numeric features of `market_file.csv`.
fn shiftable() -> Vec<(usize, &'static str)> {
    VARIABLES
        .iter()
        .enumerate()
        .filter(|(r, _)| (2..=10).contains(r) && *r != 6)
        .map(|(r, v)| (r, v.column))
        .collect()
}

/// A shift as the generator applies it: variable index, change, the originals' range.
pub(super) type Resolved = (usize, f64, (f64, f64));

impl Drift {
    /// No drift.
    pub fn none() -> Drift {
        Drift { shifts: Vec::new() }
    }

    /// `(variable index, change, (lowest, highest value of the originals))` per shift.
    pub(super) fn resolved(&self) -> Result<Vec<Resolved>> {
        let known = shiftable();
        self.shifts
            .iter()
            .map(|s| {
                let Some(&(r, _)) = known.iter().find(|(_, c)| *c == s.feature) else {
                    return Err(Error::parameter(
                        "Drift::shifts.feature",
                        &s.feature,
                        format!(
                            "a numeric column of market_file.csv: {}",
                            known.iter().map(|(_, c)| *c).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                };
                if !s.change.is_finite() {
                    return Err(Error::parameter(
                        format!("Drift::shifts[{}].change", s.feature),
                        s.change,
                        "a finite number",
                    ));
                }
                let (lo, hi) = calibration::CLASSES
                    .iter()
                    .map(|c| c.margins[r].range())
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (l, h)| {
                        (a.min(l), b.max(h))
                    });
                Ok((r, s.change, (lo, hi)))
            })
            .collect()
    }
}

impl crate::checked::Check for Drift {
    /// Checks every shift: a numeric column of `market_file.csv`, a finite change.
    fn check(&self) -> Result<()> {
        self.resolved().map(|_| ())
    }
}

/// What the generator knows about each customer it made (index i is id
/// [`FIRST_ID`]` + i`): the class it drew them from and their profit.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// Drawn from the «Снизилась» class.
    pub declined: Vec<bool>,
    /// Average monthly profit of the last three months (as written in `money.csv`).
    pub profit: Vec<f64>,
}

/// How a campaign's outcomes are simulated (`launch.simulation.outcomes` in the parameter
/// file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeOptions {
    /// The known effect: the test arm's probability of decline is lower by this much
    /// (not below 0).
    pub effect: f64,
    /// Probability of decline over the next three months of a customer the generator drew
    /// from the «Снизилась» class.
    pub persist: f64,
    /// … of one drawn from «Прежний уровень».
    pub onset: f64,
    /// Share of monthly profit a customer whose activity declines loses.
    pub profit_loss: f64,
    /// Standard deviation of the profit's log-normal noise.
    pub profit_noise: f64,
    /// Share of customers without an outcome (left the store, merged accounts).
    pub attrition: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for OutcomeOptions {
    fn default() -> Self {
        OutcomeOptions {
            effect: 0.10,
            persist: 0.85,
            onset: 0.15,
            profit_loss: 0.5,
            profit_noise: 0.2,
            attrition: 0.02,
            seed: 7,
        }
    }
}

impl OutcomeOptions {
    /// The probability of decline of a customer of class `declined` in `arm`.
    pub fn probability(&self, declined: bool, arm: Arm) -> f64 {
        let p = if declined { self.persist } else { self.onset };
        match arm {
            Arm::Test => (p - self.effect).max(0.0),
            Arm::Control => p,
        }
    }
}

impl crate::checked::Check for OutcomeOptions {
    /// Checks the options: probabilities and shares in [0, 1], noise at least 0.
    fn check(&self) -> Result<()> {
        for (name, v) in [
            ("effect", self.effect),
            ("persist", self.persist),
            ("onset", self.onset),
            ("profit_loss", self.profit_loss),
            ("attrition", self.attrition),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::parameter(
                    format!("launch.simulation.outcomes.{name}"),
                    v,
                    "a number in [0, 1]",
                ));
            }
        }
        if !(self.profit_noise >= 0.0 && self.profit_noise <= 2.0) {
            return Err(Error::parameter(
                "launch.simulation.outcomes.profit_noise",
                self.profit_noise,
                "a standard deviation in [0, 2]",
            ));
        }
        Ok(())
    }
}

/// Simulated outcomes of `campaign`'s customers, who must come from the snapshot `truth`
/// describes: each declines with the generator's probability for their class
/// ([`OutcomeOptions::probability`]: lower by the known effect in the test arm); their
/// profit is the snapshot's, reduced by `profit_loss` on a decline, times a log-normal
/// noise of mean 1; a share `attrition` has no outcome. One ChaCha8 stream in campaign
/// order: the same seed gives the same outcomes.
pub fn outcomes(
    truth: &Truth,
    campaign: &Campaign,
    options: &Checked<OutcomeOptions>,
) -> Result<Vec<Option<Outcome>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    campaign
        .rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let i = usize::try_from(r.id - FIRST_ID)
                .ok()
                .filter(|i| *i < truth.declined.len())
                .ok_or_else(|| Error::Value {
                    file: campaign.path.display().to_string(),
                    line: k + 2,
                    column: "id".into(),
                    value: r.id.to_string(),
                    expected: format!(
                        "a customer of the synthetic snapshot (ids {FIRST_ID} to {})",
                        FIRST_ID + truth.declined.len() as i64 - 1
                    ),
                })?;
            Ok(draw_outcome(
                &mut rng,
                options.probability(truth.declined[i], r.arm),
                truth.profit[i],
                options.profit_loss,
                options.profit_noise,
                options.attrition,
            ))
        })
        .collect()
}

/// One customer's simulated outcome from three draws of `rng` (in this order: the
/// decline, the profit's noise, the attrition): `None` with probability `attrition`, else
/// a decline with probability `p` and the monthly `profit` less the share `loss` on a
/// decline, times a log-normal noise of mean 1 (`noise`: its standard deviation on the log
/// scale), to the cent.
pub fn draw_outcome(
    rng: &mut ChaCha8Rng,
    p: f64,
    profit: f64,
    loss: f64,
    noise: f64,
    attrition: f64,
) -> Option<Outcome> {
    let u: f64 = rng.r#gen();
    let z: f64 = rng.sample(StandardNormal);
    let gone: f64 = rng.r#gen();
    if gone < attrition {
        return None;
    }
    let declined = u < p;
    let keep = if declined { 1.0 - loss } else { 1.0 };
    let profit = profit * keep * (noise * z - noise * noise / 2.0).exp();
    Some(Outcome {
        declined,
        profit: (profit * 100.0).round() / 100.0,
    })
}

/// An outcomes file (`id,Покупательская активность,Прибыль`, the label values as in the
/// data) for the customers with an outcome, in campaign order.
pub fn outcomes_csv(campaign: &Campaign, outcomes: &[Option<Outcome>]) -> Vec<u8> {
    let mut out = format!("id,{},{}\n", schema::TARGET, schema::PROFIT);
    for (r, o) in campaign.rows.iter().zip(outcomes) {
        if let Some(o) = o {
            out.push_str(&format!(
                "{},{},{}\n",
                r.id,
                if o.declined {
                    schema::DECLINED
                } else {
                    schema::SAME_LEVEL
                },
                o.profit
            ));
        }
    }
    out.into_bytes()
}
