//! Who to act on: out-of-fold probabilities of decline for every customer, joined with
//! profit, cut into segments with thresholds taken from the data, profiled against
//! everyone else, and given an offer grounded in how the segment differs.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::display::{Figure, Table};
use crate::error::{Error, Result};
use crate::merge::ModelTable;
use crate::model::Pipeline;
use crate::schema;
use crate::search::{cross_val_predict, stratified_kfold};

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

/// One segment: a rule over the scored customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Segment {
    /// Identifier (`high_risk_high_profit`, …).
    pub name: String,
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
    /// The personalised offer (Russian), from the features where the segment differs.
    pub offer: String,
    /// Positions (into the model table) of its customers.
    #[serde(skip)]
    pub members: Vec<usize>,
}

/// Everything segmentation produced.
#[derive(Debug, Clone)]
pub struct Segmentation {
    /// id, P(«Снизилась») (out of fold), the target, profit, expected profit at risk,
    /// and every feature: one row per customer.
    pub frame: DataFrame,
    /// The thresholds.
    pub thresholds: Thresholds,
    /// The segments, the main one (high risk × high profit) first.
    pub segments: Vec<Segment>,
}

/// One feature of a segment profile: `(feature, mean in the segment, mean among the
/// others, difference in %, difference in standard deviations of the feature)`.
pub type ProfileRow = (String, f64, f64, f64, f64);

/// Column of the out-of-fold probability in [`Segmentation::frame`].
pub const PROBABILITY: &str = "Вероятность_снижения";
/// Column of P × profit in [`Segmentation::frame`].
pub const PROFIT_AT_RISK: &str = "Прибыль_под_риском";

impl Segmentation {
    /// Out-of-fold probabilities of `pipeline` (5 stratified folds over all customers,
    /// seeded), then the segments with `risk` as the risk threshold and the profit
    /// threshold at `profit_quantile`.
    pub fn run(
        table: &ModelTable,
        pipeline: &Pipeline,
        risk: f64,
        profit_quantile: f64,
        seed: u64,
    ) -> Result<Segmentation> {
        let y = table.target()?;
        let folds = stratified_kfold(&y, 5, seed)?;
        let p = cross_val_predict(
            &pipeline.with_probability(seed),
            &table.features()?,
            &y,
            &folds,
        )?;
        Segmentation::from_probabilities(table, &p, risk, profit_quantile)
    }

    /// Segments customers scored with probabilities `p` (one per model-table row).
    pub fn from_probabilities(
        table: &ModelTable,
        p: &[f64],
        risk: f64,
        profit_quantile: f64,
    ) -> Result<Segmentation> {
        if p.len() != table.height() {
            return Err(Error::InvalidArgument(format!(
                "{} probabilities for {} customers",
                p.len(),
                table.height()
            )));
        }
        let profit = table.profit_values()?;
        let mut sorted = profit.clone();
        sorted.sort_by(f64::total_cmp);
        let promo: Vec<f64> = numeric(&table.frame, schema::PROMO_SHARE)?;
        let thresholds = Thresholds {
            risk,
            profit: crate::stats::quantile_sorted(&sorted, profit_quantile),
            profit_quantile,
            promo: valley(&promo, 50),
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
        };
        s.segments = s.build()?;
        Ok(s)
    }

