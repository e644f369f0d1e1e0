//! Classification metrics: ROC-AUC (tie-aware), the ROC curve, the confusion matrix.

use crate::error::{Error, Result};
use crate::labels;

fn check(y: &[u8], score: &[f64]) -> Result<(usize, usize)> {
    if y.len() != score.len() {
        return Err(Error::shape("scores for the labels", y.len(), score.len()));
    }
    if let Some(s) = score.iter().find(|s| !s.is_finite()) {
        return Err(Error::InvalidArgument(format!("score {s} is not finite")));
    }
    let pos = y.iter().filter(|v| **v == 1).count();
    let neg = y.len() - pos;
    if pos == 0 || neg == 0 {
        return Err(Error::InvalidArgument(
            "ROC-AUC needs both classes among the labels".into(),
        ));
    }
    Ok((pos, neg))
}

/// Area under the ROC curve of `score` for labels `y` (1 = positive): the probability
/// that a random positive scores above a random negative, ties counting one half
/// (the Mann–Whitney statistic; equal to scikit-learn's `roc_auc_score`).
pub fn roc_auc(y: &[u8], score: &[f64]) -> Result<f64> {
    let (pos, neg) = check(y, score)?;
    let ranks = crate::stats::ranks(score);
    let rank_sum: f64 = ranks
        .iter()
        .zip(y)
        .filter(|(_, t)| **t == 1)
        .map(|(r, _)| r)
        .sum();
    let u = rank_sum - (pos * (pos + 1)) as f64 / 2.0;
    Ok(u / (pos as f64 * neg as f64))
}

/// One point of the ROC curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RocPoint {
    /// Scores at or above this are predicted positive.
    pub threshold: f64,
    /// False positive rate.
    pub fpr: f64,
    /// True positive rate.
    pub tpr: f64,
}

/// The ROC curve: one point per distinct score (highest threshold first), starting at
/// (0, 0) with an infinite threshold and ending at (1, 1).
pub fn roc_curve(y: &[u8], score: &[f64]) -> Result<Vec<RocPoint>> {
    let (pos, neg) = check(y, score)?;
    let mut idx: Vec<usize> = (0..y.len()).collect();
    idx.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let mut out = vec![RocPoint {
        threshold: f64::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    }];
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut i = 0;
    while i < idx.len() {
        let t = score[idx[i]];
        while i < idx.len() && score[idx[i]] == t {
            if y[idx[i]] == 1 {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        out.push(RocPoint {
            threshold: t,
            fpr: fp as f64 / neg as f64,
            tpr: tp as f64 / pos as f64,
        });
    }
    Ok(out)
}

/// Counts of a binary confusion matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Confusion {
    /// Positives predicted positive.
    pub tp: usize,
    /// Negatives predicted positive.
    pub fp: usize,
    /// Negatives predicted negative.
    pub tn: usize,
    /// Positives predicted negative (`fn` in JSON).
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl Confusion {
    /// Predictions `score ≥ threshold` against labels.
    pub fn at(y: &[u8], score: &[f64], threshold: f64) -> Confusion {
        let mut c = Confusion::default();
        for (&t, &s) in y.iter().zip(score) {
            match (t == 1, s >= threshold) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
                (true, false) => c.fn_ += 1,
            }
        }
        c
    }

    /// TP / (TP + FP).
    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }

    /// TP / (TP + FN).
    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }

    /// Share of correct predictions.
    pub fn accuracy(&self) -> f64 {
        (self.tp + self.tn) as f64 / (self.tp + self.tn + self.fp + self.fn_).max(1) as f64
    }

    /// Harmonic mean of precision and recall.
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// The threshold on `score` with the largest F1 (predict 1 when `score ≥ threshold`), and
/// that F1. Candidates are the distinct scores; on a tie the higher threshold wins (fewer
/// customers flagged for the same F1).
pub fn f1_threshold(y: &[u8], score: &[f64]) -> Result<(f64, f64)> {
    if y.len() != score.len() || y.is_empty() {
        return Err(Error::shape(
            "f1_threshold: scores for the labels (at least one)",
            y.len().max(1),
            score.len(),
        ));
    }
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.sort_by(|a, b| score[*b].total_cmp(&score[*a]));
    let positives = y.iter().filter(|v| **v == 1).count() as f64;
    let (mut tp, mut flagged) = (0.0, 0.0);
    let mut best = (f64::INFINITY, -1.0);
    let mut k = 0;
    while k < order.len() {
        let t = score[order[k]];
        while k < order.len() && score[order[k]] == t {
            tp += f64::from(y[order[k]]);
            flagged += 1.0;
            k += 1;
        }
        let f1 = 2.0 * tp / (flagged + positives);
        if f1 > best.1 {
            best = (t, f1);
        }
    }
    Ok(best)
}

