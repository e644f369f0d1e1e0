//! Cross-row and cross-file validation of the four parsed files → [`RawData`].

use std::collections::HashMap;
use std::path::Path;

use super::provenance::classify;
use super::{DuplicateRow, FileInfo, Parsed, RawData, Source};
use crate::error::{Error, Result};
use crate::schema;

/// The cross-file validation of the four parsed files (in [`FileId::ALL`] order).
///
/// [`FileId::ALL`]: crate::schema::FileId::ALL
pub(super) fn validate_parsed(dir: &Path, parsed: Vec<(Vec<u8>, Parsed)>) -> Result<RawData> {
    let source = classify(dir, &parsed);
    let mut it = parsed.into_iter().map(|(_, p)| p);
    let (mf, mm, mt, mo) = (
        it.next().expect("four files"),
        it.next().expect("four files"),
        it.next().expect("four files"),
        it.next().expect("four files"),
    );
    RawData::validate(dir, source, mf, mm, mt, mo)
}

impl RawData {
    fn validate(
        dir: &Path,
        source: Source,
        mf: Parsed,
        mm: Parsed,
        mt: Parsed,
        mo: Parsed,
    ) -> Result<RawData> {
        let mf_dups = unique_ids(&mf)?;
        let mo_dups = unique_ids(&mo)?;
        let index = IdIndex::new(&mf.ids);
        let mm_dups = check_periods(&mm, &mf, &index)?;
        let mt_dups = check_periods(&mt, &mf, &index)?;
        check_same_ids(&mo, &mf, &index)?;

        let mut files = Vec::with_capacity(4);
        let mut frames = Vec::with_capacity(4);
        for (p, dups) in [(mf, mf_dups), (mm, mm_dups), (mt, mt_dups), (mo, mo_dups)] {
            files.push(FileInfo {
                file: p.file,
                path: dir.join(p.file.file_name()),
                rows: p.lines.len(),
                bytes: p.bytes,
                sha256: p.sha256.clone(),
                format: p.format,
                duplicate_rows: dups,
            });
            frames.push(p.frame);
        }
        let mut it = frames.into_iter();
        Ok(RawData {
            dir: dir.to_path_buf(),
            source,
            market_file: it.next().expect("four"),
            market_money: it.next().expect("four"),
            market_time: it.next().expect("four"),
            money: it.next().expect("four"),
            files,
        })
    }
}

impl Parsed {
    fn rows_equal(&self, a: usize, b: usize) -> bool {
        self.frame
            .columns()
            .iter()
            .all(|c| matches!((c.get(a), c.get(b)), (Ok(x), Ok(y)) if x == y))
    }

    /// The period of a row as written in the file.
    fn period_as_written(&self, row: usize) -> String {
        self.frame
            .column(schema::PERIOD)
            .ok()
            .and_then(|c| c.str().ok()?.get(row).map(str::to_string))
            .unwrap_or_default()
    }
}

/// Maps ids to a 0-based row of `market_file.csv`; dense when ids are compact.
pub(crate) struct IdIndex {
    min: i64,
    dense: Option<Vec<u32>>,
    sparse: HashMap<i64, u32>,
}

impl IdIndex {
    const NONE: u32 = u32::MAX;

    /// Index of the first row of each id.
    pub(crate) fn new(ids: &[i64]) -> IdIndex {
        let min = ids.iter().copied().min().unwrap_or(0);
        let max = ids.iter().copied().max().unwrap_or(0);
        let span = (max - min) as u128 + 1;
        if span <= (ids.len() as u128) * 4 + 1024 {
            let mut dense = vec![Self::NONE; span as usize];
            for (row, &id) in ids.iter().enumerate() {
                let slot = &mut dense[(id - min) as usize];
                if *slot == Self::NONE {
                    *slot = row as u32;
                }
            }
            IdIndex {
                min,
                dense: Some(dense),
                sparse: HashMap::new(),
            }
        } else {
            let mut sparse = HashMap::with_capacity(ids.len());
            for (row, &id) in ids.iter().enumerate() {
                sparse.entry(id).or_insert(row as u32);
            }
            IdIndex {
                min,
                dense: None,
                sparse,
            }
        }
    }

    /// Row of `id`, if present.
    pub(crate) fn get(&self, id: i64) -> Option<usize> {
        match &self.dense {
            Some(d) => {
                let off = id.checked_sub(self.min)?;
                if off < 0 {
                    return None;
                }
                d.get(off as usize)
                    .copied()
                    .filter(|&r| r != Self::NONE)
                    .map(|r| r as usize)
            }
            None => self.sparse.get(&id).map(|&r| r as usize),
        }
    }
}

