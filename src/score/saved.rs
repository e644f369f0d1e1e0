//! The deployed model: the study's cross-fitted fold models with everything a new
//! snapshot needs (thresholds, recalibration, assumptions, reference, parameters), its
//! file, and the routing of each customer to the models that never saw them.

use serde::{Deserialize, Serialize};

use super::Prepared;
use crate::calibration::PlattMap;
use crate::checked::Checked;
use crate::drift::Reference;
use crate::error::{Error, Result};
use crate::model::{Classifier, FittedPipeline};
use crate::offers::{LEVERS, LeverAssumption, OfferOptions, Typical, WhatIf};
use crate::segment::Thresholds;
use crate::study::ParameterValue;
use std::path::Path;

/// Format tag of the model file (5: the cross-fitted fold models the study's
/// probabilities came from, and the parameters the model was made with; 4: the training
/// reference for `oneclick monitor`; 3: offers as per-lever effects in the features'
/// units with their own costs, the probabilities' recalibration map; 2: per-customer
/// offers, segments by identifier).
pub const FORMAT: &str = "oneclick-model/5";

/// One fold of the deployed model: a pipeline fitted on every study customer outside the
/// fold, and the customers of the fold it scored (it never saw them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldModel {
    /// The pipeline, fitted without this fold's customers.
    pub pipeline: FittedPipeline,
    /// Typical levels of its training customers whose activity held (the levers move
    /// towards them).
    pub typical: Typical,
    /// Ids of the study customers this fold scored.
    pub ids: Vec<i64>,
}

/// Everything needed to score, explain and segment a new snapshot.
///
/// **The deployed model is the one whose probabilities the study reports**: the
/// cross-fitted fold models of the segmentation (06's calibration, 08's segments, 09's
/// offers). A customer of the study is scored by the fold model that never saw them — so
/// `campaign` on the study's own snapshot reproduces 09 and `results.json` exactly — and
/// any other customer by the average of the fold models' probabilities (and what-ifs),
/// an ensemble whose every member is out of sample for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// [`FORMAT`].
    pub format: String,
    /// The fold models (one per segmentation fold).
    pub folds: Vec<FoldModel>,
    /// Segment thresholds.
    pub thresholds: Thresholds,
    /// The probabilities' recalibration map (the identity unless the study's calibration
    /// check asked for one), applied to each fold model's probability.
    pub recalibration: PlattMap,
    /// The offers' assumptions (horizon, loss share, each lever's effect and cost),
    /// checked as the file is read.
    pub assumptions: Checked<OfferOptions>,
    /// Feature columns the pipeline expects, in order.
    pub features: Vec<String>,
    /// Where the model was trained (data source and file checksums).
    pub trained_on: String,
    /// The study customers' distributions and out-of-fold probabilities, at-risk share
    /// and the out-of-fold quality figures, for `oneclick monitor`.
    pub reference: Reference,
    /// Every parameter the model was made with, and where each came from; the later
    /// commands use them unless told otherwise.
    pub parameters: Vec<ParameterValue>,
}

