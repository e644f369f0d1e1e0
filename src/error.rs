//! One error type for the whole crate.
//!
//! Every variant that concerns input data names the file, the 1-based line, the column,
//! the offending value and what was expected, so a message alone is enough to find and
//! fix the problem. Nothing in the data layer panics on bad input: it returns one of these.

use std::path::PathBuf;

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the study, from reading files to writing reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A required input file does not exist.
    #[error(
        "{file}: file not found in {dir} (expected the four files market_file.csv, market_money.csv, market_time.csv, money.csv)"
    )]
    MissingFile {
        /// File name, e.g. `market_file.csv`.
        file: String,
        /// Directory that was searched.
        dir: PathBuf,
    },

    /// An operating-system error while reading or writing a path.
    #[error("{path}: {source}")]
    Io {
        /// The path being read or written.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// The file has no bytes, or only a byte-order mark / blank lines.
    #[error("{file}: line 1: the file is empty; expected a header line and data rows")]
    EmptyFile {
        /// File name.
        file: String,
    },

    /// The file has a header but no data rows.
    #[error("{file}: line {line}: the file has a header but no data rows")]
    NoRows {
        /// File name.
        file: String,
        /// The last line of the file.
        line: usize,
    },

    /// The bytes are not UTF-8 (e.g. a cp1251 export).
    #[error(
        "{file}: line {line}: byte {byte:#04x} at offset {offset} is not valid UTF-8; expected UTF-8 text{hint}"
    )]
    Encoding {
        /// File name.
        file: String,
        /// Line holding the first invalid byte.
        line: usize,
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// The invalid byte.
        byte: u8,
        /// A guess at the actual encoding, if any.
        hint: String,
    },

    /// No supported separator splits the header into the expected columns.
    #[error(
        "{file}: line 1: cannot detect the column separator in header {header:?}; expected the columns {expected:?} separated by ',', ';' or a tab"
    )]
    Separator {
        /// File name.
        file: String,
        /// The header line as read.
        header: String,
        /// The expected column names.
        expected: Vec<String>,
    },

    /// The header does not hold exactly the expected columns.
    #[error(
        "{file}: line 1: {}",
        describe_columns(missing, unexpected, duplicated)
    )]
    Columns {
        /// File name.
        file: String,
        /// Required columns that are absent.
        missing: Vec<String>,
        /// Columns that are not part of the schema.
        unexpected: Vec<String>,
        /// Columns that appear more than once.
        duplicated: Vec<String>,
    },

    /// A row has more or fewer fields than the header.
    #[error(
        "{file}: line {line}: found {found} fields, expected {expected} (as in the header); is the row truncated or is a separator inside an unquoted value?"
    )]
    FieldCount {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// Number of header columns.
        expected: usize,
        /// Number of fields on this row.
        found: usize,
    },

    /// The CSV itself cannot be parsed (e.g. an unterminated quote).
    #[error("{file}: line {line}: malformed CSV: {message}")]
    Csv {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What the parser reported.
        message: String,
    },

    /// A field's value does not fit its column.
    #[error(
        "{file}: line {line}: column {column:?}: value {value:?} is invalid; expected {expected}"
    )]
    Value {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// Column name.
        column: String,
        /// The value as written in the file (shortened when very long).
        value: String,
        /// What the column accepts.
        expected: String,
    },

    /// The same key (id, or id + period) appears twice with different contents.
    #[error(
        "{file}: line {line}: {key} already appeared on line {first_line} with different values; expected {expected}"
    )]
    DuplicateKey {
        /// File name.
        file: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// Line of the first occurrence.
        first_line: usize,
        /// The duplicated key, e.g. `id 215348` or `id 215348, Период "текущий_месяц"`.
        key: String,
        /// The rule that was broken.
        expected: String,
    },

    /// An id appears in a file but not in `market_file.csv`.
    #[error(
        "{file}: line {line}: column \"id\": customer {id} is not in market_file.csv; expected the same customers in all four files"
    )]
    UnknownId {
        /// File name.
        file: String,
        /// 1-based line number.
        line: usize,
        /// The id.
        id: i64,
    },

    /// A customer of `market_file.csv` has no rows in another file.
    #[error("{file}: customer {id} (market_file.csv line {line}) has no rows; expected {expected}")]
    MissingId {
        /// The file lacking the customer.
        file: String,
        /// Line of the customer in market_file.csv.
        line: usize,
        /// The id.
        id: i64,
        /// What each customer needs in that file.
        expected: String,
    },

    /// A customer lacks one of the periods.
    #[error(
        "{file}: line {line}: customer {id} has no row for period {period:?}; expected exactly one row for each of {expected:?}"
    )]
    MissingPeriod {
        /// File name.
        file: String,
        /// Line of the customer's first row in this file.
        line: usize,
        /// The id.
        id: i64,
        /// The missing period.
        period: String,
        /// All periods required.
        expected: Vec<String>,
    },

    /// A download failed (network, HTTP status) or the machine is offline.
    #[error("download of {url} failed: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },

    /// Downloaded or found bytes do not have the published checksum.
    #[error(
        "{file}: sha256 is {found}, expected {expected}; the file is not the published original (nothing was written)"
    )]
    Checksum {
        /// File name.
        file: String,
        /// Expected sha256.
        expected: String,
        /// Actual sha256.
        found: String,
    },

    /// A category the fitted preprocessing has not seen (row is 0-based in the frame).
    #[error(
        "column {column:?}, row {}: category {value:?} was not seen when the preprocessing was fitted; expected one of {known:?}",
        row + 1
    )]
    UnknownCategory {
        /// Column name.
        column: String,
        /// The unseen value.
        value: String,
        /// Row index (0-based) in the transformed frame.
        row: usize,
        /// The categories seen at fit time.
        known: Vec<String>,
    },

    /// A parameter (of a model, a search, a study step) outside its domain; checked
    /// before anything is fitted or computed.
    #[error("parameter {name} = {value}: expected {rule}")]
    InvalidParameter {
        /// The parameter, e.g. `knn.k` or `ImportanceOptions::repeats`.
        name: String,
        /// Its value as given.
        value: String,
        /// The rule it breaks, e.g. `a whole number ≥ 1`.
        rule: String,
    },

    /// Two inputs that must agree in size do not.
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        /// What is being compared, e.g. `targets for the feature rows`.
        what: String,
        /// The size required.
        expected: String,
        /// The size given.
        found: String,
    },

    /// A numeric input holds a value that is not a finite number.
    #[error("{what}: value {value} at row {}, column {column} is not a finite number", row + 1)]
    NotFinite {
        /// The input, e.g. `feature matrix`.
        what: String,
        /// 0-based row (shown 1-based).
        row: usize,
        /// Column name or position.
        column: String,
        /// The value.
        value: f64,
    },

    /// A column the computation needs is not in the frame.
    #[error("{what}: no column {column:?}; expected one of {known:?}")]
    UnknownColumn {
        /// The frame or step, e.g. `model table`.
        what: String,
        /// The column asked for.
        column: String,
        /// The columns there are.
        known: Vec<String>,
    },

    /// A column of the wrong type for the computation.
    #[error("column {column:?}: expected {expected}, found {found}")]
    ColumnType {
        /// The column.
        column: String,
        /// What the computation needs, e.g. `a numeric column`.
        expected: String,
        /// Its type.
        found: String,
    },

    /// A named segment that the segmentation does not have.
    #[error("no segment {name:?}; expected one of {known:?}")]
    UnknownSegment {
        /// The name asked for.
        name: String,
        /// The segments there are.
        known: Vec<String>,
    },

    /// A model could not be trained on the rows given (one class only, a solver failure).
    #[error("{model}: cannot be fitted: {reason}")]
    Fit {
        /// The model family and its parameters, e.g. `logistic_regression (C = 1)`.
        model: String,
        /// Why.
        reason: String,
    },

    /// A fitted model asked for something it was not fitted to give.
    #[error("{model}: {reason}")]
    Unsupported {
        /// The model family.
        model: String,
        /// What is missing and how to get it.
        reason: String,
    },

    /// A saved model file that cannot be used.
    #[error("{source_name}: {reason}")]
    ModelFile {
        /// The file (or other source) it was read from.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Scoring a snapshot failed at one customer.
    #[error("{data}: customer {id}: {reason}")]
    Customer {
        /// The snapshot's directory.
        data: PathBuf,
        /// The customer's id.
        id: i64,
        /// What went wrong, e.g. an unknown category.
        reason: Box<Error>,
    },

    /// A free-form argument problem that fits none of the variants above.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// An error raised by polars while building or reshaping a frame.
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),

    /// Drawing a chart failed.
    #[error("plot: {0}")]
    Plot(String),

    /// JSON serialisation failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

