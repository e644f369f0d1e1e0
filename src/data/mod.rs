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

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::schema::{self, ColumnSpec, FileId, Kind};

/// Environment variable that points the study at a data directory.
pub const DATA_ENV: &str = "ONECLICK_DATA";
/// File written beside generated data, naming the generator's seed and the files' checksums.
pub const SYNTHETIC_MANIFEST: &str = "synthetic.json";
/// Where the course platform keeps the originals.
pub const PLATFORM_DIR: &str = "/datasets";

/// How lines end in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum LineEnding {
    /// `\n`
    Lf,
    /// `\r\n`
    CrLf,
    /// Both kinds occur.
    Mixed,
}

/// The format detected for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FileFormat {
    /// Column separator.
    pub separator: char,
    /// Decimal mark of real numbers (`.` when the file has none).
    pub decimal: char,
    /// Line ends.
    pub line_ending: LineEnding,
    /// Whether the file starts with a UTF-8 byte-order mark.
    pub bom: bool,
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = match self.separator {
            '\t' => "tab".to_string(),
            c => format!("'{c}'"),
        };
        let le = match self.line_ending {
            LineEnding::Lf => "LF",
            LineEnding::CrLf => "CRLF",
            LineEnding::Mixed => "mixed LF/CRLF",
        };
        write!(
            f,
            "separator {sep}, decimal '{}', {le}{}",
            self.decimal,
            if self.bom { ", UTF-8 BOM" } else { "" }
        )
    }
}

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

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum Source {
    /// The published originals: all four sha256 match.
    Original,
    /// Files made by [`crate::synth`], matching their manifest.
    Synthetic {
        /// Generator seed.
        seed: u64,
        /// Customers generated.
        customers: usize,
    },
    /// Anything else (edited, converted or new files).
    Other,
}

impl Source {
    /// `"original"`, `"synthetic"` or `"other"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Original => "original",
            Source::Synthetic { .. } => "synthetic",
            Source::Other => "other",
        }
    }
}

