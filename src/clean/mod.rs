//! Cleaning: typo fixes, exact duplicate rows, inactive customers, revenue anomalies →
//! [`Cleaned`] with a [`CleaningReport`] in which every change is counted.
//!
//! The rules, in the order they run:
//!
//! 1. **Typos** — the published misspellings of [`crate::schema`] («стандартт»,
//!    «Косметика и аксесуары», «предыдцщий_месяц») are replaced by the correct spelling.
//! 2. **Exact duplicate rows** — rows that repeat an earlier row of the same file
//!    byte for byte in every value are removed (conflicting duplicates never get here:
//!    validation rejects them).
//! 3. **Missing values** — none can remain after validation; the check is reported.
//! 4. **Inactive customers** — a regular customer bought in each of the three months; a
//!    customer with zero revenue in any period is dropped from all four tables.
//! 5. **Revenue anomalies** — per period, the robust z-score
//!    `z = (x − median) / (1.4826 · MAD)` is computed over the active customers; a customer
//!    with `|z| > anomaly_z` (default 10) in any period is dropped. For normally distributed
//!    revenue a |z| above 10 has probability below 1e-22; genuine customers of the
//!    originals stay below 3.5, while the one anomaly (≈ 106 thousand in a month where
//!    the next largest value is under 8 thousand) scores above 100.

use std::collections::BTreeSet;

mod report;

use polars::prelude::*;

use crate::checked::Checked;
use crate::data::{IdIndex, RawData};
use crate::error::{Error, Result};
use crate::labels;
use crate::schema::{self, CategorySpec, FileId, Kind};

/// Parameters of the cleaning rules.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CleaningOptions {
    /// Robust z-score above which a period's revenue is an anomaly. Default: 10.
    pub anomaly_z: f64,
}

impl Default for CleaningOptions {
    fn default() -> Self {
        CleaningOptions { anomaly_z: 10.0 }
    }
}

impl CleaningOptions {
    /// Sets the robust z-score threshold for revenue anomalies (must be positive).
    pub fn anomaly_z(mut self, z: f64) -> Self {
        self.anomaly_z = z;
        self
    }
}

impl crate::checked::Check for CleaningOptions {
    /// Checks the parameters, naming the one that is wrong.
    fn check(&self) -> Result<()> {
        if !(self.anomaly_z.is_finite() && self.anomaly_z > 0.0) {
            return Err(Error::parameter(
                "cleaning.anomaly_z",
                self.anomaly_z,
                "a positive finite number",
            ));
        }
        Ok(())
    }
}

/// Which rule produced a report entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A misspelt category was corrected.
    Typo,
    /// Exact duplicate rows were removed.
    DuplicateRows,
    /// Missing values were looked for.
    MissingValues,
    /// Customers without revenue in some period were dropped.
    Inactive,
    /// Customers with an anomalous revenue were dropped.
    Anomaly,
}

impl Rule {
    /// Short English name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Typo => "typo",
            Rule::DuplicateRows => "duplicate rows",
            Rule::MissingValues => "missing values",
            Rule::Inactive => "inactive customer",
            Rule::Anomaly => "revenue anomaly",
        }
    }

    /// Short Russian name, for the notebooks' tables.
    pub fn name_ru(self) -> &'static str {
        match self {
            Rule::Typo => labels::RULE_TYPO,
            Rule::DuplicateRows => labels::RULE_DUPLICATE_ROWS,
            Rule::MissingValues => labels::RULE_MISSING_VALUES,
            Rule::Inactive => labels::RULE_INACTIVE,
            Rule::Anomaly => labels::RULE_ANOMALY,
        }
    }
}

/// One line of the cleaning report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportEntry {
    /// The rule.
    pub rule: Rule,
    /// The file concerned.
    pub file: FileId,
    /// The column concerned, if one.
    pub column: Option<String>,
    /// The value before (for fixes).
    pub from: Option<String>,
    /// The value after (for fixes).
    pub to: Option<String>,
    /// Rows changed or removed in this file.
    pub rows: usize,
    /// Customers concerned (for removals).
    pub ids: Vec<i64>,
    /// A sentence on what was found (English: the CLI and `results.json`).
    pub detail: String,
    /// The same sentence in Russian, for the notebooks' tables.
    #[serde(skip)]
    pub detail_ru: String,
}

