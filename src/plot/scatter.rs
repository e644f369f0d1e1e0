//! Scatter plot of two numeric features, coloured by target class.

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{class_label, class_style, style};
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// One dot per point, coloured by class (with opacity `alpha`), one legend entry per class.
fn draw_classes(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x: &[f64],
    y: &[f64],
    target: &[u8],
    alpha: f64,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    for c in 0..2u8 {
        let color = class_style(c);
        let n = target.iter().filter(|t| **t == c).count();
        chart
            .draw_series(
                x.iter()
                    .zip(y)
                    .zip(target)
                    .filter(|(_, t)| **t == c)
                    .map(|((a, b), _)| Circle::new((*a, *b), 2, color.mix(alpha).filled())),
            )?
            .label(format!("{} (n = {n})", class_label(c)))
            .legend(move |(x, y)| Circle::new((x + 7, y), 4, color.filled()));
    }
    Ok(())
}

/// The finite range of `v` widened by `pad` of its width on each side ((0, 1) if empty).
fn span(v: &[f64], pad: f64) -> (f64, f64) {
    let (a, b) = v
        .iter()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        });
    if a.is_finite() {
        let p = ((b - a) * pad).max(1e-9);
        (a - p, b + p)
    } else {
        (0.0, 1.0)
    }
}

/// `x` against `y`, one point per customer, coloured by class.
pub fn scatter_by_class(
    x: &[f64],
    y: &[f64],
    target: &[u8],
    x_label: &str,
    y_label: &str,
) -> Result<Figure> {
    let (x0, x1) = span(x, 0.05);
    let (y0, y1) = span(y, 0.05);
    Figure::draw(style::WIDTH, style::HEIGHT + 40, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(labels::scatter_title(x_label, y_label), (style::FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(super::axis_title(x_label))
            .y_desc(super::axis_title(y_label))
            .x_label_formatter(&|v| style::thousands(*v))
            .y_label_formatter(&|v| style::thousands(*v))
            .label_style((style::FONT, 12))
            .draw()?;
        draw_classes(&mut chart, x, y, target, 0.55)?;
        chart
            .configure_series_labels()
            .border_style(BLACK.mix(0.3))
            .background_style(WHITE.mix(0.9))
            .label_font((style::FONT, 12))
            .draw()?;
        Ok(())
    })
}

/// `x` against `y` coloured by class, with a vertical line at `thresholds.0`, a
/// horizontal one at `thresholds.1`, and the upper-right corner (x ≥ t₀, y ≥ t₁) shaded.
/// The legend stands above the plot, so no dot hides under it.
pub fn threshold_scatter(
    x: &[f64],
    y: &[f64],
    target: &[u8],
    thresholds: (f64, f64),
    x_label: &str,
    y_label: &str,
    title: &str,
) -> Result<Figure> {
    let (x0, x1) = span(x, 0.04);
    let (y0, y1) = span(y, 0.04);
    let (tx, ty) = thresholds;
    let counts = [0u8, 1].map(|c| target.iter().filter(|t| **t == c).count());
    Figure::draw(style::WIDTH, style::HEIGHT + 100, |root| {
        let (strip, root) = root.split_vertically(48);
        super::class_legend(&strip, counts)?;
        super::legend_strip(
            &strip.clone().shrink((0, 20), (style::WIDTH, 24)),
            &[
                (labels::probability_threshold(tx), style::ALERT),
                (labels::profit_threshold(ty), style::NEUTRAL),
            ],
        )?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (style::FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .x_desc(x_label)
            .y_desc(y_label)
            .label_style((style::FONT, 12))
            .draw()?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(tx, ty), (x1, y1)],
            style::ALERT.mix(0.08).filled(),
        )))?;
        draw_classes(&mut chart, x, y, target, 0.6)?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(tx, y0), (tx, y1)],
            style::ALERT.stroke_width(2),
        )))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x0, ty), (x1, ty)],
            style::NEUTRAL.stroke_width(2),
        )))?;
        Ok(())
    })
}
