//! Typical levels and the what-if scoring: each lever's features moved to the typical
//! level of the customers whose activity held (the reasons), or by the offer's assumed
//! effect (the offers), the customer scored again.

use ndarray::{Array2, s};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::levers::LEVERS;
use super::options::LeverAssumption;
use crate::calibration::PlattMap;
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
        Typical::from_frame(&table.features()?, &table.target()?)
    }

    /// The typical levels of the customers of `features` whose activity held (`y` = 0).
    pub fn from_frame(features: &DataFrame, y: &[u8]) -> Result<Typical> {
        if y.len() != features.height() {
            return Err(Error::shape(
                "targets for the feature rows",
                features.height(),
                y.len(),
            ));
        }
        let held: Vec<usize> = (0..y.len()).filter(|i| y[*i] == 0).collect();
        if held.is_empty() {
            return Err(Error::fit(
                "typical levels",
                "no customer whose activity held («Прежний уровень»)",
            ));
        }
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
                        let v = crate::frame::str_values(features, &name)?;
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

/// What the model predicts when levers move, per row (levers in [`LEVERS`] order; every
/// probability through the recalibration map, so `p` is the probability shown):
/// - `full`: the drop of P(«Снизилась») when the lever's features are set to the typical
///   level — the lever's share of the customer's risk (the reasons);
/// - `offer`: the drop under the offer's assumed effect ([`LeverAssumption`]) — NaN for
///   levers without an offer in the options;
/// - `single` (when asked for): the drop when one feature (of [`single_features`]) alone
///   is set to the typical level — the reasons on an equal footing.
///
/// Positive = the move lowers the risk. A lever none of whose features the pipeline uses
/// has 0.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// P(«Снизилась») of each row as it is.
    pub p: Vec<f64>,
    /// Rows × levers: drop when the lever moves all the way to the typical level.
    pub full: Array2<f64>,
    /// Rows × levers: drop under the lever's offer (NaN where the lever has none).
    pub offer: Array2<f64>,
    /// Rows × [`single_features`]: drop when that feature alone moves to the typical level.
    pub single: Option<Array2<f64>>,
}

/// The features of the levers, in [`LEVERS`] order, with their lever's index: the columns
/// of [`WhatIf::single`].
pub fn single_features() -> Vec<(&'static str, usize)> {
    LEVERS
        .iter()
        .enumerate()
        .flat_map(|(k, l)| l.features.iter().map(move |f| (*f, k)))
        .collect()
}

/// Rows per unit of parallel work.
const CHUNK: usize = 8192;

/// Scores every row of `features` as it is and with the levers moved (see [`WhatIf`]).
/// Only the moved features' transformed columns change. Rows are scored in parallel
/// chunks, each row on its own, so the result does not depend on the thread count.
pub fn what_if(
    pipeline: &FittedPipeline,
    features: &DataFrame,
    typical: &Typical,
    levers: &[LeverAssumption],
    calibration: &PlattMap,
    single: bool,
) -> Result<WhatIf> {
    what_if_matrix(
        pipeline,
        pipeline.transform(features)?.view(),
        typical,
        levers,
        calibration,
        single,
    )
}

