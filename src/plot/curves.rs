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
    Figure::draw(style::WIDTH, style::HEIGHT, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (style::FONT, 18))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))?;
        chart
            .configure_mesh()
            .x_desc(if log_x {
                format!("{x_label} (log₁₀)")
            } else {
                x_label.to_string()
            })
            .y_desc(labels::CURVES_AXIS)
            .x_label_formatter(&|v| {
                if log_x {
                    crate::display::format_real((10f64.powf(*v) * 1000.0).round() / 1000.0)
                } else {
                    format!("{v:.0}")
                }
            })
            .label_style((style::FONT, 12))
            .draw()?;
        let colours = [
            style::SAME_LEVEL,
            style::DECLINED,
            style::NEUTRAL,
            style::PERIODS[0],
            style::ALERT,
            style::PERIODS[2],
        ];
        for (k, (label, points)) in series.iter().enumerate() {
            let colour = colours[k % colours.len()];
            let pts: Vec<(f64, f64)> = points.iter().map(|(x, y)| (tx(*x), *y)).collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))?
                .label(label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 3, colour.filled())))?;
        }
        if let Some((bx, by)) = best {
            chart.draw_series(std::iter::once(Circle::new(
                (tx(bx), by),
                7,
                style::ALERT.stroke_width(2),
            )))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .label_font((style::FONT, 12))
            .draw()?;
        Ok(())
    })
}
