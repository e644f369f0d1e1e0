//! Histogram of a numeric feature with the two target classes overlaid.

use plotters::prelude::*;

use super::{class_label, class_style, style};
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// Overlaid histograms of `values` for each class of `target` (1 = «Снизилась»), as the
/// share of the class in each bin, so classes of different sizes compare directly.
pub fn histogram_by_class(
    values: &[f64],
    target: &[u8],
    column: &str,
    bins: usize,
) -> Result<Figure> {
    let bins = bins.max(1);
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let (min, max) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let (min, max) = if min.is_finite() {
        (min, if max > min { max } else { min + 1.0 })
    } else {
        (0.0, 1.0)
    };
    let width = (max - min) / bins as f64;
    let mut shares = [vec![0.0; bins], vec![0.0; bins]];
    let mut totals = [0.0f64; 2];
    for (&v, &t) in values.iter().zip(target) {
        if v.is_finite() {
            let k = (((v - min) / width) as usize).min(bins - 1);
            shares[t as usize][k] += 1.0;
            totals[t as usize] += 1.0;
        }
    }
    for c in 0..2 {
        for s in shares[c].iter_mut() {
            *s /= totals[c].max(1.0);
        }
    }
    let top = shares.iter().flatten().copied().fold(0.0, f64::max) * 1.15 + 1e-9;
    Figure::draw(style::WIDTH, style::HEIGHT, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(labels::histogram_title(column), (style::FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(min..max, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(column)
            .y_desc(labels::CLASS_SHARE_AXIS)
            .x_label_formatter(&|x| style::thousands(*x))
            .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
            .label_style((style::FONT, 12))
            .draw()?;
        for c in 0..2 {
            let color = class_style(c as u8);
            chart
                .draw_series((0..bins).map(|k| {
                    let x0 = min + k as f64 * width;
                    Rectangle::new(
                        [(x0, 0.0), (x0 + width, shares[c][k])],
                        color.mix(0.45).filled(),
                    )
                }))?
                .label(format!("{} (n = {})", class_label(c as u8), totals[c]))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.mix(0.6).filled())
                });
            chart.draw_series(LineSeries::new(
                (0..bins).map(|k| (min + (k as f64 + 0.5) * width, shares[c][k])),
                color.stroke_width(2),
            ))?;
        }
        chart
            .configure_series_labels()
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .label_font((style::FONT, 12))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        Ok(())
    })
}
