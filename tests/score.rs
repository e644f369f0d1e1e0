//! The saved model and `score` on new snapshots: what is scored, what is refused and
//! why. Every refusal names where the problem is; nothing is scored silently wrong.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use oneclick::model::{Kernel, Pipeline, Scaler, Svc};
use oneclick::offers::LEVERS;
use oneclick::schema::{FileId, POPULAR_CATEGORY};
use oneclick::score::{SavedModel, Scores, score};
use polars::prelude::*;

/// A model fitted on the embedded synthetic data, with the study's segments and offers.
fn model() -> &'static SavedModel {
    static MODEL: OnceLock<SavedModel> = OnceLock::new();
    MODEL.get_or_init(common::synthetic_svc_model)
}

fn edit(dir: &Path, file: FileId, f: impl Fn(&str) -> String) {
    let path = dir.join(file.file_name());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, f(&text)).unwrap();
}

#[test]
fn saved_model_round_trips_and_scores_every_valid_customer() {
    let model = model();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    let loaded = SavedModel::load(&path).unwrap();
    assert_eq!(&loaded, model);

    let scores = score(&loaded, &common::synthetic_dir()).unwrap();
    assert_eq!(scores.rows.len(), 1296);
    // the four customers cleaning removes are listed with their reason, not scored
    assert_eq!(scores.not_scored.len(), 4);
    assert!(
        scores
            .not_scored
            .iter()
            .all(|(_, reason)| !reason.is_empty())
    );
    let table = common::synthetic_table();
    let p = model.folds[0]
        .pipeline
        .predict_proba(&table.features().unwrap())
        .unwrap();
    let consent: Vec<bool> =
        oneclick::frame::str_values(&table.features().unwrap(), oneclick::schema::ALLOW_MESSAGES)
            .unwrap()
            .iter()
            .map(|v| v == "да")
            .collect();
    let mut offers = 0;
    for ((r, p), consent) in scores.rows.iter().zip(p.iter()).zip(&consent) {
        assert_eq!(r.probability, *p);
        assert_eq!(&*r.segment == "low_risk", *p < model.thresholds.risk);
        // reasons raise the risk, strongest first; the offer is an actionable lever the
        // customer's consent allows
        let effects: Vec<f64> = r.reasons.iter().flatten().map(|(_, e)| *e).collect();
        assert!(effects.iter().all(|e| *e > 0.0));
        assert!(effects.windows(2).all(|w| w[0] >= w[1]));
        if let Some(k) = r.lever {
            let lever = &LEVERS[usize::from(k)];
            assert!(lever.actionable);
            assert!(*consent || !lever.needs_consent, "{}", r.id);
            offers += 1;
        } else {
            assert_eq!(r.expected_gain, 0.0);
        }
    }
    assert!(offers > 100, "{offers}");

    let out = dir.path().join("scores.csv");
    scores.write_csv(&out).unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with(
        "id,probability,segment,reason_1,effect_1,reason_2,effect_2,reason_3,effect_3,lever,category,expected_gain\n"
    ));
    assert_eq!(text.lines().count(), 1297);
    let mut per_segment: std::collections::BTreeMap<String, usize> = Default::default();
    for record in csv::Reader::from_reader(text.as_bytes()).records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 12);
        *per_segment.entry(record[2].to_string()).or_default() += 1;
        if !record[9].is_empty() {
            assert!(LEVERS.iter().any(|l| l.id == &record[9]));
        }
    }
    // sizes once per segment, adding up to the scored customers
    let summary = std::fs::read_to_string(Scores::segments_path(&out)).unwrap();
    assert!(summary.starts_with("segment,customers,with_offer\n"));
    let mut total = 0;
    for record in csv::Reader::from_reader(summary.as_bytes()).records() {
        let record = record.unwrap();
        let n: usize = record[1].parse().unwrap();
        assert_eq!(Some(&n), per_segment.get(&record[0]), "{}", &record[0]);
        total += n;
    }
    assert_eq!(total, 1296);
    // the texts once per lever (and category variant) in the side file
    let levers = std::fs::read_to_string(Scores::levers_path(&out)).unwrap();
    assert!(levers.starts_with("lever,title,actionable,needs_consent,category,offer\n"));
    for l in &LEVERS {
        assert!(
            levers.contains(&format!("{},{}", l.id, l.title)),
            "{}",
            l.id
        );
    }

    // not a model file / another format version
    std::fs::write(&path, b"{}").unwrap();
    let e = SavedModel::load(&path).unwrap_err().to_string();
    assert!(e.contains("not a oneclick model file"), "{e}");
    let mut other = model.clone();
    other.format = "oneclick-model/0".into();
    other.save(&path).unwrap();
    let e = SavedModel::load(&path).unwrap_err().to_string();
    assert!(e.contains("oneclick-model/0"), "{e}");
}

