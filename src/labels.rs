//! Russian words a reader sees, in one place: segment titles, table headers and titles,
//! chart titles, axes and legends, the table display's size captions, and numeral
//! agreement («1 покупатель, 2 покупателя, 5 покупателей»). Grouped by the module that
//! shows them. Identifiers, column names of the data and category values are not
//! translated: they come from [`crate::schema`] and are passed in.

/// The three forms of a Russian noun after a number: for 1 (and 21, 31, … but not 11),
/// for 2–4 (22–24, … but not 12–14), and for the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    /// «покупатель»
    pub one: &'static str,
    /// «покупателя»
    pub few: &'static str,
    /// «покупателей»
    pub many: &'static str,
}

/// «покупатель».
pub const CUSTOMER: Noun = Noun {
    one: "покупатель",
    few: "покупателя",
    many: "покупателей",
};

/// «месяц».
pub const MONTH: Noun = Noun {
    one: "месяц",
    few: "месяца",
    many: "месяцев",
};

/// Headers of the table of effect directions.
pub const DIRECTION_HEADERS: [&str; 3] = ["признак", "среднее |SHAP|", "направление влияния"];

/// Title of the table of effect directions.
pub fn direction_title(top: usize) -> String {
    format!("В какую сторону влияют {top} самых важных признаков (SHAP)")
}

/// The direction of a categorical feature: mean SHAP value per category.
pub fn direction_by_category(parts: &str) -> String {
    format!("средний вклад по категориям: {parts}")
}

/// The direction of a numeric feature from the correlation `r` of its value with its
/// SHAP value.
pub fn direction_numeric(r: f64) -> String {
    let text = if r <= -0.3 {
        "чем больше значение, тем НИЖЕ вероятность снижения"
    } else if r >= 0.3 {
        "чем больше значение, тем ВЫШЕ вероятность снижения"
    } else {
        "влияние немонотонно"
    };
    format!("{text} (корреляция значения и вклада {r:+.2})")
}

/// Headers of the table of search candidates by family.
pub fn grid_headers(folds: usize) -> Vec<String> {
    vec![
        "семейство".into(),
        "кандидатов".into(),
        format!("обучений (× {folds} фолдов)"),
    ]
}

/// Title of the table of search candidates by family.
pub const GRID_TITLE: &str = "Кандидаты по семействам";

/// A progress line of a long cell: «what: done/total, N с».
pub fn progress_line(what: &str, done: usize, total: usize, seconds: f64) -> String {
    format!("{what}: {done}/{total}, {seconds:.0} с")
}

/// «строка».
pub const ROW: Noun = Noun {
    one: "строка",
    few: "строки",
    many: "строк",
};

impl Noun {
    /// The form that agrees with `n`.
    pub fn form(&self, n: u64) -> &'static str {
        match (n % 10, n % 100) {
            (_, 11..=14) => self.many,
            (1, _) => self.one,
            (2..=4, _) => self.few,
            _ => self.many,
        }
    }

    /// `n` and the agreeing form: «1 покупатель», «134 покупателя», «971 покупатель».
    pub fn count(&self, n: u64) -> String {
        format!("{n} {}", self.form(n))
    }
}

// --- segment ---

/// Title of the main segment (high risk × high profit).
pub const SEGMENT_MAIN: &str = "Высокий риск × высокая прибыль";
/// Title of the promo-dependent at-risk segment.
pub const SEGMENT_PROMO: &str = "Высокий риск × зависимость от акций";
/// Title of the low-risk customers (scoring).
pub const SEGMENT_LOW_RISK: &str = "Низкий риск";

/// Title of the at-risk segment of a favourite category.
pub fn segment_category(category: &str) -> String {
    format!("Высокий риск × категория «{category}»")
}

/// Headers of the segment table.
pub const SEGMENT_TABLE_HEADERS: [&str; 6] = [
    "сегмент",
    "покупателей",
    "доля",
    "снизилась (факт)",
    "прибыль",
    "прибыль под риском",
];

/// Title of the segment table.
pub const SEGMENT_TABLE_TITLE: &str =
    "Сегменты по ожидаемой прибыли под риском (Σ вероятность × прибыль)";

/// Headers of a segment profile table.
pub const PROFILE_HEADERS: [&str; 5] = [
    "признак",
    "среднее в сегменте",
    "среднее у остальных",
    "разница",
    "разница, σ",
];

/// Title of a segment profile table.
pub fn profile_title(segment: &str, size: usize) -> String {
    format!("Профиль сегмента «{segment}» ({size} покупателей) против остальных")
}

/// Title of a segment profile chart.
pub fn profile_figure_title(segment: &str) -> String {
    format!("«{segment}»: чем сегмент отличается от остальных")
}

/// x-axis of a segment profile chart.
pub const PROFILE_FIGURE_AXIS: &str = "разница средних, в стандартных отклонениях признака";

/// Title of the risk × profit scatter.
pub fn segment_scatter_title(segment: &str, size: usize) -> String {
    format!("Сегмент «{segment}»: {size} покупателей")
}

