//! The cross-fitted T-learner on its own (one treatment, one control). Customers are cut into folds (stratified by arm, seeded); for each fold one
//! pipeline is fitted on the other folds' treated customers and one on their controls, and
//! each customer of the fold gets P̂(y = 1 | x, treated) − P̂(y = 1 | x, control) — an
//! effect estimated by models that never saw the customer, so its ranking can be judged
//! on the same test ([`crate::uplift`]).

use polars::prelude::DataFrame;

use crate::error::{Error, Result};
use crate::model::Pipeline;

/// Per customer (row of `features`), the T-learner's estimated effect of the treatment
/// on the probability of `y = 1`; `treated[i]`: customer i was in the test arm.
pub fn t_learner(
    features: &DataFrame,
    y: &[u8],
    treated: &[bool],
    pipeline: &Pipeline,
    folds: usize,
    seed: u64,
) -> Result<Vec<f64>> {
    if y.len() != features.height() || treated.len() != features.height() {
        return Err(Error::shape(
            "outcomes and arms of the T-learner",
            format!("{} each (one per row)", features.height()),
            format!("{} outcomes, {} arms", y.len(), treated.len()),
        ));
    }
    let arm: Vec<u8> = treated.iter().map(|t| u8::from(*t)).collect();
    let pipeline = pipeline.with_probability(seed);
    let mut effect = vec![f64::NAN; y.len()];
    for (train, valid) in crate::split::stratified_kfold(&arm, folds, seed)? {
        let rows = crate::split::take_rows(features, &valid)?;
        let mut predicted = [Vec::new(), Vec::new()];
        for (k, side) in [true, false].into_iter().enumerate() {
            let part: Vec<usize> = train
                .iter()
                .copied()
                .filter(|i| treated[*i] == side)
                .collect();
            let yp: Vec<u8> = part.iter().map(|i| y[*i]).collect();
            let fitted = pipeline
                .fit(&crate::split::take_rows(features, &part)?, &yp)
                .map_err(|e| {
                    Error::fit(
                        "T-learner",
                        format!(
                            "the {} arm's model of a fold ({} customers) did not fit: {e}",
                            if side { "test" } else { "control" },
                            part.len()
                        ),
                    )
                })?;
            predicted[k] = fitted.predict_proba(&rows)?.to_vec();
        }
        for (j, i) in valid.iter().enumerate() {
            effect[*i] = predicted[0][j] - predicted[1][j];
        }
    }
    Ok(effect)
}
