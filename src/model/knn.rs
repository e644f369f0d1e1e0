//! k-nearest neighbours by brute force.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, Fit, check_fit_input, check_width};
use crate::error::{Error, Result};

/// k-nearest neighbours with uniform weights and Euclidean distance
/// (scikit-learn's `KNeighborsClassifier(n_neighbors=k)`): P(1) is the share of class 1
/// among the k training rows nearest to the query. Among rows at the same distance the
/// earlier training row is taken first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    /// Number of neighbours: at least 1 and at most the training rows.
    pub k: usize,
}

/// The training rows a fitted [`Knn`] searches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KnnState {
    x: Array2<f64>,
    y: Vec<u8>,
}

/// A fitted [`Knn`]: the parameters and the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedKnn {
    /// The parameters it was fitted with.
    #[serde(flatten)]
    pub params: Knn,
    fitted: KnnState,
}

impl Knn {
    /// A model with `k` neighbours.
    pub fn new(k: usize) -> Self {
        Knn { k }
    }

    /// Hyper-parameters as a JSON object: `k`.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("k".into(), self.k.into());
        p
    }

    /// Decision values (= P(1)) on `x_valid` of every model of `group`, from one
    /// neighbour search for the largest k on (`x`, `y`): the k nearest are the first k of
    /// the k_max nearest, so this is exact. In the order given.
    pub(super) fn shared_decisions(
        group: &[&Knn],
        x: ArrayView2<f64>,
        y: &[u8],
        x_valid: ArrayView2<f64>,
    ) -> Vec<Result<Array1<f64>>> {
        let k_max = group.iter().map(|m| m.k).max().unwrap_or(1);
        let labels = Knn::new(k_max)
            .fit(x, y)
            .and_then(|m| m.neighbour_labels(x_valid, k_max));
        group
            .iter()
            .map(|m| match &labels {
                Ok(l) => Ok(share_of_class_1(l, m.k)),
                Err(e) => Err(Error::fit(format!("knn (k = {})", m.k), e.to_string())),
            })
            .collect()
    }
}

/// P(1) from the labels of each row's nearest neighbours, using the first `k`.
fn share_of_class_1(labels: &[Vec<u8>], k: usize) -> Array1<f64> {
    labels
        .iter()
        .map(|l| l[..k].iter().map(|v| f64::from(*v)).sum::<f64>() / k as f64)
        .collect()
}

impl Fit for Knn {
    type Fitted = FittedKnn;

    fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::parameter("knn.k", self.k, "a whole number ≥ 1"));
        }
        Ok(())
    }

    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<FittedKnn> {
        self.check()?;
        check_fit_input(x, y)?;
        if self.k > x.nrows() {
            return Err(Error::parameter(
                "knn.k",
                self.k,
                format!("at most the {} training rows", x.nrows()),
            ));
        }
        Ok(FittedKnn {
            params: self.clone(),
            fitted: KnnState {
                x: x.to_owned(),
                y: y.to_vec(),
            },
        })
    }
}

impl FittedKnn {
    /// For every query row, the training labels of its `k_max` nearest neighbours,
    /// nearest first (ties: lower training index first). Lets a search score every
    /// k ≤ `k_max` from one distance computation.
    pub fn neighbour_labels(&self, x: ArrayView2<f64>, k_max: usize) -> Result<Vec<Vec<u8>>> {
        let f = &self.fitted;
        check_width(crate::model::Family::Knn.id(), f.x.ncols(), x)?;
        let n = f.x.nrows();
        if k_max == 0 || k_max > n {
            return Err(Error::parameter(
                "knn.k",
                k_max,
                format!("between 1 and the {n} training rows"),
            ));
        }
        let mut dist: Vec<(f64, usize)> = Vec::with_capacity(n);
        let mut out = Vec::with_capacity(x.nrows());
        for q in x.rows() {
            dist.clear();
            for (i, t) in f.x.rows().into_iter().enumerate() {
                let d: f64 = q.iter().zip(t.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
                dist.push((d, i));
            }
            let by = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if k_max < n {
                dist.select_nth_unstable_by(k_max - 1, by);
            }
            let nearest = &mut dist[..k_max];
            nearest.sort_unstable_by(by);
            out.push(nearest.iter().map(|(_, i)| f.y[*i]).collect());
        }
        Ok(out)
    }

    /// Checks a model read from a file: training rows of `width` columns, one 0/1 label
    /// per row, 1 ≤ k ≤ rows.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = &self.fitted;
        let rows = f.x.nrows();
        let k = self.params.k;
        if f.x.ncols() != width
            || f.y.len() != rows
            || k == 0
            || k > rows
            || f.y.iter().any(|v| *v > 1)
            || f.x.iter().any(|v| !v.is_finite())
        {
            return Err(Error::shape(
                crate::model::Family::Knn.id(),
                format!("{width} columns, one 0/1 label per row, 1 ≤ k ≤ rows, finite values"),
                format!(
                    "{rows}×{} training rows, {} labels, k = {k}",
                    f.x.ncols(),
                    f.y.len()
                ),
            ));
        }
        Ok(())
    }
}

impl Classifier for FittedKnn {
    fn family(&self) -> super::Family {
        super::Family::Knn
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        self.params.params()
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let k = self.params.k;
        Ok(share_of_class_1(&self.neighbour_labels(x, k)?, k))
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        self.predict_proba(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn shares_of_the_nearest_and_ties_by_training_order() {
        let x = array![[0.0], [1.0], [2.0], [3.0], [10.0]];
        let y = [0, 1, 1, 0, 1];
        let m = Knn::new(3).fit(x.view(), &y).unwrap();
        // 1.5: distances 1.5, .5, .5, 1.5, 8.5 → rows 1, 2 then row 0 (tie with 3, earlier)
        let p = m.predict_proba(array![[1.5], [9.0]].view()).unwrap();
        assert_eq!(p.to_vec(), vec![2.0 / 3.0, 2.0 / 3.0]);
        assert!(Knn::new(6).fit(x.view(), &y).is_err());
        assert!(m.predict_proba(array![[1.0, 2.0]].view()).is_err());
    }
}
