//! Support-vector classification: the parameters ([`Svc`]), the fitted model
//! ([`FittedSvc`]), Platt-scaled probabilities, and a warm-started path of C values for
//! the search. The solver and the decision function live in their own files.

mod decision;

pub use decision::Move;
mod solver;

use linfa::composing::platt_scaling::{Platt, platt_newton_method};
use linfa::prelude::*;
use ndarray::{Array1, Array2, ArrayView2, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{Classifier, Fit, check_fit_input, check_width};
use crate::error::{Error, Result};

/// The kernel of an [`Svc`], with scikit-learn's definitions and `gamma = "scale"`
/// (1 / (features × variance of all training values)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernel {
    /// exp(−γ‖x − x′‖²).
    Rbf,
    /// ⟨x, x′⟩.
    Linear,
    /// (γ⟨x, x′⟩)³ (degree 3, coef0 0).
    Poly,
}

impl Kernel {
    /// All three.
    pub const ALL: [Kernel; 3] = [Kernel::Rbf, Kernel::Linear, Kernel::Poly];

    /// `rbf`, `linear`, `poly`.
    pub fn id(self) -> &'static str {
        match self {
            Kernel::Rbf => "rbf",
            Kernel::Linear => "linear",
            Kernel::Poly => "poly",
        }
    }
}

/// C-support-vector classification (scikit-learn's `SVC(kernel, C)`), solved by our own
/// implementation of libsvm's SMO algorithm (which scikit-learn wraps): second-order
/// working-set selection, shrinking, stopping tolerance 1e-3, kernel rows computed once
/// when first needed. The decision function is Σ αᵢyᵢK(xᵢ, x) − ρ. With `probability`
/// on, fitting also fits Platt's sigmoid P = 1 / (1 + exp(A·f + B)) on out-of-fold
/// decision values of a stratified 5-fold split of the training rows (seeded), as libsvm
/// does; without it only `decision_function` (all ROC-AUC needs) is available.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Svc {
    /// Kernel.
    pub kernel: Kernel,
    /// Cost of margin violations (> 0).
    #[serde(rename = "C")]
    pub c: f64,
    /// Kernel coefficient γ (`rbf`, `poly`; > 0); `None` (the default) is
    /// scikit-learn's `"scale"`, 1 / (features × variance of all training values).
    #[serde(default)]
    pub gamma: Option<f64>,
    /// Stopping tolerance of the solver (maximal KKT violation; scikit-learn's `tol`).
    /// Default 1e-3.
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// Fit Platt scaling too. Default off.
    pub probability: bool,
    /// Seed of the internal folds for Platt scaling. Default 0.
    pub seed: u64,
}

fn default_tol() -> f64 {
    1e-3
}

/// What the solver found: γ, support vectors, their coefficients, ρ, Platt's (A, B).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SvcState {
    gamma: f64,
    /// Support vectors (in the kernel's input space: scaled by √γ for `poly`).
    support: Array2<f64>,
    /// αᵢyᵢ of each support vector.
    dual_coef: Array1<f64>,
    rho: f64,
    platt: Option<(f64, f64)>,
}

/// A fitted [`Svc`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedSvc {
    /// The parameters it was fitted with.
    #[serde(flatten)]
    pub params: Svc,
    fitted: SvcState,
}

impl Svc {
    /// A model without probabilities.
    pub fn new(kernel: Kernel, c: f64) -> Self {
        Svc {
            kernel,
            c,
            gamma: None,
            tol: default_tol(),
            probability: false,
            seed: 0,
        }
    }

    /// The same model with a fixed γ instead of `"scale"`.
    pub fn with_gamma(mut self, gamma: f64) -> Self {
        self.gamma = Some(gamma);
        self
    }

    /// The same model with solver tolerance `tol`.
    pub fn with_tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// The same model with Platt-scaled probabilities (internal folds seeded with `seed`).
    pub fn with_probability(mut self, seed: u64) -> Self {
        self.probability = true;
        self.seed = seed;
        self
    }

    /// The solver's part: γ, support vectors, dual coefficients and ρ.
    fn solve(&self, x: ArrayView2<f64>, y: &[u8]) -> SvcState {
        solver::solve_path(self.kernel, self.gamma, &[self.c], self.tol, x, y)
            .pop()
            .expect("one C, one solution")
    }

