//! Words of the data layer, cleaning, merging, EDA and correlation.

use super::*;

// --- cleaning report details (the English twins go to the CLI and results.json) ---

/// A typo fixed: «стандартт» → «стандарт» в 10 строках.
pub fn typo_fixed(typo: &str, correct: &str, rows: usize) -> String {
    format!("«{typo}» → «{correct}» {}", in_rows(rows))
}

/// No exact duplicate rows in a file.
pub const NO_DUPLICATES: &str = "точных повторов строк нет; id (и пары id–период) уникальны";

/// Exact duplicate rows removed, with up to ten `(line, first line)` pairs.
pub fn duplicates_removed(rows: usize, lines: &[(usize, usize)]) -> String {
    let shown: Vec<String> = lines
        .iter()
        .map(|(l, first)| format!("строка {l} = строка {first}"))
        .collect();
    format!(
        "удалены точные повторы более ранних строк: {} ({}{})",
        ROW.count(rows as u64),
        shown.join(", "),
        if rows > lines.len() { ", …" } else { "" }
    )
}

/// Missing values in a file: «пропусков: 0».
pub fn missing_values(n: usize) -> String {
    format!("пропусков: {n}")
}

/// Inactive customers removed from a file.
pub fn inactive_removed(customers: usize, rows: usize) -> String {
    format!(
        "с нулевой выручкой хотя бы в одном месяце: {}; удалено строк: {rows}",
        CUSTOMER.count(customers as u64)
    )
}

/// Customers with an anomalous revenue removed from a file.
pub fn anomalies_removed(customers: usize, z: f64, rows: usize) -> String {
    format!(
        "с |робастный z| > {z} хотя бы в одном месяце: {}; удалено строк: {rows}",
        CUSTOMER.count(customers as u64)
    )
}

/// Why an inactive customer was dropped: «выручка 0: препредыдущий_месяц, …».
pub fn zero_revenue_reason(periods: &str) -> String {
    format!("выручка 0: {periods}")
}

/// Why a customer with an anomalous revenue was dropped.
pub fn anomaly_reason(
    period: &str,
    revenue: f64,
    z: f64,
    median: f64,
    scale: f64,
    threshold: f64,
) -> String {
    format!(
        "{period}: выручка {revenue} отстоит от медианы {median} на {z:.1} робастного ст. откл. \
         (1.4826·MAD = {scale:.1}); порог {threshold}"
    )
}

// --- data ---

/// Headers of the table of loaded files.
pub const FILES_HEADERS: [&str; 9] = [
    "файл",
    "строк",
    "столбцов",
    "разделитель",
    "десятичный знак",
    "концы строк",
    "BOM",
    "sha256",
    "совпадает с оригиналом",
];

/// A yes/no cell: «да» or «нет».
pub fn yes_no(yes: bool) -> &'static str {
    if yes { "да" } else { "нет" }
}

// --- clean ---

/// Short name of the typo rule.
pub const RULE_TYPO: &str = "опечатка";
/// Short name of the duplicate-rows rule.
pub const RULE_DUPLICATE_ROWS: &str = "дубликаты строк";
/// Short name of the missing-values rule.
pub const RULE_MISSING_VALUES: &str = "пропуски";
/// Short name of the inactive-customer rule.
pub const RULE_INACTIVE: &str = "неактивный покупатель";
/// Short name of the revenue-anomaly rule.
pub const RULE_ANOMALY: &str = "аномальная выручка";

/// Headers of the cleaning report.
pub const CLEANING_HEADERS: [&str; 6] = [
    "правило",
    "файл",
    "столбец",
    "замена",
    "строк",
    "подробности",
];
/// Title of the cleaning report.
pub const CLEANING_TITLE: &str = "Отчёт об очистке";

/// Headers of the rows-before-and-after table.
pub const CLEANING_ROWS_HEADERS: [&str; 4] = ["файл", "строк до", "строк после", "удалено"];
/// Title of the rows-before-and-after table.
pub const CLEANING_ROWS_TITLE: &str = "Строки до и после очистки";

