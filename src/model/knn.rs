//! k-nearest neighbours by brute force.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::{Classifier, check_width, not_fitted};
use crate::error::{Error, Result};

/// k-nearest neighbours with uniform weights and Euclidean distance
/// (scikit-learn's `KNeighborsClassifier(n_neighbors=k)`): P(1) is the share of class 1
/// among the k training rows nearest to the query. Among rows at the same distance the
/// earlier training row is taken first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    /// Number of neighbours.
    pub k: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fitted: Option<KnnFitted>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct KnnFitted {
    x: Array2<f64>,
    y: Vec<u8>,
}

impl Knn {
    /// An unfitted model with `k` neighbours.
    pub fn new(k: usize) -> Self {
        Knn { k, fitted: None }
    }

    /// For every query row, the training labels of its `k_max` nearest neighbours,
    /// nearest first (ties: lower training index first). Lets a search score every
    /// k ≤ `k_max` from one distance computation.
    pub fn neighbour_labels(&self, x: ArrayView2<f64>, k_max: usize) -> Result<Vec<Vec<u8>>> {
        let f = self.fitted.as_ref().ok_or_else(|| not_fitted("knn"))?;
        check_width("knn", f.x.ncols(), x)?;
        let n = f.x.nrows();
        if k_max == 0 || k_max > n {
            return Err(Error::InvalidArgument(format!(
                "knn: k = {k_max} must be between 1 and the {n} training rows"
            )));
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
}

impl Knn {
    /// Checks a fitted model read from a file: training rows of `width` columns, one
    /// 0/1 label per row, 1 ≤ k ≤ rows.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = self.fitted.as_ref().ok_or_else(|| not_fitted("knn"))?;
        let rows = f.x.nrows();
        if f.x.ncols() != width
            || f.y.len() != rows
            || self.k == 0
            || self.k > rows
            || f.y.iter().any(|v| *v > 1)
            || f.x.iter().any(|v| !v.is_finite())
        {
            return Err(Error::InvalidArgument(format!(
                "knn: {rows}×{} training rows, {} labels, k = {}: expected {width} columns, one 0/1 label per row, 1 ≤ k ≤ rows, finite values",
                f.x.ncols(),
                f.y.len(),
                self.k
            )));
        }
        Ok(())
    }
}

impl Classifier for Knn {
    fn family(&self) -> &'static str {
        "knn"
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("k".into(), self.k.into());
        p
    }

    fn fit(&mut self, x: ArrayView2<f64>, y: &[u8]) -> Result<()> {
        if self.k == 0 || self.k > x.nrows() {
            return Err(Error::InvalidArgument(format!(
                "knn: k = {} must be between 1 and the {} training rows",
                self.k,
                x.nrows()
            )));
        }
        self.fitted = Some(KnnFitted {
            x: x.to_owned(),
            y: y.to_vec(),
        });
        Ok(())
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let k = self.k;
        Ok(self
            .neighbour_labels(x, k)?
            .iter()
            .map(|l| l.iter().map(|v| f64::from(*v)).sum::<f64>() / k as f64)
            .collect())
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
        let mut m = Knn::new(3);
        m.fit(x.view(), &y).unwrap();
        // 1.5: distances 1.5, .5, .5, 1.5, 8.5 → rows 1, 2 then row 0 (tie with 3, earlier)
        let p = m.predict_proba(array![[1.5], [9.0]].view()).unwrap();
        assert_eq!(p.to_vec(), vec![2.0 / 3.0, 2.0 / 3.0]);
        assert!(Knn::new(6).fit(x.view(), &y).is_err());
        assert!(m.predict_proba(array![[1.0, 2.0]].view()).is_err());
    }
}
