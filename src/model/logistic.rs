//! L2-regularised logistic regression on linfa-logistic.

use linfa::prelude::*;
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, Fit, check_fit_input, check_width};
use crate::error::{Error, Result};

/// Logistic regression with an L2 penalty (scikit-learn's
/// `LogisticRegression(C=c, penalty="l2")`): minimises Σ log-loss + ‖w‖² / (2C), the
/// intercept unpenalised. Fitted by linfa-logistic's L-BFGS (`alpha = 1/C`, up to 1000
/// iterations). No L1: neither linfa nor smartcore offers an L1-penalised logistic
/// regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Inverse regularisation strength (> 0).
    #[serde(rename = "C")]
    pub c: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LogisticState {
    coef: Array1<f64>,
    intercept: f64,
}

/// A fitted [`LogisticRegression`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLogistic {
    /// The parameters it was fitted with.
    #[serde(flatten)]
    pub params: LogisticRegression,
    fitted: LogisticState,
}

impl LogisticRegression {
    /// A model with inverse regularisation strength `c`.
    pub fn new(c: f64) -> Self {
        LogisticRegression { c }
    }

    /// Hyper-parameters as a JSON object: `C`.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("C".into(), self.c.into());
        p
    }
}

impl Fit for LogisticRegression {
    type Fitted = FittedLogistic;

    fn check(&self) -> Result<()> {
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::parameter(
                "logistic_regression.C",
                self.c,
                "a positive number",
            ));
        }
        Ok(())
    }

    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<FittedLogistic> {
        self.check()?;
        check_fit_input(x, y)?;
        let targets: Array1<bool> = y.iter().map(|v| *v == 1).collect();
        let data = Dataset::new(x.to_owned(), targets);
        let params = linfa_logistic::LogisticRegression::default()
            .alpha(1.0 / self.c)
            .max_iterations(1000);
        let fitted = linfa::traits::Fit::fit(&params, &data).map_err(|e| {
            Error::fit(
                format!("logistic_regression (C = {})", self.c),
                e.to_string(),
            )
        })?;
        // linfa 0.8.1 models the more frequent label as its "positive" class; orient the
        // coefficients towards class 1 whichever it picked.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        Ok(FittedLogistic {
            params: self.clone(),
            fitted: LogisticState {
                coef: fitted.params().mapv(|w| sign * w),
                intercept: sign * fitted.intercept(),
            },
        })
    }
}

impl FittedLogistic {
    /// Coefficients (one per transformed feature; positive = towards «Снизилась») and
    /// the intercept.
    pub fn coefficients(&self) -> (&Array1<f64>, f64) {
        (&self.fitted.coef, self.fitted.intercept)
    }

    /// Checks a model read from a file: one finite coefficient per feature.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = &self.fitted;
        if f.coef.len() != width
            || !f.intercept.is_finite()
            || f.coef.iter().any(|v| !v.is_finite())
        {
            return Err(Error::shape(
                crate::model::Family::LogisticRegression.id(),
                format!("{width} finite coefficients and a finite intercept"),
                format!(
                    "{} coefficients (or a value that is not finite)",
                    f.coef.len()
                ),
            ));
        }
        Ok(())
    }
}

impl Classifier for FittedLogistic {
    fn family(&self) -> super::Family {
        super::Family::LogisticRegression
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        self.params.params()
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(self.decision_function(x)?.mapv(crate::stats::sigmoid))
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let f = &self.fitted;
        check_width(
            crate::model::Family::LogisticRegression.id(),
            f.coef.len(),
            x,
        )?;
        Ok(x.dot(&f.coef) + f.intercept)
    }
}
