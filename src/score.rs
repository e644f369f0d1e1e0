//! A stored study model and scoring of new snapshots: the chosen fitted pipeline, the
//! segment thresholds and offers, written as JSON by `oneclick study --save-model` and
//! applied by `oneclick score` to the four files of a new month.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::FittedPipeline;
use crate::segment::Thresholds;

/// Format tag of the model file.
pub const FORMAT: &str = "oneclick-model/1";

/// Everything needed to score and segment a new snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// [`FORMAT`].
    pub format: String,
    /// The chosen pipeline, fitted on the training part.
    pub pipeline: FittedPipeline,
    /// Segment thresholds.
    pub thresholds: Thresholds,
    /// `(segment name, title, offer)`.
    pub offers: Vec<(String, String, String)>,
    /// Feature columns the pipeline expects, in order.
    pub features: Vec<String>,
    /// Where the model was trained (data source and file checksums).
    pub trained_on: String,
}

impl SavedModel {
    /// Writes the model as JSON (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec(self)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        crate::fetch::write_atomically(path, &json)
    }

    /// Reads a model file, checking its format.
    pub fn load(path: &Path) -> Result<SavedModel> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let m: SavedModel = serde_json::from_slice(&bytes).map_err(|e| {
            Error::InvalidArgument(format!(
                "{}: not a oneclick model file ({e})",
                path.display()
            ))
        })?;
        if m.format != FORMAT {
            return Err(Error::InvalidArgument(format!(
                "{}: model format {:?}, this version reads {FORMAT:?}",
                path.display(),
                m.format
            )));
        }
        Ok(m)
    }

    /// The segment of a customer with probability `p`, profit and promo share: the main
    /// segment first, then promo-dependent, then the at-risk category, else `low_risk`.
    pub fn segment_of(&self, p: f64, profit: f64, promo: f64, category: &str) -> String {
        let t = &self.thresholds;
        if p < t.risk {
            "low_risk".to_string()
        } else if profit >= t.profit {
            "high_risk_high_profit".to_string()
        } else if promo >= t.promo {
            "high_risk_promo_dependent".to_string()
        } else {
            format!("high_risk_category: {category}")
        }
    }

    /// The offer of a segment (empty for `low_risk`).
    pub fn offer_of(&self, segment: &str) -> &str {
        self.offers
            .iter()
            .find(|(n, _, _)| n == segment)
            .map_or("", |(_, _, o)| o.as_str())
    }
}

/// One scored customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Customer id.
    pub id: i64,
    /// P(«Снизилась»).
    pub probability: f64,
    /// Segment name.
    pub segment: String,
    /// The segment's offer.
    pub offer: String,
}

/// The result of scoring a snapshot.
#[derive(Debug, Clone)]
pub struct Scores {
    /// One row per scored customer.
    pub rows: Vec<Scored>,
    /// Customers removed by cleaning (not scored): `(id, reason)`.
    pub not_scored: Vec<(i64, String)>,
}

/// Loads, validates, cleans and merges the snapshot in `data` exactly like the study,
/// then scores and segments every customer. Unknown categories, missing columns or
/// malformed files are errors naming file, line, column and value; customers removed by
/// cleaning are listed in [`Scores::not_scored`], never silently skipped.
pub fn score(model: &SavedModel, data: &Path) -> Result<Scores> {
    let raw = crate::Data::load(data)?;
    let cleaned = raw.clean()?;
    let table = cleaned.merge()?;
    let features = table.features()?;
    let names: Vec<String> = features
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    if names != model.features {
        return Err(Error::InvalidArgument(format!(
            "the snapshot's features {names:?} differ from the model's {:?}",
            model.features
        )));
    }
    let p = model.pipeline.predict_proba(&features)?;
    let ids = table.ids()?;
    let profit = table.profit_values()?;
    let promo = table
        .frame
        .column(crate::schema::PROMO_SHARE)?
        .cast(&polars::prelude::DataType::Float64)?;
    let promo = promo.f64()?;
    let category = table
        .frame
        .column(crate::schema::POPULAR_CATEGORY)?
        .str()?
        .clone();
    let rows = (0..ids.len())
        .map(|i| {
            let segment = model.segment_of(
                p[i],
                profit[i],
                promo.get(i).unwrap_or(f64::NAN),
                category.get(i).unwrap_or(""),
            );
            Scored {
                id: ids[i],
                probability: p[i],
                offer: model.offer_of(&segment).to_string(),
                segment,
            }
        })
        .collect();
    let not_scored = cleaned
        .report
        .dropped
        .iter()
        .map(|d| (d.id, d.reason.clone()))
        .collect();
    Ok(Scores { rows, not_scored })
}

impl Scores {
    /// Writes `id,probability,segment,offer` (atomically).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| Error::InvalidArgument(format!("{}: {e}", path.display()));
        w.write_record(["id", "probability", "segment", "offer"])
            .map_err(io)?;
        for r in &self.rows {
            w.write_record([
                r.id.to_string(),
                format!("{:.6}", r.probability),
                r.segment.clone(),
                r.offer.clone(),
            ])
            .map_err(io)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::InvalidArgument(format!("{}: {e}", path.display())))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        crate::fetch::write_atomically(path, &bytes)
    }
}
