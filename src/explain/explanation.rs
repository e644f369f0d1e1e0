//! [`Explanation`]: the contract between computing SHAP values and plotting them.

use ndarray::{Array1, Array2, Axis};

use crate::display::{Figure, Table};
use crate::error::Result;
use crate::labels;

/// Mean |SHAP value| of one feature (`results.json` → `importance.shap[]`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MeanAbs {
    /// Source feature.
    pub feature: String,
    /// Mean |SHAP value| over the explained rows.
    pub mean_abs: f64,
}

/// SHAP values of explained rows: the contract between computing and plotting.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Rows × source features: each feature's contribution to the output.
    pub values: Array2<f64>,
    /// Per row: the expected output over the background.
    pub base_values: Array1<f64>,
    /// Rows × source features: feature values (categories as their code in sorted order),
    /// for colouring.
    pub data: Array2<f64>,
    /// Rows × source features: feature values as text, for labels.
    pub labels: Vec<Vec<String>>,
    /// Source feature names.
    pub feature_names: Vec<String>,
    /// What is explained.
    pub output_name: String,
}

impl Explanation {
    /// Row `i` alone.
    pub fn row(&self, i: usize) -> Explanation {
        Explanation {
            values: self.values.select(Axis(0), &[i]),
            base_values: self.base_values.select(Axis(0), &[i]),
            data: self.data.select(Axis(0), &[i]),
            labels: vec![self.labels[i].clone()],
            feature_names: self.feature_names.clone(),
            output_name: self.output_name.clone(),
        }
    }

    /// Number of explained rows.
    pub fn rows(&self) -> usize {
        self.values.nrows()
    }

    /// base value + Σ values per row: the model output being explained.
    pub fn outputs(&self) -> Array1<f64> {
        &self.base_values + &self.values.sum_axis(Axis(1))
    }

    /// `(feature, mean |SHAP|)`, largest first.
    pub fn mean_abs(&self) -> Vec<MeanAbs> {
        let mut r: Vec<MeanAbs> = self
            .feature_names
            .iter()
            .enumerate()
            .map(|(j, f)| MeanAbs {
                feature: f.clone(),
                mean_abs: self.values.column(j).mapv(f64::abs).mean().unwrap_or(0.0),
            })
            .collect();
        r.sort_by(|a, b| b.mean_abs.total_cmp(&a.mean_abs));
        r
    }

    /// The direction of each of the `top` strongest features' effect: for a categorical
    /// feature (text values) the mean SHAP value of each category, largest first; for a
    /// numeric one the correlation of its value with its SHAP value (≤ −0.3: the larger
    /// the value, the lower the output; ≥ 0.3: the higher; else not monotone).
    pub fn direction_table(&self, top: usize) -> Table {
        let rows = self
            .mean_abs()
            .into_iter()
            .take(top)
            .map(|MeanAbs { feature, mean_abs }| {
                let j = self
                    .feature_names
                    .iter()
                    .position(|n| *n == feature)
                    .unwrap_or(0);
                let categorical =
                    (0..self.rows()).any(|i| self.labels[i][j].parse::<f64>().is_err());
                let direction = if categorical {
                    let mut cats: Vec<(String, f64, usize)> = Vec::new();
                    for i in 0..self.rows() {
                        let v = self.values[[i, j]];
                        match cats.iter_mut().find(|c| c.0 == self.labels[i][j]) {
                            Some(c) => {
                                c.1 += v;
                                c.2 += 1;
                            }
                            None => cats.push((self.labels[i][j].clone(), v, 1)),
                        }
                    }
                    cats.sort_by(|a, b| (b.1 / b.2 as f64).total_cmp(&(a.1 / a.2 as f64)));
                    let parts: Vec<String> = cats
                        .iter()
                        .map(|(c, s, n)| format!("{c} {:+.3}", s / *n as f64))
                        .collect();
                    crate::labels::direction_by_category(&parts.join(", "))
                } else {
                    let r = crate::stats::pearson(
                        &self.data.column(j).to_vec(),
                        &self.values.column(j).to_vec(),
                    );
                    crate::labels::direction_numeric(r)
                };
                vec![feature, format!("{mean_abs:.3}"), direction]
            })
            .collect();
        Table::from_rows(
            crate::labels::DIRECTION_HEADERS.map(String::from).to_vec(),
            rows,
        )
        .title(crate::labels::direction_title(top))
    }