#[test]
fn new_customer_ids_are_scored_like_known_ones() {
    // Scoring does not depend on the training customers: the same customers under new
    // ids (in all four files) get the same probabilities and segments.
    let dir = common::copy_data(&common::synthetic_dir());
    for file in FileId::ALL {
        edit(dir.path(), file, |text| {
            let mut lines = text.lines();
            let mut out = format!("{}\n", lines.next().unwrap());
            for line in lines {
                let digits = line.bytes().take_while(u8::is_ascii_digit).count();
                let id: i64 = line[..digits].parse().unwrap();
                out.push_str(&format!("{}{}\n", id + 9_000_000, &line[digits..]));
            }
            out
        });
    }
    let known = score(model(), &common::synthetic_dir()).unwrap();
    let new = score(model(), dir.path()).unwrap();
    assert_eq!(known.rows.len(), new.rows.len());
    for (a, b) in known.rows.iter().zip(&new.rows) {
        assert_eq!(a.id + 9_000_000, b.id);
        assert_eq!(a.probability, b.probability);
        assert_eq!(a.segment, b.segment);
    }
}

#[test]
fn category_outside_the_data_vocabulary_is_a_loader_error() {
    let dir = common::copy_data(&common::synthetic_dir());
    edit(dir.path(), FileId::MarketFile, |t| {
        t.replacen("Товары для детей", "Зоотовары", 1)
    });
    let e = score(model(), dir.path()).unwrap_err().to_string();
    for part in ["market_file.csv", "line", POPULAR_CATEGORY, "Зоотовары"] {
        assert!(e.contains(part), "{part:?} missing in: {e}");
    }
}

#[test]
fn category_unseen_in_training_is_an_error_naming_the_customer() {
    // A model trained without «Кухонная посуда» cannot place those customers: refused,
    // naming the first such customer, the column and the value.
    let table = common::synthetic_table();
    let features = table.features().unwrap();
    let y = table.target().unwrap();
    let keep: BooleanChunked = features
        .column(POPULAR_CATEGORY)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v != Some("Кухонная посуда"))
        .collect();
    let y_kept: Vec<u8> = y
        .iter()
        .zip(keep.iter())
        .filter(|(_, k)| k == &Some(true))
        .map(|(v, _)| *v)
        .collect();
    let fitted = Pipeline::new(
        Scaler::Standard,
        Svc::new(Kernel::Rbf, 1.0).with_probability(1),
    )
    .fit(&features.filter(&keep).unwrap(), &y_kept)
    .unwrap();
    let model = common::saved_model(&table, fitted);
    let ids = table.ids().unwrap();
    let first = keep.iter().position(|k| k == Some(false)).unwrap();
    let e = score(&model, &common::synthetic_dir())
        .unwrap_err()
        .to_string();
    for part in [
        format!("customer {}", ids[first]),
        POPULAR_CATEGORY.to_string(),
        "Кухонная посуда".to_string(),
    ] {
        assert!(e.contains(&part), "{part:?} missing in: {e}");
    }
}

#[test]
fn missing_columns_and_other_features_are_refused() {
    // a snapshot without a column the model needs
    let dir = common::copy_data(&common::synthetic_dir());
    edit(dir.path(), FileId::MarketFile, |text| {
        text.lines()
            .map(|l| {
                let mut fields: Vec<&str> = l.split(',').collect();
                fields.pop(); // Страниц_за_визит, the last column
                fields.join(",") + "\n"
            })
            .collect()
    });
    let e = score(model(), dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("market_file.csv") && e.contains("Страниц_за_визит"),
        "{e}"
    );

    // a model whose features differ from the snapshot's
    let mut other = model().clone();
    other.features.retain(|f| f != "Страниц_за_визит");
    let e = score(&other, &common::synthetic_dir())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("features of the snapshot: expected") && e.contains("(the model's), found"),
        "{e}"
    );
}

