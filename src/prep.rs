//! Preprocessing in the spirit of scikit-learn's `ColumnTransformer`: named steps
//! `(name, transformer, columns)`, fitted on training data only, applied to any frame with
//! the same columns: polars in, ndarray out. Output is a dense `Array2<f64>` whose
//! [`feature_names_out`](FittedTransformer::feature_names_out) map back to the source
//! columns, so importance can be reported per original feature.

use ndarray::Array2;
use polars::prelude::*;

use crate::error::{Error, Result};
use crate::schema;

/// What a step does to its columns.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Transformer {
    /// One indicator column per category; with `drop_first` the first category (in
    /// sorted order) is left out, as scikit-learn's `OneHotEncoder(drop="first")`.
    OneHot {
        /// Leave out the first category.
        drop_first: bool,
    },
    /// Codes 0, 1, 2, … in the given order of categories.
    Ordinal {
        /// Categories from lowest to highest.
        order: Vec<String>,
    },
    /// (x − mean) / std with the population std (scikit-learn's `StandardScaler`).
    Standard,
    /// (x − min) / (max − min) (scikit-learn's `MinMaxScaler`).
    MinMax,
    /// Values as they are.
    Passthrough,
}

/// An unfitted column transformer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnTransformer {
    /// `(name, transformer, columns)`, applied in order; output columns follow that order.
    pub steps: Vec<(String, Transformer, Vec<String>)>,
}

/// How one fitted column is transformed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
enum Fitted {
    OneHot {
        categories: Vec<String>,
        drop_first: bool,
    },
    Ordinal {
        order: Vec<String>,
    },
    Affine {
        shift: f64,
        scale: f64,
    },
}

/// A fitted column transformer.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FittedTransformer {
    columns: Vec<(String, String, Fitted)>, // (step, source column, fitted)
}

impl ColumnTransformer {
    /// An empty transformer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a step.
    pub fn step(mut self, name: &str, transformer: Transformer, columns: &[&str]) -> Self {
        self.steps.push((
            name.to_string(),
            transformer,
            columns.iter().map(|c| c.to_string()).collect(),
        ));
        self
    }

    /// The study's preprocessing: one-hot (drop first) for «Популярная_категория»,
    /// ordinal «стандарт» < «премиум» and «нет» < «да», and `scaler` for every numeric
    /// feature of the model table.
    pub fn study(scaler: Transformer) -> Self {
        let numeric: Vec<String> = schema::feature_groups()
            .into_iter()
            .map(|(c, _)| c)
            .filter(|c| {
                ![
                    schema::POPULAR_CATEGORY,
                    schema::SERVICE_TYPE,
                    schema::ALLOW_MESSAGES,
                ]
                .contains(&c.as_str())
            })
            .collect();
        let numeric: Vec<&str> = numeric.iter().map(String::as_str).collect();
        ColumnTransformer::new()
            .step(
                "ohe",
                Transformer::OneHot { drop_first: true },
                &[schema::POPULAR_CATEGORY],
            )
            .step(
                "service",
                Transformer::Ordinal {
                    order: vec!["стандарт".into(), "премиум".into()],
                },
                &[schema::SERVICE_TYPE],
            )
            .step(
                "messages",
                Transformer::Ordinal {
                    order: vec!["нет".into(), "да".into()],
                },
                &[schema::ALLOW_MESSAGES],
            )
            .step("num", scaler, &numeric)
    }

    /// Fits every step on `train`.
    pub fn fit(&self, train: &DataFrame) -> Result<FittedTransformer> {
        let mut columns = Vec::new();
        for (step, transformer, cols) in &self.steps {
            for col in cols {
                let fitted = match transformer {
                    Transformer::OneHot { drop_first } => {
                        let mut categories = crate::frame::str_values(train, col)?;
                        categories.sort();
                        categories.dedup();
                        Fitted::OneHot {
                            categories,
                            drop_first: *drop_first,
                        }
                    }
                    Transformer::Ordinal { order } => {
                        codes(train, col, order)?;
                        Fitted::Ordinal {
                            order: order.clone(),
                        }
                    }
                    Transformer::Standard => {
                        let (mean, std) =
                            crate::stats::mean_std(&crate::frame::f64_values(train, col)?);
                        Fitted::Affine {
                            shift: mean,
                            scale: if std > 0.0 { std } else { 1.0 },
                        }
                    }
                    Transformer::MinMax => {
                        let v = crate::frame::f64_values(train, col)?;
                        let min = v.iter().copied().fold(f64::INFINITY, f64::min);
                        let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        let range = max - min;
                        Fitted::Affine {
                            shift: min,
                            scale: if range > 0.0 { range } else { 1.0 },
                        }
                    }
                    Transformer::Passthrough => {
                        crate::frame::f64_values(train, col)?;
                        Fitted::Affine {
                            shift: 0.0,
                            scale: 1.0,
                        }
                    }
                };
                columns.push((step.clone(), col.clone(), fitted));
            }
        }
        Ok(FittedTransformer { columns })
    }
}

impl FittedTransformer {
    /// Output feature names: `step__column` for scalars, `step__column_category` for
    /// one-hot indicators (as scikit-learn names them).
    pub fn feature_names_out(&self) -> Vec<String> {
        self.outputs().into_iter().map(|(name, _)| name).collect()
    }

    /// The source column of each output feature.
    pub fn sources(&self) -> Vec<String> {
        self.outputs().into_iter().map(|(_, src)| src).collect()
    }

