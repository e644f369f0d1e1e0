//! ROC curve.

use plotters::prelude::*;

use super::style;
use crate::display::Figure;
use crate::error::Result;

/// A ROC curve from `(false positive rate, true positive rate)` points in increasing
/// order, with the chance diagonal and the AUC in the legend.
pub fn roc_curve(points: &[(f64, f64)], auc: f64, title: &str) -> Result<Figure> {
    Figure::draw(520, 500, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (style::FONT, 18))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..1.0f64, 0.0..1.0f64)?;
        chart
            .configure_mesh()
            .x_desc("доля ложноположительных (FPR)")
            .y_desc("доля истинноположительных (TPR)")
            .label_style((style::FONT, 12))
            .draw()?;
        chart.draw_series(LineSeries::new(
            vec![(0.0, 0.0), (1.0, 1.0)],
            style::NEUTRAL.mix(0.5).stroke_width(1),
        ))?;
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                style::DECLINED.stroke_width(3),
            ))?
            .label(format!("ROC-AUC = {auc:.3}"))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], style::DECLINED.stroke_width(3))
            });
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
