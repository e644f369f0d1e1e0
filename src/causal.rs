//! The **causal synthetic store**: a store whose customers respond to offers in a known,
//! heterogeneous way, so that the loop's methods (the randomised test, `evaluate`,
//! `learn`) can be checked against a truth they did not plant.
//!
//! **A latent state drives both the features and the decline.** Each customer is drawn
//! from the generator's class-conditional copula ([`crate::synth`]): the drawn class is a
//! latent state (disengaged or not) that shapes every behaviour feature. The next three
//! months' decline depends on that latent state (P = 0.85 disengaged, 0.15 otherwise,
//! each customer's log-odds jittered by an unobserved N(0, 0.5²)) — **not on the
//! features**: moving a feature changes nothing unless a lever's own effect says so. So the
//! predictive model's what-if (which moves features) is a scenario here, as in the study.
//!
//! **Each lever's true effect** is a change of the log-odds of decline that depends on the
//! customer's observed features (negative: fewer declines):
//!
//! | lever | true effect on the log-odds | why |
//! |---|---|---|
//! | `engagement` | 0 for everyone | pages per visit are a symptom of the latent state: showing more pages changes nothing (its what-if is large) |
//! | `marketing` | −0.9 if `Минут_текущий_месяц` ≥ 14, else 0 | mailings bring back only customers who still visit |
//! | `cart` | −0.15 × `Неоплаченные_продукты_штук_квартал` | a reminder helps in proportion to what is left in the cart |
//! | `promo` | −2.4 × max(0, `Акционные_покупки` − 0.3) | a personal promo code helps promo-dependent customers only |
//! | `service_quality` | −0.04 × `Ошибка_сервиса` | a small apology bonus, larger after more errors |
//! | `service_level` | standard service: +0.9 if `Длительность` < 450, else −0.7; premium: 0 | a premium trial helps loyal customers and wakes «sleeping dogs» among new ones |
//!
//! The effect on the probability is the difference of the two probabilities, so it is
//! largest for customers near ½. The averages and spreads this gives are measured on the
//! answer file and printed by the notebook «Чему научил тест», not assumed.
//!
//! **Profit is simulated too.** A customer whose activity declines loses a share
//! 0.2 + 0.4 × `Акционные_покупки` + N(0, 0.05²) (kept in [0.05, 0.9]) of the monthly
//! profit — about 0.33 on average, not the study's assumed loss share; outcomes add a
//! log-normal noise of mean 1.
//!
//! **The answer file** ([`Answers`]) holds every customer's latent state, probability of
//! decline without an offer, the true effect of each lever on that probability, the loss
//! share and the profit. Only tests and the notebook's final check read it: the methods
//! see the snapshot, the campaign and the outcomes, as they would in the store.

use std::collections::HashMap;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::evaluate::{Arm, Campaign, Outcome};
use crate::schema;
use crate::synth::{SynthFiles, SynthOptions};

/// The levers whose true effects the store knows, in [`crate::offers::LEVERS`] order (the
/// actionable ones).
pub const TESTED: [&str; 6] = [
    "engagement",
    "marketing",
    "cart",
    "promo",
    "service_quality",
    "service_level",
];

/// Probability of decline of a disengaged customer without an offer (before the jitter).
const P_DISENGAGED: f64 = 0.85;
/// … of an engaged one.
const P_ENGAGED: f64 = 0.15;
/// Standard deviation of the unobserved jitter of each customer's log-odds.
const JITTER: f64 = 0.5;
/// Changes whenever the answers produced for a given seed change.
pub const GENERATOR: &str = "oneclick-causal/1";

/// One customer's truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Customer id.
    pub id: i64,
    /// The latent state: disengaged (drawn from the «Снизилась» class).
    pub disengaged: bool,
    /// Allows messages (offers that need consent may be sent).
    pub consent: bool,
    /// Probability of decline over the next three months without an offer.
    pub p_control: f64,
    /// Per lever of [`TESTED`]: the offer's true effect on the probability of decline
    /// (P with the offer − P without; negative helps).
    pub effect: [f64; 6],
    /// Share of the monthly profit lost when activity declines.
    pub loss_share: f64,
    /// Average monthly profit of the last three months (as in `money.csv`).
    pub profit: f64,
}

/// The answer file: every customer of a causal store (those the cleaning keeps).
#[derive(Debug, Clone, PartialEq)]
pub struct Answers {
    /// One row per customer, in id order.
    pub rows: Vec<Answer>,
    index: HashMap<i64, usize>,
}

fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

use crate::stats::sigmoid;

