//! How to check the offers: a two-arm test on the share of customers whose activity
//! declines, sized by the two-proportion formula for the break-even drop (what matters
//! for the money) and for the model's scenario, with the exact power of the planned
//! Fisher test beside the normal approximation, and the analysis stated in advance.

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

/// Largest total number of customers (both arms) whose Fisher power is computed exactly.
pub const EXACT_POWER_MAX: u64 = 12_000;

/// The power of the two-sided Fisher exact test at level `alpha` with `n1` and `n2`
/// customers per arm whose true rates are `p1` and `p2`: the probability, summed over
/// every possible outcome of the two arms, that the test rejects. A table's p-value is
/// the conditional (hypergeometric) probability of the tables no more likely than it,
/// with scipy's relative tolerance 1e-7. Exact, O(n² log n): `None` above
/// [`EXACT_POWER_MAX`] customers in all.
///
/// ```
/// // 56 per arm, 92 % → 71.7 %: the normal approximation promises 0.8, Fisher gives less
/// let p = oneclick::offers::fisher_exact_power(56, 56, 0.92, 0.717, 0.05).unwrap().unwrap();
/// assert!(p > 0.7 && p < 0.8, "{p}");
/// ```
pub fn fisher_exact_power(n1: u64, n2: u64, p1: f64, p2: f64, alpha: f64) -> Result<Option<f64>> {
    for (name, v) in [("p1", p1), ("p2", p2)] {
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::parameter(name, v, "a rate in [0, 1]"));
        }
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return Err(Error::parameter("alpha", alpha, "a probability in (0, 1)"));
    }
    let n = n1 + n2;
    if n > EXACT_POWER_MAX {
        return Ok(None);
    }
    if n1 == 0 || n2 == 0 {
        return Ok(Some(0.0));
    }
    let mut lf = vec![0.0f64; n as usize + 1];
    for k in 1..=n as usize {
        lf[k] = lf[k - 1] + (k as f64).ln();
    }
    let ln_choose = |a: u64, b: u64| lf[a as usize] - lf[b as usize] - lf[(a - b) as usize];
    let ln_binom = |k: u64, m: u64, q: f64| -> f64 {
        if q <= 0.0 {
            return if k == 0 { 0.0 } else { f64::NEG_INFINITY };
        }
        if q >= 1.0 {
            return if k == m { 0.0 } else { f64::NEG_INFINITY };
        }
        ln_choose(m, k) + k as f64 * q.ln() + (m - k) as f64 * (1.0 - q).ln()
    };
    let b1: Vec<f64> = (0..=n1).map(|k| ln_binom(k, n1, p1)).collect();
    let b2: Vec<f64> = (0..=n2).map(|k| ln_binom(k, n2, p2)).collect();
    // For a fixed total s the hypergeometric probabilities h(x) are unimodal in x, so
    // the outcomes Fisher's two-sided test does not reject (p = Σ of every h(y) ≤
    // h(x)·(1 + 1e-7) above α) are a central run around the mode: take outcomes from the
    // mode outwards in descending order of h until the first rejected one, and sum the
    // probability of the accepted ones under (p1, p2). Power = 1 − that sum over all s.
    let e1: Vec<f64> = b1.iter().map(|v| v.exp()).collect();
    let e2: Vec<f64> = b2.iter().map(|v| v.exp()).collect();
    let mut accepted = 0.0;
    let mut taken: Vec<f64> = Vec::new();
    for s in 0..=n {
        let (lo, hi) = (s.saturating_sub(n2) as i64, s.min(n1) as i64);
        let total = ln_choose(n, s);
        let h = |x: i64| {
            let x = x as u64;
            (ln_choose(n1, x) + ln_choose(n2, s - x) - total).exp()
        };
        let mode = (((s + 1) * (n1 + 1)) / (n + 2)) as i64;
        let mode = mode.clamp(lo, hi);
        // next candidates: l going down, r going up
        let (mut l, mut r) = (mode, mode + 1);
        let mut hl = h(l);
        let mut hr = if r <= hi { h(r) } else { -1.0 };
        let mut sum = 0.0;
        taken.clear();
        while l >= lo || r <= hi {
            let down = r > hi || (l >= lo && hl >= hr);
            let v = if down { hl } else { hr };
            // p(v) = 1 − Σ of the taken outcomes above v·(1 + 1e-7)
            let limit = v * (1.0 + 1e-7);
            let mut within = 0.0;
            for w in taken.iter().rev() {
                if *w > limit {
                    break;
                }
                within += w;
            }
            if 1.0 - (sum - within) <= alpha {
                break;
            }
            let x = if down { l } else { r } as usize;
            accepted += e1[x] * e2[s as usize - x];
            sum += v;
            taken.push(v);
            if down {
                l -= 1;
                hl = if l >= lo { h(l) } else { -1.0 };
            } else {
                r += 1;
                hr = if r <= hi { h(r) } else { -1.0 };
            }
        }
    }
    let power = (1.0 - accepted).max(0.0);
    Ok(Some(power.min(1.0)))
}

