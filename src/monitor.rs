//! Is next month still the model's world: a new snapshot against the training reference
//! stored in the model file — the population stability index ([`crate::drift`]) of every
//! model feature and of the predicted probability, the at-risk share now against at
//! training, and, since a snapshot carries the realised label, the realised ROC-AUC, Brier
//! score and calibration-in-the-large (mean probability − observed rate) with a retrain
//! advice when they pass stated limits.
//!
//! **Sampling error.** Two samples of the same customers never have PSI 0: a variable
//! counts as shifted only when its PSI is beyond what chance gives at the snapshot's and
//! the reference's sizes ([`crate::drift::psi_noise_limit`]) at the quantile
//! `1 − false_alarm / variables`, so that a snapshot without drift raises any flag with
//! probability at most `false_alarm` (Bonferroni over the features and the probability).
//!
//! **Treated customers.** A snapshot's label is the activity of the three months it
//! covers, so the realised quality is known three months after the model scored. Customers
//! who got an offer in a campaign had their outcome changed by it: with the campaign file
//! (`--campaign`), the test arm is left out of the realised metrics, so an offer that works
//! is not read as miscalibration (nor built into a retrained model).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::score::SavedModel;

/// Limits of the monitor (`launch.monitor` in the parameter file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorOptions {
    /// PSI from which a distribution counts as shifted (a warning; the credit-scoring
    /// convention 0.1).
    pub warn: f64,
    /// PSI from which the shift calls the model into question (an alert; convention 0.2).
    pub alert: f64,
    /// Largest fall of ROC-AUC below the study's held-out figure before retraining.
    pub max_roc_auc_drop: f64,
    /// Largest rise of the Brier score above the study's out-of-fold figure.
    pub max_brier_rise: f64,
    /// Largest |mean probability − observed rate| (calibration-in-the-large).
    pub max_calibration_gap: f64,
    /// Chance that a snapshot without drift raises a flag at all (split over the
    /// variables: each one's sampling limit is its PSI's `1 − false_alarm / variables`
    /// quantile).
    pub false_alarm: f64,
    /// Simulated sample pairs per variable for its sampling limit.
    pub noise_draws: usize,
    /// Seed of those simulations.
    pub seed: u64,
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            warn: 0.1,
            alert: 0.2,
            max_roc_auc_drop: 0.05,
            max_brier_rise: 0.05,
            max_calibration_gap: 0.05,
            false_alarm: 0.05,
            noise_draws: 2000,
            seed: 42,
        }
    }
}

impl MonitorOptions {
    /// The status of a PSI whose sampling limit is `limit`: never beyond `Ok` within it.
    pub fn status(&self, psi: f64, limit: f64) -> Status {
        if psi <= limit {
            Status::Ok
        } else if psi >= self.alert {
            Status::Alert
        } else if psi >= self.warn {
            Status::Warn
        } else {
            Status::Ok
        }
    }
}

impl crate::checked::Check for MonitorOptions {
    /// Checks the limits: 0 < warn < alert, the quality limits positive.
    fn check(&self) -> Result<()> {
        if !(self.warn > 0.0 && self.warn < self.alert && self.alert.is_finite()) {
            return Err(Error::parameter(
                "launch.monitor.warn",
                self.warn,
                format!("a PSI above 0 and below alert ({})", self.alert),
            ));
        }
        if !(100..=1_000_000).contains(&self.noise_draws) {
            return Err(Error::parameter(
                "launch.monitor.noise_draws",
                self.noise_draws,
                "between 100 and 1000000 simulated samples",
            ));
        }
        for (name, v) in [
            ("false_alarm", self.false_alarm),
            ("max_roc_auc_drop", self.max_roc_auc_drop),
            ("max_brier_rise", self.max_brier_rise),
            ("max_calibration_gap", self.max_calibration_gap),
        ] {
            if !(v > 0.0 && v < 1.0) {
                return Err(Error::parameter(
                    format!("launch.monitor.{name}"),
                    v,
                    "a number in (0, 1)",
                ));
            }
        }
        Ok(())
    }
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Stable.
    Ok,
    /// Worth a look.
    Warn,
    /// The model is in question.
    Alert,
}

impl Status {
    /// «в норме», «внимание», «тревога».
    pub fn name_ru(self) -> &'static str {
        match self {
            Status::Ok => "в норме",
            Status::Warn => "внимание",
            Status::Alert => "тревога",
        }
    }
}

/// One bin: its label, the reference's share, the snapshot's share.
pub type BinShares = (String, f64, f64);

