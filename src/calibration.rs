//! Are the probabilities probabilities? Before `p × profit` is read as money, the
//! out-of-fold probabilities are checked against what happened: the Brier score and its
//! skill against always predicting the base rate, the log-loss, calibration-in-the-large
//! (mean predicted against observed rate) and a reliability table over quantile bins,
//! each bin's observed rate with its Wilson 95 % interval. When the bins miss their
//! intervals more often than chance allows, a Platt map (a logistic regression of the
//! outcome on the logit of the probability, fitted on the out-of-fold probabilities)
//! recalibrates them.
//!
//! The bins and the scores follow scikit-learn: [`brier_score`] is `brier_score_loss`,
//! [`log_loss`] is `log_loss` (probabilities clipped to `[ε, 1 − ε]`), [`reliability`]
//! is `calibration_curve(strategy="quantile")` (empty bins dropped) and [`wilson`] is
//! statsmodels' `proportion_confint(method="wilson")` (tested against them,
//! `tests/calibration.rs`).

use serde::{Deserialize, Serialize};

use crate::display::{Figure, Table};
use crate::error::{Error, Result};
use crate::labels;

fn check(y: &[u8], p: &[f64]) -> Result<()> {
    if y.len() != p.len() {
        return Err(Error::shape(
            "probabilities for the labels",
            y.len(),
            p.len(),
        ));
    }
    if y.is_empty() {
        return Err(Error::shape("probabilities", "at least one", 0));
    }
    if let Some(i) = p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(Error::parameter(
            format!("probability of row {i}"),
            p[i],
            "a probability in [0, 1]",
        ));
    }
    Ok(())
}

/// Mean squared difference between the probability and the outcome (scikit-learn's
/// `brier_score_loss`).
pub fn brier_score(y: &[u8], p: &[f64]) -> Result<f64> {
    check(y, p)?;
    Ok(y.iter()
        .zip(p)
        .map(|(t, q)| (f64::from(*t) - q).powi(2))
        .sum::<f64>()
        / y.len() as f64)
}

/// Mean negative log-likelihood, probabilities clipped to `[ε, 1 − ε]` with ε the
/// machine epsilon (scikit-learn's `log_loss`).
pub fn log_loss(y: &[u8], p: &[f64]) -> Result<f64> {
    check(y, p)?;
    let eps = f64::EPSILON;
    Ok(-y
        .iter()
        .zip(p)
        .map(|(t, q)| {
            let q = q.clamp(eps, 1.0 - eps);
            if *t == 1 { q.ln() } else { (1.0 - q).ln() }
        })
        .sum::<f64>()
        / y.len() as f64)
}

pub use crate::stats::wilson;

/// One bin of a reliability table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bin {
    /// Customers in the bin.
    pub n: usize,
    /// Their mean predicted probability.
    pub mean_p: f64,
    /// Their observed rate of «Снизилась».
    pub rate: f64,
    /// Wilson 95 % interval of the rate: lower end.
    pub lo: f64,
    /// … upper end.
    pub hi: f64,
}

impl Bin {
    /// Whether the mean prediction lies inside the observed rate's interval.
    pub fn covers(&self) -> bool {
        self.lo <= self.mean_p && self.mean_p <= self.hi
    }
}

/// Reliability table over `n_bins` quantile bins of `p` (edges at the quantiles of `p`,
/// linear interpolation; a value on an inner edge belongs to the lower bin; empty bins —
/// from tied edges — dropped), each with a Wilson interval at `1 − alpha`.
pub fn reliability(y: &[u8], p: &[f64], n_bins: usize, alpha: f64) -> Result<Vec<Bin>> {
    check(y, p)?;
    if n_bins == 0 {
        return Err(Error::parameter("bins", 0, "at least 1"));
    }
    let mut sorted = p.to_vec();
    sorted.sort_by(f64::total_cmp);
    let inner: Vec<f64> = (1..n_bins)
        .map(|k| crate::stats::quantile_sorted(&sorted, k as f64 / n_bins as f64))
        .collect();
    let mut count = vec![0usize; n_bins];
    let mut sum_p = vec![0.0f64; n_bins];
    let mut pos = vec![0u64; n_bins];
    for (t, q) in y.iter().zip(p) {
        let b = inner.partition_point(|e| e < q);
        count[b] += 1;
        sum_p[b] += q;
        pos[b] += u64::from(*t == 1);
    }
    Ok((0..n_bins)
        .filter(|b| count[*b] > 0)
        .map(|b| {
            let n = count[b];
            let (lo, hi) = wilson(pos[b], n as u64, alpha);
            Bin {
                n,
                mean_p: sum_p[b] / n as f64,
                rate: pos[b] as f64 / n as f64,
                lo,
                hi,
            }
        })
        .collect())
}

