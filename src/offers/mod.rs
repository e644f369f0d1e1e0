//! From risk to action: the [`levers`](LEVERS) the store can act on, each customer's
//! reasons (how much each lever adds to the predicted risk) and one personalised offer,
//! the money at stake under stated assumptions, and an A/B test plan to check it.
//!
//! **Reasons are a what-if on the chosen pipeline.** For every lever, the customer's
//! features of that lever are set to the typical level of the customers whose activity
//! held (the median of «Прежний уровень»; for a categorical lever, its target level such
//! as «премиум») and the customer is scored again: the drop of the predicted probability
//! is the lever's effect. A lever with a positive effect is a reason; the strongest
//! actionable reason whose consent condition the customer meets is the offer, in the
//! variant of the favourite category. The expected gain of the offer assumes it moves the
//! lever `lever_shift` of the way to the typical level. Every number here is a
//! **model-based scenario, not a causal effect**: the model learned associations, and an
//! offer may move a lever less (or the customer differently) than the scenario assumes;
//! the A/B test plan is how to find out.
//!
//! | file | owns |
//! |---|---|
//! | `levers.rs` | the catalogue [`LEVERS`] |
//! | `whatif.rs` | typical levels, the what-if scoring ([`what_if`]) |
//! | `plan.rs` | reasons and offers per customer, money, segments → [`OfferPlan`] |
//! | `ab.rs` | two-proportion sample size, the A/B plan |

mod ab;
mod levers;
mod plan;
mod tables;
mod whatif;

pub use ab::{AbTest, minimum_detectable_effect, sample_size_per_arm};
pub use levers::{LEVERS, Lever, lever};
pub(crate) use plan::choose;
pub use plan::{CustomerOffer, LeverCount, Money, OfferPlan, Reason, SegmentMoney, Sensitivity};
pub(crate) use whatif::consent;
pub use whatif::{Typical, TypicalValue, WhatIf, what_if, what_if_matrix};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The assumptions of the money and of the A/B plan: every one a visible parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferOptions {
    /// Months the target concerns («в следующие три месяца»). Default 3.
    pub horizon_months: f64,
    /// Share of a customer's profit lost over the horizon when activity declines. Not in
    /// the data: an assumption. Default 0.5.
    pub loss_share: f64,
    /// Cost of one offer to the store, in the unit of `Прибыль` (усл. ед.). Default 0.2.
    pub offer_cost: f64,
    /// How far an offer moves its lever towards the typical level of customers whose
    /// activity held (0 = not at all, 1 = all the way). Default 0.5.
    pub lever_shift: f64,
    /// Reasons kept per customer. Default 3.
    pub max_reasons: usize,
    /// Significance level of the A/B test (two-sided). Default 0.05.
    pub alpha: f64,
    /// Power of the A/B test. Default 0.8.
    pub power: f64,
    /// A popular category gets its own promo recommendation when its share of
    /// promo-dependent customers among those at risk is at least this multiple of the
    /// overall share. Default 1.25.
    pub category_ratio: f64,
    /// … and it has at least this many customers at risk. Default 10.
    pub category_min_at_risk: usize,
    /// Unit of `Прибыль`: the source gives none. Default «усл. ед.».
    pub profit_unit: String,
}

impl Default for OfferOptions {
    fn default() -> Self {
        OfferOptions {
            horizon_months: 3.0,
            loss_share: 0.5,
            offer_cost: 0.2,
            lever_shift: 0.5,
            max_reasons: 3,
            alpha: 0.05,
            power: 0.8,
            category_ratio: 1.25,
            category_min_at_risk: 10,
            profit_unit: "усл. ед.".into(),
        }
    }
}

impl OfferOptions {
    /// Checks every assumption against its domain, naming the parameter.
    pub fn check(&self) -> Result<()> {
        let p = |name: &str, v: f64, rule: &str| {
            Err(Error::parameter(format!("OfferOptions::{name}"), v, rule))
        };
        if !(self.loss_share.is_finite() && (0.0..=1.0).contains(&self.loss_share)) {
            return p("loss_share", self.loss_share, "a share in [0, 1]");
        }
        if !(self.offer_cost.is_finite() && self.offer_cost >= 0.0) {
            return p("offer_cost", self.offer_cost, "a cost ≥ 0");
        }
        if !(self.lever_shift.is_finite() && (0.0..=1.0).contains(&self.lever_shift)) {
            return p("lever_shift", self.lever_shift, "a share in [0, 1]");
        }
        if !(self.horizon_months.is_finite() && self.horizon_months > 0.0) {
            return p(
                "horizon_months",
                self.horizon_months,
                "a positive number of months",
            );
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return p("alpha", self.alpha, "a probability in (0, 1)");
        }
        if !(self.power > 0.0 && self.power < 1.0) {
            return p("power", self.power, "a probability in (0, 1)");
        }
        if !(self.category_ratio.is_finite() && self.category_ratio > 0.0) {
            return p("category_ratio", self.category_ratio, "a positive ratio");
        }
        if self.max_reasons == 0 {
            return Err(Error::parameter(
                "OfferOptions::max_reasons",
                0,
                "at least 1",
            ));
        }
        Ok(())
    }
}
