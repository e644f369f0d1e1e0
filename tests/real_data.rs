//! The data layer on the published originals, and on converted copies of them.
//!
//! Expected counts were cross-checked with pandas on the same files (zero revenues:
//! `mm[mm["Выручка"] == 0]`; the anomaly: the only revenue above 8 000; typo counts:
//! `value_counts()`), see the closing note of the foundation issue.

mod common;

use std::path::Path;

use oneclick::clean::Rule;
use oneclick::data::LineEnding;
use oneclick::prelude::*;

const COLUMNS: [&str; 18] = [
    "id",
    "Покупательская активность",
    "Тип сервиса",
    "Разрешить сообщать",
    "Маркет_актив_6_мес",
    "Маркет_актив_тек_мес",
    "Длительность",
    "Акционные_покупки",
    "Популярная_категория",
    "Средний_просмотр_категорий_за_визит",
    "Неоплаченные_продукты_штук_квартал",
    "Ошибка_сервиса",
    "Страниц_за_визит",
    "Выручка_препредыдущий_месяц",
    "Выручка_предыдущий_месяц",
    "Выручка_текущий_месяц",
    "Минут_предыдущий_месяц",
    "Минут_текущий_месяц",
];

#[test]
fn originals_load_with_detected_formats() {
    let Some(dir) = common::real_data_dir("originals_load_with_detected_formats") else {
        return;
    };
    let raw = Data::load(&dir).unwrap();
    assert_eq!(raw.source, Source::Original);
    let rows: Vec<usize> = raw.files.iter().map(|f| f.rows).collect();
    assert_eq!(rows, vec![1300, 3900, 2600, 1300]);
    for info in &raw.files {
        assert_eq!(info.format.line_ending, LineEnding::CrLf, "{}", info.file);
        assert!(!info.format.bom);
        assert!(info.duplicate_rows.is_empty());
        assert_eq!(info.sha256, info.file.original_sha256());
    }
    let money = raw.info(FileId::Money);
    assert_eq!((money.format.separator, money.format.decimal), (';', ','));
    let mf = raw.info(FileId::MarketFile);
    assert_eq!((mf.format.separator, mf.format.decimal), (',', '.'));
    assert_eq!(raw.market_file.width(), 13);
    assert_eq!(raw.customers(), 1300);
    // decimal commas became numbers: the first profit is 0,98
    let profit = raw.money.column("Прибыль").unwrap().f64().unwrap();
    assert_eq!(profit.get(0), Some(0.98));
}

#[test]
fn cleaning_the_originals_counts_every_change() {
    let Some(dir) = common::real_data_dir("cleaning_the_originals_counts_every_change") else {
        return;
    };
    let cleaned = Data::load(&dir).unwrap().clean().unwrap();
    let r = &cleaned.report;
    let fixes: Vec<(String, String, String, usize)> = r
        .fixes()
        .map(|e| {
            (
                e.column.clone().unwrap(),
                e.from.clone().unwrap(),
                e.to.clone().unwrap(),
                e.rows,
            )
        })
        .collect();
    assert_eq!(
        fixes,
        vec![
            (
                "Тип сервиса".into(),
                "стандартт".into(),
                "стандарт".into(),
                10
            ),
            (
                "Популярная_категория".into(),
                "Косметика и аксесуары".into(),
                "Косметика и аксессуары".into(),
                223
            ),
            (
                "Период".into(),
                "предыдцщий_месяц".into(),
                "предыдущий_месяц".into(),
                1300
            ),
        ]
    );
    assert_eq!(r.dropped_ids(Rule::Inactive), vec![215348, 215357, 215359]);
    assert_eq!(r.dropped_ids(Rule::Anomaly), vec![215380]);
    let anomaly = r.dropped.iter().find(|d| d.rule == Rule::Anomaly).unwrap();
    assert!(anomaly.reason.contains("106862.2"), "{}", anomaly.reason);
    assert!(
        anomaly.reason.contains("текущий_месяц"),
        "{}",
        anomaly.reason
    );
    for d in r.dropped.iter().filter(|d| d.rule == Rule::Inactive) {
        assert_eq!(
            d.reason, "revenue 0 in препредыдущий_месяц, предыдущий_месяц",
            "{}",
            d.id
        );
    }
    assert_eq!(r.rows_before, [1300, 3900, 2600, 1300]);
    assert_eq!(r.rows_after, [1296, 3888, 2592, 1296]);
    assert_eq!(r.rows_removed(FileId::MarketMoney), 12);
    // no typo survives
    let service = cleaned
        .market_file
        .column("Тип сервиса")
        .unwrap()
        .str()
        .unwrap();
    assert!(
        service
            .iter()
            .all(|v| matches!(v, Some("стандарт" | "премиум")))
    );
    let periods = cleaned.market_time.column("Период").unwrap().str().unwrap();
    assert!(
        periods
            .iter()
            .all(|v| matches!(v, Some("предыдущий_месяц" | "текущий_месяц")))
    );
}

