//! Pivot the period tables into wide columns and join everything → [`ModelTable`]:
//! one row per customer with `id`, the target and sixteen features; profit alongside.
//!
//! Wide columns are named `Выручка_<период>` and `Минут_<период>`, oldest period first:
//! `Выручка_препредыдущий_месяц`, `Выручка_предыдущий_месяц`, `Выручка_текущий_месяц`,
//! `Минут_предыдущий_месяц`, `Минут_текущий_месяц`.

use std::fmt;

use polars::prelude::*;

use crate::clean::{Cleaned, column_ids, index_of};
use crate::error::{Error, Result};
use crate::labels;
use crate::schema::{self, FileId};

/// One row per customer: `id`, the target, the features; profit kept alongside.
#[derive(Debug, Clone)]
pub struct ModelTable {
    /// `id`, `Покупательская активность`, then the features (see [`ModelTable::feature_names`]).
    pub frame: DataFrame,
    /// `Прибыль` of each row of `frame` (not a feature: used for segmentation).
    pub profit: Column,
}

impl ModelTable {
    /// Number of customers.
    pub fn height(&self) -> usize {
        self.frame.height()
    }

    /// All column names of `frame`.
    pub fn column_names(&self) -> Vec<String> {
        self.frame
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Feature column names (everything but `id` and the target).
    pub fn feature_names(&self) -> Vec<String> {
        self.column_names()
            .into_iter()
            .filter(|c| c != schema::ID && c != schema::TARGET)
            .collect()
    }

    /// The features without `id` and target.
    pub fn features(&self) -> Result<DataFrame> {
        Ok(self.frame.drop_many([schema::ID, schema::TARGET]))
    }

    /// Customer ids in row order.
    pub fn ids(&self) -> Result<Vec<i64>> {
        column_ids(&self.frame)
    }

    /// The target as 1 = «Снизилась» (the positive class), 0 = «Прежний уровень».
    pub fn target(&self) -> Result<Vec<u8>> {
        Ok(self
            .frame
            .column(schema::TARGET)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or(""))
            .map(|v| u8::from(v == schema::DECLINED))
            .collect())
    }

    /// Profit per row as plain numbers.
    pub fn profit_values(&self) -> Result<Vec<f64>> {
        Ok(self.profit.f64()?.into_no_null_iter().collect())
    }

    /// Share of customers whose activity declined.
    pub fn decline_rate(&self) -> Result<f64> {
        let t = self.target()?;
        Ok(t.iter().map(|&v| v as f64).sum::<f64>() / t.len().max(1) as f64)
    }
}

impl ModelTable {
    /// Checks that the merge lost and duplicated nothing, given the cleaned tables it came
    /// from: one row per customer, every customer of each cleaned table present, every
    /// period pivoted, no missing values, profit for everyone.
    pub fn checks(&self, cleaned: &Cleaned) -> Result<crate::display::Table> {
        let ids = self.ids()?;
        let distinct: std::collections::BTreeSet<i64> = ids.iter().copied().collect();
        let nulls: usize = self
            .frame
            .columns()
            .iter()
            .map(|c| c.null_count())
            .sum::<usize>()
            + self.profit.null_count();
        let mut rows = vec![
            check(
                labels::MERGE_CHECK_ONE_ROW,
                labels::merge_rows_and_ids(ids.len(), distinct.len()),
                ids.len() == distinct.len(),
            ),
            check(
                labels::MERGE_CHECK_NO_MISSING,
                labels::merge_missing(nulls),
                nulls == 0,
            ),
        ];
        for file in FileId::ALL {
            let df = cleaned.frame(file);
            let theirs: std::collections::BTreeSet<i64> = column_ids(df)?.into_iter().collect();
            let per = file.periods().len().max(1);
            rows.push(check(
                &labels::merge_check_all_customers(file),
                labels::merge_customers_times_periods(theirs.len(), per, df.height()),
                theirs == distinct && df.height() == distinct.len() * per,
            ));
        }
        rows.push(check(
            labels::MERGE_CHECK_PROFIT,
            labels::merge_values(self.profit.len()),
            self.profit.len() == ids.len(),
        ));
        Ok(crate::display::Table::from_rows(
            labels::MERGE_CHECKS_HEADERS.map(String::from).to_vec(),
            rows,
        )
        .title(labels::MERGE_CHECKS_TITLE))
    }

    /// The frame with `Прибыль` appended (for display and segmentation).
    pub fn with_profit(&self) -> Result<DataFrame> {
        let mut df = self.frame.clone();
        df.with_column(self.profit.clone())?;
        Ok(df)
    }

