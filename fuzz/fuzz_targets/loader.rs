//! Coverage-guided fuzzing of the data layer: `cargo fuzz run loader` (see fuzz/README.md).
//!
//! The first byte picks what the rest replaces: 0–3 one of the four files (market_file,
//! market_money, market_time, money; the other three stay valid), 4 all four at once
//! (parts separated by the byte 0x1E). Whatever loads is cleaned and merged too. Every
//! input must end in `Ok` or a described error: a panic is a crash.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

const SEPARATOR: u8 = 0x1E;

/// The first 40 customers of the embedded synthetic data.
fn valid() -> &'static [Vec<u8>; 4] {
    static FILES: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    FILES.get_or_init(|| {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds/loader/all-valid");
        let bytes = std::fs::read(seeds).expect("fuzz/seeds/loader/all-valid");
        let parts: Vec<Vec<u8>> = bytes[1..]
            .split(|b| *b == SEPARATOR)
            .map(<[u8]>::to_vec)
            .collect();
        [
            parts[0].clone(),
            parts[1].clone(),
            parts[2].clone(),
            parts[3].clone(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut files = valid().clone();
    match mode % 5 {
        which @ 0..=3 => files[usize::from(which)] = rest.to_vec(),
        _ => {
            for (i, part) in rest.split(|b| *b == SEPARATOR).take(4).enumerate() {
                files[i] = part.to_vec();
            }
        }
    }
    match oneclick::Data::from_bytes([&files[0], &files[1], &files[2], &files[3]]) {
        Ok(raw) => {
            if let Ok(cleaned) = raw.clean() {
                let _ = cleaned.merge();
            }
        }
        Err(e) => {
            let message = e.to_string();
            assert!(
                oneclick::schema::FileId::ALL
                    .iter()
                    .any(|f| message.contains(f.file_name())),
                "an error that names no file: {message}"
            );
        }
    }
});
