//! Calibration figures and Fisher's exact power against their Python references
//! (`tests/oracle/calibration_oracle.py` → `tests/fixtures/calibration_oracle.json`):
//! scikit-learn's `brier_score_loss`, `log_loss` and `calibration_curve(strategy="quantile")`,
//! statsmodels' Wilson interval, and scipy's `fisher_exact` summed over every outcome.

use oneclick::calibration::{Calibration, PlattMap, brier_score, log_loss, reliability};
use oneclick::offers::fisher_exact_power;
use serde_json::Value;

fn oracle() -> Value {
    serde_json::from_str(include_str!("fixtures/calibration_oracle.json")).unwrap()
}

fn labels(v: &Value) -> Vec<u8> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u8)
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn brier_log_loss_bins_and_wilson_intervals_equal_scikit_learn_and_statsmodels() {
    for case in oracle()["calibration"].as_array().unwrap() {
        let p = floats(&case["p"]);
        let y = labels(&case["y"]);
        let close =
            |a: f64, b: f64, what: &str| assert!((a - b).abs() < 1e-12, "{what}: {a} vs {b}");
        close(
            brier_score(&y, &p).unwrap(),
            case["brier"].as_f64().unwrap(),
            "brier",
        );
        close(
            log_loss(&y, &p).unwrap(),
            case["log_loss"].as_f64().unwrap(),
            "log-loss",
        );
        let bins = reliability(&y, &p, 10, 0.05).unwrap();
        let (rate, pred) = (floats(&case["prob_true"]), floats(&case["prob_pred"]));
        assert_eq!(bins.len(), rate.len());
        for (k, b) in bins.iter().enumerate() {
            let o = &case["bins"][k];
            assert_eq!(b.n as u64, o["n"].as_u64().unwrap(), "bin {k}");
            close(b.rate, rate[k], &format!("bin {k} rate"));
            close(b.mean_p, pred[k], &format!("bin {k} mean p"));
            // statsmodels' Wilson interval (its normal quantile to ~1e-9)
            assert!(
                (b.lo - o["lo"].as_f64().unwrap()).abs() < 1e-8,
                "bin {k} lo"
            );
            assert!(
                (b.hi - o["hi"].as_f64().unwrap()).abs() < 1e-8,
                "bin {k} hi"
            );
        }
        // the summary agrees with its parts
        let c = Calibration::of(&y, &p, 10, 0.05).unwrap();
        let rate = y.iter().filter(|v| **v == 1).count() as f64 / y.len() as f64;
        close(
            c.brier_skill,
            1.0 - c.brier / (rate * (1.0 - rate)),
            "skill",
        );
        assert_eq!(c.misses, bins.iter().filter(|b| !b.covers()).count());
    }
}

#[test]
fn fisher_exact_power_equals_scipy_summed_over_every_outcome() {
    for case in oracle()["fisher_power"].as_array().unwrap() {
        let n = |k: &str| case[k].as_u64().unwrap();
        let f = |k: &str| case[k].as_f64().unwrap();
        let power = fisher_exact_power(n("n1"), n("n2"), f("p1"), f("p2"), f("alpha"))
            .unwrap()
            .unwrap();
        assert!(
            (power - f("power")).abs() < 1e-9,
            "{case}: {power} vs {}",
            f("power")
        );
    }
}

