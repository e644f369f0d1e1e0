//! Small numerical helpers shared by the study: the normal and bivariate normal
//! distributions, the incomplete gamma function and the χ² tail, quantiles, ranks,
//! correlation and a Cholesky factorisation.

/// The logistic link, P = 1 / (1 + e^(−x)): the one place every probability of the
/// crate's models and recalibrations is made from log-odds. Evaluated without overflow
/// (e^x / (1 + e^x) for negative x).
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// Standard normal cumulative distribution function Φ(x).
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Complementary error function (musl's implementation, via the `libm` crate).
pub fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

/// Inverse of Φ: the standard normal quantile of `p` in (0, 1).
///
/// Acklam's rational approximation refined by one Halley step (relative error ≈ 1e-15).
/// Returns ±∞ at 0 and 1 and NaN outside [0, 1].
pub fn norm_ppf(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || p.is_nan() {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    const P_LOW: f64 = 0.02425;
    let x = if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // one Halley step
    let e = norm_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Linear-interpolation quantile of sorted data (numpy's default, "linear").
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Average ranks (1-based; ties share the mean of their ranks).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; values.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && values[idx[j + 1]] == values[idx[i]] {
            j += 1;
        }
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            out[k] = r;
        }
        i = j + 1;
    }
    out
}

/// Pearson correlation; 0 when either side is constant.
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len()) as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        sxy / (sxx * syy).sqrt()
    }
}

/// Lower-triangular Cholesky factor `L` (row-major, `n × n`) of a symmetric positive
/// definite matrix; `None` if the matrix is not positive definite.
pub fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    if a.len() != n * n {
        return None;
    }
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

// ---------------------------------------------------------------------------------------
// Bivariate normal

/// Gauss–Legendre nodes in (−1, 0) and their weights for an `n`-point rule (n even).
fn gauss_legendre_half(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n / 2);
    for i in 1..=n / 2 {
        // Newton's method on P_n from the Chebyshev guess
        let mut x = (std::f64::consts::PI * (i as f64 - 0.25) / (n as f64 + 0.5)).cos();
        let mut dp = 0.0;
        for _ in 0..100 {
            let (mut p0, mut p1) = (1.0, x);
            for k in 2..=n {
                let p2 = ((2 * k - 1) as f64 * x * p1 - (k - 1) as f64 * p0) / k as f64;
                p0 = p1;
                p1 = p2;
            }
            dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
            let dx = p1 / dp;
            x -= dx;
            if dx.abs() < 1e-16 {
                break;
            }
        }
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        out.push((-x, w));
    }
    out
}

struct Quadrature {
    rules: [Vec<(f64, f64)>; 3],
}

impl Quadrature {
    fn get() -> &'static Quadrature {
        static Q: std::sync::OnceLock<Quadrature> = std::sync::OnceLock::new();
        Q.get_or_init(|| Quadrature {
            rules: [
                gauss_legendre_half(6),
                gauss_legendre_half(12),
                gauss_legendre_half(20),
            ],
        })
    }
}

/// Upper bivariate normal probability P(X > h, Y > k) for standard margins and
/// correlation `r` (A. Genz's method after Drezner and Wesolowsky; error ≈ 1e-15).
pub fn bvn_upper(h: f64, k: f64, r: f64) -> f64 {
    use std::f64::consts::PI;
    let q = Quadrature::get();
    let rule = if r.abs() < 0.3 {
        &q.rules[0]
    } else if r.abs() < 0.75 {
        &q.rules[1]
    } else {
        &q.rules[2]
    };
    let mut k = k;
    let mut hk = h * k;
    let mut bvn = 0.0;
    if r.abs() < 0.925 {
        let hs = (h * h + k * k) / 2.0;
        let asr = r.asin();
        for &(x, w) in rule {
            for sign in [-1.0, 1.0] {
                let sn = (asr * (1.0 + sign * x) / 2.0).sin();
                bvn += w * ((sn * hk - hs) / (1.0 - sn * sn)).exp();
            }
        }
        return (bvn * asr / (4.0 * PI) + norm_cdf(-h) * norm_cdf(-k)).clamp(0.0, 1.0);
    }
    if r < 0.0 {
        k = -k;
        hk = -hk;
    }
    if r.abs() < 1.0 {
        let a2 = (1.0 - r) * (1.0 + r);
        let mut a = a2.sqrt();
        let bs = (h - k) * (h - k);
        let c = (4.0 - hk) / 8.0;
        let d = (12.0 - hk) / 16.0;
        let asr = -(bs / a2 + hk) / 2.0;
        if asr > -100.0 {
            bvn = a
                * asr.exp()
                * (1.0 - c * (bs - a2) * (1.0 - d * bs / 5.0) / 3.0 + c * d * a2 * a2 / 5.0);
        }
        if -hk < 100.0 {
            let b = bs.sqrt();
            bvn -= (-hk / 2.0).exp()
                * (2.0 * PI).sqrt()
                * norm_cdf(-b / a)
                * b
                * (1.0 - c * bs * (1.0 - d * bs / 5.0) / 3.0);
        }
        a /= 2.0;
        for &(x, w) in rule {
            for sign in [-1.0, 1.0] {
                let xs = (a * (sign * x + 1.0)).powi(2);
                let rs = (1.0 - xs).sqrt();
                let asr = -(bs / xs + hk) / 2.0;
                if asr > -100.0 {
                    bvn += a
                        * w
                        * asr.exp()
                        * ((-hk * (1.0 - rs) / (2.0 * (1.0 + rs))).exp() / rs
                            - (1.0 + c * xs * (1.0 + d * xs)));
                }
            }
        }
        bvn = -bvn / (2.0 * PI);
    }
    if r > 0.0 {
        bvn += norm_cdf(-h.max(k));
    } else {
        bvn = -bvn;
        if k > h {
            bvn += norm_cdf(k) - norm_cdf(h);
        }
    }
    bvn.clamp(0.0, 1.0)
}

