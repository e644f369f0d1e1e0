//! Words of the model search, metrics, explanations and charts.

use super::*;

// --- search ---

/// Headers of the leaderboard and of the best candidate of each family.
pub const LEADERBOARD_HEADERS: [&str; 7] = [
    "место",
    "семейство",
    "масштабирование",
    "параметры",
    "ROC-AUC (среднее)",
    "ROC-AUC (ст. откл.)",
    "время на фолд",
];

/// Columns of the search's polars frame (`CrossValidation::frame`), before the folds.
pub const SEARCH_FRAME_COLUMNS: [&str; 6] = [
    "место",
    "семейство",
    "масштабирование",
    "параметры",
    "ROC-AUC, кросс-валидация",
    "ст. откл., кросс-валидация",
];
/// Column of the search's frame with fold `k`'s ROC-AUC (1-based).
pub fn fold_column(k: usize) -> String {
    format!("фолд {k}")
}
/// Column of the search's frame with the fit time per fold.
pub const MS_PER_FOLD_COLUMN: &str = "мс на фолд";

/// Title of the leaderboard: the `top` best of `candidates`, `folds`-fold CV.
pub fn leaderboard_title(top: usize, candidates: usize, folds: usize) -> String {
    format!(
        "Лучшие {top} из {} ({folds}-кратная стратифицированная кросс-валидация, ROC-AUC)",
        CANDIDATE.count_of(candidates as u64)
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
    "масштабирование",
    "параметры",
    "ROC-AUC, кросс-валидация",
    "ст. откл., кросс-валидация",
    "ROC-AUC, тест",
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
        "точность".to_string(),
        "полнота".to_string(),
        "F1".to_string(),
        "доля верных".to_string(),
    ]
}
/// The chosen threshold in the two-thresholds table, three decimals.
pub fn threshold_max_f1(threshold: f64) -> String {
    format!("{threshold:.3} (макс. F1 на прогнозах вне обучения)")
}
/// Title of the two-thresholds table.
pub const THRESHOLD_TITLE: &str = "Тестовая выборка при двух порогах";

/// x-axis of the kNN validation curve.
pub const CURVE_AXIS_KNN: &str = "k (число соседей)";
/// x-axis of the decision-tree validation curve.
pub const CURVE_AXIS_TREE: &str = "max_depth (лучшее по min_samples_split × min_samples_leaf)";
/// x-axis of the logistic-regression and SVC validation curves.
pub const CURVE_AXIS_C: &str = "C";
/// x axis of the gradient-boosting validation curve.
pub const CURVE_AXIS_BOOSTING: &str = "max_iter (число деревьев)";
/// Title of a family's validation curve (`family`: its name for readers).
pub fn curve_title(family: &str) -> String {
    format!("{family}: ROC-AUC на кросс-валидации")
}

/// The families' names for readers, keyed by `model::Family::name_ru`.
pub const FAMILY_KNN: &str = "kNN";
/// See [`FAMILY_KNN`].
pub const FAMILY_TREE: &str = "дерево решений";
/// See [`FAMILY_KNN`].
pub const FAMILY_LOGISTIC: &str = "логистическая регрессия";
/// See [`FAMILY_KNN`].
pub const FAMILY_SVC: &str = "SVC";
/// See [`FAMILY_KNN`].
pub const FAMILY_BOOSTING: &str = "градиентный бустинг";

/// A scaler's name for readers (`standard` → «стандартизация»).
pub fn scaler_name(id: &str) -> &str {
    match id {
        "standard" => "стандартизация",
        "minmax" => "min-max",
        other => other,
    }
}

/// An SVC kernel's name for readers (`rbf` → «RBF-ядро»).
pub fn kernel_name(id: &str) -> &str {
    match id {
        "rbf" => "RBF-ядро",
        "linear" => "линейное ядро",
        "poly" => "полиномиальное ядро",
        other => other,
    }
}

