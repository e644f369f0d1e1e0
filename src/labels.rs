//! Russian words a reader sees, in one place: segment titles, table headers and titles,
//! and numeral agreement («1 покупатель, 2 покупателя, 5 покупателей»). Identifiers,
//! column names of the data and category values are not translated.

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

/// Headers of the permutation-importance table.
pub const IMPORTANCE_HEADERS: [&str; 3] = ["признак", "падение ROC-AUC (среднее)", "std"];

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
