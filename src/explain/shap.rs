//! Permutation SHAP (the algorithm of `shap.PermutationExplainer`), per source feature,
//! and exact Shapley values by enumeration for checking it.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::walk::Evaluator;
use super::{Explanation, groups};
use crate::checked::Checked;
use crate::error::{Error, Result};
use crate::labels;
use crate::model::FittedPipeline;

/// Settings of [`permutation_shap`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShapOptions {
    /// Background rows (sampled from the given background frame when it has more).
    pub background: usize,
    /// Model evaluations per explained row (each averaged over the background); as
    /// `shap.PermutationExplainer(max_evals=…)`: ⌊max_evals / (2M + 1)⌋ antithetic
    /// permutations of the M features, at least one.
    pub max_evals: usize,
    /// Seed of the background sample and of each row's permutations.
    pub seed: u64,
    /// Customers explained: the explained rows when there are no more, else a seeded
    /// stratified sample of this many (the study draws it). Default 500.
    pub max_rows: usize,
}

impl Default for ShapOptions {
    fn default() -> Self {
        ShapOptions {
            background: 50,
            max_evals: 200,
            seed: 42,
            max_rows: 500,
        }
    }
}

impl crate::checked::Check for ShapOptions {
    /// Checks the options, naming the one that is wrong: at least one background row and
    /// one evaluation per row.
    fn check(&self) -> Result<()> {
        if self.background == 0 {
            return Err(Error::parameter(
                "importance.shap.background",
                0,
                "at least 1",
            ));
        }
        if self.max_evals == 0 {
            return Err(Error::parameter(
                "importance.shap.max_evals",
                0,
                "at least 1",
            ));
        }
        if self.max_rows < 50 {
            return Err(Error::parameter(
                "importance.shap.max_rows",
                self.max_rows,
                "at least 50 customers",
            ));
        }
        Ok(())
    }
}

/// Permutation SHAP values of P(«Снизилась») for every row of `explain`, with a
/// background sample of `background` (the algorithm of `shap.PermutationExplainer` with
/// an independent masker): each row walks ⌊max_evals / (2M + 1)⌋ random feature
/// orders forward (switching features from background to the row's values) and back,
/// crediting each feature with the change of the output averaged over the background.
/// Additive by construction: base value + Σ SHAP = P(«Снизилась») of the row. Rows run
/// in parallel, each with its own seeded stream, so values do not depend on threads.
pub fn permutation_shap(
    model: &FittedPipeline,
    explain: &DataFrame,
    background: &DataFrame,
    options: &Checked<ShapOptions>,
) -> Result<Explanation> {
    permutation_shap_with_progress(model, explain, background, options, None)
}

/// [`permutation_shap`], calling `progress` with 1 for every explained row finished.
pub fn permutation_shap_with_progress(
    model: &FittedPipeline,
    explain: &DataFrame,
    background: &DataFrame,
    options: &Checked<ShapOptions>,
    progress: Option<&dyn crate::progress::Tally>,
) -> Result<Explanation> {
    if options.background == 0 || background.height() == 0 {
        return Err(Error::parameter(
            "importance.shap.background (and the background frame's rows)",
            format!(
                "{} ({} rows given)",
                options.background,
                background.height()
            ),
            "at least 1",
        ));
    }
    let names: Vec<String> = explain
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let groups = groups(model, &names)?;
    let x = model.transform(explain)?;
    let mut bg = model.transform(background)?;
    if bg.nrows() > options.background {
        bg = bg.select(
            Axis(0),
            &background_rows(bg.nrows(), options.background, options.seed),
        );
    }
    let m = groups.len();
    let permutations = (options.max_evals / (2 * m + 1)).max(1);
    let evaluator = Evaluator::new(&model.model, &bg, &groups)?;
    let base = evaluator.base;
    let rows: Vec<Vec<f64>> = (0..x.nrows())
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream(i as u64 + 1);
            let row = x.row(i);
            let mut state = evaluator.start(row)?;
            let mut values = vec![0.0; m];
            let mut order: Vec<usize> = (0..m).collect();
            for _ in 0..permutations {
                order.shuffle(&mut rng);
                let out = evaluator.walk(&mut state, row, &order)?;
                for (k, &g) in order.iter().enumerate() {
                    values[g] += (out[k + 1] - out[k]) + (out[m + k] - out[m + k + 1]);
                }
            }
            if let Some(p) = progress {
                p.add(1);
            }
            Ok(values
                .iter()
                .map(|v| v / (2 * permutations) as f64)
                .collect())
        })
        .collect::<Result<_>>()?;
    let values = Array2::from_shape_fn((x.nrows(), m), |(i, j)| rows[i][j]);
    let (data, labels) = feature_values(explain, &names)?;
    Ok(Explanation {
        values,
        base_values: Array1::from_elem(x.nrows(), base),
        data,
        labels,
        feature_names: names,
        output_name: labels::shap_output(crate::schema::DECLINED),
    })
}