    fn build(&self) -> Result<Vec<Segment>> {
        let t = &self.thresholds;
        let p = numeric(&self.frame, PROBABILITY)?;
        let profit = numeric(&self.frame, schema::PROFIT)?;
        let promo = numeric(&self.frame, schema::PROMO_SHARE)?;
        let category = text(&self.frame, schema::POPULAR_CATEGORY)?;
        let n = p.len();
        let at_risk = |i: usize| p[i] >= t.risk;
        let mut rules: Vec<(String, String, String, Vec<usize>)> = vec![
            (
                "high_risk_high_profit".into(),
                "Высокий риск × высокая прибыль".into(),
                format!(
                    "{PROBABILITY} ≥ {:.3} и {} ≥ {:.2} (квантиль {:.2})",
                    t.risk,
                    schema::PROFIT,
                    t.profit,
                    t.profit_quantile
                ),
                (0..n)
                    .filter(|&i| at_risk(i) && profit[i] >= t.profit)
                    .collect(),
            ),
            (
                "high_risk_promo_dependent".into(),
                "Высокий риск × зависимость от акций".into(),
                format!(
                    "{PROBABILITY} ≥ {:.3} и {} ≥ {:.2}",
                    t.risk,
                    schema::PROMO_SHARE,
                    t.promo
                ),
                (0..n)
                    .filter(|&i| at_risk(i) && promo[i] >= t.promo)
                    .collect(),
            ),
        ];
        let mut cats = category.clone();
        cats.sort();
        cats.dedup();
        for c in cats {
            rules.push((
                format!("high_risk_category: {c}"),
                format!("Высокий риск × категория «{c}»"),
                format!(
                    "{PROBABILITY} ≥ {:.3} и {} = «{c}»",
                    t.risk,
                    schema::POPULAR_CATEGORY
                ),
                (0..n).filter(|&i| at_risk(i) && category[i] == c).collect(),
            ));
        }
        let y = self.frame.column(schema::TARGET)?.str()?.clone();
        rules
            .into_iter()
            .map(|(name, title, rule, members)| {
                let size = members.len();
                let declined = members
                    .iter()
                    .filter(|i| y.get(**i) == Some(schema::DECLINED))
                    .count();
                let offer = self.offer(&name, &members)?;
                Ok(Segment {
                    name,
                    title,
                    rule,
                    size,
                    share: size as f64 / n.max(1) as f64,
                    decline_rate: declined as f64 / size.max(1) as f64,
                    profit_sum: members.iter().map(|i| profit[*i]).sum(),
                    profit_at_risk: members.iter().map(|i| p[*i] * profit[*i]).sum(),
                    offer,
                    members,
                })
            })
            .collect()
    }

    /// The main segment (high risk × high profit).
    pub fn main(&self) -> &Segment {
        &self.segments[0]
    }

