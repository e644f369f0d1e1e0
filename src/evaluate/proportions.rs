//! Two independent proportions: Newcombe's interval of their difference, the pooled
//! z-test and Fisher's exact test.

use crate::stats::{erfc, ln_choose, wilson};

/// Newcombe's hybrid score interval (his method 10) at `1 − alpha` of the difference
/// `x1/n1 − x2/n2` of two independent proportions: from the Wilson intervals (l₁, u₁) and
/// (l₂, u₂) of each, `d − √((p₁ − l₁)² + (u₂ − p₂)²)` to `d + √((u₁ − p₁)² + (p₂ − l₂)²)`.
///
/// ```
/// // 120/400 against 160/400: −10 points, about −16.5 to −3.4
/// let (lo, hi) = oneclick::evaluate::newcombe_interval(120, 400, 160, 400, 0.05);
/// assert!((lo + 0.16489).abs() < 1e-4 && (hi + 0.03390).abs() < 1e-4);
/// ```
pub fn newcombe_interval(x1: u64, n1: u64, x2: u64, n2: u64, alpha: f64) -> (f64, f64) {
    let p1 = x1 as f64 / n1.max(1) as f64;
    let p2 = x2 as f64 / n2.max(1) as f64;
    let (l1, u1) = wilson(x1, n1, alpha);
    let (l2, u2) = wilson(x2, n2, alpha);
    let d = p1 - p2;
    (
        d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt(),
        d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt(),
    )
}

/// Two-sided p-value of the two-proportion z-test with the pooled variance under the
/// null; `NaN` when both arms are all 0 or all 1 (the statistic is undefined).
pub fn z_test(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let (a, b) = (n1 as f64, n2 as f64);
    let pooled = (x1 + x2) as f64 / (a + b);
    let se = (pooled * (1.0 - pooled) * (1.0 / a + 1.0 / b)).sqrt();
    if se.is_nan() || se <= 0.0 {
        return f64::NAN;
    }
    let z = (x1 as f64 / a - x2 as f64 / b) / se;
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Two-sided p-value of Fisher's exact test of the 2×2 table `[[x1, n1 − x1], [x2, n2 −
/// x2]]`: the conditional (hypergeometric) probability of the tables no more likely than
/// the observed one, with a relative tolerance of 1e-7 for ties.
pub fn fisher_exact(x1: u64, n1: u64, x2: u64, n2: u64) -> f64 {
    let (n, s) = (n1 + n2, x1 + x2);
    let (lo, hi) = (s.saturating_sub(n2), s.min(n1));
    let total = ln_choose(n, s);
    let lp = |x: u64| ln_choose(n1, x) + ln_choose(n2, s - x) - total;
    let limit = lp(x1) + (1e-7f64).ln_1p();
    let p: f64 = (lo..=hi)
        .map(lp)
        .filter(|l| *l <= limit)
        .map(f64::exp)
        .sum();
    p.min(1.0)
}
