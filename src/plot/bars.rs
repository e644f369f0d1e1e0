//! Shares of each category (or discrete value) within each target class.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{class_style, style};
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

/// Horizontal grouped bars: for each category, the share of each class's customers in it.
/// `categories` are shown in the given order (pass them sorted as they should appear).
pub fn count_by_class(
    values: &[String],
    target: &[u8],
    column: &str,
    categories: &[String],
) -> Result<Figure> {
    let k = categories.len().max(1);
    let mut shares = [vec![0.0; k], vec![0.0; k]];
    let mut totals = [0.0f64; 2];
    for (v, &t) in values.iter().zip(target) {
        if let Some(i) = categories.iter().position(|c| c == v) {
            shares[t.min(1) as usize][i] += 1.0;
            totals[t.min(1) as usize] += 1.0;
        }
    }
    for c in 0..2 {
        for s in shares[c].iter_mut() {
            *s /= totals[c].max(1.0);
        }
    }
    let top = shares.iter().flatten().copied().fold(0.0, f64::max) * 1.12 + 1e-9;
    let label_width = categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(4) as u32
        * 7
        + 16;
    let height = (90 + 34 * k as u32).max(220);
    Figure::draw(style::WIDTH, height + 26, |root| {
        let (strip, root) = root.split_vertically(26);
        super::class_legend(&strip, [totals[0] as usize, totals[1] as usize])?;
        let mut chart = ChartBuilder::on(&root)
            .caption(labels::bars_title(column), (style::FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_width.min(330))
            .build_cartesian_2d(0.0..top, -0.5f64..(k as f64 - 0.5))?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&|y| super::row_label(categories, *y))
            .x_desc(labels::CLASS_SHARE_AXIS)
            .x_label_formatter(&|x| format!("{:.0} %", x * 100.0))
            .label_style((style::FONT, 12))
            .draw()?;
        for (c, class_shares) in shares.iter().enumerate() {
            let color = class_style(c as u8);
            let offset = if c == 0 { 0.0 } else { -0.38 };
            chart.draw_series((0..k).map(|i| {
                let y = (k - 1 - i) as f64 + 0.19 + offset;
                Rectangle::new(
                    [(0.0, y - 0.17), (class_shares[i], y + 0.17)],
                    color.mix(0.8).filled(),
                )
            }))?;
            chart.draw_series((0..k).map(|i| {
                let y = (k - 1 - i) as f64 + 0.19 + offset;
                Text::new(
                    format!("{:.0} %", class_shares[i] * 100.0),
                    (class_shares[i] + top * 0.01, y),
                    (style::FONT, 11)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )
            }))?;
        }
        Ok(())
    })
}
