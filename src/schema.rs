//! The data's vocabulary in one place: file names, column names, periods, categories,
//! known typos and the feature groups of the study.
//!
//! Column names and category values stay exactly as in the published data (Russian).

/// `id` — the customer's number, shared by all four files.
pub const ID: &str = "id";
/// The target: «Снизилась» or «Прежний уровень».
pub const TARGET: &str = "Покупательская активность";
/// Service level: «премиум» or «стандарт».
pub const SERVICE_TYPE: &str = "Тип сервиса";
/// Whether the customer allows marketing messages: «да» / «нет».
pub const ALLOW_MESSAGES: &str = "Разрешить сообщать";
/// Average number of marketing contacts per month over the last 6 months.
pub const MARKETING_6M: &str = "Маркет_актив_6_мес";
/// Number of marketing contacts in the current month.
pub const MARKETING_CURRENT: &str = "Маркет_актив_тек_мес";
/// Days since the customer registered.
pub const DURATION: &str = "Длительность";
/// Share of purchases made on promotion over the last 6 months.
pub const PROMO_SHARE: &str = "Акционные_покупки";
/// The customer's most popular product category over the last 6 months.
pub const POPULAR_CATEGORY: &str = "Популярная_категория";
/// Average number of categories viewed per visit in the last month.
pub const CATEGORIES_PER_VISIT: &str = "Средний_просмотр_категорий_за_визит";
/// Items left unpaid in the cart over the last 3 months.
pub const UNPAID_ITEMS: &str = "Неоплаченные_продукты_штук_квартал";
/// Service errors the customer hit.
pub const SERVICE_ERRORS: &str = "Ошибка_сервиса";
/// Average pages viewed per visit over the last 3 months.
pub const PAGES_PER_VISIT: &str = "Страниц_за_визит";
/// Period column of `market_money.csv` and `market_time.csv`.
pub const PERIOD: &str = "Период";
/// Revenue of a period (`market_money.csv`).
pub const REVENUE: &str = "Выручка";
/// Minutes on the site in a period (`market_time.csv`).
pub const MINUTES: &str = "минут";
/// Average monthly profit from the customer over the last 3 months (`money.csv`).
pub const PROFIT: &str = "Прибыль";

/// Whether `column` holds money (revenue or profit, conventional units per month).
pub fn is_money(column: &str) -> bool {
    column == REVENUE || column == PROFIT || column.starts_with("Выручка_")
}

/// Target value: purchase activity declined (the positive class).
pub const DECLINED: &str = "Снизилась";
/// Target value: purchase activity stayed at the previous level.
pub const SAME_LEVEL: &str = "Прежний уровень";

/// The month before the previous one.
pub const PERIOD_PREV_PREV: &str = "препредыдущий_месяц";
/// The previous month.
pub const PERIOD_PREV: &str = "предыдущий_месяц";
/// The current month.
pub const PERIOD_CURRENT: &str = "текущий_месяц";

/// Periods of `market_money.csv`, oldest first.
pub const REVENUE_PERIODS: [&str; 3] = [PERIOD_PREV_PREV, PERIOD_PREV, PERIOD_CURRENT];
/// Periods of `market_time.csv`, oldest first.
pub const TIME_PERIODS: [&str; 2] = [PERIOD_PREV, PERIOD_CURRENT];

/// Values of «Популярная_категория» (correct spelling).
pub const CATEGORIES: [&str; 6] = [
    "Товары для детей",
    "Домашний текстиль",
    "Косметика и аксессуары",
    "Техника для красоты и здоровья",
    "Кухонная посуда",
    "Мелкая бытовая техника и электроника",
];

/// A categorical column's allowed values and the misspellings known in the published data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CategorySpec {
    /// Correctly spelled values.
    pub allowed: &'static [&'static str],
    /// `(as written, correct)` pairs accepted on input and fixed by cleaning.
    pub typos: &'static [(&'static str, &'static str)],
}

