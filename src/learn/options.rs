//! How to learn: [`LearnOptions`] (`launch.learn` in the parameter file), checked.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Family, Gbdt, LogisticRegression, Pipeline, Scaler};

/// How to learn (`launch.learn` in the parameter file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearnOptions {
    /// The nuisance models' family: `logistic_regression` or `gradient_boosting`.
    pub family: Family,
    /// Inverse regularisation C of the logistic regression.
    pub c: f64,
    /// Cross-fitting folds.
    pub folds: usize,
    /// Bootstrap resamples (the DR effects' intervals and the Qini bands).
    pub bootstrap: usize,
    /// Share of customers uplift at k reads (sklift's `k`).
    pub top_share: f64,
    /// Level of the intervals (1 − alpha).
    pub alpha: f64,
    /// Seed of the folds, the bootstrap and the random policy.
    pub seed: u64,
}

impl Default for LearnOptions {
    fn default() -> Self {
        LearnOptions {
            family: Family::LogisticRegression,
            c: 1.0,
            folds: 5,
            bootstrap: 50,
            top_share: 0.3,
            alpha: 0.05,
            seed: 42,
        }
    }
}

impl crate::checked::Check for LearnOptions {
    /// Checks the options, naming the key of a wrong one.
    fn check(&self) -> Result<()> {
        if !matches!(
            self.family,
            Family::LogisticRegression | Family::GradientBoosting
        ) {
            return Err(Error::parameter(
                "launch.learn.family",
                self.family,
                "logistic_regression or gradient_boosting",
            ));
        }
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::parameter(
                "launch.learn.c",
                self.c,
                "a positive number",
            ));
        }
        if !(2..=20).contains(&self.folds) {
            return Err(Error::parameter(
                "launch.learn.folds",
                self.folds,
                "2 to 20 folds",
            ));
        }
        if !(10..=10_000).contains(&self.bootstrap) {
            return Err(Error::parameter(
                "launch.learn.bootstrap",
                self.bootstrap,
                "10 to 10000 resamples",
            ));
        }
        if !(self.top_share > 0.0 && self.top_share < 1.0) {
            return Err(Error::parameter(
                "launch.learn.top_share",
                self.top_share,
                "a share strictly between 0 and 1",
            ));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::parameter(
                "launch.learn.alpha",
                self.alpha,
                "a level strictly between 0 and 1",
            ));
        }
        Ok(())
    }
}

impl LearnOptions {
    /// The nuisance pipeline.
    pub fn pipeline(&self) -> Pipeline {
        match self.family {
            Family::GradientBoosting => Pipeline::new(Scaler::Standard, Gbdt::new(0.1, 100, 15)),
            _ => Pipeline::new(Scaler::Standard, LogisticRegression::new(self.c)),
        }
    }
}
