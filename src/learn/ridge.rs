//! Ridge least squares, the DR-learner's second stage: the doubly robust pseudo-outcomes
//! are continuous, so they are regressed with an L2 penalty (not on the intercept) on a
//! **basis** of the model matrix — each column, and for a column of many values its steps
//! at the 20/40/60/80 % quantiles, so that an effect that starts at a level (mailings
//! that help only customers who still visit) is not forced onto a line — by the normal
//! equations and a Cholesky factor.
//!
//! **Bootstrap from moments.** The customers are dealt at random into groups and each
//! group's XᵀX and Xᵀy are summed once; a resample draws groups with replacement and adds
//! their moments, so each refit costs p² per group, not n·p² (a bootstrap of random
//! clusters of independent customers).

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The DR-learner's basis: per column of the model matrix, the thresholds of its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Basis {
    /// Per column, the quantiles its steps start at (empty for a column of few values).
    pub knots: Vec<Vec<f64>>,
}

impl Basis {
    /// The knots of the columns of `x`'s rows `rows`.
    pub fn of(x: ArrayView2<f64>, rows: &[usize]) -> Basis {
        let knots = (0..x.ncols())
            .map(|j| {
                let mut v: Vec<f64> = rows.iter().map(|i| x[[*i, j]]).collect();
                v.sort_by(f64::total_cmp);
                v.dedup();
                if v.len() <= 5 {
                    return Vec::new();
                }
                let mut all: Vec<f64> = rows.iter().map(|i| x[[*i, j]]).collect();
                all.sort_by(f64::total_cmp);
                let mut k: Vec<f64> = [0.2, 0.4, 0.6, 0.8]
                    .iter()
                    .map(|q| crate::stats::quantile_sorted(&all, *q))
                    .collect();
                k.dedup();
                k
            })
            .collect();
        Basis { knots }
    }

    /// The basis of every row of `x`.
    pub fn expand(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        if x.ncols() != self.knots.len() {
            return Err(Error::shape(
                "DR-learner's model matrix",
                format!("{} columns", self.knots.len()),
                format!("{} columns", x.ncols()),
            ));
        }
        let width = x.ncols() + self.knots.iter().map(Vec::len).sum::<usize>();
        let mut out = Array2::zeros((x.nrows(), width));
        for (i, row) in x.rows().into_iter().enumerate() {
            let mut c = 0;
            for (j, v) in row.iter().enumerate() {
                out[[i, c]] = *v;
                c += 1;
                for k in &self.knots[j] {
                    out[[i, c]] = f64::from(u8::from(*v > *k));
                    c += 1;
                }
            }
        }
        Ok(out)
    }
}

/// A fitted ridge regression: intercept first, then one coefficient per column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    /// Intercept and coefficients.
    pub coef: Vec<f64>,
}

/// Σ xxᵀ (lower triangle, row-major p × p) and Σ x·y over some rows, x with a leading 1.
#[derive(Debug, Clone)]
pub struct Moments {
    xtx: Vec<f64>,
    xty: Vec<f64>,
    rows: usize,
}

impl Moments {
    /// The moments of the rows `rows` of `x` and `y`.
    pub fn of(x: ArrayView2<f64>, y: &[f64], rows: &[usize]) -> Moments {
        let p = x.ncols() + 1;
        let mut m = Moments {
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            rows: rows.len(),
        };
        let mut row = vec![0.0; p];
        for &i in rows {
            row[0] = 1.0;
            for j in 1..p {
                row[j] = x[[i, j - 1]];
            }
            for r in 0..p {
                m.xty[r] += row[r] * y[i];
                let v = row[r];
                if v == 0.0 {
                    continue;
                }
                for (c, w) in row[..=r].iter().enumerate() {
                    m.xtx[r * p + c] += v * w;
                }
            }
        }
        m
    }

    /// Adds `other`, `times` times.
    pub fn add(&mut self, other: &Moments, times: f64) {
        for (a, b) in self.xtx.iter_mut().zip(&other.xtx) {
            *a += times * b;
        }
        for (a, b) in self.xty.iter_mut().zip(&other.xty) {
            *a += times * b;
        }
        self.rows += (times as usize) * other.rows;
    }

    /// No rows, for `p − 1` columns.
    pub fn zero(columns: usize) -> Moments {
        let p = columns + 1;
        Moments {
            xtx: vec![0.0; p * p],
            xty: vec![0.0; p],
            rows: 0,
        }
    }

