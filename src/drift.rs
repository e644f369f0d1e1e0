//! How far a new snapshot has moved from the one a model learned from: the population
//! stability index (PSI) of a feature or of the predicted probability against a stored
//! reference distribution — the reference's deciles for numbers, its levels for
//! categories.
//!
//! PSI = Σ over bins (aᵢ − eᵢ)·ln(aᵢ / eᵢ), with eᵢ the reference's share of bin i and aᵢ
//! the snapshot's; a share of 0 counts as [`SHARE_FLOOR`] so that a bin empty on one side
//! gives a large but finite index. The credit-scoring conventions read it as: below 0.1
//! stable, 0.1–0.2 a moderate shift worth a look, 0.2 and above a shift that calls the
//! model into question (Siddiqi, *Credit Risk Scorecards*, 2006); the monitor takes both
//! limits as parameters.

use polars::prelude::{DataFrame, DataType};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::stats::quantile_sorted;

/// Bins of a numeric reference: its deciles.
pub const DEFAULT_BINS: usize = 10;
/// The share a bin empty on one side counts as.
pub const SHARE_FLOOR: f64 = 1e-4;

/// How a reference is binned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Binning {
    /// Inner edges (the reference's quantiles, ties merged): bin i holds the values in
    /// (edgeᵢ₋₁, edgeᵢ], the first everything up to edge₀, the last everything above.
    Numeric {
        /// Increasing inner edges.
        edges: Vec<f64>,
    },
    /// The reference's levels, sorted, and one more bin for a level it never had.
    Levels {
        /// The levels.
        levels: Vec<String>,
    },
}

/// A reference distribution of one variable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// The variable.
    pub feature: String,
    /// Its bins.
    pub binning: Binning,
    /// The reference's share of each bin (they sum to 1).
    pub shares: Vec<f64>,
}

impl Distribution {
    /// A numeric variable binned at its `bins`-quantiles (linear interpolation, tied
    /// edges merged).
    pub fn numeric(feature: &str, values: &[f64], bins: usize) -> Result<Distribution> {
        if bins < 2 {
            return Err(Error::parameter("bins", bins, "at least 2"));
        }
        let mut sorted: Vec<f64> = values.to_vec();
        if let Some(v) = sorted.iter().find(|v| !v.is_finite()) {
            return Err(Error::parameter(feature, v, "finite values"));
        }
        if sorted.is_empty() {
            return Err(Error::shape(feature, "at least one value", "none"));
        }
        sorted.sort_by(f64::total_cmp);
        let mut edges: Vec<f64> = (1..bins)
            .map(|k| quantile_sorted(&sorted, k as f64 / bins as f64))
            .collect();
        edges.dedup();
        let binning = Binning::Numeric { edges };
        let shares = shares(&binning, Values::Numbers(values));
        Ok(Distribution {
            feature: feature.to_string(),
            binning,
            shares,
        })
    }

    /// A categorical variable: each level's share, plus an empty bin for unseen levels.
    pub fn levels(feature: &str, values: &[String]) -> Result<Distribution> {
        if values.is_empty() {
            return Err(Error::shape(feature, "at least one value", "none"));
        }
        let mut levels: Vec<String> = values.to_vec();
        levels.sort();
        levels.dedup();
        let binning = Binning::Levels { levels };
        let shares = shares(&binning, Values::Levels(values));
        Ok(Distribution {
            feature: feature.to_string(),
            binning,
            shares,
        })
    }

    /// Every column of `frame`: numbers at their deciles, text by level.
    pub fn of_frame(frame: &DataFrame, bins: usize) -> Result<Vec<Distribution>> {
        frame
            .columns()
            .iter()
            .map(|c| {
                let name = c.name().as_str();
                if matches!(c.dtype(), DataType::String) {
                    Distribution::levels(name, &crate::frame::str_values(frame, name)?)
                } else {
                    Distribution::numeric(name, &crate::frame::f64_values(frame, name)?, bins)
                }
            })
            .collect()
    }

    /// The shares of a snapshot's values in this reference's bins.
    pub fn shares_of_numbers(&self, values: &[f64]) -> Result<Vec<f64>> {
        match self.binning {
            Binning::Numeric { .. } => Ok(shares(&self.binning, Values::Numbers(values))),
            Binning::Levels { .. } => Err(Error::ColumnType {
                column: self.feature.clone(),
                expected: "text (the reference has levels)".into(),
                found: "numbers".into(),
            }),
        }
    }

    /// The shares of a snapshot's levels in this reference's bins (unseen levels in the
    /// last).
    pub fn shares_of_levels(&self, values: &[String]) -> Result<Vec<f64>> {
        match self.binning {
            Binning::Levels { .. } => Ok(shares(&self.binning, Values::Levels(values))),
            Binning::Numeric { .. } => Err(Error::ColumnType {
                column: self.feature.clone(),
                expected: "numbers (the reference has deciles)".into(),
                found: "text".into(),
            }),
        }
    }

