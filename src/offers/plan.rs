//! Reasons and one offer per customer from the customer's own out-of-fold model, the
//! money at stake, the segments' totals, the A/B plans.

use serde::Serialize;

use super::ab::{AbTest, Group};
pub use super::choice::{Candidate, CustomerOffer, Reason};
use super::choice::{decide, money_at_stake, pricing};
use super::levers::{LEVERS, Lever};
use super::options::{LeverAssumption, OfferOptions};
use super::whatif::{Typical, WhatIf, consent, single_features, what_if};
use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::merge::ModelTable;
use crate::schema;
use crate::segment::{PROBABILITY, SegmentKind, Segmentation};

/// Money over a group of customers, under the assumptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Money {
    /// Customers in the group.
    pub customers: usize,
    /// Their monthly profit, Σ.
    pub profit_month: f64,
    /// Σ probability × profit × horizon × loss_share.
    pub expected_loss: f64,
    /// Customers who get an offer (positive expected net gain).
    pub targeted: usize,
    /// Σ effect × profit × horizon × loss_share over them.
    pub gross_gain: f64,
    /// Σ of their offers' costs.
    pub cost: f64,
    /// gross_gain − cost.
    pub net_gain: f64,
}

impl Money {
    fn of<'a>(customers: impl Iterator<Item = &'a CustomerOffer>) -> Money {
        let mut m = Money {
            customers: 0,
            profit_month: 0.0,
            expected_loss: 0.0,
            targeted: 0,
            gross_gain: 0.0,
            cost: 0.0,
            net_gain: 0.0,
        };
        for c in customers {
            m.customers += 1;
            m.profit_month += c.profit;
            m.expected_loss += c.expected_loss;
            if c.targeted() {
                m.targeted += 1;
                m.gross_gain += c.expected_gain + c.cost;
                m.cost += c.cost;
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
    /// Money of its customers (all at risk).
    pub money: Money,
    /// Offer levers of its targeted customers, most frequent first; `none` last.
    pub levers: Vec<LeverCount>,
}

/// The answer under other assumptions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// Every offer's assumed effect multiplied by this.
    pub effect_scale: f64,
    /// Every offer's cost and discount multiplied by this.
    pub cost_scale: f64,
    /// Share of profit lost when activity declines.
    pub loss_share: f64,
    /// Customers who get an offer (all customers, any risk).
    pub targeted: usize,
    /// Net expected gain over them.
    pub net_gain: f64,
}

/// How often each lever is the customer's top reason among the at-risk customers: with
/// all of the lever's features moved together (the reasons shown) and with one feature
/// moved at a time (every lever on the same footing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopReason {
    /// Lever identifier.
    pub lever: &'static str,
    /// At-risk customers whose strongest lever this is.
    pub by_lever: usize,
    /// At-risk customers whose strongest single feature belongs to this lever.
    pub by_feature: usize,
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
    /// The assumptions (`levers`: each offer's effect and cost).
    pub assumptions: OfferOptions,
    /// The catalogue.
    pub levers: Vec<Lever>,
    /// The probabilities' recalibration (the identity unless the calibration check
    /// asked for one).
    pub recalibration: crate::calibration::PlattMap,
    /// Every customer, in the model table's order.
    #[serde(skip)]
    pub all: Vec<CustomerOffer>,
    /// Every customer who gets an offer (positive expected net gain), largest gain first.
    pub customers: Vec<CustomerOffer>,
    /// All at-risk customers together.
    pub total: Money,
    /// Customers below the risk threshold (their offers decided by money alone).
    pub below_threshold: Money,
    /// Every customer.
    pub everyone: Money,
    /// Per segment.
    pub by_segment: Vec<SegmentMoney>,
    /// Top reasons of the at-risk customers, both ways.
    pub top_reasons: Vec<TopReason>,
    /// The answer under other effects, costs and loss shares.
    pub sensitivity: Vec<Sensitivity>,
    /// The A/B plan for the main segment's customers with an offer.
    pub ab_test: AbTest,
    /// The A/B plan for all at-risk customers with an offer.
    pub ab_test_at_risk: AbTest,
    /// The A/B plan for every customer with an offer.
    pub ab_test_eligible: AbTest,
    /// Main segment: declined against held, largest standardised difference first.
    pub main_contrast: Vec<Contrast>,
    /// Per favourite category: at-risk customers and how many are promo-dependent.
    pub by_category: Vec<CategoryNote>,
    /// The category whose at-risk customers are most promo-dependent, if it stands out
    /// (at least `category_min_at_risk` customers at risk and a promo-dependent share ≥
    /// `category_ratio` × the overall share).
    pub category_note: Option<CategoryNote>,
}

