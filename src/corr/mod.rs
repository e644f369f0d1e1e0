//! Correlation: φK (phik) with significance, Spearman and Pearson matrices, VIF.
//!
//! φK (Baak, Koopman, Snoek, Klous 2018, arXiv:1811.11440) measures the association of
//! any two variables — categorical, ordinal or interval — on a 0..1 scale that equals
//! |ρ| for a bivariate normal. The API is layered like the reference library:
//!
//! 1. [`phik_from_table`] — the kernel, on an r×c contingency table;
//! 2. [`phik_from_codes`] — on two arrays of category codes (interval variables binned
//!    first with [`bin_uniform`]);
//! 3. [`Association, PhikMatrix::compute`] — on a frame, every pair, with the significance matrix.
//!
//! The kernel: the observed Pearson χ² (Yates-corrected for 2×2 tables, as
//! `scipy.stats.chi2_contingency` does) is compared with the χ² that a bivariate normal
//! with correlation ρ would give on an r×c grid of equal cells over [-5, 5]², scaled so
//! that ρ = 0 gives the noise pedestal (r−1)(c−1) and ρ = 1 the maximum n·(min(r,c)−1);
//! φK is the ρ at which they meet. Only occupied rows and columns count.
//!
//! Significance: the log-likelihood statistic G of the table gives a p-value from the χ²
//! distribution — with the nominal degrees of freedom ([`Significance::Asymptotic`]) or
//! with effective ones, the mean G of tables simulated under independence
//! ([`Significance::Hybrid`], the reference library's default) — reported as a one-sided
//! Z-score.
//!
//! Files: `phik` (layers 1 and 2: the kernel, binning, codes), `significance`,
//! `matrix` (layer 3, [`Association, PhikMatrix`]) and `linear` (Spearman/Pearson matrices, VIF). The
//! special functions ([`bvn_cdf`], [`chi2_sf`], …) live in [`crate::stats`] and are
//! re-exported here.

mod linear;
mod matrix;
mod phik;
mod significance;

pub use crate::stats::{bvn_cdf, bvn_upper, chi2_sf, gamma_q, ln_gamma};
pub use linear::{Method, correlation_matrix, numeric_columns, vif};
pub use matrix::{Association, PhikMatrix, PhikOptions};
pub use phik::{
    bin_uniform, codes_of, g_statistic, pearson_chi2, phik_from_codes, phik_from_table,
};
pub use significance::{Significance, significance_from_table, z_from_chi2};
