//! Reasons and one offer per customer, the money at stake, the segments' totals, the A/B
//! plans and the tables a notebook shows.

use serde::Serialize;

use super::OfferOptions;
use super::ab::AbTest;
use super::levers::{LEVERS, Lever};
use super::whatif::{Typical, WhatIf, consent, what_if};
use crate::error::Result;
use crate::merge::ModelTable;
use crate::model::FittedPipeline;
use crate::schema;
use crate::segment::{PROBABILITY, SegmentKind, Segmentation};

/// One reason: a lever and how much it adds to the predicted probability of decline
/// (the drop when the lever moves to the typical level).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// Lever identifier.
    pub lever: &'static str,
    /// Drop of P(«Снизилась») in probability points (0.05 = 5 п. п.).
    pub effect: f64,
}

/// One customer's reasons, offer and money.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerOffer {
    /// Customer id.
    pub id: i64,
    /// P(«Снизилась»), out of fold (as the segments).
    pub probability: f64,
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
    /// The offer's lever: the strongest actionable reason the customer's consent allows
    /// and whose partial move lowers the risk; `null` when there is none.
    pub lever: Option<&'static str>,
    /// The offer, in the variant of the favourite category.
    pub offer: Option<String>,
    /// Predicted drop of P(«Снизилась») if the offer moves its lever `lever_shift` of the
    /// way (model-based scenario).
    pub effect: f64,
    /// probability × profit × horizon × loss_share.
    pub expected_loss: f64,
    /// effect × profit × horizon × loss_share − offer_cost (0 without an offer).
    pub expected_gain: f64,
}

impl CustomerOffer {
    /// Whether the offer pays for itself under the assumptions.
    pub fn targeted(&self) -> bool {
        self.lever.is_some() && self.expected_gain > 0.0
    }
}

/// Reasons, offer lever and its partial effect of one row of a what-if.
pub(crate) fn choose(
    full: ndarray::ArrayView1<f64>,
    partial: ndarray::ArrayView1<f64>,
    consent: bool,
    max_reasons: usize,
) -> (Vec<Reason>, Option<usize>) {
    let mut order: Vec<usize> = (0..LEVERS.len()).filter(|k| full[*k] > 0.0).collect();
    order.sort_by(|a, b| full[*b].total_cmp(&full[*a]).then(a.cmp(b)));
    let reasons = order
        .iter()
        .take(max_reasons)
        .map(|k| Reason {
            lever: LEVERS[*k].id,
            effect: full[*k],
        })
        .collect();
    let offer = order.into_iter().find(|k| {
        let l = &LEVERS[*k];
        l.actionable && (consent || !l.needs_consent) && partial[*k] > 0.0
    });
    (reasons, offer)
}

/// Money over a group of customers, under the assumptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Money {
    /// At-risk customers (probability ≥ the risk threshold).
    pub at_risk: usize,
    /// Their monthly profit, Σ.
    pub profit_month: f64,
    /// Σ probability × profit × horizon × loss_share.
    pub expected_loss: f64,
    /// Customers whose offer pays for itself.
    pub targeted: usize,
    /// Σ effect × profit × horizon × loss_share over them.
    pub gross_gain: f64,
    /// targeted × offer_cost.
    pub cost: f64,
    /// gross_gain − cost.
    pub net_gain: f64,
}

impl Money {
    fn of<'a>(customers: impl Iterator<Item = &'a CustomerOffer>, o: &OfferOptions) -> Money {
        let mut m = Money {
            at_risk: 0,
            profit_month: 0.0,
            expected_loss: 0.0,
            targeted: 0,
            gross_gain: 0.0,
            cost: 0.0,
            net_gain: 0.0,
        };
        for c in customers {
            m.at_risk += 1;
            m.profit_month += c.profit;
            m.expected_loss += c.expected_loss;
            if c.targeted() {
                m.targeted += 1;
                m.gross_gain += c.expected_gain + o.offer_cost;
                m.cost += o.offer_cost;
                m.net_gain += c.expected_gain;
            }
        }
        m
    }
}

/// How many customers of a group have a lever as their offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeverCount {
    /// Lever identifier (`none`: no offer that pays for itself).
    pub lever: &'static str,
    /// Customers.
    pub customers: usize,
}

