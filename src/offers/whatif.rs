//! Typical levels and the what-if scoring: each lever's features moved to the typical
//! level of the customers whose activity held, the customer scored again.

use ndarray::{Array2, s};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::levers::LEVERS;
use crate::error::{Error, Result};
use crate::merge::ModelTable;
use crate::model::{FittedPipeline, Move};
use crate::schema;

/// A feature's typical level: a number, or a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TypicalValue {
    /// A numeric feature's level.
    Number(f64),
    /// A categorical feature's level.
    Category(String),
}

/// The typical level of every model feature among the customers whose activity held:
/// the median of «Прежний уровень» for a numeric feature; for a categorical one, the
/// target level of its lever (e.g. «премиум») or else the most frequent level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Typical {
    /// Model features, in the model table's order.
    pub features: Vec<String>,
    /// Their typical levels.
    pub values: Vec<TypicalValue>,
}

impl Typical {
    /// The typical levels of `table`'s customers whose activity held.
    pub fn of(table: &ModelTable) -> Result<Typical> {
        let y = table.target()?;
        let held: Vec<usize> = (0..y.len()).filter(|i| y[*i] == 0).collect();
        if held.is_empty() {
            return Err(Error::fit(
                "typical levels",
                "no customer whose activity held («Прежний уровень»)",
            ));
        }
        let features = table.features()?;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for c in features.columns() {
            let name = c.name().to_string();
            let value = if c.dtype() == &DataType::String {
                let target = LEVERS
                    .iter()
                    .find(|l| l.features.contains(&name.as_str()))
                    .and_then(|l| l.target);
                TypicalValue::Category(match target {
                    Some(t) => t.to_string(),
                    None => {
                        let v = crate::frame::str_values(&features, &name)?;
                        mode(held.iter().map(|i| v[*i].as_str()))
                    }
                })
            } else {
                let v = crate::frame::column_f64(c)?;
                let h: Vec<f64> = held.iter().map(|i| v[*i]).collect();
                TypicalValue::Number(crate::stats::median(&h))
            };
            names.push(name);
            values.push(value);
        }
        Ok(Typical {
            features: names,
            values,
        })
    }

    /// The typical level of `feature`.
    pub fn get(&self, feature: &str) -> Option<&TypicalValue> {
        self.features
            .iter()
            .position(|f| f == feature)
            .map(|i| &self.values[i])
    }

    /// One row holding every typical level (the model features' columns).
    pub fn frame(&self) -> Result<DataFrame> {
        let columns: Vec<Column> = self
            .features
            .iter()
            .zip(&self.values)
            .map(|(f, v)| match v {
                TypicalValue::Number(x) => Column::new(f.as_str().into(), [*x]),
                TypicalValue::Category(c) => Column::new(f.as_str().into(), [c.as_str()]),
            })
            .collect();
        Ok(DataFrame::new(1, columns)?)
    }

    /// Checks levels read from a file: finite numbers, the model's features in order.
    pub fn check(&self, features: &[String]) -> Result<()> {
        if self.features != features || self.values.len() != features.len() {
            return Err(Error::shape(
                "typical levels",
                format!("{features:?}"),
                format!("{:?}", self.features),
            ));
        }
        if let Some(i) = self
            .values
            .iter()
            .position(|v| matches!(v, TypicalValue::Number(x) if !x.is_finite()))
        {
            return Err(Error::parameter(
                format!("typical level of {}", self.features[i]),
                format!("{:?}", self.values[i]),
                "a finite number",
            ));
        }
        Ok(())
    }
}

