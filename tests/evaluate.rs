//! The test's analysis: the two-proportion statistics against their Python references
//! (`tests/oracle/evaluate_oracle.py` → `tests/fixtures/evaluate_oracle.json`), the
//! interval's coverage over simulated trials with a known effect, the decision rule, and
//! outcome files that are refused with the file, line, column and value named.

use oneclick::checked::Checked;
use std::collections::BTreeMap;
use std::path::Path;

use oneclick::evaluate::{
    Arm, CAMPAIGN_FORMAT, Campaign, CampaignPlan, CampaignRow, Decision, EvaluateOptions, Outcome,
    evaluate, fisher_exact, newcombe_interval, outcomes_from_bytes, z_test,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

#[test]
fn newcombe_z_and_fisher_equal_statsmodels_and_scipy() {
    let oracle: Value =
        serde_json::from_str(include_str!("fixtures/evaluate_oracle.json")).unwrap();
    let alpha = oracle["alpha"].as_f64().unwrap();
    let cases = oracle["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for c in cases {
        let n = |k: &str| c[k].as_u64().unwrap();
        let f = |k: &str| c[k].as_f64().unwrap();
        let (x1, n1, x2, n2) = (n("x1"), n("n1"), n("x2"), n("n2"));
        let what = format!("{x1}/{n1} vs {x2}/{n2}");
        let (lo, hi) = newcombe_interval(x1, n1, x2, n2, alpha);
        assert!((lo - f("newcomb_low")).abs() < 1e-6, "{what}: low {lo}");
        assert!((hi - f("newcomb_high")).abs() < 1e-6, "{what}: high {hi}");
        let z = z_test(x1, n1, x2, n2);
        assert!((z - f("p_z")).abs() < 1e-6, "{what}: z-test {z}");
        let fisher = fisher_exact(x1, n1, x2, n2);
        assert!(
            (fisher - f("p_fisher")).abs() < 1e-6,
            "{what}: Fisher {fisher} vs {}",
            f("p_fisher")
        );
    }
}

#[test]
fn the_interval_covers_a_known_effect_in_about_95_percent_of_trials() {
    // 2 000 simulated tests per design, each with a known drop of the decline rate
    let designs = [
        (300u64, 300u64, 0.20, 0.30), // balanced arms, the notebook's order of size
        (150, 450, 0.50, 0.60),       // unequal arms
        (1000, 1000, 0.80, 0.85),     // large arms, rates near 1
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    for (n1, n2, p1, p2) in designs {
        let trials = 2000;
        let mut covered = 0;
        for _ in 0..trials {
            let x1 = (0..n1).filter(|_| rng.r#gen::<f64>() < p1).count() as u64;
            let x2 = (0..n2).filter(|_| rng.r#gen::<f64>() < p2).count() as u64;
            let (lo, hi) = newcombe_interval(x1, n1, x2, n2, 0.05);
            covered += usize::from(lo <= p1 - p2 && p1 - p2 <= hi);
        }
        let share = covered as f64 / trials as f64;
        println!("coverage {n1}/{n2}, {p1} vs {p2}: {share:.4}");
        assert!(
            (0.94..=0.97).contains(&share),
            "{n1}/{n2} at {p1} vs {p2}: the 95 % interval covered the effect in {share}"
        );
    }
}

fn plan(customers: usize, test: usize, break_even: f64) -> CampaignPlan {
    CampaignPlan {
        format: CAMPAIGN_FORMAT.into(),
        seed: 1,
        test_share: 0.5,
        stratified_by: "lever".into(),
        draw: 1,
        draws: 1,
        balance_limit: 0.1,
        alpha: 0.05,
        horizon_months: 3.0,
        break_even_drop: break_even,
        break_even_by_lever: BTreeMap::from([("promo".to_string(), break_even)]),
        min_arm: 20,
        expected_control_rate: 0.4,
        scenario_drop: 0.05,
        months_for_power_break_even: Some(3.0),
        months_for_power_scenario: Some(1.5),
        power: 0.8,
        kept: 0,
        previous: Vec::new(),
        decision_rule: CampaignPlan::rule(0.05, 20),
        model: "test".into(),
        customers,
        test,
        control: customers - test,
        campaign_sha256: String::new(),
        design: oneclick::evaluate::Design::Offer,
        assignment: Vec::new(),
        basis: Default::default(),
    }
}

/// `n` customers per arm, lever `promo`, each offer costing `cost`.
fn campaign(n: usize, cost: f64) -> Campaign {
    let rows = (0..2 * n)
        .map(|i| {
            let arm = if i % 2 == 0 { Arm::Test } else { Arm::Control };
            CampaignRow {
                id: 1000 + i as i64,
                stratum: "promo/consent/at_risk".into(),
                arm,
                lever: "promo".into(),
                category: "Товары для детей".into(),
                probability: 0.8,
                expected_gain: 0.5,
                offer_sent: arm == Arm::Test,
                offer_cost: cost,
                prior_profit: 3.0,
            }
        })
        .collect();
    Campaign {
        path: "campaign.csv".into(),
        rows,
        plan: plan(2 * n, n, cost / 0.5),
    }
}

/// Outcomes with `declined_test` and `declined_control` declines in the arms, profit 4
/// for a held level and 2 on a decline; the last `missing` customers without one.
fn outcomes(
    c: &Campaign,
    declined_test: usize,
    declined_control: usize,
    missing: usize,
) -> Vec<Option<Outcome>> {
    let (mut t, mut k) = (0, 0);
    let total = c.rows.len();
    c.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            if i >= total - missing {
                return None;
            }
            let declined = match r.arm {
                Arm::Test => {
                    t += 1;
                    t <= declined_test
                }
                Arm::Control => {
                    k += 1;
                    k <= declined_control
                }
            };
            Some(Outcome {
                declined,
                profit: if declined { 2.0 } else { 4.0 },
            })
        })
        .collect()
}

#[test]
fn the_decision_follows_the_plan_and_attrition_is_counted() {
    let options = Checked::<EvaluateOptions>::default();
    // 400 per arm: 30 % against 45 % declined, offers at 0.1 → the net gain is well above 0
    let c = campaign(400, 0.1);
    let e = evaluate(&c, &outcomes(&c, 120, 180, 0), &options).unwrap();
    assert_eq!(e.overall.decision, Decision::RollOut, "{}", e.overall.why);
    assert!((e.overall.difference + 0.15).abs() < 1e-12);
    assert_eq!((e.overall.test.n, e.overall.control.n), (400, 400));
    // one stratum and constant covariates: the adjusted difference is the plain one
    assert!((e.overall.adjusted_difference.value + 0.15).abs() < 1e-12);
    // the profit difference is exact here: 15 % fewer declines × 2 = +0.3 per month
    assert!((e.overall.profit_difference - 0.3).abs() < 1e-12);
    assert!(e.overall.profit_ci_low < 0.3 && 0.3 < e.overall.profit_ci_high);
    // net gain: 400 sent × 3 months × 0.3 − 400 × 0.1, adjusted and not
    assert!((e.overall.net_gain - (400.0 * 3.0 * 0.3 - 40.0)).abs() < 1e-9);
    assert!((e.overall.adjusted_net_gain.value - 320.0).abs() < 1e-9);
    // its standard error: 1200 × √(0.84/400 + 0.99/400) (profit 2 or 4: variance 4·p(1−p))
    let se = 1200.0
        * ((4.0 * 0.3 * 0.7 * 400.0 / 399.0 + 4.0 * 0.45 * 0.55 * 400.0 / 399.0) / 400.0f64).sqrt();
    assert!(
        (e.overall.adjusted_net_gain.se - se).abs() < 1e-9,
        "{}",
        e.overall.adjusted_net_gain.se
    );
    // the family is all levers and promo: Holm doubles the smaller p-value
    assert_eq!(e.family, 2);
    assert!((e.overall.p_value_holm - 2.0 * e.overall.p_value_net_gain).abs() < 1e-15);
    assert_eq!(e.by_lever.len(), 1);
    assert_eq!(e.by_lever[0].lever.as_deref(), Some("promo"));

    // the same drop with offers at 2.0: the net gain's whole interval is below zero
    let c = campaign(400, 2.0);
    let e = evaluate(&c, &outcomes(&c, 120, 180, 0), &options).unwrap();
    assert_eq!(
        e.overall.decision,
        Decision::DoNotRollOut,
        "{}",
        e.overall.why
    );
    assert!(e.overall.adjusted_net_gain.ci_high < 0.0);

    // 40 per arm, 30 % against 40 %: the test cannot tell
    let c = campaign(40, 0.1);
    let e = evaluate(&c, &outcomes(&c, 12, 16, 0), &options).unwrap();
    assert_eq!(
        e.overall.decision,
        Decision::Inconclusive,
        "{}",
        e.overall.why
    );

    // attrition: 10 customers without an outcome left the store — declined, no profit
    let c = campaign(400, 0.1);
    let e = evaluate(&c, &outcomes(&c, 120, 180, 10), &options).unwrap();
    assert_eq!(e.missing_outcomes, 10);
    assert_eq!(e.overall.test.missing + e.overall.control.missing, 10);
    assert_eq!(e.overall.test.n + e.overall.control.n, 800);
    assert!(e.overall.test.declined + e.overall.control.declined >= 300 + 10 - 10);
    // the worst cases bracket the estimate
    let [lo, hi] = e.overall.attrition_difference;
    let d = e.overall.adjusted_difference.value;
    assert!(lo <= d && d <= hi, "{lo} {d} {hi}");
    let [lo, hi] = e.overall.attrition_net_gain;
    let g = e.overall.adjusted_net_gain.value;
    assert!(lo <= g && g <= hi, "{lo} {g} {hi}");

    // the bootstrap is seeded: the same seed, the same interval; another, another
    let o = outcomes(&c, 120, 180, 0);
    let a = evaluate(&c, &o, &options).unwrap();
    let b = evaluate(&c, &o, &options).unwrap();
    let other = evaluate(
        &c,
        &o,
        &Checked::new(EvaluateOptions {
            seed: 7,
            ..options.into_inner()
        })
        .unwrap(),
    )
    .unwrap();
    assert_eq!(a, b);
    assert_ne!(a.overall.profit_ci_low, other.overall.profit_ci_low);
    let json = serde_json::to_value(&a).unwrap();
    for key in [
        "test",
        "control",
        "difference",
        "ci_low",
        "ci_high",
        "p_value_z",
        "p_value_fisher",
        "profit_difference",
        "profit_ci_low",
        "profit_ci_high",
        "net_gain",
        "adjusted_difference",
        "adjusted_net_gain",
        "p_value_holm",
        "attrition_difference",
        "decision",
    ] {
        assert!(json["overall"].get(key).is_some(), "overall.{key} missing");
    }
    assert_eq!(json["overall"]["decision"], "roll_out");
    assert_eq!(json["by_lever"][0]["lever"], "promo");
    assert!(json["missing_outcomes"].is_u64());
}

#[test]
fn a_lever_with_one_customer_is_reported_and_every_other_result_stands() {
    let options = Checked::<EvaluateOptions>::default();
    let mut c = campaign(400, 0.1);
    let mut lone = c.rows[0].clone();
    lone.id = 99;
    lone.lever = "engagement".into();
    lone.stratum = "engagement/consent/at_risk".into();
    c.rows.push(lone);
    c.plan = plan(801, 401, 0.2);
    let mut o = outcomes(&c, 120, 180, 0);
    o[800] = Some(Outcome {
        declined: false,
        profit: 4.0,
    });
    let e = evaluate(&c, &o, &options).unwrap();
    assert_eq!(e.by_lever.len(), 2);
    let promo = &e.by_lever[0];
    let lone = &e.by_lever[1];
    assert_eq!(lone.lever.as_deref(), Some("engagement"));
    assert_eq!((lone.test.n, lone.control.n), (1, 0));
    assert_eq!(lone.decision, Decision::TooFew, "{}", lone.why);
    assert!(lone.adjusted_difference.value.is_nan() && lone.p_value_holm.is_nan());
    assert!(lone.why.contains("1 test and 0 control"), "{}", lone.why);
    assert_eq!(promo.decision, Decision::RollOut, "{}", promo.why);
    assert_eq!(e.overall.decision, Decision::RollOut, "{}", e.overall.why);
    assert_eq!((e.overall.test.n, e.overall.control.n), (401, 400));
    assert_eq!(e.family, 2);
    // the lone customer's stratum is thin: pooled, the estimate still uses every customer
    assert_eq!(e.overall.strata, 1);
    // and the JSON shows the missing estimate as null, not as a number
    let json = serde_json::to_value(&e).unwrap();
    assert!(json["by_lever"][1]["adjusted_difference"]["value"].is_null());
}

#[test]
fn months_pool_as_strata_of_one_test() {
    let options = Checked::<EvaluateOptions>::default();
    let c = campaign(400, 0.1);
    let o = outcomes(&c, 120, 180, 0);
    let one = evaluate(&c, &o, &options).unwrap();
    let two = oneclick::evaluate::evaluate_months(&[(&c, &o), (&c, &o)], &options).unwrap();
    assert_eq!(two.months, 2);
    assert_eq!(two.overall.test.n, 2 * one.overall.test.n);
    // each month its own stratum: the same data twice, the same estimate, √2 less error
    assert_eq!(two.overall.strata, 2);
    let (a, b) = (
        &one.overall.adjusted_difference,
        &two.overall.adjusted_difference,
    );
    assert!((a.value - b.value).abs() < 1e-12);
    let ratio = a.se / b.se;
    assert!((ratio - 2.0f64.sqrt()).abs() < 1e-9, "{ratio}");
    // campaigns planned with another level are not pooled
    let mut other = c.clone();
    other.plan.alpha = 0.1;
    let e = oneclick::evaluate::evaluate_months(&[(&c, &o), (&other, &o)], &options)
        .unwrap_err()
        .to_string();
    assert!(e.contains("planned alike"), "{e}");
}

#[test]
fn bad_outcome_files_are_refused_naming_file_line_column_and_value() {
    let c = campaign(3, 0.02);
    let file = "outcomes.csv";
    let read = |text: &str| outcomes_from_bytes(text.as_bytes(), file, &c).map(|_| ());
    let good = "id,Покупательская активность,Прибыль\n1000,Снизилась,1.5\n1001,Прежний уровень,4\n";
    let o = outcomes_from_bytes(good.as_bytes(), file, &c).unwrap();
    assert_eq!(o.iter().filter(|o| o.is_some()).count(), 2);
    for (text, expected) in [
        (
            "id,Покупательская активность,Прибыль\n1000,Снизилась,1.5\n9999,Снизилась,1\n",
            &[
                "outcomes.csv: line 3",
                "\"id\"",
                "9999",
                "a customer of the campaign",
            ][..],
        ),
        (
            "id,Покупательская активность,Прибыль\n1000,Снизилась,1.5\n1000,Снизилась,1.5\n",
            &["line 3", "id 1000", "line 2"][..],
        ),
        (
            "id,Покупательская активность,Прибыль\n1000,Упала,1.5\n",
            &["line 2", "Покупательская активность", "Упала", "Снизилась"][..],
        ),
        (
            "id,Покупательская активность,Прибыль\n1000,Снизилась,1,5\n",
            &["line 2", "found 4 fields"][..],
        ),
        (
            "id,Покупательская активность,Прибыль\n1000,Снизилась,много\n",
            &[
                "line 2",
                "Прибыль",
                "много",
                "a monthly profit from -1e9 to 1e9",
            ][..],
        ),
        (
            "id,Активность,Прибыль\n1000,Снизилась,1\n",
            &["outcomes.csv", "Покупательская активность", "Активность"][..],
        ),
        ("", &["outcomes.csv", "empty"][..]),
        (
            "id,Покупательская активность,Прибыль\n",
            &["no data rows"][..],
        ),
    ] {
        let e = read(text).unwrap_err().to_string();
        for part in expected {
            assert!(e.contains(part), "{e:?} lacks {part:?}");
        }
    }
}

#[test]
fn campaign_files_round_trip_and_damaged_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("campaign.csv");
    let c = campaign(2, 0.02);
    let mut text = String::from(
        "id,stratum,arm,lever,category,probability,expected_gain,offer_sent,offer_cost,prior_profit\n",
    );
    for r in &c.rows {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            r.id,
            r.stratum,
            r.arm.id(),
            r.lever,
            r.category,
            r.probability,
            r.expected_gain,
            r.offer_sent,
            r.offer_cost,
            r.prior_profit
        ));
    }
    // the plan records the campaign file's sha256, as `campaign` writes it
    let plan_for = |csv: &str| {
        let mut plan = c.plan.clone();
        plan.campaign_sha256 = oneclick::io::sha256_hex(csv.as_bytes());
        plan
    };
    let write = |csv: &str| {
        std::fs::write(&path, csv).unwrap();
        std::fs::write(
            Campaign::plan_path(&path),
            serde_json::to_vec(&plan_for(csv)).unwrap(),
        )
        .unwrap();
    };
    write(&text);
    let read = Campaign::read(&path).unwrap();
    assert_eq!(read.rows, c.rows);
    assert_eq!(read.plan, plan_for(&text));
    let check = |csv: String, parts: &[&str]| {
        write(&csv);
        let e = Campaign::read(&path).unwrap_err().to_string();
        for p in parts {
            assert!(e.contains(p), "{e:?} lacks {p:?}");
        }
    };
    check(
        text.replacen(",test,", ",treated,", 1),
        &["line 2", "arm", "treated"],
    );
    check(
        text.replacen(",true,", ",false,", 1),
        &["line 2", "offer_sent", "true in the test arm"],
    );
    check(text.replacen("1001,", "1000,", 1), &["line 3", "id 1000"]);
    check(
        text.replacen("0.8,", "1.8,", 1),
        &["line 2", "probability", "1.8"],
    );
    check(
        text.replacen(",3\n", ",three\n", 1),
        &["line 2", "prior_profit", "three"],
    );
    check(
        text.replace(",offer_cost", ""),
        &["campaign.csv", "offer_cost"],
    );
    // a plan from another campaign
    let lines: Vec<&str> = text.lines().collect();
    check(
        lines[..lines.len() - 1].join("\n") + "\n",
        &["campaign.plan.json", "plan counts 4"],
    );
    // no plan at all
    std::fs::write(&path, &text).unwrap();
    std::fs::remove_file(Campaign::plan_path(&path)).unwrap();
    let e = Campaign::read(&path).unwrap_err().to_string();
    assert!(e.contains("campaign.plan.json"), "{e}");
    assert!(!Path::new(&Campaign::plan_path(&path)).exists());
}
