//! Reliability diagram: does a predicted probability of 0.3 mean three in ten?

use plotters::prelude::*;

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// One point per bin `(mean predicted, observed rate, interval low, interval high,
/// customers)`: the observed rate with its interval as a vertical bar, a dot whose area
/// grows with the bin's size, and the diagonal of perfect calibration.
pub fn reliability_diagram(bins: &[(f64, f64, f64, f64, usize)], title: &str) -> Result<Figure> {
    let largest = bins.iter().map(|b| b.4).max().unwrap_or(1).max(1) as f64;
    Figure::draw(520, 520, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (style::FONT, 17))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(labels::RELIABILITY_AXIS_X)
            .y_desc(labels::RELIABILITY_AXIS_Y)
            .label_style((style::FONT, 12))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 0.0), (1.0, 1.0)],
                style::NEUTRAL.mix(0.6).stroke_width(1),
            ))?
            .label(labels::RELIABILITY_DIAGONAL)
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], style::NEUTRAL.stroke_width(1))
            });
        let colour = style::SERIES[0];
        chart.draw_series(
            bins.iter()
                .map(|b| PathElement::new(vec![(b.0, b.2), (b.0, b.3)], colour.stroke_width(2))),
        )?;
        chart.draw_series(bins.iter().map(|b| {
            let r = 3.0 + 5.0 * (b.4 as f64 / largest).sqrt();
            Circle::new((b.0, b.1), r as i32, colour.filled())
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .label_font((style::FONT, 13))
            .draw()?;
        Ok(())
    })
}
