//! The uplift measures against scikit-uplift: `tests/oracle/uplift_oracle.py` →
//! `tests/fixtures/uplift_oracle.json` (seeded random data: a ranking with signal, the
//! same with ties, a harmful offer, unbalanced arms), equal to 1e-9.

use oneclick::uplift::{
    Curve, perfect_qini_curve, perfect_uplift_curve, policy_value, qini_auc_score, qini_curve,
    uplift_at_k, uplift_auc_score, uplift_curve,
};
use serde_json::Value;

mod common;

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: {a} vs {b}"
    );
}

fn same_curve(c: &Curve, want: &Value, what: &str) {
    let x: Vec<f64> = serde_json::from_value(want["x"].clone()).unwrap();
    let y: Vec<f64> = serde_json::from_value(want["y"].clone()).unwrap();
    assert_eq!(c.x.len(), x.len(), "{what}: points");
    for k in 0..x.len() {
        close(c.x[k], x[k], &format!("{what} x[{k}]"));
        close(c.y[k], y[k], &format!("{what} y[{k}]"));
    }
}

#[test]
fn curves_areas_and_uplift_at_k_equal_scikit_uplift() {
    let oracle: Value = serde_json::from_str(include_str!("fixtures/uplift_oracle.json")).unwrap();
    let cases = oracle["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let y: Vec<u8> = serde_json::from_value(c["y"].clone()).unwrap();
        let u: Vec<f64> = serde_json::from_value(c["uplift"].clone()).unwrap();
        let t: Vec<bool> = c["treatment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64() == Some(1))
            .collect();
        same_curve(
            &uplift_curve(&y, &u, &t).unwrap(),
            &c["uplift_curve"],
            &format!("{name} uplift"),
        );
        same_curve(
            &qini_curve(&y, &u, &t).unwrap(),
            &c["qini_curve"],
            &format!("{name} qini"),
        );
        same_curve(
            &perfect_uplift_curve(&y, &t).unwrap(),
            &c["perfect_uplift_curve"],
            &format!("{name} perfect uplift"),
        );
        same_curve(
            &perfect_qini_curve(&y, &t, true).unwrap(),
            &c["perfect_qini_curve_true"],
            &format!("{name} perfect qini"),
        );
        close(
            uplift_auc_score(&y, &u, &t).unwrap(),
            c["uplift_auc"].as_f64().unwrap(),
            &format!("{name} uplift auc"),
        );
        close(
            qini_auc_score(&y, &u, &t, true).unwrap(),
            c["qini_auc_true"].as_f64().unwrap(),
            &format!("{name} qini auc"),
        );
        match c["qini_auc_false"].as_f64() {
            Some(want) => {
                close(
                    qini_auc_score(&y, &u, &t, false).unwrap(),
                    want,
                    &format!("{name} qini auc, no negative effects"),
                );
                same_curve(
                    &perfect_qini_curve(&y, &t, false).unwrap(),
                    &c["perfect_qini_curve_false"],
                    &format!("{name} perfect qini, no negative effects"),
                );
            }
            // scikit-uplift refuses it too: the treated respond less overall
            None => assert!(qini_auc_score(&y, &u, &t, false).is_err(), "{name}"),
        }
        for k in [0.3, 0.5] {
            for (strategy, by_group) in [("overall", false), ("by_group", true)] {
                close(
                    uplift_at_k(&y, &u, &t, k, by_group).unwrap(),
                    c[format!("uplift_at_{k}_{strategy}")].as_f64().unwrap(),
                    &format!("{name} uplift at {k} {strategy}"),
                );
            }
        }
    }
}

#[test]
fn bad_input_is_an_error_naming_it() {
    let e = uplift_curve(&[1, 0], &[0.1], &[true, false])
        .unwrap_err()
        .to_string();
    assert!(e.contains("1 uplifts"), "{e}");
    let e = qini_curve(&[1, 2], &[0.1, 0.2], &[true, false])
        .unwrap_err()
        .to_string();
    assert!(e.contains("outcome of row 1 = 2"), "{e}");
    let e = qini_curve(&[1, 0], &[0.1, f64::NAN], &[true, false])
        .unwrap_err()
        .to_string();
    assert!(e.contains("uplift of row 1"), "{e}");
    let e = uplift_auc_score(&[1, 0], &[0.1, 0.2], &[true, true])
        .unwrap_err()
        .to_string();
    assert!(e.contains("2 treated of 2"), "{e}");
    let e = uplift_at_k(&[1, 0], &[0.1, 0.2], &[true, false], 1.0, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("k = 1"), "{e}");
}

/// A three-arm test with known truth: customer i's outcome under action a is
/// base(x) + effect_a(x) + noise, arms drawn with probabilities ½, ¼, ¼. The policy's
/// true value is computed directly from the per-customer means; both estimators must
/// cover it, and the doubly robust one with a good outcome model must be the tighter.
#[test]
fn policy_values_recover_the_truth_of_a_simulated_test() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(31);
    let n = 20_000;
    let probabilities = [0.5, 0.25, 0.25];
    let mean_of = |x: f64, a: usize| {
        let base = 2.0 + x;
        base + match a {
            0 => 0.0,
            1 => 0.5 * x, // helps where x is high, harms where it is low
            _ => 0.2,     // a small flat gain
        }
    };
    let (mut action, mut outcome, mut predicted, mut policy) = (vec![], vec![], vec![], vec![]);
    let mut truth = 0.0;
    for _ in 0..n {
        let x: f64 = rng.gen_range(-1.0..1.0);
        let u: f64 = rng.r#gen();
        let a = if u < 0.5 {
            0
        } else if u < 0.75 {
            1
        } else {
            2
        };
        let y = mean_of(x, a) + rng.gen_range(-1.0..1.0);
        // the policy: lever 1 where it beats lever 2, else lever 2
        let p = if 0.5 * x > 0.2 { 1 } else { 2 };
        truth += mean_of(x, p) / n as f64;
        action.push(a);
        outcome.push(y);
        policy.push(p);
        // an outcome model that is right up to a small error
        predicted.push((0..3).map(|b| mean_of(x, b) + 0.05).collect::<Vec<f64>>());
    }
    let propensity = vec![probabilities.to_vec(); n];
    let v = policy_value(&policy, &action, &propensity, &outcome, &predicted, 0.05).unwrap();
    for (name, e) in [("ipw", v.ipw), ("doubly robust", v.doubly_robust)] {
        assert!(
            e.ci_low <= truth && truth <= e.ci_high,
            "{name}: {e:?} vs {truth}"
        );
    }
    assert!(v.doubly_robust.se < 0.5 * v.ipw.se, "{v:?}");
    // an action the test never gave cannot be valued
    let never = vec![vec![1.0, 0.0, 0.0]; n];
    let e = policy_value(&policy, &action, &never, &outcome, &predicted, 0.05)
        .unwrap_err()
        .to_string();
    assert!(e.contains("must have been possible"), "{e}");
}

