//! The candidates of a search: the study's full grid and seeded random draws.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{
    DecisionTree, Family, Gbdt, Kernel, Knn, LogisticRegression, Model, Pipeline, Scaler, Svc,
};

/// C values of the logistic-regression grid.
pub const LOGISTIC_C: [f64; 9] = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0];
/// C values of the SVC grid.
pub const SVC_C: [f64; 5] = [0.1, 0.3, 1.0, 3.0, 10.0];

/// The study's grid, each family's part in [`Family::ALL`] order ([`family_grid`]): 382
/// pipelines.
pub fn study_grid() -> Vec<Pipeline> {
    Family::ALL.into_iter().flat_map(family_grid).collect()
}

/// One family's part of the study's grid, each model × scaler {standard, minmax}: kNN
/// k = 2…20; tree max_depth 2…10 × min_samples_split {2, 5, 10, 20} × min_samples_leaf
/// {1, 2, 5, 10}; logistic regression C ∈ {0.01 … 100}; SVC kernel {rbf, linear, poly} ×
/// C {0.1, 0.3, 1, 3, 10}; gradient boosting learning_rate {0.05, 0.1} × max_leaf_nodes
/// {15, 31} × max_iter {100, 200} with the standard scaler only (trees split on the order
/// of values, which neither scaler changes).
pub fn family_grid(family: Family) -> Vec<Pipeline> {
    let mut models: Vec<Model> = Vec::new();
    match family {
        Family::Knn => models.extend((2..=20).map(|k| Knn::new(k).into())),
        Family::DecisionTree => {
            for split in [2, 5, 10, 20] {
                for leaf in [1, 2, 5, 10] {
                    for depth in 2..=10 {
                        models.push(DecisionTree::new(depth, split, leaf).into());
                    }
                }
            }
        }
        Family::LogisticRegression => models.extend(
            LOGISTIC_C
                .iter()
                .map(|c| LogisticRegression::new(*c).into()),
        ),
        Family::Svc => {
            for kernel in Kernel::ALL {
                models.extend(SVC_C.iter().map(|c| Svc::new(kernel, *c).into()));
            }
        }
        Family::GradientBoosting => {
            let mut pipelines = Vec::new();
            for rate in GBDT_LEARNING_RATE {
                for leaves in GBDT_LEAVES {
                    for trees in GBDT_TREES {
                        pipelines.push(Pipeline::new(
                            Scaler::Standard,
                            Gbdt::new(rate, trees, leaves),
                        ));
                    }
                }
            }
            return pipelines;
        }
    }
    models
        .into_iter()
        .flat_map(|m| Scaler::ALL.map(|s| Pipeline::new(s, m.clone())))
        .collect()
}

/// Learning rates of the gradient-boosting grid.
pub const GBDT_LEARNING_RATE: [f64; 2] = [0.05, 0.1];
/// Leaves per tree of the gradient-boosting grid.
pub const GBDT_LEAVES: [usize; 2] = [15, 31];
/// Trees of the gradient-boosting grid.
pub const GBDT_TREES: [usize; 2] = [100, 200];

/// `n_iter` pipelines drawn with `seed` (scikit-learn's `RandomizedSearchCV` idea): a
/// family uniformly among all five, then the family's own draw ([`random_pipeline`]).
pub fn random_candidates(n_iter: usize, seed: u64) -> Vec<Pipeline> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n_iter)
        .map(|_| {
            let family = Family::ALL[rng.gen_range(0..Family::ALL.len())];
            random_pipeline(family, &mut rng)
        })
        .collect()
}

/// One family's random draw: a scaler uniformly (gradient boosting: standard, as in the
/// grid), then kNN k ∈ 1…50; tree max_depth 2…15, min_samples_split 2…40,
/// min_samples_leaf 1…20; logistic C log-uniform on [10⁻³, 10³]; SVC kernel uniformly and
/// C log-uniform on [10⁻², 10²]; gradient boosting learning_rate log-uniform on
/// [0.02, 0.3], max_iter 50…300 in steps of 10, max_leaf_nodes 7…63. Continuous values are
/// rounded to 3 significant digits so they read well in tables.
pub fn random_pipeline(family: Family, rng: &mut ChaCha8Rng) -> Pipeline {
    let log_uniform = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| {
        let v = 10f64.powf(rng.gen_range(lo.log10()..hi.log10()));
        let digits = 2 - v.log10().floor() as i32;
        let f = 10f64.powi(digits);
        (v * f).round() / f
    };
    let scaler = match family {
        Family::GradientBoosting => Scaler::Standard,
        _ => Scaler::ALL[rng.gen_range(0..Scaler::ALL.len())],
    };
    let model: Model = match family {
        Family::Knn => Knn::new(rng.gen_range(1..=50)).into(),
        Family::DecisionTree => DecisionTree::new(
            rng.gen_range(2..=15),
            rng.gen_range(2..=40),
            rng.gen_range(1..=20),
        )
        .into(),
        Family::LogisticRegression => LogisticRegression::new(log_uniform(rng, 1e-3, 1e3)).into(),
        Family::Svc => {
            let kernel = Kernel::ALL[rng.gen_range(0..Kernel::ALL.len())];
            Svc::new(kernel, log_uniform(rng, 1e-2, 1e2)).into()
        }
        Family::GradientBoosting => Gbdt::new(
            log_uniform(rng, 0.02, 0.3),
            10 * rng.gen_range(5..=30),
            rng.gen_range(7..=63),
        )
        .into(),
    };
    Pipeline::new(scaler, model)
}