impl CategorySpec {
    /// The canonical spelling of `value`, if it is allowed or a known typo.
    pub fn canonical(&self, value: &str) -> Option<&'static str> {
        if let Some(v) = self.allowed.iter().find(|v| **v == value) {
            return Some(v);
        }
        self.typos
            .iter()
            .find(|(typo, _)| *typo == value)
            .map(|(_, fixed)| *fixed)
    }

    /// A human description of what is accepted, for error messages.
    pub fn describe(&self) -> String {
        let allowed: Vec<String> = self.allowed.iter().map(|v| format!("{v:?}")).collect();
        format!("one of {}", allowed.join(", "))
    }
}

/// Target categories.
pub const TARGET_SPEC: CategorySpec = CategorySpec {
    allowed: &[SAME_LEVEL, DECLINED],
    typos: &[],
};
/// «Тип сервиса» categories.
pub const SERVICE_SPEC: CategorySpec = CategorySpec {
    allowed: &["стандарт", "премиум"],
    typos: &[("стандартт", "стандарт")],
};
/// «Разрешить сообщать» categories.
pub const YES_NO_SPEC: CategorySpec = CategorySpec {
    allowed: &["нет", "да"],
    typos: &[],
};
/// «Популярная_категория» categories.
pub const CATEGORY_SPEC: CategorySpec = CategorySpec {
    allowed: &CATEGORIES,
    typos: &[("Косметика и аксесуары", "Косметика и аксессуары")],
};
/// Periods of `market_money.csv`.
pub const REVENUE_PERIOD_SPEC: CategorySpec = CategorySpec {
    allowed: &REVENUE_PERIODS,
    typos: &[],
};
/// Periods of `market_time.csv`.
pub const TIME_PERIOD_SPEC: CategorySpec = CategorySpec {
    allowed: &TIME_PERIODS,
    typos: &[("предыдцщий_месяц", PERIOD_PREV)],
};

/// What a column holds and which values it accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A positive integer customer id.
    Id,
    /// An integer in `[min, max]`.
    Int {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
    /// A finite real number in `[min, max]`.
    Real {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
    },
    /// One of a fixed set of strings.
    Category(CategorySpec),
}

/// The largest monthly revenue or profit of one customer the data layer accepts (in
/// absolute value): larger amounts are data errors, and they would overflow the money's
/// sums (a profit of 1e308 × a 3-month horizon is infinite).
pub const MONEY_LIMIT: f64 = 1e9;

impl Kind {
    const COUNT: Kind = Kind::Int {
        min: 0,
        max: i64::MAX,
    };
    const NON_NEGATIVE: Kind = Kind::Real {
        min: 0.0,
        max: f64::MAX,
    };
    const SHARE: Kind = Kind::Real { min: 0.0, max: 1.0 };
    /// A revenue: from 0 to [`MONEY_LIMIT`].
    const REVENUE: Kind = Kind::Real {
        min: 0.0,
        max: MONEY_LIMIT,
    };
    /// A profit: within ±[`MONEY_LIMIT`].
    const PROFIT: Kind = Kind::Real {
        min: -MONEY_LIMIT,
        max: MONEY_LIMIT,
    };

    /// A human description of the accepted values, for error messages.
    pub fn describe(&self) -> String {
        match self {
            Kind::Id => "a positive integer id".to_string(),
            Kind::Int { min: 0, max } if *max == i64::MAX => "a non-negative integer".to_string(),
            Kind::Int { min, max } => format!("an integer from {min} to {max}"),
            Kind::Real { min, max } if *min == 0.0 && *max == 1.0 => {
                "a share from 0 to 1".to_string()
            }
            Kind::Real { min, max } if *min == 0.0 && *max == f64::MAX => {
                "a non-negative number".to_string()
            }
            Kind::Real { min, max } if *min == f64::MIN && *max == f64::MAX => {
                "a finite number".to_string()
            }
            Kind::Real { min, max } if *max == MONEY_LIMIT && *min == 0.0 => {
                "an amount from 0 to 1e9 (a larger one is not a monthly amount of one customer)"
                    .to_string()
            }
            Kind::Real { min, max } if *max == MONEY_LIMIT && *min == -MONEY_LIMIT => {
                "an amount from -1e9 to 1e9 (a larger one is not a monthly amount of one customer)"
                    .to_string()
            }
            Kind::Real { min, max } => format!("a number from {min} to {max}"),
            Kind::Category(spec) => spec.describe(),
        }
    }
}

