//! Annotated heatmap of a square matrix (correlations).

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use crate::display::Figure;
use crate::error::Result;

/// A square matrix with its labels on both axes and each value written in its cell.
/// Values are expected in `[lo, hi]`; colour runs from white (lo) to dark blue (hi), with
/// a colour bar on the right.
/// A symmetric matrix (a correlation matrix) shows its lower triangle and diagonal only:
/// each pair once.
pub fn heatmap(
    matrix: &[Vec<f64>],
    labels: &[String],
    title: &str,
    lo: f64,
    hi: f64,
) -> Result<Figure> {
    let k = labels.len();
    let cell: i32 = if k > 14 { 34 } else { 44 };
    let label_px = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as i32 * 7 + 12;
    let left = label_px;
    let top = 40;
    let bar_x = left + cell * k as i32 + 18;
    let width = (bar_x + 70) as u32;
    let height = (top + cell * k as i32 + label_px + 10) as u32;
    Figure::draw(width, height, |root| {
        root.draw(&Text::new(title.to_string(), (left, 12), (style::FONT, 18)))?;
        let span = (hi - lo).max(1e-12);
        let symmetric = matrix.iter().enumerate().all(|(i, row)| {
            row.iter().enumerate().all(|(j, v)| {
                matrix
                    .get(j)
                    .and_then(|r| r.get(i))
                    .is_some_and(|w| v == w || (v.is_nan() && w.is_nan()))
            })
        });
        for (i, row) in matrix.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if symmetric && j > i {
                    continue;
                }
                let x = left + j as i32 * cell;
                let y = top + i as i32 * cell;
                let t = if v.is_finite() {
                    ((v - lo) / span).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                let color = shade(t);
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell, y + cell)],
                    color.filled(),
                ))?;
                let text_color = if t > 0.55 { WHITE } else { BLACK };
                let text = if v.is_finite() {
                    format!("{v:.2}")
                } else {
                    "—".into()
                };
                root.draw(&Text::new(
                    text,
                    (x + cell / 2, y + cell / 2),
                    (style::FONT, if k > 14 { 10 } else { 12 })
                        .into_font()
                        .color(&text_color)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
            root.draw(&Text::new(
                labels[i].clone(),
                (left - 6, top + i as i32 * cell + cell / 2),
                (style::FONT, 12)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        // the cells' white borders: one line per row and column boundary
        let n = k as i32;
        for b in 0..=n {
            let (from, to) = if symmetric { (b.max(1) - 1, n) } else { (0, n) };
            // row boundary b: the cells of rows b − 1 and b (columns up to row b in a triangle)
            let row_end = if symmetric { b.min(n) } else { n };
            root.draw(&PathElement::new(
                vec![
                    (left, top + b * cell),
                    (left + row_end * cell, top + b * cell),
                ],
                WHITE.stroke_width(1),
            ))?;
            root.draw(&PathElement::new(
                vec![
                    (left + b * cell, top + from * cell),
                    (left + b * cell, top + to * cell),
                ],
                WHITE.stroke_width(1),
            ))?;
        }
        for (j, l) in labels.iter().enumerate() {
            root.draw(&Text::new(
                l.clone(),
                (left + j as i32 * cell + cell / 2, top + k as i32 * cell + 6),
                (style::FONT, 12)
                    .into_font()
                    .transform(FontTransform::Rotate270)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
        // colour bar: 50 steps from lo (bottom) to hi (top), ticks at quarters
        let bar_h = cell * k as i32;
        for step in 0..50 {
            let t = (f64::from(step) + 0.5) / 50.0;
            let y1 = top + bar_h - (f64::from(step) / 50.0 * f64::from(bar_h)) as i32;
            let y0 = top + bar_h - (f64::from(step + 1) / 50.0 * f64::from(bar_h)) as i32;
            root.draw(&Rectangle::new(
                [(bar_x, y0), (bar_x + 14, y1)],
                shade(t).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(bar_x, top), (bar_x + 14, top + bar_h)],
            style::NEUTRAL.stroke_width(1),
        ))?;
        for q in 0..=4 {
            let t = f64::from(q) / 4.0;
            let y = top + bar_h - (t * f64::from(bar_h)) as i32;
            root.draw(&Text::new(
                format!("{:.2}", lo + t * span),
                (bar_x + 18, y),
                (style::FONT, 11)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(())
    })
}

/// White (t = 0) to dark blue (t = 1).
fn shade(t: f64) -> RGBColor {
    RGBColor(
        (255.0 - t * (255.0 - 27.0)) as u8,
        (255.0 - t * (255.0 - 58.0)) as u8,
        (255.0 - t * (255.0 - 107.0)) as u8,
    )
}
