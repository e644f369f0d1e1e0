//! Stratified, seeded data splits: a train/test split and k folds that keep the share of
//! each class.

use polars::prelude::{DataFrame, IdxCa, IdxSize};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Row indices of each class, shuffled with `seed`.
fn shuffled_by_class(y: &[u8], seed: u64) -> [Vec<usize>; 2] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut by: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
    for (i, &v) in y.iter().enumerate() {
        by[usize::from(v == 1)].push(i);
    }
    for v in by.iter_mut() {
        v.shuffle(&mut rng);
    }
    by
}

/// A stratified train/test split: `(train, test)` row indices, both sorted. Each class
/// contributes `round(test_size × class size)` rows to the test part.
pub fn train_test_split(y: &[u8], test_size: f64, seed: u64) -> Result<(Vec<usize>, Vec<usize>)> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(Error::parameter(
            "test_size",
            test_size,
            "a number in (0, 1)",
        ));
    }
    let mut train = Vec::new();
    let mut test = Vec::new();
    for class in shuffled_by_class(y, seed) {
        let n_test = (class.len() as f64 * test_size).round() as usize;
        test.extend_from_slice(&class[..n_test]);
        train.extend_from_slice(&class[n_test..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Stratified k-fold: `k` pairs of `(train, validation)` row indices (positions into
/// `y`), every row in exactly one validation fold, class shares kept in each fold.
pub fn stratified_kfold(y: &[u8], k: usize, seed: u64) -> Result<Vec<(Vec<usize>, Vec<usize>)>> {
    let smallest = [0u8, 1].map(|c| y.iter().filter(|v| **v == c).count());
    if k < 2 || smallest.iter().any(|n| *n < k) {
        return Err(Error::parameter(
            "folds",
            k,
            format!("k ≥ 2 and at least k rows of each class (have {smallest:?})"),
        ));
    }
    let mut fold_of = vec![0usize; y.len()];
    let mut next = 0;
    for class in shuffled_by_class(y, seed) {
        for i in class {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    Ok((0..k)
        .map(|f| {
            let (valid, train): (Vec<usize>, Vec<usize>) =
                (0..y.len()).partition(|&i| fold_of[i] == f);
            (train, valid)
        })
        .collect())
}

/// A seeded sample of `rows` of `y.len()` rows stratified by the label (each class in its
/// share, rounded; drawn with the seed's ChaCha8 stream per class), in row order; `None`
/// when there are no more than `rows` rows (use them all).
pub fn stratified_sample(y: &[u8], rows: usize, seed: u64) -> Option<Vec<usize>> {
    if y.len() <= rows {
        return None;
    }
    let mut out = Vec::with_capacity(rows);
    let positives = y.iter().filter(|v| **v == 1).count();
    let take_pos = ((rows as f64) * positives as f64 / y.len() as f64).round() as usize;
    for (class, take) in [(0u8, rows - take_pos.min(rows)), (1, take_pos)] {
        let members: Vec<usize> = (0..y.len()).filter(|i| y[*i] == class).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(u64::from(class));
        let take = take.min(members.len());
        out.extend(
            rand::seq::index::sample(&mut rng, members.len(), take)
                .into_iter()
                .map(|k| members[k]),
        );
    }
    out.sort_unstable();
    Some(out)
}

/// The rows `rows` of `df`, in that order.
pub fn take_rows(df: &DataFrame, rows: &[usize]) -> Result<DataFrame> {
    let idx = IdxCa::from_vec("rows".into(), rows.iter().map(|i| *i as IdxSize).collect());
    Ok(df.take(&idx)?)
}

/// The model table itself when it has at most `max_rows` customers, else a seeded sample of
/// `max_rows` stratified by the target ([`stratified_sample`]; rows in table order, profit
/// alongside). For checks that repeat the whole procedure many times on a large store.
pub fn sample_table(
    table: &crate::merge::ModelTable,
    max_rows: usize,
    seed: u64,
) -> Result<crate::merge::ModelTable> {
    let Some(rows) = stratified_sample(&table.target()?, max_rows, seed) else {
        return Ok(table.clone());
    };
    let idx = IdxCa::from_vec("rows".into(), rows.iter().map(|i| *i as IdxSize).collect());
    Ok(crate::merge::ModelTable {
        frame: table.frame.take(&idx)?,
        profit: table.profit.take(&idx)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<u8> {
        (0..1000).map(|i| u8::from(i % 8 < 3)).collect() // 37.5 % positives
    }

    #[test]
    fn split_is_stratified_disjoint_and_seeded() {
        let y = labels();
        let (train, test) = train_test_split(&y, 0.25, 7).unwrap();
        assert_eq!(train.len() + test.len(), y.len());
        assert_eq!(test.len(), 250);
        let pos = test.iter().filter(|&&i| y[i] == 1).count();
        assert_eq!(pos, 94); // round(375 × 0.25)
        assert!(train.iter().all(|i| test.binary_search(i).is_err()));
        assert_eq!(
            train_test_split(&y, 0.25, 7).unwrap(),
            (train.clone(), test.clone())
        );
        assert_ne!(train_test_split(&y, 0.25, 8).unwrap().1, test);
        assert!(train_test_split(&y, 1.0, 7).is_err());
    }

    #[test]
    fn folds_cover_every_row_once_with_class_shares() {
        let y = labels();
        let folds = stratified_kfold(&y, 5, 3).unwrap();
        let mut seen = vec![0; y.len()];
        for (train, valid) in &folds {
            assert_eq!(train.len() + valid.len(), y.len());
            assert_eq!(valid.len(), 200);
            let pos = valid.iter().filter(|&&i| y[i] == 1).count();
            assert_eq!(pos, 75);
            for &i in valid {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|s| *s == 1));
        assert!(stratified_kfold(&y[..3], 5, 3).is_err());
    }
}
