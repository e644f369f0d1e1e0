//! The study's model selection in one call: split, search, refit, test.

use std::time::Instant;

use crate::checked::Checked;
use crate::display::{Figure, Table};
use crate::error::{Error, Result};
use crate::labels;
use crate::merge::ModelTable;
use crate::metrics::{Confusion, RocPoint, f1_threshold, roc_auc, roc_curve};
use crate::model::{Family, FittedPipeline, Pipeline, params_text};

use super::cv::{
    CvResult, HalvingRound, SearchOptions, SearchResult, cross_val_predict, cross_validate,
    halving_search,
};
use super::grid::study_grid;
use super::take_rows;
use crate::split::train_test_split;

/// How the study selects its model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectionOptions {
    /// Share of customers held out for the final test (stratified).
    pub test_size: f64,
    /// Seed of the split, the folds and Platt's internal folds.
    pub seed: u64,
    /// Cross-validation settings.
    pub search: SearchOptions,
    /// When the training part has more customers, the search is a successive halving
    /// (factor 3) instead of a full grid search: most candidates are dropped on small
    /// subsamples and only the best are cross-validated on every row.
    pub halving_rows: usize,
    /// When the training part has more customers, the kernel families (kNN, SVC) are fitted
    /// on a seeded stratified subsample of this many (their fits and predictions grow
    /// with the training rows; the other families use every row).
    pub kernel_rows: usize,
    /// The candidates ([`study_grid`] by default; not a parameter of the file: a grid is
    /// code, changed in the notebook).
    #[serde(skip, default = "study_grid")]
    pub candidates: Vec<Pipeline>,
}

impl SelectionOptions {
    /// The cross-validated search [`ModelSelection::run`] runs, for any candidates (e.g. a
    /// random search compared with the grid on the same terms): with the options' seed and
    /// folds, the kernel families on a seeded stratified subsample of
    /// [`kernel_rows`](Self::kernel_rows) when the training part is larger, and successive
    /// halving (factor 3, from 500 rows) above [`halving_rows`](Self::halving_rows); the
    /// rounds are returned with it (`None`: every candidate on every row).
    pub fn search(
        &self,
        x_train: &polars::prelude::DataFrame,
        train_y: &[u8],
        candidates: &[Pipeline],
        progress: Option<&dyn crate::progress::Tally>,
    ) -> Result<(SearchResult, Option<Vec<HalvingRound>>)> {
        let search_options = SearchOptions {
            seed: self.seed,
            ..self.search.clone()
        };
        let candidates: Vec<Pipeline> = if train_y.len() > self.kernel_rows {
            candidates
                .iter()
                .map(|p| p.with_kernel_rows(self.kernel_rows, self.seed))
                .collect()
        } else {
            candidates.to_vec()
        };
        if let Some(p) = progress {
            p.set_total(self.fits(candidates.len(), train_y.len()));
        }
        if train_y.len() > self.halving_rows {
            let (s, rounds) = halving_search(
                x_train,
                train_y,
                &candidates,
                &search_options,
                3,
                500,
                progress,
            )?;
            Ok((s, Some(rounds)))
        } else {
            let s = cross_validate(x_train, train_y, &candidates, &search_options, progress)?;
            Ok((s, None))
        }
    }

    /// The (candidate, fold) fits [`search`](Self::search) makes for `candidates` on a
    /// training part of `train_rows` customers: every candidate on every fold, or under
    /// successive halving each round's survivors on every fold (what the progress counts).
    pub fn fits(&self, candidates: usize, train_rows: usize) -> usize {
        let folds = self.search.folds;
        if train_rows <= self.halving_rows {
            return candidates * folds;
        }
        crate::search::halving_rounds(candidates, 3)
            .iter()
            .sum::<usize>()
            * folds
    }
}

impl crate::checked::Check for SelectionOptions {
    /// Checks the options, naming the one that is wrong: a test share in (0, 1), the
    /// search's options, at least one candidate, every candidate's parameters.
    fn check(&self) -> Result<()> {
        if !(self.test_size > 0.0 && self.test_size < 1.0) {
            return Err(Error::parameter(
                "selection.test_size",
                self.test_size,
                "a share in (0, 1)",
            ));
        }
        self.search.check()?;
        if self.halving_rows < 1000 {
            return Err(Error::parameter(
                "selection.halving_rows",
                self.halving_rows,
                "at least 1000 customers",
            ));
        }
        if self.kernel_rows < 200 {
            return Err(Error::parameter(
                "selection.kernel_rows",
                self.kernel_rows,
                "at least 200 customers",
            ));
        }
        if self.candidates.is_empty() {
            return Err(Error::parameter(
                "selection.candidates",
                "[]",
                "at least one candidate",
            ));
        }
        super::cv::check_candidates(&self.candidates)?;
        Ok(())
    }
}

