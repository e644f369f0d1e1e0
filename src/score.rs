//! A stored study model and scoring of new snapshots: the chosen fitted pipeline, the
//! segment thresholds and offers, written as JSON by `oneclick study --save-model` and
//! applied by `oneclick score` to the four files of a new month.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Classifier, FittedPipeline};
use crate::segment::{SegmentKind, Thresholds};

/// Format tag of the model file (2: offers as named objects, segments by identifier).
pub const FORMAT: &str = "oneclick-model/2";

/// The offer of one segment, as stored with a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentOffer {
    /// Which segment.
    pub segment: SegmentKind,
    /// Its Russian title.
    pub title: String,
    /// The offer (Russian).
    pub offer: String,
}

/// Everything needed to score and segment a new snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// [`FORMAT`].
    pub format: String,
    /// The chosen pipeline, fitted on the training part.
    pub pipeline: FittedPipeline,
    /// Segment thresholds.
    pub thresholds: Thresholds,
    /// The offer of each segment of the study.
    pub offers: Vec<SegmentOffer>,
    /// Feature columns the pipeline expects, in order.
    pub features: Vec<String>,
    /// Where the model was trained (data source and file checksums).
    pub trained_on: String,
}

impl SavedModel {
    /// The study's chosen pipeline with its segment thresholds and offers.
    pub fn from_study(study: &crate::study::Study) -> SavedModel {
        SavedModel {
            format: FORMAT.to_string(),
            pipeline: study.selection.best.clone(),
            thresholds: study.segmentation.thresholds.clone(),
            offers: study
                .segmentation
                .segments
                .iter()
                .map(|s| SegmentOffer {
                    segment: s.kind.clone(),
                    title: s.title.clone(),
                    offer: s.offer.clone(),
                })
                .collect(),
            features: study.table.feature_names(),
            trained_on: format!(
                "{}: {}",
                study.raw.source.as_str(),
                study
                    .raw
                    .files
                    .iter()
                    .map(|f| format!("{} sha256 {}", f.file.file_name(), &f.sha256[..16]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// Writes the model as JSON (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        crate::io::write_creating_dir(path, &serde_json::to_vec(self)?)
    }

    /// Reads a model file, checking its format and consistency
    /// ([`from_json`](Self::from_json)).
    pub fn load(path: &Path) -> Result<SavedModel> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// Parses a model from JSON bytes (`source` names them in errors): the format tag
    /// must be [`FORMAT`], the thresholds finite and the pipeline consistent
    /// ([`FittedPipeline::check`]), so a damaged or tampered file is an error here and
    /// never a panic, a hang or a wrong score later.
    pub fn from_json(bytes: &[u8], source: &str) -> Result<SavedModel> {
        let file_error = |reason: String| Error::ModelFile {
            source_name: source.to_string(),
            reason,
        };
        // The format tag first, so another version's file is named as such rather than
        // failing on a field that version lays out differently.
        let format = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v.get("format")?.as_str().map(str::to_string));
        if let Some(f) = format.filter(|f| f != FORMAT) {
            return Err(file_error(format!(
                "model format {f:?}, this version reads {FORMAT:?}"
            )));
        }
        let m: SavedModel = serde_json::from_slice(bytes)
            .map_err(|e| file_error(format!("not a oneclick model file ({e})")))?;
        if m.format != FORMAT {
            return Err(file_error(format!(
                "model format {:?}, this version reads {FORMAT:?}",
                m.format
            )));
        }
        let t = &m.thresholds;
        if let Some(v) = [t.risk, t.profit, t.promo].iter().find(|v| !v.is_finite()) {
            return Err(file_error(format!(
                "inconsistent model file: a segment threshold is {v}, expected a finite number"
            )));
        }
        m.pipeline
            .check()
            .map_err(|e| file_error(format!("inconsistent model file: {e}")))?;
        Ok(m)
    }

    /// The offer of a segment (empty for `low_risk`).
    pub fn offer_of(&self, segment: &SegmentKind) -> &str {
        self.offers
            .iter()
            .find(|o| o.segment == *segment)
            .map_or("", |o| o.offer.as_str())
    }
}

/// One scored customer. Segment names and offers are shared between the customers of a
/// segment (a million rows hold a handful of strings).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Customer id.
    pub id: i64,
    /// P(«Снизилась»).
    pub probability: f64,
    /// Segment name.
    pub segment: Arc<str>,
    /// The segment's offer (empty for `low_risk`).
    pub offer: Arc<str>,
}

/// The result of scoring a snapshot.
#[derive(Debug, Clone)]
pub struct Scores {
    /// One row per scored customer.
    pub rows: Vec<Scored>,
    /// Customers removed by cleaning (not scored): `(id, reason)`.
    pub not_scored: Vec<(i64, String)>,
    /// Wall-clock seconds per stage: `load`, `clean`, `merge`, `transform`, `predict`,
    /// `segment`.
    pub timings: Vec<(&'static str, f64)>,
}

/// Loads, validates, cleans and merges the snapshot in `data` exactly like the study,
/// then scores and segments every customer. Unknown categories, missing columns or
/// malformed files are errors naming file, line, column and value; customers removed by
/// cleaning are listed in [`Scores::not_scored`], never silently skipped.
pub fn score(model: &SavedModel, data: &Path) -> Result<Scores> {
    let started = std::time::Instant::now();
    let raw = crate::Data::load(data)?;
    let load = started.elapsed().as_secs_f64();
    let mut scores = score_raw(model, raw)?;
    scores.timings.insert(0, ("load", load));
    Ok(scores)
}

/// [`score`] on data already loaded and validated (e.g. by [`Data::from_bytes`](crate::Data::from_bytes));
/// errors name the data's directory.
pub fn score_raw(model: &SavedModel, raw: crate::RawData) -> Result<Scores> {
    let data = raw.dir.clone();
    let mut timings = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |stage: &'static str| {
        timings.push((stage, clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };
    let cleaned = raw.clean()?;
    lap("clean");
    let table = cleaned.merge()?;
    lap("merge");
    let features = table.features()?;
    let names: Vec<String> = features
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    if names != model.features {
        return Err(Error::shape(
            "features of the snapshot",
            format!("{:?} (the model's)", model.features),
            format!("{names:?}"),
        ));
    }
    let ids = table.ids()?;
    let customer = |row: usize, reason: Error| Error::Customer {
        data: data.clone(),
        id: ids.get(row).copied().unwrap_or_default(),
        reason: Box::new(reason),
    };
    // An unknown category stays structured, wrapped with the customer it belongs to.
    let x = model.pipeline.transform(&features).map_err(|e| match e {
        Error::UnknownCategory { row, .. } => customer(row, e),
        other => other,
    })?;
    lap("transform");
    let p = model.pipeline.model.predict_proba(x.view())?;
    drop(x);
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(customer(
            i,
            Error::Unsupported {
                model: model.pipeline.model.family().to_string(),
                reason: format!(
                    "the model gave the probability {}, not a number in [0, 1]; nothing is scored",
                    p[i]
                ),
            },
        ));
    }
    lap("predict");
    let profit = table.profit_values()?;
    let promo = crate::frame::f64_values(&table.frame, crate::schema::PROMO_SHARE)?;
    let category = table
        .frame
        .column(crate::schema::POPULAR_CATEGORY)?
        .str()?
        .clone();
    // One shared (name, offer) per segment met in the snapshot.
    let mut labels: std::collections::HashMap<SegmentKind, (Arc<str>, Arc<str>)> =
        std::collections::HashMap::new();
    let segments: Vec<SegmentKind> = (0..ids.len())
        .into_par_iter()
        .map(|i| {
            model
                .thresholds
                .primary(p[i], profit[i], promo[i], category.get(i).unwrap_or(""))
        })
        .collect();
    let rows = segments
        .into_iter()
        .enumerate()
        .map(|(i, segment)| {
            let (segment, offer) = labels
                .entry(segment)
                .or_insert_with_key(|kind| {
                    (
                        Arc::from(kind.name().as_str()),
                        Arc::from(model.offer_of(kind)),
                    )
                })
                .clone();
            Scored {
                id: ids[i],
                probability: p[i],
                segment,
                offer,
            }
        })
        .collect();
    lap("segment");
    let not_scored = cleaned
        .report
        .dropped
        .iter()
        .map(|d| (d.id, d.reason.clone()))
        .collect();
    Ok(Scores {
        rows,
        not_scored,
        timings,
    })
}

impl Scores {
    /// Customers per segment with the segment's offer, largest first (ties by name).
    pub fn segments(&self) -> Vec<(Arc<str>, usize, Arc<str>)> {
        let mut counts: Vec<(Arc<str>, usize, Arc<str>)> = Vec::new();
        for r in &self.rows {
            match counts
                .iter_mut()
                .find(|(s, _, _)| Arc::ptr_eq(s, &r.segment))
            {
                Some(c) => c.1 += 1,
                None => counts.push((r.segment.clone(), 1, r.offer.clone())),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }

    /// The file [`write_csv`](Self::write_csv) puts the offers in, beside `path`:
    /// `scores.csv` → `scores.segments.csv`.
    pub fn segments_path(path: &Path) -> std::path::PathBuf {
        let stem = path
            .file_stem()
            .map_or_else(|| "scores".into(), |s| s.to_string_lossy().to_string());
        path.with_file_name(format!("{stem}.segments.csv"))
    }

    /// Writes `id,probability,segment` to `path` and `segment,customers,offer` to
    /// [`segments_path`](Self::segments_path) (each atomically): the offer is a property
    /// of the segment, so it is stored once per segment rather than once per customer
    /// (join on `segment`). Rows are formatted in parallel chunks and joined in order,
    /// so the file does not depend on the thread count.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let segments = self.segments();
        let chunks: Vec<Result<Vec<u8>>> = self
            .rows
            .par_chunks(16_384)
            .map(|rows| {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(rows.len() * 40));
                let mut probability = String::new();
                for r in rows {
                    probability.clear();
                    // Writing into a String cannot fail.
                    let _ = write!(probability, "{:.6}", r.probability);
                    w.write_record([r.id.to_string().as_str(), probability.as_str(), &r.segment])
                        .map_err(|e| Error::io(path, e.into()))?;
                }
                w.into_inner().map_err(|e| Error::io(path, e.into_error()))
            })
            .collect();
        let mut bytes = b"id,probability,segment\n".to_vec();
        for c in chunks {
            bytes.extend_from_slice(&c?);
        }
        let mut summary = csv::Writer::from_writer(Vec::new());
        let offers = std::iter::once(["segment".to_string(), "customers".into(), "offer".into()])
            .chain(
                segments
                    .iter()
                    .map(|(s, n, offer)| [s.to_string(), n.to_string(), offer.to_string()]),
            );
        for record in offers {
            summary
                .write_record(&record)
                .map_err(|e| Error::io(path, e.into()))?;
        }
        let summary = summary
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?;
        crate::io::write_creating_dir(&Self::segments_path(path), &summary)?;
        crate::io::write_atomically(path, &bytes)
    }
}
