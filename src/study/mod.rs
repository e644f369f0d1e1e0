//! The headless study: every step in order, timed, with a human summary and
//! `results.json` (schema in README.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::checked::Checked;
use crate::clean::{Cleaned, CleaningOptions, Rule};
use crate::corr::PhikOptions;
use crate::data::{Data, DataDir, FoundBy, RawData, Source};
use crate::error::{Error, Result};
use crate::explain::ImportanceOptions;
use crate::merge::ModelTable;
use crate::offers::{OfferOptions, OfferPlan};
use crate::schema::FileId;
use crate::search::{ModelSelection, SelectionOptions};
use crate::segment::SegmentOptions;

mod record;
mod results;

pub use record::{DEFAULT_SOURCE, ParameterValue, element_id, parameter_leaves};
pub use results::{
    BestResult, CalibrationResult, CorrelationResult, DataResult, DroppedResult, FileResult,
    FixResult, ImportanceResult, MatrixResult, ModelResult, Results, TableResult,
};

/// What to run the study on and how: the options of every step, each with its documented
/// defaults. Serialised (without the data directory and the grid) it is the notebooks'
/// parameter file, `notebooks/parameters.jsonc` ([`crate::params`]).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudyOptions {
    /// Data directory; `None` (the default) discovers it ([`Data::discover`]).
    #[serde(skip)]
    pub data: Option<PathBuf>,
    /// Cleaning rules' parameters (anomaly z, default 10).
    pub cleaning: CleaningOptions,
    /// φK: bins (default 10) and significance (default hybrid, 1 000 simulations, seed 42).
    pub correlation: PhikOptions,
    /// Model selection: test share (0.25), seed (42), folds (5), grid ([`study_grid`](crate::search::study_grid)).
    pub selection: SelectionOptions,
    /// Permutation importance (10 repeats) and SHAP (50 background rows, 200 evaluations
    /// per row), seed 42.
    pub importance: ImportanceOptions,
    /// Segmentation: out-of-fold folds (5), profit quantile (0.5), seed (42).
    pub segments: SegmentOptions,
    /// The offers' assumptions: horizon (3 months), loss share (0.5), each lever's
    /// assumed effect and cost, A/B α (0.05) and power (0.8).
    pub offers: OfferOptions,
    /// Where each value came from, by dotted key (`selection.seed` → `--set`), as
    /// `results.json` records it; a key not listed is the built-in default. Filled by
    /// [`crate::params::Parameters`].
    #[serde(skip)]
    pub sources: BTreeMap<String, String>,
}

/// The seeds of every random step of the model (the split, the folds, Platt scaling,
/// permutation importance, SHAP, the segmentation's folds): the keys `oneclick study
/// --seed` sets together. The φK significance keeps its own seed.
pub const SEED_KEYS: [&str; 4] = [
    "selection.seed",
    "importance.seed",
    "importance.shap.seed",
    "segments.seed",
];

impl StudyOptions {
    /// Every value used, with its source ([`sources`](Self::sources); `default` where
    /// none is recorded).
    pub fn parameters(&self) -> Result<Vec<ParameterValue>> {
        Ok(parameter_leaves(&serde_json::to_value(self)?)
            .into_iter()
            .map(|(key, value)| ParameterValue {
                source: self
                    .sources
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| DEFAULT_SOURCE.to_string()),
                key,
                value,
            })
            .collect())
    }
}

impl crate::checked::Check for StudyOptions {
    /// Checks every step's options before any work, naming the parameter that is wrong.
    fn check(&self) -> Result<()> {
        self.cleaning.check()?;
        self.correlation.check()?;
        self.selection.check()?;
        self.importance.check()?;
        self.segments.check()?;
        self.offers.check()
    }
}

/// Each step's part of checked study options, checked with them.
impl Checked<StudyOptions> {
    /// The cleaning rules' options.
    pub fn cleaning(&self) -> Checked<CleaningOptions> {
        Checked::part(self.cleaning)
    }
    /// φK and its significance.
    pub fn correlation(&self) -> Checked<PhikOptions> {
        Checked::part(self.correlation.clone())
    }
    /// The model selection.
    pub fn selection(&self) -> Checked<SelectionOptions> {
        Checked::part(self.selection.clone())
    }
    /// Permutation importance and SHAP.
    pub fn importance(&self) -> Checked<ImportanceOptions> {
        Checked::part(self.importance.clone())
    }
    /// The segmentation.
    pub fn segments(&self) -> Checked<SegmentOptions> {
        Checked::part(self.segments.clone())
    }
    /// The offers' assumptions.
    pub fn offers(&self) -> Checked<OfferOptions> {
        Checked::part(self.offers.clone())
    }
    /// The same options on the data in `dir` (the data directory is no parameter).
    pub fn with_data(&self, dir: impl Into<PathBuf>) -> Checked<StudyOptions> {
        let mut o = (**self).clone();
        o.data = Some(dir.into());
        Checked::part(o)
    }
}

