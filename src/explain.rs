//! Why the model predicts what it predicts: permutation importance (scikit-learn's
//! semantics) and permutation SHAP (the algorithm of `shap.PermutationExplainer`), per
//! source feature.
//!
//! Both work on a [`FittedPipeline`]. Permuting a source column before the pipeline is the
//! same as permuting its transformed columns together (the transformation is row-wise), so
//! both transform once and then work on the matrix. SHAP masks a source feature's
//! transformed columns together (a category's indicator columns move as one), so every
//! masked input is a real customer profile and the values are per source feature.

use ndarray::{Array1, Array2, ArrayView1, Axis};
use polars::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::display::{Figure, Table};
use crate::error::{Error, Result};
use crate::metrics::roc_auc;
use crate::model::{Classifier, FittedPipeline, Model, platt};

/// Drops in ROC-AUC when one source feature is shuffled.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationImportance {
    /// Source features, in the frame's order.
    pub features: Vec<String>,
    /// ROC-AUC with nothing shuffled.
    pub baseline: f64,
    /// Per feature, the drop in ROC-AUC of each repeat.
    pub scores: Vec<Vec<f64>>,
    /// Mean drop per feature.
    pub mean: Vec<f64>,
    /// Standard deviation of the drops (population, as scikit-learn).
    pub std: Vec<f64>,
}

/// Permutation importance as `sklearn.inspection.permutation_importance` with
/// `scoring="roc_auc"`: for each source feature, `n_repeats` shuffles of its column (the
/// `r`-th shuffle of every feature seeded by (`seed`, feature)), the drop of ROC-AUC of the
/// decision function. Features are processed in parallel; results do not depend on it.
pub fn permutation_importance(
    model: &FittedPipeline,
    features: &DataFrame,
    y: &[u8],
    n_repeats: usize,
    seed: u64,
) -> Result<PermutationImportance> {
    if n_repeats == 0 {
        return Err(Error::InvalidArgument(
            "n_repeats must be at least 1".into(),
        ));
    }
    let x = model.transform(features)?;
    let baseline = roc_auc(y, &model.model.decision_function(x.view())?.to_vec())?;
    let names: Vec<String> = features
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let groups = groups(model, &names)?;
    let scores: Vec<Vec<f64>> = groups
        .par_iter()
        .enumerate()
        .map(|(f, cols)| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(f as u64);
            let mut order: Vec<usize> = (0..x.nrows()).collect();
            (0..n_repeats)
                .map(|_| {
                    order.shuffle(&mut rng);
                    let mut xp = x.clone();
                    for &c in cols {
                        let col = x.column(c);
                        for (i, &src) in order.iter().enumerate() {
                            xp[[i, c]] = col[src];
                        }
                    }
                    let s = model.model.decision_function(xp.view())?.to_vec();
                    Ok(baseline - roc_auc(y, &s)?)
                })
                .collect::<Result<Vec<f64>>>()
        })
        .collect::<Result<_>>()?;
    let (mean, std) = scores
        .iter()
        .map(|s| {
            let n = s.len() as f64;
            let m = s.iter().sum::<f64>() / n;
            (
                m,
                (s.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt(),
            )
        })
        .unzip();
    Ok(PermutationImportance {
        features: names,
        baseline,
        scores,
        mean,
        std,
    })
}

impl PermutationImportance {
    /// `(feature, mean, std)`, largest mean first.
    pub fn ranking(&self) -> Vec<(String, f64, f64)> {
        let mut r: Vec<(String, f64, f64)> = (0..self.features.len())
            .map(|i| (self.features[i].clone(), self.mean[i], self.std[i]))
            .collect();
        r.sort_by(|a, b| b.1.total_cmp(&a.1));
        r
    }