/// The true change of the log-odds of decline per lever of [`TESTED`] for a customer with
/// these features (the table in the module's documentation).
pub fn log_odds_effects(
    minutes_current: f64,
    unpaid: f64,
    promo: f64,
    errors: f64,
    duration: f64,
    premium: bool,
) -> [f64; 6] {
    let service_level = if premium {
        0.0
    } else if duration < 450.0 {
        0.9
    } else {
        -0.7
    };
    [
        0.0,
        if minutes_current >= 14.0 { -0.9 } else { 0.0 },
        -0.15 * unpaid,
        -2.4 * (promo - 0.3).max(0.0),
        -0.04 * errors,
        service_level,
    ]
}

/// Generates a causal store of `options.customers` customers: the four files (as the
/// plain generator writes them for the seed) and the answers for every customer the
/// cleaning keeps.
pub fn generate(options: &SynthOptions) -> Result<(SynthFiles, Answers)> {
    generate_with(options, None)
}

/// [`generate`] with the features shifted by `drift` (as [`crate::synth::generate_with`]
/// shifts them): the lever effects follow the shifted features, the latent state does
/// not move.
pub fn generate_with(
    options: &SynthOptions,
    drift: Option<&crate::synth::Drift>,
) -> Result<(SynthFiles, Answers)> {
    let (files, truth) = crate::synth::generate_with(options, drift)?;
    let raw = crate::Data::from_bytes([
        files.bytes(schema::FileId::MarketFile),
        files.bytes(schema::FileId::MarketMoney),
        files.bytes(schema::FileId::MarketTime),
        files.bytes(schema::FileId::Money),
    ])?;
    let table = raw.clean()?.merge()?;
    let x = table.features()?;
    let ids = table.ids()?;
    let num = |c: &str| crate::frame::f64_values(&x, c);
    let minutes = num("Минут_текущий_месяц")?;
    let unpaid = num(schema::UNPAID_ITEMS)?;
    let promo = num(schema::PROMO_SHARE)?;
    let errors = num(schema::SERVICE_ERRORS)?;
    let duration = num(schema::DURATION)?;
    let service = crate::frame::str_values(&x, schema::SERVICE_TYPE)?;
    let consent = crate::frame::str_values(&x, schema::ALLOW_MESSAGES)?;
    let profit = table.profit_values()?;
    // Its own stream, apart from the files' streams: the files stay byte-identical to the
    // plain generator's for the seed.
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    rng.set_stream(u64::MAX);
    let mut rows = Vec::with_capacity(ids.len());
    for i in 0..ids.len() {
        let k = usize::try_from(ids[i] - crate::synth::FIRST_ID)
            .ok()
            .filter(|k| *k < truth.declined.len())
            .ok_or_else(|| Error::fit("causal store", format!("id {} not generated", ids[i])))?;
        let disengaged = truth.declined[k];
        let jitter: f64 = rng.sample(StandardNormal);
        let noise: f64 = rng.sample(StandardNormal);
        let base = logit(if disengaged { P_DISENGAGED } else { P_ENGAGED }) + JITTER * jitter;
        let p_control = sigmoid(base);
        let b = log_odds_effects(
            minutes[i],
            unpaid[i],
            promo[i],
            errors[i],
            duration[i],
            service[i] == "премиум",
        );
        let effect = b.map(|b| sigmoid(base + b) - p_control);
        rows.push(Answer {
            id: ids[i],
            disengaged,
            consent: consent[i] == "да",
            p_control,
            effect,
            loss_share: (0.2 + 0.4 * promo[i] + 0.05 * noise).clamp(0.05, 0.9),
            profit: profit[i],
        });
    }
    Ok((files, Answers::new(rows)))
}

/// Generates a causal store and writes its four files and `synthetic.json` into `out`
/// (as [`crate::synth::write`] does) and the answers to `answers` (atomically); the
/// answer file may not lie inside `out`, where the methods read their data.
pub fn write(options: &SynthOptions, out: &Path, answers: &Path) -> Result<Answers> {
    write_with(options, None, out, answers)
}

