//! One customer as the study sees them: the fold model that did not see the customer
//! and the typical level of that fold's training part — what a notebook needs to redo
//! one customer's what-if by hand, without reaching into the segmentation's folds.

use polars::prelude::*;

use super::whatif::{Typical, TypicalValue};
use crate::calibration::PlattMap;
use crate::error::{Error, Result};
use crate::merge::ModelTable;
use crate::model::FittedPipeline;
use crate::segment::Segmentation;

/// One customer with the model that gave their out-of-fold probability.
#[derive(Debug, Clone)]
pub struct Unseen<'a> {
    /// The customer's id.
    pub id: i64,
    /// The customer's features as they are (one row).
    pub features: DataFrame,
    /// The fold model that did not see the customer.
    pub model: &'a FittedPipeline,
    /// The typical level of that fold's training part (the medians, or modes, of the
    /// customers whose activity held).
    pub typical: Typical,
    recalibration: PlattMap,
}

impl<'a> Unseen<'a> {
    /// The customer `id` of `table`, scored by the fold model of `segmentation` that did
    /// not see them. An error when the segmentation has no fold models or `id` is not in
    /// the table.
    pub fn of(table: &ModelTable, segmentation: &'a Segmentation, id: i64) -> Result<Unseen<'a>> {
        let oof = segmentation.oof.as_ref().ok_or_else(|| {
            Error::fit(
                "what-if",
                "the segmentation has no fold models (run Segmentation::run, not from_probabilities)",
            )
        })?;
        let row = table
            .ids()?
            .iter()
            .position(|v| *v == id)
            .ok_or_else(|| Error::parameter("id", id, "an id of the model table"))?;
        let k = oof
            .folds
            .iter()
            .position(|(_, valid)| valid.contains(&row))
            .ok_or_else(|| {
                Error::fit(
                    "what-if",
                    format!("customer {id} is in no fold's validation part"),
                )
            })?;
        let features = table.features()?;
        let y = table.target()?;
        let train = &oof.folds[k].0;
        let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
        Ok(Unseen {
            id,
            features: crate::split::take_rows(&features, &[row])?,
            model: &oof.models[k],
            typical: Typical::from_frame(&crate::split::take_rows(&features, train)?, &yt)?,
            recalibration: segmentation.recalibration,
        })
    }

    /// The customer's value of the numeric feature `name`.
    pub fn value(&self, name: &str) -> Result<f64> {
        Ok(crate::frame::f64_values(&self.features, name)?[0])
    }

    /// The typical level of the numeric feature `name`.
    pub fn typical_value(&self, name: &str) -> Result<f64> {
        match self.typical.get(name) {
            Some(TypicalValue::Number(v)) => Ok(*v),
            _ => Err(Error::parameter("feature", name, "a numeric model feature")),
        }
    }

    /// P(«Снизилась») of `features` (one row, the customer's with some values changed) on
    /// the customer's fold model, through the segmentation's recalibration — the
    /// probability the study uses.
    pub fn probability(&self, features: &DataFrame) -> Result<f64> {
        let p = self.model.predict_proba(features)?;
        p.first()
            .map(|v| self.recalibration.apply(*v))
            .ok_or_else(|| Error::shape("rows to score", 1, 0))
    }
}
