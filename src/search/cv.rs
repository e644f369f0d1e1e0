//! Cross-validated search: candidates × folds in parallel, a ranked result.

use std::collections::BTreeMap;
use std::time::Instant;

use ndarray::Array2;
use polars::prelude::*;
use rayon::prelude::*;

use super::take_rows;
use crate::display::Table;
use crate::error::{Error, Result};
use crate::labels;
use crate::metrics::roc_auc;
use crate::model::{
    Classifier, Family, Fit, FittedPipeline, KernelRows, Model, Pipeline, Scaler, WorkGroup,
    params_text,
};
use crate::prep::ColumnTransformer;
use crate::split::stratified_kfold;

/// How a search runs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SearchOptions {
    /// Number of stratified folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Worker threads (`None`: `$ONECLICK_THREADS`, else rayon's default, which honours
    /// `$RAYON_NUM_THREADS`). Results do not depend on it.
    pub threads: Option<usize>,
    /// Share one neighbour search (kNN) / one deep tree (decision tree) among candidates
    /// that differ only in `k` / `max_depth`. Exact; off gives scikit-learn's one fit per
    /// candidate and fold.
    pub share_work: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            folds: 5,
            seed: 42,
            threads: None,
            share_work: true,
        }
    }
}

impl crate::checked::Check for SearchOptions {
    /// Checks the options, naming the one that is wrong: at least 2 folds, at least one
    /// thread when a count is given.
    fn check(&self) -> Result<()> {
        if self.folds < 2 {
            return Err(Error::parameter(
                "selection.search.folds",
                self.folds,
                "at least 2",
            ));
        }
        if self.threads == Some(0) {
            return Err(Error::parameter(
                "selection.search.threads",
                0,
                "at least 1",
            ));
        }
        Ok(())
    }
}

/// The cross-validation result of one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct CvResult {
    /// The candidate pipeline (unfitted).
    pub pipeline: Pipeline,
    /// ROC-AUC on each validation fold (NaN where the fit failed).
    pub fold_scores: Vec<f64>,
    /// Mean of the fold scores.
    pub mean: f64,
    /// Population standard deviation of the fold scores (as scikit-learn's `std_test_score`).
    pub std: f64,
    /// Mean seconds per fold: preprocessing aside, fit + scoring (shared work divided
    /// among the candidates sharing it).
    pub seconds: f64,
    /// Rank by mean score (1 = best; equal means share a rank; failed fits rank last);
    /// after successive halving, candidates of a later round rank above those of an
    /// earlier one.
    pub rank: usize,
    /// Training rows of the search that scored it: the whole training part, or the
    /// subsample of the successive-halving round it was last in.
    pub rows: usize,
    /// Why a fit failed, if one did.
    pub error: Option<String>,
}

impl CvResult {
    /// The candidate's model family.
    pub fn family(&self) -> Family {
        self.pipeline.model.family()
    }
}

/// Every candidate's result, in candidate order.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// One entry per candidate, in the order given.
    pub results: Vec<CvResult>,
    /// The folds: `(train, validation)` positions into the searched rows.
    pub folds: Vec<(Vec<usize>, Vec<usize>)>,
    /// Wall-clock seconds of the whole search.
    pub seconds: f64,
}

/// The preprocessed data of one fold with one scaler.
struct FoldData {
    x_train: Array2<f64>,
    y_train: Vec<u8>,
    x_valid: Array2<f64>,
    y_valid: Vec<u8>,
}

/// Candidates fitted together: one work group with one training subsample.
type GroupKey = (WorkGroup, Option<KernelRows>);

/// A unit of parallel work on one fold and scaler: one candidate, or candidates of one
/// [`WorkGroup`] fitted together ([`Model::group_decisions`]).
enum Job {
    Single(usize),
    Group(Vec<usize>),
}

/// Checks every candidate's parameters; a bad one is an error naming the candidate
/// (`candidate 2 (svc): svc.C = 0: expected a positive number`).
pub fn check_candidates(candidates: &[Pipeline]) -> Result<()> {
    for (i, p) in candidates.iter().enumerate() {
        p.model.check().map_err(|e| match e {
            Error::InvalidParameter { name, value, rule } => Error::InvalidParameter {
                name: format!("candidate {} ({}): {name}", i + 1, p.model.family()),
                value,
                rule,
            },
            other => other,
        })?;
    }
    Ok(())
}

