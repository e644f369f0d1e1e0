//! Levers, reasons and offers: the what-if moves only a lever's own features, offers move
//! features in their own units towards (never past) the typical level, every number of a
//! customer comes from the fold model that gave their probability, the offer is the
//! best-paying allowed lever, the result is deterministic across thread counts, and bad
//! assumptions are errors naming the parameter.

mod common;

use oneclick::calibration::PlattMap;
use oneclick::checked::{Check, Checked};
use oneclick::model::{Fit, LogisticRegression, Pipeline, Scaler};
use oneclick::offers::{LEVERS, OfferOptions, OfferPlan, Typical, TypicalValue, Unseen, what_if};
use oneclick::segment::Segmentation;
use polars::prelude::*;

fn fitted(table: &oneclick::ModelTable) -> oneclick::model::FittedPipeline {
    let model = LogisticRegression::new(1.0);
    model.check().unwrap();
    Pipeline::new(Scaler::Standard, model)
        .fit(&table.features().unwrap(), &table.target().unwrap())
        .unwrap()
}

/// Out-of-fold segmentation with a standardised logistic regression, risk threshold 0,5.
fn segmentation(table: &oneclick::ModelTable) -> Segmentation {
    Segmentation::run(
        table,
        &Pipeline::new(Scaler::Standard, LogisticRegression::new(1.0)),
        0.5,
        &Checked::default(),
    )
    .unwrap()
}

#[test]
fn moving_a_lever_changes_only_its_own_features_and_offers_move_in_their_own_units() {
    let table = common::synthetic_table();
    let features = table.features().unwrap();
    let pipeline = fitted(&table);
    let typical = Typical::of(&table).unwrap();
    let options = OfferOptions::default();
    let wi = what_if(
        &pipeline,
        &features,
        &typical,
        &options.levers,
        &PlattMap::IDENTITY,
        true,
    )
    .unwrap();
    let p = pipeline.predict_proba(&features).unwrap();
    assert_eq!(wi.p, p.to_vec());
    let n = features.height();
    let number = |f: &str| match typical.get(f).unwrap() {
        TypicalValue::Number(x) => *x,
        TypicalValue::Category(_) => panic!("{f} is categorical"),
    };
    let close = |got: f64, expected: f64, what: &str| {
        assert!(
            (got - expected).abs() < 1e-12,
            "{what}: {got} vs {expected}"
        );
    };
    for (k, lever) in LEVERS.iter().enumerate() {
        // the reason: the lever's columns set to the typical level in the frame
        let mut moved = features.clone();
        for f in lever.features {
            let column = match typical.get(f).unwrap() {
                TypicalValue::Number(x) => Column::new((*f).into(), vec![*x; n]),
                TypicalValue::Category(c) => Column::new((*f).into(), vec![c.as_str(); n]),
            };
            moved.with_column(column).unwrap();
        }
        let q = pipeline.predict_proba(&moved).unwrap();
        for i in 0..n {
            close(
                wi.full[[i, k]],
                p[i] - q[i],
                &format!("{} row {i}", lever.id),
            );
        }
        // the offer: each feature moved by its change in its own units, towards the
        // typical level and never past it
        let Ok(a) = options.lever(lever.id) else {
            assert!(
                wi.offer.column(k).iter().all(|v| v.is_nan()),
                "{}",
                lever.id
            );
            continue;
        };
        let mut stepped = features.clone();
        for e in &a.effect {
            let t = number(&e.feature);
            let x = oneclick::frame::f64_values(&features, &e.feature).unwrap();
            let x2: Vec<f64> = x
                .iter()
                .map(|v| {
                    if e.change > 0.0 && *v < t {
                        (v + e.change).min(t)
                    } else if e.change < 0.0 && *v > t {
                        (v + e.change).max(t)
                    } else {
                        *v
                    }
                })
                .collect();
            // never past the typical level, never against the risk-lowering direction
            for (before, after) in x.iter().zip(&x2) {
                assert!((after - before) * e.change >= 0.0);
                assert!((after - t) * (before - t) >= 0.0, "{}: past {t}", e.feature);
            }
            stepped
                .with_column(Column::new(e.feature.as_str().into(), x2))
                .unwrap();
        }
        let q = pipeline
            .predict_proba(if a.effect.is_empty() {
                &moved
            } else {
                &stepped
            })
            .unwrap();
        for i in 0..n {
            close(
                wi.offer[[i, k]],
                p[i] - q[i],
                &format!("offer {} row {i}", lever.id),
            );
        }
    }
    // one feature at a time
    let single = wi.single.as_ref().unwrap();
    for (j, (f, _)) in oneclick::offers::single_features().iter().enumerate() {
        let mut moved = features.clone();
        let column = match typical.get(f).unwrap() {
            TypicalValue::Number(x) => Column::new((*f).into(), vec![*x; n]),
            TypicalValue::Category(c) => Column::new((*f).into(), vec![c.as_str(); n]),
        };
        moved.with_column(column).unwrap();
        let q = pipeline.predict_proba(&moved).unwrap();
        for i in (0..n).step_by(37) {
            close(single[[i, j]], p[i] - q[i], &format!("single {f} row {i}"));
        }
    }
    // the typical level is the median of the customers whose activity held
    let y = table.target().unwrap();
    let pages = oneclick::frame::f64_values(&features, oneclick::schema::PAGES_PER_VISIT).unwrap();
    let held: Vec<f64> = (0..y.len())
        .filter(|i| y[*i] == 0)
        .map(|i| pages[i])
        .collect();
    assert_eq!(
        typical.get(oneclick::schema::PAGES_PER_VISIT),
        Some(&TypicalValue::Number(oneclick::stats::median(&held)))
    );
    assert_eq!(
        typical.get(oneclick::schema::SERVICE_TYPE),
        Some(&TypicalValue::Category("премиум".into()))
    );
}