/// The Hosmer–Lemeshow test over the bins of a reliability table: H = Σ (O − E)² /
/// (E · (1 − E / n)) with O the observed and E = n · mean p the expected declines of each
/// bin, compared with χ² on (bins − 2) degrees of freedom. A small p-value rejects
/// calibration (the bins' rates differ from their mean predictions more than chance
/// allows).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HosmerLemeshow {
    /// H.
    pub statistic: f64,
    /// Bins − 2.
    pub df: usize,
    /// P(χ²_df ≥ H).
    pub p_value: f64,
}

/// [`HosmerLemeshow`] over `bins` (at least 3, none with a mean prediction of 0 or 1).
pub fn hosmer_lemeshow(bins: &[Bin]) -> Result<HosmerLemeshow> {
    if bins.len() < 3 {
        return Err(Error::shape(
            "bins of the Hosmer–Lemeshow test",
            "at least 3",
            bins.len(),
        ));
    }
    let statistic = bins
        .iter()
        .map(|b| {
            let n = b.n as f64;
            let expected = n * b.mean_p;
            let observed = n * b.rate;
            (observed - expected).powi(2) / (expected * (1.0 - b.mean_p))
        })
        .sum::<f64>();
    if !statistic.is_finite() {
        return Err(Error::fit(
            "Hosmer–Lemeshow test",
            "a bin's mean prediction is 0 or 1",
        ));
    }
    let df = bins.len() - 2;
    Ok(HosmerLemeshow {
        statistic,
        df,
        p_value: crate::stats::chi2_sf(statistic, df as f64),
    })
}

/// Logistic recalibration of probabilities (Cox 1958): the maximum-likelihood fit of
/// `logit P(y = 1) = intercept + slope · logit p` (a slope of 1 and an intercept of 0 are
/// perfect calibration; a slope below 1, predictions too extreme), and the calibration
/// intercept `a` of `logit P(y = 1) = a + logit p` (calibration-in-the-large on the logit
/// scale), each with its standard error from the observed information. Probabilities are
/// clipped to `[1e-12, 1 − 1e-12]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LogisticCalibration {
    /// Intercept of the two-parameter fit.
    pub intercept: f64,
    /// Its standard error.
    pub intercept_se: f64,
    /// Slope of the two-parameter fit.
    pub slope: f64,
    /// Its standard error.
    pub slope_se: f64,
    /// The calibration intercept (slope fixed at 1).
    pub in_the_large: f64,
    /// Its standard error.
    pub in_the_large_se: f64,
}

impl LogisticCalibration {
    /// The Wald interval `estimate ± z(1 − alpha/2) · se`.
    pub fn interval(estimate: f64, se: f64, alpha: f64) -> (f64, f64) {
        let z = crate::stats::norm_ppf(1.0 - alpha / 2.0);
        (estimate - z * se, estimate + z * se)
    }
}

