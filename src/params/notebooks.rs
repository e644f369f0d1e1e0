//! Knobs only the notebooks read (`notebooks` in the parameter file): how much a notebook
//! shows and the thresholds its checks state, not what the study computes.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `notebooks` in the parameter file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotebookOptions {
    /// 02.
    pub preprocessing: Preprocessing,
    /// 03.
    pub eda: Eda,
    /// 05.
    pub correlation: Correlation,
    /// 06.
    pub pipelines: Pipelines,
    /// 07.
    pub importance: Importance,
}

/// 02's knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preprocessing {
    /// Rows of the largest revenues shown.
    pub largest_rows: usize,
}

/// 03's knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Eda {
    /// Histogram bins.
    pub bins: usize,
}

/// 05's knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Correlation {
    /// A Z below it: the link with the target is not significant.
    pub z_threshold: f64,
    /// The most linked pairs of features shown.
    pub top_pairs: usize,
    /// A VIF from which features are multicollinear.
    pub vif_threshold: f64,
    /// A φK between features from which they are multicollinear.
    pub phik_threshold: f64,
}

/// 06's knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pipelines {
    /// Candidates of the random search.
    pub random_candidates: usize,
    /// Seed of the random search.
    pub random_seed: u64,
    /// Splits of the robustness check (seeds 1 to this).
    pub robustness_splits: u64,
    /// Above this many customers the robustness check runs on a stratified sample of them.
    pub robustness_max_customers: usize,
}

/// 07's knobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Importance {
    /// Features in the table of directions.
    pub top_features: usize,
    /// Bootstrap resamples of the importances' standard errors.
    pub bootstrap_replicates: usize,
}

impl Default for Preprocessing {
    fn default() -> Self {
        Preprocessing { largest_rows: 5 }
    }
}

impl Default for Eda {
    fn default() -> Self {
        Eda { bins: 20 }
    }
}

impl Default for Correlation {
    fn default() -> Self {
        Correlation {
            z_threshold: 3.0,
            top_pairs: 10,
            vif_threshold: 5.0,
            phik_threshold: 0.9,
        }
    }
}

impl Default for Pipelines {
    fn default() -> Self {
        Pipelines {
            random_candidates: 120,
            random_seed: 7,
            robustness_splits: 10,
            robustness_max_customers: 20_000,
        }
    }
}

impl Default for Importance {
    fn default() -> Self {
        Importance {
            top_features: 10,
            bootstrap_replicates: 200,
        }
    }
}

impl crate::checked::Check for NotebookOptions {
    /// Checks every knob, naming the key of a wrong one.
    fn check(&self) -> Result<()> {
        let count = |key: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::parameter(key, v, format!("{lo} to {hi}")))
            }
        };
        count(
            "notebooks.preprocessing.largest_rows",
            self.preprocessing.largest_rows,
            1,
            100,
        )?;
        count("notebooks.eda.bins", self.eda.bins, 2, 200)?;
        count(
            "notebooks.correlation.top_pairs",
            self.correlation.top_pairs,
            1,
            200,
        )?;
        count(
            "notebooks.pipelines.random_candidates",
            self.pipelines.random_candidates,
            1,
            10_000,
        )?;
        count(
            "notebooks.pipelines.robustness_splits",
            self.pipelines.robustness_splits as usize,
            1,
            100,
        )?;
        count(
            "notebooks.pipelines.robustness_max_customers",
            self.pipelines.robustness_max_customers,
            100,
            100_000_000,
        )?;
        count(
            "notebooks.importance.top_features",
            self.importance.top_features,
            1,
            100,
        )?;
        count(
            "notebooks.importance.bootstrap_replicates",
            self.importance.bootstrap_replicates,
            10,
            100_000,
        )?;
        let c = &self.correlation;
        if !(c.z_threshold > 0.0 && c.z_threshold.is_finite()) {
            return Err(Error::parameter(
                "notebooks.correlation.z_threshold",
                c.z_threshold,
                "a positive number",
            ));
        }
        if !(c.vif_threshold > 1.0 && c.vif_threshold.is_finite()) {
            return Err(Error::parameter(
                "notebooks.correlation.vif_threshold",
                c.vif_threshold,
                "a VIF above 1",
            ));
        }
        if !(c.phik_threshold > 0.0 && c.phik_threshold <= 1.0) {
            return Err(Error::parameter(
                "notebooks.correlation.phik_threshold",
                c.phik_threshold,
                "a φK in (0, 1]",
            ));
        }
        Ok(())
    }
}