/// The T-learner on an 8 000-customer synthetic store with a simulated test: the offer lowers
/// the decline probability by 30 p.p. for customers with more pages per visit than the
/// median and does nothing for the rest. The learned effects must tell the two apart and
/// rank the responsive customers first (a Qini coefficient well above a random ranking).
#[test]
fn the_t_learner_finds_who_the_offer_moves() {
    use oneclick::model::{Gbdt, Pipeline, Scaler};
    use rand::{Rng, SeedableRng};
    let (_dir, table) = common::synthetic_store(8000, 31);
    let features = table.features().unwrap();
    let pages = oneclick::frame::f64_values(&features, oneclick::schema::PAGES_PER_VISIT).unwrap();
    let median = oneclick::stats::median(&pages);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let n = pages.len();
    let treated: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.5)).collect();
    let responsive: Vec<bool> = pages.iter().map(|p| *p > median).collect();
    // y = 1: declined
    let y: Vec<u8> = (0..n)
        .map(|i| {
            let p = 0.6
                - if treated[i] && responsive[i] {
                    0.3
                } else {
                    0.0
                };
            u8::from(rng.gen_bool(p))
        })
        .collect();
    let pipeline = Pipeline::new(Scaler::Standard, Gbdt::new(0.05, 100, 15));
    let effect = oneclick::learn::t_learner(&features, &y, &treated, &pipeline, 5, 1).unwrap();
    let mean = |pick: bool| {
        let v: Vec<f64> = (0..n)
            .filter(|i| responsive[*i] == pick)
            .map(|i| effect[i])
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let (moved, unmoved) = (mean(true), mean(false));
    println!("T-learner: mean effect −30 p.p. group {moved:.3}, 0 group {unmoved:.3}");
    assert!(moved < -0.15 && unmoved.abs() < 0.1, "{moved} {unmoved}");
    // ranked by the predicted fall of the decline probability, responses = stayed
    let stayed: Vec<u8> = y.iter().map(|v| 1 - v).collect();
    let uplift: Vec<f64> = effect.iter().map(|e| -e).collect();
    let qini = oneclick::uplift::qini_auc_score(&stayed, &uplift, &treated, true).unwrap();
    // the normalising "perfect" curve knows every outcome, so even the true ranking (the
    // responsive customers first) scores far below 1: compare with it
    let truth: Vec<f64> = responsive.iter().map(|r| f64::from(u8::from(*r))).collect();
    let best = oneclick::uplift::qini_auc_score(&stayed, &truth, &treated, true).unwrap();
    let random = (0..20)
        .map(|_| {
            let u: Vec<f64> = (0..n).map(|_| rng.r#gen()).collect();
            oneclick::uplift::qini_auc_score(&stayed, &u, &treated, true).unwrap()
        })
        .fold(f64::NEG_INFINITY, f64::max);
    println!(
        "Qini coefficient {qini:.3} (the true ranking's {best:.3}, the best of 20 random rankings {random:.3})"
    );
    assert!(
        qini > random && qini > 0.3 * best,
        "{qini} vs {best}, {random}"
    );
}