/// Cross-validates every candidate with stratified `options.folds`-fold CV on
/// (`features`, `y`), scoring ROC-AUC on the decision function. `progress` is called
/// with the number of (candidate, fold) fits finished by each unit of work.
pub fn cross_validate(
    features: &DataFrame,
    y: &[u8],
    candidates: &[Pipeline],
    options: &SearchOptions,
    progress: Option<&dyn crate::progress::Tally>,
) -> Result<SearchResult> {
    let start = Instant::now();
    if features.height() != y.len() {
        return Err(Error::shape(
            "targets for the feature rows",
            features.height(),
            y.len(),
        ));
    }
    // The whole grid is checked before anything is fitted: a bad entry is an error
    // naming it, not a column of NaN fold scores.
    check_candidates(candidates)?;
    let folds = stratified_kfold(y, options.folds, options.seed)?;
    let scalers: Vec<Scaler> = {
        let mut s: Vec<Scaler> = candidates.iter().map(|p| p.scaler).collect();
        s.sort();
        s.dedup();
        s
    };
    let data: BTreeMap<(Scaler, usize), FoldData> = scalers
        .iter()
        .flat_map(|s| (0..folds.len()).map(move |f| (*s, f)))
        .map(|(s, f)| Ok(((s, f), fold_data(features, y, &folds[f], s)?)))
        .collect::<Result<_>>()?;

    // Units of work per (scaler, fold): candidates of one work group together (in the
    // order groups first appear), the rest one by one.
    let mut jobs: Vec<(Scaler, usize, Job)> = Vec::new();
    for &s in &scalers {
        for f in 0..folds.len() {
            let mut groups: Vec<(GroupKey, Vec<usize>)> = Vec::new();
            for (i, p) in candidates.iter().enumerate() {
                if p.scaler != s {
                    continue;
                }
                match p
                    .model
                    .work_group()
                    .filter(|_| options.share_work)
                    .map(|g| (g, p.kernel_rows))
                {
                    Some(g) => match groups.iter_mut().find(|(k, _)| *k == g) {
                        Some((_, members)) => members.push(i),
                        None => groups.push((g, vec![i])),
                    },
                    None => jobs.push((s, f, Job::Single(i))),
                }
            }
            jobs.extend(groups.into_iter().map(|(_, m)| (s, f, Job::Group(m))));
        }
    }
    // The heaviest units first keeps both workers busy to the end.
    jobs.sort_by_key(|(_, _, j)| {
        std::cmp::Reverse(match j {
            Job::Single(i) => candidates[*i].model.cost(false),
            Job::Group(m) => candidates[m[0]].model.cost(true),
        })
    });

    let run = || -> Vec<Vec<JobOutput>> {
        jobs.par_iter()
            .map(|(s, f, job)| {
                let out = run_job(candidates, &data[&(*s, *f)], *f, job);
                if let Some(p) = progress {
                    p.add(out.len());
                }
                out
            })
            .collect()
    };
    let outputs = crate::par::install(options.threads, run);

    let k = folds.len();
    let mut scores = vec![vec![f64::NAN; k]; candidates.len()];
    let mut seconds = vec![0.0; candidates.len()];
    let mut errors: Vec<Option<String>> = vec![None; candidates.len()];
    for (i, f, score, secs) in outputs.into_iter().flatten() {
        match score {
            Ok(v) => scores[i][f] = v,
            Err(e) => {
                errors[i].get_or_insert(format!("fold {}: {e}", f + 1));
            }
        }
        seconds[i] += secs / k as f64;
    }
    let mut results: Vec<CvResult> = candidates
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (mean, std) = crate::stats::mean_std(&scores[i]);
            CvResult {
                pipeline: p.clone(),
                fold_scores: scores[i].clone(),
                mean,
                std,
                seconds: seconds[i],
                rank: 0,
                rows: y.len(),
                error: errors[i].take(),
            }
        })
        .collect();
    for i in 0..results.len() {
        let m = results[i].mean;
        results[i].rank = if m.is_nan() {
            results.len()
        } else {
            1 + results.iter().filter(|r| r.mean > m).count()
        };
    }
    Ok(SearchResult {
        results,
        folds,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn fold_data(
    features: &DataFrame,
    y: &[u8],
    (train, valid): &(Vec<usize>, Vec<usize>),
    scaler: Scaler,
) -> Result<FoldData> {
    let (train_df, valid_df) = (take_rows(features, train)?, take_rows(features, valid)?);
    let t = ColumnTransformer::study(scaler.transformer()).fit(&train_df)?;
    Ok(FoldData {
        x_train: t.transform(&train_df)?,
        y_train: train.iter().map(|i| y[*i]).collect(),
        x_valid: t.transform(&valid_df)?,
        y_valid: valid.iter().map(|i| y[*i]).collect(),
    })
}

type JobOutput = (usize, usize, std::result::Result<f64, String>, f64);

fn run_job(candidates: &[Pipeline], d: &FoldData, fold: usize, job: &Job) -> Vec<JobOutput> {
    let start = Instant::now();
    let members: Vec<usize> = match job {
        Job::Single(i) => vec![*i],
        Job::Group(m) => m.clone(),
    };
    // A kernel family's subsample (the same for every member of a group).
    let sub = candidates[members[0]].fit_subsample(d.x_train.view(), &d.y_train);
    let (x_train, y_train) = match &sub {
        Some((x, y)) => (x.view(), y.as_slice()),
        None => (d.x_train.view(), d.y_train.as_slice()),
    };
    let decisions = match job {
        Job::Single(i) => vec![
            candidates[*i]
                .model
                .fit(x_train, y_train)
                .and_then(|m| m.decision_function(d.x_valid.view())),
        ],
        Job::Group(m) => {
            let models: Vec<&Model> = m.iter().map(|i| &candidates[*i].model).collect();
            Model::group_decisions(&models, x_train, y_train, d.x_valid.view())
        }
    };
    let scored: Vec<(usize, std::result::Result<f64, String>)> = members
        .into_iter()
        .zip(decisions)
        .map(|(i, s)| {
            let score = s.and_then(|s| roc_auc(&d.y_valid, s.as_slice().unwrap_or(&s.to_vec())));
            (i, score.map_err(|e| e.to_string()))
        })
        .collect();
    let secs = start.elapsed().as_secs_f64() / scored.len() as f64;
    scored
        .into_iter()
        .map(|(i, s)| (i, fold, s, secs))
        .collect()
}

/// One round of a successive-halving search: its training rows and candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct HalvingRound {
    /// Training rows (a stratified subsample; the last round uses all).
    pub rows: usize,
    /// Candidates cross-validated in it.
    pub candidates: usize,
}

/// The candidates of each round of a successive halving with `factor` over `candidates`:
/// ⌈candidates / factorʳ⌉ for r = 0, 1, … until at most `factor` remain.
pub fn halving_rounds(candidates: usize, factor: usize) -> Vec<usize> {
    let mut last = 0u32;
    while candidates.div_ceil(factor.pow(last)) > factor {
        last += 1;
    }
    (0..=last)
        .map(|r| candidates.div_ceil(factor.pow(r)))
        .collect()
}

/// Successive halving over the candidates (scikit-learn's `HalvingGridSearchCV` with the
/// rows as the resource): round r cross-validates the remaining candidates on a seeded
/// stratified subsample of `n / factor^(R − r)` training rows (at least `min_rows`) and
/// keeps the best ⌈candidates / factor⌉ by mean CV ROC-AUC (ties: candidate order) for
/// the next round; the last round (R) uses every row and the usual folds, so the chosen
/// candidate is scored exactly as by [`cross_validate`]. Each candidate's result is that
/// of the last round it took part in ([`CvResult::rows`] says how many rows); ranks put
/// later rounds first. Returns the result and the rounds.
pub fn halving_search(
    features: &DataFrame,
    y: &[u8],
    candidates: &[Pipeline],
    options: &SearchOptions,
    factor: usize,
    min_rows: usize,
    progress: Option<&dyn crate::progress::Tally>,
) -> Result<(SearchResult, Vec<HalvingRound>)> {
    let start = Instant::now();
    if factor < 2 {
        return Err(Error::parameter("halving factor", factor, "at least 2"));
    }
    check_candidates(candidates)?;
    let n = y.len();
    let last = (halving_rounds(candidates.len(), factor).len() - 1) as u32;
    let mut alive: Vec<usize> = (0..candidates.len()).collect();
    let mut kept: Vec<Option<CvResult>> = vec![None; candidates.len()];
    let mut rounds = Vec::new();
    let mut final_folds = Vec::new();
    for r in 0..=last {
        let rows = (n / factor.pow(last - r)).max(min_rows).min(n);
        let pick =
            crate::split::stratified_sample(y, rows, options.seed.wrapping_add(u64::from(r) + 1));
        let (f, yy) = match &pick {
            Some(rows) => (
                take_rows(features, rows)?,
                rows.iter().map(|i| y[*i]).collect(),
            ),
            None => (features.clone(), y.to_vec()),
        };
        let subset: Vec<Pipeline> = alive.iter().map(|i| candidates[*i].clone()).collect();
        let result = cross_validate(&f, &yy, &subset, options, progress)?;
        rounds.push(HalvingRound {
            rows: yy.len(),
            candidates: subset.len(),
        });
        for (k, res) in alive.iter().zip(result.results) {
            kept[*k] = Some(res);
        }
        final_folds = result.folds;
        if r == last {
            break;
        }
        let mut order = alive.clone();
        order.sort_by(|a, b| {
            let (ma, mb) = (
                kept[*a].as_ref().map_or(f64::NAN, |c| c.mean),
                kept[*b].as_ref().map_or(f64::NAN, |c| c.mean),
            );
            // NaN (failed) last, then the higher mean, then candidate order
            mb.is_nan()
                .cmp(&ma.is_nan())
                .reverse()
                .then(mb.total_cmp(&ma))
                .then(a.cmp(b))
        });
        order.truncate(alive.len().div_ceil(factor));
        order.sort_unstable();
        alive = order;
    }
    let mut results: Vec<CvResult> = kept
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.ok_or_else(|| Error::fit("halving search", format!("candidate {i} was not scored")))
        })
        .collect::<Result<_>>()?;
    for i in 0..results.len() {
        let (rows, m) = (results[i].rows, results[i].mean);
        results[i].rank = if m.is_nan() {
            results.len()
        } else {
            1 + results
                .iter()
                .filter(|r| !r.mean.is_nan() && (r.rows, r.mean) > (rows, m))
                .count()
        };
    }
    Ok((
        SearchResult {
            results,
            folds: final_folds,
            seconds: start.elapsed().as_secs_f64(),
        },
        rounds,
    ))
}

