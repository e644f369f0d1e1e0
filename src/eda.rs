//! Exploratory helpers: value counts, missing values, rows of given customers, largest
//! values.

use std::collections::BTreeSet;

use polars::prelude::*;

use crate::display::{Table, format_value};
use crate::error::Result;
use crate::labels;
use crate::schema;

/// Frequency of each value of a column, most frequent first (ties by value), with shares
/// in per cent to one decimal.
///
/// Works for text and integer columns; reals are counted by their exact value.
pub fn value_counts(df: &DataFrame, column: &str) -> Result<DataFrame> {
    let col = df.column(column)?;
    let mut counts: std::collections::HashMap<String, usize> = Default::default();
    for i in 0..col.len() {
        let v = format_value(&col.get(i)?);
        *counts.entry(v).or_default() += 1;
    }
    let mut rows: Vec<(String, usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let n = col.len().max(1) as f64;
    let values: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    let count: Vec<u64> = rows.iter().map(|r| r.1 as u64).collect();
    let share: Vec<f64> = rows
        .iter()
        .map(|r| (r.1 as f64 / n * 1000.0).round() / 10.0)
        .collect();
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(column.into(), values),
            Column::new(labels::VALUE_COUNT.into(), count),
            Column::new(labels::VALUE_SHARE.into(), share),
        ],
    )?)
}

/// Missing values per column of each frame: `(table, column, missing)`.
pub fn missing_values(frames: &[(&str, &DataFrame)]) -> Result<DataFrame> {
    let mut table = Vec::new();
    let mut column = Vec::new();
    let mut missing = Vec::new();
    for (name, df) in frames {
        for c in df.columns() {
            table.push(name.to_string());
            column.push(c.name().to_string());
            missing.push(c.null_count() as u64);
        }
    }
    Ok(DataFrame::new(
        table.len(),
        vec![
            Column::new(labels::MISSING_TABLE.into(), table),
            Column::new(labels::MISSING_COLUMN.into(), column),
            Column::new(labels::MISSING_COUNT.into(), missing),
        ],
    )?)
}

/// The rows of a frame that belong to the given customer ids, in frame order.
pub fn rows_of_customers(df: &DataFrame, ids: &[i64]) -> Result<DataFrame> {
    let wanted: BTreeSet<i64> = ids.iter().copied().collect();
    let mask: Vec<bool> = df
        .column(schema::ID)?
        .i64()?
        .iter()
        .map(|id| id.is_some_and(|id| wanted.contains(&id)))
        .collect();
    Ok(df.filter(&BooleanChunked::from_slice("mask".into(), &mask))?)
}

/// The `n` rows with the largest values of a numeric column, largest first.
pub fn largest(df: &DataFrame, column: &str, n: usize) -> Result<DataFrame> {
    let values = df.column(column)?.cast(&DataType::Float64)?;
    let values = values.f64()?;
    let mut idx: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let take: Vec<IdxSize> = idx.iter().take(n).map(|(i, _)| *i as IdxSize).collect();
    let take = IdxCa::from_vec("idx".into(), take);
    Ok(df.take(&take)?)
}

/// Rows, distinct ids and full-row duplicates of a frame, for a duplicates check.
pub fn duplicate_summary(frames: &[(&str, &DataFrame)]) -> Result<Table> {
    let mut rows = Vec::new();
    for (name, df) in frames {
        let ids = df.column(schema::ID)?.i64()?;
        let distinct: BTreeSet<i64> = ids.iter().flatten().collect();
        let mut seen = std::collections::HashSet::new();
        let mut full = 0usize;
        for i in 0..df.height() {
            let row = df
                .columns()
                .iter()
                .map(|c| c.get(i).map(|v| format_value(&v)))
                .collect::<std::result::Result<Vec<_>, _>>()?
                .join("\u{1f}");
            if !seen.insert(row) {
                full += 1;
            }
        }
        rows.push(vec![
            name.to_string(),
            df.height().to_string(),
            distinct.len().to_string(),
            full.to_string(),
        ]);
    }
    Ok(Table::from_rows(
        labels::DUPLICATES_HEADERS.map(String::from).to_vec(),
        rows,
    ))
}

/// count, mean, std, min, quartiles and max of every numeric column (one row per column,
/// like pandas' `describe().T`).
pub fn describe(df: &DataFrame) -> Result<DataFrame> {
    use crate::stats::quantile_sorted;
    let cols = crate::corr::numeric_columns(df)?;
    let mut names = Vec::new();
    let mut stats: [Vec<f64>; 8] = Default::default();
    for (name, v) in cols {
        let mut x: Vec<f64> = v.into_iter().filter(|x| x.is_finite()).collect();
        x.sort_by(f64::total_cmp);
        let mean = crate::stats::mean(&x);
        let row = [
            x.len() as f64,
            mean,
            crate::stats::sample_std(&x, mean),
            x.first().copied().unwrap_or(f64::NAN),
            quantile_sorted(&x, 0.25),
            quantile_sorted(&x, 0.5),
            quantile_sorted(&x, 0.75),
            x.last().copied().unwrap_or(f64::NAN),
        ];
        for (s, v) in stats.iter_mut().zip(row) {
            s.push(v);
        }
        names.push(name);
    }
    let mut columns = vec![Column::new(labels::MISSING_COLUMN.into(), names)];
    for (l, v) in labels::DESCRIBE_HEADERS.iter().zip(stats) {
        columns.push(Column::new((*l).into(), v));
    }
    Ok(DataFrame::new(columns[0].len(), columns)?)
}

