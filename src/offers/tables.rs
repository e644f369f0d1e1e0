//! What a reader sees of the offers: tables in Russian.

use super::levers::{LEVERS, lever};
use super::options::LeverAssumption;
use super::plan::{
    COST_SCALES, CustomerOffer, EFFECT_SCALES, LOSS_SHARES, OfferPlan, lever_counts,
};
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

/// The offer's assumed effect in words: «Страниц_за_визит +1; …» or the switch.
fn effect_text(a: &LeverAssumption) -> String {
    if a.effect.is_empty() {
        return lever(&a.lever)
            .and_then(|l| l.target)
            .map_or("—".into(), |t| format!("перевод на «{t}»"));
    }
    a.effect
        .iter()
        .map(|e| format!("{} {:+}", e.feature, (e.change * 1e4).round() / 1e4))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The offer's cost in words: «0.05» or «0.05 + 10 % месячной прибыли».
fn cost_text(a: &LeverAssumption) -> String {
    if a.discount > 0.0 {
        format!(
            "{} + {} месячной прибыли",
            format_real(a.cost),
            pct(a.discount)
        )
    } else {
        format_real(a.cost)
    }
}

fn group_title(segment: &str) -> String {
    match segment {
        "at_risk" => "все под риском".to_string(),
        "eligible" => "все с окупаемым предложением".to_string(),
        s => crate::segment::SegmentKind::parse(s).map_or(s.to_string(), |k| k.title()),
    }
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

    /// Each offer's assumed effect in the features' units, its cost and why (the
    /// justification of the catalogue's default).
    pub fn assumptions_table(&self) -> Table {
        let unit = &self.assumptions.profit_unit;
        let rows = self
            .assumptions
            .levers
            .iter()
            .map(|a| {
                let l = lever(&a.lever);
                vec![
                    title(&a.lever),
                    effect_text(a),
                    cost_text(a),
                    l.map_or("", |l| l.why).to_string(),
                ]
            })
            .collect();
        Table::from_rows(
            vec![
                "рычаг".into(),
                "допущение: действие предложения (в единицах признака, не дальше типичного уровня)"
                    .into(),
                format!("стоимость на покупателя, {unit}"),
                "почему так (значение по умолчанию)".into(),
            ],
            rows,
        )
        .title("Допущения о предложениях")
    }

    /// Money of the at-risk customers, of those below the threshold, of everyone and of
    /// each segment.
    pub fn money_table(&self) -> Table {
        let unit = &self.assumptions.profit_unit;
        let mut rows = vec![
            ("все под риском".to_string(), &self.total),
            ("ниже порога риска".to_string(), &self.below_threshold),
            ("все покупатели".to_string(), &self.everyone),
        ];
        rows.extend(self.by_segment.iter().map(|s| (s.title.clone(), &s.money)));
        Table::from_rows(
            vec![
                "группа".into(),
                "покупателей".into(),
                format!("прибыль в месяц, {unit}"),
                format!(
                    "ожидаемая потеря за {:.0} мес., {unit}",
                    self.assumptions.horizon_months
                ),
                "получают предложение".into(),
                format!("затраты на предложения, {unit}"),
                format!("ожидаемый эффект за вычетом затрат, {unit}"),
            ],
            rows.into_iter()
                .map(|(name, m)| {
                    vec![
                        name,
                        m.customers.to_string(),
                        money(m.profit_month),
                        money(m.expected_loss),
                        m.targeted.to_string(),
                        money(m.cost),
                        money(m.net_gain),
                    ]
                })
                .collect(),
        )
        .title(format!(
            "Деньги под риском и ожидаемый эффект предложений (сценарий модели: потеря {:.0} % прибыли, действие и стоимость предложений — из допущений)",
            self.assumptions.loss_share * 100.0
        ))
    }

    /// Per segment, how many customers get each lever as their offer.
    pub fn lever_distribution_table(&self) -> Table {
        let mut ids: Vec<&str> = LEVERS
            .iter()
            .filter(|l| l.actionable)
            .map(|l| l.id)
            .collect();
        ids.push("none");
        let mut header = vec!["сегмент".to_string(), "покупателей".to_string()];
        header.extend(ids.iter().map(|id| title(id)));
        let rows = self
            .by_segment
            .iter()
            .map(|s| {
                let mut row = vec![s.title.clone(), s.money.customers.to_string()];
                row.extend(ids.iter().map(|id| {
                    s.levers
                        .iter()
                        .find(|l| l.lever == *id)
                        .map_or("0".to_string(), |l| l.customers.to_string())
                }));
                row
            })
            .collect();
        Table::from_rows(header, rows).title("Рычаг предложения по сегментам (покупателей)")
    }

    /// How often each lever is the top reason of an at-risk customer: all of its
    /// features together, one feature at a time; and how often it is the offer.
    pub fn top_reasons_table(&self) -> Table {
        let offers = lever_counts(self.all.iter().filter(|c| c.at_risk));
        let rows = self
            .top_reasons
            .iter()
            .map(|r| {
                vec![
                    title(r.lever),
                    r.by_lever.to_string(),
                    r.by_feature.to_string(),
                    offers
                        .iter()
                        .find(|l| l.lever == r.lever)
                        .map_or("—".to_string(), |l| l.customers.to_string()),
                ]
            })
            .collect();
        Table::from_rows(
            [
                "рычаг",
                "главная причина: все признаки рычага вместе",
                "главная причина: по одному признаку",
                "выбран как предложение",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title(format!(
            "Главная причина риска у {} под риском — двумя способами",
            labels::CUSTOMER.count_of(self.total.customers as u64)
        ))
    }

    /// The `n` at-risk customers with the largest expected loss: reasons, offer, money.
    pub fn customers_table(&self, n: usize) -> Table {
        let unit = &self.assumptions.profit_unit;
        let mut at_risk: Vec<&CustomerOffer> = self.all.iter().filter(|c| c.at_risk).collect();
        at_risk.sort_by(|a, b| {
            b.expected_loss
                .total_cmp(&a.expected_loss)
                .then(a.id.cmp(&b.id))
        });
        let rows = at_risk
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
                    if c.targeted() {
                        c.offer.clone().unwrap_or_default()
                    } else {
                        "— (ни одно не окупается)".into()
                    },
                    if c.targeted() {
                        pp(c.effect)
                    } else {
                        "—".into()
                    },
                    if c.targeted() {
                        format!("{:.2}", c.expected_gain)
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
                "причины (вклад рычага в вероятность)".into(),
                "согласие".into(),
                "предложение (наибольший чистый эффект)".into(),
                "снижение вероятности от предложения".into(),
                format!("эффект за вычетом стоимости, {unit}"),
            ],
            rows,
        )
        .title(format!(
            "{} под риском с наибольшей ожидаемой потерей прибыли",
            labels::CUSTOMER.count(n as u64)
        ))
    }

    /// Offers and net gain under other effect sizes, costs and loss shares.
    pub fn sensitivity_table(&self) -> Table {
        let unit = &self.assumptions.profit_unit;
        let mut header = vec![
            "действие предложений ×".to_string(),
            "стоимость ×".to_string(),
        ];
        header.extend(
            LOSS_SHARES
                .iter()
                .map(|l| format!("потеря {}: предложений; эффект, {unit}", pct(*l))),
        );
        let rows = EFFECT_SCALES
            .iter()
            .flat_map(|e| COST_SCALES.iter().map(move |c| (*e, *c)))
            .map(|(e, c)| {
                let mut row = vec![format_real(e), format_real(c)];
                row.extend(LOSS_SHARES.iter().map(|l| {
                    self.sensitivity
                        .iter()
                        .find(|s| s.effect_scale == e && s.cost_scale == c && s.loss_share == *l)
                        .map_or("—".to_string(), |s| {
                            format!("{}; {}", s.targeted, money(s.net_gain))
                        })
                }));
                row
            })
            .collect();
        Table::from_rows(header, rows).title(
            "Чувствительность ответа к допущениям: все покупатели, предложение — только если окупается",
        )
    }

    /// The A/B plans: the main segment, all at-risk customers, every customer with an
    /// offer — sized for the break-even drop and for the scenario.
    pub fn ab_table(&self) -> Table {
        let power = |v: Option<f64>| v.map_or("—".into(), |p| format!("{p:.2}"));
        let n = |v: Option<u64>| v.map_or("—".into(), |n| n.to_string());
        let rows = [&self.ab_test, &self.ab_test_at_risk, &self.ab_test_eligible]
            .iter()
            .map(|a| {
                vec![
                    group_title(&a.segment),
                    a.segment_size.to_string(),
                    pct(a.p_control),
                    pct(a.actual_decline_rate),
                    pp(a.break_even_drop),
                    n(a.n_per_arm_break_even),
                    power(a.exact_power_break_even),
                    pct(a.p_treatment),
                    n(a.n_per_arm),
                    power(a.exact_power),
                    power(a.power_at_size_break_even),
                    if a.enough { "да" } else { "нет" }.to_string(),
                ]
            })
            .collect();
        Table::from_rows(
            [
                "группа",
                "покупателей с предложением",
                "снижение без предложения (прогноз)",
                "снижение в данных",
                "точка окупаемости: снижение на",
                "нужно в каждую группу (окупаемость)",
                "точная мощность Фишера при этом",
                "снижение с предложением (сценарий модели)",
                "нужно в каждую группу (сценарий)",
                "точная мощность Фишера при этом",
                "мощность для окупаемости при делении группы пополам",
                "хватает для окупаемости",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title(format!(
            "План A/B-теста: α = {}, мощность {} (размер — по нормальному приближению, мощность — точная)",
            format_real(self.assumptions.alpha),
            format_real(self.assumptions.power)
        ))
    }

    /// What each plan advises (Russian).
    pub fn ab_advice(&self) -> String {
        [&self.ab_test, &self.ab_test_at_risk, &self.ab_test_eligible]
            .iter()
            .map(|a| format!("{}: {}", group_title(&a.segment), a.advice))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The analysis plan of the main segment's test, stated before the data exist.
    pub fn analysis_table(&self) -> Table {
        let a = &self.ab_test;
        Table::from_rows(
            ["пункт", "план"].map(String::from).to_vec(),
            a.analysis
                .rows_ru(a.break_even_drop)
                .into_iter()
                .map(|(k, v)| vec![k, v])
                .collect(),
        )
        .title("План анализа A/B-теста (фиксируется до получения данных)")
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
            CUSTOMER.count(self.total.customers as u64),
            money(self.total.profit_month),
            a.loss_share * 100.0,
            crate::labels::MONTH.count(a.horizon_months.round() as u64),
            money(self.total.expected_loss),
            if unit.ends_with('.') { "" } else { "." }
        ));
        s.push_str(&format!(
            "В главном сегменте «{}» — {}; чаще всего окупаемое предложение по рычагу {}.\n",
            main.title,
            CUSTOMER.count(main.money.customers as u64),
            top
        ));
        s.push_str(&format!(
            "Окупаемое предложение получают {} под риском (ожидаемый эффект за вычетом затрат {} {unit}) и ещё {} ниже порога риска ({} {unit}); сценарий модели при допущениях о действии и стоимости предложений, не причинный эффект.\n",
            CUSTOMER.count(self.total.targeted as u64),
            money(self.total.net_gain),
            CUSTOMER.count(self.below_threshold.targeted as u64),
            money(self.below_threshold.net_gain)
        ));
        let ab = &self.ab_test;
        s.push_str(&format!(
            "A/B-тест в главном сегменте: предложения окупаются при снижении доли «Снизилась» на {}; {}.\n",
            pp(ab.break_even_drop),
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
