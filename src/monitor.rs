//! Is next month still the model's world: a new snapshot against the training reference
//! stored in the model file — the population stability index ([`crate::drift`]) of every
//! model feature and of the predicted probability, the at-risk share now against at
//! training, and, since a snapshot carries the realised label, the realised ROC-AUC, Brier
//! score and calibration-in-the-large (mean probability − observed rate) with a retrain
//! advice when they pass stated limits.

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
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            warn: 0.1,
            alert: 0.2,
            max_roc_auc_drop: 0.05,
            max_brier_rise: 0.05,
            max_calibration_gap: 0.05,
        }
    }
}

impl MonitorOptions {
    /// The status of a PSI.
    pub fn status(&self, psi: f64) -> Status {
        if psi >= self.alert {
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
        for (name, v) in [
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
    /// The verdict.
    pub status: Status,
    /// The bins (labels), the reference's and the snapshot's shares.
    #[serde(skip)]
    pub bins: Vec<BinShares>,
}

/// The realised quality on a labelled snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelCheck {
    /// Customers.
    pub customers: usize,
    /// Their share of «Снизилась».
    pub decline_rate: f64,
    /// ROC-AUC of the probabilities (`None` with one class only).
    pub roc_auc: Option<f64>,
    /// The study's held-out ROC-AUC.
    pub reference_roc_auc: f64,
    /// Brier score.
    pub brier: f64,
    /// The study's out-of-fold Brier score.
    pub reference_brier: f64,
    /// Mean probability − observed rate.
    pub calibration_in_the_large: f64,
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
    let started = std::time::Instant::now();
    let raw = crate::Data::load(data)?;
    let load = started.elapsed().as_secs_f64();
    let mut m = run_raw(model, raw, options)?;
    m.timings.insert(0, ("load", load));
    Ok(m)
}

/// [`run`] on data already loaded and validated.
pub fn run_raw(
    model: &SavedModel,
    raw: crate::RawData,
    options: &Checked<MonitorOptions>,
) -> Result<Monitoring> {
    let prepared = crate::score::prepare(model, raw)?;
    let mut timings = prepared.timings.clone();
    let clock = std::time::Instant::now();
    let r = &model.reference;
    let p = model.probabilities(&prepared)?;
    timings.push(("predict", clock.elapsed().as_secs_f64()));
    let clock = std::time::Instant::now();
    let shifted = |d: &crate::drift::Distribution, now: Vec<f64>| {
        let psi = crate::drift::psi(&d.shares, &now);
        Shifted {
            feature: d.feature.clone(),
            psi,
            status: options.status(psi),
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
        .map(|d| Ok(shifted(d, d.shares_in(&prepared.features)?)))
        .collect::<Result<Vec<_>>>()?;
    let probability = shifted(&r.probability, r.probability.shares_of_numbers(&p)?);
    let risk = model.thresholds.risk;
    let at_risk_share = p.iter().filter(|v| **v >= risk).count() as f64 / p.len().max(1) as f64;
    let labels = match prepared.table.target() {
        Ok(y) if y.len() == p.len() => Some(label_check(&y, &p, r, options)?),
        _ => None,
    };
    timings.push(("compare", clock.elapsed().as_secs_f64()));
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
        not_scored: prepared.not_scored.len(),
        features,
        probability_psi: probability.psi,
        probability_status: probability.status,
        probability_bins: probability.bins,
        at_risk_share,
        reference_at_risk_share: r.at_risk_share,
        risk_threshold: risk,
        labels,
        options: **options,
        timings,
    })
}

fn label_check(
    y: &[u8],
    p: &[f64],
    r: &crate::drift::Reference,
    options: &MonitorOptions,
) -> Result<LabelCheck> {
    let rate = y.iter().map(|v| f64::from(*v)).sum::<f64>() / y.len().max(1) as f64;
    let roc_auc = crate::metrics::roc_auc(y, p).ok();
    let brier = crate::calibration::brier_score(y, p)?;
    let gap = crate::stats::mean(p) - rate;
    let mut reasons = Vec::new();
    if let Some(a) = roc_auc
        && a < r.roc_auc - options.max_roc_auc_drop
    {
        reasons.push(format!(
            "ROC-AUC {a:.3} is more than {} below the study's {:.3}",
            options.max_roc_auc_drop, r.roc_auc
        ));
    }
    if brier > r.brier + options.max_brier_rise {
        reasons.push(format!(
            "the Brier score {brier:.3} is more than {} above the study's {:.3}",
            options.max_brier_rise, r.brier
        ));
    }
    if gap.abs() > options.max_calibration_gap {
        reasons.push(format!(
            "the mean probability differs from the observed rate by {gap:+.3} (limit ±{})",
            options.max_calibration_gap
        ));
    }
    Ok(LabelCheck {
        customers: y.len(),
        decline_rate: rate,
        roc_auc,
        reference_roc_auc: r.roc_auc,
        brier,
        reference_brier: r.brier,
        calibration_in_the_large: gap,
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
        let mut rows: Vec<(&str, f64, Status)> = self
            .features
            .iter()
            .map(|f| (f.feature.as_str(), f.psi, f.status))
            .chain([(
                "вероятность снижения",
                self.probability_psi,
                self.probability_status,
            )])
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        crate::display::Table::from_rows(
            ["признак", "PSI", "вердикт"].map(String::from).to_vec(),
            rows.into_iter()
                .map(|(f, psi, s)| {
                    vec![
                        f.to_string(),
                        crate::labels::decimal_comma(&format!("{psi:.4}")),
                        s.name_ru().to_string(),
                    ]
                })
                .collect(),
        )
        .title(format!(
            "Индекс стабильности популяции (PSI) против покупателей исследования; внимание от {}, тревога от {}",
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