/// One column of an input file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSpec {
    /// Column name as in the header.
    pub name: &'static str,
    /// Accepted values.
    pub kind: Kind,
}

const fn col(name: &'static str, kind: Kind) -> ColumnSpec {
    ColumnSpec { name, kind }
}

/// The four input files of the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileId {
    /// `market_file.csv`: one row per customer, target and behaviour features.
    MarketFile,
    /// `market_money.csv`: revenue per customer and period (three periods).
    MarketMoney,
    /// `market_time.csv`: minutes on site per customer and period (two periods).
    MarketTime,
    /// `money.csv`: average monthly profit per customer.
    Money,
}

const MARKET_FILE_COLUMNS: [ColumnSpec; 13] = [
    col(ID, Kind::Id),
    col(TARGET, Kind::Category(TARGET_SPEC)),
    col(SERVICE_TYPE, Kind::Category(SERVICE_SPEC)),
    col(ALLOW_MESSAGES, Kind::Category(YES_NO_SPEC)),
    col(MARKETING_6M, Kind::NON_NEGATIVE),
    col(MARKETING_CURRENT, Kind::COUNT),
    col(DURATION, Kind::COUNT),
    col(PROMO_SHARE, Kind::SHARE),
    col(POPULAR_CATEGORY, Kind::Category(CATEGORY_SPEC)),
    col(CATEGORIES_PER_VISIT, Kind::COUNT),
    col(UNPAID_ITEMS, Kind::COUNT),
    col(SERVICE_ERRORS, Kind::COUNT),
    col(PAGES_PER_VISIT, Kind::COUNT),
];
const MARKET_MONEY_COLUMNS: [ColumnSpec; 3] = [
    col(ID, Kind::Id),
    col(PERIOD, Kind::Category(REVENUE_PERIOD_SPEC)),
    col(REVENUE, Kind::REVENUE),
];
const MARKET_TIME_COLUMNS: [ColumnSpec; 3] = [
    col(ID, Kind::Id),
    col(PERIOD, Kind::Category(TIME_PERIOD_SPEC)),
    col(MINUTES, Kind::COUNT),
];
const MONEY_COLUMNS: [ColumnSpec; 2] = [col(ID, Kind::Id), col(PROFIT, Kind::PROFIT)];

impl FileId {
    /// The four files in the order the study reads them.
    pub const ALL: [FileId; 4] = [
        FileId::MarketFile,
        FileId::MarketMoney,
        FileId::MarketTime,
        FileId::Money,
    ];

    /// The file name, e.g. `market_file.csv`.
    pub fn file_name(self) -> &'static str {
        match self {
            FileId::MarketFile => "market_file.csv",
            FileId::MarketMoney => "market_money.csv",
            FileId::MarketTime => "market_time.csv",
            FileId::Money => "money.csv",
        }
    }

    /// The file's columns, in the published order.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            FileId::MarketFile => &MARKET_FILE_COLUMNS,
            FileId::MarketMoney => &MARKET_MONEY_COLUMNS,
            FileId::MarketTime => &MARKET_TIME_COLUMNS,
            FileId::Money => &MONEY_COLUMNS,
        }
    }

    /// The periods each customer must have in this file (empty for per-customer files).
    pub fn periods(self) -> &'static [&'static str] {
        match self {
            FileId::MarketMoney => &REVENUE_PERIODS,
            FileId::MarketTime => &TIME_PERIODS,
            FileId::MarketFile | FileId::Money => &[],
        }
    }

    /// Published sha256 of the original file, as distributed by the course.
    pub fn original_sha256(self) -> &'static str {
        match self {
            FileId::MarketFile => {
                "d37e1cecc397903be42484eb3302d8e418ae3ee03982f3243d7a22ad656fda39"
            }
            FileId::MarketMoney => {
                "eb8d1e0ffc2205def51d6550abbb2050671f6f051e65b7f36353460818de8baa"
            }
            FileId::MarketTime => {
                "6189ba85494c721f5ce1e1c07c58d6f7f2cd21c0752a3eb935a4252f62d569a9"
            }
            FileId::Money => "df4cd0ba8cf3dbf41f1246a8c2d7446c4eabfc0d29b1652af6e6f0050d8bc823",
        }
    }
}