/// Scales of the offers' effects in the sensitivity table.
pub const EFFECT_SCALES: [f64; 3] = [0.5, 1.0, 2.0];
/// Scales of the offers' costs in the sensitivity table.
pub const COST_SCALES: [f64; 3] = [0.5, 1.0, 2.0];
/// Loss shares of the sensitivity table.
pub const LOSS_SHARES: [f64; 3] = [0.25, 0.5, 1.0];

/// The what-if of every customer on the fold model that did not see them, with the
/// typical levels of that fold's training part.
fn out_of_fold_what_if(
    table: &ModelTable,
    segmentation: &Segmentation,
    levers: &[LeverAssumption],
    single: bool,
) -> Result<WhatIf> {
    let oof = segmentation.oof.as_ref().ok_or_else(|| {
        Error::fit(
            "offers",
            "the segmentation has no fold models (run Segmentation::run, not from_probabilities)",
        )
    })?;
    let features = table.features()?;
    let y = table.target()?;
    let n = y.len();
    let singles = single_features().len();
    let mut out = WhatIf {
        p: vec![f64::NAN; n],
        full: ndarray::Array2::zeros((n, LEVERS.len())),
        offer: ndarray::Array2::zeros((n, LEVERS.len())),
        single: single.then(|| ndarray::Array2::zeros((n, singles))),
    };
    for ((train, valid), model) in oof.folds.iter().zip(&oof.models) {
        let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
        let typical = Typical::from_frame(&crate::split::take_rows(&features, train)?, &yt)?;
        let wi = what_if(
            model,
            &crate::split::take_rows(&features, valid)?,
            &typical,
            levers,
            &segmentation.recalibration,
            single,
        )?;
        for (r, i) in valid.iter().enumerate() {
            out.p[*i] = wi.p[r];
            out.full.row_mut(*i).assign(&wi.full.row(r));
            out.offer.row_mut(*i).assign(&wi.offer.row(r));
            if let (Some(a), Some(b)) = (out.single.as_mut(), wi.single.as_ref()) {
                a.row_mut(*i).assign(&b.row(r));
            }
        }
    }
    Ok(out)
}

