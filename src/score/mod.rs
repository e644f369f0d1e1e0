//! The deployed study model and the scoring of snapshots: the study's cross-fitted fold
//! models with the segment thresholds, the typical levels the levers move towards and the
//! offers' assumptions, written as JSON by `oneclick study --save-model` and applied by
//! `oneclick score` to the four files of a month: every customer gets a probability, a
//! segment, up to three reasons and one offer with its expected gain.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::model::FittedPipeline;
use crate::offers::LEVERS;
use crate::segment::SegmentKind;

mod saved;

pub use saved::{FORMAT, FoldModel, SavedModel};

/// Reasons kept per scored customer.
pub const REASONS: usize = 3;

/// Segment, reasons, offer lever, expected gain and the offer's cost of one customer.
type Decided = (
    SegmentKind,
    [Option<(u8, f64)>; REASONS],
    Option<u8>,
    f64,
    f64,
);

/// One scored customer. Segment names are shared between the customers of a segment (a
/// million rows hold a handful of strings); levers are indices into [`LEVERS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// Customer id.
    pub id: i64,
    /// P(«Снизилась»).
    pub probability: f64,
    /// Segment name.
    pub segment: Arc<str>,
    /// Up to [`REASONS`] reasons `(lever index, effect)`, strongest first.
    pub reasons: [Option<(u8, f64)>; REASONS],
    /// The offer's lever (index into [`LEVERS`]), if any.
    pub lever: Option<u8>,
    /// The favourite category (the variant of the offer).
    pub category: Arc<str>,
    /// Expected gain of the offer under the model's assumptions (0 without one).
    pub expected_gain: f64,
    /// The offer's cost for this customer (0 without one).
    pub offer_cost: f64,
    /// Average monthly profit of the last three months.
    pub profit: f64,
    /// Whether the customer allows messages («Разрешить сообщать» = «да»).
    pub consent: bool,
    /// The offer was chosen on an effect measured by a test (a lever-effects file), not
    /// on the model's what-if.
    pub measured: bool,
}

/// The result of scoring a snapshot.
#[derive(Debug, Clone)]
pub struct Scores {
    /// One row per scored customer.
    pub rows: Vec<Scored>,
    /// Customers removed by cleaning (not scored): `(id, reason)`.
    pub not_scored: Vec<(i64, String)>,
    /// Wall-clock seconds per stage: `load`, `clean`, `merge`, `transform`, `predict`
    /// (with the what-if of every lever), `segment` (with reasons and offers).
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
    let mut prepared = prepare(model, raw)?;
    score_prepared(model, &mut prepared)
}

/// A snapshot validated, cleaned and merged for a model.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// One row per customer.
    pub table: crate::ModelTable,
    /// The model's feature columns.
    pub features: polars::prelude::DataFrame,
    /// Customer ids, in row order.
    pub ids: Vec<i64>,
    /// Customers removed by cleaning: `(id, reason)`.
    pub not_scored: Vec<(i64, String)>,
    /// The snapshot's directory (named in errors).
    pub data: std::path::PathBuf,
    /// Wall-clock seconds per stage so far: `clean`, `merge`.
    pub timings: Vec<(&'static str, f64)>,
}

impl Prepared {
    /// An error about the customer of row `row`.
    pub fn customer(&self, row: usize, reason: Error) -> Error {
        Error::Customer {
            data: self.data.clone(),
            id: self.ids.get(row).copied().unwrap_or_default(),
            reason: Box::new(reason),
        }
    }

    /// The features of `rows`, transformed by `pipeline`'s preprocessing; a category the
    /// pipeline has not seen is an error naming the customer.
    pub fn transform(
        &self,
        pipeline: &FittedPipeline,
        rows: &[usize],
    ) -> Result<ndarray::Array2<f64>> {
        let all = rows.len() == self.ids.len() && rows.iter().enumerate().all(|(r, i)| r == *i);
        let transformed = if all {
            pipeline.transform(&self.features)
        } else {
            pipeline.transform(&crate::split::take_rows(&self.features, rows)?)
        };
        transformed.map_err(|e| match e {
            Error::UnknownCategory { row, .. } => {
                self.customer(rows.get(row).copied().unwrap_or(row), e)
            }
            other => other,
        })
    }
}

/// Cleans and merges a loaded snapshot exactly like the study: the model's feature columns
/// must match.
pub fn prepare(model: &SavedModel, raw: crate::RawData) -> Result<Prepared> {
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
    let not_scored = cleaned
        .report
        .dropped
        .iter()
        .map(|d| (d.id, d.reason.clone()))
        .collect();
    Ok(Prepared {
        table,
        features,
        ids,
        not_scored,
        data,
        timings,
    })
}