    fn outputs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (step, col, f) in &self.columns {
            match f {
                Fitted::OneHot {
                    categories,
                    drop_first,
                } => {
                    for c in categories.iter().skip(usize::from(*drop_first)) {
                        out.push((format!("{step}__{col}_{c}"), col.clone()));
                    }
                }
                _ => out.push((format!("{step}__{col}"), col.clone())),
            }
        }
        out
    }

    /// Checks a transformer read from a file: finite shifts and non-zero finite scales,
    /// non-empty category lists.
    pub fn check(&self) -> Result<()> {
        for (_, col, f) in &self.columns {
            let ok = match f {
                Fitted::OneHot { categories, .. } => !categories.is_empty(),
                Fitted::Ordinal { order } => !order.is_empty(),
                Fitted::Affine { shift, scale } => {
                    shift.is_finite() && scale.is_finite() && *scale != 0.0
                }
            };
            if !ok {
                return Err(Error::InvalidArgument(format!(
                    "column {col:?}: preprocessing parameters {f:?} are not usable"
                )));
            }
        }
        Ok(())
    }

    /// Transforms a frame with the fitted parameters. Categories unseen at fit time are
    /// an error naming the column and the value.
    pub fn transform(&self, df: &DataFrame) -> Result<Array2<f64>> {
        use rayon::prelude::*;
        let rows = df.height();
        let mut blocks: Vec<Vec<f64>> = Vec::new();
        for (_, col, f) in &self.columns {
            match f {
                Fitted::OneHot {
                    categories,
                    drop_first,
                } => {
                    let codes = codes(df, col, categories)?;
                    let skip = usize::from(*drop_first);
                    for k in skip..categories.len() {
                        blocks.push(codes.iter().map(|c| f64::from(*c == k)).collect());
                    }
                }
                Fitted::Ordinal { order } => {
                    let codes = codes(df, col, order)?;
                    blocks.push(codes.iter().map(|c| *c as f64).collect());
                }
                Fitted::Affine { shift, scale } => {
                    blocks.push(
                        crate::frame::f64_values(df, col)?
                            .iter()
                            .map(|x| (x - shift) / scale)
                            .collect(),
                    );
                }
            }
        }
        // Row-major output, filled in parallel row chunks.
        let width = blocks.len();
        let mut out = vec![0.0; rows * width];
        if width > 0 {
            out.par_chunks_mut(width * 4096)
                .enumerate()
                .for_each(|(c, chunk)| {
                    for (r, row) in chunk.chunks_exact_mut(width).enumerate() {
                        let i = c * 4096 + r;
                        for (v, block) in row.iter_mut().zip(&blocks) {
                            *v = block[i];
                        }
                    }
                });
        }
        Array2::from_shape_vec((rows, width), out)
            .map_err(|e| Error::InvalidArgument(format!("transform: {e}")))
    }
}

/// The index of every value of text column `col` in `known`; an unseen value (or a
/// missing one) is [`Error::UnknownCategory`] with its row.
fn codes(df: &DataFrame, col: &str, known: &[String]) -> Result<Vec<usize>> {
    let c = df.column(col)?;
    c.str()?
        .iter()
        .enumerate()
        .map(|(row, v)| {
            let v = v.unwrap_or("");
            known
                .iter()
                .position(|k| k == v)
                .ok_or_else(|| Error::UnknownCategory {
                    column: col.to_string(),
                    value: v.to_string(),
                    row,
                    known: known.to_vec(),
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        polars::df!(
            "cat" => ["b", "a", "c", "a"],
            "lvl" => ["нет", "да", "да", "нет"],
            "x" => [1.0, 2.0, 3.0, 6.0],
        )
        .unwrap()
    }

    #[test]
    fn fit_transform_like_scikit_learn() {
        let ct = ColumnTransformer::new()
            .step("ohe", Transformer::OneHot { drop_first: true }, &["cat"])
            .step(
                "ord",
                Transformer::Ordinal {
                    order: vec!["нет".into(), "да".into()],
                },
                &["lvl"],
            )
            .step("num", Transformer::Standard, &["x"]);
        let fitted = ct.fit(&frame()).unwrap();
        assert_eq!(
            fitted.feature_names_out(),
            vec!["ohe__cat_b", "ohe__cat_c", "ord__lvl", "num__x"]
        );
        assert_eq!(fitted.sources(), vec!["cat", "cat", "lvl", "x"]);
        let m = fitted.transform(&frame()).unwrap();
        assert_eq!(m.dim(), (4, 4));
        assert_eq!(m.row(0).to_vec()[..3], [1.0, 0.0, 0.0]);
        assert_eq!(m.row(2).to_vec()[..3], [0.0, 1.0, 1.0]);
        // StandardScaler: mean 3, population std sqrt(3.5)
        let x = m.column(3);
        assert!((x[0] - (1.0 - 3.0) / 3.5f64.sqrt()).abs() < 1e-12);
        assert!(x.iter().sum::<f64>().abs() < 1e-12);
    }

    #[test]
    fn minmax_uses_training_range_and_unseen_categories_fail() {
        let ct = ColumnTransformer::new()
            .step("ohe", Transformer::OneHot { drop_first: false }, &["cat"])
            .step("num", Transformer::MinMax, &["x"]);
        let fitted = ct.fit(&frame()).unwrap();
        let other = polars::df!("cat" => ["a"], "lvl" => ["да"], "x" => [11.0]).unwrap();
        let m = fitted.transform(&other).unwrap();
        assert_eq!(m.row(0).to_vec(), [1.0, 0.0, 0.0, 2.0]);
        let bad = polars::df!("cat" => ["z"], "lvl" => ["да"], "x" => [1.0]).unwrap();
        let e = fitted.transform(&bad).unwrap_err().to_string();
        assert!(e.contains("\"cat\"") && e.contains("\"z\""), "{e}");
    }
}