impl Source {
    /// A Russian sentence on the data's origin, for the notebooks.
    pub fn describe_ru(&self) -> String {
        match self {
            Source::Original => {
                "оригинальные данные: контрольные суммы совпадают с опубликованными".into()
            }
            Source::Synthetic { seed, customers } => {
                format!("синтетические данные: зерно {seed}, покупателей {customers}")
            }
            Source::Other => {
                "другие данные: не опубликованные оригиналы и не синтетические файлы".into()
            }
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Original => write!(f, "original data, checksums match the published files"),
            Source::Synthetic { seed, customers } => {
                write!(f, "synthetic data, seed {seed}, {customers} customers")
            }
            Source::Other => write!(
                f,
                "other data: neither the published originals nor unmodified synthetic files"
            ),
        }
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

/// The cross-file validation of the four parsed files (in [`FileId::ALL`] order).
fn validate_parsed(dir: &Path, parsed: Vec<(Vec<u8>, Parsed)>) -> Result<RawData> {
    let source = classify(dir, &parsed);
    let mut it = parsed.into_iter().map(|(_, p)| p);
    let (mf, mm, mt, mo) = (
        it.next().expect("four files"),
        it.next().expect("four files"),
        it.next().expect("four files"),
        it.next().expect("four files"),
    );
    RawData::validate(dir, source, mf, mm, mt, mo)
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

/// Lower-case hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        use std::fmt::Write;
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The manifest [`crate::synth`] writes beside generated files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntheticManifest {
    /// Generator seed.
    pub seed: u64,
    /// Customers generated.
    pub customers: usize,
    /// Generator version (changes when the output for a seed changes).
    pub generator: String,
    /// sha256 per file name.
    pub sha256: std::collections::BTreeMap<String, String>,
}

fn classify(dir: &Path, parsed: &[(Vec<u8>, Parsed)]) -> Source {
    if parsed
        .iter()
        .all(|(_, p)| p.sha256 == p.file.original_sha256())
    {
        return Source::Original;
    }
    let manifest = std::fs::read(dir.join(SYNTHETIC_MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<SyntheticManifest>(&b).ok());
    if let Some(m) = manifest {
        let all_match = parsed
            .iter()
            .all(|(_, p)| m.sha256.get(p.file.file_name()) == Some(&p.sha256));
        if all_match {
            return Source::Synthetic {
                seed: m.seed,
                customers: m.customers,
            };
        }
    }
    Source::Other
}

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

    fn validate(
        dir: &Path,
        source: Source,
        mf: Parsed,
        mm: Parsed,
        mt: Parsed,
        mo: Parsed,
    ) -> Result<RawData> {
        let mf_dups = unique_ids(&mf)?;
        let mo_dups = unique_ids(&mo)?;
        let index = IdIndex::new(&mf.ids);
        let mm_dups = check_periods(&mm, &mf, &index)?;
        let mt_dups = check_periods(&mt, &mf, &index)?;
        check_same_ids(&mo, &mf, &index)?;

        let mut files = Vec::with_capacity(4);
        let mut frames = Vec::with_capacity(4);
        for (p, dups) in [(mf, mf_dups), (mm, mm_dups), (mt, mt_dups), (mo, mo_dups)] {
            files.push(FileInfo {
                file: p.file,
                path: dir.join(p.file.file_name()),
                rows: p.lines.len(),
                bytes: p.bytes,
                sha256: p.sha256.clone(),
                format: p.format,
                duplicate_rows: dups,
            });
            frames.push(p.frame);
        }
        let mut it = frames.into_iter();
        Ok(RawData {
            dir: dir.to_path_buf(),
            source,
            market_file: it.next().expect("four"),
            market_money: it.next().expect("four"),
            market_time: it.next().expect("four"),
            money: it.next().expect("four"),
            files,
        })
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
                    if info.format.bom { "да" } else { "нет" }.to_string(),
                    format!("{}…", &info.sha256[..16]),
                    if info.sha256 == info.file.original_sha256() {
                        "да"
                    } else {
                        "нет"
                    }
                    .to_string(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(
            [
                "файл",
                "строк",
                "столбцов",
                "разделитель",
                "десятичный знак",
                "концы строк",
                "BOM",
                "sha256",
                "совпадает с оригиналом",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            rows,
        )
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

// ---------------------------------------------------------------------------------------
// Parsing one file

/// Parsed values of one column.
#[derive(Debug, Clone)]
pub(crate) enum Values {
    Int(Vec<i64>),
    Real(Vec<f64>),
    /// Category values as written, as indices into the spec's allowed values followed by
    /// its typos (see [`category_value`]).
    Text(Vec<u8>),
}

/// One file parsed and turned into a frame, with what cross-file validation needs.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub file: FileId,
    /// The file's columns in schema order.
    pub frame: DataFrame,
    /// Customer id of each row.
    pub ids: Vec<i64>,
    /// Index into [`FileId::periods`] of each row's canonical period (period files only).
    pub periods: Vec<u8>,
    /// 1-based line of each row.
    pub lines: Vec<usize>,
    pub format: FileFormat,
    pub sha256: String,
    pub bytes: usize,
}

impl Parsed {
    fn rows_equal(&self, a: usize, b: usize) -> bool {
        self.frame
            .columns()
            .iter()
            .all(|c| matches!((c.get(a), c.get(b)), (Ok(x), Ok(y)) if x == y))
    }

    /// The period of a row as written in the file.
    fn period_as_written(&self, row: usize) -> String {
        self.frame
            .column(schema::PERIOD)
            .ok()
            .and_then(|c| c.str().ok()?.get(row).map(str::to_string))
            .unwrap_or_default()
    }
}

/// The category value with index `k` in the spec's allowed values followed by its typos.
fn category_value(cat: &crate::schema::CategorySpec, k: u8) -> &'static str {
    let k = usize::from(k);
    if k < cat.allowed.len() {
        cat.allowed[k]
    } else {
        cat.typos[k - cat.allowed.len()].0
    }
}

fn into_frame(file: FileId, columns: Vec<Values>, height: usize) -> Result<DataFrame> {
    let cols: Vec<Column> = file
        .columns()
        .iter()
        .zip(columns)
        .map(|(spec, values)| {
            let name = PlSmallStr::from_static(spec.name);
            match values {
                Values::Int(v) => Column::new(name, v),
                Values::Real(v) => Column::new(name, v),
                Values::Text(v) => {
                    let Kind::Category(cat) = spec.kind else {
                        unreachable!("text storage is for categories")
                    };
                    StringChunked::from_iter_values(
                        name,
                        v.iter().map(|&k| category_value(&cat, k)),
                    )
                    .into_column()
                }
            }
        })
        .collect();
    Ok(DataFrame::new(height, cols)?)
}

const MAX_SHOWN: usize = 80;

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_SHOWN {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX_SHOWN).collect();
        format!("{head}… ({} characters)", s.chars().count())
    }
}

fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// An [`Error::Encoding`] for the first invalid UTF-8 byte of `part` (a prefix of `all`).
fn encoding_error(file: FileId, part: &[u8], all: &[u8], bom: bool) -> Option<Error> {
    let e = std::str::from_utf8(part).err()?;
    let offset = e.valid_up_to();
    Some(Error::Encoding {
        file: file.file_name().to_string(),
        line: line_of_offset(all, offset),
        offset: offset + if bom { 3 } else { 0 },
        byte: all[offset],
        hint: encoding_hint(all),
    })
}

fn encoding_hint(bytes: &[u8]) -> String {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return " (the file starts with a UTF-16 byte-order mark: re-save it as UTF-8)".into();
    }
    let high = bytes.iter().filter(|&&b| b >= 0x80).count();
    let cyr = bytes.iter().filter(|&&b| b >= 0xC0).count();
    if high > 0 && cyr * 10 >= high * 7 {
        " (it looks like a single-byte Cyrillic encoding such as cp1251: re-save it as UTF-8)"
            .into()
    } else {
        String::new()
    }
}

fn detect_separator(file: FileId, header: &str) -> Result<u8> {
    let expected: Vec<&str> = file.columns().iter().map(|c| c.name).collect();
    let mut best: Option<(usize, usize, u8)> = None; // (matches, fields, sep)
    for sep in [b',', b';', b'\t'] {
        let fields: Vec<&str> = header
            .split(sep as char)
            .map(|f| f.trim().trim_matches('"'))
            .collect();
        if fields.len() < 2 {
            continue;
        }
        let matches = fields.iter().filter(|f| expected.contains(f)).count();
        let cand = (matches, fields.len(), sep);
        if best.is_none_or(|b| (cand.0, cand.1) > (b.0, b.1)) {
            best = Some(cand);
        }
    }
    match best {
        Some((matches, _, sep)) if matches > 0 => Ok(sep),
        _ => Err(Error::Separator {
            file: file.file_name().into(),
            header: shorten(header),
            expected: expected.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

fn parse(file: FileId, raw: &[u8]) -> Result<Parsed> {
    let fname = || file.file_name().to_string();
    let sha256 = sha256_hex(raw);
    let bom = raw.starts_with(&[0xEF, 0xBB, 0xBF]);
    let bytes = if bom { &raw[3..] } else { raw };
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::EmptyFile { file: fname() });
    }
    // UTF-8 is checked on the header here; data rows are checked implicitly (every field
    // must match a category or parse as a number, both only possible for valid UTF-8),
    // and any row error is re-examined for an encoding problem before it is reported.
    let header_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    if let Some(e) = encoding_error(file, &bytes[..header_end], bytes, bom) {
        return Err(e);
    }
    let (mut lf, mut crlf) = (0usize, 0usize);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' {
            lf += 1;
            crlf += usize::from(prev == b'\r');
        }
        prev = b;
    }
    let line_ending = if crlf == 0 {
        LineEnding::Lf
    } else if crlf == lf {
        LineEnding::CrLf
    } else {
        LineEnding::Mixed
    };
    let header_line = std::str::from_utf8(&bytes[..header_end])
        .unwrap_or("")
        .trim_end_matches('\r');
    let sep = detect_separator(file, header_line)?;

    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sep)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    // csv's own line numbers drift on CRLF files and after blank lines, so lines are
    // counted here from the byte offsets it reports.
    let mut lines_at = LineCounter::new(bytes);
    let csv_err = |e: csv::Error| {
        let line = LineCounter::new(bytes).line(e.position().map_or(0, |p| p.byte() as usize));
        Error::Csv {
            file: fname(),
            line,
            message: e.to_string(),
        }
    };

    // Header
    if !reader.read_byte_record(&mut record).map_err(csv_err)? {
        return Err(Error::EmptyFile { file: fname() });
    }
    let header: Vec<String> = record
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let specs = file.columns();
    let mut missing = Vec::new();
    let mut unexpected = Vec::new();
    let mut duplicated = Vec::new();
    for spec in specs {
        if !header.iter().any(|h| h == spec.name) {
            missing.push(spec.name.to_string());
        }
    }
    for (i, h) in header.iter().enumerate() {
        if !specs.iter().any(|s| s.name == h) {
            unexpected.push(h.clone());
        } else if header[..i].contains(h) && !duplicated.contains(h) {
            duplicated.push(h.clone());
        }
    }
    if !missing.is_empty() || !unexpected.is_empty() || !duplicated.is_empty() {
        return Err(Error::Columns {
            file: fname(),
            missing,
            unexpected,
            duplicated,
        });
    }
    // position in the file of each schema column
    let order: Vec<usize> = specs
        .iter()
        .map(|s| header.iter().position(|h| h == s.name).expect("checked"))
        .collect();

    let estimate = lf + 1;
    let mut columns: Vec<Values> = specs
        .iter()
        .map(|s| match s.kind {
            Kind::Id | Kind::Int { .. } => Values::Int(Vec::with_capacity(estimate)),
            Kind::Real { .. } => Values::Real(Vec::with_capacity(estimate)),
            Kind::Category(_) => Values::Text(Vec::with_capacity(estimate)),
        })
        .collect();
    let mut lines = Vec::with_capacity(estimate);
    let mut decimals = DecimalMarks::default();

    let rows = (|| -> Result<()> {
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_err(e)),
            }
            let line = lines_at.line(record.position().map_or(0, |p| p.byte() as usize));
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue; // a blank line (e.g. "\r" alone or spaces)
            }
            if record.len() != header.len() {
                return Err(Error::FieldCount {
                    file: fname(),
                    line,
                    expected: header.len(),
                    found: record.len(),
                });
            }
            for ((spec, &pos), values) in specs.iter().zip(&order).zip(columns.iter_mut()) {
                let field = record[pos].trim_ascii();
                parse_field(file, line, spec, field, sep, &mut decimals, values)?;
            }
            lines.push(line);
        }
        Ok(())
    })();
    if let Err(e) = rows {
        return Err(encoding_error(file, bytes, bytes, bom).unwrap_or(e));
    }
    if lines.is_empty() {
        return Err(Error::NoRows {
            file: fname(),
            line: line_of_offset(bytes, bytes.trim_ascii_end().len()),
        });
    }
    if let (Some((pl, pcol, pval)), Some((cl, ccol, cval))) = (&decimals.point, &decimals.comma) {
        let (line, column, value, other, other_line) = if pl > cl {
            (*pl, pcol, pval, ',', *cl)
        } else {
            (*cl, ccol, cval, '.', *pl)
        };
        return Err(Error::Value {
            file: fname(),
            line,
            column: column.to_string(),
            value: value.clone(),
            expected: format!(
                "the same decimal mark throughout the file (line {other_line} uses '{other}')"
            ),
        });
    }
    let ids = match &columns[0] {
        Values::Int(v) => v.clone(),
        _ => unreachable!("the first column is the id"),
    };
    let periods: Vec<u8> = match (file.periods(), columns.get(1)) {
        ([], _) | (_, None) => Vec::new(),
        (names, Some(Values::Text(v))) => {
            let spec = match specs[1].kind {
                Kind::Category(spec) => spec,
                _ => unreachable!("the second column of a period file is the period"),
            };
            let to_period: Vec<u8> = (0..spec.allowed.len() + spec.typos.len())
                .map(|k| {
                    let canonical = spec
                        .canonical(category_value(&spec, k as u8))
                        .unwrap_or_default();
                    names.iter().position(|n| *n == canonical).unwrap_or(0) as u8
                })
                .collect();
            v.iter().map(|&k| to_period[usize::from(k)]).collect()
        }
        _ => unreachable!("the period column is text"),
    };
    let frame = into_frame(file, columns, lines.len())?;
    Ok(Parsed {
        file,
        frame,
        ids,
        periods,
        lines,
        format: FileFormat {
            separator: sep as char,
            decimal: if decimals.comma.is_some() { ',' } else { '.' },
            line_ending,
            bom,
        },
        sha256,
        bytes: raw.len(),
    })
}

