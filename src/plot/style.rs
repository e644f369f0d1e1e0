//! Colours, sizes and fonts shared by every chart.

use plotters::style::RGBColor;

/// «Прежний уровень» (the negative class), everywhere in the study.
pub const SAME_LEVEL: RGBColor = RGBColor(0x4C, 0x72, 0xB0);
/// «Снизилась» (the positive class), everywhere in the study.
pub const DECLINED: RGBColor = RGBColor(0xDD, 0x84, 0x52);
/// A neutral series colour.
pub const NEUTRAL: RGBColor = RGBColor(0x55, 0x55, 0x55);
/// Highlight for anomalies and thresholds.
pub const ALERT: RGBColor = RGBColor(0xC4, 0x1E, 0x3A);
/// Colours of the three months, oldest first.
pub const PERIODS: [RGBColor; 3] = [
    RGBColor(0x8C, 0xA2, 0xC8),
    RGBColor(0x4C, 0x72, 0xB0),
    RGBColor(0x1B, 0x3A, 0x6B),
];
/// Categorical colours for series that are not classes (model families, scalers and
/// kernels): clearly different hues, none a near-copy of another.
pub const SERIES: [RGBColor; 6] = [
    RGBColor(0xDD, 0x84, 0x52), // orange
    RGBColor(0x4C, 0x72, 0xB0), // blue
    RGBColor(0x55, 0xA8, 0x68), // green
    RGBColor(0x81, 0x72, 0xB3), // purple
    RGBColor(0x93, 0x78, 0x60), // brown
    RGBColor(0xC4, 0x4E, 0x52), // red
];
/// Font family (the viewer's sans-serif renders Cyrillic).
pub const FONT: &str = "sans-serif";
/// Default chart width in pixels (fits a notebook column).
pub const WIDTH: u32 = 760;
/// Default chart height in pixels.
pub const HEIGHT: u32 = 420;

/// A number with thin-space thousands separators and no needless decimals
/// (`106862.2` → `106 862.2`, `5000.0` → `5 000`).
pub fn thousands(x: f64) -> String {
    let s = crate::display::format_real((x * 100.0).round() / 100.0);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let (sign, digits) = match int.strip_prefix('-') {
        Some(d) => ("-", d.to_string()),
        None => ("", int),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    format!("{sign}{out}{frac}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(106862.2), "106\u{2009}862.2");
        assert_eq!(super::thousands(5000.0), "5\u{2009}000");
        assert_eq!(super::thousands(-999.0), "-999");
        assert_eq!(super::thousands(0.25), "0.25");
    }
}