/// [`LogisticCalibration`] of `p` against `y` (Newton's method to machine precision).
pub fn logistic_calibration(y: &[u8], p: &[f64]) -> Result<LogisticCalibration> {
    check(y, p)?;
    let x: Vec<f64> = p.iter().map(|q| logit(*q)).collect();
    // two parameters: (intercept, slope)
    let (mut b0, mut b1) = (0.0f64, 1.0f64);
    let mut info = [0.0f64; 3];
    for _ in 0..200 {
        let (mut g0, mut g1) = (0.0, 0.0);
        info = [0.0; 3];
        for (t, xi) in y.iter().zip(&x) {
            let q = crate::stats::sigmoid(b0 + b1 * xi);
            let r = f64::from(*t) - q;
            let w = q * (1.0 - q);
            g0 += r;
            g1 += r * xi;
            info[0] += w;
            info[1] += w * xi;
            info[2] += w * xi * xi;
        }
        let det = info[0] * info[2] - info[1] * info[1];
        if det.is_nan() || det <= 0.0 {
            return Err(Error::fit(
                "logistic calibration",
                "the probabilities do not vary (singular information)",
            ));
        }
        let d0 = (info[2] * g0 - info[1] * g1) / det;
        let d1 = (info[0] * g1 - info[1] * g0) / det;
        b0 += d0;
        b1 += d1;
        if d0.abs().max(d1.abs()) < 1e-14 {
            break;
        }
    }
    let det = info[0] * info[2] - info[1] * info[1];
    // one parameter with logit p as an offset
    let mut a = 0.0f64;
    let mut w_sum = 0.0;
    for _ in 0..200 {
        let (mut g, mut w) = (0.0, 0.0);
        for (t, xi) in y.iter().zip(&x) {
            let q = crate::stats::sigmoid(a + xi);
            g += f64::from(*t) - q;
            w += q * (1.0 - q);
        }
        w_sum = w;
        let d = g / w;
        a += d;
        if d.abs() < 1e-14 {
            break;
        }
    }
    let out = LogisticCalibration {
        intercept: b0,
        intercept_se: (info[2] / det).sqrt(),
        slope: b1,
        slope_se: (info[0] / det).sqrt(),
        in_the_large: a,
        in_the_large_se: (1.0 / w_sum).sqrt(),
    };
    if [out.intercept, out.slope, out.in_the_large]
        .iter()
        .any(|v| !v.is_finite())
    {
        return Err(Error::fit(
            "logistic calibration",
            "Newton's method did not converge",
        ));
    }
    Ok(out)
}

/// A monotone map of probabilities: `g(p) = σ(a · logit p + b)` (Platt's form on the
/// logit scale); `a = 1, b = 0` is the identity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlattMap {
    /// Slope on the logit scale.
    pub a: f64,
    /// Intercept on the logit scale.
    pub b: f64,
}

impl PlattMap {
    /// The identity (no recalibration).
    pub const IDENTITY: PlattMap = PlattMap { a: 1.0, b: 0.0 };

    /// Whether this is the identity.
    pub fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    /// The recalibrated probability of `p` (exactly `p` for the identity).
    pub fn apply(&self, p: f64) -> f64 {
        if self.is_identity() {
            return p;
        }
        crate::stats::sigmoid(self.a * logit(p) + self.b)
    }

    /// Maximum-likelihood fit of `y` on `logit(p)` (Newton's method on the two
    /// parameters; probabilities clipped to `[1e-12, 1 − 1e-12]`).
    pub fn fit(y: &[u8], p: &[f64]) -> Result<PlattMap> {
        check(y, p)?;
        let x: Vec<f64> = p.iter().map(|q| logit(*q)).collect();
        let (mut a, mut b) = (1.0f64, 0.0f64);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for (t, xi) in y.iter().zip(&x) {
                let q = crate::stats::sigmoid(a * xi + b);
                let r = q - f64::from(*t);
                let w = (q * (1.0 - q)).max(1e-12);
                ga += r * xi;
                gb += r;
                haa += w * xi * xi;
                hab += w * xi;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-300 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if da.abs() < 1e-12 && db.abs() < 1e-12 {
                break;
            }
        }
        if !(a.is_finite() && b.is_finite()) {
            return Err(Error::fit(
                "recalibration",
                "the Platt map did not converge (classes separated by the probability?)",
            ));
        }
        Ok(PlattMap { a, b })
    }
}

