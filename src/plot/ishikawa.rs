//! The Ishikawa (fishbone) diagram of the study: the target at the head, the four
//! feature groups as bones, each with its features.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style;
use crate::display::Figure;
use crate::error::Result;
use crate::labels;
use crate::schema::{self, FeatureGroup};

/// The fishbone diagram from [`schema::feature_groups`].
pub fn ishikawa() -> Result<Figure> {
    let groups = schema::feature_groups();
    let (w, h) = (1040i32, 600i32);
    Figure::draw(w as u32, h as u32, |root| {
        let spine_y = h / 2 + 12;
        let head_x = w - 190;
        let ink = style::NEUTRAL;
        root.draw(&Text::new(
            labels::ISHIKAWA_TITLE,
            (20, 14),
            (style::FONT, 18),
        ))?;
        // spine and head
        root.draw(&PathElement::new(
            vec![(30, spine_y), (head_x, spine_y)],
            ink.stroke_width(3),
        ))?;
        root.draw(&Rectangle::new(
            [(head_x, spine_y - 34), (w - 12, spine_y + 34)],
            style::DECLINED.mix(0.2).filled(),
        ))?;
        root.draw(&Rectangle::new(
            [(head_x, spine_y - 34), (w - 12, spine_y + 34)],
            style::DECLINED.stroke_width(2),
        ))?;
        for (k, line) in labels::ISHIKAWA_HEAD.iter().enumerate() {
            root.draw(&Text::new(
                line.to_string(),
                ((head_x + w - 12) / 2, spine_y - 18 + 18 * k as i32),
                (style::FONT, 15)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
        // bones: two above, two below, slanting towards the head
        let slots = [(0, -1), (1, -1), (0, 1), (1, 1)];
        for (g, (slot, side)) in FeatureGroup::ALL.iter().zip(slots) {
            let end_x = 250 + slot * 360;
            let join_x = end_x + 180;
            let end_y = spine_y + side * 230;
            root.draw(&PathElement::new(
                vec![(end_x, end_y), (join_x, spine_y)],
                ink.stroke_width(2),
            ))?;
            let label_y = end_y + if side < 0 { -14 } else { 14 };
            root.draw(&Text::new(
                g.name_ru().to_string(),
                (end_x - 20, label_y),
                (style::FONT, 15)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            let features: Vec<&String> = groups
                .iter()
                .filter(|(_, gg)| gg == g)
                .map(|(n, _)| n)
                .collect();
            let n = features.len().max(1) as i32;
            for (i, f) in features.iter().enumerate() {
                // points along the bone, from the outer end towards the spine
                let t = (i as f64 + 0.6) / (n as f64 + 0.4);
                let x = end_x as f64 + t * (join_x - end_x) as f64;
                let y = end_y as f64 + t * (spine_y - end_y) as f64;
                let (x, y) = (x as i32, y as i32);
                root.draw(&PathElement::new(
                    vec![(x - 28, y), (x, y)],
                    ink.mix(0.7).stroke_width(1),
                ))?;
                root.draw(&Text::new(
                    f.to_string(),
                    (x - 32, y),
                    (style::FONT, 12)
                        .into_font()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
        }
        Ok(())
    })
}