    /// A segment by name.
    pub fn segment(&self, name: &str) -> Option<&Segment> {
        self.segments.iter().find(|s| s.name == name)
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
            [
                "сегмент",
                "покупателей",
                "доля",
                "снизилась (факт)",
                "прибыль",
                "прибыль под риском",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title("Сегменты по ожидаемой прибыли под риском (Σ вероятность × прибыль)")
    }

    /// Every numeric feature: mean in the segment, mean among everyone else and the
    /// difference in % and in standard deviations, largest standardised difference first.
    pub fn profile(&self, name: &str) -> Result<Vec<ProfileRow>> {
        let seg = self
            .segment(name)
            .ok_or_else(|| Error::InvalidArgument(format!("no segment {name:?}")))?;
        let mut inside = vec![false; self.frame.height()];
        for i in &seg.members {
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
            let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len().max(1) as f64;
            let all = mean(&v);
            let sd = (v.iter().map(|x| (x - all) * (x - all)).sum::<f64>() / v.len().max(1) as f64)
                .sqrt();
            let (ma, mb) = (mean(&a), mean(&b));
            let pct = if mb != 0.0 {
                (ma - mb) / mb.abs() * 100.0
            } else {
                f64::NAN
            };
            let z = if sd > 0.0 { (ma - mb) / sd } else { 0.0 };
            rows.push((name, ma, mb, pct, z));
        }
        rows.sort_by(|a, b| b.4.abs().total_cmp(&a.4.abs()));
        Ok(rows)
    }

    /// [`profile`](Self::profile) as a table.
    pub fn profile_table(&self, name: &str) -> Result<Table> {
        let seg = self.segment(name).expect("profile checked the name");
        let rows = self
            .profile(name)?
            .into_iter()
            .map(|(f, a, b, pct, z)| {
                vec![
                    f,
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
        Ok(Table::from_rows(
            [
                "признак",
                "среднее в сегменте",
                "среднее у остальных",
                "разница",
                "разница, σ",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title(format!(
            "Профиль сегмента «{}» ({} покупателей) против остальных",
            seg.title, seg.size
        )))
    }

    /// The standardised differences of the segment's profile as bars.
    pub fn profile_figure(&self, name: &str) -> Result<Figure> {
        let seg = self.segment(name).expect("profile checked the name");
        let rows: Vec<(String, f64, f64)> = self
            .profile(name)?
            .into_iter()
            .filter(|r| r.0 != PROBABILITY)
            .map(|(f, _, _, _, z)| (f, z, 0.0))
            .collect();
        crate::plot::importance_bars(
            &rows,
            &format!("«{}»: чем сегмент отличается от остальных", seg.title),
            "разница средних, в стандартных отклонениях признака",
        )
    }

    /// Probability of decline against profit, one dot per customer coloured by the
    /// actual class, with the two thresholds drawn and the main segment's corner shaded.
    pub fn scatter(&self) -> Result<Figure> {
        let p = numeric(&self.frame, PROBABILITY)?;
        let profit = numeric(&self.frame, schema::PROFIT)?;
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
            "вероятность снижения (out-of-fold)",
            schema::PROFIT,
            &format!(
                "Сегмент «{}»: {} покупателей",
                self.main().title,
                self.main().size
            ),
        )
    }

    /// The offer for a segment, from its three most different features (largest
    /// standardised differences against everyone else).
    fn offer(&self, name: &str, members: &[usize]) -> Result<String> {
        if members.is_empty() {
            return Ok("сегмент пуст — предложение не требуется".into());
        }
        let mut tmp = self.clone_shallow();
        tmp.segments = vec![Segment {
            name: name.to_string(),
            title: String::new(),
            rule: String::new(),
            size: members.len(),
            share: 0.0,
            decline_rate: 0.0,
            profit_sum: 0.0,
            profit_at_risk: 0.0,
            offer: String::new(),
            members: members.to_vec(),
        }];
        let profile = tmp.profile(name)?;
        let mut parts = Vec::new();
        for (f, _, _, _, z) in profile
            .iter()
            .filter(|r| r.0 != PROBABILITY && r.0 != schema::PROFIT)
        {
            if let Some(text) = offer_for(f, *z)
                && !parts.contains(&text)
            {
                parts.push(text);
            }
            if parts.len() == 3 {
                break;
            }
        }
        if parts.is_empty() {
            parts.push(
                "общая программа удержания: персональная подборка и напоминание о магазине"
                    .to_string(),
            );
        }
        Ok(parts.join("; "))
    }

    fn clone_shallow(&self) -> Segmentation {
        Segmentation {
            frame: self.frame.clone(),
            thresholds: self.thresholds.clone(),
            segments: Vec::new(),
        }
    }
}

/// What to offer when a segment differs in `feature` by `z` standard deviations
/// (only differences of at least 0.3 σ count).
fn offer_for(feature: &str, z: f64) -> Option<String> {
    if z.abs() < 0.3 {
        return None;
    }
    let low = z < 0.0;
    let text = match (feature, low) {
        (schema::PAGES_PER_VISIT, true)
        | ("Минут_предыдущий_месяц", true)
        | ("Минут_текущий_месяц", true) => {
            "вернуть на сайт: персональная подборка товаров в рассылке и на главной странице, баллы за визит"
        }
        (schema::CATEGORIES_PER_VISIT, true) => {
            "расширить интерес: рекомендации из соседних категорий и скидка на первую покупку в новой категории"
        }
        (schema::UNPAID_ITEMS, false) => {
            "довести до покупки: напоминание о брошенной корзине и ограниченная по времени скидка на товары из корзины"
        }
        (schema::PROMO_SHARE, false) => {
            "удержать без постоянных скидок: ранний доступ к акциям и персональные промокоды на любимые категории вместо общих распродаж"
        }
        (schema::MARKETING_6M, true) | (schema::MARKETING_CURRENT, true) => {
            "восстановить контакт: чаще и персональнее коммуницировать (рассылки, push) с товарами любимой категории"
        }
        (schema::SERVICE_ERRORS, false) => {
            "извиниться за сбои: бонусные баллы и приоритетная поддержка"
        }
        ("Выручка_текущий_месяц", true)
        | ("Выручка_предыдущий_месяц", true)
        | ("Выручка_препредыдущий_месяц", true) => {
            "поднять средний чек: бесплатная доставка от порога и наборы товаров"
        }
        (schema::DURATION, true) => "закрепить новичков: приветственная программа лояльности",
        _ => return None,
    };
    Some(text.to_string())
}

fn numeric(df: &DataFrame, col: &str) -> Result<Vec<f64>> {
    let v = df.column(col)?.cast(&DataType::Float64)?;
    Ok(v.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

fn text(df: &DataFrame, col: &str) -> Result<Vec<String>> {
    Ok(df
        .column(col)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect())
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

    #[test]
    fn offers_follow_the_direction_of_the_difference() {
        assert!(
            offer_for(schema::UNPAID_ITEMS, 0.8)
                .unwrap()
                .contains("корзин")
        );
        assert!(offer_for(schema::UNPAID_ITEMS, -0.8).is_none());
        assert!(offer_for(schema::PAGES_PER_VISIT, 0.1).is_none());
    }
}