/// Headers of the dropped-customers table.
pub const DROPPED_HEADERS: [&str; 3] = ["id", "правило", "причина"];
/// Title of the dropped-customers table.
pub const DROPPED_TITLE: &str = "Удалённые покупатели";

// --- merge ---

/// Headers of the merge checks.
pub const MERGE_CHECKS_HEADERS: [&str; 3] = ["проверка", "факт", "итог"];
/// Title of the merge checks.
pub const MERGE_CHECKS_TITLE: &str = "Проверки объединения";
/// A passed check.
pub const CHECK_PASSED: &str = "пройдена";
/// A failed check.
pub const CHECK_FAILED: &str = "НЕ ПРОЙДЕНА";

/// Merge check: one row per customer.
pub const MERGE_CHECK_ONE_ROW: &str = "одна строка на покупателя";
/// Fact of the one-row check: rows and distinct ids.
pub fn merge_rows_and_ids(rows: usize, ids: usize) -> String {
    format!("{}, уникальных id: {ids}", ROW.count(rows as u64))
}
/// Merge check: no missing values.
pub const MERGE_CHECK_NO_MISSING: &str = "нет пропусков";
/// Fact of the missing-values check.
pub fn merge_missing(missing: usize) -> String {
    format!("{missing} пропусков")
}
/// Merge check: every customer of `file` is in the model table.
pub fn merge_check_all_customers(file: impl std::fmt::Display) -> String {
    format!("все покупатели {file}")
}
/// Fact of the every-customer check: customers × periods = rows.
pub fn merge_customers_times_periods(customers: usize, periods: usize, rows: usize) -> String {
    format!(
        "{} × {periods} = {}",
        CUSTOMER.count(customers as u64),
        ROW.count(rows as u64)
    )
}
/// Merge check: profit for every customer.
pub const MERGE_CHECK_PROFIT: &str = "прибыль у каждого";
/// Fact of the profit check: number of values.
pub fn merge_values(values: usize) -> String {
    format!("{values} значений")
}

/// Title of the merged table shown with its `profit` column.
pub fn merged_table_title(profit: &str) -> String {
    format!("Объединённая таблица ({profit} — справочно, не признак)")
}

// --- eda ---

/// Column of value counts: how many.
pub const VALUE_COUNT: &str = "количество";
/// Column of value counts: share in per cent (one decimal), as every share a reader sees.
pub const VALUE_SHARE: &str = "доля, %";

/// Column of the missing-values frame: the table.
pub const MISSING_TABLE: &str = "таблица";
/// Column of the missing-values and describe frames: the column.
pub const MISSING_COLUMN: &str = "столбец";
/// Column of the missing-values frame: how many are missing.
pub const MISSING_COUNT: &str = "пропусков";

/// Headers of the duplicates summary.
pub const DUPLICATES_HEADERS: [&str; 4] =
    ["таблица", "строк", "уникальных id", "полных дубликатов"];

/// Column of the class comparison: the feature.
pub const COMPARE_FEATURE: &str = "признак";
/// Column of the class comparison: mean in `class`.
pub fn compare_mean(class: &str) -> String {
    format!("среднее: {class}")
}
/// Column of the class comparison: median in `class`.
pub fn compare_median(class: &str) -> String {
    format!("медиана: {class}")
}
/// Column of the class comparison: relative difference of the means.
pub const COMPARE_MEAN_DIFF: &str = "разница средних, %";

// --- corr ---

/// Headers of the φK ranking against the target.
pub const PHIK_RANKING_HEADERS: [&str; 3] = ["признак", "φK с целевым", "значимость, Z"];

/// Title of the φK ranking against `target`.
pub fn phik_ranking_title(target: &str) -> String {
    format!("Связь признаков с «{target}»")
}
