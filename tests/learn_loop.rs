//! Issue 31's "done when", on a causal store of 20 000 customers whose seeds no other test
//! uses: an exploring campaign, its outcomes drawn from the store's true effects,
//! `learn`, then next month's store (customers the learner never saw) where the learned
//! offers are valued against the answer file — from one month's test, and from two
//! months' tests pooled (which keeps the 80 % of the oracle's gain one month does not).

use std::path::Path;

use oneclick::causal::{Answers, TESTED};
use oneclick::checked::Checked;
use oneclick::evaluate::{Campaign, Outcome};
use oneclick::learn::{LearnOptions, Learned, Month};
use oneclick::score::SavedModel;

mod common;

fn learn_month(model: &SavedModel, dir: &Path, answers: &Answers) -> Learned {
    let (campaign, outcomes) = common::explore_month(model, dir, answers, 7);
    let raw = oneclick::Data::load(dir.join("data")).unwrap();
    oneclick::learn::learn(
        model,
        raw,
        &campaign,
        &outcomes,
        &Checked::new(LearnOptions::default()).unwrap(),
    )
    .unwrap()
}

/// Every lever's average effect against its truth over the test's customers (`months`:
/// each month's answers with its campaign's ids): the interval covers the truth, a lever of
/// at least 3 p.p. excludes zero, the symptom lever (engagement) covers zero.
fn assert_effects_cover_the_truth(learned: &Learned, months: &[(&Answers, &[i64])]) {
    for r in &learned.levers {
        let truth = Answers::pooled_average_effect(months, &r.lever);
        let a = r.average;
        eprintln!(
            "{:16} truth {:+.4} learned {:+.4} [{:+.4}; {:+.4}] naive {:+.4} qini {:.4} auuc {:.4} u@k {:.4} n {} / {}",
            r.lever,
            truth,
            a.value,
            a.ci_low,
            a.ci_high,
            r.difference,
            r.qini,
            r.auuc,
            r.uplift_at_k,
            r.treated,
            r.control
        );
        assert!(
            a.ci_low <= truth && truth <= a.ci_high,
            "{}: {truth} outside",
            r.lever
        );
        if truth.abs() >= 0.03 {
            assert!(a.ci_high < 0.0, "{}: the interval includes zero", r.lever);
        }
        if r.lever == "engagement" {
            assert!(a.ci_low <= 0.0 && 0.0 <= a.ci_high, "the symptom lever");
        }
    }
}