/// One segment's money and offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentMoney {
    /// The segment (study segments overlap).
    pub segment: SegmentKind,
    /// Its title.
    pub title: String,
    /// Money of its at-risk customers.
    pub money: Money,
    /// Offer levers of its targeted customers, most frequent first; `none` last.
    pub levers: Vec<LeverCount>,
}

/// The answer under other assumptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Share of profit lost when activity declines.
    pub loss_share: f64,
    /// How far an offer moves its lever.
    pub lever_shift: f64,
    /// Expected loss of the at-risk customers.
    pub expected_loss: f64,
    /// Customers whose offer pays for itself.
    pub targeted: usize,
    /// Net expected gain.
    pub net_gain: f64,
}

/// Within the main segment: customers whose activity actually declined against those
/// whose activity held.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contrast {
    /// Feature.
    pub feature: String,
    /// Mean among those who declined.
    pub declined: f64,
    /// Mean among those who held.
    pub held: f64,
    /// Difference in standard deviations of the feature within the segment.
    pub diff_sd: f64,
}

/// A category whose at-risk customers depend on promotions more than the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryNote {
    /// The category.
    pub category: String,
    /// Its at-risk customers.
    pub at_risk: usize,
    /// Of them, promo-dependent (promo share ≥ the Otsu threshold).
    pub promo_dependent: usize,
    /// Share of promo-dependent among all at-risk customers.
    pub overall_share: f64,
}

/// Everything the offers step produced (`results.json` → `offers`).
#[derive(Debug, Clone, Serialize)]
pub struct OfferPlan {
    /// The assumptions.
    pub assumptions: OfferOptions,
    /// The catalogue.
    pub levers: Vec<Lever>,
    /// Typical levels of customers whose activity held (what levers move towards).
    #[serde(skip)]
    pub typical: Typical,
    /// Every at-risk customer, by decreasing expected loss.
    pub customers: Vec<CustomerOffer>,
    /// All at-risk customers together.
    pub total: Money,
    /// Per segment.
    pub by_segment: Vec<SegmentMoney>,
    /// The answer under other loss shares and lever shifts.
    pub sensitivity: Vec<Sensitivity>,
    /// The A/B plan for the main segment.
    pub ab_test: AbTest,
    /// The A/B plan for all at-risk customers.
    pub ab_test_at_risk: AbTest,
    /// Main segment: declined against held, largest standardised difference first.
    pub main_contrast: Vec<Contrast>,
    /// Per favourite category: at-risk customers and how many are promo-dependent.
    pub by_category: Vec<CategoryNote>,
    /// The category whose at-risk customers are most promo-dependent, if it stands out
    /// (at least `category_min_at_risk` customers at risk and a promo-dependent share ≥
    /// `category_ratio` × the overall share).
    pub category_note: Option<CategoryNote>,
}

/// Loss shares of the sensitivity table.
pub const LOSS_SHARES: [f64; 4] = [0.25, 0.5, 0.75, 1.0];
/// Lever shifts of the sensitivity table.
pub const LEVER_SHIFTS: [f64; 3] = [0.25, 0.5, 1.0];