/// Ids must be unique; exact repeats of a row are recorded, conflicting ones are errors.
fn unique_ids(p: &Parsed) -> Result<Vec<DuplicateRow>> {
    let ids = &p.ids;
    let index = IdIndex::new(ids);
    let mut dups = Vec::new();
    for (row, &id) in ids.iter().enumerate() {
        let first = index.get(id).expect("indexed");
        if first != row {
            if p.rows_equal(first, row) {
                dups.push(DuplicateRow {
                    row,
                    line: p.lines[row],
                    first_line: p.lines[first],
                });
            } else {
                return Err(Error::DuplicateKey {
                    file: p.file.file_name().into(),
                    line: p.lines[row],
                    first_line: p.lines[first],
                    key: format!("id {id}"),
                    expected: "one row per customer".into(),
                });
            }
        }
    }
    Ok(dups)
}

/// Every id known to market_file; one row per (id, period); every period present.
fn check_periods(p: &Parsed, mf: &Parsed, index: &IdIndex) -> Result<Vec<DuplicateRow>> {
    let periods = p.file.periods();
    let ids = &p.ids;
    let customers = mf.lines.len();
    // first row per (customer row, period)
    let mut seen = vec![u32::MAX; customers * periods.len()];
    let mut dups = Vec::new();
    for (row, &id) in ids.iter().enumerate() {
        let Some(c) = index.get(id) else {
            return Err(Error::UnknownId {
                file: p.file.file_name().into(),
                line: p.lines[row],
                id,
            });
        };
        let k = usize::from(p.periods[row]);
        let slot = &mut seen[c * periods.len() + k];
        if *slot == u32::MAX {
            *slot = row as u32;
        } else {
            let first = *slot as usize;
            if p.rows_equal(first, row) {
                dups.push(DuplicateRow {
                    row,
                    line: p.lines[row],
                    first_line: p.lines[first],
                });
            } else {
                return Err(Error::DuplicateKey {
                    file: p.file.file_name().into(),
                    line: p.lines[row],
                    first_line: p.lines[first],
                    key: format!("id {id}, {} {:?}", schema::PERIOD, p.period_as_written(row)),
                    expected: format!("one row per customer and period, {periods:?}"),
                });
            }
        }
    }
    let mf_ids = &mf.ids;
    for c in 0..customers {
        if index.get(mf_ids[c]) != Some(c) {
            continue; // an exact duplicate row of market_file
        }
        let slots = &seen[c * periods.len()..(c + 1) * periods.len()];
        if slots.iter().all(|s| *s == u32::MAX) {
            return Err(Error::MissingId {
                file: p.file.file_name().into(),
                line: mf.lines[c],
                id: mf_ids[c],
                expected: format!("one row for each period {periods:?}"),
            });
        }
        if let Some(k) = slots.iter().position(|s| *s == u32::MAX) {
            let first_row = *slots
                .iter()
                .filter(|s| **s != u32::MAX)
                .min()
                .expect("some");
            return Err(Error::MissingPeriod {
                file: p.file.file_name().into(),
                line: p.lines[first_row as usize],
                id: mf_ids[c],
                period: periods[k].into(),
                expected: periods.iter().map(|s| s.to_string()).collect(),
            });
        }
    }
    Ok(dups)
}

/// `money.csv` holds exactly the customers of `market_file.csv`.
fn check_same_ids(p: &Parsed, mf: &Parsed, index: &IdIndex) -> Result<()> {
    let ids = &p.ids;
    let mut present = vec![false; mf.lines.len()];
    for (row, &id) in ids.iter().enumerate() {
        match index.get(id) {
            Some(c) => present[c] = true,
            None => {
                return Err(Error::UnknownId {
                    file: p.file.file_name().into(),
                    line: p.lines[row],
                    id,
                });
            }
        }
    }
    let mf_ids = &mf.ids;
    for (c, ok) in present.iter().enumerate() {
        if !ok && index.get(mf_ids[c]) == Some(c) {
            return Err(Error::MissingId {
                file: p.file.file_name().into(),
                line: mf.lines[c],
                id: mf_ids[c],
                expected: "one row per customer".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_index_dense_and_sparse_agree() {
        let ids = [10, 12, 11, 10];
        let dense = IdIndex::new(&ids);
        assert!(dense.dense.is_some());
        assert_eq!(dense.get(10), Some(0));
        assert_eq!(dense.get(11), Some(2));
        assert_eq!(dense.get(13), None);
        assert_eq!(dense.get(i64::MIN), None);
        let sparse_ids = [1, 1_000_000_000, 5];
        let sparse = IdIndex::new(&sparse_ids);
        assert!(sparse.dense.is_none());
        assert_eq!(sparse.get(1_000_000_000), Some(1));
        assert_eq!(sparse.get(6), None);
    }
}
