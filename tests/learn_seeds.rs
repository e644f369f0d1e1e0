//! How the learned offers fare across causal stores: `cargo test --release --test
//! learn_seeds -- --ignored --nocapture` prints, per store (two exploring months of other
//! customers, then the next month), the share of the oracle's true gain kept by the offers
//! of each learner (DR, which `learn` uses, and T), learned from both months' tests pooled
//! and from the later month's alone. Asserts nothing: a figure to read (README).

use oneclick::causal::Answers;
use oneclick::checked::Checked;
use oneclick::learn::{LearnOptions, Learner, Month};

mod common;

#[test]
#[ignore = "an experiment of several minutes; prints figures"]
fn learned_offers_across_seeds() {
    let customers: usize = std::env::var("LEARN_SEEDS_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let model = common::causal_model(41_001);
    for seed in [41_101u64, 41_201, 41_301, 41_401] {
        // two exploring months (this one and one before it, other customers) and the next
        let explore_month = |seed: u64, outcome_seed: u64| {
            let (dir, answers) = common::causal_month(customers, seed);
            let (campaign, outcomes) =
                common::explore_month(&model, dir.path(), &answers, outcome_seed);
            let raw = oneclick::Data::load(dir.path().join("data")).unwrap();
            (
                dir,
                Month {
                    raw,
                    campaign,
                    outcomes,
                },
            )
        };
        let (this_dir, this) = explore_month(seed, 7);
        let (_before_dir, before) = explore_month(seed + 50, 8);
        let options = Checked::new(LearnOptions::default()).unwrap();
        let one = oneclick::learn::learn(
            &model,
            oneclick::Data::load(this_dir.path().join("data")).unwrap(),
            &this.campaign,
            &this.outcomes,
            &options,
        )
        .unwrap();
        let pooled = oneclick::learn::learn_months(&model, vec![before, this], &options).unwrap();
        let (next_dir, truth) = common::causal_month(customers, seed + 1);
        let next_data = next_dir.path().join("data");
        let mut prepared =
            oneclick::score::prepare(&model, oneclick::Data::load(&next_data).unwrap()).unwrap();
        let scores = oneclick::score::score_prepared(&model, &mut prepared).unwrap();
        let ids: Vec<i64> = scores.rows.iter().map(|r| r.id).collect();
        let o = &model.assumptions;
        let oracle = truth.oracle_value(&ids, o);
        let value = |learned: &oneclick::learn::Learned, learner: Learner| {
            let mut e = learned.effects.clone();
            e.learner = learner;
            let mut s = scores.clone();
            e.choose(&prepared.features, &mut s).unwrap();
            Answers::value_of(&truth, &s.offers(), o).unwrap() / oracle * 100.0
        };
        eprintln!(
            "seeds {}+{seed}/{}: two months DR {:.1} %, T {:.1} %; one month DR {:.1} %, T {:.1} %",
            seed + 50,
            seed + 1,
            value(&pooled, Learner::Dr),
            value(&pooled, Learner::T),
            value(&one, Learner::Dr),
            value(&one, Learner::T),
        );
    }
}