    /// The ranking as a table.
    pub fn table(&self) -> Table {
        let rows = self
            .ranking()
            .into_iter()
            .map(|(f, m, s)| vec![f, format!("{m:.4}"), format!("{s:.4}")])
            .collect();
        Table::from_rows(
            vec![
                "признак".into(),
                "падение ROC-AUC (среднее)".into(),
                "std".into(),
            ],
            rows,
        )
        .title(format!(
            "Перестановочная важность: ROC-AUC без перестановок {:.4}, {} перестановок на признак",
            self.baseline,
            self.scores.first().map_or(0, Vec::len)
        ))
    }

    /// Horizontal bars of the mean drop with ±std error bars.
    pub fn figure(&self) -> Result<Figure> {
        let r = self.ranking();
        crate::plot::importance_bars(
            &r.iter()
                .map(|(f, m, s)| (f.clone(), *m, *s))
                .collect::<Vec<_>>(),
            "Перестановочная важность (падение ROC-AUC)",
            "падение ROC-AUC при перемешивании признака",
        )
    }
}

/// The transformed columns of each source feature, in `names` order.
fn groups(model: &FittedPipeline, names: &[String]) -> Result<Vec<Vec<usize>>> {
    let sources = model.transformer.sources();
    names
        .iter()
        .map(|n| {
            let cols: Vec<usize> = (0..sources.len()).filter(|j| &sources[*j] == n).collect();
            if cols.is_empty() {
                Err(Error::InvalidArgument(format!(
                    "feature {n:?} is not an input of the fitted pipeline"
                )))
            } else {
                Ok(cols)
            }
        })
        .collect()
}

/// Settings of [`permutation_shap`].
#[derive(Debug, Clone, PartialEq)]
pub struct ShapOptions {
    /// Background rows (sampled from the given background frame when it has more).
    pub background: usize,
    /// Model evaluations per explained row (each averaged over the background); as
    /// `shap.PermutationExplainer(max_evals=…)`: ⌊max_evals / (2M + 1)⌋ antithetic
    /// permutations of the M features, at least one.
    pub max_evals: usize,
    /// Seed of the background sample and of each row's permutations.
    pub seed: u64,
}

impl Default for ShapOptions {
    fn default() -> Self {
        ShapOptions {
            background: 50,
            max_evals: 200,
            seed: 42,
        }
    }
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
    pub fn mean_abs(&self) -> Vec<(String, f64)> {
        let mut r: Vec<(String, f64)> = self
            .feature_names
            .iter()
            .enumerate()
            .map(|(j, f)| {
                (
                    f.clone(),
                    self.values.column(j).mapv(f64::abs).mean().unwrap_or(0.0),
                )
            })
            .collect();
        r.sort_by(|a, b| b.1.total_cmp(&a.1));
        r
    }

    /// Mean |SHAP| and mean signed SHAP of each feature, with the correlation between
    /// the feature's value and its SHAP value (the direction of its effect).
    pub fn table(&self) -> Table {
        let rows = self
            .mean_abs()
            .into_iter()
            .map(|(f, m)| {
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
            })
            .collect();
        Table::from_rows(
            vec![
                "признак".into(),
                "среднее |SHAP|".into(),
                "среднее SHAP".into(),
                "корр. значения и SHAP".into(),
            ],
            rows,
        )
        .title(format!(
            "SHAP для {} (строк: {}; базовое значение {:.3})",
            self.output_name,
            self.rows(),
            self.base_values.mean().unwrap_or(f64::NAN)
        ))
    }

    /// Mean |SHAP| per feature.
    pub fn bar(&self) -> Result<Figure> {
        let r: Vec<(String, f64, f64)> = self
            .mean_abs()
            .into_iter()
            .map(|(f, m)| (f, m, 0.0))
            .collect();
        crate::plot::importance_bars(
            &r,
            &format!("SHAP: средний вклад в {} по модулю", self.output_name),
            "среднее |SHAP|",
        )
    }

