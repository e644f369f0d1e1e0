//! # oneclick — the «В один клик» purchase-activity study
//!
//! Regular customers of the online store «В один клик» are buying less. This crate holds
//! the study's reusable code; the evcxr notebooks in `notebooks/` tell the story and call
//! it, and the `oneclick` binary runs the whole study headless.
//!
//! ## Layers
//!
//! Modules in layer order: each imports only modules above it in this table (checked by
//! `tests/architecture.rs`), so data flows one way — schema → data → clean → merge →
//! corr/eda → prep → split → model → search → explain → segment → offers → study →
//! report/score → learn → campaign/monitor → the `oneclick` binary; `evaluate` needs only the
//! statistics and the CSV layer and sits low.
//!
//! | module | owns | may import |
//! |---|---|---|
//! | [`error`] | the one [`Error`] enum | — |
//! | [`checked`] | [`checked::Checked`] parameter sets: checked once, then only read | error |
//! | [`stats`] | distributions, ranks, mean/std (one denominator each, documented), median, special functions | — |
//! | [`labels`] | Russian titles, headers, chart labels, numeral agreement | — |
//! | [`display`] | [`display::Table`] (HTML), [`display::Figure`] (SVG) | error, labels |
//! | [`frame`] | polars column helpers (a column as `f64`s / strings) | error |
//! | [`io`] | atomic writes | error |
//! | `par` | rayon with a chosen thread count, order-preserving | — |
//! | [`progress`] | progress lines of long notebook cells | labels |
//! | [`schema`] | the data's vocabulary: columns, periods, categories, typos, feature groups | display |
//! | [`evaluate`] | a test's analysis: campaign and outcome files, Newcombe interval, z and Fisher tests, stratified adjusted estimates, Holm, the decision | above |
//! | [`uplift`] | uplift and Qini curves, their normalised areas, uplift at k (scikit-uplift's measures) | above |
//! | [`data`] | discovery, format sniffing, parsing, validation → [`RawData`] | above |
//! | [`synth`] | the embedded synthetic data, same schema and quirks | above |
//! | [`fetch`] | download + checksum check of the published originals | above |
//! | [`clean`] | typo fixes, duplicates, inactive customers, anomalies → [`Cleaned`] + [`CleaningReport`] | above |
//! | [`merge`] | one row per customer → [`ModelTable`] (profit alongside) | above |
//! | [`plot`] | one file per chart kind (plotters, SVG) | above |
//! | [`corr`] | φK + significance, Spearman/Pearson, VIF | above |
//! | [`eda`] | describe, value counts, class comparison | above |
//! | [`prep`] | `ColumnTransformer`-like preprocessing, feature names carried through | above |
//! | [`split`] | stratified train/test split and folds | above |
//! | [`metrics`] | ROC-AUC (tie-aware), ROC curve, confusion matrix, F1 threshold | above |
//! | [`calibration`] | Brier score, log-loss, reliability bins with Wilson intervals, Platt recalibration | above |
//! | [`drift`] | population stability index against a stored reference distribution | above |
//! | [`model`] | parameters ([`model::Fit`]) → fitted models ([`model::Classifier`]); pipelines | above |
//! | [`search`] | grid/random search on ROC-AUC, leaderboard, [`search::ModelSelection`] | above |
//! | [`explain`] | permutation importance, permutation SHAP → [`explain::Explanation`] | above |
//! | [`segment`] | out-of-fold risk × profit, [`segment::SegmentKind`], profiles, offers | above |
//! | [`offers`] | levers, per-customer reasons and offers (what-if), money, A/B plan | above |
//! | [`causal`] | the causal synthetic store: a latent state, each lever's true heterogeneous effect, the answer file, outcomes | above |
//! | [`study`] | the whole study in order, [`study::StudyOptions`], `results.json` | above |
//! | [`report`] | self-contained `index.html` + SVG figures from a [`study::Study`] | above |
//! | [`score`] | saved model, scoring of new snapshots | above |
//! | [`learn`] | what works for whom, from an exploring test: cross-fitted T- and DR-learners per lever, average effects, Qini, policy values, the lever-effects file | above |
//! | [`campaign`] | randomised arms over a scored snapshot, balance, the campaign's plan | above |
//! | [`monitor`] | a new snapshot against the model's training reference: drift, at-risk share, realised quality | above |
//! | [`params`] | the notebooks' one parameter file (`notebooks/parameters.jsonc`), `run.sh --set` changes, local overrides | above |
//! | [`prelude`] | what a notebook needs | anything |
//!
//! Data flows one way: each stage takes the previous one by reference and returns a
//! typed value; nothing reads files after [`data`]. Errors are one [`Error`] enum whose
//! messages name file, line, column and value.
//!
//! ```no_run
//! use oneclick::prelude::*;
//! let raw = Data::discover()?.load()?;
//! println!("{raw}");
//! let cleaned = raw.clean()?;
//! println!("{}", cleaned.report);
//! let table = cleaned.merge()?;
//! println!("{table}");
//! # Ok::<(), oneclick::Error>(())
//! ```
#![warn(missing_docs)]

pub mod calibration;
pub mod campaign;
pub mod causal;
pub mod checked;
pub mod clean;
pub mod corr;
pub mod data;
pub mod display;
pub mod drift;
pub mod eda;
pub mod error;
pub mod evaluate;
pub mod explain;
pub mod fetch;
pub mod frame;
pub mod io;
pub mod labels;
pub mod learn;
pub mod merge;
pub mod metrics;
pub mod model;
pub mod monitor;
pub mod offers;
mod par;
pub mod params;
pub mod plot;
pub mod prelude;
pub mod prep;
pub mod progress;
pub mod report;
pub mod schema;
pub mod score;
pub mod search;
pub mod segment;
pub mod split;
pub mod stats;
pub mod study;
pub mod synth;
pub mod uplift;

pub use clean::{Cleaned, CleaningOptions, CleaningReport};
pub use data::{Data, DataDir, RawData, Source};
pub use error::{Error, Result};
pub use merge::ModelTable;
/// The array crate of the model matrices (`prep`, `model`, `explain`), re-exported so
/// notebooks and users name the same version.
pub use ndarray;
/// polars, the crate every table of the study is built with, re-exported so that notebook
/// cells filter, group, sort and join the study's frames with polars' own API through the
/// one copy of polars linked into `oneclick` (a separate `:dep polars` in a cell would be
/// a second, incompatible copy): `use oneclick::polars::prelude::*;`.
pub use polars;