/// x-axis of the risk × profit scatter.
pub const SEGMENT_SCATTER_AXIS: &str = "вероятность снижения (out-of-fold)";

// --- display ---

/// Caption of a frame's size in its HTML table: «1296 rows × 19 columns».
pub fn table_shape(rows: usize, columns: usize) -> String {
    format!("{rows} rows × {columns} columns")
}

/// The size line of a frame's plain-text table: «shape: (1296, 19)».
pub fn table_shape_plain(rows: usize, columns: usize) -> String {
    format!("shape: ({rows}, {columns})")
}

/// The row that stands for skipped rows in the middle of a table: «… 1286 more rows …».
pub fn rows_skipped(skipped: usize) -> String {
    format!("… {skipped} more rows …")
}

/// The row that stands for skipped rows at the end of a table: «… 1291 more rows».
pub fn rows_skipped_at_end(skipped: usize) -> String {
    format!("… {skipped} more rows")
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
pub const CHECK_PASSED: &str = "ok";
/// A failed check.
pub const CHECK_FAILED: &str = "НЕ ПРОЙДЕНА";

/// Merge check: one row per customer.
pub const MERGE_CHECK_ONE_ROW: &str = "одна строка на покупателя";
/// Fact of the one-row check: rows and distinct ids.
pub fn merge_rows_and_ids(rows: usize, ids: usize) -> String {
    format!("{rows} строк, {ids} уникальных id")
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
    format!("{customers} покупателей × {periods} = {rows} строк")
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
/// Column of value counts: share.
pub const VALUE_SHARE: &str = "доля";

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

// --- search ---

/// Headers of the leaderboard and of the best candidate of each family.
pub const LEADERBOARD_HEADERS: [&str; 7] = [
    "место",
    "семейство",
    "скейлер",
    "параметры",
    "ROC-AUC (среднее)",
    "ROC-AUC (std)",
    "время на фолд",
];

/// Title of the leaderboard: the `top` best of `candidates`, `folds`-fold CV.
pub fn leaderboard_title(top: usize, candidates: usize, folds: usize) -> String {
    format!(
        "Лучшие {top} из {candidates} кандидатов ({folds}-кратная стратифицированная кросс-валидация, ROC-AUC)"
    )
}

/// Title of the best candidate of each family.
pub const FAMILY_BEST_TITLE: &str = "Лучший кандидат каждого семейства";

/// A fit time per fold in milliseconds, one decimal: «4.7 мс».
pub fn ms_per_fold(ms: f64) -> String {
    format!("{ms:.1} мс")
}

/// Headers of the families table (cross-validation and test).
pub const FAMILIES_HEADERS: [&str; 7] = [
    "семейство",
    "скейлер",
    "параметры",
    "ROC-AUC CV",
    "std CV",
    "ROC-AUC тест",
    "выбрана",
];
/// Title of the families table.
pub const FAMILIES_TITLE: &str =
    "Лучшая модель каждого семейства: кросс-валидация и тестовая выборка";

/// Title of the test ROC curves.
pub const ROC_FIGURE_TITLE: &str = "ROC-кривые на тестовой выборке";

/// Headers of the two-thresholds table; `positive` is the positive class.
pub fn threshold_headers(positive: &str) -> Vec<String> {
    vec![
        "порог".to_string(),
        format!("отмечено «{positive}»"),
        "precision".to_string(),
        "recall".to_string(),
        "F1".to_string(),
        "accuracy".to_string(),
    ]
}
/// The chosen threshold in the two-thresholds table, three decimals.
pub fn threshold_max_f1(threshold: f64) -> String {
    format!("{threshold:.3} (max F1 на OOF)")
}
/// Title of the two-thresholds table.
pub const THRESHOLD_TITLE: &str = "Тестовая выборка при двух порогах";

/// x-axis of the kNN validation curve.
pub const CURVE_AXIS_KNN: &str = "k (число соседей)";
/// x-axis of the decision-tree validation curve.
pub const CURVE_AXIS_TREE: &str = "max_depth (лучшее по min_samples_split × min_samples_leaf)";
/// x-axis of the logistic-regression and SVC validation curves.
pub const CURVE_AXIS_C: &str = "C";
/// Title of a family's validation curve.
pub fn curve_title(family: &str) -> String {
    format!("{family}: ROC-AUC на кросс-валидации")
}

// --- metrics ---

/// Top-left cell of the confusion matrix.
pub const CONFUSION_CORNER: &str = "факт \\ прогноз";
/// Column of the confusion matrix: predicted `class`.
pub fn confusion_predicted(class: &str) -> String {
    format!("прогноз: {class}")
}
/// Row of the confusion matrix: actual `class`.
pub fn confusion_actual(class: &str) -> String {
    format!("факт: {class}")
}
/// Title of the confusion matrix with its metrics, three decimals each.
pub fn confusion_title(precision: f64, recall: f64, f1: f64, accuracy: f64) -> String {
    format!(
        "Матрица ошибок: точность (precision) {precision:.3}, полнота (recall) {recall:.3}, F1 {f1:.3}, доля верных {accuracy:.3}"
    )
}

// --- explain ---

/// Headers of the permutation-importance table.
pub const IMPORTANCE_HEADERS: [&str; 3] = ["признак", "падение ROC-AUC (среднее)", "std"];

/// Title of the permutation-importance table: baseline ROC-AUC (four decimals) and
/// shuffles per feature.
pub fn importance_title(baseline: f64, repeats: usize) -> String {
    format!(
        "Перестановочная важность: ROC-AUC без перестановок {baseline:.4}, {repeats} перестановок на признак"
    )
}
/// Title of the permutation-importance chart.
pub const IMPORTANCE_FIGURE_TITLE: &str = "Перестановочная важность (падение ROC-AUC)";
/// x-axis of the permutation-importance chart.
pub const IMPORTANCE_FIGURE_AXIS: &str = "падение ROC-AUC при перемешивании признака";

/// The output SHAP explains: the probability of `class`, «P(«Снизилась»)».
pub fn shap_output(class: &str) -> String {
    format!("P(«{class}»)")
}
/// Headers of the SHAP table.
pub const SHAP_HEADERS: [&str; 4] = [
    "признак",
    "среднее |SHAP|",
    "среднее SHAP",
    "корр. значения и SHAP",
];
/// Title of the SHAP table: output, rows explained, mean base value (three decimals).
pub fn shap_table_title(output: &str, rows: usize, base: f64) -> String {
    format!("SHAP для {output} (строк: {rows}; базовое значение {base:.3})")
}
/// Title of the mean |SHAP| chart.
pub fn shap_bar_title(output: &str) -> String {
    format!("SHAP: средний вклад в {output} по модулю")
}
/// x-axis of the mean |SHAP| chart.
pub const SHAP_BAR_AXIS: &str = "среднее |SHAP|";
/// Title of the SHAP beeswarm.
pub fn shap_beeswarm_title(output: &str) -> String {
    format!("SHAP: вклад признаков в {output}")
}

// --- plot ---

/// Title of the shares-by-class bars of `column`.
pub fn bars_title(column: &str) -> String {
    format!("{column}: доли по классам")
}
/// Axis of the shares in the bars and the histogram.
pub const CLASS_SHARE_AXIS: &str = "доля покупателей класса";
/// Title of the box plot of `column`.
pub fn boxplot_title(column: &str) -> String {
    format!("{column}: размах по классам")
}
/// Title of the histogram of `column`.
pub fn histogram_title(column: &str) -> String {
    format!("{column}: распределение по классам")
}
/// y-axis of the validation curves.
pub const CURVES_AXIS: &str = "ROC-AUC (среднее по фолдам)";
/// Title of the Ishikawa diagram.
pub const ISHIKAWA_TITLE: &str = "Что влияет на покупательскую активность";
/// The head of the Ishikawa diagram, line by line.
pub const ISHIKAWA_HEAD: [&str; 3] = ["Покупательская", "активность", "снизилась?"];
/// Title of the revenue strip chart.
pub const REVENUE_TITLE: &str = "Выручка покупателей по месяцам";
/// x-axis of a ROC curve.
pub const ROC_AXIS_X: &str = "доля ложноположительных (FPR)";
/// y-axis of a ROC curve.
pub const ROC_AXIS_Y: &str = "доля истинноположительных (TPR)";
/// Title of a scatter of `y` against `x`.
pub fn scatter_title(x: &str, y: &str) -> String {
    format!("{y} и {x}")
}
/// Legend of the probability threshold line, three decimals.
pub fn probability_threshold(threshold: f64) -> String {
    format!("порог вероятности {threshold:.3}")
}
/// Legend of the profit threshold line, two decimals.
pub fn profit_threshold(threshold: f64) -> String {
    format!("порог прибыли {threshold:.2}")
}
/// x-axis of the SHAP beeswarm.
pub const BEESWARM_AXIS: &str = "SHAP (вклад в вероятность снижения)";
/// Left end of the beeswarm's colour legend.
pub const BEESWARM_LOW: &str = "низкое значение признака";
/// Right end of the beeswarm's colour legend.
pub const BEESWARM_HIGH: &str = "высокое";
/// x-axis of a SHAP waterfall: base value and prediction, three decimals.
pub fn waterfall_axis(output: &str, base: f64, prediction: f64) -> String {
    format!("{output}: базовое {base:.3} → прогноз {prediction:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals_agree() {
        for (n, word) in [
            (0, "покупателей"),
            (1, "покупатель"),
            (2, "покупателя"),
            (4, "покупателя"),
            (5, "покупателей"),
            (11, "покупателей"),
            (12, "покупателей"),
            (14, "покупателей"),
            (21, "покупатель"),
            (22, "покупателя"),
            (111, "покупателей"),
            (134, "покупателя"),
            (971, "покупатель"),
            (1296, "покупателей"),
        ] {
            assert_eq!(CUSTOMER.form(n), word, "{n}");
        }
        assert_eq!(ROW.count(3), "3 строки");
    }
}
