//! Who to act on: out-of-fold probabilities of decline for every customer, joined with
//! profit, cut into segments with thresholds taken from the data and profiled against
//! everyone else. What to offer each customer is [`crate::offers`]' part.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calibration::{Calibration, PlattMap};
use crate::checked::Checked;
use crate::display::{Figure, Table};
use crate::error::{Error, Result};
use crate::labels;
use crate::merge::ModelTable;
use crate::model::{FittedPipeline, Pipeline};
use crate::schema;
use crate::search::{cross_val_fit, stratified_kfold};

/// The thresholds that define the segments (stored with a saved model, so new snapshots
/// are segmented the same way).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// P(«Снизилась») at or above which a customer is at risk (the model's decision
    /// threshold: F1-optimal on out-of-fold training predictions).
    pub risk: f64,
    /// Profit at or above which a customer is highly profitable (the profit quantile
    /// `profit_quantile` of all customers).
    pub profit: f64,
    /// The quantile used for `profit`.
    pub profit_quantile: f64,
    /// Share of promo purchases at or above which a customer is promo-dependent (Otsu's
    /// split of the two-mode distribution of the share).
    pub promo: f64,
}

/// Which segment: the one definition of the rules, used by the study (where segments
/// overlap: a customer may be in the main segment and in a category segment) and by
/// [`Thresholds::primary`] (one segment per customer, for scoring). Written in results and
/// model files as its [`name`](Self::name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum SegmentKind {
    /// `high_risk_high_profit`: at risk and at or above the profit threshold (the main
    /// segment).
    HighRiskHighProfit,
    /// `high_risk_promo_dependent`: at risk and at or above the promo-share threshold.
    HighRiskPromoDependent,
    /// `high_risk_category: <category>`: at risk, with this favourite category.
    HighRiskCategory(String),
    /// `low_risk`: below the risk threshold (scoring only).
    LowRisk,
}

impl SegmentKind {
    /// The identifier: `high_risk_high_profit`, `high_risk_promo_dependent`,
    /// `high_risk_category: <category>`, `low_risk`.
    pub fn name(&self) -> String {
        match self {
            SegmentKind::HighRiskHighProfit => "high_risk_high_profit".into(),
            SegmentKind::HighRiskPromoDependent => "high_risk_promo_dependent".into(),
            SegmentKind::HighRiskCategory(c) => format!("high_risk_category: {c}"),
            SegmentKind::LowRisk => "low_risk".into(),
        }
    }

    /// The kind named `name` ([`name`](Self::name)), if any.
    pub fn parse(name: &str) -> Option<SegmentKind> {
        match name {
            "high_risk_high_profit" => Some(SegmentKind::HighRiskHighProfit),
            "high_risk_promo_dependent" => Some(SegmentKind::HighRiskPromoDependent),
            "low_risk" => Some(SegmentKind::LowRisk),
            other => other
                .strip_prefix("high_risk_category: ")
                .map(|c| SegmentKind::HighRiskCategory(c.to_string())),
        }
    }

    /// The Russian title.
    pub fn title(&self) -> String {
        match self {
            SegmentKind::HighRiskHighProfit => labels::SEGMENT_MAIN.into(),
            SegmentKind::HighRiskPromoDependent => labels::SEGMENT_PROMO.into(),
            SegmentKind::HighRiskCategory(c) => labels::segment_category(c),
            SegmentKind::LowRisk => labels::SEGMENT_LOW_RISK.into(),
        }
    }

    /// Whether a customer with probability `p`, profit, promo share and favourite
    /// category belongs to this segment under `t` (segments of the study overlap).
    pub fn contains(
        &self,
        t: &Thresholds,
        p: f64,
        profit: f64,
        promo: f64,
        category: &str,
    ) -> bool {
        let at_risk = p >= t.risk;
        match self {
            SegmentKind::HighRiskHighProfit => at_risk && profit >= t.profit,
            SegmentKind::HighRiskPromoDependent => at_risk && promo >= t.promo,
            SegmentKind::HighRiskCategory(c) => at_risk && category == c,
            SegmentKind::LowRisk => !at_risk,
        }
    }