#[test]
fn model_table_of_the_originals() {
    let Some(dir) = common::real_data_dir("model_table_of_the_originals") else {
        return;
    };
    let table = Data::load(&dir).unwrap().clean().unwrap().merge().unwrap();
    assert_eq!(table.height(), 1296);
    assert_eq!(table.column_names(), COLUMNS);
    assert_eq!(table.feature_names().len(), 16);
    assert_eq!(table.profit.len(), 1296);
    let declined: usize = table.target().unwrap().iter().map(|t| *t as usize).sum();
    assert_eq!(declined, 494);
    // the first kept customer, 215349: revenues 4472.0 / 5216.0 / 4971.6, minutes 12 / 10
    let ids = table.ids().unwrap();
    assert_eq!(ids[0], 215349);
    let f = &table.frame;
    let get = |c: &str| f.column(c).unwrap().get(0).unwrap().to_string();
    assert_eq!(get("Выручка_препредыдущий_месяц"), "4472.0");
    assert_eq!(get("Выручка_предыдущий_месяц"), "5216.0");
    assert_eq!(get("Выручка_текущий_месяц"), "4971.6");
    assert_eq!(get("Минут_предыдущий_месяц"), "12");
    assert_eq!(get("Минут_текущий_месяц"), "10");
    assert_eq!(table.profit_values().unwrap()[0], 4.16);
}

/// Rewrites every file of `from` into `to` with another separator, decimal mark, line end
/// and optionally a BOM and reversed column order.
fn convert(from: &Path, to: &Path, sep: char, decimal: char, eol: &str, bom: bool, reverse: bool) {
    for file in FileId::ALL {
        let text = std::fs::read_to_string(from.join(file.file_name())).unwrap();
        let src_sep = if text.lines().next().unwrap().contains(';') {
            ';'
        } else {
            ','
        };
        let mut out = String::new();
        if bom {
            out.push('\u{feff}');
        }
        for line in text.lines() {
            let mut fields: Vec<String> = line
                .split(src_sep)
                .map(|f| {
                    let is_number = f
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
                    if is_number {
                        f.replace([',', '.'], &decimal.to_string())
                    } else {
                        f.to_string()
                    }
                })
                .collect();
            if reverse {
                fields.reverse();
            }
            out.push_str(&fields.join(&sep.to_string()));
            out.push_str(eol);
        }
        std::fs::write(to.join(file.file_name()), out).unwrap();
    }
}

#[test]
fn converted_copies_give_the_identical_model_table() {
    let Some(dir) = common::real_data_dir("converted_copies_give_the_identical_model_table") else {
        return;
    };
    let reference = Data::load(&dir).unwrap().clean().unwrap();
    let table = reference.merge().unwrap();
    for (sep, decimal, eol, bom, reverse) in [
        (',', '.', "\n", false, false),
        (';', ',', "\r\n", true, false),
        ('\t', '.', "\n", false, true),
        (';', '.', "\n", true, true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        convert(&dir, tmp.path(), sep, decimal, eol, bom, reverse);
        let raw = Data::load(tmp.path()).unwrap();
        let what =
            format!("sep {sep:?} decimal {decimal:?} eol {eol:?} bom {bom} reverse {reverse}");
        assert_eq!(raw.source, Source::Other, "{what}");
        for info in &raw.files {
            assert_eq!(info.format.separator, sep, "{what}");
            assert_eq!(info.format.bom, bom, "{what}");
        }
        assert_eq!(raw.info(FileId::Money).format.decimal, decimal, "{what}");
        let cleaned = raw.clean().unwrap();
        assert_eq!(cleaned.report.dropped, reference.report.dropped, "{what}");
        assert_eq!(
            cleaned.report.rows_after, reference.report.rows_after,
            "{what}"
        );
        let other = cleaned.merge().unwrap();
        assert!(other.frame.equals(&table.frame), "{what}");
        assert!(
            other
                .profit
                .as_materialized_series()
                .equals(table.profit.as_materialized_series()),
            "{what}"
        );
    }
}
