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
        format!("обучений (× {})", FOLD.count(folds as u64)),
        "значения гиперпараметров".into(),
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

    /// The form after «из N» (genitive): «из 1 покупателя», «из 374 кандидатов».
    pub fn form_of(&self, n: u64) -> &'static str {
        if n % 10 == 1 && n % 100 != 11 {
            self.few
        } else {
            self.many
        }
    }

    /// `n` and the genitive form, for «из N …»: «374 кандидатов», «21 покупателя».
    pub fn count_of(&self, n: u64) -> String {
        format!("{n} {}", self.form_of(n))
    }

    /// A number written with `decimals` decimals and the agreeing form: a fraction takes
    /// the genitive singular whatever its digits («131,3 месяца», «2,0 покупателя»);
    /// without decimals as [`count`](Self::count). Decimal comma.
    pub fn count_decimal(&self, x: f64, decimals: usize) -> String {
        if decimals == 0 {
            return self.count(x.round().max(0.0) as u64);
        }
        decimal_comma(&format!("{x:.decimals$} {}", self.few))
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
    format!(
        "Профиль сегмента «{segment}» ({}) против остальных",
        CUSTOMER.count(size as u64)
    )
}

/// Title of a segment profile chart.
pub fn profile_figure_title(segment: &str) -> String {
    format!("«{segment}»: чем сегмент отличается от остальных")
}

/// x-axis of a segment profile chart.
pub const PROFILE_FIGURE_AXIS: &str = "разница средних, в стандартных отклонениях признака";

/// Title of the risk × profit scatter.
pub fn segment_scatter_title(segment: &str, size: usize) -> String {
    format!("Сегмент «{segment}»: {}", CUSTOMER.count(size as u64))
}

/// x-axis of the risk × profit scatter.
pub const SEGMENT_SCATTER_AXIS: &str =
    "вероятность снижения (прогноз модели, не видевшей покупателя)";

/// Label of the Otsu cut on the promo-share histogram.
pub fn otsu_cut(cut: f64) -> String {
    format!("порог Оцу {cut:.3} ")
}

// --- display ---

/// Caption of a frame's size in its HTML table: «1296 строк × 19 столбцов».
pub fn table_shape(rows: usize, columns: usize) -> String {
    format!(
        "{} × {}",
        ROW.count(rows as u64),
        COLUMN.count(columns as u64)
    )
}

/// The size line of a frame's plain-text table: «размер: 1296 строк × 19 столбцов».
pub fn table_shape_plain(rows: usize, columns: usize) -> String {
    format!("размер: {}", table_shape(rows, columns))
}

/// The row that stands for skipped rows in the middle of a table: «… ещё 1286 строк …».
pub fn rows_skipped(skipped: usize) -> String {
    format!("… ещё {} …", ROW.count(skipped as u64))
}

/// The row that stands for skipped rows at the end of a table: «… ещё 1291 строка».
pub fn rows_skipped_at_end(skipped: usize) -> String {
    format!("… ещё {}", ROW.count(skipped as u64))
}

/// «столбец».
pub const COLUMN: Noun = Noun {
    one: "столбец",
    few: "столбца",
    many: "столбцов",
};

/// `n` rows in the prepositional case: «в 1 строке», «в 10 строках».
pub fn in_rows(n: usize) -> String {
    let form = if n % 10 == 1 && n % 100 != 11 {
        "строке"
    } else {
        "строках"
    };
    format!("в {n} {form}")
}

/// Said by a notebook run on data other than the originals.
pub const PROSE_DESCRIBES_ORIGINALS: &str = "Текст этого блокнота описывает оригинальные данные; \
     на этих данных верны выводы ячеек, а не числа в тексте";

/// The model table's size: «таблица для модели: 1296 покупателей × 18 столбцов …».
pub fn model_table_summary(rows: usize, columns: usize) -> String {
    format!(
        "{} × {}: id, цель и {}",
        CUSTOMER.count(rows as u64),
        COLUMN.count(columns as u64),
        FEATURE.count(columns.saturating_sub(2) as u64)
    )
}

/// «признак».
pub const FEATURE: Noun = Noun {
    one: "признак",
    few: "признака",
    many: "признаков",
};

/// «кандидат».
pub const CANDIDATE: Noun = Noun {
    one: "кандидат",
    few: "кандидата",
    many: "кандидатов",
};

/// «фолд».
pub const FOLD: Noun = Noun {
    one: "фолд",
    few: "фолда",
    many: "фолдов",
};

mod data;
mod model;
pub use data::*;
pub use model::*;

// --- calibration ---