/// A completed run of the study's steps.
#[derive(Debug, Clone)]
pub struct Study {
    /// The data directory used.
    pub data_dir: DataDir,
    /// Validated input.
    pub raw: RawData,
    /// Cleaned tables and the report.
    pub cleaned: Cleaned,
    /// The model table.
    pub table: ModelTable,
    /// φK and significance of the model table (target and features).
    pub phik: crate::corr::PhikMatrix,
    /// The model search, the chosen pipeline and its test metrics.
    pub selection: ModelSelection,
    /// Permutation importance of the chosen pipeline on the test part.
    pub permutation: crate::explain::PermutationImportance,
    /// SHAP values of every test customer (background: the training part).
    pub shap: crate::explain::Explanation,
    /// Test customers the permutation importance and SHAP explain: all, or the sample of
    /// `importance.max_rows`.
    pub explained: usize,
    /// Out-of-fold risk × profit segments of every customer.
    pub segmentation: crate::segment::Segmentation,
    /// Reasons, offers and money of every at-risk customer; the A/B plan.
    pub offers: OfferPlan,
    /// Seconds per stage, in run order.
    pub timings: Vec<(String, f64)>,
    /// The options the study ran with (and where each value came from).
    pub options: Checked<StudyOptions>,
}

impl Study {
    /// Runs load → validate → clean → merge → correlation → model selection.
    pub fn run(options: &Checked<StudyOptions>) -> Result<Study> {
        Study::run_with_progress(options, None)
    }

