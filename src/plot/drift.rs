//! A distribution then and now: the reference's share of each bin against a new
//! snapshot's, for the monitor.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use crate::display::Figure;
use crate::error::Result;

/// Horizontal grouped bars, one group per bin `(label, reference share, snapshot share)`
/// top to bottom: the training customers' share (grey) above the snapshot's (orange), each
/// labelled in per cent; `psi` goes into the title.
pub fn drift_bins(bins: &[(String, f64, f64)], feature: &str, psi: f64) -> Result<Figure> {
    let k = bins.len().max(1);
    let labels: Vec<String> = bins.iter().map(|(l, _, _)| l.clone()).collect();
    let top = bins.iter().map(|(_, e, a)| e.max(*a)).fold(0.0, f64::max) * 1.15 + 1e-9;
    let width =
        (labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 7 + 16).min(330);
    let title = crate::labels::decimal_comma(&format!(
        "{feature}: доли по интервалам покупателей исследования (PSI {psi:.3})"
    ));
    Figure::draw(style::WIDTH, (90 + 34 * k as u32).max(220) + 26, |root| {
        let (strip, root) = root.split_vertically(26);
        for (i, (name, colour)) in [
            ("в исследовании", style::NEUTRAL),
            ("сейчас", style::DECLINED),
        ]
        .into_iter()
        .enumerate()
        {
            let x = 16 + 170 * i as i32;
            strip.draw(&Rectangle::new(
                [(x, 8), (x + 14, 20)],
                colour.mix(0.8).filled(),
            ))?;
            strip.draw(&Text::new(
                name,
                (x + 20, 14),
                (style::FONT, 12)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (style::FONT, 16))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(width)
            .build_cartesian_2d(0.0..top, -0.5f64..(k as f64 - 0.5))?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&|y| super::row_label(&labels, *y))
            .x_desc("доля покупателей")
            .x_label_formatter(&|x| format!("{:.0} %", x * 100.0))
            .label_style((style::FONT, 12))
            .draw()?;
        for (series, colour) in [(0usize, style::NEUTRAL), (1, style::DECLINED)] {
            let offset = if series == 0 { 0.19 } else { -0.19 };
            let share = |b: &(String, f64, f64)| if series == 0 { b.1 } else { b.2 };
            chart.draw_series(bins.iter().enumerate().map(|(i, b)| {
                let y = (k - 1 - i) as f64 + offset;
                Rectangle::new(
                    [(0.0, y - 0.17), (share(b), y + 0.17)],
                    colour.mix(0.8).filled(),
                )
            }))?;
            chart.draw_series(bins.iter().enumerate().map(|(i, b)| {
                let y = (k - 1 - i) as f64 + offset;
                Text::new(
                    crate::labels::decimal_comma(&format!("{:.1} %", share(b) * 100.0)),
                    (share(b) + top * 0.01, y),
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