impl Default for SelectionOptions {
    fn default() -> Self {
        SelectionOptions {
            test_size: 0.25,
            seed: 42,
            search: SearchOptions::default(),
            halving_rows: 10_000,
            kernel_rows: 4000,
            candidates: study_grid(),
        }
    }
}

/// The best pipeline of one family, refitted on the training part and tested.
#[derive(Debug, Clone)]
pub struct FamilyBest {
    /// Its cross-validation result.
    pub cv: CvResult,
    /// ROC-AUC on the test part.
    pub test_auc: f64,
    /// ROC curve on the test part.
    pub roc: Vec<RocPoint>,
}

/// Everything model selection produced.
#[derive(Debug, Clone)]
pub struct ModelSelection {
    /// Row positions (into the model table) of the training part.
    pub train: Vec<usize>,
    /// Row positions of the test part.
    pub test: Vec<usize>,
    /// The cross-validated search on the training part.
    pub search: SearchResult,
    /// The successive-halving rounds, when the training part was large enough for one
    /// (`None`: a full grid search).
    pub halving: Option<Vec<HalvingRound>>,
    /// The best pipeline of each family, tested.
    pub families: Vec<FamilyBest>,
    /// The overall best pipeline, refitted on the whole training part, with probabilities.
    pub best: FittedPipeline,
    /// Its cross-validation result.
    pub best_cv: CvResult,
    /// P(«Снизилась») of the test customers.
    pub test_proba: Vec<f64>,
    /// Targets of the test customers.
    pub test_y: Vec<u8>,
    /// ROC-AUC of the best pipeline on the test part.
    pub test_auc: f64,
    /// Out-of-fold P(«Снизилась») of the training customers (same folds as the search).
    pub oof_proba: Vec<f64>,
    /// Targets of the training customers.
    pub train_y: Vec<u8>,
    /// The decision threshold: the F1-optimal cut of the out-of-fold probabilities
    /// (chosen without looking at the test part).
    pub threshold: f64,
    /// F1 of that cut on the out-of-fold probabilities.
    pub oof_f1: f64,
    /// Test confusion matrix at [`threshold`](Self::threshold).
    pub confusion: Confusion,
    /// Test confusion matrix at 0.5, for comparison.
    pub confusion_half: Confusion,
    /// Seconds: search, refits and tests.
    pub timings: Vec<(String, f64)>,
}