/// The analysis a test is committed to before its data exist (`results.json` →
/// `offers.ab_test.analysis`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    /// What is measured per customer.
    pub label: String,
    /// The hypothesis test.
    pub test: String,
    /// The interval reported with it.
    pub interval: String,
    /// Two-sided significance level.
    pub alpha: f64,
    /// When to roll out, when not, when to call it inconclusive.
    pub decision_rule: String,
    /// The metric that must not get worse.
    pub guardrail: String,
    /// What happens to eligible customers outside the test.
    pub outside_test: String,
}

impl Analysis {
    /// The plan for a test at level `alpha` whose offers pay for themselves from a drop
    /// of `break_even` in the decline rate.
    pub fn new(alpha: f64, break_even: f64) -> Analysis {
        Analysis {
            label: "«Снизилась» as the study defines it: over the three months after the offer the customer's purchase activity is lower than before (the store's own rule that labelled the data); «Прежний уровень» otherwise".into(),
            test: format!("two-sided Fisher exact test of the decline rates, test arm against control, at α = {alpha}"),
            interval: format!("Newcombe (hybrid score) {:.0} % interval of the difference in decline rates (control − test)", (1.0 - alpha) * 100.0),
            alpha,
            decision_rule: format!("roll out when the test rejects and the observed drop is at least the break-even drop ({:.1} p.p.); do not roll out when the interval's upper end lies below the break-even drop; otherwise inconclusive: extend the test", break_even * 100.0),
            guardrail: "profit per customer over the three months, test arm against control, after the offers' costs (bootstrap 95 % interval): a rollout needs it not significantly negative".into(),
            outside_test: "eligible customers outside the test get no personalised offer until the decision; every test customer is analysed in the arm drawn for them (intention to treat), whether or not they used the offer".into(),
        }
    }

    /// The plan in Russian, one `(item, text)` row each.
    pub fn rows_ru(&self, break_even: f64) -> Vec<(String, String)> {
        vec![
            ("метка".into(), "«Снизилась» — как в данных исследования: за три месяца после предложения покупательская активность покупателя ниже, чем до него (то же правило магазина, которым размечены данные); иначе «Прежний уровень»".into()),
            ("тест".into(), format!("двусторонний точный тест Фишера: доля «Снизилась» в опытной группе против контрольной, α = {}", self.alpha)),
            ("интервал".into(), format!("{:.0} % интервал Ньюкомба (гибридный score) для разности долей снижения (контроль − опыт)", (1.0 - self.alpha) * 100.0)),
            ("решение".into(), format!("внедрять, если тест отвергает равенство долей и наблюдаемое снижение не меньше точки окупаемости ({:.1} п. п.); не внедрять, если верхний конец интервала ниже точки окупаемости; иначе — неопределённо, продлить тест", break_even * 100.0)),
            ("защитная метрика".into(), "прибыль на покупателя за три месяца за вычетом стоимости предложений, опыт против контроля (бутстреп, 95 % интервал): для внедрения она не должна быть значимо ниже".into()),
            ("вне теста".into(), "подходящие покупатели вне теста не получают персональных предложений до решения; каждый участник анализируется в той группе, в которую попал по жребию, — воспользовался он предложением или нет".into()),
        ]
    }
}

