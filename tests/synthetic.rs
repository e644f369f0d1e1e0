//! The synthetic generator: reproducible, valid, and alike the originals.

mod common;

use oneclick::clean::Rule;
use oneclick::data::SyntheticManifest;
use oneclick::prelude::*;
use oneclick::synth::{self, DEFAULT_CUSTOMERS, DEFAULT_SEED, GENERATOR};

#[test]
fn committed_data_match_the_generator_byte_for_byte() {
    let dir = common::synthetic_dir();
    let manifest: SyntheticManifest =
        serde_json::from_slice(&std::fs::read(dir.join("synthetic.json")).unwrap()).unwrap();
    assert_eq!(manifest.seed, DEFAULT_SEED);
    assert_eq!(manifest.customers, DEFAULT_CUSTOMERS);
    assert_eq!(manifest.generator, GENERATOR);
    let files = synth::generate(&SynthOptions::new(manifest.customers, manifest.seed)).unwrap();
    for file in FileId::ALL {
        let committed = std::fs::read(dir.join(file.file_name())).unwrap();
        assert!(
            committed == files.bytes(file),
            "{file} differs from the generator's output for seed {DEFAULT_SEED}: regenerate with \
             `cargo run --release -- synth --out data/synthetic`"
        );
    }
}

#[test]
fn output_does_not_depend_on_threads() {
    let opts = SynthOptions::new(20_000, 11);
    let one = synth::generate(&opts.threads(1)).unwrap();
    let two = synth::generate(&opts.threads(2)).unwrap();
    let five = synth::generate(&opts.threads(5)).unwrap();
    assert!(one == two && two == five);
    let other_seed = synth::generate(&SynthOptions::new(20_000, 12)).unwrap();
    assert!(other_seed.market_file != one.market_file);
}

#[test]
fn embedded_data_are_announced_as_synthetic_and_have_the_quirks() {
    let raw = Data::load(common::synthetic_dir()).unwrap();
    assert_eq!(
        raw.source,
        Source::Synthetic {
            seed: DEFAULT_SEED,
            customers: DEFAULT_CUSTOMERS
        }
    );
    let money = raw.info(FileId::Money).format;
    assert_eq!((money.separator, money.decimal), (';', ','));
    assert_eq!(
        raw.info(FileId::MarketFile).format.line_ending,
        oneclick::data::LineEnding::CrLf
    );
    let cleaned = raw.clean().unwrap();
    let fixes: Vec<usize> = cleaned.report.fixes().map(|e| e.rows).collect();
    assert_eq!(fixes.len(), 3);
    assert!(
        fixes.iter().all(|n| *n > 0),
        "every published typo occurs: {fixes:?}"
    );
    assert_eq!(
        fixes[2], DEFAULT_CUSTOMERS,
        "every previous-month period is misspelt"
    );
    assert_eq!(cleaned.report.dropped_ids(Rule::Inactive).len(), 3);
    assert_eq!(cleaned.report.dropped_ids(Rule::Anomaly).len(), 1);
    let table = cleaned.merge().unwrap();
    assert_eq!(table.height(), DEFAULT_CUSTOMERS - 4);
    let rate = table.decline_rate().unwrap();
    assert!((0.35..0.42).contains(&rate), "share «Снизилась» {rate}");
}

/// Class-conditional means of the synthetic data follow those of the originals.
#[test]
fn synthetic_class_means_follow_the_originals() {
    let Some(real) = common::real_data_dir("synthetic_class_means_follow_the_originals") else {
        return;
    };
    let a = Data::load(real).unwrap().clean().unwrap().merge().unwrap();
    let dir = tempfile::tempdir().unwrap();
    synth::write(&SynthOptions::new(20_000, 5), dir.path()).unwrap();
    let b = Data::load(dir.path())
        .unwrap()
        .clean()
        .unwrap()
        .merge()
        .unwrap();
    for feature in a.feature_names() {
        if a.frame.column(&feature).unwrap().dtype() == &DataType::String {
            continue; // categorical
        }
        let (ma, mb) = (
            class_means(&a, &feature).unwrap(),
            class_means(&b, &feature).unwrap(),
        );
        for k in 0..2 {
            let rel = (ma[k] - mb[k]).abs() / ma[k].abs().max(1e-9);
            assert!(
                rel < 0.06,
                "{feature} class {k}: original {} synthetic {}",
                ma[k],
                mb[k]
            );
        }
    }
}

fn class_means(t: &ModelTable, column: &str) -> Result<[f64; 2]> {
    let values = t.frame.column(column)?.cast(&DataType::Float64)?;
    let values = values.f64()?;
    let target = t.target()?;
    let mut sum = [0.0; 2];
    let mut n = [0.0; 2];
    for (v, y) in values.iter().zip(target) {
        sum[y as usize] += v.unwrap_or(0.0);
        n[y as usize] += 1.0;
    }
    Ok([sum[0] / n[0], sum[1] / n[1]])
}

#[test]
fn study_preprocessing_maps_every_output_to_a_source_feature() {
    use oneclick::prep::{ColumnTransformer, Transformer};
    let table = common::synthetic_table();
    let fitted = ColumnTransformer::study(Transformer::Standard)
        .fit(&table.frame)
        .unwrap();
    let names = fitted.feature_names_out();
    assert_eq!(names.len(), 5 + 1 + 1 + 13, "{names:?}");
    let mut sources = fitted.sources();
    sources.dedup();
    assert_eq!(sources.len(), 16);
    let m = fitted.transform(&table.frame).unwrap();
    assert_eq!(m.dim(), (table.height(), 20));
    assert!(m.iter().all(|v| v.is_finite()));
}