/// One variable's shift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shifted {
    /// The feature.
    pub feature: String,
    /// Its PSI against the reference.
    pub psi: f64,
    /// The PSI chance alone reaches at the two sizes (see the module's documentation).
    pub noise_limit: f64,
    /// The verdict.
    pub status: Status,
    /// The bins (labels), the reference's and the snapshot's shares.
    #[serde(skip)]
    pub bins: Vec<BinShares>,
}

/// The realised quality on a labelled snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelCheck {
    /// Customers whose labels are read (the campaign's test arm left out).
    pub customers: usize,
    /// Customers of the campaign's test arm left out (0 without `--campaign`).
    pub treated_left_out: usize,
    /// Their share of «Снизилась».
    pub decline_rate: f64,
    /// ROC-AUC of the probabilities (`None` with one class only).
    pub roc_auc: Option<f64>,
    /// Its 95 % interval (Hanley & McNeil's standard error).
    pub roc_auc_ci: Option<[f64; 2]>,
    /// The study's held-out ROC-AUC.
    pub reference_roc_auc: f64,
    /// Brier score.
    pub brier: f64,
    /// The study's out-of-fold Brier score.
    pub reference_brier: f64,
    /// Mean probability − observed rate.
    pub calibration_in_the_large: f64,
    /// Its 95 % interval (the outcomes' variance under the probabilities).
    pub calibration_ci: [f64; 2],
    /// Whether a limit is passed.
    pub retrain: bool,
    /// Which limits, one sentence each.
    pub reasons: Vec<String>,
}

/// A snapshot against the model's reference (`oneclick monitor --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Monitoring {
    /// The worst verdict: of the features, the probability and (a retrain advice is an
    /// alert) the labels.
    pub status: Status,
    /// Customers monitored (after cleaning).
    pub customers: usize,
    /// Customers removed by cleaning.
    pub not_scored: usize,
    /// Every model feature.
    pub features: Vec<Shifted>,
    /// PSI of the predicted probability.
    pub probability_psi: f64,
    /// Its sampling limit.
    pub probability_noise_limit: f64,
    /// Its verdict.
    pub probability_status: Status,
    /// The probability's bins (labels, reference share, snapshot share).
    #[serde(skip)]
    pub probability_bins: Vec<BinShares>,
    /// Share at or above the risk threshold now.
    pub at_risk_share: f64,
    /// … at training.
    pub reference_at_risk_share: f64,
    /// The risk threshold.
    pub risk_threshold: f64,
    /// The realised quality (`None` when the snapshot has no labels).
    pub labels: Option<LabelCheck>,
    /// The limits used.
    pub options: MonitorOptions,
    /// Wall-clock seconds per stage.
    #[serde(skip)]
    pub timings: Vec<(&'static str, f64)>,
}

/// Monitors the snapshot in `data` against `model`'s reference.
pub fn run(
    model: &SavedModel,
    data: &Path,
    options: &Checked<MonitorOptions>,
) -> Result<Monitoring> {
    run_with(model, data, options, None)
}

/// [`run`], leaving the test arm of `campaign` (the campaign drawn on this snapshot's
/// customers) out of the realised metrics.
pub fn run_with(
    model: &SavedModel,
    data: &Path,
    options: &Checked<MonitorOptions>,
    campaign: Option<&crate::evaluate::Campaign>,
) -> Result<Monitoring> {
    let started = std::time::Instant::now();
    let raw = crate::Data::load(data)?;
    let load = started.elapsed().as_secs_f64();
    let mut m = run_raw(model, raw, options, campaign)?;
    m.timings.insert(0, ("load", load));
    Ok(m)
}

/// [`run_with`] on data already loaded and validated.
pub fn run_raw(
    model: &SavedModel,
    raw: crate::RawData,
    options: &Checked<MonitorOptions>,
    campaign: Option<&crate::evaluate::Campaign>,
) -> Result<Monitoring> {
    let prepared = crate::score::prepare(model, raw)?;
    let mut timings = prepared.timings.clone();
    let clock = std::time::Instant::now();
    let p = model.probabilities(&prepared)?;
    timings.push(("predict", clock.elapsed().as_secs_f64()));
    let clock = std::time::Instant::now();
    let treated: std::collections::HashSet<i64> = campaign
        .map(|c| {
            c.rows
                .iter()
                .filter(|r| r.arm == crate::evaluate::Arm::Test)
                .map(|r| r.id)
                .collect()
        })
        .unwrap_or_default();
    let treated: Vec<bool> = prepared.ids.iter().map(|id| treated.contains(id)).collect();
    let y = prepared.table.target().ok().filter(|y| y.len() == p.len());
    let mut m = compare(
        &model.reference,
        &prepared.features,
        &p,
        y.as_deref(),
        &treated,
        model.thresholds.risk,
        options,
    )?;
    m.not_scored = prepared.not_scored.len();
    timings.push(("compare", clock.elapsed().as_secs_f64()));
    m.timings = timings;
    Ok(m)
}

