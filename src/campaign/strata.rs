//! The campaign's strata (thin ones pooled), the balance of its arms and the months of
//! flow its test needs.

use std::collections::BTreeMap;

use super::Balance;
use crate::error::Result;
use crate::score::Scores;

/// The smallest stratum that `share` always splits into both arms: ⌊n·share⌋ ≥ 1 test
/// customer and n − ⌈n·share⌉ ≥ 1 control customer (2 at share ½).
pub fn min_stratum(share: f64) -> usize {
    (2..)
        .find(|n| {
            let t = *n as f64 * share;
            t.floor() >= 1.0 && *n as f64 - t.ceil() >= 1.0
        })
        .unwrap_or(usize::MAX)
}

/// Pools strata smaller than `min` (see the module's documentation). Keys are
/// `lever/consent/band`; a pool is `lever/merged`, the levers too small for a stratum of
/// their own `small_levers/merged`.
pub(super) fn merge_thin(
    members: BTreeMap<String, Vec<usize>>,
    min: usize,
) -> BTreeMap<String, Vec<usize>> {
    let mut by_lever: BTreeMap<String, Vec<(String, Vec<usize>)>> = BTreeMap::new();
    for (k, rows) in members {
        let lever = k.split('/').next().unwrap_or_default().to_string();
        by_lever.entry(lever).or_default().push((k, rows));
    }
    let mut out = BTreeMap::new();
    let mut leftovers: Vec<usize> = Vec::new();
    for (lever, strata) in by_lever {
        let (mut full, thin): (Vec<_>, Vec<_>) =
            strata.into_iter().partition(|(_, r)| r.len() >= min);
        let mut pool: Vec<usize> = thin.into_iter().flat_map(|(_, r)| r).collect();
        if !pool.is_empty()
            && pool.len() < min
            && let Some(k) = (0..full.len()).min_by_key(|k| (full[*k].1.len(), full[*k].0.clone()))
        {
            pool.extend(full.remove(k).1);
        }
        pool.sort_unstable();
        if pool.len() >= min {
            out.insert(format!("{lever}/merged"), pool);
        } else {
            leftovers.extend(pool);
        }
        out.extend(full);
    }
    if !leftovers.is_empty() {
        leftovers.sort_unstable();
        let smallest = out
            .iter()
            .min_by_key(|(k, r)| (r.len(), (*k).clone()))
            .map(|(k, _)| k.clone());
        match smallest {
            Some(k) if leftovers.len() < min => {
                let mut rows = out.remove(&k).unwrap_or_default();
                rows.extend(leftovers);
                rows.sort_unstable();
                out.insert(format!("{k}+small_levers"), rows);
            }
            _ => {
                out.insert("small_levers/merged".into(), leftovers);
            }
        }
    }
    out
}

/// A balance covariate over the eligible customers: feature, level, values.
pub(super) type Covariate = (String, Option<String>, Vec<f64>);

/// Every model feature (each level of a category as a 0/1 indicator) and the
/// probability, over the `eligible` rows (in that order).
pub(super) fn covariates(
    features: &polars::prelude::DataFrame,
    scores: &Scores,
    eligible: &[usize],
) -> Result<Vec<Covariate>> {
    let mut out = Vec::new();
    for c in features.columns() {
        let name = c.name().to_string();
        if matches!(c.dtype(), polars::prelude::DataType::String) {
            let v = crate::frame::str_values(features, &name)?;
            let mut levels: Vec<&String> = eligible.iter().map(|i| &v[*i]).collect();
            levels.sort();
            levels.dedup();
            for level in levels {
                let x = eligible
                    .iter()
                    .map(|i| f64::from(u8::from(v[*i] == *level)))
                    .collect();
                out.push((name.clone(), Some(level.clone()), x));
            }
        } else {
            let v = crate::frame::f64_values(features, &name)?;
            out.push((name, None, eligible.iter().map(|i| v[*i]).collect()));
        }
    }
    out.push((
        "probability".into(),
        None,
        eligible
            .iter()
            .map(|i| scores.rows[*i].probability)
            .collect(),
    ));
    Ok(out)
}