    /// The rule in words, with the thresholds.
    pub fn rule(&self, t: &Thresholds) -> String {
        match self {
            SegmentKind::HighRiskHighProfit => format!(
                "{PROBABILITY} ≥ {:.3} и {} ≥ {:.2} (квантиль {:.2})",
                t.risk,
                schema::PROFIT,
                t.profit,
                t.profit_quantile
            ),
            SegmentKind::HighRiskPromoDependent => format!(
                "{PROBABILITY} ≥ {:.3} и {} ≥ {:.2}",
                t.risk,
                schema::PROMO_SHARE,
                t.promo
            ),
            SegmentKind::HighRiskCategory(c) => format!(
                "{PROBABILITY} ≥ {:.3} и {} = «{c}»",
                t.risk,
                schema::POPULAR_CATEGORY
            ),
            SegmentKind::LowRisk => format!("{PROBABILITY} < {:.3}", t.risk),
        }
    }
}

impl From<SegmentKind> for String {
    fn from(k: SegmentKind) -> String {
        k.name()
    }
}

impl TryFrom<String> for SegmentKind {
    type Error = String;
    fn try_from(name: String) -> std::result::Result<Self, String> {
        SegmentKind::parse(&name).ok_or_else(|| format!("unknown segment {name:?}"))
    }
}

impl std::fmt::Display for SegmentKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Thresholds {
    /// The one segment of a customer, for scoring: the main segment first, then
    /// promo-dependent, then the at-risk category, else low risk.
    pub fn primary(&self, p: f64, profit: f64, promo: f64, category: &str) -> SegmentKind {
        [
            SegmentKind::HighRiskHighProfit,
            SegmentKind::HighRiskPromoDependent,
            SegmentKind::HighRiskCategory(category.to_string()),
        ]
        .into_iter()
        .find(|k| k.contains(self, p, profit, promo, category))
        .unwrap_or(SegmentKind::LowRisk)
    }
}

/// One segment: a rule over the scored customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Which segment (written as its identifier, `high_risk_high_profit`, …).
    #[serde(rename = "name")]
    pub kind: SegmentKind,
    /// Russian title.
    pub title: String,
    /// The rule in words, with the thresholds.
    pub rule: String,
    /// Customers in it.
    pub size: usize,
    /// Share of all customers.
    pub share: f64,
    /// Share of its customers whose activity actually declined.
    pub decline_rate: f64,
    /// Σ profit.
    pub profit_sum: f64,
    /// Σ P(decline) × profit: expected profit at risk.
    pub profit_at_risk: f64,
    /// Positions (into the model table) of its customers.
    #[serde(skip)]
    pub members: Vec<usize>,
}

/// The fold models behind out-of-fold probabilities: fold `k`'s model was fitted on
/// `folds[k].0` and scored the customers of `folds[k].1`.
#[derive(Debug, Clone)]
pub struct OutOfFold {
    /// `(train, validation)` positions into the model table.
    pub folds: Vec<(Vec<usize>, Vec<usize>)>,
    /// The fitted pipelines, one per fold.
    pub models: Vec<FittedPipeline>,
}

/// Everything segmentation produced.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// id, P(«Снизилась») (out of fold, recalibrated when the check asked for it), the
    /// target, profit, expected profit at risk, and every feature: one row per customer.
    pub frame: DataFrame,
    /// The thresholds.
    pub thresholds: Thresholds,
    /// The segments, the main one (high risk × high profit) first.
    pub segments: Vec<Segment>,
    /// The fold models that gave the probabilities (`None` when the probabilities came
    /// from elsewhere, [`Segmentation::from_probabilities`]).
    pub oof: Option<OutOfFold>,
    /// Calibration of the out-of-fold probabilities as the models gave them.
    pub calibration: Calibration,
    /// The recalibration applied to them (the identity unless the calibration check
    /// asked for one and [`SegmentOptions::recalibrate`] allows it).
    pub recalibration: PlattMap,
    /// Calibration after the recalibration (`None` without one).
    pub calibration_after: Option<Calibration>,
}

