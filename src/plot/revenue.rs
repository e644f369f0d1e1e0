//! Revenue of every customer by month: a strip chart that makes zero months and
//! anomalies visible before cleaning removes them.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;
use crate::schema;

/// Deterministic horizontal jitter of a customer's point within its month's strip.
fn jitter(period: usize, id: i64) -> f64 {
    let j = ((id.wrapping_mul(2_654_435_761) >> 7).rem_euclid(1000)) as f64 / 1000.0 - 0.5;
    period as f64 + j * 0.6
}

/// A strip chart of `Выручка` by `Период` from a long `market_money` frame (raw or
/// cleaned). The largest revenue of each customer in `highlight` is drawn in the alert
/// colour and labelled with the customer id.
pub fn revenue_by_period(
    market_money: &polars::prelude::DataFrame,
    highlight: &[i64],
) -> Result<Figure> {
    let ids: Vec<i64> = market_money
        .column(schema::ID)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let periods: Vec<usize> = crate::clean::revenue_period_indices(market_money)?
        .into_iter()
        .map(|k| k.min(2))
        .collect();
    let revenue: Vec<f64> = market_money
        .column(schema::REVENUE)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let max = revenue.iter().copied().fold(0.0f64, f64::max) * 1.08 + 1.0;
    Figure::draw(style::WIDTH, style::HEIGHT, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(labels::REVENUE_TITLE, (style::FONT, 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5f64..2.5f64, 0.0..max)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(3)
            .x_label_formatter(&|x| {
                let k = x.round();
                if (x - k).abs() < 1e-9 && (0.0..=2.0).contains(&k) {
                    schema::REVENUE_PERIODS[k as usize].to_string()
                } else {
                    String::new()
                }
            })
            .y_desc(schema::REVENUE)
            .y_label_formatter(&|y| super::style::thousands(*y))
            .label_style((style::FONT, 13))
            .draw()?;
        for (k, color) in style::PERIODS.iter().enumerate() {
            let points = (0..ids.len())
                .filter(|&i| periods[i] == k)
                .map(|i| (jitter(k, ids[i]), revenue[i]));
            chart.draw_series(points.map(|p| Circle::new(p, 2, color.mix(0.5).filled())))?;
        }
        for id in highlight {
            let top = (0..ids.len())
                .filter(|&i| ids[i] == *id)
                .max_by(|&a, &b| revenue[a].total_cmp(&revenue[b]));
            if let Some(i) = top {
                let p = (jitter(periods[i], ids[i]), revenue[i]);
                chart.draw_series(std::iter::once(Circle::new(p, 5, style::ALERT.filled())))?;
                // label to the left of points in the last month, to the right otherwise
                let (dx, anchor) = if periods[i] == 2 {
                    (-0.08, HPos::Right)
                } else {
                    (0.08, HPos::Left)
                };
                chart.draw_series(std::iter::once(Text::new(
                    format!("id {}: {}", ids[i], revenue[i]),
                    (p.0 + dx, p.1),
                    (style::FONT, 13)
                        .into_font()
                        .color(&style::ALERT)
                        .pos(Pos::new(anchor, VPos::Center)),
                )))?;
            }
        }
        Ok(())
    })
}
