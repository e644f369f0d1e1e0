//! # oneclick — the «В один клик» purchase-activity study
//!
//! Regular customers of the online store «В один клик» are buying less. This crate holds
//! the study's reusable code; the evcxr notebooks in `notebooks/` tell the story and call
//! it, and the `oneclick` binary runs the whole study headless.
//!
//! | step | module | produces |
//! |---|---|---|
//! | vocabulary | [`schema`] | column names, periods, categories, typos, feature groups |
//! | load + validate | [`data`] | [`RawData`] (four frames, formats, checksums, provenance) |
//! | clean | [`clean`] | [`Cleaned`] + [`CleaningReport`] (every change counted) |
//! | merge | [`merge`] | [`ModelTable`] (one row per customer, profit alongside) |
//! | correlation | [`corr`] | φK + significance, Spearman/Pearson, VIF |
//! | preprocessing | [`prep`] | `ColumnTransformer`-like fitted steps → `ndarray::Array2` |
//! | models | [`model`] | [`model::Classifier`]: kNN, decision tree, logistic regression, SVC; [`model::Pipeline`] |
//! | metrics | [`metrics`] | ROC-AUC (tie-aware), ROC curve, confusion matrix |
//! | model search | [`search`] | stratified splits and folds, grid and randomized search, leaderboard |
//! | segments | [`segment`] | out-of-fold risk × profit, segments, profiles, offers |
//! | importance | [`explain`] | permutation importance, permutation SHAP → [`explain::Explanation`] |
//! | notebook display | [`display`] | [`display::Table`] (HTML), [`display::Figure`] (SVG) |
//! | exploration | [`eda`] | value counts, missing values, largest values |
//! | synthetic data | [`synth`] | the embedded default data, same schema and quirks |
//! | headless run | [`study`] | `results.json` |
//! | report | [`report`] | self-contained `index.html` + SVG figures |
//! | scoring | [`score`] | saved model, scores of a new snapshot |
//! | originals | [`fetch`] | download + checksum check of the published files |
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

pub mod clean;
pub mod corr;
pub mod data;
pub mod display;
pub mod eda;
pub mod error;
pub mod explain;
pub mod fetch;
pub mod io;
pub mod merge;
pub mod metrics;
pub mod model;
mod par;
pub mod plot;
pub mod prelude;
pub mod prep;
pub mod report;
pub mod schema;
pub mod score;
pub mod search;
pub mod segment;
pub mod split;
pub mod stats;
pub mod study;
pub mod synth;

pub use clean::{Cleaned, CleaningOptions, CleaningReport};
pub use data::{Data, DataDir, RawData, Source};
pub use error::{Error, Result};
pub use merge::ModelTable;
/// The array crate of the model matrices (`prep`, `model`, `explain`), re-exported so
/// notebooks and users name the same version.
pub use ndarray;