/// A monotone non-decreasing map of probabilities fitted by pool-adjacent-violators
/// (scikit-learn's `IsotonicRegression(out_of_bounds="clip")`): the fitted values at the
/// distinct training probabilities, linear between them, constant beyond; outputs clipped
/// to `[1e-4, 1 − 1e-4]` so a held-out log-loss stays finite.
#[derive(Debug, Clone, PartialEq)]
pub struct IsotonicMap {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl IsotonicMap {
    /// Fits the map of `y` on `p`.
    pub fn fit(y: &[u8], p: &[f64]) -> Result<IsotonicMap> {
        check(y, p)?;
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|a, b| p[*a].total_cmp(&p[*b]));
        // blocks: (sum of y, weight, x of the block's last point); one per distinct p first
        let mut points: Vec<(f64, f64, f64)> = Vec::new();
        for i in order {
            match points.last_mut() {
                Some(last) if last.2 == p[i] => {
                    last.0 += f64::from(y[i]);
                    last.1 += 1.0;
                }
                _ => points.push((f64::from(y[i]), 1.0, p[i])),
            }
        }
        let xs: Vec<f64> = points.iter().map(|b| b.2).collect();
        // pool adjacent violators over the distinct points: (sum, weight, points in block)
        let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
        for (s, w, _) in &points {
            blocks.push((*s, *w, 1));
            while blocks.len() > 1 {
                let k = blocks.len();
                let (a, b) = (blocks[k - 2], blocks[k - 1]);
                if a.0 / a.1 <= b.0 / b.1 {
                    break;
                }
                blocks.truncate(k - 2);
                blocks.push((a.0 + b.0, a.1 + b.1, a.2 + b.2));
            }
        }
        let ys: Vec<f64> = blocks
            .iter()
            .flat_map(|(s, w, n)| std::iter::repeat_n(s / w, *n))
            .collect();
        Ok(IsotonicMap { x: xs, y: ys })
    }

    /// The recalibrated probability of `p`.
    pub fn apply(&self, p: f64) -> f64 {
        let k = self.x.partition_point(|x| *x < p);
        let v = if k == 0 {
            self.y[0]
        } else if k == self.x.len() {
            self.y[k - 1]
        } else if self.x[k] == p {
            self.y[k]
        } else {
            let (x0, x1, y0, y1) = (self.x[k - 1], self.x[k], self.y[k - 1], self.y[k]);
            y0 + (y1 - y0) * (p - x0) / (x1 - x0)
        };
        v.clamp(1e-4, 1.0 - 1e-4)
    }
}

/// Held-out scores of one way to map the probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct HeldOut {
    /// Log-loss over every customer, each mapped by a map fitted without their fold.
    pub log_loss: f64,
    /// Brier score, the same way.
    pub brier: f64,
}

/// Cross-validated recalibration: Platt and isotonic maps, each fitted on the other folds'
/// probabilities and applied to the held-out fold, against the probabilities as they are
/// (`results.json` → `calibration.recalibration_cv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recalibrations {
    /// Folds (customers shuffled with `seed`, then cut into equal parts).
    pub folds: usize,
    /// Seed of the shuffle.
    pub seed: u64,
    /// The probabilities as they are.
    pub raw: HeldOut,
    /// Platt's map.
    pub platt: HeldOut,
    /// The isotonic map.
    pub isotonic: HeldOut,
    /// `platt` or `isotonic` when it lowers both held-out log-loss and Brier below the
    /// raw probabilities' (the lower log-loss of the two), else `none`.
    pub better: &'static str,
}