/// One feature of a segment profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileRow {
    /// The feature.
    pub feature: String,
    /// Its mean in the segment.
    pub mean_in: f64,
    /// Its mean among everyone else.
    pub mean_out: f64,
    /// The difference in % of the others' mean (NaN when that mean is 0).
    pub diff_pct: f64,
    /// The difference in standard deviations of the feature over all customers.
    pub diff_sd: f64,
}

impl Segment {
    /// The identifier, e.g. `high_risk_high_profit`.
    pub fn name(&self) -> String {
        self.kind.name()
    }
}

/// How customers are scored and cut into segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentOptions {
    /// Stratified folds of the out-of-fold probabilities (every customer scored by a model
    /// that did not see them). Default 5.
    pub folds: usize,
    /// Quantile of profit at or above which a customer counts as highly profitable.
    /// Default 0.5 (the median).
    pub profit_quantile: f64,
    /// Equal bins of the promo-share histogram that Otsu's threshold is computed on.
    /// Default 50.
    pub promo_bins: usize,
    /// Seed of the folds and of Platt scaling. Default 42.
    pub seed: u64,
    /// Quantile bins of the calibration check. Default 10.
    pub calibration_bins: usize,
    /// Recalibrate the probabilities (a Platt map fitted on the out-of-fold
    /// probabilities) when the bins miss their 95 % intervals more often than chance
    /// allows. Default true.
    pub recalibrate: bool,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            folds: 5,
            profit_quantile: 0.5,
            promo_bins: 50,
            seed: 42,
            calibration_bins: 10,
            recalibrate: true,
        }
    }
}

impl crate::checked::Check for SegmentOptions {
    /// Checks every option against its domain.
    fn check(&self) -> Result<()> {
        if self.folds < 2 {
            return Err(Error::parameter("segments.folds", self.folds, "at least 2"));
        }
        if !(0.0..=1.0).contains(&self.profit_quantile) {
            return Err(Error::parameter(
                "segments.profit_quantile",
                self.profit_quantile,
                "a number in [0, 1]",
            ));
        }
        if self.calibration_bins == 0 {
            return Err(Error::parameter(
                "segments.calibration_bins",
                self.calibration_bins,
                "at least 1",
            ));
        }
        if self.promo_bins < 2 {
            return Err(Error::parameter(
                "segments.promo_bins",
                self.promo_bins,
                "at least 2",
            ));
        }
        Ok(())
    }
}

/// Column of the out-of-fold probability in [`Segmentation::frame`].
pub const PROBABILITY: &str = "Вероятность_снижения";
/// Confidence level of the calibration check's intervals: 1 − this.
pub const CALIBRATION_ALPHA: f64 = 0.05;

/// Column of P × profit in [`Segmentation::frame`].
pub const PROFIT_AT_RISK: &str = "Прибыль_под_риском";

impl Segmentation {
    /// Out-of-fold probabilities of `pipeline` (`options.folds` stratified folds over
    /// all customers, seeded), their calibration check (and recalibration when it asks
    /// for one), then the segments with `risk` as the risk threshold (mapped through the
    /// recalibration, so the same customers are at risk).
    pub fn run(
        table: &ModelTable,
        pipeline: &Pipeline,
        risk: f64,
        options: &Checked<SegmentOptions>,
    ) -> Result<Segmentation> {
        Segmentation::run_with_progress(table, pipeline, risk, options, None)
    }

    /// [`run`](Self::run), calling `progress` with 1 for every fold fitted and scored.
    pub fn run_with_progress(
        table: &ModelTable,
        pipeline: &Pipeline,
        risk: f64,
        options: &Checked<SegmentOptions>,
        progress: Option<&dyn crate::progress::Tally>,
    ) -> Result<Segmentation> {
        let y = table.target()?;
        let folds = stratified_kfold(&y, options.folds, options.seed)?;
        let (p, models) = cross_val_fit(
            &pipeline.with_probability(options.seed),
            &table.features()?,
            &y,
            &folds,
            progress,
        )?;
        let mut calibration = Calibration::of(&y, &p, options.calibration_bins, CALIBRATION_ALPHA)?;
        calibration.recalibration_cv = Some(crate::calibration::cross_validated_recalibration(
            &y,
            &p,
            options.folds,
            options.seed,
        )?);
        let (recalibration, p, risk, after) =
            if options.recalibrate && calibration.needs_recalibration(CALIBRATION_ALPHA) {
                let map = PlattMap::fit(&y, &p)?;
                let q: Vec<f64> = p.iter().map(|v| map.apply(*v)).collect();
                let after = Calibration::of(&y, &q, options.calibration_bins, CALIBRATION_ALPHA)?;
                (map, q, map.apply(risk), Some(after))
            } else {
                (PlattMap::IDENTITY, p, risk, None)
            };
        let mut s = Segmentation::from_probabilities(table, &p, risk, options)?;
        s.oof = Some(OutOfFold { folds, models });
        s.calibration = calibration;
        s.recalibration = recalibration;
        s.calibration_after = after;
        Ok(s)
    }

