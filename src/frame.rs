//! polars column helpers shared by the crate: a column as `f64`s or strings, with errors
//! that name the column.

use polars::prelude::*;

use crate::error::{Error, Result};

/// The column `col` of `df`; a missing column is an error listing the columns there are.
pub fn column<'a>(df: &'a DataFrame, col: &str) -> Result<&'a Column> {
    df.column(col).map_err(|_| Error::UnknownColumn {
        what: "frame".into(),
        column: col.to_string(),
        known: df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect(),
    })
}

/// A numeric column as `f64`s (nulls as NaN); a non-numeric column is an error.
pub fn column_f64(c: &Column) -> Result<Vec<f64>> {
    if !c.dtype().is_primitive_numeric() {
        return Err(Error::ColumnType {
            column: c.name().to_string(),
            expected: "a numeric column".into(),
            found: c.dtype().to_string(),
        });
    }
    let v = c.cast(&DataType::Float64)?;
    Ok(v.f64()?.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
}

/// The numeric column `col` of `df` as `f64`s (nulls as NaN).
pub fn f64_values(df: &DataFrame, col: &str) -> Result<Vec<f64>> {
    column_f64(column(df, col)?)
}

/// The integer column `col` of `df` as `i64`s (nulls as 0).
pub fn i64_values(df: &DataFrame, col: &str) -> Result<Vec<i64>> {
    let c = column(df, col)?;
    let v = c.cast(&DataType::Int64)?;
    Ok(v.i64()?.iter().map(|x| x.unwrap_or(0)).collect())
}

/// The text column `col` of `df` as strings (nulls as "").
pub fn str_values(df: &DataFrame, col: &str) -> Result<Vec<String>> {
    let c = column(df, col)?;
    let s = c.str().map_err(|_| Error::ColumnType {
        column: col.to_string(),
        expected: "a text column".into(),
        found: c.dtype().to_string(),
    })?;
    Ok(s.iter().map(|v| v.unwrap_or("").to_string()).collect())
}