/// 1-based line numbers of record starts, counted incrementally.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
    /// Without quotes no record spans lines, so only the bytes between records count.
    quotes: bool,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
            quotes: bytes.contains(&b'"'),
        }
    }

    /// Line of the record whose start csv reports at `offset` (csv points just past the
    /// previous record's first terminator byte, so skip any further line-end bytes).
    fn line(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        let from = if self.quotes {
            self.offset
        } else {
            offset.saturating_sub(1).max(self.offset).min(start)
        };
        self.line += self.bytes[from..start]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = start;
        self.line
    }
}

/// First line using each decimal mark: (line, column, value).
#[derive(Default)]
struct DecimalMarks {
    point: Option<(usize, &'static str, String)>,
    comma: Option<(usize, &'static str, String)>,
}

fn parse_field(
    file: FileId,
    line: usize,
    spec: &ColumnSpec,
    field: &[u8],
    sep: u8,
    decimals: &mut DecimalMarks,
    values: &mut Values,
) -> Result<()> {
    let bad = |expected: String| Error::Value {
        file: file.file_name().to_string(),
        line,
        column: spec.name.to_string(),
        value: shorten(&String::from_utf8_lossy(field)),
        expected,
    };
    if field.is_empty() {
        return Err(bad(format!(
            "{} (the field is empty)",
            spec.kind.describe()
        )));
    }
    match (spec.kind, values) {
        (Kind::Id, Values::Int(v)) => match parse_int(field) {
            Some(id) if id > 0 => v.push(id),
            _ => return Err(bad(spec.kind.describe())),
        },
        (Kind::Int { min, max }, Values::Int(v)) => {
            let x = match parse_int(field) {
                Some(x) => x,
                None => {
                    // Accept integral reals such as "5.0" (pandas writes ints that way
                    // after a column once held a missing value).
                    let r = parse_real(field, sep, line, spec.name, decimals)
                        .ok_or_else(|| bad(spec.kind.describe()))?;
                    if r.fract() != 0.0 || r.abs() > 9.0e15 {
                        return Err(bad(spec.kind.describe()));
                    }
                    r as i64
                }
            };
            if x < min || x > max {
                return Err(bad(spec.kind.describe()));
            }
            v.push(x);
        }
        (Kind::Real { min, max }, Values::Real(v)) => {
            let x = parse_real(field, sep, line, spec.name, decimals)
                .ok_or_else(|| bad(spec.kind.describe()))?;
            if !(min..=max).contains(&x) {
                return Err(bad(spec.kind.describe()));
            }
            v.push(x);
        }
        (Kind::Category(cat), Values::Text(v)) => {
            let k = cat
                .allowed
                .iter()
                .copied()
                .chain(cat.typos.iter().map(|(t, _)| *t))
                .position(|a| a.as_bytes() == field)
                .ok_or_else(|| bad(spec.kind.describe()))?;
            v.push(k as u8);
        }
        _ => unreachable!("column storage matches its kind"),
    }
    Ok(())
}

/// A plain decimal integer with an optional sign (at most 18 digits).
fn parse_int(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field.first()? {
        b'-' => (true, &field[1..]),
        b'+' => (false, &field[1..]),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > 18 {
        return None;
    }
    let mut x: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        x = x * 10 + i64::from(b - b'0');
    }
    Some(if negative { -x } else { x })
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Clinger's fast path: `digits[.digits]` with at most 15 significant digits is exactly
/// `mantissa / 10^k` with both operands exact, so one IEEE division gives the correctly
/// rounded value — the same as `str::parse`. Anything else returns `None`.
fn parse_simple_decimal(field: &[u8], mark: u8) -> Option<f64> {
    let (negative, body) = match field.first()? {
        b'-' => (true, &field[1..]),
        _ => (false, field),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut frac: Option<usize> = None;
    for &b in body {
        if b.is_ascii_digit() {
            mantissa = mantissa * 10 + u64::from(b - b'0');
            digits += 1;
            if let Some(f) = frac.as_mut() {
                *f += 1;
            }
            if digits > 15 {
                return None;
            }
        } else if b == mark && frac.is_none() {
            frac = Some(0);
        } else {
            return None;
        }
    }
    if digits == 0 {
        return None;
    }
    let x = mantissa as f64 / POW10[frac.unwrap_or(0)];
    Some(if negative { -x } else { x })
}

/// Parses a finite real, accepting a decimal comma when the separator is not a comma.
fn parse_real(
    field: &[u8],
    sep: u8,
    line: usize,
    column: &'static str,
    decimals: &mut DecimalMarks,
) -> Option<f64> {
    let has_comma = field.contains(&b',');
    if has_comma && (sep == b',' || field.iter().filter(|&&b| b == b',').count() > 1) {
        return None;
    }
    let has_point = field.contains(&b'.');
    if has_comma && has_point {
        return None;
    }
    let mark = if has_comma { b',' } else { b'.' };
    let x = match parse_simple_decimal(field, mark) {
        Some(x) => x,
        None => {
            let text = std::str::from_utf8(field).ok()?;
            if has_comma {
                text.replacen(',', ".", 1).parse::<f64>().ok()?
            } else {
                text.parse::<f64>().ok()?
            }
        }
    };
    if !x.is_finite() {
        return None;
    }
    if has_comma {
        decimals
            .comma
            .get_or_insert_with(|| (line, column, String::from_utf8_lossy(field).into_owned()));
    } else if has_point {
        decimals
            .point
            .get_or_insert_with(|| (line, column, String::from_utf8_lossy(field).into_owned()));
    }
    Some(x)
}

// ---------------------------------------------------------------------------------------
// Cross-row and cross-file validation

/// Maps ids to a 0-based row of `market_file.csv`; dense when ids are compact.
pub(crate) struct IdIndex {
    min: i64,
    dense: Option<Vec<u32>>,
    sparse: HashMap<i64, u32>,
}

impl IdIndex {
    const NONE: u32 = u32::MAX;

    /// Index of the first row of each id.
    pub(crate) fn new(ids: &[i64]) -> IdIndex {
        let min = ids.iter().copied().min().unwrap_or(0);
        let max = ids.iter().copied().max().unwrap_or(0);
        let span = (max - min) as u128 + 1;
        if span <= (ids.len() as u128) * 4 + 1024 {
            let mut dense = vec![Self::NONE; span as usize];
            for (row, &id) in ids.iter().enumerate() {
                let slot = &mut dense[(id - min) as usize];
                if *slot == Self::NONE {
                    *slot = row as u32;
                }
            }
            IdIndex {
                min,
                dense: Some(dense),
                sparse: HashMap::new(),
            }
        } else {
            let mut sparse = HashMap::with_capacity(ids.len());
            for (row, &id) in ids.iter().enumerate() {
                sparse.entry(id).or_insert(row as u32);
            }
            IdIndex {
                min,
                dense: None,
                sparse,
            }
        }
    }

    /// Row of `id`, if present.
    pub(crate) fn get(&self, id: i64) -> Option<usize> {
        match &self.dense {
            Some(d) => {
                let off = id.checked_sub(self.min)?;
                if off < 0 {
                    return None;
                }
                d.get(off as usize)
                    .copied()
                    .filter(|&r| r != Self::NONE)
                    .map(|r| r as usize)
            }
            None => self.sparse.get(&id).map(|&r| r as usize),
        }
    }
}

/// Ids must be unique; exact repeats of a row are recorded, conflicting ones are errors.
fn unique_ids(p: &Parsed) -> Result<Vec<DuplicateRow>> {
    let ids = &p.ids;
    let index = IdIndex::new(ids);
    let mut dups = Vec::new();
    for (row, &id) in ids.iter().enumerate() {
        let first = index.get(id).expect("indexed");
        if first != row {
            if p.rows_equal(first, row) {
                dups.push(DuplicateRow {
                    row,
                    line: p.lines[row],
                    first_line: p.lines[first],
                });
            } else {
                return Err(Error::DuplicateKey {
                    file: p.file.file_name().into(),
                    line: p.lines[row],
                    first_line: p.lines[first],
                    key: format!("id {id}"),
                    expected: "one row per customer".into(),
                });
            }
        }
    }
    Ok(dups)
}

/// Every id known to market_file; one row per (id, period); every period present.
fn check_periods(p: &Parsed, mf: &Parsed, index: &IdIndex) -> Result<Vec<DuplicateRow>> {
    let periods = p.file.periods();
    let ids = &p.ids;
    let customers = mf.lines.len();
    // first row per (customer row, period)
    let mut seen = vec![u32::MAX; customers * periods.len()];
    let mut dups = Vec::new();
    for (row, &id) in ids.iter().enumerate() {
        let Some(c) = index.get(id) else {
            return Err(Error::UnknownId {
                file: p.file.file_name().into(),
                line: p.lines[row],
                id,
            });
        };
        let k = usize::from(p.periods[row]);
        let slot = &mut seen[c * periods.len() + k];
        if *slot == u32::MAX {
            *slot = row as u32;
        } else {
            let first = *slot as usize;
            if p.rows_equal(first, row) {
                dups.push(DuplicateRow {
                    row,
                    line: p.lines[row],
                    first_line: p.lines[first],
                });
            } else {
                return Err(Error::DuplicateKey {
                    file: p.file.file_name().into(),
                    line: p.lines[row],
                    first_line: p.lines[first],
                    key: format!("id {id}, {} {:?}", schema::PERIOD, p.period_as_written(row)),
                    expected: format!("one row per customer and period, {periods:?}"),
                });
            }
        }
    }
    let mf_ids = &mf.ids;
    for c in 0..customers {
        if index.get(mf_ids[c]) != Some(c) {
            continue; // an exact duplicate row of market_file
        }
        let slots = &seen[c * periods.len()..(c + 1) * periods.len()];
        if slots.iter().all(|s| *s == u32::MAX) {
            return Err(Error::MissingId {
                file: p.file.file_name().into(),
                line: mf.lines[c],
                id: mf_ids[c],
                expected: format!("one row for each period {periods:?}"),
            });
        }
        if let Some(k) = slots.iter().position(|s| *s == u32::MAX) {
            let first_row = *slots
                .iter()
                .filter(|s| **s != u32::MAX)
                .min()
                .expect("some");
            return Err(Error::MissingPeriod {
                file: p.file.file_name().into(),
                line: p.lines[first_row as usize],
                id: mf_ids[c],
                period: periods[k].into(),
                expected: periods.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    Ok(dups)
}

/// `money.csv` holds exactly the customers of `market_file.csv`.
fn check_same_ids(p: &Parsed, mf: &Parsed, index: &IdIndex) -> Result<()> {
    let ids = &p.ids;
    let mut present = vec![false; mf.lines.len()];
    for (row, &id) in ids.iter().enumerate() {
        match index.get(id) {
            Some(c) => present[c] = true,
            None => {
                return Err(Error::UnknownId {
                    file: p.file.file_name().into(),
                    line: p.lines[row],
                    id,
                });
            }
        }
    }
    let mf_ids = &mf.ids;
    for (c, ok) in present.iter().enumerate() {
        if !ok && index.get(mf_ids[c]) == Some(c) {
            return Err(Error::MissingId {
                file: p.file.file_name().into(),
                line: mf.lines[c],
                id: mf_ids[c],
                expected: "one row per customer".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_semicolon_and_decimal_comma() {
        let p = parse(
            FileId::Money,
            "id;Прибыль\r\n1;0,98\r\n2;4,16\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(p.format.separator, ';');
        assert_eq!(p.format.decimal, ',');
        assert_eq!(p.format.line_ending, LineEnding::CrLf);
        let profit = p.frame.column("Прибыль").unwrap().f64().unwrap();
        assert_eq!(profit.get(0), Some(0.98));
        assert_eq!(profit.get(1), Some(4.16));
        assert_eq!(p.ids, vec![1, 2]);
        assert_eq!(p.lines, vec![2, 3]);
    }

    #[test]
    fn accepts_bom_and_lf() {
        let p = parse(FileId::Money, "\u{feff}id,Прибыль\n1,0.5\n".as_bytes()).unwrap();
        assert!(p.format.bom);
        assert_eq!(p.format.separator, ',');
        assert_eq!(p.format.line_ending, LineEnding::Lf);
    }

    #[test]
    fn mixed_decimal_marks_are_rejected_with_the_later_line() {
        let e = parse(FileId::Money, "id;Прибыль\n1;0,5\n2;0.5\n".as_bytes()).unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(e.to_string().contains("line 2 uses ','"), "{e}");
    }

    #[test]
    fn id_index_dense_and_sparse_agree() {
        let ids = [10, 12, 11, 10];
        let dense = IdIndex::new(&ids);
        assert!(dense.dense.is_some());
        assert_eq!(dense.get(10), Some(0));
        assert_eq!(dense.get(11), Some(2));
        assert_eq!(dense.get(13), None);
        assert_eq!(dense.get(i64::MIN), None);
        let sparse_ids = [1, 1_000_000_000, 5];
        let sparse = IdIndex::new(&sparse_ids);
        assert!(sparse.dense.is_none());
        assert_eq!(sparse.get(1_000_000_000), Some(1));
        assert_eq!(sparse.get(6), None);
    }
}