/// Out-of-fold P(1) for every row: each fold's rows scored by `pipeline` fitted on the
/// other folds (scikit-learn's `cross_val_predict(method="predict_proba")`). Folds run in
/// parallel.
pub fn cross_val_predict(
    pipeline: &Pipeline,
    features: &DataFrame,
    y: &[u8],
    folds: &[(Vec<usize>, Vec<usize>)],
) -> Result<Vec<f64>> {
    cross_val_predict_with_progress(pipeline, features, y, folds, None)
}

/// [`cross_val_predict`], calling `progress` with 1 for every fold finished.
pub fn cross_val_predict_with_progress(
    pipeline: &Pipeline,
    features: &DataFrame,
    y: &[u8],
    folds: &[(Vec<usize>, Vec<usize>)],
    progress: Option<&dyn crate::progress::Tally>,
) -> Result<Vec<f64>> {
    Ok(cross_val_fit(pipeline, features, y, folds, progress)?.0)
}

/// [`cross_val_predict`] that also returns each fold's fitted pipeline (fold `k`'s model
/// scored the rows of `folds[k].1`), so that everything else said about a row can come
/// from the model that gave its probability.
pub fn cross_val_fit(
    pipeline: &Pipeline,
    features: &DataFrame,
    y: &[u8],
    folds: &[(Vec<usize>, Vec<usize>)],
    progress: Option<&dyn crate::progress::Tally>,
) -> Result<(Vec<f64>, Vec<FittedPipeline>)> {
    let parts: Vec<Result<(Vec<f64>, FittedPipeline)>> = folds
        .par_iter()
        .map(|(train, valid)| {
            let yt: Vec<u8> = train.iter().map(|i| y[*i]).collect();
            let fitted = pipeline.fit(&take_rows(features, train)?, &yt)?;
            let p = fitted.predict_proba(&take_rows(features, valid)?)?.to_vec();
            if let Some(f) = progress {
                f.add(1);
            }
            Ok((p, fitted))
        })
        .collect();
    let mut out = vec![f64::NAN; y.len()];
    let mut models = Vec::with_capacity(folds.len());
    for ((_, valid), part) in folds.iter().zip(parts) {
        let (p, fitted) = part?;
        for (i, p) in valid.iter().zip(p) {
            out[*i] = p;
        }
        models.push(fitted);
    }
    Ok((out, models))
}