/// For each value of the categorical `column`: customers and the share whose activity
/// declined, highest share first.
pub fn decline_rate_by(table: &crate::merge::ModelTable, column: &str) -> Result<DataFrame> {
    let values = crate::frame::str_values(&table.frame, column)?;
    let target = table.target()?;
    let mut levels: Vec<(String, usize, usize)> = Vec::new();
    for (v, t) in values.iter().zip(&target) {
        match levels.iter_mut().find(|(l, _, _)| l == v) {
            Some(e) => {
                e.1 += 1;
                e.2 += usize::from(*t == 1);
            }
            None => levels.push((v.clone(), 1, usize::from(*t == 1))),
        }
    }
    let rate = |n: usize, d: usize| d as f64 / n.max(1) as f64;
    levels.sort_by(|a, b| {
        rate(b.1, b.2)
            .total_cmp(&rate(a.1, a.2))
            .then(a.0.cmp(&b.0))
    });
    let [count, share] = labels::DECLINE_RATE_HEADERS;
    Ok(DataFrame::new(
        levels.len(),
        vec![
            Column::new(
                column.into(),
                levels.iter().map(|l| l.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                count.into(),
                levels.iter().map(|l| l.1 as u64).collect::<Vec<_>>(),
            ),
            Column::new(
                share.into(),
                levels
                    .iter()
                    .map(|l| (rate(l.1, l.2) * 1000.0).round() / 10.0)
                    .collect::<Vec<_>>(),
            ),
        ],
    )?)
}

/// For each numeric feature: mean and median in each class and the relative difference
/// of the means («Снизилась» vs «Прежний уровень»), largest difference first.
pub fn compare_classes(table: &crate::merge::ModelTable) -> Result<DataFrame> {
    use crate::stats::quantile_sorted;
    let target = table.target()?;
    let features = table.features()?;
    let mut rows: Vec<(String, [f64; 4], f64)> = Vec::new();
    for (name, v) in crate::corr::numeric_columns(&features)? {
        let mut by: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
        for (x, t) in v.iter().zip(&target) {
            by[*t as usize].push(*x);
        }
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len().max(1) as f64;
        let median = |x: &mut Vec<f64>| {
            x.sort_by(f64::total_cmp);
            quantile_sorted(x, 0.5)
        };
        let (m0, m1) = (mean(&by[0]), mean(&by[1]));
        let (d0, d1) = (median(&mut by[0]), median(&mut by[1]));
        let diff = if m0 != 0.0 {
            (m1 - m0) / m0.abs()
        } else {
            f64::NAN
        };
        rows.push((name, [m0, m1, d0, d1], diff));
    }
    rows.sort_by(|a, b| b.2.abs().total_cmp(&a.2.abs()));
    let n = rows.len();
    Ok(DataFrame::new(
        n,
        vec![
            Column::new(
                labels::COMPARE_FEATURE.into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                labels::compare_mean(schema::SAME_LEVEL).into(),
                rows.iter().map(|r| r.1[0]).collect::<Vec<_>>(),
            ),
            Column::new(
                labels::compare_mean(schema::DECLINED).into(),
                rows.iter().map(|r| r.1[1]).collect::<Vec<_>>(),
            ),
            Column::new(
                labels::compare_median(schema::SAME_LEVEL).into(),
                rows.iter().map(|r| r.1[2]).collect::<Vec<_>>(),
            ),
            Column::new(
                labels::compare_median(schema::DECLINED).into(),
                rows.iter().map(|r| r.1[3]).collect::<Vec<_>>(),
            ),
            Column::new(
                labels::COMPARE_MEAN_DIFF.into(),
                rows.iter().map(|r| r.2 * 100.0).collect::<Vec<_>>(),
            ),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_counts_sorted_with_shares() {
        let df = polars::df!("x" => ["б", "а", "б", "в", "б", "а"]).unwrap();
        let vc = value_counts(&df, "x").unwrap();
        let values: Vec<&str> = vc
            .column("x")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(values, vec!["б", "а", "в"]);
        let share = vc.column("доля, %").unwrap().f64().unwrap();
        assert_eq!(share.get(0), Some(50.0));
        assert_eq!(share.get(1), Some(33.3));
    }

    #[test]
    fn largest_and_rows_of_customers() {
        let df = polars::df!("id" => [1i64, 2, 3, 4], "v" => [5.0, 50.0, 7.0, 1.0]).unwrap();
        let top = largest(&df, "v", 2).unwrap();
        assert_eq!(top.column("id").unwrap().i64().unwrap().get(0), Some(2));
        assert_eq!(top.height(), 2);
        let some = rows_of_customers(&df, &[4, 1]).unwrap();
        let ids: Vec<i64> = some
            .column("id")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .flatten()
            .collect();
        assert_eq!(ids, vec![1, 4]);
        let d = describe(&df).unwrap();
        assert_eq!(d.height(), 2);
        assert_eq!(
            d.column("среднее").unwrap().f64().unwrap().get(1),
            Some(15.75)
        );
        assert_eq!(
            d.column("медиана").unwrap().f64().unwrap().get(0),
            Some(2.5)
        );
        let dups = duplicate_summary(&[("t", &df)]).unwrap();
        assert_eq!(dups.rows[0], vec!["t", "4", "4", "0"]);
    }
}
