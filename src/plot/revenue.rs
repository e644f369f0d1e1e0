//! Revenue of every customer by month, before or after cleaning: the distribution of each
//! month as a violin of counts, zero months and anomalies marked one by one.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;
use crate::schema;

/// Revenue bins of each month's violin.
const BINS: usize = 40;

/// `Выручка` by `Период` from a long `market_money` frame (raw or cleaned). Each month is
/// a violin of the customers' revenues (width ∝ the number of customers in a bin of the
/// revenue axis); months with zero revenue are crosses at 0 with their count. The largest
/// revenue of each customer in `highlight` is a labelled dot; when it lies far above the
/// rest, the axis is broken so that the bulk keeps the chart's height.
pub fn revenue_by_period(
    market_money: &polars::prelude::DataFrame,
    highlight: &[i64],
) -> Result<Figure> {
    let ids = crate::frame::i64_values(market_money, schema::ID)?;
    let periods: Vec<usize> = crate::clean::revenue_period_indices(market_money)?
        .into_iter()
        .map(|k| k.min(2))
        .collect();
    let revenue = crate::frame::f64_values(market_money, schema::REVENUE)?;
    // the highlighted points: each highlighted customer's largest revenue
    let marked: Vec<usize> = highlight
        .iter()
        .filter_map(|id| {
            (0..ids.len())
                .filter(|&i| ids[i] == *id && revenue[i].is_finite())
                .max_by(|&a, &b| revenue[a].total_cmp(&revenue[b]))
        })
        .collect();
    let bulk = |i: usize| revenue[i].is_finite() && revenue[i] > 0.0 && !marked.contains(&i);
    let bulk_max = (0..revenue.len())
        .filter(|&i| bulk(i))
        .map(|i| revenue[i])
        .fold(0.0f64, f64::max)
        .max(1.0);
    let marked_max = marked.iter().map(|&i| revenue[i]).fold(0.0f64, f64::max);
    let broken = marked_max > bulk_max * 1.5;
    let top_max = if broken {
        bulk_max * 1.08
    } else {
        bulk_max.max(marked_max) * 1.08
    };
    // violins: counts per revenue bin and month
    let bin = top_max / BINS as f64;
    let mut counts = [[0usize; BINS]; 3];
    for i in (0..revenue.len()).filter(|&i| bulk(i)) {
        counts[periods[i]][((revenue[i] / bin) as usize).min(BINS - 1)] += 1;
    }
    let widest = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let zeros: [usize; 3] = std::array::from_fn(|k| {
        (0..revenue.len())
            .filter(|&i| periods[i] == k && revenue[i] == 0.0)
            .count()
    });
    let axis = labels::money_axis(schema::REVENUE);
    let x_label = |x: &f64| {
        let k = x.round();
        if (x - k).abs() < 1e-9 && (0.0..=2.0).contains(&k) {
            schema::REVENUE_PERIODS[k as usize].to_string()
        } else {
            String::new()
        }
    };
    let label_marked = |chart: &mut ChartContext<
        '_,
        SVGBackend<'_>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >|
     -> std::result::Result<(), Box<dyn std::error::Error>> {
        for &i in &marked {
            let (dx, anchor) = if periods[i] == 2 {
                (-10, HPos::Right)
            } else {
                (10, HPos::Left)
            };
            let font = (style::FONT, 13)
                .into_font()
                .color(&style::ALERT)
                .pos(Pos::new(anchor, VPos::Center));
            let text = format!("id {}: {}", ids[i], style::thousands(revenue[i]));
            chart.draw_series(std::iter::once(
                EmptyElement::at((periods[i] as f64, revenue[i]))
                    + Circle::new((0, 0), 5, style::ALERT.filled())
                    + Text::new(text, (dx, 0), font),
            ))?;
        }
        Ok(())
    };
    Figure::draw(style::WIDTH, style::HEIGHT, |root| {
        let root = root.titled(labels::REVENUE_TITLE, (style::FONT, 20))?;
        let (upper, lower) = if broken {
            let (u, l) = root.split_vertically(70);
            (Some(u), l)
        } else {
            (None, root.clone())
        };
        if let Some(upper) = &upper {
            // the anomalies' band, above the break
            let lo = marked
                .iter()
                .map(|&i| revenue[i])
                .fold(f64::INFINITY, f64::min);
            let pad = (marked_max - lo).max(marked_max * 0.02);
            let mut chart = ChartBuilder::on(upper)
                .margin_left(12)
                .margin_right(12)
                .margin_top(4)
                .y_label_area_size(90)
                .build_cartesian_2d(-0.5f64..2.5f64, (lo - pad)..(marked_max + pad))?;
            chart
                .configure_mesh()
                .max_light_lines(0)
                .disable_x_mesh()
                .disable_x_axis()
                .y_labels(2)
                .y_label_formatter(&|y| style::thousands(*y))
                .label_style((style::FONT, 13))
                .draw()?;
            label_marked(&mut chart)?;
            // the break: two short slanted strokes across the y axis
            chart.draw_series([0, 6].map(|d| {
                EmptyElement::at((-0.5, lo - pad))
                    + PathElement::new(
                        vec![(-6, 2 - d), (6, -4 - d)],
                        style::NEUTRAL.stroke_width(2),
                    )
            }))?;
        }
        let mut chart = ChartBuilder::on(&lower)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5f64..2.5f64, -top_max * 0.04..top_max)?;
        chart
            .configure_mesh()
            .max_light_lines(0)
            .disable_x_mesh()
            .x_labels(3)
            .x_label_formatter(&x_label)
            .y_desc(axis.as_str())
            .y_label_formatter(&|y| style::thousands(*y))
            .label_style((style::FONT, 13))
            .draw()?;
        for (k, row) in counts.iter().enumerate() {
            let color = style::PERIODS[k];
            chart.draw_series(
                row.iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(b, &c)| {
                        let half = 0.42 * c as f64 / widest;
                        Rectangle::new(
                            [
                                (k as f64 - half, b as f64 * bin),
                                (k as f64 + half, (b + 1) as f64 * bin),
                            ],
                            color.mix(0.8).filled(),
                        )
                    }),
            )?;
            if zeros[k] > 0 {
                chart.draw_series(std::iter::once(Cross::new(
                    (k as f64, 0.0),
                    6,
                    style::ALERT.stroke_width(2),
                )))?;
                chart.draw_series(std::iter::once(Text::new(
                    format!(
                        "{}: {}",
                        labels::ZERO_REVENUE,
                        labels::CUSTOMER.count(zeros[k] as u64)
                    ),
                    (k as f64 + 0.06, top_max * 0.02),
                    (style::FONT, 12)
                        .into_font()
                        .color(&style::ALERT)
                        .pos(Pos::new(HPos::Left, VPos::Bottom)),
                )))?;
            }
        }
        if !broken {
            label_marked(&mut chart)?;
        }
        Ok(())
    })
}
