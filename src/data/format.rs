//! Format sniffing: line ends, separators, encoding errors and the detected [`FileFormat`].

use std::fmt;

use crate::error::{Error, Result};
use crate::schema::FileId;

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

impl FileFormat {
    /// The format in Russian, for the notebooks: «разделитель ',', десятичный знак '.', CRLF».
    pub fn describe_ru(&self) -> String {
        let sep = match self.separator {
            '\t' => "табуляция".to_string(),
            c => format!("'{c}'"),
        };
        let le = match self.line_ending {
            LineEnding::Lf => "LF",
            LineEnding::CrLf => "CRLF",
            LineEnding::Mixed => "LF и CRLF вперемешку",
        };
        format!(
            "разделитель {sep}, десятичный знак '{}', концы строк {le}{}",
            self.decimal,
            if self.bom { ", UTF-8 BOM" } else { "" }
        )
    }
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

const MAX_SHOWN: usize = 80;

pub(super) fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_SHOWN {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX_SHOWN).collect();
        format!("{head}… ({} characters)", s.chars().count())
    }
}

pub(super) fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    1 + bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// An [`Error::Encoding`] for the first invalid UTF-8 byte of `part` (a prefix of `all`).
pub(super) fn encoding_error(file: FileId, part: &[u8], all: &[u8], bom: bool) -> Option<Error> {
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

pub(super) fn detect_separator(file: FileId, header: &str) -> Result<u8> {
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