/// [`what_if`] on features already transformed by `pipeline`.
pub fn what_if_matrix(
    pipeline: &FittedPipeline,
    x: ndarray::ArrayView2<f64>,
    typical: &Typical,
    levers: &[LeverAssumption],
    calibration: &PlattMap,
    single: bool,
) -> Result<WhatIf> {
    let typical_frame = typical.frame()?;
    let t = pipeline.transform(&typical_frame)?;
    let t = t.row(0).to_owned();
    let sources = pipeline.transformer.sources();
    let columns_of = |features: &[&str]| -> Vec<usize> {
        (0..sources.len())
            .filter(|j| features.contains(&sources[*j].as_str()))
            .collect()
    };
    let to_typical = |cols: Vec<usize>| Move {
        target: cols.iter().map(|j| t[*j]).collect(),
        cols,
        shift: 1.0,
        step: None,
    };
    // 1. every lever all the way to the typical level
    let mut moves: Vec<Move> = LEVERS
        .iter()
        .map(|l| to_typical(columns_of(l.features)))
        .collect();
    // 2. each offer: bounded steps in the transformed units (an affine scaler maps a step
    //    of `change` at the typical level to the same step anywhere), or the switch of a
    //    categorical lever
    let mut offer_of = vec![None; LEVERS.len()];
    for a in levers {
        let k = LEVERS
            .iter()
            .position(|l| l.id == a.lever)
            .ok_or_else(|| Error::parameter("offers.levers", &a.lever, "a known lever"))?;
        if a.effect.is_empty() {
            // a categorical lever's offer is its switch: the same move as the reason's
            offer_of[k] = Some(k);
            continue;
        }
        let mut stepped = typical_frame.clone();
        for e in &a.effect {
            let v = match typical.get(&e.feature) {
                Some(TypicalValue::Number(v)) => *v,
                _ => {
                    return Err(Error::parameter(
                        format!("offers.levers.{}.{}", a.lever, e.feature),
                        e.change,
                        "a numeric model feature",
                    ));
                }
            };
            stepped.with_column(Column::new(e.feature.as_str().into(), [v + e.change]))?;
        }
        let ts = pipeline.transform(&stepped)?;
        let names: Vec<&str> = a.effect.iter().map(|e| e.feature.as_str()).collect();
        let cols = columns_of(&names);
        let m = Move {
            target: cols.iter().map(|j| t[*j]).collect(),
            step: Some(cols.iter().map(|j| ts[[0, *j]] - t[*j]).collect()),
            cols,
            shift: 1.0,
        };
        offer_of[k] = Some(moves.len());
        moves.push(m);
    }
    // 3. each feature alone (a lever of one feature is its own single move)
    let singles = single_features();
    let mut single_of = Vec::new();
    if single {
        for (f, k) in &singles {
            if LEVERS[*k].features.len() == 1 {
                single_of.push(*k);
            } else {
                single_of.push(moves.len());
                moves.push(to_typical(columns_of(&[f])));
            }
        }
    }
    let n = x.nrows();
    let chunks: Vec<usize> = (0..n.div_ceil(CHUNK)).collect();
    let parts = crate::par::map(&chunks, None, |&c| -> Result<Array2<f64>> {
        let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
        let mut scored = pipeline
            .model
            .predict_proba_moves(x.slice(s![rows, ..]), &moves)?;
        if !calibration.is_identity() {
            scored.mapv_inplace(|v| calibration.apply(v));
        }
        Ok(scored)
    });
    let mut p = Vec::with_capacity(n);
    let mut full = Array2::zeros((n, LEVERS.len()));
    let mut offer = Array2::from_elem((n, LEVERS.len()), f64::NAN);
    let mut single_out = single.then(|| Array2::zeros((n, singles.len())));
    for (c, part) in parts.into_iter().enumerate() {
        let scored = part?;
        let start = c * CHUNK;
        for r in 0..scored.nrows() {
            let i = start + r;
            let base = scored[[r, 0]];
            // the drop under move v (0 for a move of no columns)
            let drop = |v: usize| {
                if moves[v].cols.is_empty() {
                    0.0
                } else {
                    base - scored[[r, 1 + v]]
                }
            };
            p.push(base);
            for k in 0..LEVERS.len() {
                full[[i, k]] = drop(k);
                if let Some(v) = offer_of[k] {
                    offer[[i, k]] = drop(v);
                }
            }
            if let Some(out) = single_out.as_mut() {
                for (j, v) in single_of.iter().enumerate() {
                    out[[i, j]] = drop(*v);
                }
            }
        }
    }
    Ok(WhatIf {
        p,
        full,
        offer,
        single: single_out,
    })
}

/// Whether each customer allows messages («Разрешить сообщать» = «да»).
pub(crate) fn consent(features: &DataFrame) -> Result<Vec<bool>> {
    Ok(crate::frame::str_values(features, schema::ALLOW_MESSAGES)?
        .iter()
        .map(|v| v == "да")
        .collect())
}
