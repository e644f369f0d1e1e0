//! The notebooks' one parameter file: it holds the defaults of `StudyOptions`, documents
//! every value, and a change made once (in the file, with `run.sh --set`, or in a cell)
//! reaches what the notebooks compute; bad keys and values are errors naming the key.

mod common;

use oneclick::params::{ChangedBy, Parameters};
use oneclick::prelude::*;

fn committed() -> Parameters {
    let path = Data::project_dir().join("notebooks/parameters.jsonc");
    Parameters::from_text(&std::fs::read_to_string(&path).unwrap(), "parameters.jsonc").unwrap()
}

#[test]
fn the_file_holds_the_documented_defaults_with_a_description_for_every_value() {
    let p = committed();
    let file = serde_json::to_value(&p.options).unwrap();
    let defaults = serde_json::to_value(StudyOptions::default()).unwrap();
    assert_eq!(
        file, defaults,
        "notebooks/parameters.jsonc differs from StudyOptions::default()"
    );
    assert_eq!(
        *p.launch,
        oneclick::params::LaunchOptions::default(),
        "the launch section of notebooks/parameters.jsonc differs from LaunchOptions::default()"
    );
    assert_eq!(
        *p.notebooks,
        oneclick::params::NotebookOptions::default(),
        "the notebooks section of notebooks/parameters.jsonc differs from NotebookOptions::default()"
    );
    let e = p
        .clone()
        .set("notebooks.eda.bins", "1")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("notebooks.eda.bins") && e.contains("2 to 200"),
        "{e}"
    );
    for (key, _) in p.leaves() {
        assert!(
            p.descriptions()
                .iter()
                .any(|(k, d)| *k == key && !d.is_empty()),
            "no description for {key}"
        );
    }
    assert!(p.leaves().len() > 40, "{}", p.leaves().len());
    assert!(Checked::new((*p.options).clone()).is_ok());
}

#[test]
fn changes_are_recorded_shown_and_checked() {
    let p = committed()
        .set("selection.seed", 7)
        .unwrap()
        .set("offers.levers.promo.effect.Акционные_покупки", -0.2)
        .unwrap()
        .set("offers.levers.cart.cost", 0.07)
        .unwrap();
    assert_eq!(p.options.selection.seed, 7);
    assert_eq!(
        p.options.offers.lever("promo").unwrap().effect[0].change,
        -0.2
    );
    assert_eq!(p.options.offers.lever("cart").unwrap().cost, 0.07);
    assert!(p.changes.iter().all(|c| c.by == ChangedBy::Notebook));
    let shown = p.to_string();
    assert!(
        shown.contains("изменено в этой тетрадке: selection.seed = 7 (в файле 42)"),
        "{shown}"
    );
    let table = p.table(&["selection"]).to_string();
    assert!(
        table.contains("изменено в этой тетрадке (в файле 42)"),
        "{table}"
    );
    assert!(!table.contains("offers."), "{table}");
    for (key, value, expected) in [
        (
            "selection.sed",
            "7",
            "selection.sed = ?: expected a key of the parameter file; selection has: halving_rows, kernel_rows, search, seed, test_size",
        ),
        ("offers.loss_share", "1.5", "offers.loss_share = 1.5"),
        ("selection.seed", "\"seven\"", "selection.seed = \"seven\""),
        (
            "offers.levers.promo.effect.Акционные_покупки",
            "0.1",
            "expected a change in the risk-lowering direction",
        ),
        (
            "offers.levers.bonus.cost",
            "1",
            "offers.levers has: engagement, marketing, cart, promo, service_quality, service_level",
        ),
        ("cleaning.anomaly_z", "-1", "cleaning.anomaly_z = -1"),
        ("selection", "1", "a single value; this key holds several"),
    ] {
        let e = committed().set(key, value).unwrap_err().to_string();
        assert!(e.contains(expected), "{key}={value}: {e}");
    }
}

#[test]
fn a_change_in_the_one_place_changes_what_the_later_notebooks_compute() {
    // 06 and 08 clean with `cleaning`, split and fold with `selection`: as their cells do
    let raw = oneclick::Data::load(common::synthetic_dir()).unwrap();
    let small_grid = |mut o: StudyOptions| {
        o.selection.candidates = vec![Pipeline::new(
            oneclick::model::Scaler::Standard,
            oneclick::model::LogisticRegression::new(1.0),
        )];
        o
    };
    let run = |p: &Parameters| {
        let o = Checked::new(small_grid((*p.options).clone())).unwrap();
        let table = raw.clean_with(o.cleaning()).unwrap().merge().unwrap();
        let selection = ModelSelection::run(&table, &o.selection(), None).unwrap();
        (table.height(), selection.train, selection.threshold)
    };
    let (rows, train, _) = run(&committed());
    let (rows_z, _, _) = run(&committed().set("cleaning.anomaly_z", 2).unwrap());
    assert!(rows_z < rows, "anomaly rule: {rows_z} vs {rows}");
    let (_, train_7, _) = run(&committed().set("selection.seed", 7).unwrap());
    assert_ne!(train, train_7, "the split seed changes the training part");
}