fn describe_columns(missing: &[String], unexpected: &[String], duplicated: &[String]) -> String {
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing required columns {missing:?}"));
    }
    if !unexpected.is_empty() {
        parts.push(format!("unexpected columns {unexpected:?}"));
    }
    if !duplicated.is_empty() {
        parts.push(format!("duplicated columns {duplicated:?}"));
    }
    format!(
        "{}; expected exactly the columns of the schema",
        parts.join(", ")
    )
}

impl Error {
    /// A parameter outside its domain.
    pub fn parameter(
        name: impl Into<String>,
        value: impl std::fmt::Display,
        rule: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            name: name.into(),
            value: value.to_string(),
            rule: rule.into(),
        }
    }

    /// Two sizes that must agree and do not.
    pub fn shape(
        what: impl Into<String>,
        expected: impl std::fmt::Display,
        found: impl std::fmt::Display,
    ) -> Self {
        Error::Shape {
            what: what.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    /// A model that cannot be fitted on the rows given.
    pub fn fit(model: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Fit {
            model: model.into(),
            reason: reason.into(),
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The file this error concerns, when it concerns one input file.
    pub fn file(&self) -> Option<&str> {
        match self {
            Error::MissingFile { file, .. }
            | Error::EmptyFile { file }
            | Error::NoRows { file, .. }
            | Error::Encoding { file, .. }
            | Error::Separator { file, .. }
            | Error::Columns { file, .. }
            | Error::FieldCount { file, .. }
            | Error::Csv { file, .. }
            | Error::Value { file, .. }
            | Error::DuplicateKey { file, .. }
            | Error::UnknownId { file, .. }
            | Error::MissingId { file, .. }
            | Error::MissingPeriod { file, .. }
            | Error::Checksum { file, .. } => Some(file),
            _ => None,
        }
    }

    /// The 1-based line this error points at, when it points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::EmptyFile { .. } | Error::Separator { .. } | Error::Columns { .. } => Some(1),
            Error::NoRows { line, .. }
            | Error::Encoding { line, .. }
            | Error::FieldCount { line, .. }
            | Error::Csv { line, .. }
            | Error::Value { line, .. }
            | Error::DuplicateKey { line, .. }
            | Error::UnknownId { line, .. }
            | Error::MissingId { line, .. }
            | Error::MissingPeriod { line, .. } => Some(*line),
            _ => None,
        }
    }
}