impl SearchResult {
    /// The best candidate (highest mean ROC-AUC; the first one on a tie, as scikit-learn).
    pub fn best(&self) -> &CvResult {
        self.results
            .iter()
            .filter(|r| !r.mean.is_nan())
            .fold(None::<&CvResult>, |b, r| match b {
                Some(b) if (b.rows, b.mean) >= (r.rows, r.mean) => Some(b),
                _ => Some(r),
            })
            .unwrap_or(&self.results[0])
    }

    /// The best candidate of each family, in the order families first appear.
    pub fn best_per_family(&self) -> Vec<&CvResult> {
        let mut order: Vec<Family> = Vec::new();
        for r in &self.results {
            if !order.contains(&r.family()) {
                order.push(r.family());
            }
        }
        order
            .into_iter()
            .filter_map(|fam| {
                self.results
                    .iter()
                    .filter(|r| r.family() == fam && !r.mean.is_nan())
                    .fold(None::<&CvResult>, |b, r| match b {
                        Some(b) if (b.rows, b.mean) >= (r.rows, r.mean) => Some(b),
                        _ => Some(r),
                    })
            })
            .collect()
    }

    /// Number of (candidate, fold) fits.
    pub fn fits(&self) -> usize {
        self.results.len() * self.folds.len()
    }