impl OfferPlan {
    /// Reasons, offers and money for every at-risk customer of `segmentation` (its
    /// out-of-fold probabilities and thresholds), with the what-if on `pipeline`.
    pub fn build(
        table: &ModelTable,
        segmentation: &Segmentation,
        pipeline: &FittedPipeline,
        options: &OfferOptions,
    ) -> Result<OfferPlan> {
        options.check()?;
        let typical = Typical::of(table)?;
        let features = table.features()?;
        let wi = what_if(pipeline, &features, &typical, options.lever_shift)?;
        let base = Inputs::of(table, segmentation, &features)?;
        let all = base.offers(&wi, options);
        let mut customers: Vec<CustomerOffer> = all
            .iter()
            .filter(|c| c.probability >= segmentation.thresholds.risk)
            .cloned()
            .collect();
        customers.sort_by(|a, b| {
            b.expected_loss
                .total_cmp(&a.expected_loss)
                .then(a.id.cmp(&b.id))
        });
        let total = Money::of(customers.iter(), options);
        let by_segment = segmentation
            .segments
            .iter()
            .map(|s| {
                let members: Vec<&CustomerOffer> = s
                    .members
                    .iter()
                    .map(|i| &all[*i])
                    .filter(|c| c.probability >= segmentation.thresholds.risk)
                    .collect();
                SegmentMoney {
                    segment: s.kind.clone(),
                    title: s.title.clone(),
                    money: Money::of(members.iter().copied(), options),
                    levers: lever_counts(members.iter().copied()),
                }
            })
            .collect();
        let mut sensitivity = Vec::new();
        for shift in LEVER_SHIFTS {
            let wi_s = if shift == options.lever_shift {
                wi.clone()
            } else {
                what_if(pipeline, &features, &typical, shift)?
            };
            for loss_share in LOSS_SHARES {
                let o = OfferOptions {
                    loss_share,
                    lever_shift: shift,
                    ..options.clone()
                };
                let offers = base.offers(&wi_s, &o);
                let m = Money::of(
                    offers
                        .iter()
                        .filter(|c| c.probability >= segmentation.thresholds.risk),
                    &o,
                );
                sensitivity.push(Sensitivity {
                    loss_share,
                    lever_shift: shift,
                    expected_loss: m.expected_loss,
                    targeted: m.targeted,
                    net_gain: m.net_gain,
                });
            }
        }
        let plan_for = |name: &str, rows: &[usize]| {
            let at: Vec<usize> = rows
                .iter()
                .copied()
                .filter(|i| all[*i].probability >= segmentation.thresholds.risk)
                .collect();
            AbTest::plan(
                name,
                &at.iter().map(|i| all[*i].probability).collect::<Vec<_>>(),
                &at.iter()
                    .map(|i| {
                        if all[*i].targeted() {
                            all[*i].effect
                        } else {
                            0.0
                        }
                    })
                    .collect::<Vec<_>>(),
                &at.iter().map(|i| base.declined[*i]).collect::<Vec<_>>(),
                options.alpha,
                options.power,
            )
        };
        let main = segmentation.main();
        let ab_test = plan_for(&main.name(), &main.members)?;
        let everyone: Vec<usize> = (0..all.len()).collect();
        let ab_test_at_risk = plan_for("at_risk", &everyone)?;
        let main_contrast = contrast(&features, &main.members, &base.declined)?;
        let by_category = by_category(segmentation, &base);
        let category_note = by_category
            .iter()
            .filter(|n| n.at_risk >= options.category_min_at_risk)
            .max_by(|a, b| {
                share(a)
                    .total_cmp(&share(b))
                    .then(b.category.cmp(&a.category))
            })
            .filter(|n| share(n) >= options.category_ratio * n.overall_share)
            .cloned();
        Ok(OfferPlan {
            assumptions: options.clone(),
            levers: LEVERS.to_vec(),
            typical,
            customers,
            total,
            by_segment,
            sensitivity,
            ab_test,
            ab_test_at_risk,
            main_contrast,
            by_category,
            category_note,
        })
    }
}

/// Per-customer inputs other than the what-if.
struct Inputs {
    ids: Vec<i64>,
    p: Vec<f64>,
    profit: Vec<f64>,
    category: Vec<String>,
    consent: Vec<bool>,
    promo: Vec<f64>,
    declined: Vec<bool>,
    segment: Vec<SegmentKind>,
}

impl Inputs {
    fn of(
        table: &ModelTable,
        s: &Segmentation,
        features: &polars::prelude::DataFrame,
    ) -> Result<Inputs> {
        let p = crate::frame::f64_values(&s.frame, PROBABILITY)?;
        let profit = table.profit_values()?;
        let category = crate::frame::str_values(features, schema::POPULAR_CATEGORY)?;
        let promo = crate::frame::f64_values(features, schema::PROMO_SHARE)?;
        let segment = (0..p.len())
            .map(|i| {
                s.thresholds
                    .primary(p[i], profit[i], promo[i], &category[i])
            })
            .collect();
        Ok(Inputs {
            ids: table.ids()?,
            consent: consent(features)?,
            declined: table.target()?.iter().map(|v| *v == 1).collect(),
            p,
            profit,
            category,
            promo,
            segment,
        })
    }

