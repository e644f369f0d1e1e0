//! Linear correlation (Pearson, Spearman) matrices and variance inflation factors.

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::stats::{pearson, ranks};

/// Which linear correlation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Pearson's r.
    Pearson,
    /// Spearman's ρ (Pearson on average ranks).
    Spearman,
}

/// Numeric columns of a frame as f64 vectors (strings are skipped).
pub fn numeric_columns(df: &DataFrame) -> Result<Vec<(String, Vec<f64>)>> {
    let mut out = Vec::new();
    for c in df.columns() {
        if c.dtype().is_primitive_numeric() {
            out.push((c.name().to_string(), crate::frame::column_f64(c)?));
        }
    }
    Ok(out)
}

/// Correlation matrix of the numeric columns: `(names, matrix)`.
pub fn correlation_matrix(df: &DataFrame, method: Method) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let cols = numeric_columns(df)?;
    let data: Vec<Vec<f64>> = cols
        .iter()
        .map(|(_, v)| match method {
            Method::Pearson => v.clone(),
            Method::Spearman => ranks(v),
        })
        .collect();
    let k = data.len();
    let mut m = vec![vec![1.0; k]; k];
    for i in 0..k {
        for j in i + 1..k {
            let r = pearson(&data[i], &data[j]);
            m[i][j] = r;
            m[j][i] = r;
        }
    }
    Ok((cols.into_iter().map(|(n, _)| n).collect(), m))
}

/// Variance inflation factors of the numeric columns: VIF_i = 1 / (1 − R²_i), the i-th
/// diagonal element of the inverse correlation matrix.
pub fn vif(df: &DataFrame) -> Result<Vec<(String, f64)>> {
    let (names, m) = correlation_matrix(df, Method::Pearson)?;
    let inv = invert(&m).ok_or_else(|| {
        Error::InvalidArgument(
            "the correlation matrix is singular (a column is a linear combination of others)"
                .into(),
        )
    })?;
    Ok(names
        .into_iter()
        .enumerate()
        .map(|(i, n)| (n, inv[i][i]))
        .collect())
}

/// Gauss–Jordan inverse with partial pivoting; `None` if singular.
fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = row.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for col in 0..n {
        let pivot = (col..n).max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        let p = a[col][col];
        for v in a[col].iter_mut() {
            *v /= p;
        }
        for row in 0..n {
            if row != col {
                let f = a[row][col];
                if f != 0.0 {
                    let pivot_row = a[col].clone();
                    for (v, p) in a[row].iter_mut().zip(&pivot_row) {
                        *v -= f * p;
                    }
                }
            }
        }
    }
    Some(a.into_iter().map(|r| r[n..].to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vif_of_independent_and_collinear_columns() {
        let a: Vec<f64> = (0..50).map(|i| ((i * 37) % 17) as f64).collect();
        let b: Vec<f64> = (0..50).map(|i| ((i * 11) % 13) as f64).collect();
        let c: Vec<f64> = a
            .iter()
            .zip(&b)
            .map(|(x, y)| x + y + ((x * 7.0) % 3.0))
            .collect();
        let df = polars::df!("a" => a, "b" => b, "c" => c).unwrap();
        let v = vif(&df).unwrap();
        assert!(v.iter().all(|(_, x)| *x >= 1.0));
        assert!(v[2].1 > 5.0, "{v:?}");
    }
}
