//! The evaluation as a Russian table.

use super::{Evaluation, p_text};

impl Evaluation {
    /// The comparison as a Russian table: overall first, then each lever by its id.
    pub fn table(&self) -> crate::display::Table {
        self.table_titled(&|id| id.to_string())
    }

    /// [`table`](Self::table) with each lever named by `title(id)`.
    pub fn table_titled(&self, title: &dyn Fn(&str) -> String) -> crate::display::Table {
        let f = |v: f64, d: usize| {
            if v.is_nan() {
                "—".to_string()
            } else {
                crate::labels::decimal_comma(&format!("{v:.d$}"))
            }
        };
        let pp = |v: f64| f(v * 100.0, 1);
        let interval = |v: String, lo: String, hi: String| {
            if v == "—" {
                v
            } else {
                format!("{v} [{lo}; {hi}]")
            }
        };
        let rows = std::iter::once(&self.overall)
            .chain(&self.by_lever)
            .map(|c| {
                // a lever below the plan's minimum is read only within all levers: its
                // interval from a handful of customers is not shown
                let hidden = c.decision == super::Decision::TooFew;
                let none = super::Estimate::NONE;
                let a = if hidden {
                    &none
                } else {
                    &c.adjusted_difference
                };
                let g = if hidden { &none } else { &c.adjusted_net_gain };
                vec![
                    c.lever
                        .as_deref()
                        .map_or_else(|| "все рычаги".into(), title),
                    format!(
                        "{} из {} ({} %)",
                        c.test.declined,
                        c.test.n,
                        pp(c.test.rate)
                    ),
                    format!(
                        "{} из {} ({} %)",
                        c.control.declined,
                        c.control.n,
                        pp(c.control.rate)
                    ),
                    format!("{} [{}; {}]", pp(c.difference), pp(c.ci_low), pp(c.ci_high)),
                    interval(pp(a.value), pp(a.ci_low), pp(a.ci_high)),
                    interval(f(g.value, 1), f(g.ci_low, 1), f(g.ci_high, 1)),
                    if c.p_value_holm.is_nan() {
                        "—".into()
                    } else {
                        p_text(c.p_value_holm)
                    },
                    c.decision.name_ru().to_string(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(
            [
                "рычаг",
                "«Снизилась», опытная",
                "«Снизилась», контрольная",
                "разность без поправки, п. п. [95 % ДИ Ньюкомба]",
                "разность по стратам с поправкой, п. п. [95 % ДИ]",
                "выгода за горизонт после затрат, с поправкой [95 % ДИ]",
                "p (выгода > 0, поправка Холма)",
                "решение",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        )
        .title("Итоги A/B-теста: опытная группа против контрольной (ушедшие считаются снизившими активность)")
    }
}