/// The fitted part of a saved model's JSON.
fn fitted(j: &mut serde_json::Value) -> &mut serde_json::Value {
    &mut j["folds"][0]["pipeline"]["model"]["fitted"]
}

/// Saves `model` as JSON, lets `tamper` edit it, and loads it back.
fn load_tampered(
    model: &SavedModel,
    tamper: impl Fn(&mut serde_json::Value),
) -> oneclick::Result<SavedModel> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    let mut json = serde_json::to_value(model).unwrap();
    tamper(&mut json);
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    SavedModel::load(&path)
}

#[test]
fn tampered_model_files_are_refused_at_load() {
    let model = model();
    let refused = |e: oneclick::Result<SavedModel>, what: &str| {
        let e = e.expect_err(what).to_string();
        assert!(
            e.contains("inconsistent model file") || e.contains("not a oneclick model file"),
            "{what}: {e}"
        );
        e
    };
    // one dual coefficient fewer than support vectors (shapes consistent in themselves)
    let e = refused(
        load_tampered(model, |j| {
            let c = &mut fitted(j)["dual_coef"];
            let n = c["dim"][0].as_u64().unwrap() - 1;
            c["dim"][0] = n.into();
            c["data"].as_array_mut().unwrap().pop();
        }),
        "coefficients",
    );
    assert!(e.contains("one coefficient per vector"), "{e}");
    // support vectors of another width
    refused(
        load_tampered(model, |j| {
            let s = &mut fitted(j)["support"];
            let (r, c) = (s["dim"][0].as_u64().unwrap(), s["dim"][1].as_u64().unwrap());
            s["dim"] = serde_json::json!([r, c - 1]);
            s["data"]
                .as_array_mut()
                .unwrap()
                .truncate((r * (c - 1)) as usize);
        }),
        "width",
    );
    // a negative γ
    refused(
        load_tampered(model, |j| fitted(j)["gamma"] = (-1.0).into()),
        "gamma",
    );
    // a scale of zero in the preprocessing
    let e = refused(
        load_tampered(model, |j| {
            for c in j["folds"][0]["pipeline"]["transformer"]["columns"]
                .as_array_mut()
                .unwrap()
            {
                if c[2].get("Affine").is_some() {
                    c[2]["Affine"]["scale"] = 0.0.into();
                    break;
                }
            }
        }),
        "scale",
    );
    assert!(e.contains("not usable"), "{e}");
    // a missing threshold and a NaN written as null
    refused(
        load_tampered(model, |j| j["thresholds"]["risk"] = serde_json::Value::Null),
        "threshold",
    );

    // a tree whose node points back at itself would never end a walk
    let table = common::synthetic_table();
    let tree = Pipeline::new(
        Scaler::Standard,
        oneclick::model::DecisionTree::new(4, 2, 5),
    )
    .fit(&table.features().unwrap(), &table.target().unwrap())
    .unwrap();
    let tree_model = common::saved_model(&table, tree);
    assert!(load_tampered(&tree_model, |_| {}).is_ok());
    let e = refused(
        load_tampered(&tree_model, |j| {
            let nodes = fitted(j)["nodes"].as_array_mut().unwrap();
            // an inner node other than the root (index 0 as a child means "leaf")
            let inner = (1..nodes.len())
                .find(|i| nodes[*i]["left"].as_u64() != Some(0))
                .unwrap();
            nodes[inner]["left"] = inner.into();
        }),
        "cycle",
    );
    assert!(e.contains("children after the node"), "{e}");
    // kNN with more neighbours than training rows
    let knn = Pipeline::new(Scaler::Standard, oneclick::model::Knn::new(5))
        .fit(&table.features().unwrap(), &table.target().unwrap())
        .unwrap();
    let knn_model = common::saved_model(&table, knn);
    refused(
        load_tampered(&knn_model, |j| {
            j["folds"][0]["pipeline"]["model"]["k"] = 100_000.into()
        }),
        "k",
    );
}