impl OfferPlan {
    /// Reasons, offers and money for every customer of `segmentation`, each from the fold
    /// model that gave the customer's out-of-fold probability (and the typical levels of
    /// that fold's training part).
    pub fn build(
        table: &ModelTable,
        segmentation: &Segmentation,
        options: &Checked<OfferOptions>,
    ) -> Result<OfferPlan> {
        let features = table.features()?;
        let wi = out_of_fold_what_if(table, segmentation, &options.levers, true)?;
        let base = Inputs::of(table, segmentation, &features)?;
        // One probability per customer: the what-if's own baseline is the probability
        // the segments were cut on.
        if let Some(i) = (0..base.p.len()).find(|i| (wi.p[*i] - base.p[*i]).abs() > 1e-9) {
            return Err(Error::fit(
                "offers",
                format!(
                    "row {i}: the what-if scored {} where the segmentation has {}",
                    wi.p[i], base.p[i]
                ),
            ));
        }
        let risk = segmentation.thresholds.risk;
        let all = base.offers(&wi, options);
        let mut customers: Vec<CustomerOffer> =
            all.iter().filter(|c| c.targeted()).cloned().collect();
        customers.sort_by(|a, b| {
            b.expected_gain
                .total_cmp(&a.expected_gain)
                .then(a.id.cmp(&b.id))
        });
        let total = Money::of(all.iter().filter(|c| c.at_risk));
        let below_threshold = Money::of(all.iter().filter(|c| !c.at_risk));
        let everyone = Money::of(all.iter());
        let by_segment = segmentation
            .segments
            .iter()
            .map(|s| {
                let members: Vec<&CustomerOffer> = s.members.iter().map(|i| &all[*i]).collect();
                SegmentMoney {
                    segment: s.kind.clone(),
                    title: s.title.clone(),
                    money: Money::of(members.iter().copied()),
                    levers: lever_counts(members.iter().copied()),
                }
            })
            .collect();
        let top_reasons = top_reasons(&wi, &all);
        let mut sensitivity = Vec::new();
        for effect_scale in EFFECT_SCALES {
            let scaled = options.scaled(effect_scale, 1.0);
            let wi_s = if effect_scale == 1.0 {
                wi.clone()
            } else {
                out_of_fold_what_if(table, segmentation, &scaled.levers, false)?
            };
            for cost_scale in COST_SCALES {
                for loss_share in LOSS_SHARES {
                    let o = OfferOptions {
                        loss_share,
                        ..options.scaled(effect_scale, cost_scale)
                    };
                    let m = Money::of(base.offers(&wi_s, &o).iter());
                    sensitivity.push(Sensitivity {
                        effect_scale,
                        cost_scale,
                        loss_share,
                        targeted: m.targeted,
                        net_gain: m.net_gain,
                    });
                }
            }
        }
        let pool = all.iter().filter(|c| c.targeted()).count();
        let plan_for = |name: &str, rows: &mut dyn Iterator<Item = usize>| {
            let group: Vec<usize> = rows.filter(|i| all[*i].targeted()).collect();
            let column = |f: &dyn Fn(&CustomerOffer) -> f64| -> Vec<f64> {
                group.iter().map(|i| f(&all[*i])).collect()
            };
            AbTest::plan(
                name,
                &Group {
                    p: &column(&|c| c.probability),
                    drop: &column(&|c| c.effect),
                    cost: &column(&|c| c.cost),
                    scale: &column(&|c| money_at_stake(c.profit, options)),
                    declined: &group.iter().map(|i| base.declined[*i]).collect::<Vec<_>>(),
                    pool,
                },
                options.alpha,
                options.power,
            )
        };
        let main = segmentation.main();
        let ab_test = plan_for(&main.name(), &mut main.members.iter().copied())?;
        let ab_test_at_risk = plan_for(
            "at_risk",
            &mut (0..all.len()).filter(|i| all[*i].probability >= risk),
        )?;
        let ab_test_eligible = plan_for("eligible", &mut (0..all.len()))?;
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
            assumptions: (**options).clone(),
            levers: LEVERS.to_vec(),
            recalibration: segmentation.recalibration,
            all,
            customers,
            total,
            below_threshold,
            everyone,
            by_segment,
            top_reasons,
            sensitivity,
            ab_test,
            ab_test_at_risk,
            ab_test_eligible,
            main_contrast,
            by_category,
            category_note,
        })
    }
}

fn top_reasons(wi: &WhatIf, all: &[CustomerOffer]) -> Vec<TopReason> {
    let singles = single_features();
    let mut out: Vec<TopReason> = LEVERS
        .iter()
        .map(|l| TopReason {
            lever: l.id,
            by_lever: 0,
            by_feature: 0,
        })
        .collect();
    let argmax = |row: ndarray::ArrayView1<f64>| -> Option<usize> {
        (0..row.len())
            .filter(|k| row[*k] > 0.0)
            .max_by(|a, b| row[*a].total_cmp(&row[*b]).then(b.cmp(a)))
    };
    for (i, c) in all.iter().enumerate() {
        if !c.at_risk {
            continue;
        }
        if let Some(k) = argmax(wi.full.row(i)) {
            out[k].by_lever += 1;
        }
        if let Some(single) = &wi.single
            && let Some(j) = argmax(single.row(i))
        {
            out[singles[j].1].by_feature += 1;
        }
    }
    out
}