impl std::fmt::Display for FileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, so that width and alignment (`{:<17}`) apply
        f.pad(self.file_name())
    }
}

/// Name of the wide revenue column for a period, e.g. `Выручка_текущий_месяц`.
pub fn revenue_column(period: &str) -> String {
    format!("{REVENUE}_{period}")
}

/// Name of the wide minutes column for a period, e.g. `Минут_текущий_месяц`.
pub fn minutes_column(period: &str) -> String {
    format!("Минут_{period}")
}

/// The model table's interval (continuous) columns: binned by φK, the rest are used as
/// categories. Discrete counts with few values (contacts this month, categories per visit,
/// unpaid items, service errors) are ordinal and stay unbinned.
pub fn interval_columns() -> Vec<String> {
    let mut out: Vec<String> = [MARKETING_6M, DURATION, PROMO_SHARE, PAGES_PER_VISIT]
        .iter()
        .map(|s| s.to_string())
        .collect();
    out.extend(REVENUE_PERIODS.iter().map(|p| revenue_column(p)));
    out.extend(TIME_PERIODS.iter().map(|p| minutes_column(p)));
    out
}

/// The four feature groups of the study (the bones of the Ishikawa diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeatureGroup {
    /// How the store communicates with the customer.
    Communication,
    /// What the customer buys and how.
    ProductBehaviour,
    /// How much the customer spends.
    PurchaseBehaviour,
    /// How the customer uses the site.
    SiteBehaviour,
}

impl FeatureGroup {
    /// All groups, in the study's order.
    pub const ALL: [FeatureGroup; 4] = [
        FeatureGroup::Communication,
        FeatureGroup::ProductBehaviour,
        FeatureGroup::PurchaseBehaviour,
        FeatureGroup::SiteBehaviour,
    ];

    /// Russian name of the group, as used in the notebooks.
    pub fn name_ru(self) -> &'static str {
        match self {
            FeatureGroup::Communication => "Коммуникация с клиентом",
            FeatureGroup::ProductBehaviour => "Продуктовое поведение",
            FeatureGroup::PurchaseBehaviour => "Покупательское поведение",
            FeatureGroup::SiteBehaviour => "Поведение на сайте",
        }
    }

    /// English name of the group.
    pub fn name_en(self) -> &'static str {
        match self {
            FeatureGroup::Communication => "communication with the customer",
            FeatureGroup::ProductBehaviour => "product behaviour",
            FeatureGroup::PurchaseBehaviour => "purchase behaviour",
            FeatureGroup::SiteBehaviour => "behaviour on the site",
        }
    }
}

/// The model table's feature columns with their group, in model-table order.
pub fn feature_groups() -> Vec<(String, FeatureGroup)> {
    use FeatureGroup::*;
    let mut out: Vec<(String, FeatureGroup)> = [
        (SERVICE_TYPE, Communication),
        (ALLOW_MESSAGES, Communication),
        (MARKETING_6M, Communication),
        (MARKETING_CURRENT, Communication),
        (DURATION, Communication),
        (PROMO_SHARE, ProductBehaviour),
        (POPULAR_CATEGORY, ProductBehaviour),
        (CATEGORIES_PER_VISIT, ProductBehaviour),
        (UNPAID_ITEMS, ProductBehaviour),
        (SERVICE_ERRORS, SiteBehaviour),
        (PAGES_PER_VISIT, SiteBehaviour),
    ]
    .iter()
    .map(|(n, g)| (n.to_string(), *g))
    .collect();
    out.extend(
        REVENUE_PERIODS
            .iter()
            .map(|p| (revenue_column(p), PurchaseBehaviour)),
    );
    out.extend(
        TIME_PERIODS
            .iter()
            .map(|p| (minutes_column(p), SiteBehaviour)),
    );
    out
}