/// Hyper-parameters for readers: `kernel=rbf` becomes «RBF-ядро»; the scikit-learn names
/// (`C`, `k`, `max_depth`, …) stay, as identifiers.
pub fn params_ru(params_text: &str) -> String {
    params_text
        .split(", ")
        .map(|p| match p.strip_prefix("kernel=") {
            Some(k) => kernel_name(k).to_string(),
            None => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A pipeline for readers: «SVC (C=1.0, RBF-ядро), стандартизация» (`family`: its name
/// for readers).
pub fn pipeline_ru(family: &str, params_text: &str, scaler: &str) -> String {
    format!(
        "{family} ({}), {}",
        params_ru(params_text),
        scaler_name(scaler)
    )
}

/// Legend note of a validation-curve line that coincides with an earlier one.
pub fn same_as(label: &str) -> String {
    format!("совпадает с «{label}»")
}

/// The money unit of the data (revenue and profit are given in conventional units).
pub const MONEY_UNIT: &str = "усл. ед.";

/// A money axis: `column, усл. ед. в месяц`.
pub fn money_axis(column: &str) -> String {
    format!("{column}, {MONEY_UNIT} в месяц")
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
pub const IMPORTANCE_HEADERS: [&str; 3] = ["признак", "падение ROC-AUC (среднее)", "ст. откл."];

/// Columns of `eda::decline_rate_by` after the category.
pub const DECLINE_RATE_HEADERS: [&str; 2] = ["покупателей", "доля «Снизилась», %"];

/// Columns of `eda::describe` (pandas' `describe()` in Russian).
pub const DESCRIBE_HEADERS: [&str; 8] = [
    "число",
    "среднее",
    "ст. откл.",
    "мин",
    "25 %",
    "медиана",
    "75 %",
    "макс",
];

/// Title of the permutation-importance table: baseline ROC-AUC (four decimals) and
/// shuffles per feature.
pub fn importance_title(baseline: f64, repeats: usize) -> String {
    format!(
        "Перестановочная важность: ROC-AUC без перестановок {baseline:.4}, {repeats} перестановок на признак"
    )
}
/// Columns of `PermutationImportance::sampling_table`.
pub const IMPORTANCE_SAMPLING_HEADERS: [&str; 5] = [
    "признак",
    "падение ROC-AUC (среднее)",
    "ст. откл. по перемешиваниям",
    "ст. ошибка по покупателям",
    "95 % интервал",
];
/// «бутстрэп-выборка».
pub const RESAMPLE: super::Noun = super::Noun {
    one: "бутстрэп-выборка",
    few: "бутстрэп-выборки",
    many: "бутстрэп-выборок",
};
/// Title of `PermutationImportance::sampling_table`: customers, bootstrap resamples.
pub fn importance_sampling_title(customers: usize, replicates: usize) -> String {
    format!(
        "Выборочная ошибка перестановочной важности: {}, {}",
        super::CUSTOMER.count(customers as u64),
        RESAMPLE.count(replicates as u64)
    )
}
/// Columns of `Explanation::sampling_table`.
pub const SHAP_SAMPLING_HEADERS: [&str; 4] =
    ["признак", "среднее |SHAP|", "ст. ошибка", "95 % интервал"];
/// Title of `Explanation::sampling_table`.
pub fn shap_sampling_title(customers: usize) -> String {
    format!(
        "Выборочная ошибка среднего |SHAP|: {}",
        super::CUSTOMER.count(customers as u64)
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
/// Label of the zero-revenue marks in the revenue chart.
pub const ZERO_REVENUE: &str = "выручка 0";
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
/// Legend of the profit threshold line, three decimals (as printed in the tables).
pub fn profit_threshold(threshold: f64) -> String {
    format!("порог прибыли {threshold:.3} {MONEY_UNIT}")
}
/// Waterfall marker of the base value (the mean prediction over the background).
pub const WATERFALL_BASE: &str = "среднее";
/// Waterfall marker of the customer's prediction.
pub const WATERFALL_OUTPUT: &str = "прогноз";
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
