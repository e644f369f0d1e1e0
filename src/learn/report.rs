//! What `learn` writes and what a reader sees: the files, and the tables in Russian.

use super::Learned;
use crate::display::Table;
use crate::error::Result;

/// A number with a decimal comma and `d` decimals (`—` for NaN).
fn num(v: f64, d: usize) -> String {
    if v.is_nan() {
        "—".to_string()
    } else {
        crate::labels::decimal_comma(&format!("{v:.d$}"))
    }
}

/// Percentage points of a probability, one decimal.
fn pp(v: f64) -> String {
    num(v * 100.0, 1)
}

/// `v [lo; hi]`.
fn interval(e: &crate::evaluate::Estimate, f: &dyn Fn(f64) -> String) -> String {
    if e.value.is_nan() {
        "—".to_string()
    } else {
        format!("{} [{}; {}]", f(e.value), f(e.ci_low), f(e.ci_high))
    }
}

/// A lever's Russian title.
pub fn lever_title(id: &str) -> String {
    crate::offers::lever(id).map_or_else(|| id.to_string(), |l| l.title.to_string())
}

/// A policy's Russian name.
pub fn policy_title(name: &str) -> String {
    match name {
        "nobody" => "никому".into(),
        "random" => "по жребию (как в тесте)".into(),
        "what_if" => "по «что, если» модели".into(),
        "learned_t" => "выученная (T-learner)".into(),
        "learned_dr" => "выученная (DR-learner)".into(),
        other => match other.strip_prefix("all:") {
            Some(l) => format!("всем: {}", lever_title(l).to_lowercase()),
            None => other.to_string(),
        },
    }
}

impl Learned {
    /// Per lever: customers in its arms, the measured average effect, the raw difference,
    /// the uplift measures.
    pub fn levers_table(&self) -> Table {
        let rows = self
            .levers
            .iter()
            .map(|r| {
                vec![
                    lever_title(&r.lever),
                    r.treated.to_string(),
                    r.control.to_string(),
                    interval(&r.average, &pp),
                    pp(r.difference),
                    num(r.qini, 4),
                    num(r.auuc, 4),
                    num(r.uplift_at_k, 3),
                ]
            })
            .collect();
        let mut t = Table::from_rows(
            [
                "рычаг",
                "получили",
                "контроль",
                "эффект на вероятность снижения, п. п. [95 % интервал]",
                "разность долей «Снизилась», п. п.",
                "Qini",
                "AUUC",
                "uplift@k",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        );
        t.title = Some("Что измерил тест: средний эффект каждого рычага (двойная устойчивость) и качество ранжирования DR-learner".into());
        t
    }

    /// Per lever: what the what-if promised to the customers it chose, and what the test
    /// measured among them.
    pub fn promise_table(&self) -> Table {
        let rows = self
            .levers
            .iter()
            .map(|r| {
                vec![
                    lever_title(&r.lever),
                    r.what_if_customers.to_string(),
                    pp(-r.what_if_promised),
                    interval(&r.what_if_measured, &pp),
                ]
            })
            .collect();
        let mut t = Table::from_rows(
            [
                "рычаг",
                "выбран «что, если» для",
                "обещано, п. п.",
                "измерено у них, п. п. [95 % интервал]",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        );
        t.title = Some("Обещание модели против теста: изменение вероятности снижения у покупателей, которым «что, если» выбрал рычаг".into());
        t
    }

    /// The Qini curve of each lever's DR-learner ranking with its bootstrap band (the
    /// outcome «activity held»; a curve above the dashed line ranks better than chance).
    pub fn qini_figure(&self) -> Result<crate::display::Figure> {
        let panels: Vec<crate::plot::QiniPanel> = self
            .levers
            .iter()
            .map(|r| {
                let b = &r.qini_curve;
                (
                    lever_title(&r.lever),
                    b.share.clone(),
                    b.value.clone(),
                    b.low.clone(),
                    b.high.clone(),
                )
            })
            .collect();
        crate::plot::qini_curves(
            &panels,
            "Кривые Qini: удержанных сверх случайного на покупателя, по доле охваченных (полоса — 95 % бутстреп)",
        )
    }

    /// Per policy: customers with an offer, its value per customer, its gain over no
    /// offers.
    pub fn policies_table(&self) -> Table {
        let rows = self
            .policies
            .iter()
            .map(|p| {
                let money = |v: f64| num(v, 3);
                vec![
                    policy_title(&p.policy),
                    p.treated.to_string(),
                    money(p.value.doubly_robust.value),
                    money(p.value.ipw.value),
                    interval(&p.gain, &money),
                ]
            })
            .collect();
        let mut t = Table::from_rows(
            [
                "политика",
                "получают предложение",
                "прибыль на покупателя за горизонт (DR)",
                "то же (IPW)",
                "выгода против «никому» [95 % интервал]",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        );
        t.title = Some("Ценность политик на тесте: прибыль за горизонт за вычетом стоимости предложений, на покупателя".into());
        t
    }
    /// `learn.json`: the levers, the policies, the measured loss share, the learner and
    /// the levers the learned policy no longer offers.
    pub fn report_json(&self) -> Result<Vec<u8>> {
        let not_offered = self.effects.not_offered();
        let mut bytes = serde_json::to_vec_pretty(&serde_json::json!({
            "learner": self.effects.learner,
            "loss_share": self.loss_share,
            "with_outcome": self.with_outcome,
            "missing": self.missing,
            "not_offered": not_offered,
            "campaign_sha256": self.effects.campaign_sha256,
            "levers": self.levers,
            "policies": self.policies,
        }))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// `customers.csv`: `id,lever,t_learner,dr_learner,dr_low,dr_high`, one row per
    /// customer and lever they may get.
    pub fn customers_csv(&self) -> Vec<u8> {
        let mut out = String::from("id,lever,t_learner,dr_learner,dr_low,dr_high\n");
        for c in &self.customers {
            out.push_str(&format!(
                "{},{},{:.6},{:.6},{:.6},{:.6}\n",
                c.id, c.lever, c.t_learner, c.dr_learner, c.dr_low, c.dr_high
            ));
        }
        out.into_bytes()
    }

    /// The three files `oneclick learn` writes into `dir`: `effects.json` (for `campaign
    /// --effects`), `learn.json`, `customers.csv`.
    pub fn outputs(dir: &std::path::Path) -> [std::path::PathBuf; 3] {
        [
            dir.join("effects.json"),
            dir.join("learn.json"),
            dir.join("customers.csv"),
        ]
    }

    /// Writes [`outputs`](Self::outputs) as one set (all or nothing).
    pub fn write(&self, dir: &std::path::Path) -> Result<()> {
        let [effects, report, customers] = Self::outputs(dir);
        let mut e = serde_json::to_vec(&self.effects)?;
        e.push(b'\n');
        crate::io::write_set(&[
            (effects, e),
            (report, self.report_json()?),
            (customers, self.customers_csv()),
        ])
    }
}
