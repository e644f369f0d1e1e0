//! Segments, the saved model and scoring of new snapshots.

mod common;

use oneclick::checked::Checked;
use oneclick::model::{Kernel, Pipeline, Scaler, Svc};
use oneclick::segment::{PROBABILITY, SegmentKind, Segmentation};

fn segmentation() -> (oneclick::ModelTable, Segmentation) {
    let table = common::synthetic_table();
    let pipeline = Pipeline::new(Scaler::Standard, Svc::new(Kernel::Rbf, 1.0));
    let s = Segmentation::run(&table, &pipeline, 0.5, &Checked::default()).unwrap();
    (table, s)
}

#[test]
fn segments_follow_their_rules_and_add_up() {
    let (table, s) = segmentation();
    let t = &s.thresholds;
    assert_eq!(s.frame.height(), table.height());
    let p: Vec<f64> = s
        .frame
        .column(PROBABILITY)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    let profit = table.profit_values().unwrap();
    let main = s.main();
    assert_eq!(main.kind, SegmentKind::HighRiskHighProfit);
    assert_eq!(main.name(), "high_risk_high_profit");
    let expected: Vec<usize> = (0..p.len())
        .filter(|&i| p[i] >= t.risk && profit[i] >= t.profit)
        .collect();
    assert_eq!(main.members, expected);
    assert_eq!(main.size, expected.len());
    let sum: f64 = expected.iter().map(|i| profit[*i]).sum();
    assert!((main.profit_sum - sum).abs() < 1e-9);
    let at_risk: f64 = expected.iter().map(|i| p[*i] * profit[*i]).sum();
    assert!((main.profit_at_risk - at_risk).abs() < 1e-9);
    // out-of-fold probabilities rank customers: the at-risk segment declines far more often
    assert!(main.decline_rate > 0.7, "{}", main.decline_rate);
    // the median splits profit in halves
    let above = profit.iter().filter(|v| **v >= t.profit).count() as f64 / profit.len() as f64;
    assert!((above - 0.5).abs() < 0.05);
    // category segments partition the at-risk customers
    let at_risk_n = p.iter().filter(|v| **v >= t.risk).count();
    let by_category: usize = s
        .segments
        .iter()
        .filter(|g| matches!(g.kind, SegmentKind::HighRiskCategory(_)))
        .map(|g| g.size)
        .sum();
    assert_eq!(by_category, at_risk_n);
    // profiles compare every numeric feature
    let profile = s.profile(&main.name()).unwrap();
    assert!(profile.len() >= 13);
    assert!(
        s.table()
            .to_string()
            .contains("Высокий риск × высокая прибыль")
    );
    // a mistyped segment name is an error naming the segments there are, never a panic
    for e in [
        s.profile_table("high_risk_high_proft").unwrap_err(),
        s.profile_figure("high_risk_high_proft").unwrap_err(),
    ] {
        let e = e.to_string();
        assert!(e.contains("no segment \"high_risk_high_proft\""), "{e}");
        assert!(e.contains("high_risk_promo_dependent"), "{e}");
    }
    // the scoring rule is the same definition: the first of main, promo, category
    let promo = oneclick::frame::f64_values(&s.frame, oneclick::schema::PROMO_SHARE).unwrap();
    let category =
        oneclick::frame::str_values(&s.frame, oneclick::schema::POPULAR_CATEGORY).unwrap();
    for i in 0..p.len() {
        let primary = t.primary(p[i], profit[i], promo[i], &category[i]);
        let first = s
            .segments
            .iter()
            .find(|g| g.members.contains(&i))
            .map_or(SegmentKind::LowRisk, |g| g.kind.clone());
        assert_eq!(primary, first, "customer {i}");
    }
}