/// [`Recalibrations`] of `p` against `y`.
pub fn cross_validated_recalibration(
    y: &[u8],
    p: &[f64],
    folds: usize,
    seed: u64,
) -> Result<Recalibrations> {
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    check(y, p)?;
    if folds < 2 || folds > y.len() {
        return Err(Error::parameter(
            "recalibration folds",
            folds,
            format!("between 2 and the {} customers", y.len()),
        ));
    }
    let mut order: Vec<usize> = (0..y.len()).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    let mut fold = vec![0usize; y.len()];
    for (k, i) in order.iter().enumerate() {
        fold[*i] = k * folds / y.len();
    }
    let (mut platt, mut isotonic) = (vec![0.0; y.len()], vec![0.0; y.len()]);
    for f in 0..folds {
        let train: Vec<usize> = (0..y.len()).filter(|i| fold[*i] != f).collect();
        let ty: Vec<u8> = train.iter().map(|i| y[*i]).collect();
        let tp: Vec<f64> = train.iter().map(|i| p[*i]).collect();
        let pm = PlattMap::fit(&ty, &tp)?;
        let im = IsotonicMap::fit(&ty, &tp)?;
        for i in (0..y.len()).filter(|i| fold[*i] == f) {
            platt[i] = pm.apply(p[i]);
            isotonic[i] = im.apply(p[i]);
        }
    }
    let held = |q: &[f64]| -> Result<HeldOut> {
        Ok(HeldOut {
            log_loss: log_loss(y, q)?,
            brier: brier_score(y, q)?,
        })
    };
    let (raw, platt, isotonic) = (held(p)?, held(&platt)?, held(&isotonic)?);
    let beats = |h: &HeldOut| h.log_loss < raw.log_loss && h.brier < raw.brier;
    let better = match (beats(&platt), beats(&isotonic)) {
        (true, true) if isotonic.log_loss < platt.log_loss => "isotonic",
        (true, _) => "platt",
        (false, true) => "isotonic",
        (false, false) => "none",
    };
    Ok(Recalibrations {
        folds,
        seed,
        raw,
        platt,
        isotonic,
        better,
    })
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    (p / (1.0 - p)).ln()
}

/// The calibration of a set of probabilities against outcomes (`results.json` →
/// `calibration`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Brier score.
    pub brier: f64,
    /// `1 − brier / (rate · (1 − rate))`: the share of the base rate's Brier score the
    /// probabilities remove (0 = no better than predicting the base rate for everyone).
    pub brier_skill: f64,
    /// Log-loss.
    pub log_loss: f64,
    /// Mean predicted probability (calibration-in-the-large: compare with `rate`).
    pub mean_p: f64,
    /// Observed rate of «Снизилась».
    pub rate: f64,
    /// The reliability table.
    pub bins: Vec<Bin>,
    /// Bins whose interval misses their mean prediction.
    pub misses: usize,
    /// P(at least `misses` of the bins miss) if every bin's interval covered with
    /// probability `1 − alpha` independently (binomial upper tail).
    pub misses_p_value: f64,
    /// The Hosmer–Lemeshow test over the bins (`None` with fewer than 3 bins).
    pub hosmer_lemeshow: Option<HosmerLemeshow>,
    /// Logistic recalibration: intercept, slope and calibration intercept with their
    /// standard errors (`None` when the probabilities do not vary).
    pub logistic: Option<LogisticCalibration>,
    /// Cross-validated Platt and isotonic maps against the probabilities as they are
    /// (`None` until the segmentation computes it, with its folds and seed).
    pub recalibration_cv: Option<Recalibrations>,
}

impl Calibration {
    /// Scores, reliability table over `n_bins` quantile bins with intervals at
    /// `1 − alpha`, and the count of bins that miss.
    pub fn of(y: &[u8], p: &[f64], n_bins: usize, alpha: f64) -> Result<Calibration> {
        let bins = reliability(y, p, n_bins, alpha)?;
        let brier = brier_score(y, p)?;
        let rate = y.iter().filter(|t| **t == 1).count() as f64 / y.len() as f64;
        let reference = rate * (1.0 - rate);
        let misses = bins.iter().filter(|b| !b.covers()).count();
        Ok(Calibration {
            brier,
            brier_skill: if reference > 0.0 {
                1.0 - brier / reference
            } else {
                f64::NAN
            },
            log_loss: log_loss(y, p)?,
            mean_p: crate::stats::mean(p),
            rate,
            misses_p_value: binomial_upper_tail(misses as u64, bins.len() as u64, alpha),
            misses,
            hosmer_lemeshow: hosmer_lemeshow(&bins).ok(),
            logistic: logistic_calibration(y, p).ok(),
            recalibration_cv: None,
            bins,
        })
    }

