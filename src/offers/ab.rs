//! How to check the offers: a two-arm test on the share of customers whose activity
//! declines, sized by the two-proportion formula.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::stats::norm_ppf;

/// Customers per arm to detect `p_control` → `p_treatment` with a two-sided test at level
/// `alpha` and the given `power` (the two-proportion formula with the pooled variance
/// under the null):
/// n = (z₁₋α/₂·√(2·p̄·(1 − p̄)) + z_power·√(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₁ − p₂)²,
/// rounded up. Equal rates need infinitely many: an error.
///
/// ```
/// // 50 % → 40 %, α = 0.05, power 0.8: the textbook 388 per arm
/// assert_eq!(oneclick::offers::sample_size_per_arm(0.5, 0.4, 0.05, 0.8).unwrap(), 388);
/// ```
pub fn sample_size_per_arm(
    p_control: f64,
    p_treatment: f64,
    alpha: f64,
    power: f64,
) -> Result<u64> {
    for (name, v) in [("p_control", p_control), ("p_treatment", p_treatment)] {
        if !(v > 0.0 && v < 1.0) {
            return Err(Error::parameter(name, v, "a rate in (0, 1)"));
        }
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::parameter("alpha", alpha, "a probability in (0, 1)"));
    }
    if !(power > 0.0 && power < 1.0) {
        return Err(Error::parameter("power", power, "a probability in (0, 1)"));
    }
    let d = (p_control - p_treatment).abs();
    if d < 1e-12 {
        return Err(Error::parameter(
            "p_treatment",
            p_treatment,
            "a rate different from p_control (no effect cannot be detected)",
        ));
    }
    Ok(n_real(p_control, p_treatment, alpha, power).ceil() as u64)
}

fn n_real(p1: f64, p2: f64, alpha: f64, power: f64) -> f64 {
    let za = norm_ppf(1.0 - alpha / 2.0);
    let zb = norm_ppf(power);
    let pbar = (p1 + p2) / 2.0;
    let a = za * (2.0 * pbar * (1.0 - pbar)).sqrt();
    let b = zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt();
    (a + b) * (a + b) / ((p1 - p2) * (p1 - p2))
}

/// The smallest drop of the decline rate from `p_control` that `n` customers per arm
/// detect at `alpha` and `power` (bisection on the two-proportion formula); `None` when
/// even a drop to zero needs more.
pub fn minimum_detectable_effect(p_control: f64, n: u64, alpha: f64, power: f64) -> Option<f64> {
    if n == 0 || !(p_control > 0.0 && p_control < 1.0) {
        return None;
    }
    let needed = |d: f64| n_real(p_control, p_control - d, alpha, power);
    let (mut lo, mut hi) = (1e-9, p_control - 1e-9);
    if needed(hi) > n as f64 {
        return None;
    }
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if needed(mid) > n as f64 {
            lo = mid
        } else {
            hi = mid
        }
    }
    Some(hi)
}

/// An A/B test plan for one group of customers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbTest {
    /// The group (a segment identifier, or `at_risk`).
    pub segment: String,
    /// What is measured.
    pub metric: String,
    /// Decline rate without the offers: the group's mean predicted probability.
    pub p_control: f64,
    /// Decline rate with the offers, as the scenario predicts (model-based).
    pub p_treatment: f64,
    /// The group's actual decline rate in the data (for comparison with `p_control`).
    pub actual_decline_rate: f64,
    /// Two-sided significance level.
    pub alpha: f64,
    /// Power.
    pub power: f64,
    /// Customers needed per arm (`null` when the scenario predicts no effect).
    pub n_per_arm: Option<u64>,
    /// Customers in the group.
    pub segment_size: usize,
    /// Whether the group holds two arms of `n_per_arm`.
    pub enough: bool,
    /// The smallest detectable drop with the group split in two equal arms.
    pub detectable_drop_at_size: Option<f64>,
    /// What to do (Russian).
    pub advice: String,
}

impl AbTest {
    /// «нужно N покупателей в каждую группу, в сегменте M покупателей — хватает» (Russian,
    /// numerals agreeing).
    pub fn sizes_ru(&self) -> String {
        use crate::labels::CUSTOMER;
        format!(
            "нужно {} в каждую группу, в сегменте {} — {}",
            self.n_per_arm
                .map_or("—".to_string(), |n| CUSTOMER.count(n)),
            CUSTOMER.count(self.segment_size as u64),
            if self.enough {
                "хватает"
            } else {
                "не хватает"
            }
        )
    }

    /// The plan for a group with predicted probabilities `p`, predicted drops `drop` (0
    /// for customers without an offer) and actual outcomes `declined`.
    pub fn plan(
        segment: &str,
        p: &[f64],
        drop: &[f64],
        declined: &[bool],
        alpha: f64,
        power: f64,
    ) -> Result<AbTest> {
        let size = p.len();
        let p_control = crate::stats::mean(p);
        let p_treatment = p_control - crate::stats::mean(drop);
        let actual = declined.iter().filter(|d| **d).count() as f64 / size.max(1) as f64;
        let n_per_arm = sample_size_per_arm(p_control, p_treatment, alpha, power).ok();
        let enough = n_per_arm.is_some_and(|n| 2 * n <= size as u64);
        let detectable = minimum_detectable_effect(p_control, (size / 2) as u64, alpha, power);
        let advice = match (n_per_arm, enough) {
            (None, _) => "сценарий не предсказывает эффекта: тест не нужен".to_string(),
            (Some(_), true) => "группа достаточна: случайно разделить пополам, предложение — только тестовой половине, сравнить долю снижения через три месяца".to_string(),
            (Some(n), false) => format!(
                "группы мало для двух групп по {n}: объединить сегменты с одинаковым предложением, продлить набор покупателей или проверять только эффект не меньше {}",
                detectable.map_or("—".to_string(), |d| format!("{:.1} п. п.", d * 100.0))
            ),
        };
        Ok(AbTest {
            segment: segment.to_string(),
            metric: "доля покупателей, чья активность снизилась за три месяца (и прибыль)".into(),
            p_control,
            p_treatment,
            actual_decline_rate: actual,
            alpha,
            power,
            n_per_arm,
            segment_size: size,
            enough,
            detectable_drop_at_size: detectable,
            advice,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_size_matches_the_worked_example_and_refuses_bad_parameters() {
        // Fleiss' formula, 0.5 vs 0.4 at α 0.05 (two-sided), power 0.8: 387.3 → 388
        assert_eq!(sample_size_per_arm(0.5, 0.4, 0.05, 0.8).unwrap(), 388);
        // 0.2 vs 0.1: 198.98 → 199
        assert_eq!(sample_size_per_arm(0.2, 0.1, 0.05, 0.8).unwrap(), 199);
        for (e, name) in [
            (
                sample_size_per_arm(0.5, 0.4, 0.0, 0.8).unwrap_err(),
                "alpha = 0",
            ),
            (
                sample_size_per_arm(0.5, 0.4, 0.05, 1.0).unwrap_err(),
                "power = 1",
            ),
            (
                sample_size_per_arm(1.2, 0.4, 0.05, 0.8).unwrap_err(),
                "p_control = 1.2",
            ),
            (
                sample_size_per_arm(0.4, 0.4, 0.05, 0.8).unwrap_err(),
                "p_treatment = 0.4",
            ),
        ] {
            assert!(e.to_string().contains(name), "{e}");
        }
        // the detectable drop at 388 per arm is the 10 points of the example
        let d = minimum_detectable_effect(0.5, 388, 0.05, 0.8).unwrap();
        assert!((d - 0.1).abs() < 0.001, "{d}");
    }
}