/// `text` in Russian number notation, the one convention for everything a reader sees
/// (tables, chart text and the sentences notebooks print, [`crate::println_ru`]):
/// - a decimal point between two digits becomes a decimal comma (`0.510` → `0,510`);
/// - a hyphen right before a number becomes a true minus (`-0.9` → `−0,9`; not inside a
///   word, a date or a range such as `2026-12` or `1-2`);
/// - the integer part of a number of five digits or more is grouped by three with a
///   no-break space (`23119` → `23 119`), like [`number`];
///
/// and everything else stays: versions and dotted paths (`0.22.0`), file names
/// (`money.csv`), words, digits inside words or paths, and customers' ids — a number right
/// after one of [`ID_CONTEXTS`] (`id 215348`, `покупатель 215667`; a table's `id` column
/// is not converted at all).
pub fn decimal_comma(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    // a character that makes the digits after it part of a word, path, date or range
    let glued = |p: char| p.is_alphanumeric() || "_./\\#".contains(p);
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = i.checked_sub(1).map(|k| chars[k]);
        // a sign: free when the character before it is free
        let signed = (c == '-' || c == '−') && !prev.is_some_and(|p| glued(p) || p == '-');
        let start = if signed { i + 1 } else { i };
        let free = if signed {
            true
        } else {
            !prev.is_some_and(|p| glued(p) || p == '-' || p == '−')
        };
        let after_comma = prev == Some(',') && i >= 2 && chars[i - 2].is_ascii_digit();
        if !free || after_comma || !chars.get(start).is_some_and(char::is_ascii_digit) {
            out.push(c);
            i += 1;
            continue;
        }
        let end = start
            + chars[start..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
        let after = chars.get(end).copied();
        let word = after.is_some_and(|a| a.is_alphabetic() || a == '_');
        let point = after == Some('.') && chars.get(end + 1).is_some_and(char::is_ascii_digit);
        let frac_end = if point {
            end + 1
                + chars[end + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_digit())
                    .count()
        } else {
            end
        };
        // a version or dotted path such as 0.22.0 or 1.2.3 keeps its points
        let dotted = point
            && chars.get(frac_end) == Some(&'.')
            && chars.get(frac_end + 1).is_some_and(char::is_ascii_digit);
        if word || dotted {
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        if signed {
            out.push('−');
        }
        let digits = &chars[start..end];
        let id = is_identifier(&chars, i);
        for (k, d) in digits.iter().enumerate() {
            if digits.len() >= 5 && !id && k > 0 && (digits.len() - k).is_multiple_of(3) {
                out.push('\u{a0}');
            }
            out.push(*d);
        }
        if point {
            out.push(',');
            out.extend(&chars[end + 1..frac_end]);
        }
        i = frac_end;
    }
    out
}

/// Whether the number at position `i` names a customer: right after «id » or after
/// «покупатель» in the singular («покупатель 215667», «у покупателя 215380»).
fn is_identifier(chars: &[char], i: usize) -> bool {
    let before = chars[i.saturating_sub(12)..i]
        .iter()
        .collect::<String>()
        .to_lowercase();
    ID_CONTEXTS.iter().any(|c| before.ends_with(c))
}

/// What comes right before a customer's id in the text a reader sees; the notebooks'
/// format check (notebooks/edit_check.py) knows the same list.
pub const ID_CONTEXTS: [&str; 6] = [
    "id ",
    "покупатель ",
    "покупателя ",
    "покупателю ",
    "покупателем ",
    "покупателе ",
];

/// `x` as a reader of the notebooks sees a number: `decimals` decimals after a decimal
/// comma, digits grouped by three with a no-break space from 10 000 on (`23 119`, but
/// `2274,5`), and a true minus (`−0,9`, never `-0,9`; no sign on a value that rounds to
/// zero).
pub fn number(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "—".to_string();
    }
    let text = format!("{:.*}", decimals, x);
    let unsigned = text.trim_start_matches('-');
    let zero = unsigned.chars().all(|c| c == '0' || c == '.');
    decimal_comma(if zero { unsigned } else { &text })
}

/// A share as a percentage with [`number`]: `0.381` → `38,1 %`.
pub fn percent(share: f64, decimals: usize) -> String {
    format!("{} %", number(share * 100.0, decimals))
}

/// `println!` for Russian text: the same arguments, printed with decimal commas
/// ([`labels::decimal_comma`](crate::labels::decimal_comma)).
#[macro_export]
macro_rules! println_ru {
    ($($arg:tt)*) => {
        ::std::println!("{}", $crate::labels::decimal_comma(&::std::format!($($arg)*)))
    };
}