/// [`write`] with the features shifted by `drift` (a month whose customers changed).
pub fn write_with(
    options: &SynthOptions,
    drift: Option<&crate::synth::Drift>,
    out: &Path,
    answers: &Path,
) -> Result<Answers> {
    // compared as absolute paths with `.` and `..` resolved: `out` may not exist yet
    let resolved = |p: &Path| {
        std::path::absolute(p).map(|p| {
            let mut out = std::path::PathBuf::new();
            for c in p.components() {
                match c {
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    c => out.push(c),
                }
            }
            out
        })
    };
    let inside = match (resolved(answers), resolved(out)) {
        (Ok(a), Ok(o)) => a.starts_with(o),
        _ => false,
    };
    if inside {
        return Err(Error::InvalidArgument(format!(
            "the answer file {} lies inside the data directory {}: keep the truth apart from what the methods read",
            answers.display(),
            out.display()
        )));
    }
    let (files, truth) = generate_with(options, drift)?;
    crate::synth::write_files(options, &files, out)?;
    crate::io::write_creating_dir(answers, &truth.csv_bytes())?;
    Ok(truth)
}

/// The columns of an answer file.
fn columns() -> Vec<String> {
    let mut c: Vec<String> = [
        "id",
        "disengaged",
        "consent",
        "p_control",
        "loss_share",
        "profit",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    c.extend(TESTED.iter().map(|l| format!("effect_{l}")));
    c
}

impl Answers {
    /// The answers of `rows` (any order; kept in id order).
    pub fn new(mut rows: Vec<Answer>) -> Answers {
        rows.sort_by_key(|r| r.id);
        let index = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        Answers { rows, index }
    }

    /// The customer with id `id`.
    pub fn get(&self, id: i64) -> Option<&Answer> {
        self.index.get(&id).map(|i| &self.rows[*i])
    }

    /// The answer file's bytes (CSV, `.` decimals, one row per customer).
    pub fn csv_bytes(&self) -> Vec<u8> {
        let mut out = columns().join(",");
        out.push('\n');
        for r in &self.rows {
            out.push_str(&format!(
                "{},{},{},{},{},{}",
                r.id,
                u8::from(r.disengaged),
                u8::from(r.consent),
                r.p_control,
                r.loss_share,
                r.profit
            ));
            for e in r.effect {
                out.push_str(&format!(",{e}"));
            }
            out.push('\n');
        }
        out.into_bytes()
    }

    /// Reads an answer file written by [`write`].
    pub fn read(path: &Path) -> Result<Answers> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let want = columns();
        let mut lines = text.lines().enumerate();
        let header = lines.next().map(|(_, h)| h).unwrap_or("");
        if header.split(',').collect::<Vec<_>>() != want {
            return Err(Error::Value {
                file: path.display().to_string(),
                line: 1,
                column: "header".into(),
                value: header.chars().take(60).collect(),
                expected: want.join(","),
            });
        }
        let mut rows = Vec::new();
        for (k, line) in lines {
            let cells: Vec<&str> = line.split(',').collect();
            let bad = |c: usize, expected: &str| Error::Value {
                file: path.display().to_string(),
                line: k + 1,
                column: want
                    .get(c)
                    .cloned()
                    .unwrap_or_else(|| format!("column {}", c + 1)),
                value: cells
                    .get(c)
                    .copied()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect(),
                expected: expected.into(),
            };
            if cells.len() != want.len() {
                return Err(bad(cells.len().min(want.len() - 1), "one value per column"));
            }
            let num = |c: usize| -> Result<f64> {
                cells[c]
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad(c, "a finite number"))
            };
            let flag = |c: usize| -> Result<bool> {
                match cells[c] {
                    "0" => Ok(false),
                    "1" => Ok(true),
                    _ => Err(bad(c, "0 or 1")),
                }
            };
            let mut effect = [0.0; 6];
            for (j, e) in effect.iter_mut().enumerate() {
                *e = num(6 + j)?;
            }
            rows.push(Answer {
                id: cells[0].parse().map_err(|_| bad(0, "an integer id"))?,
                disengaged: flag(1)?,
                consent: flag(2)?,
                p_control: num(3)?,
                loss_share: num(4)?,
                profit: num(5)?,
                effect,
            });
        }
        Ok(Answers::new(rows))
    }

    /// The true gain over `horizon_months` of giving customer `a` the offer of lever
    /// `lever` (index into [`TESTED`]) at cost `cost`: the profit its lower (or higher)
    /// chance of decline keeps, less the cost.
    pub fn gain(a: &Answer, lever: usize, cost: f64, horizon_months: f64) -> f64 {
        -a.effect[lever] * a.loss_share * a.profit.max(0.0) * horizon_months - cost
    }
}

