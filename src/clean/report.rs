//! The cleaning report as tables (notebooks, in Russian) and as text (the CLI, in English).

use std::fmt;

use super::CleaningReport;
use crate::labels;
use crate::schema::FileId;

impl CleaningReport {
    /// Every rule's entries: rule, file, column, change, rows, detail.
    pub fn table(&self) -> crate::display::Table {
        let rows = self
            .entries
            .iter()
            .map(|e| {
                vec![
                    e.rule.name_ru().to_string(),
                    e.file.file_name().to_string(),
                    e.column.clone().unwrap_or_else(|| "—".into()),
                    match (&e.from, &e.to) {
                        (Some(f), Some(t)) => format!("«{f}» → «{t}»"),
                        _ => "—".into(),
                    },
                    e.rows.to_string(),
                    e.detail_ru.clone(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(labels::CLEANING_HEADERS.map(String::from).to_vec(), rows)
            .title(labels::CLEANING_TITLE)
    }

    /// Rows per file before and after cleaning.
    pub fn rows_table(&self) -> crate::display::Table {
        let rows = FileId::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| {
                vec![
                    f.file_name().to_string(),
                    self.rows_before[i].to_string(),
                    self.rows_after[i].to_string(),
                    (self.rows_before[i] - self.rows_after[i]).to_string(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(
            labels::CLEANING_ROWS_HEADERS.map(String::from).to_vec(),
            rows,
        )
        .title(labels::CLEANING_ROWS_TITLE)
    }

    /// The dropped customers with the reason.
    pub fn dropped_table(&self) -> crate::display::Table {
        let rows = self
            .dropped
            .iter()
            .map(|d| {
                vec![
                    d.id.to_string(),
                    d.rule.name_ru().to_string(),
                    d.reason_ru.clone(),
                ]
            })
            .collect();
        crate::display::Table::from_rows(labels::DROPPED_HEADERS.map(String::from).to_vec(), rows)
            .title(labels::DROPPED_TITLE)
    }

    /// evcxr's display hook: the entries table.
    pub fn evcxr_display(&self) {
        self.table().evcxr_display();
    }
}

impl fmt::Display for CleaningReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<18} {:<17} {:<28} {:>7}  detail",
            "rule", "file", "column", "rows"
        )?;
        for e in &self.entries {
            writeln!(
                f,
                "{:<18} {:<17} {:<28} {:>7}  {}",
                e.rule.name(),
                e.file.file_name(),
                e.column.as_deref().unwrap_or("—"),
                e.rows,
                e.detail
            )?;
        }
        for (i, file) in FileId::ALL.iter().enumerate() {
            writeln!(
                f,
                "{:<17} rows {:>8} → {:>8} ({} removed)",
                file.file_name(),
                self.rows_before[i],
                self.rows_after[i],
                self.rows_before[i] - self.rows_after[i]
            )?;
        }
        Ok(())
    }
}