impl SavedModel {
    /// The study's deployed model: its segmentation's fold models (each with the typical
    /// levels of its own training part), the segment thresholds, the recalibration, the
    /// offers' assumptions and a reference of every customer's out-of-fold probability.
    pub fn from_study(study: &crate::study::Study) -> Result<SavedModel> {
        let seg = &study.segmentation;
        let oof = seg.oof.as_ref().ok_or_else(|| {
            Error::fit(
                "saved model",
                "the segmentation has no fold models (run Segmentation::run)",
            )
        })?;
        let features = study.table.features()?;
        let y = study.table.target()?;
        let ids = study.table.ids()?;
        let folds = oof
            .folds
            .iter()
            .zip(&oof.models)
            .map(|((train, valid), model)| {
                let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
                Ok(FoldModel {
                    pipeline: model.clone(),
                    typical: Typical::from_frame(&crate::split::take_rows(&features, train)?, &yt)?,
                    ids: valid.iter().map(|i| ids[*i]).collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let p = crate::frame::f64_values(&seg.frame, crate::segment::PROBABILITY)?;
        let brier = seg
            .calibration_after
            .as_ref()
            .unwrap_or(&seg.calibration)
            .brier;
        let reference = Reference::of(
            &features,
            &y,
            &p,
            seg.thresholds.risk,
            crate::metrics::roc_auc(&y, &p)?,
            brier,
        )?;
        Ok(SavedModel {
            format: FORMAT.to_string(),
            folds,
            thresholds: seg.thresholds.clone(),
            recalibration: seg.recalibration,
            assumptions: study.options.offers(),
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
            reference,
            parameters: study.options.parameters()?,
        })
    }

    /// The model family of the fold models.
    pub fn family(&self) -> crate::model::Family {
        self.folds[0].pipeline.model.family()
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
    /// must be [`FORMAT`], the thresholds finite, the folds' customers distinct and every
    /// pipeline consistent ([`FittedPipeline::check`]), so a damaged or tampered file is
    /// an error here and never a panic, a hang or a wrong score later.
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
                "model format {f:?}, this version reads {FORMAT:?} (save the model again with this version's `oneclick study --save-model`)"
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
        if m.folds.is_empty() {
            return Err(file_error(
                "inconsistent model file: no fold models, expected at least one".into(),
            ));
        }
        let t = &m.thresholds;
        let r = &m.recalibration;
        if let Some(v) = [t.risk, t.profit, t.promo, r.a, r.b]
            .iter()
            .find(|v| !v.is_finite())
        {
            return Err(file_error(format!(
                "inconsistent model file: a segment threshold or the recalibration is {v}, expected a finite number"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(id) = m
            .folds
            .iter()
            .flat_map(|f| &f.ids)
            .find(|id| !seen.insert(**id))
        {
            return Err(file_error(format!(
                "inconsistent model file: customer {id} is in two folds, expected each study customer in one"
            )));
        }
        let family = m.family();
        for (k, f) in m.folds.iter().enumerate() {
            f.pipeline
                .check()
                .and_then(|_| f.typical.check(&m.features))
                .and_then(|_| {
                    if f.pipeline.model.family() == family {
                        Ok(())
                    } else {
                        Err(Error::shape(
                            "fold models' family",
                            family.id(),
                            f.pipeline.model.family().id(),
                        ))
                    }
                })
                .map_err(|e| file_error(format!("inconsistent model file: fold {}: {e}", k + 1)))?;
        }
        m.reference
            .check(&m.features)
            .map_err(|e| file_error(format!("inconsistent model file: {e}")))?;
        Ok(m)
    }

    /// For each row of `ids`: the fold whose model never saw that customer, or `None`
    /// for a customer the study did not have.
    pub fn fold_of(&self, ids: &[i64]) -> Vec<Option<usize>> {
        let map: std::collections::HashMap<i64, usize> = self
            .folds
            .iter()
            .enumerate()
            .flat_map(|(k, f)| f.ids.iter().map(move |id| (*id, k)))
            .collect();
        ids.iter().map(|id| map.get(id).copied()).collect()
    }

    /// The rows each fold model scores, `(rows, known)`: its own study customers first
    /// (the first `known` rows, scored by it alone), then every new customer (scored by
    /// all folds, averaged).
    fn routes(&self, ids: &[i64]) -> Vec<(Vec<usize>, usize)> {
        let mut known = vec![Vec::new(); self.folds.len()];
        let mut new = Vec::new();
        for (i, f) in self.fold_of(ids).into_iter().enumerate() {
            match f {
                Some(k) => known[k].push(i),
                None => new.push(i),
            }
        }
        known
            .into_iter()
            .map(|mut rows| {
                let n = rows.len();
                rows.extend_from_slice(&new);
                (rows, n)
            })
            .collect()
    }

    /// P(«Снизилась») of every customer of a prepared snapshot, recalibrated: a study
    /// customer's from the fold model that never saw them, a new customer's the average
    /// over the fold models.
    pub fn probabilities(&self, prepared: &Prepared) -> Result<Vec<f64>> {
        let mut p = vec![0.0; prepared.ids.len()];
        let weight = 1.0 / self.folds.len() as f64;
        for (fold, (rows, known)) in self.folds.iter().zip(self.routes(&prepared.ids)) {
            if rows.is_empty() {
                continue;
            }
            let x = prepared.transform(&fold.pipeline, &rows)?;
            let pk = fold.pipeline.model.predict_proba(x.view())?;
            for (r, i) in rows.iter().enumerate() {
                let v = self.recalibration.apply(pk[r]);
                if r < known {
                    p[*i] = v;
                } else {
                    p[*i] += weight * v;
                }
            }
        }
        Ok(p)
    }

    /// The what-if of every customer of a prepared snapshot under `levers`, routed as
    /// [`probabilities`](Self::probabilities): each fold model with its own typical levels.
    pub fn what_if(&self, prepared: &Prepared, levers: &[LeverAssumption]) -> Result<WhatIf> {
        let n = prepared.ids.len();
        let mut out = WhatIf {
            p: vec![0.0; n],
            full: ndarray::Array2::zeros((n, LEVERS.len())),
            offer: ndarray::Array2::zeros((n, LEVERS.len())),
            single: None,
        };
        let weight = 1.0 / self.folds.len() as f64;
        for (fold, (rows, known)) in self.folds.iter().zip(self.routes(&prepared.ids)) {
            if rows.is_empty() {
                continue;
            }
            let x = prepared.transform(&fold.pipeline, &rows)?;
            let wi = crate::offers::what_if_matrix(
                &fold.pipeline,
                x.view(),
                &fold.typical,
                levers,
                &self.recalibration,
                false,
            )?;
            for (r, i) in rows.iter().enumerate() {
                if r < known {
                    out.p[*i] = wi.p[r];
                    out.full.row_mut(*i).assign(&wi.full.row(r));
                    out.offer.row_mut(*i).assign(&wi.offer.row(r));
                } else {
                    out.p[*i] += weight * wi.p[r];
                    out.full.row_mut(*i).scaled_add(weight, &wi.full.row(r));
                    out.offer.row_mut(*i).scaled_add(weight, &wi.offer.row(r));
                }
            }
        }
        Ok(out)
    }
}