    /// The shares of `frame`'s column of this variable.
    pub fn shares_in(&self, frame: &DataFrame) -> Result<Vec<f64>> {
        match self.binning {
            Binning::Numeric { .. } => {
                self.shares_of_numbers(&crate::frame::f64_values(frame, &self.feature)?)
            }
            Binning::Levels { .. } => {
                self.shares_of_levels(&crate::frame::str_values(frame, &self.feature)?)
            }
        }
    }

    /// Bin labels: `≤ 3,5`, `(3,5; 4]`, `> 7`, or the level (`другое` for unseen ones).
    pub fn bin_labels(&self) -> Vec<String> {
        let num = |v: f64| crate::labels::decimal_comma(&format!("{}", (v * 1e4).round() / 1e4));
        match &self.binning {
            Binning::Numeric { edges } => {
                let mut out = Vec::with_capacity(edges.len() + 1);
                for (k, e) in edges.iter().enumerate() {
                    out.push(if k == 0 {
                        format!("≤ {}", num(*e))
                    } else {
                        format!("({}; {}]", num(edges[k - 1]), num(*e))
                    });
                }
                out.push(match edges.last() {
                    Some(e) => format!("> {}", num(*e)),
                    None => "все".into(),
                });
                out
            }
            Binning::Levels { levels } => levels
                .iter()
                .cloned()
                .chain(std::iter::once("другое".to_string()))
                .collect(),
        }
    }

    /// Checks a stored reference: shares finite, non-negative, one per bin, summing to 1;
    /// edges increasing.
    pub fn check(&self) -> Result<()> {
        let bins = match &self.binning {
            Binning::Numeric { edges } => {
                if edges.windows(2).any(|w| w[0] >= w[1]) || edges.iter().any(|e| !e.is_finite()) {
                    return Err(Error::parameter(
                        format!("reference of {}", self.feature),
                        "edges",
                        "finite increasing bin edges",
                    ));
                }
                edges.len() + 1
            }
            Binning::Levels { levels } => levels.len() + 1,
        };
        let sum: f64 = self.shares.iter().sum();
        if self.shares.len() != bins
            || self.shares.iter().any(|s| s.is_nan() || *s < 0.0)
            || (sum - 1.0).abs() > 1e-6
        {
            return Err(Error::parameter(
                format!("reference of {}", self.feature),
                format!("{:?}", self.shares),
                format!("{bins} non-negative shares summing to 1"),
            ));
        }
        Ok(())
    }
}

