//! Malformed inputs: each must give a clear error naming the file (and the line where
//! there is one) — never a panic — or, for the tolerated quirks, load correctly.

use oneclick::prelude::*;
use oneclick::synth::{self, SynthOptions};

/// Small valid synthetic data in a temporary directory.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        synth::write(&SynthOptions::new(30, 7), dir.path()).unwrap();
        Fixture { dir }
    }

    fn path(&self, file: FileId) -> std::path::PathBuf {
        self.dir.path().join(file.file_name())
    }

    fn text(&self, file: FileId) -> String {
        std::fs::read_to_string(self.path(file)).unwrap()
    }

    fn write(&self, file: FileId, bytes: impl AsRef<[u8]>) -> &Self {
        std::fs::write(self.path(file), bytes).unwrap();
        self
    }

    /// Rewrites a file with `f(text)`.
    fn edit(&self, file: FileId, f: impl FnOnce(String) -> String) -> &Self {
        let t = f(self.text(file));
        self.write(file, t)
    }

    /// Rewrites line `line` (1-based) of a file.
    fn edit_line(&self, file: FileId, line: usize, f: impl FnOnce(&str) -> String) -> &Self {
        self.edit(file, |t| {
            let mut lines: Vec<String> = t.split("\r\n").map(str::to_string).collect();
            lines[line - 1] = f(&lines[line - 1]);
            lines.join("\r\n")
        })
    }

    /// Replaces field `col` (0-based) of line `line`.
    fn set_field(&self, file: FileId, line: usize, col: usize, value: &str) -> &Self {
        let sep = if file == FileId::Money { ';' } else { ',' };
        self.edit_line(file, line, |l| {
            let mut f: Vec<&str> = l.split(sep).collect();
            f[col] = value;
            f.join(&sep.to_string())
        })
    }

    fn remove_line(&self, file: FileId, line: usize) -> &Self {
        self.edit(file, |t| {
            let mut lines: Vec<&str> = t.split("\r\n").collect();
            lines.remove(line - 1);
            lines.join("\r\n")
        })
    }

    fn load(&self) -> Result<RawData> {
        Data::load(self.dir.path())
    }

    /// Loads, expects an error about `file` at `line`, returns it.
    fn fails(&self, file: FileId, line: Option<usize>) -> Error {
        let e = match self.load() {
            Ok(_) => panic!("expected an error about {file}"),
            Err(e) => e,
        };
        let msg = e.to_string();
        assert_eq!(e.file(), Some(file.file_name()), "{msg}");
        assert!(
            msg.contains(file.file_name()),
            "message does not name the file: {msg}"
        );
        if let Some(line) = line {
            assert_eq!(e.line(), Some(line), "{msg}");
            assert!(
                msg.contains(&format!("line {line}")),
                "message lacks the line: {msg}"
            );
        }
        e
    }
}

fn cp1251(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            'А'..='я' => (c as u32 - 'А' as u32 + 0xC0) as u8,
            'Ё' => 0xA8,
            'ё' => 0xB8,
            c if c.is_ascii() => c as u8,
            _ => b'?',
        })
        .collect()
}

const MF: FileId = FileId::MarketFile;
const MM: FileId = FileId::MarketMoney;
const MT: FileId = FileId::MarketTime;
const MO: FileId = FileId::Money;

#[test]
fn fixture_is_valid() {
    let raw = Fixture::new().load().unwrap();
    assert_eq!(raw.customers(), 30);
}

#[test]
fn missing_file() {
    let fx = Fixture::new();
    std::fs::remove_file(fx.path(MT)).unwrap();
    let e = fx.fails(MT, None);
    assert!(matches!(e, Error::MissingFile { .. }), "{e}");
}

#[test]
fn empty_file() {
    let fx = Fixture::new();
    let e = fx.write(MM, "").fails(MM, Some(1));
    assert!(matches!(e, Error::EmptyFile { .. }), "{e}");
}

#[test]
fn bom_and_blank_lines_only() {
    let fx = Fixture::new();
    let e = fx.write(MO, "\u{feff}\r\n\r\n").fails(MO, Some(1));
    assert!(matches!(e, Error::EmptyFile { .. }), "{e}");
}

#[test]
fn header_only() {
    let fx = Fixture::new();
    let e = fx.write(MO, "id;Прибыль\r\n").fails(MO, Some(1));
    assert!(matches!(e, Error::NoRows { .. }), "{e}");
}

