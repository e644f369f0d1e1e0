//! The exploring design: each customer's lever drawn at random among the levers allowed
//! for them, so that every lever's effect is identified for the customers it may be
//! offered to (what `oneclick learn` needs), not only for those its what-if chose.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use std::collections::BTreeMap;

use crate::evaluate::{Arm, Assignment};
use crate::offers::LEVERS;
use crate::score::{SavedModel, Scores};

/// Draws every scored customer's lever uniformly among the levers the model's
/// assumptions offer and the customer's consent allows (one ChaCha8 stream of `seed`,
/// apart from the arms' streams, in snapshot order), and sets the row's lever, its cost
/// and an expected gain of 0 (no scenario chose it). Returns each consent group's
/// assignment probabilities at the test share `share`.
pub(super) fn assign(
    model: &SavedModel,
    scores: &mut Scores,
    seed: u64,
    share: f64,
) -> Vec<Assignment> {
    let allowed = |consent: bool| -> Vec<u8> {
        model
            .assumptions
            .levers
            .iter()
            .filter_map(|a| LEVERS.iter().position(|l| l.id == a.lever))
            .filter(|k| consent || !LEVERS[*k].needs_consent)
            .map(|k| k as u8)
            .collect()
    };
    let groups = [allowed(false), allowed(true)];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::MAX);
    let mut counts = [0usize; 2];
    for r in &mut scores.rows {
        let levers = &groups[usize::from(r.consent)];
        if levers.is_empty() {
            r.lever = None;
            r.expected_gain = 0.0;
            r.offer_cost = 0.0;
            continue;
        }
        let k = levers[rng.gen_range(0..levers.len())];
        counts[usize::from(r.consent)] += 1;
        r.lever = Some(k);
        r.expected_gain = 0.0;
        r.offer_cost = model
            .assumptions
            .levers
            .iter()
            .find(|a| a.lever == LEVERS[usize::from(k)].id)
            .map_or(0.0, |a| a.cost_for(r.profit));
    }
    [false, true]
        .into_iter()
        .filter(|c| counts[usize::from(*c)] > 0)
        .map(|consent| {
            let levers = &groups[usize::from(consent)];
            Assignment {
                consent,
                levers: levers
                    .iter()
                    .map(|k| LEVERS[usize::from(*k)].id.to_string())
                    .collect(),
                test_per_lever: share / levers.len() as f64,
                control: 1.0 - share,
                customers: counts[usize::from(consent)],
            }
        })
        .collect()
}

/// What each lever's customers were chosen on: `random` when exploring, else `what_if`
/// (the scored offers; `oneclick learn`'s choice marks its levers `measured`).
pub(super) fn basis_of(
    scores: &Scores,
    arms: &[Option<Arm>],
    explore: bool,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (r, a) in scores.rows.iter().zip(arms) {
        if let (Some(_), Some(l)) = (a, r.lever) {
            let basis = if explore {
                "random"
            } else if r.measured {
                "measured"
            } else {
                "what_if"
            };
            out.insert(LEVERS[usize::from(l)].id.to_string(), basis.to_string());
        }
    }
    out
}

impl super::CampaignRun {
    /// An exploring campaign's assignment: per consent group, the levers drawn among, each
    /// lever's and the control arm's probability, the customers (empty for an offer
    /// campaign).
    pub fn assignment_table(&self) -> crate::display::Table {
        let pct = |v: f64| crate::labels::decimal_comma(&format!("{:.1} %", v * 100.0));
        let rows = self
            .plan
            .assignment
            .iter()
            .map(|a| {
                vec![
                    if a.consent { "да" } else { "нет" }.to_string(),
                    a.customers.to_string(),
                    a.levers
                        .iter()
                        .map(|l| crate::offers::lever(l).map_or(l.as_str(), |x| x.title))
                        .collect::<Vec<_>>()
                        .join(", "),
                    pct(a.test_per_lever),
                    pct(a.control),
                ]
            })
            .collect();
        let mut t = crate::display::Table::from_rows(
            [
                "согласие на сообщения",
                "покупателей",
                "рычаги жребия",
                "вероятность каждого рычага",
                "вероятность контроля",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        );
        t.title = Some("Исследующая кампания: рычаг по жребию среди разрешённых покупателю".into());
        t
    }
}