/// The background sample [`permutation_shap`] draws: `k` of `n` row positions, sorted
/// (all of them when `k ≥ n`).
pub fn background_rows(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut rows: Vec<usize> = (0..n).collect();
    if k < n {
        rows.shuffle(&mut rng);
        rows.truncate(k);
        rows.sort_unstable();
    }
    rows
}

/// Numeric values (categories → code in sorted order) and text of every feature.
fn feature_values(df: &DataFrame, names: &[String]) -> Result<(Array2<f64>, Vec<Vec<String>>)> {
    let n = df.height();
    let mut data = Array2::zeros((n, names.len()));
    let mut labels = vec![vec![String::new(); names.len()]; n];
    for (j, name) in names.iter().enumerate() {
        let c = df.column(name)?;
        if c.dtype() == &DataType::String {
            let v: Vec<String> = c
                .str()?
                .iter()
                .map(|s| s.unwrap_or("").to_string())
                .collect();
            let mut cats = v.clone();
            cats.sort();
            cats.dedup();
            for (i, s) in v.into_iter().enumerate() {
                data[[i, j]] = cats.iter().position(|c| *c == s).unwrap_or(0) as f64;
                labels[i][j] = s;
            }
        } else {
            for (i, x) in crate::frame::column_f64(c)?.into_iter().enumerate() {
                data[[i, j]] = x;
                labels[i][j] = crate::display::format_real((x * 1000.0).round() / 1000.0);
            }
        }
    }
    Ok((data, labels))
}

/// Exact Shapley values of `f` at `x` against `background` by enumerating all 2^M
/// coalitions of the M feature groups (M ≤ 16): the reference permutation SHAP converges
/// to. For tests and small models.
pub fn exact_shapley(
    f: &dyn Fn(&Array2<f64>) -> Result<Array1<f64>>,
    x: ArrayView1<f64>,
    background: &Array2<f64>,
    groups: &[Vec<usize>],
) -> Result<Vec<f64>> {
    let m = groups.len();
    if m > 16 {
        return Err(Error::parameter(
            "exact_shapley: feature groups",
            m,
            "at most 16 (2^m coalitions are enumerated)",
        ));
    }
    let value = |mask: usize| -> Result<f64> {
        let mut z = background.clone();
        for (g, cols) in groups.iter().enumerate() {
            if mask & (1 << g) != 0 {
                for &j in cols {
                    z.column_mut(j).fill(x[j]);
                }
            }
        }
        Ok(f(&z)?.mean().unwrap_or(f64::NAN))
    };
    let v: Vec<f64> = (0..1usize << m).map(value).collect::<Result<_>>()?;
    let fact = |n: usize| (1..=n).map(|k| k as f64).product::<f64>();
    let mut phi = vec![0.0; m];
    for (g, p) in phi.iter_mut().enumerate() {
        for mask in 0..1usize << m {
            if mask & (1 << g) == 0 {
                let s = mask.count_ones() as usize;
                let w = fact(s) * fact(m - s - 1) / fact(m);
                *p += w * (v[mask | (1 << g)] - v[mask]);
            }
        }
    }
    Ok(phi)
}
