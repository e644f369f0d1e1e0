//! L2-regularised logistic regression on linfa-logistic.

use linfa::prelude::*;
use ndarray::{Array1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, check_width, not_fitted};
use crate::error::{Error, Result};

/// Logistic regression with an L2 penalty (scikit-learn's
/// `LogisticRegression(C=c, penalty="l2")`): minimises Σ log-loss + ‖w‖² / (2C), the
/// intercept unpenalised. Fitted by linfa-logistic's L-BFGS (`alpha = 1/C`, up to 1000
/// iterations). No L1: neither linfa nor smartcore offers an L1-penalised logistic
/// regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticRegression {
    /// Inverse regularisation strength.
    #[serde(rename = "C")]
    pub c: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fitted: Option<LogisticFitted>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct LogisticFitted {
    coef: Array1<f64>,
    intercept: f64,
}

impl LogisticRegression {
    /// An unfitted model with inverse regularisation strength `c`.
    pub fn new(c: f64) -> Self {
        LogisticRegression { c, fitted: None }
    }

    /// Fitted coefficients (one per transformed feature; positive = towards «Снизилась»)
    /// and the intercept.
    pub fn coefficients(&self) -> Option<(&Array1<f64>, f64)> {
        self.fitted.as_ref().map(|f| (&f.coef, f.intercept))
    }
}

impl LogisticRegression {
    /// Checks a fitted model read from a file: one finite coefficient per feature.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| not_fitted("logistic_regression"))?;
        if f.coef.len() != width
            || !f.intercept.is_finite()
            || f.coef.iter().any(|v| !v.is_finite())
        {
            return Err(Error::InvalidArgument(format!(
                "logistic_regression: {} coefficients for {width} features, or a value that is not finite",
                f.coef.len()
            )));
        }
        Ok(())
    }
}

impl Classifier for LogisticRegression {
    fn family(&self) -> &'static str {
        "logistic_regression"
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("C".into(), self.c.into());
        p
    }

    fn fit(&mut self, x: ArrayView2<f64>, y: &[u8]) -> Result<()> {
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "logistic_regression: C must be a positive number, got {}",
                self.c
            )));
        }
        let targets: Array1<bool> = y.iter().map(|v| *v == 1).collect();
        let data = Dataset::new(x.to_owned(), targets);
        let fitted = linfa_logistic::LogisticRegression::default()
            .alpha(1.0 / self.c)
            .max_iterations(1000)
            .fit(&data)
            .map_err(|e| {
                Error::InvalidArgument(format!("logistic_regression (C = {}): {e}", self.c))
            })?;
        // linfa 0.8.1 models the more frequent label as its "positive" class; orient the
        // coefficients towards class 1 whichever it picked.
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        self.fitted = Some(LogisticFitted {
            coef: fitted.params().mapv(|w| sign * w),
            intercept: sign * fitted.intercept(),
        });
        Ok(())
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        Ok(self.decision_function(x)?.mapv(|z| {
            if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                z.exp() / (1.0 + z.exp())
            }
        }))
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let f = self
            .fitted
            .as_ref()
            .ok_or_else(|| not_fitted("logistic_regression"))?;
        check_width("logistic_regression", f.coef.len(), x)?;
        Ok(x.dot(&f.coef) + f.intercept)
    }
}