/// The comparison itself: a snapshot's model `features`, probabilities `p` and (when it
/// has them) labels `y` against `reference`; customers marked `treated` (a campaign's test
/// arm) are left out of the realised metrics.
pub fn compare(
    reference: &crate::drift::Reference,
    features: &polars::prelude::DataFrame,
    p: &[f64],
    y: Option<&[u8]>,
    treated: &[bool],
    risk: f64,
    options: &Checked<MonitorOptions>,
) -> Result<Monitoring> {
    let r = reference;
    if treated.len() != p.len() {
        return Err(Error::shape("treated flags", p.len(), treated.len()));
    }
    let variables = r.features.len() + 1;
    let quantile = 1.0 - options.false_alarm / variables as f64;
    let shifted = |d: &crate::drift::Distribution, now: Vec<f64>, stream: usize| {
        let psi = crate::drift::psi(&d.shares, &now);
        let noise_limit = crate::drift::psi_noise_limit(
            &d.shares,
            r.customers,
            p.len(),
            quantile,
            options.noise_draws,
            options.seed,
            stream as u64,
        );
        Shifted {
            feature: d.feature.clone(),
            psi,
            noise_limit,
            status: options.status(psi, noise_limit),
            bins: d
                .bin_labels()
                .into_iter()
                .zip(d.shares.iter().copied().zip(now))
                .map(|(l, (e, a))| (l, e, a))
                .collect(),
        }
    };
    let features = r
        .features
        .iter()
        .enumerate()
        .map(|(k, d)| Ok(shifted(d, d.shares_in(features)?, k)))
        .collect::<Result<Vec<_>>>()?;
    let probability = shifted(
        &r.probability,
        r.probability.shares_of_numbers(p)?,
        r.features.len(),
    );
    let at_risk_share = p.iter().filter(|v| **v >= risk).count() as f64 / p.len().max(1) as f64;
    let labels = match y {
        Some(y) => {
            let keep: Vec<usize> = (0..y.len()).filter(|i| !treated[*i]).collect();
            let yk: Vec<u8> = keep.iter().map(|i| y[*i]).collect();
            let pk: Vec<f64> = keep.iter().map(|i| p[*i]).collect();
            let mut check = label_check(&yk, &pk, r, options)?;
            check.treated_left_out = y.len() - keep.len();
            Some(check)
        }
        None => None,
    };
    let status = features
        .iter()
        .map(|f| f.status)
        .chain([probability.status])
        .chain(labels.iter().filter(|l| l.retrain).map(|_| Status::Alert))
        .max()
        .unwrap_or(Status::Ok);
    Ok(Monitoring {
        status,
        customers: p.len(),
        not_scored: 0,
        features,
        probability_psi: probability.psi,
        probability_noise_limit: probability.noise_limit,
        probability_status: probability.status,
        probability_bins: probability.bins,
        at_risk_share,
        reference_at_risk_share: r.at_risk_share,
        risk_threshold: risk,
        labels,
        options: **options,
        timings: Vec::new(),
    })
}

