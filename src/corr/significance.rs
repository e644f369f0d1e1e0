//! Significance of an association: G's χ² p-value as a Z-score (nominal or effective dof).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};

use super::phik::{g_statistic, occupied};
use crate::stats::{chi2_sf, norm_ppf};

/// How the significance of an association is computed. In JSON:
/// `{"method": "asymptotic"}` or `{"method": "hybrid", "simulations": 1000, "seed": 42}`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Significance {
    /// χ² distribution with the nominal (r−1)(c−1) degrees of freedom.
    Asymptotic,
    /// χ² distribution with effective degrees of freedom: the mean G of `simulations`
    /// tables drawn (multinomially) under independence, seeded.
    Hybrid {
        /// Simulated tables per pair (the reference default is 1000).
        simulations: usize,
        /// Seed; each pair draws from its own stream.
        seed: u64,
    },
}

/// One-sided Z-score of a statistic under a χ²(dof) null.
pub fn z_from_chi2(stat: f64, dof: f64) -> f64 {
    if dof <= 0.0 {
        return f64::NAN;
    }
    let p = chi2_sf(stat, dof);
    if p > 0.0 {
        -norm_ppf(p)
    } else {
        // Chernoff bound, as the reference library does when p underflows
        let z = stat / dof;
        let u = -(2.0 * std::f64::consts::PI).ln() - dof * z.ln() + dof * (z - 1.0);
        (u - u.ln()).sqrt()
    }
}

/// Significance (Z) of the association in a table.
pub fn significance_from_table(
    counts: &[f64],
    rows: usize,
    cols: usize,
    method: Significance,
    stream: u64,
) -> f64 {
    let (t, r, c) = occupied(counts, rows, cols);
    if r < 2 || c < 2 {
        return f64::NAN;
    }
    let g = g_statistic(&t, r, c);
    let dof = match method {
        Significance::Asymptotic => ((r - 1) * (c - 1)) as f64,
        Significance::Hybrid { simulations, seed } => {
            effective_dof(&t, r, c, simulations.max(1), seed, stream)
        }
    };
    z_from_chi2(g, dof)
}

/// Mean G of tables drawn multinomially from the independence expectations.
fn effective_dof(t: &[f64], r: usize, c: usize, simulations: usize, seed: u64, stream: u64) -> f64 {
    let n: f64 = t.iter().sum();
    let row: Vec<f64> = (0..r).map(|i| t[i * c..(i + 1) * c].iter().sum()).collect();
    let col: Vec<f64> = (0..c).map(|j| (0..r).map(|i| t[i * c + j]).sum()).collect();
    let probs: Vec<f64> = (0..r * c)
        .map(|k| row[k / c] * col[k % c] / (n * n))
        .collect();
    let total = n.round() as u64;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let mut sum = 0.0;
    let mut sim = vec![0.0; r * c];
    for _ in 0..simulations {
        let mut left = total;
        let mut mass = 1.0;
        for (k, p) in probs.iter().enumerate() {
            let draw = if left == 0 || mass <= 0.0 {
                0
            } else if k + 1 == probs.len() {
                left
            } else {
                let q = (p / mass).clamp(0.0, 1.0);
                Binomial::new(left, q).map_or(0, |b| b.sample(&mut rng))
            };
            sim[k] = draw as f64;
            left -= draw;
            mass -= p;
        }
        let (st, sr, sc) = occupied(&sim, r, c);
        sum += g_statistic(&st, sr, sc);
    }
    sum / simulations as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_tail_and_z_match_scipy() {
        // scipy.stats.chi2.sf(g, dof), scipy.stats.norm.isf(p), scipy 1.17
        let cases = [
            (10.0, 3.0, 0.01856613546304325, 2.0843067810989724),
            (0.5, 1.0, 0.47950012218695337, 0.05140820801410464),
            (150.0, 80.0, 3.5711707331331343e-06, 4.489401946566183),
            (62.3, 61.7, 0.4546783776200428, 0.11384993279936816),
            (3.0, 2.5, 0.30584962944581906, 0.5076493729861554),
            (400.0, 9.0, 1.3699125019662825e-80, 18.97510137193914),
        ];
        for (g, dof, p, z) in cases {
            let got = chi2_sf(g, dof);
            assert!(
                (got - p).abs() <= 1e-12 * p.max(1e-300).max(1e-3) + p * 1e-10,
                "sf({g}, {dof}) = {got} vs {p}"
            );
            assert!((z_from_chi2(g, dof) - z).abs() < 1e-8, "z({g}, {dof})");
        }
    }
}