    /// Segments customers scored with probabilities `p` (one per model-table row). There
    /// are no fold models, so no offers can be built on it.
    pub fn from_probabilities(
        table: &ModelTable,
        p: &[f64],
        risk: f64,
        options: &Checked<SegmentOptions>,
    ) -> Result<Segmentation> {
        let profit_quantile = options.profit_quantile;
        if p.len() != table.height() {
            return Err(Error::shape(
                "probabilities for the customers of the model table",
                table.height(),
                p.len(),
            ));
        }
        let calibration = Calibration::of(
            &table.target()?,
            p,
            options.calibration_bins,
            CALIBRATION_ALPHA,
        )?;
        let profit = table.profit_values()?;
        let mut sorted = profit.clone();
        sorted.sort_by(f64::total_cmp);
        let promo: Vec<f64> = crate::frame::f64_values(&table.frame, schema::PROMO_SHARE)?;
        let thresholds = Thresholds {
            risk,
            profit: crate::stats::quantile_sorted(&sorted, profit_quantile),
            profit_quantile,
            promo: valley(&promo, options.promo_bins),
        };
        let mut frame = table.frame.clone();
        frame.with_column(Column::new(PROBABILITY.into(), p.to_vec()))?;
        frame.with_column(table.profit.clone())?;
        frame.with_column(Column::new(
            PROFIT_AT_RISK.into(),
            p.iter()
                .zip(&profit)
                .map(|(a, b)| a * b)
                .collect::<Vec<f64>>(),
        ))?;
        let mut s = Segmentation {
            frame,
            thresholds,
            segments: Vec::new(),
            oof: None,
            calibration,
            recalibration: PlattMap::IDENTITY,
            calibration_after: None,
        };
        s.segments = s.build()?;
        Ok(s)
    }

    fn build(&self) -> Result<Vec<Segment>> {
        let t = &self.thresholds;
        let p = crate::frame::f64_values(&self.frame, PROBABILITY)?;
        let profit = crate::frame::f64_values(&self.frame, schema::PROFIT)?;
        let promo = crate::frame::f64_values(&self.frame, schema::PROMO_SHARE)?;
        let category = crate::frame::str_values(&self.frame, schema::POPULAR_CATEGORY)?;
        let n = p.len();
        let mut kinds = vec![
            SegmentKind::HighRiskHighProfit,
            SegmentKind::HighRiskPromoDependent,
        ];
        let mut cats = category.clone();
        cats.sort();
        cats.dedup();
        kinds.extend(cats.into_iter().map(SegmentKind::HighRiskCategory));
        let y = self.frame.column(schema::TARGET)?.str()?.clone();
        kinds
            .into_iter()
            .map(|kind| {
                let members: Vec<usize> = (0..n)
                    .filter(|&i| kind.contains(t, p[i], profit[i], promo[i], &category[i]))
                    .collect();
                let size = members.len();
                let declined = members
                    .iter()
                    .filter(|i| y.get(**i) == Some(schema::DECLINED))
                    .count();
                Ok(Segment {
                    title: kind.title(),
                    rule: kind.rule(t),
                    kind,
                    size,
                    share: size as f64 / n.max(1) as f64,
                    decline_rate: declined as f64 / size.max(1) as f64,
                    profit_sum: members.iter().map(|i| profit[*i]).sum(),
                    profit_at_risk: members.iter().map(|i| p[*i] * profit[*i]).sum(),
                    members,
                })
            })
            .collect()
    }

