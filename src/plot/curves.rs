//! Validation curves: mean CV ROC-AUC against one hyper-parameter, a line per series.

use plotters::prelude::*;

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// Lines `(label, points)` of mean CV ROC-AUC against a hyper-parameter; `log_x` puts
/// the x axis on a log₁₀ scale (for C). `best` marks one point.
pub fn validation_curves(
    series: &[(String, Vec<(f64, f64)>)],
    x_label: &str,
    log_x: bool,
    best: Option<(f64, f64)>,
    title: &str,
) -> Result<Figure> {
    let tx = |x: f64| if log_x { x.log10() } else { x };
    let xs = series
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(x, _)| tx(*x)));
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let ys = series.iter().flat_map(|(_, p)| p.iter().map(|(_, y)| *y));
    let (y0, y1) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let pad = ((y1 - y0) * 0.08).max(0.005);
    let (x0, x1) = if x0 < x1 {
        (x0, x1)
    } else {
        (x0 - 1.0, x0 + 1.0)
    };
    // a line equal to an earlier one is drawn dashed over it and says so in the legend
    let same: Vec<Option<usize>> = series
        .iter()
        .enumerate()
        .map(|(k, (_, p))| {
            series[..k].iter().position(|(_, q)| {
                q.len() == p.len()
                    && q.iter()
                        .zip(p)
                        .all(|(a, b)| a.0 == b.0 && (a.1 - b.1).abs() < 1e-9)
            })
        })
        .collect();
    let entries: Vec<(String, RGBColor)> = series
        .iter()
        .enumerate()
        .map(|(k, (label, _))| {
            let text = match same[k] {
                Some(j) => format!("{label} ({})", labels::same_as(&series[j].0)),
                None => label.clone(),
            };
            (text, style::SERIES[k % style::SERIES.len()])
        })
        .collect();
    // the legend sits above the plot, never over a line, in rows that fit the width
    let mut rows: Vec<Vec<(String, RGBColor)>> = vec![Vec::new()];
    let mut used = 70;
    for e in entries {
        let w = 40 + 8 * e.0.chars().count() as u32;
        if used + w > style::WIDTH && !rows[rows.len() - 1].is_empty() {
            rows.push(Vec::new());
            used = 70;
        }
        used += w;
        rows.last_mut().expect("one row at least").push(e);
    }
    let legend_rows = rows.len() as u32;
    // a little room beyond the outermost points, so the end ticks are drawn
    let (x0, x1) = (x0 - (x1 - x0) * 0.02, x1 + (x1 - x0) * 0.02);
    Figure::draw(style::WIDTH, style::HEIGHT + 20 * legend_rows, |root| {
        let root = root.titled(title, (style::FONT, 18))?;
        let (strip, root) = root.split_vertically(8 + 20 * legend_rows);
        for (row, entries) in rows.iter().enumerate() {
            let area = strip
                .clone()
                .shrink((0, 20 * row as u32), (style::WIDTH, 20));
            super::legend_strip(&area, entries)?;
        }
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(if log_x {
                format!("{x_label} (логарифмическая шкала)")
            } else {
                x_label.to_string()
            })
            .y_desc(labels::CURVES_AXIS)
            .x_labels(if log_x { 21 } else { 11 })
            .x_label_formatter(&|v| {
                if log_x {
                    // ticks only at round values: powers of ten
                    let k = v.round();
                    if (v - k).abs() < 1e-6 {
                        crate::display::format_real(10f64.powi(k as i32))
                    } else {
                        String::new()
                    }
                } else {
                    format!("{v:.0}")
                }
            })
            .label_style((style::FONT, 12))
            .draw()?;
        for (k, (_, points)) in series.iter().enumerate() {
            let colour = style::SERIES[k % style::SERIES.len()];
            let pts: Vec<(f64, f64)> = points.iter().map(|(x, y)| (tx(*x), *y)).collect();
            if same[k].is_some() {
                chart.draw_series(DashedLineSeries::new(
                    pts.clone(),
                    6,
                    6,
                    colour.stroke_width(2),
                ))?;
            } else {
                chart.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))?;
            }
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, colour.filled())))?;
        }
        if let Some((bx, by)) = best {
            chart.draw_series(std::iter::once(Circle::new(
                (tx(bx), by),
                7,
                style::ALERT.stroke_width(2),
            )))?;
        }
        Ok(())
    })
}