    /// Mean |SHAP| and mean signed SHAP of each feature, with the correlation between
    /// the feature's value and its SHAP value (the direction of its effect).
    pub fn table(&self) -> Table {
        let rows = self
            .mean_abs()
            .into_iter()
            .map(
                |MeanAbs {
                     feature: f,
                     mean_abs: m,
                 }| {
                    let j = self.feature_names.iter().position(|n| *n == f).unwrap_or(0);
                    let r = crate::stats::pearson(
                        &self.data.column(j).to_vec(),
                        &self.values.column(j).to_vec(),
                    );
                    vec![
                        f,
                        format!("{m:.4}"),
                        format!("{:+.4}", self.values.column(j).mean().unwrap_or(0.0)),
                        if r.is_finite() {
                            format!("{r:+.2}")
                        } else {
                            "—".into()
                        },
                    ]
                },
            )
            .collect();
        Table::from_rows(labels::SHAP_HEADERS.map(String::from).to_vec(), rows).title(
            labels::shap_table_title(
                &self.output_name,
                self.rows(),
                self.base_values.mean().unwrap_or(f64::NAN),
            ),
        )
    }

    /// The standard error of each feature's mean |SHAP| over the explained customers (in
    /// feature order): sample standard deviation of |SHAP| over √n. It treats the
    /// explained customers as a random sample of the store's (the study's are a seeded
    /// stratified sample of the test part, or all of it).
    pub fn mean_abs_std_error(&self) -> Vec<f64> {
        let n = self.rows() as f64;
        (0..self.feature_names.len())
            .map(|j| {
                let a: Vec<f64> = self.values.column(j).iter().map(|v| v.abs()).collect();
                crate::stats::sample_std(&a, crate::stats::mean(&a)) / n.sqrt()
            })
            .collect()
    }

    /// Mean |SHAP| per feature with its standard error
    /// ([`mean_abs_std_error`](Self::mean_abs_std_error)) and a 95 % normal interval.
    pub fn sampling_table(&self) -> Table {
        let se = self.mean_abs_std_error();
        let rows = self
            .mean_abs()
            .into_iter()
            .map(|r| {
                let j = self
                    .feature_names
                    .iter()
                    .position(|n| *n == r.feature)
                    .unwrap_or(0);
                let [error, interval] = super::error_cells(r.mean_abs, se[j]);
                vec![r.feature, format!("{:.4}", r.mean_abs), error, interval]
            })
            .collect();
        Table::from_rows(
            labels::SHAP_SAMPLING_HEADERS.map(String::from).to_vec(),
            rows,
        )
        .title(labels::shap_sampling_title(self.rows()))
    }

    /// Mean |SHAP| per feature.
    pub fn bar(&self) -> Result<Figure> {
        let r: Vec<(String, f64, f64)> = self
            .mean_abs()
            .into_iter()
            .map(|r| (r.feature, r.mean_abs, 0.0))
            .collect();
        crate::plot::importance_bars(
            &r,
            &labels::shap_bar_title(&self.output_name),
            labels::SHAP_BAR_AXIS,
        )
    }

    /// One dot per row and feature at its SHAP value, coloured by the feature's value
    /// (blue low → red high), features sorted by mean |SHAP|.
    pub fn beeswarm(&self) -> Result<Figure> {
        let order: Vec<usize> = self
            .mean_abs()
            .iter()
            .map(|r| {
                self.feature_names
                    .iter()
                    .position(|n| *n == r.feature)
                    .unwrap_or(0)
            })
            .collect();
        crate::plot::beeswarm(
            &order
                .iter()
                .map(|&j| {
                    (
                        self.feature_names[j].clone(),
                        self.values.column(j).to_vec(),
                        self.data.column(j).to_vec(),
                    )
                })
                .collect::<Vec<_>>(),
            &labels::shap_beeswarm_title(&self.output_name),
        )
    }

    /// How row `i`'s output builds up from the base value, largest contributions first.
    pub fn waterfall(&self, i: usize, title: &str) -> Result<Figure> {
        let mut items: Vec<(String, f64)> = self
            .feature_names
            .iter()
            .enumerate()
            .map(|(j, f)| (format!("{f} = {}", self.labels[i][j]), self.values[[i, j]]))
            .collect();
        items.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        crate::plot::waterfall(&items, self.base_values[i], title, &self.output_name)
    }
}