/// The true value of offers, from the answer file: what the store knows only because it
/// is simulated.
impl Answers {
    /// The true gain of each customer's offer `(id, lever id)` (customers not in the
    /// answers are an error), costs and horizon from `offers`.
    pub fn value_of(&self, offers: &[(i64, &str)], o: &crate::offers::OfferOptions) -> Result<f64> {
        let mut total = 0.0;
        for (id, lever) in offers {
            let a = self.get(*id).ok_or_else(|| {
                Error::InvalidArgument(format!("customer {id} is not in the answer file"))
            })?;
            let j = TESTED.iter().position(|l| l == lever).ok_or_else(|| {
                Error::parameter("lever", *lever, format!("one of {}", TESTED.join(", ")))
            })?;
            total += Self::gain(a, j, o.lever(lever)?.cost_for(a.profit), o.horizon_months);
        }
        Ok(total)
    }

    /// The levers customer `a` may get (consent respected) among those `o` offers.
    fn allowed<'a>(a: &Answer, o: &'a crate::offers::OfferOptions) -> Vec<(usize, &'a str, f64)> {
        TESTED
            .iter()
            .enumerate()
            .filter_map(|(j, l)| {
                let lever = crate::offers::lever(l)?;
                let cost = o.lever(l).ok()?.cost_for(a.profit);
                (a.consent || !lever.needs_consent).then_some((j, lever.id, cost))
            })
            .collect()
    }

    /// The oracle's true value over customers `ids`: each gets their truly best allowed
    /// offer when it gains, else nothing.
    pub fn oracle_value(&self, ids: &[i64], o: &crate::offers::OfferOptions) -> f64 {
        ids.iter()
            .filter_map(|id| self.get(*id))
            .map(|a| {
                Self::allowed(a, o)
                    .into_iter()
                    .map(|(j, _, c)| Self::gain(a, j, c, o.horizon_months))
                    .fold(0.0, f64::max)
            })
            .sum()
    }

    /// The true value over customers `ids` of giving `lever` to everyone it may go to.
    pub fn single_lever_value(
        &self,
        ids: &[i64],
        lever: &str,
        o: &crate::offers::OfferOptions,
    ) -> f64 {
        ids.iter()
            .filter_map(|id| self.get(*id))
            .filter_map(|a| {
                Self::allowed(a, o)
                    .into_iter()
                    .find(|(_, l, _)| *l == lever)
                    .map(|(j, _, c)| Self::gain(a, j, c, o.horizon_months))
            })
            .sum()
    }

    /// The true average effect of `lever` over the customers `ids` it may go to.
    pub fn average_effect(&self, ids: &[i64], lever: &str) -> f64 {
        Answers::pooled_average_effect(&[(self, ids)], lever)
    }

    /// The true effects of `lever` on the customers `ids` it may go to (empty for a lever
    /// the store does not test).
    pub fn effects(&self, ids: &[i64], lever: &str) -> Vec<f64> {
        let needs = crate::offers::lever(lever).is_some_and(|l| l.needs_consent);
        let Some(j) = TESTED.iter().position(|l| *l == lever) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| self.get(*id))
            .filter(|a| a.consent || !needs)
            .map(|a| a.effect[j])
            .collect()
    }

    /// The true average effect of `lever` over several months' customers it may go to,
    /// each month's `ids` looked up in that month's answers: what pooled tests measure.
    pub fn pooled_average_effect(months: &[(&Answers, &[i64])], lever: &str) -> f64 {
        if !TESTED.contains(&lever) {
            return f64::NAN;
        }
        let v: Vec<f64> = months
            .iter()
            .flat_map(|(answers, ids)| answers.effects(ids, lever))
            .collect();
        crate::stats::mean(&v)
    }
}

/// How a campaign's outcomes on a causal store are drawn.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CausalOutcomeOptions {
    /// Share of customers without an outcome (missing at random).
    pub attrition: f64,
    /// Standard deviation of the profit's log-normal noise.
    pub profit_noise: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for CausalOutcomeOptions {
    fn default() -> Self {
        CausalOutcomeOptions {
            attrition: 0.01,
            profit_noise: 0.2,
            seed: 7,
        }
    }
}

impl crate::checked::Check for CausalOutcomeOptions {
    /// Checks the options: an attrition share in [0, 1), a noise in [0, 2].
    fn check(&self) -> Result<()> {
        if !(0.0..1.0).contains(&self.attrition) {
            return Err(Error::parameter(
                "causal outcomes attrition",
                self.attrition,
                "a share in [0, 1)",
            ));
        }
        if !(0.0..=2.0).contains(&self.profit_noise) {
            return Err(Error::parameter(
                "causal outcomes profit_noise",
                self.profit_noise,
                "a standard deviation in [0, 2]",
            ));
        }
        Ok(())
    }
}