/// Candidates per family (in the order families first appear), the fits a `folds`-fold
/// cross-validation makes of them, and the values each hyper-parameter takes.
pub fn grid_table(candidates: &[Pipeline], folds: usize) -> crate::display::Table {
    type Values = Vec<(String, Vec<serde_json::Value>)>;
    let mut families: Vec<(crate::model::Family, usize, Values, Vec<&'static str>)> = Vec::new();
    for p in candidates {
        let family = p.model.family();
        let at = match families.iter().position(|(f, ..)| *f == family) {
            Some(i) => i,
            None => {
                families.push((family, 0, Vec::new(), Vec::new()));
                families.len() - 1
            }
        };
        let entry = &mut families[at];
        entry.1 += 1;
        for (name, value) in p.model.params() {
            let i = match entry.2.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    entry.2.push((name, Vec::new()));
                    entry.2.len() - 1
                }
            };
            if !entry.2[i].1.contains(&value) {
                entry.2[i].1.push(value);
            }
        }
        let scaler = crate::labels::scaler_name(p.scaler.id());
        if !entry.3.contains(&scaler) {
            entry.3.push(scaler);
        }
    }
    let rows = families
        .iter()
        .map(|(f, n, params, scalers)| {
            let mut parts: Vec<String> = params
                .iter()
                .map(|(name, values)| {
                    let mut values = values.clone();
                    values.sort_by(|a, b| match (a.as_f64(), b.as_f64()) {
                        (Some(x), Some(y)) => x.total_cmp(&y),
                        _ => a.to_string().cmp(&b.to_string()),
                    });
                    let text: Vec<String> = values
                        .iter()
                        .map(|v| match v {
                            serde_json::Value::String(s) => {
                                crate::labels::kernel_name(s).to_string()
                            }
                            serde_json::Value::Number(x) => {
                                crate::display::format_real(x.as_f64().unwrap_or(f64::NAN))
                            }
                            other => other.to_string(),
                        })
                        .collect();
                    let shown = if text.len() > 10 {
                        format!("{}, {}, …, {}", text[0], text[1], text[text.len() - 1])
                    } else {
                        text.join(", ")
                    };
                    let name = if name == "kernel" {
                        "ядро"
                    } else {
                        name.as_str()
                    };
                    format!("{name}: {shown}")
                })
                .collect();
            parts.push(format!("масштабирование: {}", scalers.join(", ")));
            vec![
                f.name_ru().to_string(),
                n.to_string(),
                (n * folds).to_string(),
                parts.join("; "),
            ]
        })
        .collect();
    crate::display::Table::from_rows(crate::labels::grid_headers(folds), rows)
        .title(crate::labels::GRID_TITLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_has_every_combination_once() {
        let g = study_grid();
        assert_eq!(g.len(), (19 + 9 * 16 + 9 + 15) * 2 + 2 * 2 * 2);
        let mut keys: Vec<String> = g
            .iter()
            .map(|p| serde_json::to_string(&p.params()).unwrap() + p.model.family().id())
            .collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), g.len());
    }

    #[test]
    fn random_draws_are_seeded() {
        assert_eq!(random_candidates(30, 5), random_candidates(30, 5));
        assert_ne!(random_candidates(30, 5), random_candidates(30, 6));
    }

    #[test]
    fn random_search_draws_every_family_about_equally() {
        let draws = random_candidates(5000, 11);
        for f in Family::ALL {
            let n = draws.iter().filter(|p| p.model.family() == f).count();
            // 1 000 expected of each; ±4 binomial standard deviations (28)
            assert!((888..=1112).contains(&n), "{f}: {n} of 5000");
        }
        assert!(
            draws
                .iter()
                .filter(|p| p.model.family() == Family::GradientBoosting)
                .all(|p| p.scaler == Scaler::Standard)
        );
    }

    #[test]
    fn the_study_grid_is_every_family_grid_in_order() {
        let grid = study_grid();
        assert_eq!(grid.len(), 382);
        let mut at = 0;
        for f in Family::ALL {
            let part = family_grid(f);
            assert!(part.iter().all(|p| p.model.family() == f));
            assert_eq!(&grid[at..at + part.len()], part.as_slice());
            at += part.len();
        }
    }
}
