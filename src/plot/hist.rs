//! Histogram of a numeric feature, the two target classes side by side in each bin.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{class_style, style};
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// Histograms of `values` for each class of `target` (1 = «Снизилась»), as the share of
/// the class in each bin, so classes of different sizes compare directly. The two
/// classes' bars stand side by side in each bin (no overlap to untangle).
pub fn histogram_by_class(
    values: &[f64],
    target: &[u8],
    column: &str,
    bins: usize,
) -> Result<Figure> {
    histogram_with_cut(values, target, column, bins, None)
}

/// [`histogram_by_class`] with a vertical line at `cut` labelled with its text (e.g. the
/// Otsu threshold of the promo share).
pub fn histogram_with_cut(
    values: &[f64],
    target: &[u8],
    column: &str,
    bins: usize,
    cut: Option<(f64, &str)>,
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
            shares[t.min(1) as usize][k] += 1.0;
            totals[t.min(1) as usize] += 1.0;
        }
    }
    for c in 0..2 {
        for s in shares[c].iter_mut() {
            *s /= totals[c].max(1.0);
        }
    }
    let top = shares.iter().flatten().copied().fold(0.0, f64::max) * 1.12 + 1e-9;
    Figure::draw(style::WIDTH, style::HEIGHT + 26, |root| {
        let (strip, root) = root.split_vertically(26);
        super::class_legend(&strip, [totals[0] as usize, totals[1] as usize])?;
        let mut chart = ChartBuilder::on(&root)
            .caption(labels::histogram_title(column), (style::FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(min..max, 0.0..top)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_x_mesh()
            .x_desc(super::axis_title(column))
            .y_desc(labels::CLASS_SHARE_AXIS)
            .x_label_formatter(&|x| style::thousands(*x))
            .y_label_formatter(&|y| format!("{:.0} %", y * 100.0))
            .label_style((style::FONT, 12))
            .draw()?;
        for (c, share) in shares.iter().enumerate() {
            let color = class_style(c as u8);
            chart.draw_series((0..bins).filter(|&k| share[k] > 0.0).map(|k| {
                let x0 = min + k as f64 * width + c as f64 * width * 0.45 + width * 0.05;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width * 0.45, share[k])],
                    color.mix(0.85).filled(),
                )
            }))?;
        }
        if let Some((x, text)) = cut {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, top)],
                style::ALERT.stroke_width(2),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                text.to_string(),
                (x, top * 0.97),
                (style::FONT, 13)
                    .into_font()
                    .color(&style::ALERT)
                    .pos(Pos::new(HPos::Right, VPos::Top)),
            )))?;
        }
        Ok(())
    })
}
