//! Charts of the study, one file per chart kind; colours and labels shared in
//! [`style`] and here.
//!
//! Every chart returns a [`Figure`](crate::display::Figure) (SVG): shown inline in a
//! notebook, saved to a file by the headless report. Output is deterministic. The two
//! target classes have the same colours in every chart: blue «Прежний уровень», orange
//! «Снизилась».

mod bars;
mod boxplot;
mod curves;
mod drift;
mod heatmap;
mod hist;
mod ishikawa;
mod qini;
mod reliability;
mod revenue;
mod roc;
mod scatter;
mod shap;
pub mod style;

pub use bars::count_by_class;
pub use boxplot::boxplot_by_class;
pub use curves::validation_curves;
pub use drift::drift_bins;
pub use heatmap::heatmap;
pub use hist::{histogram_by_class, histogram_with_cut};
pub use ishikawa::ishikawa;
pub use qini::{QiniPanel, qini_curves};
pub use reliability::reliability_diagram;
pub use revenue::revenue_by_period;
pub use roc::{Curve, roc_curve, roc_curves};
pub use scatter::{scatter_by_class, threshold_scatter};
pub use shap::{beeswarm, importance_bars, waterfall};

use plotters::style::RGBColor;

use crate::display::Figure;
use crate::error::Result;
use crate::merge::ModelTable;
use crate::schema;

/// The label of a class: 1 = «Снизилась», 0 = «Прежний уровень».
pub fn class_label(class: u8) -> &'static str {
    if class == 1 {
        schema::DECLINED
    } else {
        schema::SAME_LEVEL
    }
}

/// The colour of a class, the same in every chart.
pub fn class_style(class: u8) -> RGBColor {
    if class == 1 {
        style::DECLINED
    } else {
        style::SAME_LEVEL
    }
}

/// Draws a one-line legend of coloured squares and labels at the top of `area` (used
/// instead of an in-plot legend where bars could hide under it).
pub(crate) fn legend_strip<DB: plotters::prelude::DrawingBackend>(
    area: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, RGBColor)],
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    use plotters::prelude::*;
    let mut x = 70;
    for (label, color) in entries {
        area.draw(&Rectangle::new([(x, 8), (x + 14, 20)], color.filled()))?;
        area.draw(&Text::new(label.clone(), (x + 20, 8), (style::FONT, 13)))?;
        x += 40 + 8 * label.chars().count() as i32;
    }
    Ok(())
}

/// A column's axis title, with the money unit where the column is money.
pub(crate) fn axis_title(column: &str) -> String {
    if schema::is_money(column) {
        crate::labels::money_axis(column)
    } else {
        column.to_string()
    }
}

/// The two classes' legend with their sizes («Прежний уровень (n = 802)»), on one line.
pub(crate) fn class_legend<DB: plotters::prelude::DrawingBackend>(
    area: &plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    counts: [usize; 2],
) -> std::result::Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    legend_strip(
        area,
        &[0u8, 1].map(|c| {
            (
                format!("{} (n = {})", class_label(c), counts[c as usize]),
                class_style(c),
            )
        }),
    )
}

/// Distinct values of a column as text, numerically sorted when they are numbers.
fn sorted_levels(values: &[String]) -> Vec<String> {
    let mut levels: Vec<String> = values.to_vec();
    levels.sort();
    levels.dedup();
    if levels.iter().all(|v| v.parse::<f64>().is_ok()) {
        levels.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    }
    levels
}

/// The chart that suits a feature of the model table, split by class: shares per value
/// for categories and discrete features with at most 12 values, else a histogram.
pub fn feature_by_class(table: &ModelTable, column: &str) -> Result<Figure> {
    let target = table.target()?;
    let col = table.frame.column(column)?;
    let text: Vec<String> = (0..col.len())
        .map(|i| col.get(i).map(|v| crate::display::format_value(&v)))
        .collect::<std::result::Result<_, _>>()?;
    let levels = sorted_levels(&text);
    if col.dtype() == &polars::prelude::DataType::String || levels.len() <= 12 {
        let levels = if col.dtype() == &polars::prelude::DataType::String {
            // categories: most frequent first
            let mut l = levels;
            l.sort_by_key(|v| std::cmp::Reverse(text.iter().filter(|t| *t == v).count()));
            l
        } else {
            levels
        };
        count_by_class(&text, &target, column, &levels)
    } else {
        histogram_by_class(&numeric(table, column)?, &target, column, 20)
    }
}