/// The customers a test would take, one entry each.
#[derive(Debug, Clone, Copy)]
pub struct Group<'a> {
    /// Predicted probabilities of decline.
    pub p: &'a [f64],
    /// The predicted drops under their offers.
    pub drop: &'a [f64],
    /// The offers' costs.
    pub cost: &'a [f64],
    /// The money at stake per unit of probability: profit × horizon × loss share.
    pub scale: &'a [f64],
    /// What actually happened (the data's label).
    pub declined: &'a [bool],
    /// Customers with a paying offer in the whole base (what pooling could reach).
    pub pool: usize,
}

/// An A/B test plan for one group of customers: those who would get an offer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AbTest {
    /// The group (a segment identifier, `at_risk` or `eligible`).
    pub segment: String,
    /// What is measured.
    pub metric: String,
    /// Decline rate without the offers: the group's mean predicted probability.
    pub p_control: f64,
    /// Decline rate with the offers, as the model's scenario predicts.
    pub p_treatment: f64,
    /// The group's actual decline rate in the data (for comparison with `p_control`).
    pub actual_decline_rate: f64,
    /// The smallest drop of the decline rate at which the group's offers pay for
    /// themselves: Σ cost / Σ (profit × horizon × loss share).
    pub break_even_drop: f64,
    /// Two-sided significance level.
    pub alpha: f64,
    /// Power.
    pub power: f64,
    /// Customers needed per arm for the scenario's drop (normal approximation; `null`
    /// when the scenario predicts no drop).
    pub n_per_arm: Option<u64>,
    /// Fisher's exact power with `n_per_arm` per arm under the scenario.
    pub exact_power: Option<f64>,
    /// Customers needed per arm for the break-even drop (normal approximation; `null`
    /// when even a drop to zero would not pay, or the rate is 0).
    pub n_per_arm_break_even: Option<u64>,
    /// Fisher's exact power with `n_per_arm_break_even` per arm for the break-even drop
    /// (`null` when that test is larger than [`EXACT_POWER_MAX`]).
    pub exact_power_break_even: Option<f64>,
    /// Customers in the group.
    pub segment_size: usize,
    /// Whether the group holds two arms of `n_per_arm_break_even` (the size that matters).
    pub enough: bool,
    /// Whether it holds two arms of `n_per_arm` (the scenario's size).
    pub enough_for_scenario: bool,
    /// Fisher's exact power with the group split in two, for the scenario's drop.
    pub power_at_size: Option<f64>,
    /// … for the break-even drop.
    pub power_at_size_break_even: Option<f64>,
    /// The smallest drop detectable (normal approximation) with the group split in two.
    pub detectable_drop_at_size: Option<f64>,
    /// What to do (Russian).
    pub advice: String,
    /// The analysis, stated before the data exist.
    pub analysis: Analysis,
}

impl AbTest {
    /// «нужно N покупателей в каждую группу для окупаемости, в группе M покупателей — хватает»
    /// (Russian, numerals agreeing).
    pub fn sizes_ru(&self) -> String {
        use crate::labels::CUSTOMER;
        format!(
            "для точки окупаемости нужно {} в каждую группу, в группе {} — {}",
            self.n_per_arm_break_even
                .map_or("—".to_string(), |n| CUSTOMER.count(n)),
            CUSTOMER.count(self.segment_size as u64),
            if self.enough {
                "хватает"
            } else {
                "не хватает"
            }
        )
    }

