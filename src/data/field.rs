//! Parsing and range-checking one field, with either decimal mark for reals.

use super::Values;
use super::format::shorten;
use crate::error::{Error, Result};
use crate::schema::{ColumnSpec, FileId, Kind};

/// First line using each decimal mark: (line, column, value).
#[derive(Default)]
pub(super) struct DecimalMarks {
    pub(super) point: Option<(usize, &'static str, String)>,
    pub(super) comma: Option<(usize, &'static str, String)>,
}

pub(super) fn parse_field(
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