/// Why a customer was dropped.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Dropped {
    /// The customer.
    pub id: i64,
    /// The rule.
    pub rule: Rule,
    /// Human reason, e.g. `revenue 0 in препредыдущий_месяц, предыдущий_месяц` (English:
    /// the CLI and `results.json`).
    pub reason: String,
    /// The same reason in Russian, for the notebooks' tables.
    #[serde(skip)]
    pub reason_ru: String,
}

/// Every change cleaning made, and every check it ran.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CleaningReport {
    /// Report lines, in the order the rules ran.
    pub entries: Vec<ReportEntry>,
    /// Customers removed from all four tables, by id.
    pub dropped: Vec<Dropped>,
    /// Rows per file before cleaning, in [`FileId::ALL`] order.
    pub rows_before: [usize; 4],
    /// Rows per file after cleaning, in [`FileId::ALL`] order.
    pub rows_after: [usize; 4],
}

impl CleaningReport {
    /// The typo fixes: `(column, from, to, rows)`.
    pub fn fixes(&self) -> impl Iterator<Item = &ReportEntry> {
        self.entries.iter().filter(|e| e.rule == Rule::Typo)
    }

    /// Rows removed from a file in total.
    pub fn rows_removed(&self, file: FileId) -> usize {
        let i = FileId::ALL.iter().position(|f| *f == file).expect("file");
        self.rows_before[i] - self.rows_after[i]
    }

    /// Ids dropped by a rule.
    pub fn dropped_ids(&self, rule: Rule) -> Vec<i64> {
        self.dropped
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| d.id)
            .collect()
    }
}

/// The four tables after cleaning.
#[derive(Debug, Clone)]
pub struct Cleaned {
    /// `market_file.csv`, cleaned.
    pub market_file: DataFrame,
    /// `market_money.csv`, cleaned.
    pub market_money: DataFrame,
    /// `market_time.csv`, cleaned.
    pub market_time: DataFrame,
    /// `money.csv`, cleaned.
    pub money: DataFrame,
    /// What was changed and why.
    pub report: CleaningReport,
    /// The options used.
    pub options: CleaningOptions,
}

impl Cleaned {
    /// The frame of one file.
    pub fn frame(&self, file: FileId) -> &DataFrame {
        match file {
            FileId::MarketFile => &self.market_file,
            FileId::MarketMoney => &self.market_money,
            FileId::MarketTime => &self.market_time,
            FileId::Money => &self.money,
        }
    }
}

impl RawData {
    /// Cleans with the default options.
    pub fn clean(&self) -> Result<Cleaned> {
        clean(self, Checked::default())
    }

    /// Cleans with explicit (checked) options.
    pub fn clean_with(&self, options: Checked<CleaningOptions>) -> Result<Cleaned> {
        clean(self, options)
    }
}

