//! Levers, reasons and offers: the what-if moves only a lever's own features, is
//! deterministic across thread counts, never offers a lever whose move raises the risk,
//! respects consent, and refuses bad assumptions naming the parameter.

mod common;

use oneclick::model::{Fit, LogisticRegression, Pipeline, Scaler};
use oneclick::offers::{LEVERS, OfferOptions, OfferPlan, Typical, TypicalValue, what_if};
use oneclick::segment::{SegmentOptions, Segmentation};
use polars::prelude::*;

fn fitted(table: &oneclick::ModelTable) -> oneclick::model::FittedPipeline {
    let model = LogisticRegression::new(1.0);
    model.check().unwrap();
    Pipeline::new(Scaler::Standard, model)
        .fit(&table.features().unwrap(), &table.target().unwrap())
        .unwrap()
}

#[test]
fn moving_a_lever_changes_only_its_own_features() {
    let table = common::synthetic_table();
    let features = table.features().unwrap();
    let pipeline = fitted(&table);
    let typical = Typical::of(&table).unwrap();
    let wi = what_if(&pipeline, &features, &typical, 0.5).unwrap();
    let p = pipeline.predict_proba(&features).unwrap();
    assert_eq!(wi.p, p.to_vec());
    for (k, lever) in LEVERS.iter().enumerate() {
        // the lever's columns set to the typical level in the frame, nothing else
        let mut moved = features.clone();
        for f in lever.features {
            let n = moved.height();
            let column = match typical.get(f).unwrap() {
                TypicalValue::Number(x) => Column::new((*f).into(), vec![*x; n]),
                TypicalValue::Category(c) => Column::new((*f).into(), vec![c.as_str(); n]),
            };
            moved.with_column(column).unwrap();
        }
        let q = pipeline.predict_proba(&moved).unwrap();
        for i in 0..p.len() {
            let expected = p[i] - q[i];
            assert!(
                (wi.full[[i, k]] - expected).abs() < 1e-12,
                "{}: row {i}: {} vs {expected}",
                lever.id,
                wi.full[[i, k]]
            );
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
fn offers_respect_consent_and_never_raise_the_risk_and_do_not_depend_on_threads() {
    let table = common::synthetic_table();
    let pipeline = fitted(&table);
    let seg = Segmentation::run(
        &table,
        &Pipeline::new(Scaler::Standard, LogisticRegression::new(1.0)),
        0.5,
        &SegmentOptions::default(),
    )
    .unwrap();
    let options = OfferOptions::default();
    let plan = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| OfferPlan::build(&table, &seg, &pipeline, &options).unwrap())
    };
    let one = plan(1);
    let two = plan(2);
    assert_eq!(one.customers, two.customers);
    assert_eq!(one.sensitivity, two.sensitivity);
    assert!(one.customers.len() > 100);
    let typical = Typical::of(&table).unwrap();
    let wi = what_if(
        &pipeline,
        &table.features().unwrap(),
        &typical,
        options.lever_shift,
    )
    .unwrap();
    let ids = table.ids().unwrap();
    let mut with_offer = 0;
    let mut refused_messages = 0;
    for c in &one.customers {
        assert!(c.probability >= seg.thresholds.risk);
        assert!(c.reasons.len() <= options.max_reasons);
        assert!(c.reasons.windows(2).all(|w| w[0].effect >= w[1].effect));
        let row = ids.iter().position(|id| *id == c.id).unwrap();
        if let Some(id) = c.lever {
            let k = LEVERS.iter().position(|l| l.id == id).unwrap();
            let lever = &LEVERS[k];
            assert!(lever.actionable, "{id}");
            // a lever whose move would raise the risk is never the offer
            assert!(
                wi.full[[row, k]] > 0.0 && wi.partial[[row, k]] > 0.0,
                "{}: {id}",
                c.id
            );
            assert_eq!(c.effect, wi.partial[[row, k]]);
            // customers who refused messages never get a messaging offer
            if !c.consent {
                assert!(!lever.needs_consent, "{}: {id}", c.id);
                refused_messages += 1;
            }
            let scale = c.profit * options.horizon_months * options.loss_share;
            assert!((c.expected_gain - (c.effect * scale - options.offer_cost)).abs() < 1e-12);
            with_offer += 1;
        }
    }
    assert!(
        with_offer > 50 && refused_messages > 10,
        "{with_offer}, {refused_messages}"
    );
    // segments' money adds up for the main segment's members
    let main = &one.by_segment[0];
    assert_eq!(main.money.at_risk, seg.main().size);
    assert_eq!(
        main.levers.iter().map(|l| l.customers).sum::<usize>(),
        main.money.at_risk
    );
}

#[test]
fn bad_assumptions_are_errors_naming_the_parameter() {
    for (options, name) in [
        (
            OfferOptions {
                loss_share: 1.5,
                ..Default::default()
            },
            "OfferOptions::loss_share = 1.5",
        ),
        (
            OfferOptions {
                loss_share: -0.1,
                ..Default::default()
            },
            "OfferOptions::loss_share = -0.1",
        ),
        (
            OfferOptions {
                offer_cost: -1.0,
                ..Default::default()
            },
            "OfferOptions::offer_cost = -1",
        ),
        (
            OfferOptions {
                alpha: 0.0,
                ..Default::default()
            },
            "OfferOptions::alpha = 0",
        ),
        (
            OfferOptions {
                power: 1.0,
                ..Default::default()
            },
            "OfferOptions::power = 1",
        ),
        (
            OfferOptions {
                lever_shift: 2.0,
                ..Default::default()
            },
            "OfferOptions::lever_shift = 2",
        ),
    ] {
        let e = options.check().unwrap_err().to_string();
        assert!(e.contains(name), "{e}");
    }
    assert!(OfferOptions::default().check().is_ok());
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
        },
        Move {
            cols: vec![2],
            target: vec![2.0],
            shift: 0.5,
        },
        Move {
            cols: vec![],
            target: vec![],
            shift: 0.5,
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
