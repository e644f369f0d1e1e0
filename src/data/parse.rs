//! Parsing one file's bytes into a frame and the [`Parsed`] facts validation needs.

use polars::prelude::*;

use super::field::{DecimalMarks, parse_field};
use super::format::{detect_separator, encoding_error, line_of_offset};
use super::provenance::sha256_hex;
use super::{FileFormat, LineEnding};
use crate::error::{Error, Result};
use crate::schema::{FileId, Kind};

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

pub(super) fn parse(file: FileId, raw: &[u8]) -> Result<Parsed> {
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
}