#[test]
fn wrong_separator() {
    let fx = Fixture::new();
    let e = fx.edit(MF, |t| t.replace(',', "|")).fails(MF, Some(1));
    assert!(matches!(e, Error::Separator { .. }), "{e}");
}

#[test]
fn missing_column() {
    let fx = Fixture::new();
    fx.edit(MT, |t| {
        t.split("\r\n")
            .map(|l| {
                l.rsplit_once(',')
                    .map_or(l.to_string(), |(a, _)| a.to_string())
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    });
    let e = fx.fails(MT, Some(1));
    match &e {
        Error::Columns { missing, .. } => assert_eq!(missing, &vec!["минут".to_string()]),
        _ => panic!("{e}"),
    }
}

#[test]
fn extra_column() {
    let fx = Fixture::new();
    fx.edit(MO, |t| {
        t.split("\r\n")
            .enumerate()
            .map(|(i, l)| match (i, l.is_empty()) {
                (_, true) => String::new(),
                (0, _) => format!("{l};Возраст"),
                _ => format!("{l};33"),
            })
            .collect::<Vec<_>>()
            .join("\r\n")
    });
    let e = fx.fails(MO, Some(1));
    match &e {
        Error::Columns { unexpected, .. } => assert_eq!(unexpected, &vec!["Возраст".to_string()]),
        _ => panic!("{e}"),
    }
}

#[test]
fn renamed_column() {
    let fx = Fixture::new();
    let e = fx
        .edit_line(MT, 1, |l| l.replace("минут", "Минуты"))
        .fails(MT, Some(1));
    let msg = e.to_string();
    assert!(
        msg.contains("\"минут\"") && msg.contains("\"Минуты\""),
        "{msg}"
    );
}

#[test]
fn duplicated_column() {
    let fx = Fixture::new();
    let e = fx
        .edit_line(MM, 1, |l| l.replace("id,", "id,id,"))
        .fails(MM, Some(1));
    assert!(
        matches!(e, Error::Columns { ref duplicated, .. } if duplicated == &vec!["id".to_string()]),
        "{e}"
    );
}

#[test]
fn non_numeric_value() {
    let fx = Fixture::new();
    let e = fx.set_field(MF, 3, 6, "долго").fails(MF, Some(3));
    match &e {
        Error::Value { column, value, .. } => {
            assert_eq!(column, "Длительность");
            assert_eq!(value, "долго");
        }
        _ => panic!("{e}"),
    }
    assert!(e.to_string().contains("non-negative integer"), "{e}");
}

#[test]
fn negative_revenue() {
    let fx = Fixture::new();
    let e = fx.set_field(MM, 5, 2, "-10.5").fails(MM, Some(5));
    assert!(
        matches!(e, Error::Value { ref column, .. } if column == "Выручка"),
        "{e}"
    );
}

#[test]
fn share_above_one() {
    let fx = Fixture::new();
    let e = fx.set_field(MF, 4, 7, "1.5").fails(MF, Some(4));
    assert!(e.to_string().contains("a share from 0 to 1"), "{e}");
}

#[test]
fn nan_and_infinite_text() {
    for (value, line) in [("NaN", 2), ("inf", 3), ("1e400", 4), ("-infinity", 5)] {
        let fx = Fixture::new();
        let e = fx.set_field(MM, line, 2, value).fails(MM, Some(line));
        assert!(matches!(e, Error::Value { .. }), "{value}: {e}");
    }
}

#[test]
fn empty_field() {
    let fx = Fixture::new();
    let e = fx.set_field(MF, 6, 12, "").fails(MF, Some(6));
    assert!(e.to_string().contains("the field is empty"), "{e}");
}

#[test]
fn fractional_count() {
    let fx = Fixture::new();
    let e = fx.set_field(MF, 2, 5, "3.5").fails(MF, Some(2));
    assert!(
        matches!(e, Error::Value { ref column, .. } if column == "Маркет_актив_тек_мес"),
        "{e}"
    );
}

#[test]
fn integral_real_in_count_column_is_accepted() {
    let fx = Fixture::new();
    fx.set_field(MF, 2, 5, "4.0");
    let raw = fx.load().unwrap();
    let v = raw
        .market_file
        .column("Маркет_актив_тек_мес")
        .unwrap()
        .i64()
        .unwrap();
    assert_eq!(v.get(0), Some(4));
}

#[test]
fn invalid_id() {
    for (value, line) in [("0", 2), ("-5", 3), ("21534x", 4), ("215348.0", 5)] {
        let fx = Fixture::new();
        let e = fx.set_field(MO, line, 0, value).fails(MO, Some(line));
        assert!(
            e.to_string().contains("positive integer id"),
            "{value}: {e}"
        );
    }
}

#[test]
fn duplicate_id_with_different_values() {
    let fx = Fixture::new();
    let row3 = fx.text(MO).split("\r\n").nth(2).unwrap().to_string();
    let id = row3.split(';').next().unwrap().to_string();
    let e = fx.set_field(MO, 5, 0, &id).fails(MO, Some(5));
    match &e {
        Error::DuplicateKey { first_line, .. } => assert_eq!(*first_line, 3),
        _ => panic!("{e}"),
    }
}

#[test]
fn exact_duplicate_row_is_removed_by_cleaning() {
    let fx = Fixture::new();
    let row = fx.text(MF).split("\r\n").nth(3).unwrap().to_string();
    fx.edit(MF, |t| format!("{t}{row}\r\n"));
    let raw = fx.load().unwrap();
    let dups = &raw.info(MF).duplicate_rows;
    assert_eq!(dups.len(), 1);
    assert_eq!((dups[0].line, dups[0].first_line), (32, 4));
    let cleaned = raw.clean().unwrap();
    assert_eq!(cleaned.report.rows_before[0] - 1, 30);
    let table = cleaned.merge().unwrap();
    assert!(
        table.height() <= 30 - 2,
        "inactive and anomaly customers are dropped too"
    );
    let ids = table.ids().unwrap();
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
}

#[test]
fn id_missing_from_money() {
    let fx = Fixture::new();
    let e = fx.remove_line(MO, 4).fails(MO, Some(4));
    match &e {
        Error::MissingId { id, .. } => assert_eq!(*id, 215350),
        _ => panic!("{e}"),
    }
    assert!(e.to_string().contains("market_file.csv line 4"), "{e}");
}

#[test]
fn customer_missing_from_market_time() {
    let fx = Fixture::new();
    // lines 2 and 3 are the first customer's two periods
    let e = fx.remove_line(MT, 2).remove_line(MT, 2).fails(MT, Some(2));
    assert!(matches!(e, Error::MissingId { id: 215348, .. }), "{e}");
}

#[test]
fn id_unknown_to_market_file() {
    let fx = Fixture::new();
    let e = fx.set_field(MM, 7, 0, "999999").fails(MM, Some(7));
    assert!(matches!(e, Error::UnknownId { id: 999999, .. }), "{e}");
}

#[test]
fn missing_period() {
    let fx = Fixture::new();
    // customer 215349 has lines 5, 6, 7; drop line 6 (текущий_месяц)
    let e = fx.remove_line(MM, 6).fails(MM, Some(5));
    match &e {
        Error::MissingPeriod { id, period, .. } => {
            assert_eq!(*id, 215349);
            assert_eq!(period, "текущий_месяц");
        }
        _ => panic!("{e}"),
    }
}

#[test]
fn extra_period() {
    let fx = Fixture::new();
    fx.edit(MM, |t| format!("{t}215349,будущий_месяц,100.0\r\n"));
    let e = fx.fails(MM, Some(92));
    assert!(e.to_string().contains("\"препредыдущий_месяц\""), "{e}");
}

#[test]
fn duplicated_period_with_other_value() {
    let fx = Fixture::new();
    fx.edit(MM, |t| format!("{t}215349,текущий_месяц,1.0\r\n"));
    let e = fx.fails(MM, Some(92));
    assert!(
        matches!(e, Error::DuplicateKey { first_line: 6, .. }),
        "{e}"
    );
}

#[test]
fn unknown_category() {
    let fx = Fixture::new();
    let e = fx.set_field(MF, 9, 8, "Игрушки").fails(MF, Some(9));
    assert!(e.to_string().contains("\"Товары для детей\""), "{e}");
}

#[test]
fn misspelt_target() {
    let fx = Fixture::new();
    let e = fx.set_field(MF, 2, 1, "снизилась").fails(MF, Some(2));
    assert!(
        matches!(e, Error::Value { ref column, .. } if column == "Покупательская активность"),
        "{e}"
    );
}

#[test]
fn cp1251_encoded_file() {
    let fx = Fixture::new();
    let text = fx.text(MT);
    let e = fx.write(MT, cp1251(&text)).fails(MT, Some(1));
    assert!(matches!(e, Error::Encoding { .. }), "{e}");
    assert!(e.to_string().contains("cp1251"), "{e}");
}

#[test]
fn utf16_file() {
    let fx = Fixture::new();
    let mut bytes = vec![0xFF, 0xFE];
    for u in fx.text(MO).encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let e = fx.write(MO, bytes).fails(MO, Some(1));
    assert!(e.to_string().contains("UTF-16"), "{e}");
}

#[test]
fn invalid_utf8_in_a_later_line() {
    let fx = Fixture::new();
    let mut bytes = fx.text(MO).into_bytes();
    let pos = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(4)
        .unwrap()
        .0
        + 2;
    bytes[pos] = 0xFF;
    let e = fx.write(MO, bytes).fails(MO, Some(6));
    assert!(matches!(e, Error::Encoding { .. }), "{e}");
}

#[test]
fn truncated_row() {
    let fx = Fixture::new();
    let e = fx
        .edit(MF, |t| {
            let t = t.trim_end();
            let cut = t.rfind(',').unwrap();
            let cut = t[..cut].rfind(',').unwrap();
            t[..cut].to_string()
        })
        .fails(MF, Some(31));
    assert!(
        matches!(
            e,
            Error::FieldCount {
                expected: 13,
                found: 11,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn too_many_fields() {
    let fx = Fixture::new();
    let e = fx.edit_line(MT, 8, |l| format!("{l},5")).fails(MT, Some(8));
    assert!(
        matches!(
            e,
            Error::FieldCount {
                expected: 3,
                found: 4,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn quoted_field_with_embedded_separator() {
    let fx = Fixture::new();
    let e = fx
        .set_field(MF, 10, 8, "\"Товары, для детей\"")
        .fails(MF, Some(10));
    match &e {
        Error::Value { value, .. } => assert_eq!(value, "Товары, для детей"),
        _ => panic!("{e}"),
    }
}

#[test]
fn quoted_valid_values_are_accepted() {
    let fx = Fixture::new();
    fx.set_field(MF, 2, 8, "\"Товары для детей\"")
        .set_field(MF, 2, 6, "\"500\"");
    let raw = fx.load().unwrap();
    let c = raw
        .market_file
        .column("Популярная_категория")
        .unwrap()
        .str()
        .unwrap();
    assert_eq!(c.get(0), Some("Товары для детей"));
}

#[test]
fn unterminated_quote() {
    let fx = Fixture::new();
    let e = fx
        .set_field(MF, 12, 8, "\"Товары для детей")
        .fails(MF, Some(12));
    assert!(
        matches!(
            e,
            Error::FieldCount { .. } | Error::Csv { .. } | Error::Value { .. }
        ),
        "{e}"
    );
}

#[test]
fn mixed_decimal_marks() {
    let fx = Fixture::new();
    let e = fx.set_field(MO, 9, 1, "4.25").fails(MO, Some(9));
    assert!(e.to_string().contains("decimal mark"), "{e}");
}

#[test]
fn decimal_comma_in_comma_separated_file_is_a_field_count_error() {
    let fx = Fixture::new();
    let e = fx.set_field(MM, 3, 2, "4971,6").fails(MM, Some(3));
    assert!(matches!(e, Error::FieldCount { found: 4, .. }), "{e}");
}

#[test]
fn bom_lf_and_whitespace_are_tolerated() {
    let fx = Fixture::new();
    let reference = fx.load().unwrap().clean().unwrap().merge().unwrap();
    fx.edit(MO, |t| format!("\u{feff}{}", t.replace("\r\n", "\n")))
        .edit(MT, |t| t.replace(",", " , "));
    let raw = fx.load().unwrap();
    assert!(raw.info(MO).format.bom);
    let table = raw.clean().unwrap().merge().unwrap();
    assert!(table.frame.equals(&reference.frame));
}

#[test]
fn very_long_value_is_shortened_in_the_message() {
    let fx = Fixture::new();
    let long = "я".repeat(10_000);
    let e = fx.set_field(MF, 2, 2, &long).fails(MF, Some(2));
    let msg = e.to_string();
    assert!(msg.len() < 1000, "{} bytes", msg.len());
    assert!(msg.contains("10000 characters"), "{msg}");
}