    /// The ridge fit of these moments.
    pub fn solve(&self, lambda: f64) -> Result<Ridge> {
        let p = self.xty.len();
        let mut a = self.xtx.clone();
        for r in 0..p {
            for c in 0..r {
                a[c * p + r] = a[r * p + c];
            }
            if r > 0 {
                a[r * p + r] += lambda;
            }
        }
        let l = crate::stats::cholesky(&a, p).ok_or_else(|| {
            Error::fit(
                "DR-learner (ridge)",
                format!(
                    "the normal equations of {} rows are singular; raise the penalty",
                    self.rows
                ),
            )
        })?;
        let b = &self.xty;
        let mut z = vec![0.0; p];
        for r in 0..p {
            let s: f64 = (0..r).map(|c| l[r * p + c] * z[c]).sum();
            z[r] = (b[r] - s) / l[r * p + r];
        }
        let mut coef = vec![0.0; p];
        for r in (0..p).rev() {
            let s: f64 = (r + 1..p).map(|c| l[c * p + r] * coef[c]).sum();
            coef[r] = (z[r] - s) / l[r * p + r];
        }
        Ok(Ridge { coef })
    }
}

impl Ridge {
    /// Fits `y ≈ b₀ + x·b` on the rows `rows` of `x`, minimising Σ(y − b₀ − x·b)² + λ‖b‖².
    pub fn fit(x: ArrayView2<f64>, y: &[f64], rows: &[usize], lambda: f64) -> Result<Ridge> {
        Moments::of(x, y, rows).solve(lambda)
    }

    /// Predictions for every row of `x`.
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Vec<f64>> {
        if x.ncols() + 1 != self.coef.len() {
            return Err(Error::shape(
                "DR-learner's model matrix",
                format!("{} columns", self.coef.len() - 1),
                format!("{} columns", x.ncols()),
            ));
        }
        Ok(x.rows()
            .into_iter()
            .map(|r| {
                self.coef[0]
                    + r.iter()
                        .zip(&self.coef[1..])
                        .map(|(a, b)| a * b)
                        .sum::<f64>()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_line_and_shrinks_with_the_penalty() {
        let x = Array2::from_shape_fn((50, 2), |(i, j)| ((i * (j + 3)) % 7) as f64);
        let y: Vec<f64> = (0..50)
            .map(|i| 1.5 + 2.0 * x[[i, 0]] - 0.5 * x[[i, 1]])
            .collect();
        let rows: Vec<usize> = (0..50).collect();
        let r = Ridge::fit(x.view(), &y, &rows, 0.0).unwrap();
        for (a, b) in r.coef.iter().zip([1.5, 2.0, -0.5]) {
            assert!((a - b).abs() < 1e-9, "{:?}", r.coef);
        }
        let shrunk = Ridge::fit(x.view(), &y, &rows, 1e6).unwrap();
        assert!(shrunk.coef[1].abs() < 0.01 && shrunk.coef[2].abs() < 0.01);
        let mean = y.iter().sum::<f64>() / 50.0;
        assert!((shrunk.predict(x.view()).unwrap()[0] - mean).abs() < 0.1);
        // moments add up: two halves give the whole fit
        let mut m = Moments::of(x.view(), &y, &rows[..20]);
        m.add(&Moments::of(x.view(), &y, &rows[20..]), 1.0);
        assert_eq!(m.solve(0.0).unwrap().coef.len(), 3);
        for (a, b) in m.solve(0.0).unwrap().coef.iter().zip(&r.coef) {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn a_step_is_a_basis_column() {
        let x = Array2::from_shape_fn((100, 1), |(i, _)| i as f64);
        let rows: Vec<usize> = (0..100).collect();
        let b = Basis::of(x.view(), &rows);
        assert_eq!(b.knots[0].len(), 4);
        let e = b.expand(x.view()).unwrap();
        assert_eq!(e.ncols(), 5);
        let y: Vec<f64> = (0..100)
            .map(|i| if i as f64 > b.knots[0][1] { -1.0 } else { 0.0 })
            .collect();
        let fit = Ridge::fit(e.view(), &y, &rows, 1e-6).unwrap();
        let p = fit.predict(e.view()).unwrap();
        assert!(p.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}