/// SMD of every covariate between the arms (`test[k]`: eligible customer k is in the
/// test arm).
pub(super) fn balance(covariates: &[Covariate], test: &[bool]) -> Vec<Balance> {
    covariates
        .iter()
        .map(|(feature, level, x)| {
            // (n, sum, sum of squares) per arm, then sample variances
            let mut acc = [[0.0f64; 3]; 2];
            for (v, t) in x.iter().zip(test) {
                let a = &mut acc[usize::from(!*t)];
                a[0] += 1.0;
                a[1] += v;
                a[2] += v * v;
            }
            let stats = |a: [f64; 3]| {
                let m = a[1] / a[0].max(1.0);
                let var = if a[0] > 1.0 {
                    ((a[2] - a[0] * m * m) / (a[0] - 1.0)).max(0.0)
                } else {
                    0.0
                };
                (m, var)
            };
            let ((mt, vt), (mc, vc)) = (stats(acc[0]), stats(acc[1]));
            let sd = ((vt + vc) / 2.0).sqrt();
            let smd = if sd > 0.0 {
                (mt - mc) / sd
            } else if (mt - mc).abs() < 1e-12 {
                0.0
            } else {
                f64::INFINITY * (mt - mc).signum()
            };
            Balance {
                feature: feature.clone(),
                level: level.clone(),
                test: mt,
                control: mc,
                smd,
            }
        })
        .collect()
}

/// Months of a flow of `eligible` customers a month, `share` of them in the test arm, a
/// two-sided two-proportion test at `alpha` needs for `power` against a drop `drop` of
/// the decline rate from `p0` (normal approximation, unadjusted: the adjusted analysis
/// needs no more). `None` for no drop.
///
/// ```
/// // 40 % → 30 %, equal arms: the textbook 356 per arm, 712 in all — 7.1 months of 100
/// let m = oneclick::campaign::months_for_power(100, 0.5, 0.4, 0.1, 0.05, 0.8).unwrap();
/// assert!((m - 7.119).abs() < 0.01, "{m}");
/// ```
pub fn months_for_power(
    eligible: usize,
    share: f64,
    p0: f64,
    drop: f64,
    alpha: f64,
    power: f64,
) -> Option<f64> {
    let p1 = (p0 - drop).clamp(0.0, 1.0);
    let d = p0 - p1;
    if d.is_nan() || d <= 0.0 || eligible == 0 {
        return None;
    }
    let (s, t) = (share, 1.0 - share);
    let pbar = s * p1 + t * p0;
    let za = crate::stats::norm_ppf(1.0 - alpha / 2.0);
    let zb = crate::stats::norm_ppf(power);
    let a = za * (pbar * (1.0 - pbar) * (1.0 / s + 1.0 / t)).sqrt();
    let b = zb * (p1 * (1.0 - p1) / s + p0 * (1.0 - p0) / t).sqrt();
    let total = (a + b).powi(2) / (d * d);
    Some(total / eligible as f64)
}

/// A stratum code (`promo/no_consent/at_risk`, `cart/merged`) as a reader reads it:
/// «Зависимость от акций / без согласия / под риском».
pub(super) fn stratum_ru(code: &str) -> String {
    code.split('/')
        .enumerate()
        .map(|(i, part)| match (i, part) {
            (0, "small_levers") => "мелкие рычаги".into(),
            (0, lever) => {
                crate::offers::lever(lever).map_or(lever.to_string(), |l| l.title.to_string())
            }
            (_, "consent") => "согласие".into(),
            (_, "no_consent") => "без согласия".into(),
            (_, "at_risk") => "под риском".into(),
            (_, "below_risk") => "ниже порога риска".into(),
            (_, "merged") => "объединённая".into(),
            (_, other) => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" / ")
}