impl ModelSelection {
    /// Splits the model table, searches the candidates on the training part, tests the
    /// best of each family and refits the overall best with probabilities.
    pub fn run(
        table: &ModelTable,
        options: &Checked<SelectionOptions>,
        progress: Option<&dyn crate::progress::Tally>,
    ) -> Result<ModelSelection> {
        if options.candidates.is_empty() {
            return Err(Error::parameter(
                "selection.candidates",
                "[]",
                "at least one pipeline",
            ));
        }
        let y = table.target()?;
        let features = table.features()?;
        let (train, test) = train_test_split(&y, options.test_size, options.seed)?;
        let (x_train, x_test) = (take_rows(&features, &train)?, take_rows(&features, &test)?);
        let train_y: Vec<u8> = train.iter().map(|i| y[*i]).collect();
        let test_y: Vec<u8> = test.iter().map(|i| y[*i]).collect();
        let (search, halving) =
            options.search(&x_train, &train_y, &options.candidates, progress)?;
        let t = Instant::now();
        let families = search
            .best_per_family()
            .into_iter()
            .map(|cv| {
                let fitted = cv.pipeline.fit(&x_train, &train_y)?;
                let score = fitted.decision_function(&x_test)?.to_vec();
                Ok(FamilyBest {
                    cv: cv.clone(),
                    test_auc: roc_auc(&test_y, &score)?,
                    roc: roc_curve(&test_y, &score)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let best_cv = search.best().clone();
        let pipeline = best_cv.pipeline.with_probability(options.seed);
        let best = pipeline.fit(&x_train, &train_y)?;
        let test_proba = best.predict_proba(&x_test)?.to_vec();
        let test_auc = roc_auc(&test_y, &test_proba)?;
        let refit = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let oof_proba = cross_val_predict(&pipeline, &x_train, &train_y, &search.folds)?;
        let (threshold, oof_f1) = f1_threshold(&train_y, &oof_proba)?;
        let timings = vec![
            ("search".to_string(), search.seconds),
            ("refit_and_test".to_string(), refit),
            ("threshold".to_string(), t.elapsed().as_secs_f64()),
        ];
        Ok(ModelSelection {
            confusion: Confusion::at(&test_y, &test_proba, threshold),
            confusion_half: Confusion::at(&test_y, &test_proba, 0.5),
            train,
            test,
            search,
            halving,
            families,
            best,
            best_cv,
            test_proba,
            test_y,
            test_auc,
            oof_proba,
            train_y,
            threshold,
            oof_f1,
            timings,
        })
    }

    /// Family, scaler, parameters, CV ROC-AUC (mean ± std) and test ROC-AUC of each
    /// family's best pipeline; the chosen one marked.
    pub fn families_table(&self) -> Table {
        let rows = self
            .families
            .iter()
            .map(|f| {
                vec![
                    f.cv.family().name_ru().to_string(),
                    labels::scaler_name(f.cv.pipeline.scaler.id()).to_string(),
                    labels::params_ru(&params_text(&f.cv.pipeline.model.params())),
                    format!("{:.4}", f.cv.mean),
                    format!("{:.4}", f.cv.std),
                    format!("{:.4}", f.test_auc),
                    if f.cv.pipeline == self.best_cv.pipeline {
                        "★"
                    } else {
                        ""
                    }
                    .to_string(),
                ]
            })
            .collect();
        Table::from_rows(labels::FAMILIES_HEADERS.map(String::from).to_vec(), rows)
            .title(labels::FAMILIES_TITLE)
    }

    /// Test ROC curves of every family's best pipeline, the chosen one first.
    pub fn roc_figure(&self) -> Result<Figure> {
        let mut curves: Vec<crate::plot::Curve> = self
            .families
            .iter()
            .map(|f| {
                (
                    f.cv.family().name_ru().to_string(),
                    f.roc.iter().map(|p| (p.fpr, p.tpr)).collect(),
                    f.test_auc,
                )
            })
            .collect();
        if let Some(k) = self
            .families
            .iter()
            .position(|f| f.cv.pipeline == self.best_cv.pipeline)
        {
            let chosen = curves.remove(k);
            curves.insert(0, chosen);
        }
        crate::plot::roc_curves(&curves, labels::ROC_FIGURE_TITLE)
    }

    /// The chosen threshold against 0.5 on the test part.
    pub fn threshold_table(&self) -> Table {
        let row = |name: String, c: &Confusion| {
            vec![
                name,
                (c.tp + c.fp).to_string(),
                format!("{:.3}", c.precision()),
                format!("{:.3}", c.recall()),
                format!("{:.3}", c.f1()),
                format!("{:.3}", c.accuracy()),
            ]
        };
        Table::from_rows(
            labels::threshold_headers(crate::schema::DECLINED),
            vec![
                row("0.5".to_string(), &self.confusion_half),
                row(labels::threshold_max_f1(self.threshold), &self.confusion),
            ],
        )
        .title(labels::THRESHOLD_TITLE)
    }

    /// Mean CV ROC-AUC against the main hyper-parameter of `family` (`knn`: k;
    /// `decision_tree`: max_depth, best over the other two; `logistic_regression` and
    /// `svc`: C, log scale), a line per scaler (and kernel).
    pub fn curve(&self, family: Family) -> Result<Figure> {
        let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
        for r in self
            .search
            .results
            .iter()
            .filter(|r| r.family() == family && !r.mean.is_nan())
        {
            let (x, kernel) = r.pipeline.model.main_param();
            let label = match kernel {
                Some(k) => format!(
                    "{}, {}",
                    labels::kernel_name(k.id()),
                    labels::scaler_name(r.pipeline.scaler.id())
                ),
                None => labels::scaler_name(r.pipeline.scaler.id()).to_string(),
            };
            let s = match series.iter_mut().find(|(l, _)| *l == label) {
                Some(s) => s,
                None => {
                    series.push((label, Vec::new()));
                    series.last_mut().expect("just pushed")
                }
            };
            match s.1.iter_mut().find(|(px, _)| *px == x) {
                Some(p) => p.1 = p.1.max(r.mean),
                None => s.1.push((x, r.mean)),
            }
        }
        if series.is_empty() {
            return Err(Error::parameter(
                "family",
                format!("{family:?}"),
                "a family with results: knn, decision_tree, logistic_regression, svc or gradient_boosting",
            ));
        }
        for s in series.iter_mut() {
            s.1.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        let best = self
            .search
            .best_per_family()
            .into_iter()
            .find(|b| b.family() == family);
        let best_point = best.map(|b| (b.pipeline.model.main_param().0, b.mean));
        let (x_label, log_x) = match family {
            Family::Knn => (labels::CURVE_AXIS_KNN, false),
            Family::DecisionTree => (labels::CURVE_AXIS_TREE, false),
            Family::GradientBoosting => (labels::CURVE_AXIS_BOOSTING, false),
            Family::LogisticRegression | Family::Svc => (labels::CURVE_AXIS_C, true),
        };
        crate::plot::validation_curves(
            &series,
            x_label,
            log_x,
            best_point,
            &labels::curve_title(family.name_ru()),
        )
    }
}