/// `text` with its first letter capitalised (a clause that starts a sentence).
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// «раз» («в 89 раз больше»).
pub const TIMES: Noun = Noun {
    one: "раз",
    few: "раза",
    many: "раз",
};

/// «интервал» (a bin of a reliability table).
pub const BIN: Noun = Noun {
    one: "интервал",
    few: "интервала",
    many: "интервалов",
};

/// Headers of the reliability table.
pub const RELIABILITY_HEADERS: [&str; 6] = [
    "интервал",
    "покупателей",
    "средняя вероятность",
    "доля «Снизилась»",
    "95 % интервал Уилсона",
    "накрывает",
];

/// Title of the reliability table.
pub const RELIABILITY_TITLE: &str =
    "Калибровка: средняя вероятность и фактическая доля «Снизилась» по квантильным интервалам";

/// Axis of the reliability diagram: the mean predicted probability of a bin.
pub const RELIABILITY_AXIS_X: &str = "средняя предсказанная вероятность в интервале";
/// Axis of the reliability diagram: the observed rate of a bin.
pub const RELIABILITY_AXIS_Y: &str = "фактическая доля «Снизилась» (95 % интервал Уилсона)";
/// Legend of the diagonal of perfect calibration.
pub const RELIABILITY_DIAGONAL: &str = "идеальная калибровка";

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_are_grouped_from_ten_thousand_with_a_true_minus() {
        use super::{number, percent};
        assert_eq!(number(23119.0, 0), "23\u{a0}119");
        assert_eq!(number(2274.54, 1), "2274,5");
        assert_eq!(number(-1234567.25, 2), "−1\u{a0}234\u{a0}567,25");
        assert_eq!(number(-0.9, 1), "−0,9");
        assert_eq!(number(-0.04, 1), "0,0");
        assert_eq!(number(f64::NAN, 1), "—");
        assert_eq!(percent(0.3812, 1), "38,1 %");
    }

    #[test]
    fn fractions_take_the_genitive_singular() {
        use super::{CUSTOMER, MONTH};
        assert_eq!(MONTH.count_decimal(131.3, 1), "131,3 месяца");
        assert_eq!(CUSTOMER.count_decimal(2.0, 1), "2,0 покупателя");
        assert_eq!(CUSTOMER.count_decimal(5.0, 0), "5 покупателей");
    }

    #[test]
    fn decimal_commas_between_digits_only() {
        use super::decimal_comma;
        assert_eq!(
            decimal_comma("порог 0.510, доля 93.2 %"),
            "порог 0,510, доля 93,2 %"
        );
        assert_eq!(
            decimal_comma("money.csv, id 215401, C=1.0"),
            "money.csv, id 215401, C=1,0"
        );
        assert_eq!(decimal_comma("evcxr 0.22.0; 1.2.3"), "evcxr 0.22.0; 1.2.3");
        assert_eq!(decimal_comma("-0.25 и 1e-12"), "−0,25 и 1e-12");
    }

    #[test]
    fn true_minus_and_grouping_for_numbers_only() {
        use super::decimal_comma;
        // a hyphen before a number is a minus; inside a date, a range or a word it stays
        assert_eq!(
            decimal_comma("от -7.7 до 0.5 (-0.187…0.227), Z = -0.5"),
            "от −7,7 до 0,5 (−0,187…0,227), Z = −0,5"
        );
        assert_eq!(
            decimal_comma("2026-12-07, 1-2, top-15, --set"),
            "2026-12-07, 1-2, top-15, --set"
        );
        // five digits and more are grouped, with their sign and fraction; four are not
        assert_eq!(
            decimal_comma("23119 и 23118.3, -106862.2, 4472 и 1296"),
            "23\u{a0}119 и 23\u{a0}118,3, −106\u{a0}862,2, 4472 и 1296"
        );
        assert_eq!(
            decimal_comma("100000 покупателей"),
            "100\u{a0}000 покупателей"
        );
        // identifiers, hashes, paths and decimals that are already written stay
        assert_eq!(
            decimal_comma(
                "id 215348; покупатель 215667; sha 12345678ab; /tmp/12345; 0,12345; x12345"
            ),
            "id 215348; покупатель 215667; sha 12345678ab; /tmp/12345; 0,12345; x12345"
        );
        // the result is stable: converting twice changes nothing
        let once = decimal_comma("-23119.5 и 0.22.0");
        assert_eq!(decimal_comma(&once), once);
    }

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
        assert_eq!(CANDIDATE.count_of(374), "374 кандидатов");
        assert_eq!(CUSTOMER.count_of(21), "21 покупателя");
        assert_eq!(in_rows(1), "в 1 строке");
        assert_eq!(in_rows(11), "в 11 строках");
    }
}