fn label_check(
    y: &[u8],
    p: &[f64],
    r: &crate::drift::Reference,
    options: &MonitorOptions,
) -> Result<LabelCheck> {
    let n = y.len().max(1) as f64;
    let rate = y.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
    let roc_auc = crate::metrics::roc_auc(y, p).ok();
    let roc_auc_ci = roc_auc.map(|a| {
        // Hanley & McNeil (1982)
        let n1 = y.iter().filter(|v| **v == 1).count() as f64;
        let n0 = y.len() as f64 - n1;
        let (q1, q2) = (a / (2.0 - a), 2.0 * a * a / (1.0 + a));
        let var =
            (a * (1.0 - a) + (n1 - 1.0) * (q1 - a * a) + (n0 - 1.0) * (q2 - a * a)) / (n1 * n0);
        let h = 1.959964 * var.max(0.0).sqrt();
        [a - h, a + h]
    });
    let brier = crate::calibration::brier_score(y, p)?;
    let gap = crate::stats::mean(p) - rate;
    let h = 1.959964 * p.iter().map(|q| q * (1.0 - q)).sum::<f64>().sqrt() / n;
    let calibration_ci = [gap - h, gap + h];
    let mut reasons = Vec::new();
    if let (Some(a), Some([_, high])) = (roc_auc, roc_auc_ci)
        && a < r.roc_auc - options.max_roc_auc_drop
        && high < r.roc_auc
    {
        reasons.push(format!(
            "ROC-AUC {a:.3} (95 % up to {high:.3}) is more than {} below the study's {:.3}",
            options.max_roc_auc_drop, r.roc_auc
        ));
    }
    if brier > r.brier + options.max_brier_rise {
        reasons.push(format!(
            "the Brier score {brier:.3} is more than {} above the study's {:.3}",
            options.max_brier_rise, r.brier
        ));
    }
    if gap.abs() > options.max_calibration_gap
        && (calibration_ci[0] > 0.0 || calibration_ci[1] < 0.0)
    {
        reasons.push(format!(
            "the mean probability differs from the observed rate by {gap:+.3} (95 % {:+.3} to {:+.3}; limit ±{})",
            calibration_ci[0], calibration_ci[1], options.max_calibration_gap
        ));
    }
    Ok(LabelCheck {
        customers: y.len(),
        treated_left_out: 0,
        decline_rate: rate,
        roc_auc,
        roc_auc_ci,
        reference_roc_auc: r.roc_auc,
        brier,
        reference_brier: r.brier,
        calibration_in_the_large: gap,
        calibration_ci,
        retrain: !reasons.is_empty(),
        reasons,
    })
}

impl Monitoring {
    /// The flagged variables (warn or alert), features first, then the probability.
    pub fn flagged(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .features
            .iter()
            .filter(|f| f.status != Status::Ok)
            .map(|f| f.feature.as_str())
            .collect();
        if self.probability_status != Status::Ok {
            out.push("probability");
        }
        out
    }

    /// PSI per variable as a Russian table, largest first.
    pub fn table(&self) -> crate::display::Table {
        let mut rows: Vec<(&str, f64, f64, Status)> = self
            .features
            .iter()
            .map(|f| (f.feature.as_str(), f.psi, f.noise_limit, f.status))
            .chain([(
                "вероятность снижения",
                self.probability_psi,
                self.probability_noise_limit,
                self.probability_status,
            )])
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        crate::display::Table::from_rows(
            ["признак", "PSI", "предел случайности", "вердикт"]
                .map(String::from)
                .to_vec(),
            rows.into_iter()
                .map(|(f, psi, limit, s)| {
                    vec![
                        f.to_string(),
                        crate::labels::decimal_comma(&format!("{psi:.4}")),
                        crate::labels::decimal_comma(&format!("{limit:.4}")),
                        s.name_ru().to_string(),
                    ]
                })
                .collect(),
        )
        .title(format!(
            "Индекс стабильности популяции (PSI) против покупателей исследования; сдвиг — только выше предела случайности, внимание от {}, тревога от {}",
            crate::labels::decimal_comma(&self.options.warn.to_string()),
            crate::labels::decimal_comma(&self.options.alert.to_string())
        ))
    }

    /// One variable's bins (`probability` for the predicted probability): the training
    /// customers' share against the snapshot's, as a chart.
    pub fn bins_figure(&self, feature: &str) -> Result<crate::display::Figure> {
        let (bins, psi) = self.bins_of(feature)?;
        crate::plot::drift_bins(bins, feature, psi)
    }

    fn bins_of(&self, feature: &str) -> Result<(&[BinShares], f64)> {
        if feature == "probability" {
            return Ok((&self.probability_bins, self.probability_psi));
        }
        self.features
            .iter()
            .find(|f| f.feature == feature)
            .map(|f| (f.bins.as_slice(), f.psi))
            .ok_or_else(|| Error::UnknownColumn {
                what: "monitored features".into(),
                column: feature.to_string(),
                known: self.features.iter().map(|f| f.feature.clone()).collect(),
            })
    }

    /// One variable's bins: reference share against the snapshot's, as a Russian table.
    pub fn bins_table(&self, feature: &str) -> Result<crate::display::Table> {
        let (bins, _) = self.bins_of(feature)?;
        let pct = |v: f64| crate::labels::decimal_comma(&format!("{:.1}", v * 100.0));
        Ok(crate::display::Table::from_rows(
            ["интервал", "в исследовании, %", "сейчас, %"]
                .map(String::from)
                .to_vec(),
            bins.iter()
                .map(|(l, e, a)| vec![l.clone(), pct(*e), pct(*a)])
                .collect(),
        )
        .title(format!(
            "{feature}: доли по интервалам покупателей исследования"
        )))
    }
}
