//! Qini curves, one panel per lever: the learner's curve with its bootstrap band and the
//! line of a random ranking.

use plotters::prelude::*;

use super::style;
use crate::display::Figure;
use crate::error::Result;

/// One panel: title, shares of customers (0 to 1), the curve, its band's low and high
/// ends (all per customer of the sample).
pub type QiniPanel = (String, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// Panels in rows of three, each with its own y range; the dashed line joins the curve's
/// ends (a random ranking).
pub fn qini_curves(panels: &[QiniPanel], title: &str) -> Result<Figure> {
    let cols = 3usize;
    let rows = panels.len().div_ceil(cols).max(1);
    let height = 60 + 250 * rows as u32;
    Figure::draw(style::WIDTH, height, |root| {
        let root = root.titled(title, (style::FONT, 17))?;
        let areas = root.split_evenly((rows, cols));
        for (k, (name, share, value, low, high)) in panels.iter().enumerate() {
            let colour = style::SERIES[k % style::SERIES.len()];
            let all = value.iter().chain(low).chain(high).copied();
            let (y0, y1) = all.fold((0.0f64, 0.0f64), |(a, b), y| (a.min(y), b.max(y)));
            let pad = ((y1 - y0) * 0.1).max(0.002);
            let mut chart = ChartBuilder::on(&areas[k])
                .caption(name, (style::FONT, 13))
                .margin(8)
                .x_label_area_size(28)
                .y_label_area_size(48)
                .build_cartesian_2d(0.0..1.0, (y0 - pad)..(y1 + pad))?;
            chart
                .configure_mesh()
                .max_light_lines(0)
                .x_labels(5)
                .y_labels(5)
                .x_label_formatter(&|v| format!("{:.0} %", v * 100.0))
                .y_label_formatter(&|v| crate::labels::decimal_comma(&format!("{v:.3}")))
                .label_style((style::FONT, 10))
                .draw()?;
            let mut band: Vec<(f64, f64)> =
                share.iter().copied().zip(low.iter().copied()).collect();
            band.extend(share.iter().copied().zip(high.iter().copied()).rev());
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                colour.mix(0.2).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                share.iter().copied().zip(value.iter().copied()),
                colour.stroke_width(2),
            ))?;
            let end = *value.last().unwrap_or(&0.0);
            chart.draw_series(DashedLineSeries::new(
                vec![(0.0, 0.0), (1.0, end)],
                5,
                4,
                style::NEUTRAL.stroke_width(1),
            ))?;
        }
        Ok(())
    })
}
