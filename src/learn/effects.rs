//! The lever-effects file (`oneclick learn` → `campaign --effects`): the models an
//! exploring test fitted, so that a later snapshot's offers are chosen on measured
//! effects; a lever no test measured keeps the what-if as its prior.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::evaluate::Estimate;
use crate::model::FittedPipeline;
use crate::offers::{LEVERS, LeverAssumption};
use crate::score::Scores;

use super::{Basis, Ridge};

/// The format of a lever-effects file.
pub const EFFECTS_FORMAT: &str = "oneclick-effects/1";

/// Which learner's effects choose the offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Learner {
    /// The T-learner: P̂(decline | x, lever) − P̂(decline | x, control).
    T,
    /// The DR-learner: the ridge regression of the doubly robust pseudo-outcome.
    Dr,
}

/// One lever's fitted models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeverModel {
    /// Lever id.
    pub lever: String,
    /// Offered (`learn` writes true; set it to false by hand to stop offering the lever
    /// whatever its measured effect).
    pub offered: bool,
    /// Offered only to customers who allow messages.
    pub needs_consent: bool,
    /// P̂(decline | x, given the lever), fitted on the lever's test customers.
    pub treated: FittedPipeline,
    /// The DR-learner on the basis of the control model's matrix.
    pub ridge: Ridge,
    /// The measured average effect (doubly robust).
    pub average: Estimate,
    /// The offer's cost.
    pub cost: LeverAssumption,
}

/// What `campaign --effects` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeverEffects {
    /// [`EFFECTS_FORMAT`].
    pub format: String,
    /// The learner whose policy gained more on the test.
    pub learner: Learner,
    /// The measured share of monthly profit a decline costs.
    pub loss_share: f64,
    /// Months the gain is counted over.
    pub horizon_months: f64,
    /// The model features, in order.
    pub features: Vec<String>,
    /// The sha256 of the campaign file the test drew.
    pub campaign_sha256: String,
    /// The DR-learner's basis of the control model's matrix.
    pub basis: Basis,
    /// P̂(decline | x, control), fitted on the control arm.
    pub control: FittedPipeline,
    /// Per lever measured.
    pub levers: Vec<LeverModel>,
}

impl LeverEffects {
    /// Reads a lever-effects file.
    pub fn read(path: &std::path::Path) -> Result<LeverEffects> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let e: LeverEffects = serde_json::from_slice(&bytes).map_err(|e| Error::ModelFile {
            source_name: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if e.format != EFFECTS_FORMAT {
            return Err(Error::ModelFile {
                source_name: path.display().to_string(),
                reason: format!(
                    "effects format {:?}, this version reads {EFFECTS_FORMAT:?}",
                    e.format
                ),
            });
        }
        Ok(e)
    }

    /// The levers the file says not to offer.
    pub fn not_offered(&self) -> Vec<&str> {
        self.levers
            .iter()
            .filter(|l| !l.offered)
            .map(|l| l.lever.as_str())
            .collect()
    }

    /// Per lever of the file, every row's estimated effect on the probability of
    /// decline (negative helps).
    pub fn effects(&self, features: &DataFrame) -> Result<Vec<Vec<f64>>> {
        let p0 = self.control.predict_proba(features)?;
        let design = match self.learner {
            Learner::Dr => Some(
                self.basis
                    .expand(self.control.transform(features)?.view())?,
            ),
            Learner::T => None,
        };
        self.levers
            .iter()
            .map(|l| match &design {
                Some(x) => l.ridge.predict(x.view()),
                None => Ok((l.treated.predict_proba(features)? - &p0).to_vec()),
            })
            .collect()
    }

    /// Re-chooses every scored customer's offer (`features`: the snapshot's model
    /// features, row for row with `scores`): each measured lever the customer may get is
    /// worth −effect × loss share × profit × horizon − its cost; a lever the file does not
    /// hold keeps the what-if's gain when the what-if chose it. The best positive one is
    /// the offer, marked `measured` when a test measured it; with none the customer gets
    /// nothing.
    pub fn choose(&self, features: &DataFrame, scores: &mut Scores) -> Result<()> {
        if features.height() != scores.rows.len() {
            return Err(Error::shape(
                "features and scores",
                format!("{} rows each", scores.rows.len()),
                features.height().to_string(),
            ));
        }
        let effects = self.effects(features)?;
        let index: Vec<Option<u8>> = self
            .levers
            .iter()
            .map(|l| LEVERS.iter().position(|x| x.id == l.lever).map(|k| k as u8))
            .collect();
        for (i, r) in scores.rows.iter_mut().enumerate() {
            let mut best: Option<(u8, f64, f64, bool)> = None;
            for (k, l) in self.levers.iter().enumerate() {
                let Some(lever) = index[k] else { continue };
                if !l.offered || (l.needs_consent && !r.consent) {
                    continue;
                }
                let cost = l.cost.cost_for(r.profit);
                let gain =
                    -effects[k][i] * self.loss_share * r.profit.max(0.0) * self.horizon_months
                        - cost;
                if best.is_none_or(|b| gain > b.1) {
                    best = Some((lever, gain, cost, true));
                }
            }
            if let Some(l) = r.lever
                && r.expected_gain > 0.0
                && !index.contains(&Some(l))
                && best.is_none_or(|b| r.expected_gain > b.1)
            {
                best = Some((l, r.expected_gain, r.offer_cost, false));
            }
            match best.filter(|b| b.1 > 0.0) {
                Some((lever, gain, cost, measured)) => {
                    r.lever = Some(lever);
                    r.expected_gain = gain;
                    r.offer_cost = cost;
                    r.measured = measured;
                }
                None => {
                    r.lever = None;
                    r.expected_gain = 0.0;
                    r.offer_cost = 0.0;
                    r.measured = false;
                }
            }
        }
        Ok(())
    }
}