enum Values<'a> {
    Numbers(&'a [f64]),
    Levels(&'a [String]),
}

fn shares(binning: &Binning, values: Values<'_>) -> Vec<f64> {
    let (counts, n) = match (binning, values) {
        (Binning::Numeric { edges }, Values::Numbers(v)) => {
            let mut c = vec![0usize; edges.len() + 1];
            for x in v {
                c[edges.partition_point(|e| e < x)] += 1;
            }
            (c, v.len())
        }
        (Binning::Levels { levels }, Values::Levels(v)) => {
            let mut c = vec![0usize; levels.len() + 1];
            for x in v {
                let k = levels
                    .binary_search_by(|l| l.as_str().cmp(x.as_str()))
                    .unwrap_or(levels.len());
                c[k] += 1;
            }
            (c, v.len())
        }
        // callers match the binning first
        _ => (Vec::new(), 0),
    };
    counts
        .into_iter()
        .map(|c| c as f64 / n.max(1) as f64)
        .collect()
}

/// PSI of `actual` shares against `expected` ones (same bins), shares below
/// [`SHARE_FLOOR`] counted as it.
///
/// ```
/// use oneclick::drift::psi;
/// assert_eq!(psi(&[0.5, 0.5], &[0.5, 0.5]), 0.0);
/// // 50/50 → 60/40: 0.1·ln 1.2 + 0.1·ln 1.25 ≈ 0.0405
/// assert!((psi(&[0.5, 0.5], &[0.6, 0.4]) - 0.04055).abs() < 1e-4);
/// ```
pub fn psi(expected: &[f64], actual: &[f64]) -> f64 {
    expected
        .iter()
        .zip(actual)
        .map(|(e, a)| {
            let (e, a) = (e.max(SHARE_FLOOR), a.max(SHARE_FLOOR));
            (a - e) * (a / e).ln()
        })
        .sum()
}

/// The PSI that sampling alone gives between a reference of `reference_n` customers and a
/// snapshot of `n` drawn from the same distribution: the `quantile` of the PSI between
/// two multinomial samples of those sizes from `shares`, over `draws` pairs (ChaCha8 with
/// `seed`, stream `stream`, so every variable has its own draws whatever the thread
/// count). A PSI at or below it is what two samples of the same customers show by chance.
///
/// ```
/// // 10 equal bins, 900 against 400 customers: chance alone gives a PSI of about
/// // 9 · (1/900 + 1/400) ≈ 0.03 on average, 0.08 at its 99th percentile
/// let limit = oneclick::drift::psi_noise_limit(&[0.1; 10], 900, 400, 0.99, 2000, 1, 0);
/// assert!(limit > 0.06 && limit < 0.1, "{limit}");
/// ```
pub fn psi_noise_limit(
    shares: &[f64],
    reference_n: usize,
    n: usize,
    quantile: f64,
    draws: usize,
    seed: u64,
    stream: u64,
) -> f64 {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let mut v: Vec<f64> = (0..draws)
        .map(|_| {
            let e = multinomial_shares(shares, reference_n, &mut rng);
            let a = multinomial_shares(shares, n, &mut rng);
            psi(&e, &a)
        })
        .collect();
    v.sort_by(f64::total_cmp);
    quantile_sorted(&v, quantile)
}

/// The shares of a multinomial sample of `n` from `shares` (a chain of binomials).
fn multinomial_shares(shares: &[f64], n: usize, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f64> {
    use rand_distr::Distribution as _;
    let mut left = n as u64;
    let mut rest = 1.0f64;
    let mut out = Vec::with_capacity(shares.len());
    for (k, s) in shares.iter().enumerate() {
        let c = if k + 1 == shares.len() || left == 0 {
            left
        } else {
            let q = if rest > 0.0 {
                (s / rest).clamp(0.0, 1.0)
            } else {
                1.0
            };
            rand_distr::Binomial::new(left, q).map_or(0, |b| b.sample(rng))
        };
        left -= c;
        rest -= s;
        out.push(c as f64 / n.max(1) as f64);
    }
    out
}

/// What a model file keeps of its training customers to judge a new snapshot against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Training customers.
    pub customers: usize,
    /// Each model feature's distribution among them.
    pub features: Vec<Distribution>,
    /// The predicted probability's distribution among them (the pipeline fitted on them).
    pub probability: Distribution,
    /// Their share at or above the risk threshold.
    pub at_risk_share: f64,
    /// Their share of «Снизилась».
    pub decline_rate: f64,
    /// ROC-AUC on the study's held-out test part.
    pub roc_auc: f64,
    /// Brier score of the study's out-of-fold probabilities.
    pub brier: f64,
}

impl Reference {
    /// The reference of training customers with `features`, labels `y`, the model's
    /// probabilities `p` and the risk threshold `risk`; `roc_auc` and `brier` are the
    /// study's held-out and out-of-fold figures.
    pub fn of(
        features: &DataFrame,
        y: &[u8],
        p: &[f64],
        risk: f64,
        roc_auc: f64,
        brier: f64,
    ) -> Result<Reference> {
        if y.len() != p.len() || p.len() != features.height() {
            return Err(Error::shape(
                "reference",
                format!(
                    "{} labels and probabilities (one per row)",
                    features.height()
                ),
                format!("{} labels, {} probabilities", y.len(), p.len()),
            ));
        }
        Ok(Reference {
            customers: p.len(),
            features: Distribution::of_frame(features, DEFAULT_BINS)?,
            probability: Distribution::numeric("probability", p, DEFAULT_BINS)?,
            at_risk_share: p.iter().filter(|v| **v >= risk).count() as f64 / p.len().max(1) as f64,
            decline_rate: y.iter().map(|v| f64::from(*v)).sum::<f64>() / y.len().max(1) as f64,
            roc_auc,
            brier,
        })
    }

    /// Checks a stored reference against the model's feature list.
    pub fn check(&self, features: &[String]) -> Result<()> {
        let names: Vec<&str> = self.features.iter().map(|d| d.feature.as_str()).collect();
        if names != features.iter().map(String::as_str).collect::<Vec<_>>() {
            return Err(Error::shape(
                "reference distributions",
                format!("{features:?} (the model's features)"),
                format!("{names:?}"),
            ));
        }
        for d in self.features.iter().chain([&self.probability]) {
            d.check()?;
        }
        for (name, v) in [
            ("at_risk_share", self.at_risk_share),
            ("decline_rate", self.decline_rate),
            ("roc_auc", self.roc_auc),
            ("brier", self.brier),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::parameter(
                    format!("reference.{name}"),
                    v,
                    "a number in [0, 1]",
                ));
            }
        }
        Ok(())
    }
}