fn mode<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for v in values {
        match counts.iter_mut().find(|(c, _)| *c == v) {
            Some(c) => c.1 += 1,
            None => counts.push((v, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts.first().map_or(String::new(), |c| c.0.to_string())
}

/// What the model predicts when each lever moves: per row and lever (in [`LEVERS`]
/// order), the drop of P(«Снизилась») when the lever's features are set to the typical
/// level (`full`) and when they move `shift` of the way there (`partial`; for a
/// categorical lever, `shift × full`: the share of customers the offer converts).
/// Positive = moving the lever lowers the risk. A lever none of whose features the
/// pipeline uses has 0. `partial` is computed only where an offer needs it — along a
/// row's offer candidates until the first whose partial move lowers the risk — and is
/// NaN elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// P(«Снизилась») of each row as it is.
    pub p: Vec<f64>,
    /// Rows × levers: drop when the lever moves all the way.
    pub full: Array2<f64>,
    /// Rows × levers: drop when the lever moves `shift` of the way (NaN where not needed).
    pub partial: Array2<f64>,
    /// The shift of `partial`.
    pub shift: f64,
}

/// Rows per unit of parallel work.
const CHUNK: usize = 8192;

/// Scores every row of `features` as it is and with each lever moved (see [`WhatIf`]).
/// Only a lever's own transformed columns change. Rows are scored in parallel chunks,
/// each row on its own, so the result does not depend on the thread count.
pub fn what_if(
    pipeline: &FittedPipeline,
    features: &DataFrame,
    typical: &Typical,
    shift: f64,
) -> Result<WhatIf> {
    what_if_matrix(
        pipeline,
        pipeline.transform(features)?.view(),
        typical,
        shift,
        &consent(features)?,
    )
}

/// [`what_if`] on features already transformed by `pipeline`, with each row's consent to
/// messages (which decides the levers an offer may use).
pub fn what_if_matrix(
    pipeline: &FittedPipeline,
    x: ndarray::ArrayView2<f64>,
    typical: &Typical,
    shift: f64,
    consent: &[bool],
) -> Result<WhatIf> {
    if consent.len() != x.nrows() {
        return Err(Error::shape(
            "consent flags for the rows",
            x.nrows(),
            consent.len(),
        ));
    }
    if !(shift.is_finite() && (0.0..=1.0).contains(&shift)) {
        return Err(Error::parameter("lever_shift", shift, "a share in [0, 1]"));
    }
    let t = pipeline.transform(&typical.frame()?)?;
    let t = t.row(0);
    let sources = pipeline.transformer.sources();
    let columns: Vec<Vec<usize>> = LEVERS
        .iter()
        .map(|l| {
            (0..sources.len())
                .filter(|j| l.features.contains(&sources[*j].as_str()))
                .collect()
        })
        .collect();
    let n = x.nrows();
    let chunks: Vec<usize> = (0..n.div_ceil(CHUNK)).collect();
    let parts = crate::par::map(
        &chunks,
        None,
        |&c| -> Result<(Vec<f64>, Array2<f64>, Array2<f64>)> {
            let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
            let xc = x.slice(s![rows.clone(), ..]);
            // Every lever with columns moved all the way, in one pass.
            let levers: Vec<usize> = (0..LEVERS.len())
                .filter(|k| !columns[*k].is_empty())
                .collect();
            let target = |k: usize| -> Vec<f64> { columns[k].iter().map(|j| t[*j]).collect() };
            let moves: Vec<Move> = levers
                .iter()
                .map(|&k| Move {
                    cols: columns[k].clone(),
                    target: target(k),
                    shift: 1.0,
                })
                .collect();
            let scored = pipeline.model.predict_proba_moves(xc, &moves)?;
            let p = scored.column(0).to_owned();
            let mut full = Array2::zeros((rows.len(), LEVERS.len()));
            for (v, &k) in levers.iter().enumerate() {
                full.column_mut(k).assign(&(&p - &scored.column(1 + v)));
            }
            // The partial move only where an offer needs it: along each row's candidates
            // (actionable levers its consent allows, raising its risk, strongest first)
            // until one whose partial move lowers the risk; NaN elsewhere.
            let mut partial = Array2::from_elem((rows.len(), LEVERS.len()), f64::NAN);
            let candidates: Vec<Vec<usize>> = (0..rows.len())
                .map(|i| {
                    let mut c: Vec<usize> = levers
                        .iter()
                        .copied()
                        .filter(|k| {
                            let l = &LEVERS[*k];
                            l.actionable
                                && (consent[rows.start + i] || !l.needs_consent)
                                && full[[i, *k]] > 0.0
                        })
                        .collect();
                    c.sort_by(|a, b| full[[i, *b]].total_cmp(&full[[i, *a]]).then(a.cmp(b)));
                    c
                })
                .collect();
            let mut next = vec![0usize; rows.len()];
            loop {
                // Rows waiting for the partial move of lever k.
                let mut waiting: Vec<Vec<usize>> = vec![Vec::new(); LEVERS.len()];
                for i in 0..rows.len() {
                    if let Some(&k) = candidates[i].get(next[i]) {
                        waiting[k].push(i);
                    }
                }
                if waiting.iter().all(Vec::is_empty) {
                    break;
                }
                for (k, members) in waiting.iter().enumerate() {
                    if members.is_empty() {
                        continue;
                    }
                    let values: Vec<f64> = if LEVERS[k].target.is_some() {
                        // a category cannot move part of the way: the share of customers
                        // the offer converts
                        members.iter().map(|i| shift * full[[*i, k]]).collect()
                    } else {
                        let sub = xc.select(ndarray::Axis(0), members);
                        let moved = pipeline.model.predict_proba_moves(
                            sub.view(),
                            &[Move {
                                cols: columns[k].clone(),
                                target: target(k),
                                shift,
                            }],
                        )?;
                        members
                            .iter()
                            .enumerate()
                            .map(|(r, i)| p[*i] - moved[[r, 1]])
                            .collect()
                    };
                    for (i, v) in members.iter().zip(values) {
                        partial[[*i, k]] = v;
                        next[*i] = if v > 0.0 { usize::MAX } else { next[*i] + 1 };
                    }
                }
            }
            Ok((p.to_vec(), full, partial))
        },
    );
    let mut p = Vec::with_capacity(n);
    let mut full = Array2::zeros((n, LEVERS.len()));
    let mut partial = Array2::zeros((n, LEVERS.len()));
    for (c, part) in parts.into_iter().enumerate() {
        let (pc, fc, qc) = part?;
        let start = c * CHUNK;
        full.slice_mut(s![start..start + pc.len(), ..]).assign(&fc);
        partial
            .slice_mut(s![start..start + pc.len(), ..])
            .assign(&qc);
        p.extend(pc);
    }
    Ok(WhatIf {
        p,
        full,
        partial,
        shift,
    })
}

/// Whether each customer allows messages («Разрешить сообщать» = «да»).
pub(crate) fn consent(features: &DataFrame) -> Result<Vec<bool>> {
    Ok(crate::frame::str_values(features, schema::ALLOW_MESSAGES)?
        .iter()
        .map(|v| v == "да")
        .collect())
}
