//! What a reader sees of the offers: tables in Russian.

use super::levers::{LEVERS, lever};
use super::plan::OfferPlan;
use crate::display::{Table, format_real};
use crate::labels;

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

fn pp(v: f64) -> String {
    format!("{:.1} п. п.", v * 100.0)
}

fn money(v: f64) -> String {
    format!("{v:.1}")
}

fn title(id: &str) -> String {
    lever(id).map_or_else(
        || "нет окупаемого предложения".to_string(),
        |l| l.title.to_string(),
    )
}

impl OfferPlan {
    /// The catalogue: lever, features, the side that signals risk, actionable, consent,
    /// offer.
    pub fn levers_table(&self) -> Table {
        let rows = LEVERS
            .iter()
            .map(|l| {
                vec![
                    l.title.to_string(),
                    l.features.join(", "),
                    l.risk_when.to_string(),
                    if l.actionable { "да" } else { "нет" }.to_string(),
                    if l.needs_consent { "да" } else { "нет" }.to_string(),
                    if l.actionable {
                        l.offer.replace("{category}", "…")
                    } else {
                        "— (причина, не предложение)".into()
                    },
                ]
            })
            .collect();
        Table::from_rows(
            [
                "рычаг",
                "признаки модели",
                "риск, когда",
                "управляемый",
                "нужно согласие на сообщения",
                "предложение",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title("Рычаги: на что магазин может повлиять")
    }

    /// Money of all at-risk customers and of each segment.
    pub fn money_table(&self) -> Table {
        let unit = &self.assumptions.profit_unit;
        let mut rows = vec![("все под риском".to_string(), &self.total)];
        rows.extend(self.by_segment.iter().map(|s| (s.title.clone(), &s.money)));
        Table::from_rows(
            vec![
                "группа".into(),
                "покупателей под риском".into(),
                format!("прибыль в месяц, {unit}"),
                format!("ожидаемая потеря за {:.0} мес., {unit}", self.assumptions.horizon_months),
                "окупаемых предложений".into(),
                format!("ожидаемый эффект за вычетом затрат, {unit}"),
            ],
            rows.into_iter()
                .map(|(name, m)| {
                    vec![
                        name,
                        m.at_risk.to_string(),
                        money(m.profit_month),
                        money(m.expected_loss),
                        m.targeted.to_string(),
                        money(m.net_gain),
                    ]
                })
                .collect(),
        )
        .title(format!(
            "Деньги под риском и ожидаемый эффект предложений (сценарий модели: потеря {:.0} % прибыли, сдвиг рычага {:.0} %, стоимость {} {unit})",
            self.assumptions.loss_share * 100.0,
            self.assumptions.lever_shift * 100.0,
            format_real(self.assumptions.offer_cost)
        ))
    }

    /// Per segment, how many at-risk customers get each lever as their offer.
    pub fn lever_distribution_table(&self) -> Table {
        let mut ids: Vec<&str> = LEVERS
            .iter()
            .filter(|l| l.actionable)
            .map(|l| l.id)
            .collect();
        ids.push("none");
        let mut header = vec!["сегмент".to_string(), "под риском".to_string()];
        header.extend(ids.iter().map(|id| title(id)));
        let rows = self
            .by_segment
            .iter()
            .map(|s| {
                let mut row = vec![s.title.clone(), s.money.at_risk.to_string()];
                row.extend(ids.iter().map(|id| {
                    s.levers
                        .iter()
                        .find(|l| l.lever == *id)
                        .map_or("0".to_string(), |l| l.customers.to_string())
                }));
                row
            })
            .collect();
        Table::from_rows(header, rows).title("Главный рычаг предложения по сегментам (покупателей)")
    }

    /// The `n` at-risk customers with the largest expected loss: reasons, offer, money.
    pub fn customers_table(&self, n: usize) -> Table {
        let unit = &self.assumptions.profit_unit;
        let rows = self
            .customers
            .iter()
            .take(n)
            .map(|c| {
                let reasons: Vec<String> = c
                    .reasons
                    .iter()
                    .map(|r| format!("{} (+{})", title(r.lever), pp(r.effect)))
                    .collect();
                vec![
                    c.id.to_string(),
                    format!("{:.2}", c.probability),
                    money(c.profit),
                    money(c.expected_loss),
                    reasons.join("; "),
                    if c.consent { "да" } else { "нет" }.to_string(),
                    c.offer.clone().unwrap_or_else(|| "—".into()),
                    if c.lever.is_some() {
                        money(c.expected_gain)
                    } else {
                        "—".into()
                    },
                ]
            })
            .collect();
        Table::from_rows(
            vec![
                "id".into(),
                "вероятность снижения".into(),
                format!("прибыль в месяц, {unit}"),
                format!("ожидаемая потеря, {unit}"),
                "причины (вклад в вероятность)".into(),
                "согласие".into(),
                "предложение".into(),
                format!("ожидаемый эффект, {unit}"),
            ],
            rows,
        )
        .title(format!(
            "{} с наибольшей ожидаемой потерей прибыли",
            labels::CUSTOMER.count(n as u64)
        ))
    }

    /// Net gain and targeted customers under other loss shares and lever shifts.
    pub fn sensitivity_table(&self) -> Table {
        let unit = &self.assumptions.profit_unit;
        let rows = self
            .sensitivity
            .iter()
            .map(|s| {
                vec![
                    pct(s.loss_share),
                    pct(s.lever_shift),
                    money(s.expected_loss),
                    s.targeted.to_string(),
                    money(s.net_gain),
                ]
            })
            .collect();
        Table::from_rows(
            vec![
                "доля потерянной прибыли".into(),
                "сдвиг рычага".into(),
                format!("ожидаемая потеря, {unit}"),
                "окупаемых предложений".into(),
                format!("эффект за вычетом затрат, {unit}"),
            ],
            rows,
        )
        .title("Чувствительность ответа к допущениям")
    }

    /// The A/B plans of the main segment and of all at-risk customers.
    pub fn ab_table(&self) -> Table {
        let rows = [&self.ab_test, &self.ab_test_at_risk]
            .iter()
            .map(|a| {
                vec![
                    if a.segment == "at_risk" {
                        "все под риском".to_string()
                    } else {
                        crate::segment::SegmentKind::parse(&a.segment)
                            .map_or(a.segment.clone(), |k| k.title())
                    },
                    a.segment_size.to_string(),
                    pct(a.p_control),
                    pct(a.actual_decline_rate),
                    pct(a.p_treatment),
                    a.n_per_arm.map_or("—".into(), |n| n.to_string()),
                    if a.enough { "да" } else { "нет" }.to_string(),
                    a.detectable_drop_at_size.map_or("—".into(), pp),
                    a.advice.clone(),
                ]
            })
            .collect();
        Table::from_rows(
            [
                "группа",
                "покупателей",
                "снижение без предложения (прогноз)",
                "снижение в данных",
                "снижение с предложением (сценарий)",
                "нужно в каждую группу",
                "хватает",
                "минимальный обнаруживаемый эффект при делении пополам",
                "что делать",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title(format!(
            "План A/B-теста: α = {}, мощность {}",
            format_real(self.assumptions.alpha),
            format_real(self.assumptions.power)
        ))
    }

    /// Main segment: those who declined against those who held, by feature.
    pub fn contrast_table(&self) -> Table {
        let rows = self
            .main_contrast
            .iter()
            .map(|c| {
                vec![
                    c.feature.clone(),
                    format_real((c.declined * 1000.0).round() / 1000.0),
                    format_real((c.held * 1000.0).round() / 1000.0),
                    format!("{:+.2}", c.diff_sd),
                ]
            })
            .collect();
        Table::from_rows(
            [
                "признак",
                "активность снизилась",
                "прежний уровень",
                "разница, σ",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title("Главный сегмент изнутри: чем снизившиеся отличаются от удержавшихся")
    }

    /// Promo dependence of the at-risk customers by favourite category.
    pub fn category_table(&self) -> Table {
        let rows = self
            .by_category
            .iter()
            .map(|n| {
                vec![
                    n.category.clone(),
                    n.at_risk.to_string(),
                    n.promo_dependent.to_string(),
                    pct(super::plan::share(n)),
                ]
            })
            .collect();
        Table::from_rows(
            ["категория", "под риском", "зависимы от акций", "доля"]
                .map(String::from)
                .to_vec(),
            rows,
        )
        .title(format!(
            "Зависимость от акций среди покупателей под риском по категориям (всего {})",
            pct(self.by_category.first().map_or(0.0, |n| n.overall_share))
        ))
    }

    /// The notebook's answer in Russian sentences, every number from this plan.
    pub fn summary(&self) -> String {
        use crate::labels::CUSTOMER;
        let a = &self.assumptions;
        let unit = &a.profit_unit;
        let main = &self.by_segment[0];
        let mut s = String::new();
        let top = main
            .levers
            .iter()
            .find(|l| l.lever != "none")
            .map_or("—".to_string(), |l| {
                format!(
                    "«{}» ({})",
                    title(l.lever),
                    CUSTOMER.count(l.customers as u64)
                )
            });
        s.push_str(&format!(
            "Под риском — {}, их прибыль {} {unit} в месяц; при потере {:.0} % прибыли за {} ожидаемая потеря — {} {unit}{}\n",
            CUSTOMER.count(self.total.at_risk as u64),
            money(self.total.profit_month),
            a.loss_share * 100.0,
            crate::labels::MONTH.count(a.horizon_months.round() as u64),
            money(self.total.expected_loss),
            if unit.ends_with('.') { "" } else { "." }
        ));
        s.push_str(&format!(
            "В главном сегменте «{}» — {} под риском; чаще всего предложение по рычагу {}.\n",
            main.title,
            CUSTOMER.count(main.money.at_risk as u64),
            top
        ));
        s.push_str(&format!(
            "Окупаемое предложение получают {}; ожидаемый эффект за вычетом затрат — {} {unit} (сценарий модели при сдвиге рычага на {:.0} % и стоимости {} {unit}; не причинный эффект).\n",
            CUSTOMER.count(self.total.targeted as u64),
            money(self.total.net_gain),
            a.lever_shift * 100.0,
            format_real(a.offer_cost)
        ));
        let ab = &self.ab_test;
        s.push_str(&format!(
            "A/B-тест в главном сегменте: {}.\n",
            ab.sizes_ru()
        ));
        match &self.category_note {
            Some(n) => s.push_str(&format!(
                "Категория «{}»: зависимы от акций {} из {} под риском — для них персональные промокоды на эту категорию вместо общих распродаж.\n",
                n.category, n.promo_dependent, n.at_risk
            )),
            None => s.push_str("Ни одна категория не выделяется зависимостью от акций: отдельной категорийной рекомендации нет.\n"),
        }
        s
    }
}
