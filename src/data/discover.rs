//! Finding the data directory and reading its files: the entry points of [`Data`].

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::parse::parse;
use super::validate::validate_parsed;
use super::{DATA_ENV, Data, DataDir, FoundBy, PLATFORM_DIR, Parsed, RawData};
use crate::error::{Error, Result};
use crate::schema::FileId;

impl Data {
    /// The project's root directory (where `Cargo.toml` is).
    pub fn project_dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    /// Finds the data directory: `$ONECLICK_DATA`; else `data/raw/` if it holds the four
    /// files; else `/datasets/` if it holds them; else the embedded `data/synthetic/`.
    pub fn discover() -> Result<DataDir> {
        if let Some(dir) = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty()) {
            return Ok(DataDir {
                path: PathBuf::from(dir),
                found_by: FoundBy::EnvVar,
            });
        }
        let raw = Self::project_dir().join("data").join("raw");
        if holds_all_files(&raw) {
            return Ok(DataDir {
                path: raw,
                found_by: FoundBy::ProjectRaw,
            });
        }
        let platform = PathBuf::from(PLATFORM_DIR);
        if holds_all_files(&platform) {
            return Ok(DataDir {
                path: platform,
                found_by: FoundBy::Platform,
            });
        }
        Ok(DataDir {
            path: Self::project_dir().join("data").join("synthetic"),
            found_by: FoundBy::EmbeddedSynthetic,
        })
    }

    /// Reads and validates the four files in `dir`.
    pub fn load(dir: impl AsRef<Path>) -> Result<RawData> {
        let dir = dir.as_ref();
        // Read and parse the four files in parallel; report the first error in file order.
        let results: Vec<Result<(Vec<u8>, Parsed)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = FileId::ALL
                .iter()
                .map(|&file| {
                    scope.spawn(move || {
                        let bytes = read_file(dir, file)?;
                        let parsed = parse(file, &bytes)?;
                        Ok((bytes, parsed))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(Error::InvalidArgument("a reader thread panicked".into()))
                    })
                })
                .collect()
        });
        let mut parsed = Vec::with_capacity(4);
        for r in results {
            parsed.push(r?);
        }
        validate_parsed(dir, parsed)
    }

    /// Validates the four files given as bytes, in [`FileId::ALL`] order (market_file,
    /// market_money, market_time, money), exactly like [`Data::load`] validates files on
    /// disk; `RawData::dir` is `<memory>`. Property tests and the fuzz target use it.
    pub fn from_bytes(files: [&[u8]; 4]) -> Result<RawData> {
        let dir = Path::new("<memory>");
        let mut parsed = Vec::with_capacity(4);
        for (file, bytes) in FileId::ALL.iter().zip(files) {
            parsed.push((Vec::new(), parse(*file, bytes)?));
        }
        validate_parsed(dir, parsed)
    }

    /// Parses one file's bytes on their own (format detection and per-row validation,
    /// without the cross-file checks), e.g. to check one file before the others exist.
    pub fn parse_file(file: FileId, bytes: &[u8]) -> Result<DataFrame> {
        Ok(parse(file, bytes)?.frame)
    }
}

fn holds_all_files(dir: &Path) -> bool {
    FileId::ALL
        .iter()
        .all(|f| dir.join(f.file_name()).is_file())
}

fn read_file(dir: &Path, file: FileId) -> Result<Vec<u8>> {
    let path = dir.join(file.file_name());
    match std::fs::read(&path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::MissingFile {
            file: file.file_name().to_string(),
            dir: dir.to_path_buf(),
        }),
        Err(e) => Err(Error::io(path, e)),
    }
}
