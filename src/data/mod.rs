//! Finding, reading and validating the four input files → [`RawData`].
//!
//! The reader detects rather than assumes each file's format: a UTF-8 byte-order mark,
//! the line ends (LF or CRLF), the column separator (`,`, `;` or tab, from the header) and
//! the decimal mark (`.` or `,` when the separator is not a comma). It then validates
//! everything the later steps rely on and returns an [`Error`] naming the file, line,
//! column and value at the first violation:
//!
//! * the header holds exactly the schema's columns (any order);
//! * every value parses as its column's type and lies in its range; categories are
//!   known (the published typos are accepted here and fixed in [`crate::clean`]);
//! * ids are unique in `market_file.csv` and `money.csv`, `(id, Период)` pairs are unique
//!   in the two period files, and every customer has exactly the required periods;
//! * all four files hold the same customers.
//!
//! Rows that repeat an earlier row *exactly* are not errors: they are recorded in
//! [`FileInfo::duplicate_rows`] and removed (and counted) by cleaning.
//!
//! [`Error`]: crate::error::Error

mod discover;
mod field;
mod format;
mod parse;
mod provenance;
mod validate;

pub use format::{FileFormat, LineEnding};
pub(crate) use parse::{Parsed, Values};
pub use provenance::{Source, SyntheticManifest, sha256_hex};
pub(crate) use validate::IdIndex;

use std::fmt;
use std::path::PathBuf;

use polars::prelude::*;

use crate::error::Result;
use crate::labels;
use crate::schema::FileId;

/// Environment variable that points the study at a data directory.
pub const DATA_ENV: &str = "ONECLICK_DATA";
/// File written beside generated data, naming the generator's seed and the files' checksums.
pub const SYNTHETIC_MANIFEST: &str = "synthetic.json";
/// Where the course platform keeps the originals.
pub const PLATFORM_DIR: &str = "/datasets";

/// A row that repeats an earlier row of the same file exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DuplicateRow {
    /// 0-based index of the repeated row in the file's frame.
    pub row: usize,
    /// 1-based line of the repeated row.
    pub line: usize,
    /// 1-based line of the row it repeats.
    pub first_line: usize,
}

/// What was read from one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FileInfo {
    /// Which file.
    pub file: FileId,
    /// Where it was read from.
    pub path: PathBuf,
    /// Data rows (header excluded).
    pub rows: usize,
    /// Size in bytes.
    pub bytes: usize,
    /// sha256 of the file's bytes, lower-case hex.
    pub sha256: String,
    /// The detected format.
    pub format: FileFormat,
    /// Rows repeating an earlier row exactly (removed by cleaning).
    pub duplicate_rows: Vec<DuplicateRow>,
}

impl serde::Serialize for FileId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.file_name())
    }
}

/// How a data directory was chosen by [`Data::discover`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// Given explicitly by the caller.
    Explicit,
    /// The `ONECLICK_DATA` environment variable.
    EnvVar,
    /// `data/raw/` of the project holds the four files.
    ProjectRaw,
    /// The course platform's `/datasets/` holds the four files.
    Platform,
    /// The embedded synthetic default, `data/synthetic/`.
    EmbeddedSynthetic,
}

/// A directory holding (or expected to hold) the four files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    /// The directory.
    pub path: PathBuf,
    /// Why it was chosen.
    pub found_by: FoundBy,
}

impl DataDir {
    /// Reads and validates the four files of this directory.
    pub fn load(&self) -> Result<RawData> {
        Data::load(&self.path)
    }
}

impl fmt::Display for DataDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.found_by {
            FoundBy::Explicit => "given explicitly",
            FoundBy::EnvVar => "from ONECLICK_DATA",
            FoundBy::ProjectRaw => "data/raw/ holds the originals",
            FoundBy::Platform => "the course platform's /datasets/",
            FoundBy::EmbeddedSynthetic => "the embedded synthetic default",
        };
        write!(f, "{} ({why})", self.path.display())
    }
}

/// Entry points of the data layer.
pub struct Data;

/// The four validated input frames, as read (typos and exact duplicate rows included).
#[derive(Debug, Clone)]
pub struct RawData {
    /// Directory the files were read from.
    pub dir: PathBuf,
    /// Where the data came from.
    pub source: Source,
    /// `market_file.csv`.
    pub market_file: DataFrame,
    /// `market_money.csv`.
    pub market_money: DataFrame,
    /// `market_time.csv`.
    pub market_time: DataFrame,
    /// `money.csv`.
    pub money: DataFrame,
    /// Per-file facts, in [`FileId::ALL`] order.
    pub files: Vec<FileInfo>,
}

impl RawData {
    /// The frame of one file.
    pub fn frame(&self, file: FileId) -> &DataFrame {
        match file {
            FileId::MarketFile => &self.market_file,
            FileId::MarketMoney => &self.market_money,
            FileId::MarketTime => &self.market_time,
            FileId::Money => &self.money,
        }
    }

    /// Facts about one file.
    pub fn info(&self, file: FileId) -> &FileInfo {
        &self.files[FileId::ALL
            .iter()
            .position(|f| *f == file)
            .expect("all files")]
    }

    /// Number of distinct customers (ids of `market_file.csv`).
    pub fn customers(&self) -> usize {
        self.info(FileId::MarketFile).rows - self.info(FileId::MarketFile).duplicate_rows.len()
    }
}

impl RawData {
    /// One row per file: rows, columns, detected format, checksum and whether it is the
    /// published original.
    pub fn files_table(&self) -> crate::display::Table {
        let rows = self
            .files
            .iter()
            .map(|info| {
                vec![
                    info.file.file_name().to_string(),
                    info.rows.to_string(),
                    self.frame(info.file).width().to_string(),
                    match info.format.separator {
                        '\t' => "tab".to_string(),
                        c => format!("'{c}'"),
                    },
                    format!("'{}'", info.format.decimal),
                    match info.format.line_ending {
                        LineEnding::Lf => "LF",
                        LineEnding::CrLf => "CRLF",
                        LineEnding::Mixed => "LF+CRLF",
                    }
                    .to_string(),
                    labels::yes_no(info.format.bom).to_string(),
                    format!("{}…", &info.sha256[..16]),
                    labels::yes_no(info.sha256 == info.file.original_sha256()).to_string(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(labels::FILES_HEADERS.map(String::from).to_vec(), rows)
            .title(self.source.describe_ru())
    }

    /// evcxr's display hook: the files table.
    pub fn evcxr_display(&self) {
        self.files_table().evcxr_display();
    }
}

impl fmt::Display for RawData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} — {}", self.dir.display(), self.source)?;
        for info in &self.files {
            writeln!(
                f,
                "  {:<17} {:>8} rows  {}  sha256 {}…{}",
                info.file.file_name(),
                info.rows,
                info.format,
                &info.sha256[..12],
                if info.duplicate_rows.is_empty() {
                    String::new()
                } else {
                    format!("  ({} exact duplicate rows)", info.duplicate_rows.len())
                }
            )?;
        }
        Ok(())
    }
}