/// Probabilities, segments, reasons and offers of a prepared snapshot (takes its
/// transformed features).
pub fn score_prepared(model: &SavedModel, prepared: &mut Prepared) -> Result<Scores> {
    let mut timings = std::mem::take(&mut prepared.timings);
    let mut clock = std::time::Instant::now();
    let mut lap = |stage: &'static str| {
        timings.push((stage, clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };
    let (table, features, ids) = (&prepared.table, &prepared.features, &prepared.ids);
    let customer = |row: usize, reason: Error| prepared.customer(row, reason);
    let consent = crate::offers::consent(features)?;
    let wi = model.what_if(prepared, &model.assumptions.levers)?;
    let p = &wi.p;
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(customer(
            i,
            Error::Unsupported {
                model: model.family().to_string(),
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
    let category = crate::frame::str_values(features, crate::schema::POPULAR_CATEGORY)?;
    let o = &model.assumptions;
    let price = crate::offers::pricing(o);
    // Each row on its own (order-preserving collect): thread-independent.
    let decided: Vec<Decided> = (0..ids.len())
        .into_par_iter()
        .map(|i| {
            let segment = model
                .thresholds
                .primary(p[i], profit[i], promo[i], &category[i]);
            let d = crate::offers::decide(
                wi.full.row(i),
                wi.offer.row(i),
                consent[i],
                profit[i],
                o,
                &price,
            );
            let mut r = [None; REASONS];
            for (slot, reason) in r.iter_mut().zip(&d.reasons) {
                let k = LEVERS
                    .iter()
                    .position(|l| l.id == reason.lever)
                    .unwrap_or(0);
                *slot = Some((k as u8, reason.effect));
            }
            let (gain, cost) = d.chosen().map_or((0.0, 0.0), |c| (c.net_gain, c.cost));
            (segment, r, d.lever.map(|k| k as u8), gain, cost)
        })
        .collect();
    // One shared name per segment and per category met in the snapshot.
    let mut names: std::collections::HashMap<SegmentKind, Arc<str>> =
        std::collections::HashMap::new();
    let mut categories: Vec<Arc<str>> = Vec::new();
    let rows = decided
        .into_iter()
        .enumerate()
        .map(
            |(i, (segment, reasons, lever, expected_gain, offer_cost))| {
                let segment = names
                    .entry(segment)
                    .or_insert_with_key(|kind| Arc::from(kind.name().as_str()))
                    .clone();
                let category = match categories.iter().find(|c| ***c == *category[i]) {
                    Some(c) => c.clone(),
                    None => {
                        let c: Arc<str> = Arc::from(category[i].as_str());
                        categories.push(c.clone());
                        c
                    }
                };
                Scored {
                    id: ids[i],
                    probability: p[i],
                    segment,
                    reasons,
                    lever,
                    category,
                    expected_gain,
                    offer_cost,
                    profit: profit[i],
                    consent: consent[i],
                    measured: false,
                }
            },
        )
        .collect();
    lap("segment");
    Ok(Scores {
        rows,
        not_scored: prepared.not_scored.clone(),
        timings,
    })
}

impl Scores {
    /// The offers made: every customer with an offer that pays for itself, as `(id,
    /// lever id)` (what [`crate::causal::Answers::value_of`] values).
    pub fn offers(&self) -> Vec<(i64, &'static str)> {
        self.rows
            .iter()
            .filter(|r| r.expected_gain > 0.0)
            .filter_map(|r| r.lever.map(|l| (r.id, LEVERS[usize::from(l)].id)))
            .collect()
    }

    /// Customers per segment, largest first (ties by name), with how many have an offer
    /// that pays for itself.
    pub fn segments(&self) -> Vec<(Arc<str>, usize, usize)> {
        let mut counts: Vec<(Arc<str>, usize, usize)> = Vec::new();
        for r in &self.rows {
            let paying = usize::from(r.lever.is_some() && r.expected_gain > 0.0);
            match counts
                .iter_mut()
                .find(|(s, _, _)| Arc::ptr_eq(s, &r.segment))
            {
                Some(c) => {
                    c.1 += 1;
                    c.2 += paying;
                }
                None => counts.push((r.segment.clone(), 1, paying)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }

    /// Every file [`write_csv`](Self::write_csv) writes for `path`.
    pub fn outputs(path: &Path) -> [std::path::PathBuf; 3] {
        [
            path.to_path_buf(),
            Self::levers_path(path),
            Self::segments_path(path),
        ]
    }

    /// The file [`write_csv`](Self::write_csv) puts the segment sizes in, beside `path`:
    /// `scores.csv` → `scores.segments.csv`.
    pub fn segments_path(path: &Path) -> std::path::PathBuf {
        crate::io::beside(path, "segments", "csv")
    }

    /// The file [`write_csv`](Self::write_csv) puts the lever titles and offers in,
    /// beside `path`: `scores.csv` → `scores.levers.csv`.
    pub fn levers_path(path: &Path) -> std::path::PathBuf {
        crate::io::beside(path, "levers", "csv")
    }

    /// `lever,title,actionable,needs_consent,category,offer`: every lever once and each
    /// actionable lever once per category met (the offer texts, once).
    pub fn levers_csv(&self) -> Result<Vec<u8>> {
        let csv_err = |e: csv::Error| Error::io("levers.csv", e.into());
        let mut categories: Vec<&str> = self.rows.iter().map(|r| &*r.category).collect();
        categories.sort_unstable();
        categories.dedup();
        let mut levers = csv::Writer::from_writer(Vec::new());
        levers
            .write_record([
                "lever",
                "title",
                "actionable",
                "needs_consent",
                "category",
                "offer",
            ])
            .map_err(csv_err)?;
        for l in &LEVERS {
            let flags = [l.actionable.to_string(), l.needs_consent.to_string()];
            if l.actionable {
                for c in &categories {
                    levers
                        .write_record([l.id, l.title, &flags[0], &flags[1], c, &l.offer_for(c)])
                        .map_err(csv_err)?;
                }
            } else {
                levers
                    .write_record([l.id, l.title, &flags[0], &flags[1], "", ""])
                    .map_err(csv_err)?;
            }
        }
        levers
            .into_inner()
            .map_err(|e| Error::io("levers.csv", e.into_error()))
    }

    /// Writes as one set ([`crate::io::write_set`], `path` renamed last):
    /// - `path`: `id,probability,segment,reason_1,effect_1,reason_2,effect_2,reason_3,effect_3,lever,category,expected_gain`
    ///   (lever identifiers; effects and gain with 6 decimals; empty where none);
    /// - [`levers_path`](Self::levers_path): `lever,title,actionable,needs_consent,category,offer`,
    ///   every lever once and each actionable lever once per category met (the texts, once);
    /// - [`segments_path`](Self::segments_path): `segment,customers,with_offer`.
    ///
    /// Rows are formatted in parallel chunks and joined in order, so the files do not
    /// depend on the thread count.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let csv_err = |e: csv::Error| Error::io(path, e.into());
        let chunks: Vec<Result<Vec<u8>>> = self
            .rows
            .par_chunks(16_384)
            .map(|rows| {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(rows.len() * 96));
                let mut fields: Vec<String> = vec![String::new(); 12];
                for r in rows {
                    for f in fields.iter_mut() {
                        f.clear();
                    }
                    // Writing into a String cannot fail.
                    let _ = write!(fields[0], "{}", r.id);
                    let _ = write!(fields[1], "{:.6}", r.probability);
                    fields[2].push_str(&r.segment);
                    for (k, reason) in r.reasons.iter().enumerate() {
                        if let Some((lever, effect)) = reason {
                            fields[3 + 2 * k].push_str(LEVERS[usize::from(*lever)].id);
                            let _ = write!(fields[4 + 2 * k], "{effect:.6}");
                        }
                    }
                    if let Some(lever) = r.lever {
                        fields[9].push_str(LEVERS[usize::from(lever)].id);
                        let _ = write!(fields[11], "{:.6}", r.expected_gain);
                    }
                    fields[10].push_str(&r.category);
                    w.write_record(&fields).map_err(csv_err)?;
                }
                w.into_inner().map_err(|e| Error::io(path, e.into_error()))
            })
            .collect();
        let mut bytes = b"id,probability,segment,reason_1,effect_1,reason_2,effect_2,reason_3,effect_3,lever,category,expected_gain\n".to_vec();
        for c in chunks {
            bytes.extend_from_slice(&c?);
        }
        let levers = self.levers_csv()?;
        let mut summary = csv::Writer::from_writer(Vec::new());
        summary
            .write_record(["segment", "customers", "with_offer"])
            .map_err(csv_err)?;
        for (s, n, paying) in self.segments() {
            summary
                .write_record([s.to_string(), n.to_string(), paying.to_string()])
                .map_err(csv_err)?;
        }
        let summary = summary
            .into_inner()
            .map_err(|e| Error::io(path, e.into_error()))?;
        crate::io::write_set(&[
            (path.to_path_buf(), bytes),
            (Self::levers_path(path), levers),
            (Self::segments_path(path), summary),
        ])
    }
}