#[test]
fn a_miscalibrated_model_is_flagged_and_the_platt_map_repairs_it() {
    // probabilities twice as confident as the truth on the logit scale
    let n = 4000;
    let truth: Vec<f64> = (0..n)
        .map(|i| 0.02 + 0.96 * (i as f64 + 0.5) / n as f64)
        .collect();
    let y: Vec<u8> = truth
        .iter()
        .enumerate()
        .map(|(i, q)| u8::from((((i * 2_654_435_761) % 10_007) as f64 / 10_007.0) < *q))
        .collect();
    let overconfident: Vec<f64> = truth
        .iter()
        .map(|q| {
            let z = 2.0 * (q / (1.0 - q)).ln();
            1.0 / (1.0 + (-z).exp())
        })
        .collect();
    let mut before = Calibration::of(&y, &overconfident, 10, 0.05).unwrap();
    assert!(before.rejected(0.05), "{before:?}");
    // rejected, but recalibrated only once a map has beaten the probabilities out of fold
    assert!(!before.needs_recalibration(0.05));
    let cv =
        oneclick::calibration::cross_validated_recalibration(&y, &overconfident, 5, 1).unwrap();
    assert!(
        cv.platt.log_loss < cv.raw.log_loss && cv.platt.brier < cv.raw.brier,
        "{cv:?}"
    );
    assert_eq!(cv.better, "platt", "{cv:?}");
    before.recalibration_cv = Some(cv);
    assert!(before.needs_recalibration(0.05), "{before:?}");
    let map = PlattMap::fit(&y, &overconfident).unwrap();
    assert!((map.a - 0.5).abs() < 0.1, "{map:?}");
    let repaired: Vec<f64> = overconfident.iter().map(|p| map.apply(*p)).collect();
    let after = Calibration::of(&y, &repaired, 10, 0.05).unwrap();
    assert!(!after.rejected(0.05), "{after:?}");
    assert!(after.brier < before.brier && after.log_loss < before.log_loss);
    // bad input is an error naming it, not a panic
    let e = Calibration::of(&[1, 0], &[0.5, 1.5], 10, 0.05)
        .unwrap_err()
        .to_string();
    assert!(e.contains("probability of row 1 = 1.5"), "{e}");
}

#[test]
fn isotonic_map_pools_adjacent_violators_and_interpolates() {
    use oneclick::calibration::IsotonicMap;
    // y over p = 0.1, 0.2, 0.3, 0.4: 1, 0, 1, 1 → the first two pool to ½
    let m = IsotonicMap::fit(&[1, 0, 1, 1], &[0.1, 0.2, 0.3, 0.4]).unwrap();
    for (p, want) in [
        (0.1, 0.5),
        (0.2, 0.5),
        (0.3, 1.0 - 1e-4),
        (0.25, 0.75),
        (0.0, 0.5),
        (0.9, 1.0 - 1e-4),
    ] {
        assert!((m.apply(p) - want).abs() < 1e-12, "{p}: {}", m.apply(p));
    }
    // already monotone outcomes are kept; ties at one p are averaged first
    let m = IsotonicMap::fit(&[0, 1, 0, 1], &[0.2, 0.2, 0.6, 0.6]).unwrap();
    assert!((m.apply(0.2) - 0.5).abs() < 1e-12 && (m.apply(0.6) - 0.5).abs() < 1e-12);
}

/// `tests/oracle/calibration_tests_oracle.py` → `tests/fixtures/calibration_tests_oracle.json`:
/// Hosmer–Lemeshow (by hand over the crate's bins, scipy's χ² tail) and logistic
/// recalibration (statsmodels' Logit and binomial GLM with an offset), on three data sets
/// stored in the fixture: calibrated, too flat and too extreme.
#[test]
fn hosmer_lemeshow_and_logistic_calibration_equal_scipy_and_statsmodels() {
    let oracle: Value =
        serde_json::from_str(include_str!("fixtures/calibration_tests_oracle.json")).unwrap();
    for (k, case) in oracle["cases"].as_array().unwrap().iter().enumerate() {
        let p = floats(&case["p"]);
        let y = labels(&case["y"]);
        let c = Calibration::of(&y, &p, 10, 0.05).unwrap();
        let h = c.hosmer_lemeshow.unwrap();
        let want = &case["hosmer_lemeshow"];
        assert_eq!(h.df as u64, want["df"].as_u64().unwrap(), "case {k}");
        let close = |got: f64, want: &Value, what: &str| {
            let want = want.as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                "case {k}: {what} {got} vs {want}"
            );
        };
        close(h.statistic, &want["statistic"], "H");
        close(h.p_value, &want["p_value"], "p");
        let l = c.logistic.unwrap();
        for (got, key) in [
            (l.intercept, "intercept"),
            (l.intercept_se, "intercept_se"),
            (l.slope, "slope"),
            (l.slope_se, "slope_se"),
            (l.in_the_large, "in_the_large"),
            (l.in_the_large_se, "in_the_large_se"),
        ] {
            close(got, &case[key], key);
        }
    }
}
