//! The offers' assumptions: the money's horizon and loss share, each lever's assumed
//! effect in the features' own units and its own cost, the A/B test's α and power. Every
//! one is a visible parameter, checked with an error that names it.

use serde::{Deserialize, Serialize};

use super::levers::{LEVERS, Lever, lever};
use crate::error::{Error, Result};

/// One feature's assumed change under an offer, in the feature's own units (e.g. +1
/// page per visit, −0.1 of promo share). Its sign must be the lever's risk-lowering
/// direction; the change never takes a customer past the typical level of the customers
/// whose activity held, and leaves customers already on that level's far side as they
/// are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureEffect {
    /// The model feature.
    pub feature: String,
    /// The change, in the feature's units.
    pub change: f64,
}

/// One actionable lever's offer: its assumed effect and its cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeverAssumption {
    /// Lever identifier ([`LEVERS`]).
    pub lever: String,
    /// The features the offer changes and by how much (empty for a categorical lever,
    /// whose offer switches the customer to its target level, e.g. «премиум»).
    pub effect: Vec<FeatureEffect>,
    /// Cost of the offer per customer, in the unit of `Прибыль`.
    pub cost: f64,
    /// The discount the offer gives: a share of the customer's monthly profit (0 when
    /// the offer is not a discount). A customer's cost is `cost + discount × profit`.
    pub discount: f64,
}

impl LeverAssumption {
    /// The catalogue's default for `lever`.
    pub fn default_for(lever: &Lever) -> LeverAssumption {
        LeverAssumption {
            lever: lever.id.to_string(),
            effect: lever
                .effect
                .iter()
                .map(|(f, d)| FeatureEffect {
                    feature: (*f).to_string(),
                    change: *d,
                })
                .collect(),
            cost: lever.cost,
            discount: lever.discount,
        }
    }

    /// The cost of the offer to a customer with monthly profit `profit`.
    pub fn cost_for(&self, profit: f64) -> f64 {
        self.cost + self.discount * profit.max(0.0)
    }
}

/// The assumptions of the money and of the A/B plan: every one a visible parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OfferOptions {
    /// Months the target concerns («в следующие три месяца»). Default 3.
    pub horizon_months: f64,
    /// Share of a customer's profit lost over the horizon when activity declines. Not in
    /// the data: an assumption. Default 0.5.
    pub loss_share: f64,
    /// Each actionable lever's assumed effect and cost (defaults: the catalogue's,
    /// [`Lever::effect`], [`Lever::cost`], [`Lever::discount`], each justified in
    /// [`Lever::why`]). A lever left out is never offered.
    pub levers: Vec<LeverAssumption>,
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
            levers: LEVERS
                .iter()
                .filter(|l| l.actionable)
                .map(LeverAssumption::default_for)
                .collect(),
            max_reasons: 3,
            alpha: 0.05,
            power: 0.8,
            category_ratio: 1.25,
            category_min_at_risk: 10,
            profit_unit: "усл. ед.".into(),
        }
    }
}

fn known_actionable() -> String {
    LEVERS
        .iter()
        .filter(|l| l.actionable)
        .map(|l| l.id)
        .collect::<Vec<_>>()
        .join(", ")
}

impl OfferOptions {
    /// The assumption of lever `id`; an unknown or left-out lever is an error naming it.
    pub fn lever(&self, id: &str) -> Result<&LeverAssumption> {
        catalogue(id)?;
        self.levers
            .iter()
            .find(|a| a.lever == id)
            .ok_or_else(|| Error::parameter("offers.levers", id, "a lever in the options"))
    }

    fn lever_mut(&mut self, id: &str) -> Result<&mut LeverAssumption> {
        let l = catalogue(id)?;
        if let Some(i) = self.levers.iter().position(|a| a.lever == id) {
            return Ok(&mut self.levers[i]);
        }
        self.levers.push(LeverAssumption {
            effect: Vec::new(),
            ..LeverAssumption::default_for(l)
        });
        Ok(self.levers.last_mut().expect("just pushed"))
    }

    /// Sets the assumed change of `feature` under `lever`'s offer (in the feature's
    /// units; 0 removes it), checked at once: a feature of another lever, a categorical
    /// feature or a change in the risk-raising direction is an error naming it.
    pub fn set_effect(&mut self, lever: &str, feature: &str, change: f64) -> Result<&mut Self> {
        let l = catalogue(lever)?;
        if change != 0.0 {
            check_effect(l, feature, change)?;
        }
        let a = self.lever_mut(lever)?;
        a.effect.retain(|e| e.feature != feature);
        if change != 0.0 {
            a.effect.push(FeatureEffect {
                feature: feature.to_string(),
                change,
            });
        }
        Ok(self)
    }