    /// The main segment (high risk × high profit).
    pub fn main(&self) -> &Segment {
        &self.segments[0]
    }

    /// A segment by name ([`SegmentKind::name`]); an unknown name is an error listing
    /// the segments there are.
    pub fn segment(&self, name: &str) -> Result<&Segment> {
        self.segments
            .iter()
            .find(|s| s.kind.name() == name)
            .ok_or_else(|| Error::UnknownSegment {
                name: name.to_string(),
                known: self.segments.iter().map(Segment::name).collect(),
            })
    }

    /// Size, share, decline rate, profit and profit at risk of every segment, ranked by
    /// profit at risk.
    pub fn table(&self) -> Table {
        let mut s: Vec<&Segment> = self.segments.iter().collect();
        s.sort_by(|a, b| b.profit_at_risk.total_cmp(&a.profit_at_risk));
        let rows = s
            .iter()
            .map(|s| {
                vec![
                    s.title.clone(),
                    s.size.to_string(),
                    format!("{:.1} %", s.share * 100.0),
                    format!("{:.1} %", s.decline_rate * 100.0),
                    format!("{:.1}", s.profit_sum),
                    format!("{:.1}", s.profit_at_risk),
                ]
            })
            .collect();
        Table::from_rows(
            labels::SEGMENT_TABLE_HEADERS.map(String::from).to_vec(),
            rows,
        )
        .title(labels::SEGMENT_TABLE_TITLE)
    }

    /// Every numeric feature: mean in the segment, mean among everyone else and the
    /// difference in % and in standard deviations, largest standardised difference first.
    pub fn profile(&self, name: &str) -> Result<Vec<ProfileRow>> {
        self.profile_of(&self.segment(name)?.members)
    }

    /// The profile of the customers at `members` (positions into the model table).
    fn profile_of(&self, members: &[usize]) -> Result<Vec<ProfileRow>> {
        let mut inside = vec![false; self.frame.height()];
        for i in members {
            inside[*i] = true;
        }
        let features = self.frame.select(
            schema::feature_groups()
                .into_iter()
                .map(|(c, _)| c)
                .chain([schema::PROFIT.to_string(), PROBABILITY.to_string()]),
        )?;
        let mut rows = Vec::new();
        for (name, v) in crate::corr::numeric_columns(&features)? {
            let (a, b): (Vec<f64>, Vec<f64>) = {
                let mut a = Vec::new();
                let mut b = Vec::new();
                for (x, &k) in v.iter().zip(&inside) {
                    if k { a.push(*x) } else { b.push(*x) }
                }
                (a, b)
            };
            let (_, sd) = crate::stats::mean_std(&v);
            let (ma, mb) = (crate::stats::mean(&a), crate::stats::mean(&b));
            let pct = if mb != 0.0 {
                (ma - mb) / mb.abs() * 100.0
            } else {
                f64::NAN
            };
            let z = if sd > 0.0 { (ma - mb) / sd } else { 0.0 };
            rows.push(ProfileRow {
                feature: name,
                mean_in: ma,
                mean_out: mb,
                diff_pct: pct,
                diff_sd: z,
            });
        }
        rows.sort_by(|a, b| b.diff_sd.abs().total_cmp(&a.diff_sd.abs()));
        Ok(rows)
    }

    /// [`profile`](Self::profile) as a table.
    pub fn profile_table(&self, name: &str) -> Result<Table> {
        let seg = self.segment(name)?;
        let rows = self
            .profile(name)?
            .into_iter()
            .map(|r| {
                let (a, b, pct, z) = (r.mean_in, r.mean_out, r.diff_pct, r.diff_sd);
                vec![
                    r.feature,
                    crate::display::format_real((a * 1000.0).round() / 1000.0),
                    crate::display::format_real((b * 1000.0).round() / 1000.0),
                    if pct.is_finite() {
                        format!("{pct:+.1} %")
                    } else {
                        "—".into()
                    },
                    format!("{z:+.2}"),
                ]
            })
            .collect();
        Ok(
            Table::from_rows(labels::PROFILE_HEADERS.map(String::from).to_vec(), rows)
                .title(labels::profile_title(&seg.title, seg.size)),
        )
    }

