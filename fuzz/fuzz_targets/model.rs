//! Coverage-guided fuzzing of saved-model files: `cargo fuzz run model` (see
//! fuzz/README.md).
//!
//! The input is a model file's bytes. Whatever `SavedModel::from_json` accepts scores the
//! first 40 synthetic customers (the loader target's valid files). Every input must end
//! in `Ok` or a described error — a panic, a hang or a probability outside [0, 1] is a
//! crash.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use oneclick::score::{SavedModel, score_raw};

/// The first 40 customers of the embedded synthetic data, validated once.
fn customers() -> &'static oneclick::RawData {
    static RAW: OnceLock<oneclick::RawData> = OnceLock::new();
    RAW.get_or_init(|| {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/loader/all-valid");
        let bytes = std::fs::read(seeds).expect("fuzz/seeds/loader/all-valid");
        let parts: Vec<&[u8]> = bytes[1..].split(|b| *b == 0x1E).collect();
        oneclick::Data::from_bytes([parts[0], parts[1], parts[2], parts[3]]).expect("valid seed")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(model) = SavedModel::from_json(data, "fuzz input") else {
        return;
    };
    if let Ok(scores) = score_raw(&model, customers().clone()) {
        for r in &scores.rows {
            assert!((0.0..=1.0).contains(&r.probability), "{}", r.probability);
        }
    }
});