    /// Sets the cost (unit of `Прибыль`) and discount (share of monthly profit) of
    /// `lever`'s offer, checked at once.
    pub fn set_cost(&mut self, lever: &str, cost: f64, discount: f64) -> Result<&mut Self> {
        let a = self.lever_mut(lever)?;
        let name = |what: &str| format!("offers.levers.{lever}.{what}");
        if !(cost.is_finite() && cost >= 0.0) {
            return Err(Error::parameter(name("cost"), cost, "a cost ≥ 0"));
        }
        if !(discount.is_finite() && (0.0..=1.0).contains(&discount)) {
            return Err(Error::parameter(
                name("discount"),
                discount,
                "a share of the monthly profit in [0, 1]",
            ));
        }
        a.cost = cost;
        a.discount = discount;
        Ok(self)
    }

    /// The same options with every numeric effect multiplied by `effect` and every
    /// cost and discount by `cost` (discounts capped at 1): the sensitivity table's rows.
    pub fn scaled(&self, effect: f64, cost: f64) -> OfferOptions {
        let mut o = self.clone();
        for a in &mut o.levers {
            for e in &mut a.effect {
                e.change *= effect;
            }
            a.cost *= cost;
            a.discount = (a.discount * cost).min(1.0);
        }
        o
    }
}

impl crate::checked::Check for OfferOptions {
    /// Checks every assumption against its domain, naming the parameter: shares in
    /// [0, 1], positive horizon, α and power in (0, 1), known actionable levers once
    /// each, effects only on a lever's own numeric features and in its risk-lowering
    /// direction, costs ≥ 0 and discounts in [0, 1].
    fn check(&self) -> Result<()> {
        let p = |name: &str, v: f64, rule: &str| {
            Err(Error::parameter(format!("offers.{name}"), v, rule))
        };
        if !(self.loss_share.is_finite() && (0.0..=1.0).contains(&self.loss_share)) {
            return p("loss_share", self.loss_share, "a share in [0, 1]");
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
            return Err(Error::parameter("offers.max_reasons", 0, "at least 1"));
        }
        for (i, a) in self.levers.iter().enumerate() {
            let l = catalogue(&a.lever)?;
            if self.levers[..i].iter().any(|b| b.lever == a.lever) {
                return Err(Error::parameter(
                    "offers.levers",
                    &a.lever,
                    "each lever once",
                ));
            }
            let name = |what: &str| format!("offers.levers.{}.{what}", a.lever);
            if !(a.cost.is_finite() && a.cost >= 0.0) {
                return Err(Error::parameter(name("cost"), a.cost, "a cost ≥ 0"));
            }
            if !(a.discount.is_finite() && (0.0..=1.0).contains(&a.discount)) {
                return Err(Error::parameter(
                    name("discount"),
                    a.discount,
                    "a share of the monthly profit in [0, 1]",
                ));
            }
            for e in &a.effect {
                check_effect(l, &e.feature, e.change)?;
            }
            if a.effect.is_empty() && l.target.is_none() {
                return Err(Error::parameter(
                    name("effect"),
                    "[]",
                    "at least one feature's change (a numeric lever's offer must change something)",
                ));
            }
        }
        Ok(())
    }
}

fn catalogue(id: &str) -> Result<&'static Lever> {
    match lever(id) {
        Some(l) if l.actionable => Ok(l),
        Some(_) => Err(Error::parameter(
            "offers.levers",
            id,
            format!(
                "an actionable lever ({}); this one is a reason, not an offer",
                known_actionable()
            ),
        )),
        None => Err(Error::parameter(
            "offers.levers",
            id,
            format!("a known actionable lever ({})", known_actionable()),
        )),
    }
}

fn check_effect(l: &Lever, feature: &str, change: f64) -> Result<()> {
    let name = format!("offers.levers.{}.{feature}", l.id);
    let Some((_, default)) = l.effect.iter().find(|(f, _)| *f == feature) else {
        let own: Vec<&str> = l.effect.iter().map(|(f, _)| *f).collect();
        return Err(Error::parameter(
            name,
            change,
            format!(
                "a feature this offer can change ({})",
                if own.is_empty() {
                    "none: it switches a category".to_string()
                } else {
                    own.join(", ")
                }
            ),
        ));
    };
    if !change.is_finite() || change.signum() != default.signum() {
        return Err(Error::parameter(
            name,
            change,
            format!(
                "a change in the risk-lowering direction ({} than now: {})",
                if *default > 0.0 { "more" } else { "less" },
                if *default > 0.0 { "> 0" } else { "< 0" }
            ),
        ));
    }
    Ok(())
}