/// Per-customer inputs other than the what-if.
struct Inputs {
    ids: Vec<i64>,
    p: Vec<f64>,
    risk: f64,
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
            risk: s.thresholds.risk,
            p,
            profit,
            category,
            promo,
            segment,
        })
    }

    fn offers(&self, wi: &WhatIf, o: &OfferOptions) -> Vec<CustomerOffer> {
        let price = pricing(o);
        (0..self.p.len())
            .map(|i| {
                let d = decide(
                    wi.full.row(i),
                    wi.offer.row(i),
                    self.consent[i],
                    self.profit[i],
                    o,
                    &price,
                );
                let chosen = d.chosen().cloned();
                CustomerOffer {
                    id: self.ids[i],
                    probability: self.p[i],
                    at_risk: self.p[i] >= self.risk,
                    segment: self.segment[i].clone(),
                    profit: self.profit[i],
                    category: self.category[i].clone(),
                    consent: self.consent[i],
                    reasons: d.reasons,
                    lever: d.lever.map(|k| LEVERS[k].id),
                    offer: d.lever.map(|k| LEVERS[k].offer_for(&self.category[i])),
                    effect: chosen.as_ref().map_or(0.0, |c| c.effect),
                    cost: chosen.as_ref().map_or(0.0, |c| c.cost),
                    expected_loss: self.p[i] * money_at_stake(self.profit[i], o),
                    expected_gain: chosen.as_ref().map_or(0.0, |c| c.net_gain),
                    candidates: d.candidates,
                }
            })
            .collect()
    }
}

/// How many of `customers` get each lever as their offer (`none`: no paying offer), most
/// frequent first, `none` last.
pub(super) fn lever_counts<'a>(
    customers: impl Iterator<Item = &'a CustomerOffer>,
) -> Vec<LeverCount> {
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
    /// The category statement with its numbers (Russian): the largest at-risk category,
    /// the one with the highest promo-dependent share, and whether it meets the rule.
    pub fn category_statement_ru(&self) -> String {
        let o = &self.assumptions;
        let largest = self
            .by_category
            .iter()
            .max_by(|a, b| a.at_risk.cmp(&b.at_risk).then(b.category.cmp(&a.category)));
        let most = self
            .by_category
            .iter()
            .filter(|n| n.at_risk >= o.category_min_at_risk)
            .max_by(|a, b| {
                share(a)
                    .total_cmp(&share(b))
                    .then(b.category.cmp(&a.category))
            });
        let (Some(largest), Some(most)) = (largest, most) else {
            return "нет категорий с покупателями под риском".into();
        };
        let overall = self.overall_promo_share();
        let rule = o.category_ratio * overall;
        format!(
            "больше всего покупателей под риском в категории «{}» ({}); самая высокая доля зависимых от акций — в «{}»: {:.1} % ({} из {}) при {:.1} % среди всех под риском; правило требует не меньше {} × {:.1} % = {:.1} %, поэтому {}",
            largest.category,
            crate::labels::CUSTOMER.count(largest.at_risk as u64),
            most.category,
            share(most) * 100.0,
            most.promo_dependent,
            most.at_risk,
            overall * 100.0,
            o.category_ratio,
            overall * 100.0,
            rule * 100.0,
            if share(most) >= rule {
                "категория выделяется"
            } else {
                "категория не выделяется: отдельной категорийной рекомендации нет"
            }
        )
    }

    /// Share of promo-dependent customers among all customers at risk.
    pub fn overall_promo_share(&self) -> f64 {
        self.by_category.first().map_or(0.0, |n| n.overall_share)
    }
}

pub(crate) fn share(n: &CategoryNote) -> f64 {
    n.promo_dependent as f64 / n.at_risk.max(1) as f64
}