    /// Fits one model per value of `cs` (sorted ascending, each > 0) on the same rows,
    /// sharing the kernel rows and starting each solve from the previous solution scaled
    /// by C′/C (feasible, and close on a regularisation path). Every solution meets the
    /// same stopping rule as a cold start, so it differs from one only within the solver
    /// tolerance. Without probabilities.
    pub fn fit_path(
        kernel: Kernel,
        gamma: Option<f64>,
        cs: &[f64],
        x: ArrayView2<f64>,
        y: &[u8],
    ) -> Result<Vec<FittedSvc>> {
        check_fit_input(x, y)?;
        for c in cs {
            Svc {
                gamma,
                ..Svc::new(kernel, *c)
            }
            .check()?;
        }
        if cs.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::parameter(
                "svc.C (path)",
                format!("{cs:?}"),
                "ascending values",
            ));
        }
        Ok(solver::solve_path(kernel, gamma, cs, default_tol(), x, y)
            .into_iter()
            .zip(cs)
            .map(|(f, c)| FittedSvc {
                params: Svc {
                    gamma,
                    ..Svc::new(kernel, *c)
                },
                fitted: f,
            })
            .collect())
    }

    /// Decision values on `x_valid` of every model of `group` (SVCs of one kernel and γ,
    /// without probabilities), fitted on (`x`, `y`) along one warm-started C path; in the
    /// order given.
    pub(super) fn path_decisions(
        group: &[&Svc],
        x: ArrayView2<f64>,
        y: &[u8],
        x_valid: ArrayView2<f64>,
    ) -> Vec<Result<Array1<f64>>> {
        let Some(first) = group.first() else {
            return Vec::new();
        };
        let mut order: Vec<usize> = (0..group.len()).collect();
        order.sort_by(|a, b| group[*a].c.total_cmp(&group[*b].c));
        let cs: Vec<f64> = order.iter().map(|i| group[*i].c).collect();
        match Svc::fit_path(first.kernel, first.gamma, &cs, x, y) {
            Ok(models) => {
                let mut out: Vec<Option<Result<Array1<f64>>>> =
                    (0..group.len()).map(|_| None).collect();
                for (i, m) in order.into_iter().zip(models) {
                    out[i] = Some(m.decision_function(x_valid));
                }
                out.into_iter()
                    .map(|r| r.expect("every member solved"))
                    .collect()
            }
            Err(e) => group
                .iter()
                .map(|_| Err(Error::fit(crate::model::Family::Svc.id(), e.to_string())))
                .collect(),
        }
    }
}

impl Fit for Svc {
    type Fitted = FittedSvc;

    fn check(&self) -> Result<()> {
        let positive = |v: f64| v > 0.0 && v.is_finite();
        if !positive(self.c) {
            return Err(Error::parameter("svc.C", self.c, "a positive number"));
        }
        if !positive(self.tol) {
            return Err(Error::parameter("svc.tol", self.tol, "a positive number"));
        }
        if let Some(g) = self.gamma.filter(|g| !positive(*g)) {
            return Err(Error::parameter("svc.gamma", g, "a positive number"));
        }
        Ok(())
    }

    fn fit(&self, x: ArrayView2<f64>, y: &[u8]) -> Result<FittedSvc> {
        self.check()?;
        check_fit_input(x, y)?;
        if !self.probability {
            return Ok(FittedSvc {
                params: self.clone(),
                fitted: self.solve(x, y),
            });
        }
        // The model and Platt's five internal folds are independent fits: all six in
        // parallel (each the same solve as alone).
        let folds = crate::split::stratified_kfold(y, 5, self.seed)?;
        let (mut fitted, parts) = rayon::join(
            || self.solve(x, y),
            || {
                folds
                    .par_iter()
                    .map(|(train, valid)| {
                        let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
                        let f = self.solve(x.select(Axis(0), train).view(), &yt);
                        decision::decision(self.kernel, &f, x.select(Axis(0), valid).view())
                    })
                    .collect::<Vec<_>>()
            },
        );
        let mut oof = Array1::zeros(y.len());
        for ((_, valid), d) in folds.iter().zip(parts) {
            for (i, v) in valid.iter().zip(d) {
                oof[*i] = v;
            }
        }
        let labels: Array1<bool> = y.iter().map(|v| *v == 1).collect();
        let platt_fit = Platt::<f64, ()>::params()
            .check()
            .map_err(|e| e.to_string())
            .and_then(|params| {
                platt_newton_method(oof.view(), labels.view(), &params).map_err(|e| e.to_string())
            })
            .map_err(|e| Error::fit("svc (Platt scaling)", e))?;
        fitted.platt = Some(platt_fit);
        Ok(FittedSvc {
            params: self.clone(),
            fitted,
        })
    }
}

impl FittedSvc {
    /// Number of support vectors.
    pub fn support_vectors(&self) -> usize {
        self.fitted.support.nrows()
    }

    /// γ used by the model.
    pub fn gamma(&self) -> f64 {
        self.fitted.gamma
    }