impl Confusion {
    /// The matrix as a table (rows: actual class, columns: predicted class).
    pub fn table(&self) -> crate::display::Table {
        use crate::schema::{DECLINED, SAME_LEVEL};
        crate::display::Table::from_rows(
            vec![
                labels::CONFUSION_CORNER.to_string(),
                labels::confusion_predicted(DECLINED),
                labels::confusion_predicted(SAME_LEVEL),
            ],
            vec![
                vec![
                    labels::confusion_actual(DECLINED),
                    self.tp.to_string(),
                    self.fn_.to_string(),
                ],
                vec![
                    labels::confusion_actual(SAME_LEVEL),
                    self.fp.to_string(),
                    self.tn.to_string(),
                ],
            ],
        )
        .title(labels::confusion_title(
            self.precision(),
            self.recall(),
            self.f1(),
            self.accuracy(),
        ))
    }
}

/// ROC-AUC of `score` with a whole-number weight per row (e.g. how often a bootstrap
/// resample drew it), given `order`: the rows sorted by ascending score. Ties count one
/// half, as in [`roc_auc`]; equal to it with every weight 1. `NaN` when the weights leave
/// no positive or no negative.
pub fn roc_auc_weighted(y: &[u8], score: &[f64], order: &[usize], weight: &[u32]) -> f64 {
    let (mut below, mut pairs, mut wpos) = (0.0f64, 0.0f64, 0.0f64);
    let mut k = 0;
    while k < order.len() {
        let v = score[order[k]];
        let (mut gp, mut gn) = (0.0, 0.0);
        while k < order.len() && score[order[k]] == v {
            let i = order[k];
            let w = f64::from(weight[i]);
            if y[i] == 1 {
                gp += w;
            } else {
                gn += w;
            }
            k += 1;
        }
        pairs += gp * below + 0.5 * gp * gn;
        below += gn;
        wpos += gp;
    }
    if wpos == 0.0 || below == 0.0 {
        return f64::NAN;
    }
    pairs / (wpos * below)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_threshold_picks_the_best_cut() {
        // scores 0.9 0.8 0.7 0.6 0.5 with labels 1 1 0 1 0 → cut at 0.6: tp 3, flagged 4, F1 6/7
        let (t, f1) = f1_threshold(&[1, 1, 0, 1, 0], &[0.9, 0.8, 0.7, 0.6, 0.5]).unwrap();
        assert_eq!(t, 0.6);
        assert!((f1 - 6.0 / 7.0).abs() < 1e-12);
        let c = Confusion::at(&[1, 1, 0, 1, 0], &[0.9, 0.8, 0.7, 0.6, 0.5], t);
        assert!((c.f1() - f1).abs() < 1e-12);
    }

    #[test]
    fn auc_with_ties_matches_scikit_learn() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
        assert_eq!(
            roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
            0.75
        );
        // roc_auc_score([0, 1, 0, 1, 1], [0.5, 0.5, 0.2, 0.9, 0.5]) = 5/6 (ties count half)
        assert!(
            (roc_auc(&[0, 1, 0, 1, 1], &[0.5, 0.5, 0.2, 0.9, 0.5]).unwrap() - 0.8333333333333333)
                .abs()
                < 1e-15
        );
        // all scores equal: 0.5
        assert_eq!(roc_auc(&[0, 1, 1], &[1.0, 1.0, 1.0]).unwrap(), 0.5);
        assert!(roc_auc(&[1, 1], &[0.1, 0.2]).is_err());
        assert!(roc_auc(&[0, 1], &[0.1, f64::NAN]).is_err());
    }

    #[test]
    fn curve_and_trapezoid_area_agree_with_auc() {
        let y = [0, 1, 0, 1, 1, 0, 1, 0];
        let s = [0.1, 0.9, 0.4, 0.4, 0.7, 0.3, 0.2, 0.8];
        let curve = roc_curve(&y, &s).unwrap();
        assert_eq!((curve[0].fpr, curve[0].tpr), (0.0, 0.0));
        let last = curve.last().unwrap();
        assert_eq!((last.fpr, last.tpr), (1.0, 1.0));
        let area: f64 = curve
            .windows(2)
            .map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0)
            .sum();
        assert!((area - roc_auc(&y, &s).unwrap()).abs() < 1e-12);
    }

    #[test]
    fn confusion_counts() {
        let c = Confusion::at(&[1, 1, 0, 0, 1], &[0.9, 0.2, 0.6, 0.1, 0.5], 0.5);
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 1,
                fn_: 1
            }
        );
        assert!((c.precision() - 2.0 / 3.0).abs() < 1e-12);
        assert!((c.recall() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.accuracy(), 0.6);
    }
}
