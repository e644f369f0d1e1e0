//! Box plots of a numeric feature by target class.

use plotters::prelude::*;

use super::{class_label, class_style, style};
use crate::display::Figure;
use crate::error::Result;
use crate::labels;
use crate::stats::quantile_sorted;

/// One box per class: quartiles, whiskers at 1.5 IQR, outliers as points.
pub fn boxplot_by_class(values: &[f64], target: &[u8], column: &str) -> Result<Figure> {
    let mut by_class: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for (&v, &t) in values.iter().zip(target) {
        if v.is_finite() {
            by_class[t.min(1) as usize].push(v);
        }
    }
    for v in by_class.iter_mut() {
        v.sort_by(f64::total_cmp);
    }
    let all_min = by_class
        .iter()
        .filter_map(|v| v.first())
        .copied()
        .fold(f64::INFINITY, f64::min);
    let all_max = by_class
        .iter()
        .filter_map(|v| v.last())
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if all_min.is_finite() {
        (all_min, all_max.max(all_min + 1e-9))
    } else {
        (0.0, 1.0)
    };
    let pad = (hi - lo) * 0.06;
    Figure::draw(style::WIDTH, 300, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(labels::boxplot_title(column), (style::FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(130)
            .build_cartesian_2d(lo - pad..hi + pad, -0.5f64..1.5f64)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .y_labels(2)
            .y_label_formatter(&|y| {
                let k = y.round();
                if (y - k).abs() < 1e-9 && (0.0..=1.0).contains(&k) {
                    class_label(k as u8).to_string()
                } else {
                    String::new()
                }
            })
            .x_desc(super::axis_title(column))
            .x_label_formatter(&|x| style::thousands(*x))
            .label_style((style::FONT, 12))
            .draw()?;
        for (c, v) in by_class.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let color = class_style(c as u8);
            let (q1, q2, q3) = (
                quantile_sorted(v, 0.25),
                quantile_sorted(v, 0.5),
                quantile_sorted(v, 0.75),
            );
            let iqr = q3 - q1;
            let low = v
                .iter()
                .copied()
                .find(|x| *x >= q1 - 1.5 * iqr)
                .unwrap_or(q1);
            let high = v
                .iter()
                .rev()
                .copied()
                .find(|x| *x <= q3 + 1.5 * iqr)
                .unwrap_or(q3);
            let y = c as f64;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(q1, y - 0.25), (q3, y + 0.25)],
                color.mix(0.35).filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(q1, y - 0.25), (q3, y + 0.25)],
                color.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(q2, y - 0.25), (q2, y + 0.25)],
                color.stroke_width(3),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(low, y), (q1, y)],
                color.stroke_width(1),
            )))?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(q3, y), (high, y)],
                color.stroke_width(1),
            )))?;
            for end in [low, high] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(end, y - 0.12), (end, y + 0.12)],
                    color.stroke_width(1),
                )))?;
            }
            chart.draw_series(
                v.iter()
                    .filter(|x| **x < low || **x > high)
                    .map(|x| Circle::new((*x, y), 2, color.mix(0.7).filled())),
            )?;
        }
        Ok(())
    })
}
