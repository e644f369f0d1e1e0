//! Feature-importance charts: bars with error bars, the SHAP beeswarm and waterfall.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;

fn label_width(labels: &[String]) -> u32 {
    (labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32 * 7 + 16).min(360)
}

/// Horizontal bars `(label, value, error)` top to bottom in the given order; error bars
/// where `error > 0`.
pub fn importance_bars(items: &[(String, f64, f64)], title: &str, x_label: &str) -> Result<Figure> {
    let k = items.len().max(1);
    let lo = items.iter().map(|(_, v, e)| v - e).fold(0.0, f64::min);
    let hi = items.iter().map(|(_, v, e)| v + e).fold(0.0, f64::max);
    let pad = (hi - lo).max(1e-9) * 0.06;
    let labels: Vec<String> = items.iter().map(|(l, _, _)| l.clone()).collect();
    Figure::draw(style::WIDTH, (80 + 26 * k as u32).max(220), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (style::FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_width(&labels))
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5f64..(k as f64 - 0.5))?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&|y| super::row_label(&labels, *y))
            .x_desc(x_label)
            .x_label_formatter(&|v| crate::display::format_real(*v))
            .label_style((style::FONT, 12))
            .draw()?;
        chart.draw_series(items.iter().enumerate().map(|(i, (_, v, _))| {
            let y = (k - 1 - i) as f64;
            let colour = if *v >= 0.0 {
                style::DECLINED
            } else {
                style::SAME_LEVEL
            };
            Rectangle::new([(0.0, y - 0.32), (*v, y + 0.32)], colour.mix(0.85).filled())
        }))?;
        chart.draw_series(
            items
                .iter()
                .enumerate()
                .filter(|(_, (_, _, e))| *e > 0.0)
                .map(|(i, (_, v, e))| {
                    let y = (k - 1 - i) as f64;
                    PathElement::new(vec![(v - e, y), (v + e, y)], BLACK.stroke_width(1))
                }),
        )?;
        Ok(())
    })
}

/// `c` at opacity `alpha` over white, as one solid colour (no opacity attribute per dot).
fn opaque(c: RGBColor, alpha: f64) -> RGBColor {
    let over = |x: u8| (f64::from(x) * alpha + 255.0 * (1.0 - alpha)).round() as u8;
    RGBColor(over(c.0), over(c.1), over(c.2))
}