    /// Whether calibration is rejected at `alpha` — by Hosmer–Lemeshow, or by the bins
    /// missing their intervals more often than chance allows (the binomial tail of the
    /// misses).
    pub fn rejected(&self, alpha: f64) -> bool {
        self.hosmer_lemeshow.is_some_and(|h| h.p_value < alpha)
            || (self.misses > 0 && self.misses_p_value < alpha)
    }

    /// Whether to recalibrate: calibration is [rejected](Self::rejected) and Platt's map
    /// beats the probabilities as they are on held-out folds (both log-loss and Brier,
    /// [`Recalibrations::better`]). An isotonic map that alone beats them is reported,
    /// not applied: the deployed model carries a Platt map only.
    pub fn needs_recalibration(&self, alpha: f64) -> bool {
        self.rejected(alpha)
            && self
                .recalibration_cv
                .as_ref()
                .is_some_and(|r| r.better == "platt")
    }

    /// The reliability table (Russian).
    pub fn table(&self) -> Table {
        let rows = self
            .bins
            .iter()
            .enumerate()
            .map(|(k, b)| {
                vec![
                    (k + 1).to_string(),
                    b.n.to_string(),
                    format!("{:.3}", b.mean_p),
                    format!("{:.3}", b.rate),
                    format!("{:.3} … {:.3}", b.lo, b.hi),
                    if b.covers() { "да" } else { "нет" }.to_string(),
                ]
            })
            .collect();
        Table::from_rows(labels::RELIABILITY_HEADERS.map(String::from).to_vec(), rows)
            .title(labels::RELIABILITY_TITLE)
    }

    /// The scores in one Russian paragraph.
    pub fn summary_ru(&self) -> String {
        format!(
            "Брайер {:.4} (у прогноза одной общей долей {:.4}: навык {:.3}); log-loss {:.4}; средняя вероятность {:.3} при доле «Снизилась» {:.3}; средняя вероятность вне 95 % интервала: {} из {} (вероятность не меньшего числа промахов при хорошей калибровке {:.3})",
            self.brier,
            self.rate * (1.0 - self.rate),
            self.brier_skill,
            self.log_loss,
            self.mean_p,
            self.rate,
            self.misses,
            labels::BIN.count_of(self.bins.len() as u64),
            self.misses_p_value
        )
    }

    /// The reliability diagram: mean predicted probability against the observed rate
    /// per bin, with the Wilson intervals and the diagonal of perfect calibration.
    pub fn figure(&self, title: &str) -> Result<Figure> {
        let points: Vec<(f64, f64, f64, f64, usize)> = self
            .bins
            .iter()
            .map(|b| (b.mean_p, b.rate, b.lo, b.hi, b.n))
            .collect();
        crate::plot::reliability_diagram(&points, title)
    }
}

/// P(X ≥ k) for X ~ Binomial(n, q).
pub fn binomial_upper_tail(k: u64, n: u64, q: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    (k..=n)
        .map(|j| crate::stats::binomial_pmf(j, n, q))
        .sum::<f64>()
        .min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_example_and_platt_identity_is_exact() {
        // 8 of 10 at 95 %: 0.4902 … 0.9433 (Newcombe 1998, table I)
        let (lo, hi) = wilson(8, 10, 0.05);
        assert!(
            (lo - 0.4902).abs() < 5e-5 && (hi - 0.9433).abs() < 5e-5,
            "{lo} {hi}"
        );
        assert_eq!(PlattMap::IDENTITY.apply(0.123_456), 0.123_456);
        // a map fitted on calibrated data stays near the identity
        let p: Vec<f64> = (0..2000).map(|i| (i as f64 + 0.5) / 2000.0).collect();
        let y: Vec<u8> = p
            .iter()
            .enumerate()
            .map(|(i, q)| u8::from(((i * 7919) % 2000) as f64 / 2000.0 < *q))
            .collect();
        let m = PlattMap::fit(&y, &p).unwrap();
        assert!((m.a - 1.0).abs() < 0.15 && m.b.abs() < 0.15, "{m:?}");
    }
}