/// [`feature_by_class`] of every column of `columns`, one under another: a feature group
/// in one figure.
pub fn group_by_class(table: &ModelTable, columns: &[&str]) -> Result<Figure> {
    let figures = columns
        .iter()
        .map(|c| feature_by_class(table, c))
        .collect::<Result<Vec<_>>>()?;
    Ok(Figure::stack(&figures))
}

/// A numeric column of the model table as `f64`.
pub fn numeric(table: &ModelTable, column: &str) -> Result<Vec<f64>> {
    crate::frame::f64_values(&table.frame, column)
}

/// Box plot of a numeric model-table feature by class.
pub fn box_by_class(table: &ModelTable, column: &str) -> Result<Figure> {
    boxplot_by_class(&numeric(table, column)?, &table.target()?, column)
}

/// The label at `y` of a chart whose rows are `labels` from top to bottom (row `i` from
/// the top sits at y = len − 1 − i); empty between rows.
pub(crate) fn row_label(labels: &[String], y: f64) -> String {
    let i = y.round();
    if (y - i).abs() < 1e-9 && i >= 0.0 && (i as usize) < labels.len() {
        labels[labels.len() - 1 - i as usize].clone()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    //! Snapshot tests: each chart kind renders deterministically to the same SVG text
    //! (the hash is compared) and contains its Cyrillic labels as UTF-8.

    use super::*;

    fn digest(f: &Figure) -> String {
        crate::data::sha256_hex(f.svg.as_bytes())[..16].to_string()
    }

    fn sample() -> (Vec<f64>, Vec<f64>, Vec<u8>, Vec<String>) {
        let x: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64 / 10.0).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| v * 2.0 + (i % 7) as f64)
            .collect();
        let t: Vec<u8> = (0..200).map(|i| u8::from(i % 3 == 0)).collect();
        let c: Vec<String> = (0..200)
            .map(|i| {
                ["Кухонная посуда", "Товары для детей", "Домашний текстиль"][i % 3].to_string()
            })
            .collect();
        (x, y, t, c)
    }

    #[test]
    fn every_chart_kind_is_deterministic_and_keeps_cyrillic() {
        let (x, y, t, c) = sample();
        let levels = sorted_levels(&c);
        let make = || -> Vec<(&str, Figure)> {
            vec![
                (
                    "Длительность",
                    histogram_by_class(&x, &t, "Длительность", 10).unwrap(),
                ),
                (
                    "Длительность",
                    boxplot_by_class(&x, &t, "Длительность").unwrap(),
                ),
                (
                    "Кухонная посуда",
                    count_by_class(&c, &t, "Популярная_категория", &levels).unwrap(),
                ),
                (
                    "Выручка",
                    scatter_by_class(&x, &y, &t, "Минут", "Выручка").unwrap(),
                ),
                (
                    "Страниц",
                    heatmap(
                        &[vec![1.0, 0.5], vec![0.5, 1.0]],
                        &["Страниц".into(), "Минут".into()],
                        "φK",
                        0.0,
                        1.0,
                    )
                    .unwrap(),
                ),
                (
                    "ROC-AUC",
                    roc_curve(&[(0.0, 0.0), (0.2, 0.7), (1.0, 1.0)], 0.8, "ROC-кривая").unwrap(),
                ),
                ("Коммуникация с клиентом", ishikawa().unwrap()),
            ]
        };
        let a = make();
        let b = make();
        let names = [
            "histogram",
            "boxplot",
            "bars",
            "scatter",
            "heatmap",
            "roc",
            "ishikawa",
        ];
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
        let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
        for (((label, fa), (_, fb)), name) in a.iter().zip(&b).zip(names) {
            assert_eq!(digest(fa), digest(fb), "{label}");
            assert!(fa.svg.contains(label), "{label} missing from the SVG");
            assert!(fa.svg.starts_with("<svg"));
            let path = dir.join(format!("{name}.svg"));
            if update {
                fa.save(&path).unwrap();
            } else {
                let want = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(
                    want == fa.svg,
                    "{name}: the SVG differs from tests/snapshots/{name}.svg; look at both and \
                     rerun with UPDATE_SNAPSHOTS=1 if the change is intended"
                );
            }
        }
        let ish = &a[6].1;
        for g in schema::FeatureGroup::ALL {
            assert!(ish.svg.contains(g.name_ru()));
        }
        for (name, _) in schema::feature_groups() {
            assert!(
                ish.svg.contains(&name),
                "{name} missing from the Ishikawa diagram"
            );
        }
    }
}
