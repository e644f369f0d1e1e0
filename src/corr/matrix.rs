//! Layer 3: φK and significance for every pair of columns of a frame ([`PhikMatrix`]).

use polars::prelude::*;

use super::phik::{bin_uniform, codes_of, crosstab, phik_from_table};
use super::significance::{Significance, significance_from_table};
use crate::checked::Checked;
use crate::display::Table;
use crate::error::{Error, Result};
use crate::labels;

/// Options of [`PhikMatrix::compute`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhikOptions {
    /// Uniform bins per interval column. Default: 10.
    pub bins: usize,
    /// The significance method; `None` skips it. Default: hybrid, 1000 simulations, seed 42.
    pub significance: Option<Significance>,
}

impl Default for PhikOptions {
    fn default() -> Self {
        PhikOptions {
            bins: 10,
            significance: Some(Significance::Hybrid {
                simulations: 1000,
                seed: 42,
            }),
        }
    }
}

impl crate::checked::Check for PhikOptions {
    /// Checks the options, naming the one that is wrong: at least 2 bins, at least one
    /// simulation for the hybrid significance.
    fn check(&self) -> Result<()> {
        if self.bins < 2 {
            return Err(Error::parameter(
                "correlation.bins",
                self.bins,
                "at least 2",
            ));
        }
        if let Some(Significance::Hybrid { simulations: 0, .. }) = self.significance {
            return Err(Error::parameter(
                "correlation.significance.simulations",
                0,
                "at least 1",
            ));
        }
        Ok(())
    }
}

/// φK of one feature with the target, with its significance (`results.json` →
/// `correlation.target[]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Association {
    /// Feature name.
    pub feature: String,
    /// φK with the target.
    pub phik: f64,
    /// Z-score of the association (NaN when significance was not computed).
    pub significance: f64,
}

/// φK and significance for every pair of columns of a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct PhikMatrix {
    /// Column names, in frame order.
    pub columns: Vec<String>,
    /// φK, symmetric, 1 on the diagonal.
    pub phik: Vec<Vec<f64>>,
    /// Z-scores (when computed); the diagonal is each column against itself.
    pub significance: Option<Vec<Vec<f64>>>,
    /// The options used.
    pub options: PhikOptions,
}

impl PhikMatrix {
    /// Computes φK (and significance) for all columns of `df`; the `interval` columns are
    /// binned uniformly, all others are used as categories as they are.
    pub fn compute<S: AsRef<str>>(
        df: &DataFrame,
        interval: &[S],
        options: &Checked<PhikOptions>,
    ) -> Result<PhikMatrix> {
        let interval: Vec<&str> = interval.iter().map(|s| s.as_ref()).collect();
        let mut columns = Vec::new();
        let mut codes = Vec::new();
        for c in df.columns() {
            let name = c.name().to_string();
            let code = if interval.contains(&name.as_str()) {
                bin_uniform(&crate::frame::column_f64(c)?, options.bins)
            } else {
                let keys: Vec<String> = (0..c.len())
                    .map(|i| c.get(i).map(|v| v.to_string()))
                    .collect::<std::result::Result<_, _>>()?;
                codes_of(&keys)
            };
            columns.push(name);
            codes.push(code);
        }
        for name in &interval {
            if !columns.iter().any(|c| c == name) {
                return Err(Error::UnknownColumn {
                    what: "φK: interval columns".into(),
                    column: name.to_string(),
                    known: columns.clone(),
                });
            }
        }
        let k = columns.len();
        let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (i..k).map(move |j| (i, j))).collect();
        let results: Vec<(f64, f64)> = crate::par::map(&pairs, None, |&(i, j)| {
            let (t, r, c) = crosstab(&codes[i], &codes[j]);
            let phik = if i == j {
                1.0
            } else {
                phik_from_table(&t, r, c, true)
            };
            let z = options.significance.map_or(f64::NAN, |m| {
                significance_from_table(&t, r, c, m, (i * k + j) as u64)
            });
            (phik, z)
        });
        let mut phik = vec![vec![0.0; k]; k];
        let mut sig = vec![vec![0.0; k]; k];
        for (&(i, j), &(p, z)) in pairs.iter().zip(&results) {
            phik[i][j] = p;
            phik[j][i] = p;
            sig[i][j] = z;
            sig[j][i] = z;
        }
        Ok(PhikMatrix {
            columns,
            phik,
            significance: options.significance.map(|_| sig),
            options: (**options).clone(),
        })
    }

    fn index(&self, column: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| Error::UnknownColumn {
                what: "φK matrix".into(),
                column: column.to_string(),
                known: self.columns.clone(),
            })
    }

    /// φK of every other column with `target`, strongest first.
    pub fn ranking(&self, target: &str) -> Result<Vec<Association>> {
        let t = self.index(target)?;
        let mut out: Vec<Association> = (0..self.columns.len())
            .filter(|&j| j != t)
            .map(|j| Association {
                feature: self.columns[j].clone(),
                phik: self.phik[t][j],
                significance: self.significance.as_ref().map_or(f64::NAN, |s| s[t][j]),
            })
            .collect();
        out.sort_by(|a, b| b.phik.total_cmp(&a.phik).then(a.feature.cmp(&b.feature)));
        Ok(out)
    }

    /// The `n` strongest pairs of distinct columns, excluding `exclude` (e.g. the target).
    pub fn strongest_pairs(&self, n: usize, exclude: &[&str]) -> Vec<(String, String, f64)> {
        let k = self.columns.len();
        let mut pairs: Vec<(String, String, f64)> = (0..k)
            .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
            .filter(|&(i, j)| {
                !exclude.contains(&self.columns[i].as_str())
                    && !exclude.contains(&self.columns[j].as_str())
            })
            .map(|(i, j)| {
                (
                    self.columns[i].clone(),
                    self.columns[j].clone(),
                    self.phik[i][j],
                )
            })
            .collect();
        pairs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        pairs.truncate(n);
        pairs
    }

    /// The φK of `target` with each column as a table, with significance.
    pub fn ranking_table(&self, target: &str) -> Result<Table> {
        let rows = self
            .ranking(target)?
            .into_iter()
            .map(|a| {
                let (p, z) = (a.phik, a.significance);
                vec![
                    a.feature,
                    format!("{p:.3}"),
                    if z.is_nan() {
                        "—".into()
                    } else {
                        format!("{z:.1}")
                    },
                ]
            })
            .collect();
        Ok(Table::from_rows(
            labels::PHIK_RANKING_HEADERS.map(String::from).to_vec(),
            rows,
        )
        .title(labels::phik_ranking_title(target)))
    }
}