    /// [`run`](Self::run), calling `progress` with the number of (candidate, fold) fits
    /// finished as the model search goes (out of `candidates × folds`).
    pub fn run_with_progress(
        options: &Checked<StudyOptions>,
        progress: Option<&dyn crate::progress::Tally>,
    ) -> Result<Study> {
        let data_dir = match &options.data {
            Some(p) => DataDir {
                path: p.clone(),
                found_by: FoundBy::Explicit,
            },
            None => Data::discover()?,
        };
        let mut timings = Vec::new();
        let t = Instant::now();
        let raw = data_dir.load()?;
        timings.push(("load".to_string(), t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let cleaned = raw.clean_with(options.cleaning())?;
        timings.push(("clean".to_string(), t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let table = cleaned.merge()?;
        timings.push(("merge".to_string(), t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let phik = crate::corr::PhikMatrix::compute(
            &table.frame.drop(crate::schema::ID)?,
            &crate::schema::interval_columns(),
            &options.correlation(),
        )?;
        timings.push(("correlation".to_string(), t.elapsed().as_secs_f64()));
        let selection = ModelSelection::run(&table, &options.selection(), progress)?;
        timings.extend(selection.timings.iter().cloned());
        let features = table.features()?;
        let train = crate::search::take_rows(&features, &selection.train)?;
        let test = crate::search::take_rows(&features, &selection.test)?;
        // The explained customers: the whole test part, or a seeded stratified sample.
        let rows = crate::explain::explained_rows(
            &selection.test_y,
            options.importance.max_rows,
            options.importance.seed,
        );
        let test = crate::search::take_rows(&test, &rows)?;
        let explained_y: Vec<u8> = rows.iter().map(|i| selection.test_y[*i]).collect();
        let explained = explained_y.len();
        let t = Instant::now();
        let permutation = crate::explain::permutation_importance(
            &selection.best,
            &test,
            &explained_y,
            options.importance.repeats,
            options.importance.seed,
        )?;
        timings.push((
            "permutation_importance".to_string(),
            t.elapsed().as_secs_f64(),
        ));
        let t = Instant::now();
        // SHAP explains a smaller stratified sample of those (each row costs max_evals ×
        // background model evaluations).
        let shap_rows = crate::explain::explained_rows(
            &explained_y,
            options.importance.shap.max_rows,
            options.importance.shap.seed,
        );
        let shap_test = crate::search::take_rows(&test, &shap_rows)?;
        let shap = crate::explain::permutation_shap(
            &selection.best,
            &shap_test,
            &train,
            &options.importance().shap(),
        )?;
        timings.push(("shap".to_string(), t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let segmentation = crate::segment::Segmentation::run(
            &table,
            &selection.best_cv.pipeline,
            selection.threshold,
            &options.segments(),
        )?;
        timings.push(("segmentation".to_string(), t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let offers = OfferPlan::build(&table, &segmentation, &options.offers())?;
        timings.push(("offers".to_string(), t.elapsed().as_secs_f64()));
        Ok(Study {
            data_dir,
            raw,
            cleaned,
            table,
            phik,
            selection,
            permutation,
            shap,
            explained,
            segmentation,
            offers,
            timings,
            options: options.clone(),
        })
    }

    /// The machine-readable results (the content of `results.json`).
    pub fn results(&self) -> Result<Results> {
        let files = FileId::ALL
            .iter()
            .map(|f| {
                let info = self.raw.info(*f);
                (
                    f.file_name().to_string(),
                    FileResult {
                        rows: info.rows,
                        rows_after_cleaning: self.cleaned.frame(*f).height(),
                        sha256: info.sha256.clone(),
                        format: info.format.to_string(),
                    },
                )
            })
            .collect();
        let dropped = self
            .cleaned
            .report
            .dropped
            .iter()
            .map(|d| DroppedResult {
                id: d.id,
                rule: d.rule,
                reason: d.reason.clone(),
            })
            .collect();
        let fixes = self
            .cleaned
            .report
            .fixes()
            .map(|e| FixResult {
                file: e.file.file_name().to_string(),
                column: e.column.clone().unwrap_or_default(),
                from: e.from.clone().unwrap_or_default(),
                to: e.to.clone().unwrap_or_default(),
                rows: e.rows,
            })
            .collect();
        let duplicate_rows = FileId::ALL
            .iter()
            .map(|f| {
                (
                    f.file_name().to_string(),
                    self.raw.info(*f).duplicate_rows.len(),
                )
            })
            .collect();
        let (seed, customers) = match self.raw.source {
            Source::Synthetic { seed, customers } => (Some(seed), Some(customers)),
            _ => (None, None),
        };
        Ok(Results {
            parameters: self.options.parameters()?,
            data: DataResult {
                source: self.raw.source.as_str().to_string(),
                seed,
                customers,
                files,
                duplicate_rows,
                dropped,
                fixes,
                model_table: TableResult {
                    rows: self.table.height(),
                    columns: self.table.column_names(),
                    decline_rate: self.table.decline_rate()?,
                },
            },
            correlation: CorrelationResult {
                phik: MatrixResult {
                    columns: self.phik.columns.clone(),
                    matrix: self.phik.phik.clone(),
                },
                significance: MatrixResult {
                    columns: self.phik.columns.clone(),
                    matrix: self.phik.significance.clone().unwrap_or_default(),
                },
                significance_method: self.phik.options.significance,
                target: self.phik.ranking(crate::schema::TARGET)?,
            },
            models: self
                .selection
                .families
                .iter()
                .map(|f| ModelResult {
                    family: f.cv.family().to_string(),
                    params: f.cv.pipeline.params(),
                    cv_roc_auc: f.cv.mean,
                    cv_roc_auc_std: f.cv.std,
                    test_roc_auc: f.test_auc,
                })
                .collect(),
            best: {
                let s = &self.selection;
                BestResult {
                    family: s.best_cv.family().to_string(),
                    params: s.best_cv.pipeline.params(),
                    cv_roc_auc: s.best_cv.mean,
                    cv_roc_auc_std: s.best_cv.std,
                    test_roc_auc: s.test_auc,
                    threshold: s.threshold,
                    confusion: s.confusion,
                    candidates: s.search.results.len(),
                    folds: s.search.folds.len(),
                    train_rows: s.train.len(),
                    test_rows: s.test.len(),
                }
            },
            importance: ImportanceResult {
                permutation: self.permutation.ranking(),
                shap: self.shap.mean_abs(),
            },
            segments: self.segmentation.segments.clone(),
            segment_thresholds: self.segmentation.thresholds.clone(),
            calibration: CalibrationResult {
                measured: self.segmentation.calibration.clone(),
                recalibration: (!self.segmentation.recalibration.is_identity())
                    .then_some(self.segmentation.recalibration),
                after: self.segmentation.calibration_after.clone(),
            },
            offers: self.offers.clone(),
            timings: self.timings.iter().cloned().collect(),
        })
    }

    /// A few lines for a person.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "data: {}", self.data_dir);
        let _ = write!(s, "{}", self.raw);
        let report = &self.cleaned.report;
        for e in report.fixes().filter(|e| e.rows > 0) {
            let _ = writeln!(
                s,
                "fixed: {} {}: {}",
                e.file,
                e.column.as_deref().unwrap_or(""),
                e.detail
            );
        }
        for rule in [Rule::Inactive, Rule::Anomaly] {
            let ids = report.dropped_ids(rule);
            let _ = writeln!(
                s,
                "dropped ({}): {} customers {:?}",
                rule.name(),
                ids.len(),
                ids
            );
        }
        let _ = writeln!(s, "{}", self.table);
        if let Ok(ranking) = self.phik.ranking(crate::schema::TARGET) {
            let top: Vec<String> = ranking
                .iter()
                .take(5)
                .map(|a| format!("{} {:.2}", a.feature, a.phik))
                .collect();
            let _ = writeln!(s, "strongest φK with the target: {}", top.join(", "));
        }
        if let Ok(rate) = self.table.decline_rate() {
            let _ = writeln!(s, "share «Снизилась»: {:.1} %", rate * 100.0);
        }
        let m = &self.selection;
        let _ = writeln!(
            s,
            "model search: {} pipelines × {} folds in {:.2} s",
            m.search.results.len(),
            m.search.folds.len(),
            m.search.seconds
        );
        for f in &m.families {
            let _ = writeln!(
                s,
                "  {:<20} CV ROC-AUC {:.4} ± {:.4}, test {:.4}  ({})",
                f.cv.family(),
                f.cv.mean,
                f.cv.std,
                f.test_auc,
                crate::model::params_text(&f.cv.pipeline.params())
            );
        }
        let _ = writeln!(
            s,
            "best: {} ({}), test ROC-AUC {:.4}; threshold {:.3}: precision {:.3}, recall {:.3}",
            m.best_cv.family(),
            crate::model::params_text(&m.best_cv.pipeline.params()),
            m.test_auc,
            m.threshold,
            m.confusion.precision(),
            m.confusion.recall()
        );
        let top: Vec<String> = self
            .shap
            .mean_abs()
            .iter()
            .take(5)
            .map(|r| format!("{} {:.3}", r.feature, r.mean_abs))
            .collect();
        let _ = writeln!(s, "largest mean |SHAP|: {}", top.join(", "));
        let top: Vec<String> = self
            .permutation
            .ranking()
            .iter()
            .take(5)
            .map(|r| format!("{} {:.3}", r.feature, r.mean))
            .collect();
        let _ = writeln!(s, "largest permutation importance: {}", top.join(", "));
        for seg in self.segmentation.segments.iter().take(2) {
            let _ = writeln!(
                s,
                "segment {}: {} customers, decline rate {:.1} %, profit {:.1}, profit at risk {:.1}",
                seg.name(),
                seg.size,
                seg.decline_rate * 100.0,
                seg.profit_sum,
                seg.profit_at_risk
            );
        }
        let o = &self.offers;
        let a = &o.assumptions;
        let _ = writeln!(
            s,
            "offers (model-based scenario; loss share {}, per-lever effects and costs): {} of {} at-risk customers targeted, expected loss {:.1}, net expected gain {:.1} ({}); below the risk threshold {} more, net {:.1}",
            a.loss_share,
            o.total.targeted,
            o.total.customers,
            o.total.expected_loss,
            o.total.net_gain,
            a.profit_unit,
            o.below_threshold.targeted,
            o.below_threshold.net_gain
        );
        let c = &self.segmentation.calibration;
        let _ = writeln!(
            s,
            "calibration (out of fold): Brier {:.4} (skill {:.3}), log-loss {:.4}, mean p {:.3} vs rate {:.3}, {} of {} bins miss their 95 % interval{}",
            c.brier,
            c.brier_skill,
            c.log_loss,
            c.mean_p,
            c.rate,
            c.misses,
            c.bins.len(),
            if self.segmentation.recalibration.is_identity() {
                ""
            } else {
                "; recalibrated"
            }
        );
        for ab in [&o.ab_test, &o.ab_test_eligible] {
            let _ = writeln!(
                s,
                "A/B test ({}, {} customers with an offer): decline {:.3}; break-even drop {:.1} p.p.: {} per arm; scenario {:.3}: {} per arm (Fisher power {}); {}",
                ab.segment,
                ab.segment_size,
                ab.p_control,
                ab.break_even_drop * 100.0,
                ab.n_per_arm_break_even
                    .map_or("-".to_string(), |n| n.to_string()),
                ab.p_treatment,
                ab.n_per_arm.map_or("-".to_string(), |n| n.to_string()),
                ab.exact_power
                    .map_or("-".to_string(), |p| format!("{p:.3}")),
                if ab.enough {
                    "enough for break-even"
                } else {
                    "not enough for break-even"
                }
            );
        }
        let t: Vec<String> = self
            .timings
            .iter()
            .map(|(k, v)| format!("{k} {v:.3} s"))
            .collect();
        let _ = writeln!(s, "timings: {}", t.join(", "));
        s
    }

    /// Writes `results.json` into `out` (created if needed), atomically.
    pub fn write(&self, out: &Path) -> Result<PathBuf> {
        let json = serde_json::to_vec_pretty(&self.results()?)?;
        std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
        let path = out.join("results.json");
        crate::io::write_atomically(&path, &json)?;
        Ok(path)
    }
}