/// True values on next month's customers (the learner never saw them): the oracle's, the
/// learned offers', the what-if offers' and each single lever's for everyone it may go to.
struct NextMonth {
    oracle: f64,
    learned: f64,
    what_if: f64,
    single: Vec<(&'static str, f64)>,
}

fn next_month(model: &SavedModel, learned: &Learned) -> NextMonth {
    let (next, truth) = common::causal_month(20_000, 31_102);
    let raw = oneclick::Data::load(next.path().join("data")).unwrap();
    let mut prepared = oneclick::score::prepare(model, raw).unwrap();
    let what_if = oneclick::score::score_prepared(model, &mut prepared).unwrap();
    let mut chosen = what_if.clone();
    learned
        .effects
        .choose(&prepared.features, &mut chosen)
        .unwrap();
    let o = &model.assumptions;
    let value = |s: &oneclick::score::Scores| -> f64 { truth.value_of(&s.offers(), o).unwrap() };
    let ids: Vec<i64> = what_if.rows.iter().map(|r| r.id).collect();
    NextMonth {
        oracle: truth.oracle_value(&ids, o),
        learned: value(&chosen),
        what_if: value(&what_if),
        single: TESTED
            .iter()
            .map(|l| (*l, truth.single_lever_value(&ids, l, o)))
            .collect(),
    }
}

impl NextMonth {
    fn best_single(&self) -> f64 {
        self.single
            .iter()
            .map(|s| s.1)
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

#[test]
fn the_loop_learns_what_works_and_beats_the_what_if() {
    let model = common::causal_model(31_001);
    let (dir, answers) = common::causal_month(20_000, 31_101);
    let learned = learn_month(&model, dir.path(), &answers);
    eprintln!(
        "timings {:?}, loss share {:.3}",
        learned.timings, learned.loss_share
    );

    // 1. every lever's average effect against the truth over the same customers
    let campaign = oneclick::evaluate::Campaign::read(&dir.path().join("campaign.csv")).unwrap();
    let ids: Vec<i64> = campaign.rows.iter().map(|c| c.id).collect();
    assert_effects_cover_the_truth(&learned, &[(&answers, ids.as_slice())]);
    // the policies' estimated values against their true expected values on the same
    // customers (the answer file's probabilities, loss shares and profits)
    let o = &model.assumptions;
    let mut missed = Vec::new();
    for p in &learned.policies {
        let truth: f64 = learned
            .ids
            .iter()
            .zip(&p.choice)
            .map(|(id, lever)| {
                let a = answers.get(*id).unwrap();
                let base = o.horizon_months * a.profit * (1.0 - a.loss_share * a.p_control);
                base + lever.map_or(0.0, |l| {
                    let j = TESTED.iter().position(|x| *x == l).unwrap();
                    Answers::gain(
                        a,
                        j,
                        o.lever(l).unwrap().cost_for(a.profit),
                        o.horizon_months,
                    )
                })
            })
            .sum::<f64>()
            / learned.ids.len() as f64;
        let v = p.value.doubly_robust;
        eprintln!(
            "{:24} true {truth:8.3} DR {:8.3} [{:8.3}; {:8.3}]",
            p.policy, v.value, v.ci_low, v.ci_high
        );
        if !(v.ci_low <= truth && truth <= v.ci_high) {
            missed.push(p.policy.clone());
        }
    }
    // 11 intervals at 95 %: two misses would be rare by chance (p ≈ 0.10)
    assert!(
        missed.len() <= 1,
        "DR intervals missing the truth: {missed:?}"
    );
    for p in &learned.policies {
        eprintln!(
            "{:24} treated {:6} value DR {:8.3} IPW {:8.3} gain {:+.3} [{:+.3}; {:+.3}]",
            p.policy,
            p.treated,
            p.value.doubly_robust.value,
            p.value.ipw.value,
            p.gain.value,
            p.gain.ci_low,
            p.gain.ci_high
        );
    }

    // 2. next month: customers the learner never saw, valued on the answer file
    let n = next_month(&model, &learned);
    eprintln!(
        "next month: oracle {:.1}, learned {:.1} ({:.1} %), what-if {:.1}, single {:?}; learner {:?}",
        n.oracle,
        n.learned,
        100.0 * n.learned / n.oracle,
        n.what_if,
        n.single,
        learned.effects.learner
    );
    // One month's test keeps 75.8 % here; two months pooled reach issue 31's 80 % (the
    // next test). The bound guards what one month reaches.
    assert!(
        n.learned >= 0.7 * n.oracle,
        "learned {} vs oracle {}",
        n.learned,
        n.oracle
    );
    assert!(n.learned > n.what_if);
    assert!(n.learned > n.best_single());
}

#[test]
fn two_months_pooled_keep_four_fifths_of_the_oracle_and_months_must_match() {
    let model = common::causal_model(31_001);
    let (this_dir, this_answers) = common::causal_month(20_000, 31_101);
    let (before_dir, before_answers) = common::causal_month(20_000, 31_151);
    let (this_campaign, this_outcomes) =
        common::explore_month(&model, this_dir.path(), &this_answers, 7);
    let (before_campaign, before_outcomes) =
        common::explore_month(&model, before_dir.path(), &before_answers, 8);
    let load = |dir: &tempfile::TempDir| oneclick::Data::load(dir.path().join("data")).unwrap();
    let month =
        |dir: &tempfile::TempDir, campaign: Campaign, outcomes: Vec<Option<Outcome>>| Month {
            raw: load(dir),
            campaign,
            outcomes,
        };
    let options = Checked::new(LearnOptions::default()).unwrap();
    // months must test the same levers over the same horizon
    let mut other = before_campaign.clone();
    other.plan.horizon_months += 1.0;
    let e = oneclick::learn::learn_months(
        &model,
        vec![
            month(&before_dir, other, before_outcomes.clone()),
            month(&this_dir, this_campaign.clone(), this_outcomes.clone()),
        ],
        &options,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("same levers over the same horizon"), "{e}");
    let with = |o: &[Option<Outcome>]| o.iter().filter(|o| o.is_some()).count();
    let expected = with(&this_outcomes) + with(&before_outcomes);
    let ids = |c: &Campaign| c.rows.iter().map(|r| r.id).collect::<Vec<_>>();
    let (this_ids, before_ids) = (ids(&this_campaign), ids(&before_campaign));
    let learned = oneclick::learn::learn_months(
        &model,
        vec![
            month(&before_dir, before_campaign, before_outcomes),
            month(&this_dir, this_campaign, this_outcomes),
        ],
        &options,
    )
    .unwrap();
    assert_eq!(learned.with_outcome, expected);
    // every lever's pooled interval covers the true average over both months' customers
    let months = [
        (&before_answers, before_ids.as_slice()),
        (&this_answers, this_ids.as_slice()),
    ];
    assert_effects_cover_the_truth(&learned, &months);
    // next month: customers the learner never saw
    let n = next_month(&model, &learned);
    eprintln!(
        "next month, two months pooled: oracle {:.1}, learned {:.1} ({:.1} %), what-if {:.1}, best single {:.1}",
        n.oracle,
        n.learned,
        100.0 * n.learned / n.oracle,
        n.what_if,
        n.best_single()
    );
    assert!(
        n.learned >= 0.8 * n.oracle,
        "learned {} vs oracle {}",
        n.learned,
        n.oracle
    );
    assert!(n.learned > n.what_if);
    assert!(n.learned > n.best_single());
}