#[test]
fn one_model_per_customer_the_best_paying_offer_and_no_dependence_on_threads() {
    let table = common::synthetic_table();
    let seg = segmentation(&table);
    let options = Checked::<OfferOptions>::default();
    let plan = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| OfferPlan::build(&table, &seg, &options).unwrap())
    };
    let one = plan(1);
    let two = plan(2);
    assert_eq!(one.all, two.all);
    assert_eq!(one.sensitivity, two.sensitivity);
    assert_eq!(one.all.len(), table.height());
    // every customer's probability is the one their own fold model gives (through the
    // recalibration map, when the calibration check asked for one), and the reasons and
    // offers come from that model: no drop exceeds the probability
    let features = table.features().unwrap();
    let oof = seg.oof.as_ref().unwrap();
    let mut checked = 0;
    for ((_, valid), model) in oof.folds.iter().zip(&oof.models) {
        let p = model
            .predict_proba(&oneclick::search::take_rows(&features, valid).unwrap())
            .unwrap();
        for (r, i) in valid.iter().enumerate() {
            let c = &one.all[*i];
            let shown = seg.recalibration.apply(p[r]);
            assert!((c.probability - shown).abs() < 1e-12, "{}", c.id);
            assert!(c.reasons.iter().all(|x| x.effect <= c.probability + 1e-12));
            assert!(
                c.candidates
                    .iter()
                    .all(|x| x.effect <= c.probability + 1e-12)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, table.height());
    let mut targeted = 0;
    let mut below = 0;
    let mut refused_messages = 0;
    for c in &one.all {
        assert!(c.reasons.len() <= options.max_reasons);
        assert!(c.reasons.windows(2).all(|w| w[0].effect >= w[1].effect));
        for x in &c.candidates {
            let lever = LEVERS.iter().find(|l| l.id == x.lever).unwrap();
            assert!(lever.actionable, "{}", x.lever);
            // customers who refused messages are never offered a messaging lever
            assert!(c.consent || !lever.needs_consent, "{}: {}", c.id, x.lever);
            let a = options.lever(x.lever).unwrap();
            let scale = c.profit * options.horizon_months * options.loss_share;
            assert!((x.cost - a.cost_for(c.profit)).abs() < 1e-12);
            assert!((x.net_gain - (x.effect * scale - x.cost)).abs() < 1e-12);
        }
        let best = c
            .candidates
            .iter()
            .map(|x| x.net_gain)
            .fold(f64::NEG_INFINITY, f64::max);
        if c.targeted() {
            // the offer is the allowed lever with the largest expected net gain
            assert_eq!(c.expected_gain, best, "{}", c.id);
            targeted += 1;
            below += usize::from(!c.at_risk);
            refused_messages += usize::from(!c.consent);
        } else {
            // nobody is left without an offer while an allowed lever would pay
            assert!(best <= 0.0, "{}: {best}", c.id);
            assert_eq!(c.expected_gain, 0.0);
        }
        assert_eq!(c.at_risk, c.probability >= seg.thresholds.risk);
    }
    assert!(
        targeted > 50 && refused_messages > 5 && below > 0,
        "{targeted}, {refused_messages}, {below}"
    );
    assert_eq!(one.customers.len(), targeted);
    assert_eq!(one.everyone.targeted, targeted);
    assert_eq!(
        one.total.targeted + one.below_threshold.targeted,
        one.everyone.targeted
    );
    // segments' money adds up for the main segment's members
    let main = &one.by_segment[0];
    assert_eq!(main.money.customers, seg.main().size);
    assert_eq!(
        main.levers.iter().map(|l| l.customers).sum::<usize>(),
        main.money.customers
    );
    // both rankings of the top reasons cover the at-risk customers with a reason
    let with_reason = one
        .all
        .iter()
        .filter(|c| c.at_risk && !c.reasons.is_empty())
        .count();
    assert_eq!(
        one.top_reasons.iter().map(|r| r.by_lever).sum::<usize>(),
        with_reason
    );
    // the A/B plan: break-even drop = Σ cost / Σ profit × horizon × loss share
    let group: Vec<&oneclick::offers::CustomerOffer> =
        one.all.iter().filter(|c| c.targeted()).collect();
    let cost: f64 = group.iter().map(|c| c.cost).sum();
    let money: f64 = group
        .iter()
        .map(|c| c.profit * options.horizon_months * options.loss_share)
        .sum();
    let ab = &one.ab_test_eligible;
    assert_eq!(ab.segment_size, group.len());
    assert!((ab.break_even_drop - cost / money).abs() < 1e-12);
}

#[test]
fn offers_need_the_fold_models() {
    let table = common::synthetic_table();
    let p = vec![0.5; table.height()];
    let seg = Segmentation::from_probabilities(&table, &p, 0.5, &Checked::default()).unwrap();
    let e = OfferPlan::build(&table, &seg, &Checked::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no fold models"), "{e}");
}

#[test]
fn one_customer_redone_by_hand_through_unseen_equals_the_plan() {
    let table = common::synthetic_table();
    let seg = segmentation(&table);
    let options = Checked::<OfferOptions>::default();
    let plan = OfferPlan::build(&table, &seg, &options).unwrap();
    let mut redone = 0;
    for c in plan.all.iter().filter(|c| c.lever.is_some()).take(20) {
        let u = Unseen::of(&table, &seg, c.id).unwrap();
        assert!((u.probability(&u.features).unwrap() - c.probability).abs() < 1e-12);
        let a = options.lever(c.lever.unwrap()).unwrap();
        if a.effect.is_empty() {
            continue; // a categorical lever's offer is a switch, not a step
        }
        // the offer's step towards the typical level, never past it
        let mut moved = u.features.clone();
        for e in &a.effect {
            let (x, t) = (
                u.value(&e.feature).unwrap(),
                u.typical_value(&e.feature).unwrap(),
            );
            let x2 = if e.change > 0.0 && x < t {
                (x + e.change).min(t)
            } else if e.change < 0.0 && x > t {
                (x + e.change).max(t)
            } else {
                x
            };
            moved
                .with_column(Column::new(e.feature.as_str().into(), [x2]))
                .unwrap();
        }
        let effect = c.probability - u.probability(&moved).unwrap();
        assert!(
            (effect - c.effect).abs() < 1e-12,
            "{}: {effect} vs {}",
            c.id,
            c.effect
        );
        redone += 1;
    }
    assert!(redone >= 5, "{redone}");
    // an id outside the table and a segmentation without fold models are errors
    let e = Unseen::of(&table, &seg, -1).unwrap_err().to_string();
    assert!(e.contains("id") && e.contains("-1"), "{e}");
    let p = vec![0.5; table.height()];
    let flat = Segmentation::from_probabilities(&table, &p, 0.5, &Checked::default()).unwrap();
    let e = Unseen::of(&table, &flat, plan.all[0].id)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no fold models"), "{e}");
}

#[test]
fn bad_assumptions_are_errors_naming_the_parameter() {
    let with = |f: &dyn Fn(&mut OfferOptions)| {
        let mut o = OfferOptions::default();
        f(&mut o);
        o
    };
    for (options, name) in [
        (with(&|o| o.loss_share = 1.5), "offers.loss_share = 1.5"),
        (with(&|o| o.loss_share = -0.1), "offers.loss_share = -0.1"),
        (with(&|o| o.alpha = 0.0), "offers.alpha = 0"),
        (with(&|o| o.power = 1.0), "offers.power = 1"),
        (
            with(&|o| o.levers[0].cost = -1.0),
            "offers.levers.engagement.cost = -1",
        ),
        (
            with(&|o| o.levers[3].discount = 1.5),
            "offers.levers.promo.discount = 1.5",
        ),
        (
            with(&|o| o.levers[3].effect[0].change = 0.1),
            "offers.levers.promo.Акционные_покупки = 0.1: expected a change in the risk-lowering direction",
        ),
        (
            with(&|o| o.levers[0].lever = "happiness".into()),
            "offers.levers = happiness: expected a known actionable lever",
        ),
        (
            with(&|o| o.levers[0].lever = "tenure".into()),
            "offers.levers = tenure: expected an actionable lever",
        ),
    ] {
        let e = options.check().unwrap_err().to_string();
        assert!(e.contains(name), "{e}");
    }
    assert!(OfferOptions::default().check().is_ok());
    // the setters check at once
    let mut o = OfferOptions::default();
    let e = o
        .set_effect("engagement", oneclick::schema::PAGES_PER_VISIT, -1.0)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("offers.levers.engagement.Страниц_за_визит = -1"),
        "{e}"
    );
    let e = o
        .set_effect("engagement", oneclick::schema::PROMO_SHARE, 1.0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("a feature this offer can change"), "{e}");
    let e = o.set_cost("cart", -0.1, 0.0).unwrap_err().to_string();
    assert!(e.contains("offers.levers.cart.cost = -0.1"), "{e}");
    o.set_effect("engagement", oneclick::schema::PAGES_PER_VISIT, 2.0)
        .unwrap()
        .set_cost("engagement", 0.1, 0.0)
        .unwrap();
    assert_eq!(o.lever("engagement").unwrap().effect[0].change, 2.0);
    assert_eq!(o.lever("engagement").unwrap().cost, 0.1);
    assert!(o.check().is_ok());
}

#[test]
fn the_rbf_fast_path_of_moved_rows_equals_scoring_moved_copies() {
    use oneclick::model::{Classifier, Kernel, Move, Svc};
    let table = common::synthetic_table();
    let features = table.features().unwrap();
    let pipeline = Pipeline::new(
        Scaler::Standard,
        Svc::new(Kernel::Rbf, 1.0).with_probability(3),
    )
    .fit(&features, &table.target().unwrap())
    .unwrap();
    let x = pipeline.transform(&features).unwrap();
    let moves = vec![
        Move {
            cols: vec![0, 3],
            target: vec![0.5, -1.0],
            shift: 1.0,
            step: None,
        },
        Move {
            cols: vec![2],
            target: vec![2.0],
            shift: 0.5,
            step: None,
        },
        Move {
            cols: vec![],
            target: vec![],
            shift: 0.5,
            step: None,
        },
        Move {
            cols: vec![1, 4],
            target: vec![0.3, -0.2],
            shift: 1.0,
            step: Some(vec![0.5, -0.25]),
        },
    ];
    let fast = pipeline
        .model
        .predict_proba_moves(x.view(), &moves)
        .unwrap();
    // column 0 is the model's own probability, bit for bit
    assert_eq!(
        fast.column(0).to_owned(),
        pipeline.model.predict_proba(x.view()).unwrap()
    );
    for (v, m) in moves.iter().enumerate() {
        let slow = pipeline
            .model
            .predict_proba(m.apply(x.view()).view())
            .unwrap();
        let gap = (&fast.column(1 + v) - &slow)
            .mapv(f64::abs)
            .fold(0.0f64, |a, b| a.max(*b));
        assert!(gap < 1e-12, "move {v}: {gap}");
    }
}

#[test]
fn other_models_rescore_only_moved_rows_and_equal_scoring_moved_copies() {
    use oneclick::model::{Classifier, DecisionTree, Gbdt, Knn, Model, Move};
    let table = common::synthetic_table();
    let features = table.features().unwrap();
    let y = table.target().unwrap();
    // one move that changes every row, one bounded step that leaves rows beyond the
    // target as they are, one that changes nothing
    let moves = vec![
        Move {
            cols: vec![0, 3],
            target: vec![0.5, -1.0],
            shift: 1.0,
            step: None,
        },
        Move {
            cols: vec![1, 4],
            target: vec![0.0, 0.0],
            shift: 1.0,
            step: Some(vec![0.5, -0.25]),
        },
        Move {
            cols: vec![],
            target: vec![],
            shift: 1.0,
            step: None,
        },
    ];
    for model in [
        Model::from(Gbdt::new(0.1, 30, 15)),
        LogisticRegression::new(1.0).into(),
        DecisionTree::new(6, 2, 1).into(),
        Knn::new(7).into(),
    ] {
        let family = model.family();
        let pipeline = Pipeline::new(Scaler::Standard, model)
            .fit(&features, &y)
            .unwrap();
        let x = pipeline.transform(&features).unwrap();
        let fast = pipeline
            .model
            .predict_proba_moves(x.view(), &moves)
            .unwrap();
        let base = pipeline.model.predict_proba(x.view()).unwrap();
        assert_eq!(fast.column(0).to_owned(), base, "{family}");
        for (v, m) in moves.iter().enumerate() {
            let slow = pipeline
                .model
                .predict_proba(m.apply(x.view()).view())
                .unwrap();
            assert_eq!(fast.column(1 + v).to_owned(), slow, "{family}, move {v}");
        }
        // the bounded step leaves some rows unchanged: their probability is the base one
        let moved = moves[1].apply(x.view());
        let still = (0..x.nrows()).filter(|&i| moved.row(i) == x.row(i)).count();
        assert!(
            still > 0 && still < x.nrows(),
            "{family}: {still} rows unchanged"
        );
    }
}