    /// One dot per row and feature at its SHAP value, coloured by the feature's value
    /// (blue low → red high), features sorted by mean |SHAP|.
    pub fn beeswarm(&self) -> Result<Figure> {
        let order: Vec<usize> = self
            .mean_abs()
            .iter()
            .map(|(f, _)| self.feature_names.iter().position(|n| n == f).unwrap_or(0))
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
            &format!("SHAP: вклад признаков в {}", self.output_name),
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
    options: &ShapOptions,
) -> Result<Explanation> {
    if options.background == 0 || background.height() == 0 {
        return Err(Error::InvalidArgument(
            "SHAP needs at least one background row".into(),
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
        output_name: "P(«Снизилась»)".to_string(),
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
            let v = c.cast(&DataType::Float64)?;
            for (i, x) in v.f64()?.iter().enumerate() {
                let x = x.unwrap_or(f64::NAN);
                data[[i, j]] = x;
                labels[i][j] = crate::display::format_real((x * 1000.0).round() / 1000.0);
            }
        }
    }
    Ok((data, labels))
}

/// Model outputs along a walk of masks, averaged over the background.
struct Evaluator<'a> {
    model: &'a Model,
    bg: &'a Array2<f64>,
    groups: &'a [Vec<usize>],
    /// E over the background of the output with every feature masked.
    base: f64,
    rbf: Option<RbfCache>,
}

/// Per background row b, feature group g and support vector s:
/// exp(−γ Σ_{j∈g} (s_j − b_j)²), and the whole kernel K(s, b).
struct RbfCache {
    gamma: f64,
    support: Array2<f64>,
    coef: Array1<f64>,
    rho: f64,
    platt: (f64, f64),
    /// [b][g][s]
    factor: Vec<Vec<Vec<f64>>>,
    /// [b][s]
    kernel: Vec<Vec<f64>>,
}

/// A row's walk state.
enum Walk {
    Generic,
    /// Row factors [g][s] and K(s, x).
    Rbf {
        factor: Vec<Vec<f64>>,
        kernel: Vec<f64>,
        k: Vec<Vec<f64>>,
        full: f64,
    },
}

impl<'a> Evaluator<'a> {
    fn new(model: &'a Model, bg: &'a Array2<f64>, groups: &'a [Vec<usize>]) -> Result<Self> {
        let base = model.predict_proba(bg.view())?.mean().unwrap_or(f64::NAN);
        let rbf = match model {
            Model::Svc(svc) => svc.rbf_parts().and_then(|p| {
                let (a, b) = p.platt?;
                let factor: Vec<Vec<Vec<f64>>> = bg
                    .rows()
                    .into_iter()
                    .map(|row| group_factors(p.gamma, p.support, row, groups))
                    .collect();
                let kernel = factor
                    .iter()
                    .map(|f| {
                        (0..p.support.nrows())
                            .map(|s| f.iter().map(|g| g[s]).product())
                            .collect()
                    })
                    .collect();
                Some(RbfCache {
                    gamma: p.gamma,
                    support: p.support.clone(),
                    coef: p.dual_coef.clone(),
                    rho: p.rho,
                    platt: (a, b),
                    factor,
                    kernel,
                })
            }),
            _ => None,
        };
        Ok(Evaluator {
            model,
            bg,
            groups,
            base,
            rbf,
        })
    }

    fn start(&self, row: ArrayView1<f64>) -> Result<Walk> {
        let full = self
            .model
            .predict_proba(row.insert_axis(Axis(0)))?
            .first()
            .copied()
            .unwrap_or(f64::NAN);
        if let Some(c) = &self.rbf {
            let factor = group_factors(c.gamma, &c.support, row, self.groups);
            let kernel: Vec<f64> = (0..c.support.nrows())
                .map(|s| factor.iter().map(|g| g[s]).product())
                .collect();
            // the multiplicative walk divides by background factors: use it only where
            // every factor is comfortably inside the floating-point range
            let safe = factor.iter().flatten().all(|v| *v > 1e-250)
                && c.factor.iter().flatten().flatten().all(|v| *v > 1e-250);
            if safe {
                return Ok(Walk::Rbf {
                    factor,
                    kernel,
                    k: c.kernel.clone(),
                    full,
                });
            }
        }
        Ok(Walk::Generic)
    }

