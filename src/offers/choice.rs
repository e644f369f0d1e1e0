//! One customer's decision: the reasons (a descriptive attribution of the risk), every
//! offer the customer's consent allows with its expected net gain, and the chosen offer —
//! the one that pays most, when it pays at all.

use serde::Serialize;

use super::levers::LEVERS;
use super::options::{LeverAssumption, OfferOptions};
use crate::segment::SegmentKind;

/// One reason: a lever and how much it adds to the predicted probability of decline
/// (the drop when the lever moves to the typical level): a descriptive attribution of the
/// customer's risk, not an offer's effect.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Lever identifier.
    pub lever: &'static str,
    /// Drop of P(«Снизилась») in probability points (0.05 = 5 п. п.).
    pub effect: f64,
}

/// One allowed offer for a customer: its predicted drop and its expected net gain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Lever identifier.
    pub lever: &'static str,
    /// Predicted drop of P(«Снизилась») under the offer's assumed effect.
    pub effect: f64,
    /// The offer's cost for this customer (`cost + discount × profit`).
    pub cost: f64,
    /// effect × profit × horizon × loss_share − cost.
    pub net_gain: f64,
}

/// One customer's reasons, offer and money.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerOffer {
    /// Customer id.
    pub id: i64,
    /// P(«Снизилась»), out of fold — the same model gives the reasons and the offers.
    pub probability: f64,
    /// Whether the probability reaches the risk threshold («под риском»).
    pub at_risk: bool,
    /// The customer's one segment (main → promo → category → low risk).
    pub segment: SegmentKind,
    /// Average monthly profit of the last three months.
    pub profit: f64,
    /// Favourite category.
    pub category: String,
    /// Allows messages.
    pub consent: bool,
    /// Up to `max_reasons` levers that raise the risk, strongest first.
    pub reasons: Vec<Reason>,
    /// Every offer the customer's consent allows, in [`LEVERS`] order.
    pub candidates: Vec<Candidate>,
    /// The offer's lever: the candidate with the largest expected net gain, if that gain
    /// is positive; `null` otherwise.
    pub lever: Option<&'static str>,
    /// The offer, in the variant of the favourite category.
    pub offer: Option<String>,
    /// Predicted drop of P(«Снизилась») under the offer (model-based scenario; 0 without
    /// an offer).
    pub effect: f64,
    /// The offer's cost (0 without an offer).
    pub cost: f64,
    /// probability × profit × horizon × loss_share.
    pub expected_loss: f64,
    /// The offer's expected net gain: effect × profit × horizon × loss_share − cost (0
    /// without an offer).
    pub expected_gain: f64,
}

impl CustomerOffer {
    /// Whether the customer gets an offer (one that pays for itself under the
    /// assumptions).
    pub fn targeted(&self) -> bool {
        self.lever.is_some() && self.expected_gain > 0.0
    }
}

/// Money at stake of a customer over the horizon: monthly profit (a customer who brings
/// none has none at stake: below 0 counts as 0) × horizon × loss share. The one formula
/// the study, `score` and `campaign` use.
pub fn money_at_stake(profit: f64, o: &OfferOptions) -> f64 {
    profit.max(0.0) * o.horizon_months * o.loss_share
}

/// One customer's decision: reasons, every allowed offer, and the chosen one.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Up to `max_reasons` levers that raise the risk, strongest first.
    pub reasons: Vec<Reason>,
    /// Every offer the customer's consent allows, in [`LEVERS`] order.
    pub candidates: Vec<Candidate>,
    /// The chosen offer's lever (index into [`LEVERS`]): the candidate with the largest
    /// positive expected net gain.
    pub lever: Option<usize>,
}

impl Decision {
    /// The chosen offer's candidate (its effect, cost and net gain).
    pub fn chosen(&self) -> Option<&Candidate> {
        let id = LEVERS[self.lever?].id;
        self.candidates.iter().find(|c| c.lever == id)
    }
}

/// Each lever's assumption under `o`, in [`LEVERS`] order (`None`: no offer).
pub(crate) fn pricing(o: &OfferOptions) -> Vec<Option<&LeverAssumption>> {
    LEVERS
        .iter()
        .map(|l| o.levers.iter().find(|a| a.lever == l.id))
        .collect()
}

/// The one decision of one customer from a row of a what-if (`full`: each lever's drop to
/// the typical level; `offer`: each offer's drop), their consent and monthly profit, under
/// the assumptions `o` (`price` from [`pricing`]`(o)`): the reasons, every offer the
/// consent allows with its cost and net gain (drop × [`money_at_stake`] − cost), and the
/// offer that pays most, when one pays at all. The study, `score` and `campaign` call it.
pub fn decide(
    full: ndarray::ArrayView1<f64>,
    offer: ndarray::ArrayView1<f64>,
    consent: bool,
    profit: f64,
    o: &OfferOptions,
    price: &[Option<&LeverAssumption>],
) -> Decision {
    let scale = money_at_stake(profit, o);
    let mut order: Vec<usize> = (0..LEVERS.len()).filter(|k| full[*k] > 0.0).collect();
    order.sort_by(|a, b| full[*b].total_cmp(&full[*a]).then(a.cmp(b)));
    let reasons = order
        .iter()
        .take(o.max_reasons)
        .map(|k| Reason {
            lever: LEVERS[*k].id,
            effect: full[*k],
        })
        .collect();
    let mut candidates = Vec::new();
    let mut best: Option<(usize, f64)> = None;
    for (k, l) in LEVERS.iter().enumerate() {
        let Some(assumption) = price[k] else {
            continue;
        };
        if !l.actionable || (l.needs_consent && !consent) || offer[k].is_nan() {
            continue;
        }
        let cost = assumption.cost_for(profit);
        let net_gain = offer[k] * scale - cost;
        if net_gain > 0.0 && best.is_none_or(|(_, g)| net_gain > g) {
            best = Some((k, net_gain));
        }
        candidates.push(Candidate {
            lever: l.id,
            effect: offer[k],
            cost,
            net_gain,
        });
    }
    Decision {
        reasons,
        candidates,
        lever: best.map(|(k, _)| k),
    }
}