/// Russian description of every input column, for the data dictionary.
pub fn describe_ru(column: &str) -> &'static str {
    match column {
        ID => "номер покупателя в корпоративной базе данных",
        TARGET => "целевой признак: изменение покупательской активности",
        SERVICE_TYPE => "уровень сервиса",
        ALLOW_MESSAGES => "можно ли присылать покупателю дополнительные предложения",
        MARKETING_6M => "среднемесячное число маркетинговых коммуникаций за 6 месяцев",
        MARKETING_CURRENT => "число маркетинговых коммуникаций в текущем месяце",
        DURATION => "сколько дней прошло с регистрации на сайте",
        PROMO_SHARE => "среднемесячная доля покупок по акции за 6 месяцев",
        POPULAR_CATEGORY => "самая популярная категория товаров за 6 месяцев",
        CATEGORIES_PER_VISIT => {
            "сколько категорий в среднем просмотрено за визит в последний месяц"
        }
        UNPAID_ITEMS => "число неоплаченных товаров в корзине за 3 месяца",
        SERVICE_ERRORS => "число сбоев, которые коснулись покупателя на сайте",
        PAGES_PER_VISIT => "среднее число страниц за визит за 3 месяца",
        PERIOD => "месяц, к которому относится значение",
        REVENUE => "выручка от покупателя за месяц",
        MINUTES => "время на сайте за месяц, минут",
        PROFIT => "среднемесячная прибыль от покупателя за 3 месяца",
        _ => "",
    }
}

/// The data dictionary: file, column, type, description, feature group.
pub fn data_dictionary() -> crate::display::Table {
    let groups = feature_groups();
    let mut rows = Vec::new();
    for file in FileId::ALL {
        for spec in file.columns() {
            let group = match spec.name {
                REVENUE => Some(FeatureGroup::PurchaseBehaviour),
                MINUTES => Some(FeatureGroup::SiteBehaviour),
                name => groups.iter().find(|(n, _)| n == name).map(|(_, g)| *g),
            };
            let kind = match spec.kind {
                Kind::Id | Kind::Int { .. } => "целое",
                Kind::Real { .. } => "дробное",
                Kind::Category(_) => "категория",
            };
            rows.push(vec![
                file.file_name().to_string(),
                spec.name.to_string(),
                kind.to_string(),
                describe_ru(spec.name).to_string(),
                match (spec.name, group) {
                    (TARGET, _) => "целевой признак".to_string(),
                    (PROFIT, _) => "для сегментации".to_string(),
                    (_, Some(g)) => g.name_ru().to_string(),
                    (_, None) => "—".to_string(),
                },
            ]);
        }
    }
    crate::display::Table::from_rows(
        ["файл", "столбец", "тип", "описание", "группа признаков"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows,
    )
    .title("Словарь данных")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_map_to_allowed_values() {
        for spec in [SERVICE_SPEC, CATEGORY_SPEC, TIME_PERIOD_SPEC] {
            for (typo, fixed) in spec.typos {
                assert!(spec.allowed.contains(fixed), "{fixed} not allowed");
                assert_eq!(spec.canonical(typo), Some(*fixed));
            }
        }
        assert_eq!(SERVICE_SPEC.canonical("премиум"), Some("премиум"));
        assert_eq!(SERVICE_SPEC.canonical("Премиум"), None);
    }

    #[test]
    fn feature_groups_cover_the_model_features_once() {
        let groups = feature_groups();
        assert_eq!(groups.len(), 16);
        let mut names: Vec<&str> = groups.iter().map(|(n, _)| n.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 16);
        assert!(names.contains(&"Выручка_препредыдущий_месяц"));
        assert!(names.contains(&"Минут_текущий_месяц"));
    }
}