    /// Outputs of the 2M + 1 masks of `order`: all masked, then unmasking `order[0]`, …,
    /// all unmasked (exactly the row's output), then masking `order[0]`, …, all masked
    /// (exactly the base value).
    fn walk(&self, state: &mut Walk, row: ArrayView1<f64>, order: &[usize]) -> Result<Vec<f64>> {
        let m = order.len();
        match state {
            Walk::Rbf {
                factor,
                kernel,
                k,
                full,
            } => {
                let c = self.rbf.as_ref().expect("RBF walk has a cache");
                let mut out = Vec::with_capacity(2 * m + 1);
                out.push(self.base);
                // forward from K(s, b)
                for (kb, cb) in k.iter_mut().zip(&c.kernel) {
                    kb.copy_from_slice(cb);
                }
                for (step, &g) in order.iter().enumerate() {
                    if step + 1 == m {
                        out.push(*full);
                        break;
                    }
                    out.push(self.rbf_step(c, k, |b, s| factor[g][s] / c.factor[b][g][s]));
                }
                // backward from K(s, x)
                for kb in k.iter_mut() {
                    kb.copy_from_slice(kernel);
                }
                for (step, &g) in order.iter().enumerate() {
                    if step + 1 == m {
                        out.push(self.base);
                        break;
                    }
                    out.push(self.rbf_step(c, k, |b, s| c.factor[b][g][s] / factor[g][s]));
                }
                Ok(out)
            }
            Walk::Generic => {
                let (nb, p) = self.bg.dim();
                let mut batch = Array2::zeros(((2 * m + 1) * nb, p));
                let mut z = self.bg.clone();
                let mut put = |k: usize, z: &Array2<f64>| {
                    batch
                        .slice_mut(ndarray::s![k * nb..(k + 1) * nb, ..])
                        .assign(z);
                };
                put(0, &z);
                for (step, &g) in order.iter().enumerate() {
                    for &j in &self.groups[g] {
                        z.column_mut(j).fill(row[j]);
                    }
                    put(step + 1, &z);
                }
                for (step, &g) in order.iter().enumerate() {
                    for &j in &self.groups[g] {
                        z.column_mut(j).assign(&self.bg.column(j));
                    }
                    put(m + step + 1, &z);
                }
                let p = self.model.predict_proba(batch.view())?;
                Ok((0..2 * m + 1)
                    .map(|k| {
                        p.slice(ndarray::s![k * nb..(k + 1) * nb])
                            .mean()
                            .unwrap_or(f64::NAN)
                    })
                    .collect())
            }
        }
    }

    /// Multiplies every K(s, z_b) by `ratio(b, s)` and returns the mean probability.
    fn rbf_step(
        &self,
        c: &RbfCache,
        k: &mut [Vec<f64>],
        ratio: impl Fn(usize, usize) -> f64,
    ) -> f64 {
        let (a, b0) = c.platt;
        let coef = c.coef.as_slice().expect("contiguous coefficients");
        let mut total = 0.0;
        for (b, kb) in k.iter_mut().enumerate() {
            let mut d = 0.0;
            for (s, (kv, w)) in kb.iter_mut().zip(coef).enumerate() {
                *kv *= ratio(b, s);
                d += w * *kv;
            }
            total += platt(a, b0, d - c.rho);
        }
        total / k.len() as f64
    }
}

/// exp(−γ Σ_{j∈g} (s_j − x_j)²) for every group g and support vector s.
fn group_factors(
    gamma: f64,
    support: &Array2<f64>,
    x: ArrayView1<f64>,
    groups: &[Vec<usize>],
) -> Vec<Vec<f64>> {
    groups
        .iter()
        .map(|g| {
            support
                .rows()
                .into_iter()
                .map(|s| {
                    let d: f64 = g.iter().map(|&j| (s[j] - x[j]) * (s[j] - x[j])).sum();
                    (-gamma * d).exp()
                })
                .collect()
        })
        .collect()
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
        return Err(Error::InvalidArgument(format!(
            "exact Shapley values for {m} > 16 groups"
        )));
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