/// Bivariate normal CDF P(X ≤ x, Y ≤ y) with standard margins and correlation `r`.
pub fn bvn_cdf(x: f64, y: f64, r: f64) -> f64 {
    bvn_upper(-x, -y, r)
}

// ---------------------------------------------------------------------------------------
// Incomplete gamma and the χ² tail

/// Regularised upper incomplete gamma Q(a, x).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 {
        // series for P
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut ap = a;
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - ln_gamma(a)).exp()
    } else {
        // Lentz's continued fraction for Q
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x + a * x.ln() - ln_gamma(a)).exp() * h
    }
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ≈ 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// ln C(n, k), the log of the binomial coefficient (0 ≤ k ≤ n).
pub fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// P(X = k) for X ~ Binomial(n, q); 0 for k > n.
pub fn binomial_pmf(k: u64, n: u64, q: f64) -> f64 {
    if k > n {
        return 0.0;
    }
    if q <= 0.0 {
        return if k == 0 { 1.0 } else { 0.0 };
    }
    if q >= 1.0 {
        return if k == n { 1.0 } else { 0.0 };
    }
    (ln_choose(n, k) + k as f64 * q.ln() + (n - k) as f64 * (1.0 - q).ln()).exp()
}

/// Wilson score interval of `k` successes in `n` trials at confidence `1 − alpha`
/// (two-sided): the proportions whose score test does not reject.
pub fn wilson(k: u64, n: u64, alpha: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = norm_ppf(1.0 - alpha / 2.0);
    let (n, p) = (n as f64, k as f64 / n as f64);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// χ² survival function.
pub fn chi2_sf(x: f64, dof: f64) -> f64 {
    gamma_q(dof / 2.0, x / 2.0)
}

/// Arithmetic mean; 0 for no values.
pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Mean and **population** standard deviation (denominator n), the one the crate uses
/// wherever it standardises or summarises scores: numpy's default, scikit-learn's
/// `StandardScaler` and `std_test_score`. [`sample_std`] is the n − 1 version.
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let m = mean(v);
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len().max(1) as f64;
    (m, var.sqrt())
}

/// **Sample** standard deviation (denominator n − 1; 0 for fewer than two values), as
/// pandas' `describe()` reports it; `mean` is the values' mean.
pub fn sample_std(v: &[f64], mean: f64) -> f64 {
    let var =
        v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (v.len() as f64 - 1.0).max(1.0);
    var.sqrt()
}

/// The median (the mean of the two middle values for an even count); NaN for no values.
pub fn median(v: &[f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut v = v.to_vec();
    let (lower, upper, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *upper;
    if n % 2 == 1 {
        upper
    } else {
        let below = lower.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (below + upper) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_and_quantile_known_values() {
        // Values from scipy.stats.norm.cdf / norm.ppf (scipy 1.16).
        assert!((norm_cdf(0.0) - 0.5).abs() < 1e-15);
        assert!((norm_cdf(1.959963984540054) - 0.975).abs() < 1e-14);
        assert!((norm_cdf(-3.0) - 0.0013498980316300946).abs() < 1e-16);
        assert!((norm_ppf(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!((norm_ppf(0.001) - -3.090232306167813).abs() < 1e-11);
        assert!((norm_ppf(0.5)).abs() < 1e-15);
        for p in [1e-10, 0.01, 0.3, 0.7, 0.99, 1.0 - 1e-10] {
            assert!(
                (norm_cdf(norm_ppf(p)) - p).abs() < 1e-13 * p.max(1e-3),
                "p = {p}"
            );
        }
        assert!(norm_ppf(1.5).is_nan());
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
    }

    #[test]
    fn quantiles_match_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile_sorted(&v, 0.5), 2.5);
        assert_eq!(quantile_sorted(&v, 0.25), 1.75);
        assert_eq!(quantile_sorted(&v, 1.0), 4.0);
    }

    #[test]
    fn cholesky_reconstructs() {
        let a = [4.0, 2.0, 0.4, 2.0, 2.0, 0.5, 0.4, 0.5, 3.0];
        let l = cholesky(&a, 3).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((s - a[i * 3 + j]).abs() < 1e-12);
            }
        }
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]) - 0.9933992677987828).abs() < 1e-12);
    }

    #[test]
    fn bivariate_normal_matches_scipy() {
        // scipy.stats.multivariate_normal([0, 0], [[1, r], [r, 1]]).cdf([x, y]), scipy 1.17
        let cases = [
            (0.0, 0.0, 0.5, 0.33333333333333337),
            (1.0, -0.5, 0.3, 0.28313842024448094),
            (-1.2, 0.7, -0.6, 0.041014421748693214),
            (2.0, 1.5, 0.9, 0.9307272535126401),
            (-0.3, 0.4, 0.95, 0.3814901660178737),
            (0.5, 0.5, -0.99, 0.3829249225480322),
            (-4.5, 3.0, 0.8, 3.3976731247387093e-06),
            (1.0, 1.0, 0.0, 0.707860981737141),
        ];
        for (x, y, r, want) in cases {
            let got = bvn_cdf(x, y, r);
            assert!(
                (got - want).abs() < 1e-12,
                "({x}, {y}, {r}): {got} vs {want}"
            );
        }
    }
}