/// Blue (low) → red (high) for a value scaled to [0, 1].
fn value_colour(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = (style::SAME_LEVEL, style::ALERT);
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// One row per feature `(name, shap values, feature values)` top to bottom; each dot is a
/// customer at its SHAP value, jittered vertically by density, coloured by the feature's
/// value (its rank among the customers: blue low → red high).
pub fn beeswarm(features: &[(String, Vec<f64>, Vec<f64>)], title: &str) -> Result<Figure> {
    let k = features.len().max(1);
    let all = features.iter().flat_map(|(_, s, _)| s.iter().copied());
    let (lo, hi) = all.fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = (hi - lo).max(1e-9) * 0.05;
    let labels: Vec<String> = features.iter().map(|(l, _, _)| l.clone()).collect();
    Figure::draw(style::WIDTH, (110 + 30 * k as u32).max(240), |root| {
        let (root, strip) = root.split_vertically((80 + 30 * k as u32).max(210));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (style::FONT, 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_width(&labels))
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5f64..(k as f64 - 0.5))?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&|y| super::row_label(&labels, *y))
            .x_desc(labels::BEESWARM_AXIS)
            .x_label_formatter(&|v| crate::display::format_real(*v))
            .label_style((style::FONT, 12))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, k as f64 - 0.5)],
            style::NEUTRAL.mix(0.6).stroke_width(1),
        )))?;
        for (i, (_, shap, value)) in features.iter().enumerate() {
            let y0 = (k - 1 - i) as f64;
            // colour by rank of the value
            let mut idx: Vec<usize> = (0..value.len()).collect();
            idx.sort_by(|a, b| value[*a].total_cmp(&value[*b]));
            let mut rank = vec![0.5; value.len()];
            let n = value.len().max(2) as f64 - 1.0;
            let mut p = 0;
            while p < idx.len() {
                let mut q = p;
                while q + 1 < idx.len() && value[idx[q + 1]] == value[idx[p]] {
                    q += 1;
                }
                for &r in &idx[p..=q] {
                    rank[r] = (p + q) as f64 / 2.0 / n;
                }
                p = q + 1;
            }
            // vertical jitter by local density: bins along x
            let bins = 60usize;
            let width = (hi - lo).max(1e-12) / bins as f64;
            let mut count = vec![0usize; bins + 1];
            let mut order: Vec<usize> = (0..shap.len()).collect();
            order.sort_by(|a, b| shap[*a].total_cmp(&shap[*b]));
            // dots that would land on the same spot (2 px across, one offset step, one of
            // 12 colour steps) are drawn once: the same picture with far fewer SVG nodes
            let pixel = (hi - lo + 2.0 * pad).max(1e-12) / 250.0;
            let mut drawn = std::collections::HashSet::new();
            let mut dots: Vec<(f64, f64, RGBColor)> = order
                .iter()
                .filter_map(|&r| {
                    let bin = (((shap[r] - lo) / width) as usize).min(bins);
                    let c = count[bin];
                    count[bin] += 1;
                    let step =
                        (c.div_ceil(2) as i64).min(5) * if c.is_multiple_of(2) { 1 } else { -1 };
                    let shade = (rank[r] * 12.0).round();
                    let key = ((shap[r] / pixel).round() as i64, step, shade as i64);
                    drawn.insert(key).then(|| {
                        (
                            shap[r],
                            y0 + step as f64 * 0.08,
                            opaque(value_colour(shade / 12.0), 0.85),
                        )
                    })
                })
                .collect();
            // one colour after another: each colour's dots become one SVG path
            dots.sort_by_key(|(_, _, c)| (c.0, c.1, c.2));
            chart.draw_series(
                dots.into_iter()
                    .map(|(x, y, c)| Circle::new((x, y), 2, c.filled())),
            )?;
        }
        // colour legend
        let (w, _) = strip.dim_in_pixel();
        let x0 = w as i32 / 2 - 110;
        for t in 0..=40 {
            strip.draw(&Rectangle::new(
                [(x0 + t * 5, 8), (x0 + t * 5 + 5, 18)],
                value_colour(f64::from(t) / 40.0).filled(),
            ))?;
        }
        let font = (style::FONT, 12).into_font().color(&BLACK);
        strip.draw(&Text::new(
            labels::BEESWARM_LOW,
            (x0 - 6, 13),
            font.clone().pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        strip.draw(&Text::new(
            labels::BEESWARM_HIGH,
            (x0 + 211, 13),
            font.pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        Ok(())
    })
}

/// A waterfall: from `base` the contributions `(label, value)` in the given order
/// (arrows right for increases, left for decreases) to the final output.
pub fn waterfall(items: &[(String, f64)], base: f64, title: &str, output: &str) -> Result<Figure> {
    let k = items.len().max(1);
    let mut level = base;
    let mut steps = Vec::with_capacity(k);
    for (l, v) in items {
        steps.push((l.clone(), level, level + v));
        level += v;
    }
    let fx = level;
    let lo = steps
        .iter()
        .map(|(_, a, b)| a.min(*b))
        .fold(base.min(fx), f64::min);
    let hi = steps
        .iter()
        .map(|(_, a, b)| a.max(*b))
        .fold(base.max(fx), f64::max);
    let pad = (hi - lo).max(1e-9) * 0.12;
    let labels: Vec<String> = items.iter().map(|(l, _)| l.clone()).collect();
    Figure::draw(style::WIDTH, (90 + 26 * k as u32).max(240), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (style::FONT, 17))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_width(&labels))
            .build_cartesian_2d((lo - pad)..(hi + pad), -0.5f64..(k as f64 - 0.5))?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_y_mesh()
            .y_labels(k)
            .y_label_formatter(&|y| super::row_label(&labels, *y))
            .x_desc(labels::waterfall_axis(output, base, fx))
            .x_label_formatter(&|v| crate::display::format_real(*v))
            .label_style((style::FONT, 12))
            .draw()?;
        for (x, label) in [
            (base, labels::WATERFALL_BASE),
            (fx, labels::WATERFALL_OUTPUT),
        ] {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, -0.5), (x, k as f64 - 0.5)],
                style::NEUTRAL.mix(0.5).stroke_width(1),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                label.to_string(),
                (x, k as f64 - 0.5),
                (style::FONT, 11)
                    .into_font()
                    .color(&style::NEUTRAL)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            )))?;
        }
        chart.draw_series(steps.iter().enumerate().map(|(i, (_, a, b))| {
            let y = (k - 1 - i) as f64;
            let colour = if b >= a {
                style::ALERT
            } else {
                style::SAME_LEVEL
            };
            Rectangle::new([(*a, y - 0.32), (*b, y + 0.32)], colour.mix(0.85).filled())
        }))?;
        chart.draw_series(steps.iter().enumerate().map(|(i, (_, a, b))| {
            let y = (k - 1 - i) as f64;
            let (x, pos) = if b >= a {
                (b.max(*a), HPos::Left)
            } else {
                (b.min(*a), HPos::Right)
            };
            Text::new(
                format!("{:+.3}", b - a),
                (x, y),
                (style::FONT, 11)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(pos, VPos::Center)),
            )
        }))?;
        Ok(())
    })
}