    /// The plan for a group of customers (see [`Group`]) at level `alpha` and `power`.
    pub fn plan(segment: &str, group: &Group, alpha: f64, power: f64) -> Result<AbTest> {
        let Group {
            p,
            drop,
            cost,
            scale,
            declined,
            pool,
        } = *group;
        let size = p.len();
        let p_control = crate::stats::mean(p);
        let p_treatment = p_control - crate::stats::mean(drop);
        let actual = declined.iter().filter(|d| **d).count() as f64 / size.max(1) as f64;
        let money: f64 = scale.iter().sum();
        let break_even = if money > 0.0 {
            cost.iter().sum::<f64>() / money
        } else {
            f64::INFINITY
        };
        let p_break_even = p_control - break_even;
        let n_per_arm = sample_size_per_arm(p_control, p_treatment, alpha, power).ok();
        let n_break_even = if p_break_even > 0.0 {
            sample_size_per_arm(p_control, p_break_even, alpha, power).ok()
        } else {
            None
        };
        let exact = |n: Option<u64>, q: f64| -> Result<Option<f64>> {
            match n {
                Some(n) if (0.0..=1.0).contains(&q) => {
                    fisher_exact_power(n, n, p_control, q, alpha)
                }
                _ => Ok(None),
            }
        };
        let half = (size / 2) as u64;
        let exact_power = exact(n_per_arm, p_treatment)?;
        let exact_power_break_even = exact(n_break_even, p_break_even)?;
        let power_at_size = exact(Some(half), p_treatment)?;
        let power_at_size_break_even = exact(Some(half), p_break_even.max(0.0))?;
        let enough = n_break_even.is_some_and(|n| 2 * n <= size as u64);
        let enough_for_scenario = n_per_arm.is_some_and(|n| 2 * n <= size as u64);
        let detectable = minimum_detectable_effect(p_control, half, alpha, power);
        let pp = |d: f64| format!("{:.1} п. п.", d * 100.0);
        let customers = |n: u64| crate::labels::CUSTOMER.count(n);
        let advice = match n_break_even {
            None => format!(
                "точка окупаемости ({}) не достижима при доле снижения {:.1} %: предложения в этой группе не окупаются ни при каком эффекте — тест не нужен",
                pp(break_even),
                p_control * 100.0
            ),
            Some(n) if enough => format!(
                "группы хватает и для точки окупаемости: случайно отобрать по {} в опытную и контрольную группы, предложение — только опытной, сравнить долю «Снизилась» через три месяца",
                customers(n)
            ),
            Some(n) if 2 * n <= pool as u64 => format!(
                "для точки окупаемости ({}) нужно по {} в группу, а в группе {}: объединить всех покупателей с окупаемым предложением ({}) и разделить их случайно",
                pp(break_even),
                customers(n),
                customers(size as u64),
                customers(pool as u64)
            ),
            Some(n) => format!(
                "для точки окупаемости ({}) нужно по {} в группу — больше, чем всех покупателей с окупаемым предложением ({}): доля «Снизилась» не подтвердит окупаемость на этой базе ни за один тест (покупателей понадобилось бы в {} больше); при делении группы пополам тест заметит только снижение не меньше {}; проверять стоит механизм предложения (сдвигает ли оно свой признак — это требует много меньше покупателей) и крупный эффект, а окупаемость — накапливая тесты месяц за месяцем",
                pp(break_even),
                customers(n),
                customers(pool as u64),
                crate::labels::TIMES.count((2 * n).div_ceil(pool.max(1) as u64)),
                detectable.map_or("—".to_string(), pp)
            ),
        };
        Ok(AbTest {
            segment: segment.to_string(),
            metric: "share of customers whose activity declined over three months (and profit as the guardrail)".into(),
            p_control,
            p_treatment,
            actual_decline_rate: actual,
            break_even_drop: break_even,
            alpha,
            power,
            n_per_arm,
            exact_power,
            n_per_arm_break_even: n_break_even,
            exact_power_break_even,
            segment_size: size,
            enough,
            enough_for_scenario,
            power_at_size,
            power_at_size_break_even,
            detectable_drop_at_size: detectable,
            advice,
            analysis: Analysis::new(alpha, break_even),
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

    #[test]
    fn fisher_power_is_alpha_or_less_without_effect_and_grows_with_n() {
        // no effect: the exact test is conservative, its size is at most α
        let size = fisher_exact_power(40, 40, 0.3, 0.3, 0.05).unwrap().unwrap();
        assert!(size <= 0.05 && size > 0.01, "{size}");
        let small = fisher_exact_power(50, 50, 0.5, 0.3, 0.05).unwrap().unwrap();
        let large = fisher_exact_power(200, 200, 0.5, 0.3, 0.05)
            .unwrap()
            .unwrap();
        assert!(small < large && large > 0.9, "{small} {large}");
        assert!(
            fisher_exact_power(7000, 7000, 0.5, 0.4, 0.05)
                .unwrap()
                .is_none()
        );
        assert!(fisher_exact_power(10, 10, 1.5, 0.4, 0.05).is_err());
    }
}
