//! One answer from every door: the commands read the notebooks' parameters, the deployed
//! model is the one whose probabilities the study reports (so a campaign on the study's
//! snapshot targets exactly the study's offers), and no command damages its own files.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use oneclick::params::{ChangedBy, Parameters};
use oneclick::study::Study;

fn oneclick() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oneclick"));
    c.env_remove("ONECLICK_DATA")
        .env_remove("ONECLICK_DATA_URL")
        .env_remove("ONECLICK_PARAMS");
    c
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    oneclick().args(args).output().unwrap()
}

fn ok(o: &Output) -> String {
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

fn failed(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "expected exit code 1: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// results.json without what may differ between two honest runs: the timings, and the
/// parameters' sources (a file against the built-in defaults).
fn numbers(mut r: serde_json::Value) -> serde_json::Value {
    r.as_object_mut().unwrap().remove("timings");
    for p in r["parameters"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("source");
    }
    r
}

#[test]
fn the_cli_and_the_notebooks_give_the_same_results_under_one_set() {
    let out = tempfile::tempdir().unwrap();
    let data = common::synthetic_dir();
    let o = run(&[
        "study".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.path().as_os_str(),
        "--set".as_ref(),
        "selection.seed=7".as_ref(),
    ]);
    let stdout = ok(&o);
    assert!(
        stdout.contains("selection.seed = 7 (was 42; --set)"),
        "{stdout}"
    );
    let cli = json(&out.path().join("results.json"));
    // every key of the calibration block once (the flattened figures beside the map)
    let text = std::fs::read_to_string(out.path().join("results.json")).unwrap();
    let block = &text[text.find("\"calibration\": {").unwrap()..];
    let block = &block[..block.find("\n  },").unwrap()];
    for key in ["recalibration", "recalibration_cv", "hosmer_lemeshow"] {
        let at_top = format!("\n    \"{key}\":");
        assert_eq!(block.matches(&at_top).count(), 1, "{key} in {block}");
    }
    assert!(cli["calibration"]["recalibration_cv"]["better"].is_string());
    let seed = cli["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "selection.seed")
        .unwrap();
    assert_eq!(seed["value"], 7);
    assert_eq!(seed["source"], "--set");
    for key in [
        "selection.test_size",
        "selection.search.folds",
        "segments.folds",
    ] {
        assert!(
            cli["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["key"] == key && p["source"] == "default"),
            "{key} is not recorded"
        );
    }
    // What a notebook does under `run.sh --set selection.seed=7`: the project's parameter
    // file, then the change.
    let mut p =
        Parameters::from_file(&oneclick::Data::project_dir().join("notebooks/parameters.jsonc"))
            .unwrap();
    p.apply_sets(["selection.seed=7"], ChangedBy::Set, "ONECLICK_SET")
        .unwrap();
    let study = Study::run(&p.options.with_data(data)).unwrap();
    let notebook = serde_json::to_value(study.results().unwrap()).unwrap();
    assert_eq!(numbers(cli), numbers(notebook));
}

/// `(id, lever, probability, expected_gain)` of every customer with a paying offer.
type Offer = (i64, String, f64, f64);

fn study_offers(results: &serde_json::Value) -> Vec<Offer> {
    let mut v: Vec<Offer> = results["offers"]["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["lever"].as_str().unwrap().to_string(),
                c["probability"].as_f64().unwrap(),
                c["expected_gain"].as_f64().unwrap(),
            )
        })
        .collect();
    v.sort_by_key(|o| o.0);
    v
}

fn campaign_offers(path: &Path) -> Vec<Offer> {
    let c = oneclick::evaluate::Campaign::read(path).unwrap();
    let mut v: Vec<Offer> = c
        .rows
        .iter()
        .map(|r| (r.id, r.lever.clone(), r.probability, r.expected_gain))
        .collect();
    v.sort_by_key(|o| o.0);
    v
}

/// `study --save-model` then `campaign` on the same snapshot: the campaign's customers,
/// levers, probabilities and expected gains are the study's offers.
fn campaign_is_the_study(data: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("study");
    let model = dir.path().join("model.json");
    ok(&run(&[
        "study".as_ref(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--save-model".as_ref(),
        model.as_os_str(),
    ]));
    let campaign = dir.path().join("campaign").join("campaign.csv");
    let stdout = ok(&run(&[
        "campaign".as_ref(),
        "--model".as_ref(),
        model.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        campaign.as_os_str(),
    ]));
    assert!(
        stdout.contains(&format!("parameters: model file {}", model.display())),
        "{stdout}"
    );
    let study = study_offers(&json(&out.join("results.json")));
    let drawn = campaign_offers(&campaign);
    assert!(!study.is_empty());
    let ids = |v: &[Offer]| v.iter().map(|o| o.0).collect::<Vec<_>>();
    assert_eq!(
        ids(&drawn),
        ids(&study),
        "the campaign targets other customers"
    );
    for (a, b) in drawn.iter().zip(&study) {
        assert_eq!(a.1, b.1, "customer {}: lever", a.0);
        for (what, x, y) in [("p", a.2, b.2), ("gain", a.3, b.3)] {
            assert!((x - y).abs() <= 1e-9, "customer {}: {what} {x} vs {y}", a.0);
        }
    }
}

#[test]
fn a_campaign_on_the_study_snapshot_targets_the_study_offers_synthetic() {
    campaign_is_the_study(&common::synthetic_dir());
}

#[test]
fn a_campaign_on_the_study_snapshot_targets_the_study_offers_originals() {
    if let Some(dir) = common::real_data_dir("campaign = study on the originals") {
        campaign_is_the_study(&dir);
    }
}

#[test]
fn a_new_customer_is_scored_by_the_average_of_the_fold_models() {
    let table = common::synthetic_table();
    let options = oneclick::checked::Checked::default();
    let pipeline = oneclick::model::Pipeline::new(
        oneclick::model::Scaler::Standard,
        oneclick::model::LogisticRegression::new(1.0),
    );
    let seg = oneclick::segment::Segmentation::run(&table, &pipeline, 0.5, &options).unwrap();
    let mut model = common::synthetic_svc_model();
    model.recalibration = seg.recalibration;
    let oof = seg.oof.as_ref().unwrap();
    let ids = table.ids().unwrap();
    let features = table.features().unwrap();
    model.folds = oof
        .folds
        .iter()
        .zip(&oof.models)
        .map(|((_, valid), m)| oneclick::score::FoldModel {
            pipeline: m.clone(),
            typical: oneclick::offers::Typical::of(&table).unwrap(),
            ids: valid.iter().map(|i| ids[*i]).collect(),
        })
        .collect();
    let raw = oneclick::Data::load(common::synthetic_dir()).unwrap();
    let prepared = oneclick::score::prepare(&model, raw.clone()).unwrap();
    let known = model.probabilities(&prepared).unwrap();
    let oof_p = oneclick::frame::f64_values(&seg.frame, oneclick::segment::PROBABILITY).unwrap();
    assert_eq!(prepared.ids, ids);
    for (a, b) in known.iter().zip(&oof_p) {
        assert!((a - b).abs() <= 1e-12, "{a} vs {b}");
    }
    // the same customers under new ids: the average of the fold models
    let mut unknown = model.clone();
    for f in &mut unknown.folds {
        f.ids.iter_mut().for_each(|id| *id += 10_000_000);
    }
    let new = unknown.probabilities(&prepared).unwrap();
    let k = oof.models.len() as f64;
    for (i, v) in new.iter().enumerate() {
        let row = oneclick::split::take_rows(&features, &[i]).unwrap();
        let mean: f64 = oof
            .models
            .iter()
            .map(|m| seg.recalibration.apply(m.predict_proba(&row).unwrap()[0]))
            .sum::<f64>()
            / k;
        assert!((v - mean).abs() <= 1e-12, "row {i}: {v} vs {mean}");
    }
}

/// A scratch copy of the synthetic data and a model saved beside it.
fn data_and_model() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = common::copy_data(&common::synthetic_dir());
    let model = dir.path().join("model.json");
    common::synthetic_svc_model().save(&model).unwrap();
    let data = dir.path().to_path_buf();
    (dir, data, model)
}

#[test]
fn an_output_that_is_an_input_is_refused_before_any_work() {
    let (_dir, data, model) = data_and_model();
    let before = std::fs::read(&model).unwrap();
    let market = data.join("market_file.csv");
    let market_before = std::fs::read(&market).unwrap();
    for (args, expected) in [
        (
            vec!["campaign", "--model", "M", "--data", "D", "--out", "M"],
            "--out M: is also an input (--model M)",
        ),
        (
            vec![
                "score",
                "--model",
                "M",
                "--data",
                "D",
                "--out",
                "D/market_file.csv",
            ],
            "is also an input (--data",
        ),
        (
            vec!["monitor", "--model", "M", "--data", "D", "--json", "M"],
            "--json M: is also an input (--model M)",
        ),
        (
            vec!["campaign", "--model", "M", "--data", "D", "--out", "D"],
            "--out D: is a directory",
        ),
    ] {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                a.replace("D", &data.display().to_string())
                    .replace("M", &model.display().to_string())
            })
            .collect();
        let o = oneclick().args(&args).output().unwrap();
        let e = failed(&o);
        let expected = expected
            .replace("D", &data.display().to_string())
            .replace("M", &model.display().to_string());
        assert!(e.contains(&expected), "{args:?}: {e}");
    }
    assert_eq!(std::fs::read(&model).unwrap(), before);
    assert_eq!(std::fs::read(&market).unwrap(), market_before);
    // evaluate --json on the campaign's own plan
    let campaign = data.join("c.csv");
    ok(&oneclick()
        .args(["campaign", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&campaign)
        .output()
        .unwrap());
    let plan = data.join("c.plan.json");
    let plan_before = std::fs::read(&plan).unwrap();
    let e = failed(
        &oneclick()
            .args(["evaluate", "--campaign"])
            .arg(&campaign)
            .arg("--outcomes")
            .arg(&campaign)
            .arg("--json")
            .arg(&plan)
            .output()
            .unwrap(),
    );
    assert!(e.contains("is also an input (--campaign (its plan)"), "{e}");
    assert_eq!(std::fs::read(&plan).unwrap(), plan_before);
}

#[test]
fn a_mixed_or_damaged_campaign_set_is_refused_naming_what_is_wrong() {
    let (_dir, data, model) = data_and_model();
    let draw = |out: &Path, seed: &str| {
        ok(&oneclick()
            .args(["campaign", "--model"])
            .arg(&model)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(out)
            .args(["--seed", seed])
            .output()
            .unwrap())
    };
    let a = data.join("a").join("campaign.csv");
    let b = data.join("b").join("campaign.csv");
    draw(&a, "1");
    draw(&b, "2");
    // another run's plan beside this file: refused, even though the counts match
    std::fs::copy(
        oneclick::evaluate::Campaign::plan_path(&b),
        oneclick::evaluate::Campaign::plan_path(&a),
    )
    .unwrap();
    let e = oneclick::evaluate::Campaign::read(&a)
        .unwrap_err()
        .to_string();
    assert!(e.contains("different runs"), "{e}");
    // a damaged field is named
    draw(&a, "1");
    let plan = oneclick::evaluate::Campaign::plan_path(&a);
    let mut v = json(&plan);
    v["alpha"] = serde_json::json!(5);
    std::fs::write(&plan, serde_json::to_vec(&v).unwrap()).unwrap();
    let e = oneclick::evaluate::Campaign::read(&a)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("field alpha = 5: expected a level strictly between 0 and 1"),
        "{e}"
    );
    // a run that holds the lock: a second run is refused and the set is left whole
    draw(&a, "1");
    let lock = a.with_file_name(".campaign.plan.json.lock");
    std::fs::write(&lock, std::process::id().to_string()).unwrap();
    let before = std::fs::read(&a).unwrap();
    let o = oneclick()
        .args(["campaign", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(&a)
        .args(["--seed", "3"])
        .output()
        .unwrap();
    let e = failed(&o);
    assert!(e.contains("another oneclick run"), "{e}");
    assert_eq!(std::fs::read(&a).unwrap(), before);
    assert!(oneclick::evaluate::Campaign::read(&a).is_ok());
    // a lock and temporary files of a run that no longer exists are cleaned up
    std::fs::write(&lock, "999999999").unwrap();
    std::fs::write(a.with_file_name(".campaign.csv.999999999.tmp"), "half").unwrap();
    draw(&a, "3");
    let left: Vec<String> = std::fs::read_dir(a.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // a share that leaves an arm empty is refused, naming the flag and the key
    let o = oneclick()
        .args(["campaign", "--model"])
        .arg(&model)
        .arg("--data")
        .arg(&data)
        .arg("--out")
        .arg(data.join("c").join("campaign.csv"))
        .args(["--test-share", "1e-9"])
        .output()
        .unwrap();
    let e = failed(&o);
    assert!(e.contains("launch.campaign.test_share"), "{e}");
    assert!(!data.join("c").join("campaign.csv").exists());
}

#[test]
fn absurd_money_is_refused_naming_file_line_and_value() {
    let dir = common::copy_data(&common::synthetic_dir());
    let money = dir.path().join("money.csv");
    let text = std::fs::read_to_string(&money).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let sep = if lines[0].contains(';') { ';' } else { ',' };
    let (id, _) = lines[2].split_once(sep).unwrap();
    lines[2] = format!("{id}{sep}1e308");
    std::fs::write(&money, lines.join("\n") + "\n").unwrap();
    let e = oneclick::Data::load(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("money.csv: line 3: column \"Прибыль\": value \"1e308\""),
        "{e}"
    );
    assert!(e.contains("from -1e9 to 1e9"), "{e}");
}

#[test]
fn argument_errors_exit_with_1_and_parameter_errors_name_the_key_or_flag() {
    let o = oneclick().args(["study", "--bogus"]).output().unwrap();
    failed(&o);
    let out = tempfile::tempdir().unwrap();
    let o = oneclick()
        .args(["study", "--out"])
        .arg(out.path())
        .args(["--set", "selection.sed=7"])
        .output()
        .unwrap();
    let e = failed(&o);
    assert!(e.contains("selection.sed = ?"), "{e}");
    let o = oneclick()
        .args(["study", "--out"])
        .arg(out.path())
        .arg("--anomaly-z=-1")
        .output()
        .unwrap();
    let e = failed(&o);
    assert!(e.contains("--anomaly-z (cleaning.anomaly_z) = -1"), "{e}");
    // a parameter file that is not one is an error, not silently the defaults
    let garbage = out.path().join("params.jsonc");
    std::fs::write(&garbage, "[1, 2, 3]").unwrap();
    let o = oneclick()
        .args(["study", "--out"])
        .arg(out.path())
        .env("ONECLICK_PARAMS", &garbage)
        .output()
        .unwrap();
    let e = failed(&o);
    assert!(e.contains("a parameter file: a JSON object"), "{e}");
    assert!(!out.path().join("results.json").exists());
}

#[test]
fn the_progress_total_is_the_number_of_fits_made_under_halving() {
    let (_dir, table) = common::synthetic_store(1800, 5);
    let mut options = oneclick::search::SelectionOptions {
        halving_rows: 1000,
        ..Default::default()
    };
    options.candidates = (1..=10)
        .map(|k| {
            oneclick::model::Pipeline::new(
                oneclick::model::Scaler::Standard,
                oneclick::model::LogisticRegression::new(0.01 * f64::from(k)),
            )
        })
        .collect();
    let progress =
        oneclick::progress::Progress::every("fits", 0, std::time::Duration::from_secs(3600));
    let options = oneclick::checked::Checked::new(options).unwrap();
    let s = oneclick::search::ModelSelection::run(&table, &options, Some(&progress)).unwrap();
    assert!(
        s.halving.is_some(),
        "the training part is above halving_rows"
    );
    // 10 → 4 → 2 candidates on 5 folds
    assert_eq!(progress.total(), (10 + 4 + 2) * 5);
    assert_eq!(progress.done(), progress.total());
}