    /// evcxr's display hook: head and tail of the table with profit.
    pub fn evcxr_display(&self) {
        match self.with_profit() {
            Ok(df) => crate::display::Table::frame(&df)
                .title(labels::merged_table_title(schema::PROFIT))
                .evcxr_display(),
            Err(e) => eprintln!("{e}"),
        }
    }
}

fn check(name: &str, fact: String, ok: bool) -> Vec<String> {
    vec![
        name.to_string(),
        fact,
        if ok {
            labels::CHECK_PASSED
        } else {
            labels::CHECK_FAILED
        }
        .to_string(),
    ]
}

impl ModelTable {
    /// One Russian line on the table's size, for the notebooks.
    pub fn summary_ru(&self) -> String {
        labels::model_table_summary(self.frame.height(), self.frame.width())
    }
}

impl fmt::Display for ModelTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "model table: {} customers × {} columns (id, target, {} features); profit alongside",
            self.frame.height(),
            self.frame.width(),
            self.frame.width().saturating_sub(2)
        )
    }
}

impl Cleaned {
    /// Pivots and joins the cleaned tables into the model table.
    pub fn merge(&self) -> Result<ModelTable> {
        merge(self)
    }
}

/// Pivots `market_money` and `market_time` by period and joins all four tables on `id`.
///
/// Every customer of the cleaned `market_file` must have every period and a profit; a gap
/// is an error (it would mean cleaning removed rows inconsistently).
pub fn merge(c: &Cleaned) -> Result<ModelTable> {
    let (ids, index) = index_of(&c.market_file)?;
    let n = ids.len();
    let revenue = pivot(
        &c.market_money,
        FileId::MarketMoney,
        schema::REVENUE,
        &ids,
        &index,
    )?;
    let minutes = pivot(
        &c.market_time,
        FileId::MarketTime,
        schema::MINUTES,
        &ids,
        &index,
    )?;

    let mut profit = vec![f64::NAN; n];
    let mo_ids = column_ids(&c.money)?;
    let mo_val = c.money.column(schema::PROFIT)?.f64()?;
    for (id, v) in mo_ids.iter().zip(mo_val.into_no_null_iter()) {
        let row = index
            .get(*id)
            .ok_or_else(|| unexpected(FileId::Money, *id))?;
        profit[row] = v;
    }
    if let Some(row) = profit.iter().position(|v| v.is_nan()) {
        return Err(gap(FileId::Money, ids[row], schema::PROFIT));
    }

    let mut columns: Vec<Column> = c.market_file.columns().to_vec();
    for (k, period) in schema::REVENUE_PERIODS.iter().enumerate() {
        columns.push(Column::new(
            schema::revenue_column(period).into(),
            revenue[k].clone(),
        ));
    }
    for (k, period) in schema::TIME_PERIODS.iter().enumerate() {
        let values: Vec<i64> = minutes[k].iter().map(|v| *v as i64).collect();
        columns.push(Column::new(schema::minutes_column(period).into(), values));
    }
    let frame = DataFrame::new(n, columns)?;
    Ok(ModelTable {
        frame,
        profit: Column::new(schema::PROFIT.into(), profit),
    })
}

/// Wide values `[period][customer row]` of a long period table.
fn pivot(
    df: &DataFrame,
    file: FileId,
    value_column: &str,
    ids: &[i64],
    index: &crate::data::IdIndex,
) -> Result<Vec<Vec<f64>>> {
    let periods = file.periods();
    let mut wide = vec![vec![f64::NAN; ids.len()]; periods.len()];
    let long_ids = column_ids(df)?;
    let names = df.column(schema::PERIOD)?.str()?;
    let values = crate::frame::f64_values(df, value_column)?;
    for ((id, period), v) in long_ids
        .iter()
        .zip(names.iter().map(|v| v.unwrap_or("")))
        .zip(values)
    {
        let row = index.get(*id).ok_or_else(|| unexpected(file, *id))?;
        let k = periods.iter().position(|p| *p == period).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{file}: period {period:?} of customer {id} is not one of {periods:?} (was the table cleaned?)"
            ))
        })?;
        wide[k][row] = v;
    }
    for (k, col) in wide.iter().enumerate() {
        if let Some(row) = col.iter().position(|v| v.is_nan()) {
            return Err(gap(file, ids[row], periods[k]));
        }
    }
    Ok(wide)
}

fn unexpected(file: FileId, id: i64) -> Error {
    Error::InvalidArgument(format!(
        "{file}: customer {id} is not in the cleaned market_file.csv; the cleaned tables disagree"
    ))
}

fn gap(file: FileId, id: i64, what: &str) -> Error {
    Error::InvalidArgument(format!(
        "{file}: customer {id} has no value for {what:?} after cleaning; the cleaned tables disagree"
    ))
}