    /// Checks a model read from a file: support vectors of `width` columns, one dual
    /// coefficient each, finite values and a positive γ.
    pub(crate) fn check_fitted(&self, width: usize) -> Result<()> {
        let f = &self.fitted;
        let finite = f
            .support
            .iter()
            .chain(f.dual_coef.iter())
            .all(|v| v.is_finite())
            && f.rho.is_finite()
            && f.platt.is_none_or(|(a, b)| a.is_finite() && b.is_finite());
        if f.support.ncols() != width
            || f.dual_coef.len() != f.support.nrows()
            || !(f.gamma > 0.0 && f.gamma.is_finite())
            || !finite
        {
            return Err(Error::shape(
                crate::model::Family::Svc.id(),
                format!("{width} columns, one coefficient per vector, finite values, γ > 0"),
                format!(
                    "{}×{} support vectors with {} coefficients, γ = {}",
                    f.support.nrows(),
                    f.support.ncols(),
                    f.dual_coef.len(),
                    f.gamma
                ),
            ));
        }
        Ok(())
    }

    /// Decision values of every row as it is (column 0) and after each move (column
    /// 1 + v). For an RBF kernel the squared distances are shared between the moves (only
    /// the moved columns' terms are recomputed); other kernels score each moved copy.
    pub fn decision_moves(&self, x: ArrayView2<f64>, moves: &[Move]) -> Result<Array2<f64>> {
        check_width(
            crate::model::Family::Svc.id(),
            self.fitted.support.ncols(),
            x,
        )?;
        if self.params.kernel == Kernel::Rbf {
            return Ok(decision::rbf_decision_moves(&self.fitted, x, moves));
        }
        let mut out = Array2::zeros((x.nrows(), 1 + moves.len()));
        out.column_mut(0)
            .assign(&decision::decision(self.params.kernel, &self.fitted, x));
        for (v, m) in moves.iter().enumerate() {
            out.column_mut(1 + v).assign(&decision::decision(
                self.params.kernel,
                &self.fitted,
                m.apply(x).view(),
            ));
        }
        Ok(out)
    }

    /// [`decision_moves`](Self::decision_moves) through Platt's sigmoid.
    pub fn predict_proba_moves(&self, x: ArrayView2<f64>, moves: &[Move]) -> Result<Array2<f64>> {
        let (a, b) = self.fitted.platt.ok_or_else(|| Error::Unsupported {
            model: crate::model::Family::Svc.id().into(),
            reason: "fitted without probability; use Svc::with_probability for predict_proba"
                .into(),
        })?;
        Ok(self.decision_moves(x, moves)?.mapv(|d| platt(a, b, d)))
    }

    /// γ, support vectors, αᵢyᵢ, ρ and Platt's (A, B) of an RBF model.
    pub(crate) fn rbf_parts(&self) -> Option<RbfParts<'_>> {
        let f = &self.fitted;
        (self.params.kernel == Kernel::Rbf).then_some(RbfParts {
            gamma: f.gamma,
            support: &f.support,
            dual_coef: &f.dual_coef,
            rho: f.rho,
            platt: f.platt,
        })
    }
}

impl Classifier for FittedSvc {
    fn family(&self) -> crate::model::Family {
        crate::model::Family::Svc
    }

    fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        self.params.params()
    }

    fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        let (a, b) = self.fitted.platt.ok_or_else(|| Error::Unsupported {
            model: crate::model::Family::Svc.id().into(),
            reason: "fitted without probability; use Svc::with_probability for predict_proba"
                .into(),
        })?;
        Ok(self.decision_function(x)?.mapv(|d| platt(a, b, d)))
    }

    fn decision_function(&self, x: ArrayView2<f64>) -> Result<Array1<f64>> {
        check_width(
            crate::model::Family::Svc.id(),
            self.fitted.support.ncols(),
            x,
        )?;
        Ok(decision::decision(self.params.kernel, &self.fitted, x))
    }
}

impl Svc {
    /// Hyper-parameters as a JSON object: `kernel`, `C` (and `gamma` when fixed).
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut p = serde_json::Map::new();
        p.insert("kernel".into(), self.kernel.id().into());
        p.insert("C".into(), self.c.into());
        if let Some(g) = self.gamma {
            p.insert("gamma".into(), g.into());
        }
        p
    }
}

/// The parts of a fitted RBF SVC that permutation SHAP exploits (the kernel factorises
/// over features).
pub(crate) struct RbfParts<'a> {
    pub gamma: f64,
    pub support: &'a Array2<f64>,
    pub dual_coef: &'a Array1<f64>,
    pub rho: f64,
    pub platt: Option<(f64, f64)>,
}

/// Platt's sigmoid 1 / (1 + exp(A·d + B)), evaluated without overflow.
pub(crate) fn platt(a: f64, b: f64, d: f64) -> f64 {
    crate::stats::sigmoid(-(a * d + b))
}