/// The outcomes of `campaign`'s customers on the store `answers` describes: a control
/// customer declines with `p_control`, a test customer with `p_control` plus the true
/// effect of their lever; the profit is the answer's, less the loss share on a decline,
/// times a log-normal noise of mean 1; a share `attrition` has no outcome. One ChaCha8
/// stream in campaign order.
pub fn outcomes(
    answers: &Answers,
    campaign: &Campaign,
    options: &Checked<CausalOutcomeOptions>,
) -> Result<Vec<Option<Outcome>>> {
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    campaign
        .rows
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let a = answers.get(r.id).ok_or_else(|| Error::Value {
                file: campaign.path.display().to_string(),
                line: k + 2,
                column: "id".into(),
                value: r.id.to_string(),
                expected: "a customer of the causal store the answers describe".into(),
            })?;
            let mut p = a.p_control;
            if r.arm == Arm::Test {
                let j = TESTED
                    .iter()
                    .position(|l| *l == r.lever)
                    .ok_or_else(|| Error::Value {
                        file: campaign.path.display().to_string(),
                        line: k + 2,
                        column: "lever".into(),
                        value: r.lever.clone(),
                        expected: format!("one of {}", TESTED.join(", ")),
                    })?;
                p += a.effect[j];
            }
            Ok(crate::synth::draw_outcome(
                &mut rng,
                p,
                a.profit,
                a.loss_share,
                options.profit_noise,
                options.attrition,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symptom_lever_does_nothing_and_sleeping_dogs_exist() {
        let (_, answers) = generate(&SynthOptions::new(2000, 5)).unwrap();
        assert!(answers.rows.len() > 1900);
        for a in &answers.rows {
            assert_eq!(a.effect[0], 0.0);
            assert!((0.0..=1.0).contains(&a.p_control));
            for e in a.effect {
                assert!((0.0..=1.0).contains(&(a.p_control + e)));
            }
        }
        let harmed = answers.rows.iter().filter(|a| a.effect[5] > 0.0).count();
        let helped = answers.rows.iter().filter(|a| a.effect[5] < 0.0).count();
        assert!(harmed > 100 && helped > 100, "{harmed} {helped}");
        let mean = |j: usize| {
            answers.rows.iter().map(|a| a.effect[j]).sum::<f64>() / answers.rows.len() as f64
        };
        for (j, lever) in TESTED.iter().enumerate().skip(1) {
            assert!(mean(j) > -0.10 && mean(j) < 0.0, "{lever}: {}", mean(j));
        }
    }

    #[test]
    fn a_drifted_month_keeps_the_plain_files_and_moves_the_effects() {
        let options = SynthOptions::new(800, 11);
        let drift = crate::synth::Drift::default();
        let (files, shifted) = generate_with(&options, Some(&drift)).unwrap();
        let (plain, _) = crate::synth::generate_with(&options, Some(&drift)).unwrap();
        for f in schema::FileId::ALL {
            assert_eq!(files.bytes(f), plain.bytes(f));
        }
        let (_, before) = generate(&options).unwrap();
        let promo = TESTED.iter().position(|l| *l == "promo").unwrap();
        let mean =
            |a: &Answers| a.rows.iter().map(|r| r.effect[promo]).sum::<f64>() / a.rows.len() as f64;
        // more promo purchases: the promo code helps more customers, and more
        assert!(
            mean(&shifted) < mean(&before) - 0.005,
            "{} {}",
            mean(&shifted),
            mean(&before)
        );
        // the latent state does not move
        let same = before
            .rows
            .iter()
            .filter(|r| {
                shifted
                    .get(r.id)
                    .is_some_and(|s| s.disengaged == r.disengaged)
            })
            .count();
        assert_eq!(same, before.rows.len());
    }

    #[test]
    fn the_tested_levers_are_the_actionable_ones() {
        let actionable: Vec<&str> = crate::offers::LEVERS
            .iter()
            .filter(|l| l.actionable)
            .map(|l| l.id)
            .collect();
        assert_eq!(actionable, TESTED);
    }

    #[test]
    fn answers_round_trip_through_their_file() {
        let (_, answers) = generate(&SynthOptions::new(300, 9)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("answers.csv");
        std::fs::write(&path, answers.csv_bytes()).unwrap();
        assert_eq!(Answers::read(&path).unwrap(), answers);
        std::fs::write(&path, b"id,x\n1,2\n").unwrap();
        let e = Answers::read(&path).unwrap_err().to_string();
        assert!(e.contains("header"), "{e}");
    }
}