/// Runs the cleaning rules on validated data.
pub fn clean(raw: &RawData, options: Checked<CleaningOptions>) -> Result<Cleaned> {
    let mut report = CleaningReport::default();
    let mut frames: Vec<DataFrame> = FileId::ALL.iter().map(|f| raw.frame(*f).clone()).collect();
    for (i, df) in frames.iter().enumerate() {
        report.rows_before[i] = df.height();
    }

    // 1. typos: counted over all rows here, replaced after the row removals below (so
    // the removed rows are not copied twice)
    let mut typo_columns: Vec<(usize, &'static str, CategorySpec)> = Vec::new();
    for (i, file) in FileId::ALL.iter().enumerate() {
        for spec in file.columns() {
            if let Kind::Category(cat) = spec.kind
                && !cat.typos.is_empty()
            {
                count_typos(&frames[i], *file, spec.name, &cat, &mut report)?;
                typo_columns.push((i, spec.name, cat));
            }
        }
    }

    // 2. exact duplicate rows
    for (i, file) in FileId::ALL.iter().enumerate() {
        let dups = &raw.info(*file).duplicate_rows;
        if dups.is_empty() {
            report.entries.push(entry(
                Rule::DuplicateRows,
                *file,
                None,
                0,
                vec![],
                (
                    "no exact duplicate rows; ids (and id–period pairs) are unique".into(),
                    labels::NO_DUPLICATES.into(),
                ),
            ));
            continue;
        }
        let mut keep = vec![true; frames[i].height()];
        for d in dups {
            keep[d.row] = false;
        }
        frames[i] = frames[i].filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        let lines: Vec<String> = dups
            .iter()
            .take(10)
            .map(|d| format!("line {} = line {}", d.line, d.first_line))
            .collect();
        let ids = column_ids(raw.frame(*file))?;
        let dup_ids: BTreeSet<i64> = dups.iter().map(|d| ids[d.row]).collect();
        report.entries.push(entry(
            Rule::DuplicateRows,
            *file,
            None,
            dups.len(),
            dup_ids.into_iter().collect(),
            (
                format!(
                    "{} rows repeat an earlier row exactly and were removed ({}{})",
                    dups.len(),
                    lines.join(", "),
                    if dups.len() > 10 { ", …" } else { "" }
                ),
                labels::duplicates_removed(
                    dups.len(),
                    &dups
                        .iter()
                        .take(10)
                        .map(|d| (d.line, d.first_line))
                        .collect::<Vec<_>>(),
                ),
            ),
        ));
    }

    // 3. missing values (validation rejects empty fields, so this is a confirmation)
    for (i, file) in FileId::ALL.iter().enumerate() {
        let nulls: usize = frames[i].columns().iter().map(|c| c.null_count()).sum();
        report.entries.push(entry(
            Rule::MissingValues,
            *file,
            None,
            nulls,
            vec![],
            (
                format!("{nulls} missing values"),
                labels::missing_values(nulls),
            ),
        ));
    }

    // 4. inactive customers: zero revenue in some period
    let (customer_ids, index) = index_of(&frames[0])?;
    let customers = customer_ids.len();
    let mm = &frames[1]; // market_money
    let mm_rows: Vec<usize> = column_ids(mm)?
        .iter()
        .map(|id| {
            index
                .get(*id)
                .ok_or_else(|| not_in_market_file(FileId::MarketMoney, *id))
        })
        .collect::<Result<_>>()?;
    let period_of = revenue_period_indices(mm)?;
    let revenue: Vec<f64> = mm
        .column(schema::REVENUE)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let mut zero_periods: Vec<u8> = vec![0; customers]; // bit k: zero revenue in period k
    for r in 0..revenue.len() {
        if revenue[r] == 0.0 && period_of[r] < 8 {
            zero_periods[mm_rows[r]] |= 1 << period_of[r];
        }
    }
    let mut rule_of: Vec<Option<Rule>> = vec![None; customers];
    for c in 0..customers {
        if zero_periods[c] != 0 {
            rule_of[c] = Some(Rule::Inactive);
        }
    }

    // 5. revenue anomalies among the active customers, per period
    let mut anomaly_reasons: Vec<Vec<(String, String)>> = vec![Vec::new(); customers];
    for (k, period) in schema::REVENUE_PERIODS.iter().enumerate() {
        let rows: Vec<usize> = (0..revenue.len())
            .filter(|&r| period_of[r] == k && rule_of[mm_rows[r]].is_none())
            .collect();
        let values: Vec<f64> = rows.iter().map(|&r| revenue[r]).collect();
        let Some((median, scale)) = robust_location_scale(&values) else {
            continue;
        };
        if scale == 0.0 {
            continue;
        }
        for &r in &rows {
            let z = (revenue[r] - median) / scale;
            if z.abs() > options.anomaly_z {
                anomaly_reasons[mm_rows[r]].push((
                    format!(
                        "{period}: revenue {} is {z:.1} robust SDs from the median {median} (1.4826·MAD = {scale:.1}); threshold {}",
                        revenue[r], options.anomaly_z
                    ),
                    labels::anomaly_reason(period, revenue[r], z, median, scale, options.anomaly_z),
                ));
            }
        }
    }
    for c in 0..customers {
        if !anomaly_reasons[c].is_empty() {
            rule_of[c] = Some(Rule::Anomaly);
        }
    }

    // the dropped customers, by id
    let mut order: Vec<usize> = (0..customers).filter(|&c| rule_of[c].is_some()).collect();
    order.sort_by_key(|&c| (rule_of[c] != Some(Rule::Inactive), customer_ids[c]));
    for &c in &order {
        let (reason, reason_ru) = match rule_of[c] {
            Some(Rule::Inactive) => {
                let names: Vec<&str> = (0..3)
                    .filter(|k| zero_periods[c] & (1 << k) != 0)
                    .map(|k| schema::REVENUE_PERIODS[k])
                    .collect();
                (
                    format!("revenue 0 in {}", names.join(", ")),
                    labels::zero_revenue_reason(&names.join(", ")),
                )
            }
            _ => {
                let (en, ru): (Vec<String>, Vec<String>) =
                    anomaly_reasons[c].iter().cloned().unzip();
                (en.join("; "), ru.join("; "))
            }
        };
        report.dropped.push(Dropped {
            id: customer_ids[c],
            rule: rule_of[c].expect("dropped"),
            reason,
            reason_ru,
        });
    }

    // remove the dropped customers from all four tables
    for (i, file) in FileId::ALL.iter().enumerate() {
        let ids_here = column_ids(&frames[i])?;
        let mut keep = Vec::with_capacity(ids_here.len());
        let mut removed = [0usize; 2];
        for id in &ids_here {
            let c = index
                .get(*id)
                .ok_or_else(|| not_in_market_file(*file, *id))?;
            match rule_of[c] {
                None => keep.push(true),
                Some(rule) => {
                    keep.push(false);
                    removed[usize::from(rule == Rule::Anomaly)] += 1;
                }
            }
        }
        if removed.iter().any(|n| *n > 0) {
            frames[i] = frames[i].filter(&BooleanChunked::from_slice("keep".into(), &keep))?;
        }
        for (rule, n) in [(Rule::Inactive, removed[0]), (Rule::Anomaly, removed[1])] {
            let ids = report.dropped_ids(rule);
            let detail = match rule {
                Rule::Inactive => (
                    format!(
                        "{} customers with zero revenue in some period: {n} rows removed",
                        ids.len()
                    ),
                    labels::inactive_removed(ids.len(), n),
                ),
                _ => (
                    format!(
                        "{} customers with |robust z| > {} in some period: {n} rows removed",
                        ids.len(),
                        options.anomaly_z
                    ),
                    labels::anomalies_removed(ids.len(), options.anomaly_z, n),
                ),
            };
            report
                .entries
                .push(entry(rule, *file, None, n, ids, detail));
        }
    }
    for (i, column, cat) in typo_columns {
        fix_typos(&mut frames[i], column, &cat)?;
    }
    for (i, df) in frames.iter().enumerate() {
        report.rows_after[i] = df.height();
    }
    let mut it = frames.into_iter();
    Ok(Cleaned {
        market_file: it.next().expect("four"),
        market_money: it.next().expect("four"),
        market_time: it.next().expect("four"),
        money: it.next().expect("four"),
        report,
        options: *options,
    })
}

fn not_in_market_file(file: FileId, id: i64) -> Error {
    Error::InvalidArgument(format!(
        "{file}: customer {id} is not in market_file.csv; was the data validated?"
    ))
}

fn entry(
    rule: Rule,
    file: FileId,
    column: Option<String>,
    rows: usize,
    ids: Vec<i64>,
    (detail, detail_ru): (String, String),
) -> ReportEntry {
    ReportEntry {
        rule,
        file,
        column,
        from: None,
        to: None,
        rows,
        ids,
        detail,
        detail_ru,
    }
}

fn count_typos(
    df: &DataFrame,
    file: FileId,
    column: &str,
    spec: &CategorySpec,
    report: &mut CleaningReport,
) -> Result<()> {
    let mut counts = vec![0usize; spec.typos.len()];
    for v in df.column(column)?.str()?.iter().flatten() {
        if let Some(k) = spec.typos.iter().position(|(t, _)| *t == v) {
            counts[k] += 1;
        }
    }
    for ((typo, correct), n) in spec.typos.iter().zip(&counts) {
        report.entries.push(ReportEntry {
            rule: Rule::Typo,
            file,
            column: Some(column.to_string()),
            from: Some(typo.to_string()),
            to: Some(correct.to_string()),
            rows: *n,
            ids: vec![],
            detail: format!("«{typo}» → «{correct}» in {n} rows"),
            detail_ru: labels::typo_fixed(typo, correct, *n),
        });
    }
    Ok(())
}

fn fix_typos(df: &mut DataFrame, column: &str, spec: &CategorySpec) -> Result<()> {
    let values = df.column(column)?.str()?;
    let is_typo = |v: &str| spec.typos.iter().any(|(t, _)| *t == v);
    if !values.iter().flatten().any(is_typo) {
        return Ok(());
    }
    let fixed = StringChunked::from_iter_values(
        column.into(),
        values.iter().map(|v| {
            let v = v.unwrap_or("");
            spec.typos
                .iter()
                .find(|(t, _)| *t == v)
                .map_or(v, |(_, c)| c)
        }),
    );
    df.replace(column, fixed.into_column())?;
    Ok(())
}

/// Index in [`schema::REVENUE_PERIODS`] of each row's `Период` (`usize::MAX` if unknown).
pub(crate) fn revenue_period_indices(df: &DataFrame) -> Result<Vec<usize>> {
    Ok(df
        .column(schema::PERIOD)?
        .str()?
        .iter()
        .map(|p| {
            schema::REVENUE_PERIODS
                .iter()
                .position(|x| Some(*x) == p)
                .unwrap_or(usize::MAX)
        })
        .collect())
}

pub(crate) fn column_ids(df: &DataFrame) -> Result<Vec<i64>> {
    Ok(df.column(schema::ID)?.i64()?.into_no_null_iter().collect())
}

/// Median and 1.4826 × median absolute deviation (a consistent estimate of the standard
/// deviation for normal data). `None` for an empty slice.
pub fn robust_location_scale(values: &[f64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    let center = crate::stats::median(values);
    let mad = crate::stats::median(
        &values
            .iter()
            .map(|v| (v - center).abs())
            .collect::<Vec<f64>>(),
    );
    Some((center, 1.4826 * mad))
}

/// Maps ids of a cleaned table to rows of its `market_file`.
pub(crate) fn index_of(df: &DataFrame) -> Result<(Vec<i64>, IdIndex)> {
    let ids = column_ids(df)?;
    let index = IdIndex::new(&ids);
    Ok((ids, index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checked::Check;

    #[test]
    fn robust_scale_of_known_values() {
        let (m, s) = robust_location_scale(&[1.0, 2.0, 3.0, 4.0, 100.0]).unwrap();
        assert_eq!(m, 3.0);
        // deviations 2,1,0,1,97 → median 1
        assert!((s - 1.4826).abs() < 1e-12);
        assert_eq!(robust_location_scale(&[]), None);
        let (m, _) = robust_location_scale(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(m, 2.5);
    }

    #[test]
    fn options_reject_nonsense() {
        assert!(CleaningOptions::default().anomaly_z(0.0).check().is_err());
        assert!(
            CleaningOptions::default()
                .anomaly_z(f64::NAN)
                .check()
                .is_err()
        );
        assert!(CleaningOptions::default().anomaly_z(3.0).check().is_ok());
    }
}