    /// Candidates whose fit failed.
    pub fn failures(&self) -> Vec<&CvResult> {
        self.results.iter().filter(|r| r.error.is_some()).collect()
    }

    /// All results as a polars frame, best first: `место`, `семейство`,
    /// `масштабирование`, `параметры`, `ROC-AUC, кросс-валидация`, `ст. откл., кросс-валидация`, `фолд 1` … `фолд k`,
    /// `мс на фолд` (names as readers see them: «SVC», «стандартизация») — for filtering
    /// and grouping in a notebook.
    pub fn frame(&self) -> Result<DataFrame> {
        let r = self.sorted();
        let [rank, family, scaler, params, mean, std] = labels::SEARCH_FRAME_COLUMNS;
        let mut cols = vec![
            Column::new(
                rank.into(),
                r.iter().map(|r| r.rank as u32).collect::<Vec<_>>(),
            ),
            Column::new(
                family.into(),
                r.iter().map(|r| r.family().id()).collect::<Vec<_>>(),
            ),
            Column::new(
                scaler.into(),
                r.iter()
                    .map(|r| labels::scaler_name(r.pipeline.scaler.id()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                params.into(),
                r.iter()
                    .map(|r| labels::params_ru(&r.pipeline.model.params_text()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(mean.into(), r.iter().map(|r| r.mean).collect::<Vec<_>>()),
            Column::new(std.into(), r.iter().map(|r| r.std).collect::<Vec<_>>()),
        ];
        for f in 0..self.folds.len() {
            cols.push(Column::new(
                labels::fold_column(f + 1).into(),
                r.iter().map(|r| r.fold_scores[f]).collect::<Vec<_>>(),
            ));
        }
        cols.push(Column::new(
            labels::MS_PER_FOLD_COLUMN.into(),
            r.iter().map(|r| r.seconds * 1e3).collect::<Vec<_>>(),
        ));
        Ok(DataFrame::new(r.len(), cols)?)
    }

    fn sorted(&self) -> Vec<&CvResult> {
        let mut r: Vec<&CvResult> = self.results.iter().collect();
        r.sort_by_key(|r| r.rank); // stable: candidate order within a rank
        r
    }

    /// The leaderboard: the `top` best candidates (family, scaler, parameters, mean ± std
    /// ROC-AUC over the folds, milliseconds per fold).
    pub fn leaderboard(&self, top: usize) -> Table {
        table(
            self.sorted().into_iter().take(top),
            labels::leaderboard_title(
                top.min(self.results.len()),
                self.results.len(),
                self.folds.len(),
            ),
        )
    }

    /// The best candidate of each family.
    pub fn family_table(&self) -> Table {
        table(
            self.best_per_family().into_iter(),
            labels::FAMILY_BEST_TITLE.to_string(),
        )
    }
}

fn table<'a>(rows: impl Iterator<Item = &'a CvResult>, title: String) -> Table {
    let rows = rows
        .map(|r| {
            vec![
                r.rank.to_string(),
                r.family().name_ru().to_string(),
                labels::scaler_name(r.pipeline.scaler.id()).to_string(),
                labels::params_ru(&params_text(&r.pipeline.model.params())),
                format!("{:.4}", r.mean),
                format!("{:.4}", r.std),
                // with its unit, so notebook comparisons treat the row as a timing
                labels::ms_per_fold(r.seconds * 1e3),
            ]
        })
        .collect();
    Table::from_rows(labels::LEADERBOARD_HEADERS.map(String::from).to_vec(), rows).title(title)
}