    /// The standardised differences of the segment's profile as bars.
    pub fn profile_figure(&self, name: &str) -> Result<Figure> {
        let seg = self.segment(name)?;
        let rows: Vec<(String, f64, f64)> = self
            .profile(name)?
            .into_iter()
            .filter(|r| r.feature != PROBABILITY)
            .map(|r| (r.feature, r.diff_sd, 0.0))
            .collect();
        crate::plot::importance_bars(
            &rows,
            &labels::profile_figure_title(&seg.title),
            labels::PROFILE_FIGURE_AXIS,
        )
    }

    /// The promo-share histogram by class with the Otsu cut that defines promo dependence.
    pub fn promo_figure(&self, table: &crate::merge::ModelTable) -> Result<Figure> {
        let cut = labels::otsu_cut(self.thresholds.promo);
        crate::plot::histogram_with_cut(
            &crate::plot::numeric(table, schema::PROMO_SHARE)?,
            &table.target()?,
            schema::PROMO_SHARE,
            20,
            Some((self.thresholds.promo, &cut)),
        )
    }

    /// Probability of decline against profit, one dot per customer coloured by the
    /// actual class, with the two thresholds drawn and the main segment's corner shaded.
    pub fn scatter(&self) -> Result<Figure> {
        let p = crate::frame::f64_values(&self.frame, PROBABILITY)?;
        let profit = crate::frame::f64_values(&self.frame, schema::PROFIT)?;
        let y: Vec<u8> = self
            .frame
            .column(schema::TARGET)?
            .str()?
            .iter()
            .map(|v| u8::from(v == Some(schema::DECLINED)))
            .collect();
        crate::plot::threshold_scatter(
            &p,
            &profit,
            &y,
            (self.thresholds.risk, self.thresholds.profit),
            labels::SEGMENT_SCATTER_AXIS,
            &labels::money_axis(schema::PROFIT),
            &labels::segment_scatter_title(&self.main().title, self.main().size),
        )
    }
}

/// Otsu's threshold on a histogram of `bins` equal bins: the cut between bins that
/// maximises the between-group variance, i.e. the best split of a two-mode distribution
/// into its modes. Returned as the lower edge of the upper group.
fn valley(values: &[f64], bins: usize) -> f64 {
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if hi <= lo {
        return lo;
    }
    let w = (hi - lo) / bins as f64;
    let mut counts = vec![0.0f64; bins];
    for v in values {
        counts[(((v - lo) / w) as usize).min(bins - 1)] += 1.0;
    }
    let centre = |k: usize| lo + w * (k as f64 + 0.5);
    let total: f64 = counts.iter().sum();
    let sum: f64 = counts.iter().enumerate().map(|(k, c)| c * centre(k)).sum();
    let (mut n0, mut s0) = (0.0, 0.0);
    let mut between = vec![f64::NEG_INFINITY; bins];
    for k in 1..bins {
        n0 += counts[k - 1];
        s0 += counts[k - 1] * centre(k - 1);
        let n1 = total - n0;
        if n0 > 0.0 && n1 > 0.0 {
            let (m0, m1) = (s0 / n0, (sum - s0) / n1);
            between[k] = n0 * n1 * (m0 - m1) * (m0 - m1);
        }
    }
    let best = between.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // cuts inside an empty gap score the same: take the middle of the best run
    let ks: Vec<usize> = (1..bins)
        .filter(|k| between[*k] >= best * (1.0 - 1e-12))
        .collect();
    let k = ks.get(ks.len() / 2).copied().unwrap_or(1);
    lo + w * k as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valley_separates_two_modes() {
        let mut v: Vec<f64> = (0..200).map(|i| 0.15 + 0.1 * (i as f64 / 200.0)).collect();
        v.extend((0..80).map(|i| 0.9 + 0.09 * (i as f64 / 80.0)));
        let t = valley(&v, 50);
        assert!(t > 0.3 && t < 0.9, "{t}");
        assert!(v.iter().filter(|x| **x >= t).count() == 80);
    }
}
