//! ROC curve.

use plotters::prelude::*;

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// A ROC curve from `(false positive rate, true positive rate)` points in increasing
/// order, with the chance diagonal and the AUC in the legend.
pub fn roc_curve(points: &[(f64, f64)], auc: f64, title: &str) -> Result<Figure> {
    roc_curves(&[(String::new(), points.to_vec(), auc)], title)
}

/// One labelled curve: `(label, (false positive rate, true positive rate) points, AUC)`.
pub type Curve = (String, Vec<(f64, f64)>, f64);

/// Several ROC curves on one chart; the first is drawn boldest.
pub fn roc_curves(curves: &[Curve], title: &str) -> Result<Figure> {
    Figure::draw(520, 500, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (style::FONT, 18))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(labels::ROC_AXIS_X)
            .y_desc(labels::ROC_AXIS_Y)
            .label_style((style::FONT, 12))
            .draw()?;
        chart.draw_series(LineSeries::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            style::NEUTRAL.mix(0.5).stroke_width(1),
        ))?;
        for (k, (label, points, auc)) in curves.iter().enumerate().rev() {
            let colour = style::SERIES[k % style::SERIES.len()];
            let width = if k == 0 { 3 } else { 2 };
            let text = if label.is_empty() {
                format!("ROC-AUC = {auc:.3}")
            } else {
                format!("{label}: ROC-AUC = {auc:.3}")
            };
            chart
                .draw_series(LineSeries::new(
                    points.iter().copied(),
                    colour.stroke_width(width),
                ))?
                .label(text)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(width))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .label_font((style::FONT, 13))
            .draw()?;
        Ok(())
    })
}