    fn offers(&self, wi: &WhatIf, o: &OfferOptions) -> Vec<CustomerOffer> {
        (0..self.p.len())
            .map(|i| {
                let (reasons, lever) = choose(
                    wi.full.row(i),
                    wi.partial.row(i),
                    self.consent[i],
                    o.max_reasons,
                );
                let scale = self.profit[i] * o.horizon_months * o.loss_share;
                let effect = lever.map_or(0.0, |k| wi.partial[[i, k]]);
                CustomerOffer {
                    id: self.ids[i],
                    probability: self.p[i],
                    segment: self.segment[i].clone(),
                    profit: self.profit[i],
                    category: self.category[i].clone(),
                    consent: self.consent[i],
                    reasons,
                    lever: lever.map(|k| LEVERS[k].id),
                    offer: lever.map(|k| LEVERS[k].offer_for(&self.category[i])),
                    effect,
                    expected_loss: self.p[i] * scale,
                    expected_gain: if lever.is_some() {
                        effect * scale - o.offer_cost
                    } else {
                        0.0
                    },
                }
            })
            .collect()
    }
}

fn lever_counts<'a>(customers: impl Iterator<Item = &'a CustomerOffer>) -> Vec<LeverCount> {
    let mut counts: Vec<LeverCount> = Vec::new();
    for c in customers {
        let lever = if c.targeted() {
            c.lever.unwrap_or("none")
        } else {
            "none"
        };
        match counts.iter_mut().find(|l| l.lever == lever) {
            Some(l) => l.customers += 1,
            None => counts.push(LeverCount {
                lever,
                customers: 1,
            }),
        }
    }
    counts.sort_by(|a, b| {
        (a.lever == "none")
            .cmp(&(b.lever == "none"))
            .then(b.customers.cmp(&a.customers))
            .then(a.lever.cmp(b.lever))
    });
    counts
}

fn contrast(
    features: &polars::prelude::DataFrame,
    members: &[usize],
    declined: &[bool],
) -> Result<Vec<Contrast>> {
    let mut out = Vec::new();
    for (name, v) in crate::corr::numeric_columns(features)? {
        let inside: Vec<f64> = members.iter().map(|i| v[*i]).collect();
        let (_, sd) = crate::stats::mean_std(&inside);
        let d: Vec<f64> = members
            .iter()
            .filter(|i| declined[**i])
            .map(|i| v[*i])
            .collect();
        let h: Vec<f64> = members
            .iter()
            .filter(|i| !declined[**i])
            .map(|i| v[*i])
            .collect();
        let (md, mh) = (crate::stats::mean(&d), crate::stats::mean(&h));
        out.push(Contrast {
            feature: name,
            declined: md,
            held: mh,
            diff_sd: if sd > 0.0 && !d.is_empty() && !h.is_empty() {
                (md - mh) / sd
            } else {
                0.0
            },
        });
    }
    out.sort_by(|a, b| b.diff_sd.abs().total_cmp(&a.diff_sd.abs()));
    Ok(out)
}

fn by_category(s: &Segmentation, base: &Inputs) -> Vec<CategoryNote> {
    let at: Vec<usize> = (0..base.p.len())
        .filter(|i| base.p[*i] >= s.thresholds.risk)
        .collect();
    let dependent = |i: &usize| base.promo[*i] >= s.thresholds.promo;
    let overall = at.iter().filter(|i| dependent(i)).count() as f64 / at.len().max(1) as f64;
    let mut cats: Vec<&str> = base.category.iter().map(String::as_str).collect();
    cats.sort();
    cats.dedup();
    cats.into_iter()
        .map(|c| {
            let members: Vec<&usize> = at.iter().filter(|i| base.category[**i] == c).collect();
            CategoryNote {
                category: c.to_string(),
                at_risk: members.len(),
                promo_dependent: members.iter().filter(|i| dependent(i)).count(),
                overall_share: overall,
            }
        })
        .collect()
}

impl OfferPlan {
    /// Share of promo-dependent customers among all customers at risk.
    pub fn overall_promo_share(&self) -> f64 {
        self.by_category.first().map_or(0.0, |n| n.overall_share)
    }
}

pub(crate) fn share(n: &CategoryNote) -> f64 {
    n.promo_dependent as f64 / n.at_risk.max(1) as f64
}
