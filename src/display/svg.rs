//! Lighter SVG for the committed notebooks: the same picture in less markup.

use super::format_real;
use crate::labels;

/// Lighter SVG markup with the same picture (committed notebooks carry every chart):
/// attributes that restate SVG defaults go (`stroke="none"` with its width,
/// `opacity="1"`), font sizes keep two decimals, and attributes are quoted with `'`, which
/// JSON (the notebook file) does not escape.
pub(super) fn compact(svg: &str) -> String {
    let svg = svg
        .replace(" stroke=\"none\" stroke-width=\"1\"", "")
        .replace(" stroke=\"none\"", "")
        .replace(" opacity=\"1\"", "");
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg.as_str();
    while let Some(start) = rest.find('<') {
        // text between tags is what a reader reads: decimal commas
        out.push_str(&labels::decimal_comma(&rest[..start]));
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..=start + len];
        if tag.contains('\'') {
            out.push_str(tag);
        } else {
            out.push_str(&round_font_sizes(tag).replace('"', "'"));
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    compact_elements(&out)
}

/// The attribute `name='…'` of one tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}='");
    let from = tag.find(&key)? + key.len();
    let len = tag[from..].find('\'')?;
    Some(&tag[from..from + len])
}

/// The element-level savings, each with the same picture: one element per line no more
/// (the notebook file stores every line as a JSON string), text's font family once on the
/// root and its default black fill dropped, runs of opaque dots of one size and colour as
/// one path of round-capped zero-length strokes, and runs of two-point lines of one style
/// as one path.
fn compact_elements(svg: &str) -> String {
    enum Run {
        Dots(String, String),
        Segments(String, String),
    }
    fn flush(out: &mut String, run: &mut Option<Run>) {
        match run.take() {
            Some(Run::Dots(style, d)) => out.push_str(&format!("<path{style} d='{d}'/>")),
            Some(Run::Segments(style, d)) => {
                out.push_str(&format!("<path{style} fill='none' d='{d}'/>"))
            }
            None => {}
        }
    }
    let mut out = String::with_capacity(svg.len());
    let mut run: Option<Run> = None;
    let mut rest = svg;
    let mut in_text = false;
    while let Some(start) = rest.find('<') {
        let between = &rest[..start];
        if in_text {
            out.push_str(between.trim());
        }
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start..=start + len];
        rest = &rest[start + len + 1..];
        let dot = tag.starts_with("<circle ").then(|| {
            let (cx, cy, r, fill) = (
                attribute(tag, "cx")?,
                attribute(tag, "cy")?,
                attribute(tag, "r")?.parse::<f64>().ok()?,
                attribute(tag, "fill")?,
            );
            // only a filled dot without a stroke: four attributes, or five with an
            // opacity — which the path then takes as a whole (overlapping dots of one run
            // no longer darken each other; dots of other runs still show through)
            let opacity = attribute(tag, "opacity");
            (tag.matches('=').count() == 4 + usize::from(opacity.is_some())).then(|| {
                (
                    format!(
                        " stroke='{fill}'{} stroke-width='{}' stroke-linecap='round'",
                        opacity.map_or(String::new(), |o| format!(" opacity='{o}'")),
                        format_real(2.0 * r)
                    ),
                    format!("M{cx} {cy}h0"),
                )
            })
        });
        let segment = segment_of(tag);
        match (dot.flatten(), segment) {
            (Some((style, d)), _) => match &mut run {
                Some(Run::Dots(s, path)) if *s == style => path.push_str(&d),
                _ => {
                    flush(&mut out, &mut run);
                    run = Some(Run::Dots(style, d));
                }
            },
            (_, Some((style, d))) => match &mut run {
                Some(Run::Segments(s, path)) if *s == style => path.push_str(&d),
                _ => {
                    flush(&mut out, &mut run);
                    run = Some(Run::Segments(style, d));
                }
            },
            _ => {
                flush(&mut out, &mut run);
                if tag.starts_with("<svg ") {
                    out.push_str(&tag.replacen('>', " font-family='sans-serif'>", 1));
                } else if tag.starts_with("<text ") {
                    out.push_str(
                        &tag.replace(" font-family='sans-serif'", "")
                            .replace(" fill='#000000'", ""),
                    );
                } else {
                    out.push_str(tag);
                }
            }
        }
        in_text = tag.starts_with("<text ");
    }
    flush(&mut out, &mut run);
    out.push_str(rest.trim());
    out.push('\n');
    out
}

/// A two-point line as `(style, path data)`: a `<line …/>` (a chart's grid: dozens of
/// them) or a `<polyline>` of two points without fill (ticks, whiskers).
fn segment_of(tag: &str) -> Option<(String, String)> {
    if tag.starts_with("<line ") {
        let style = tag[5..tag.find(" x1=")?].to_string();
        let [x1, y1, x2, y2] = ["x1", "y1", "x2", "y2"].map(|k| attribute(tag, k));
        return Some((style, format!("M{} {}L{} {}", x1?, y1?, x2?, y2?)));
    }
    if !tag.starts_with("<polyline ") || !tag.contains(" fill='none'") {
        return None;
    }
    let p: Vec<&str> = attribute(tag, "points")?.split_whitespace().collect();
    let style = tag[9..tag.find(" points=")?].replace(" fill='none'", "");
    (p.len() == 2 && !style.contains("fill")).then(|| {
        (
            style,
            format!("M{}L{}", p[0].replace(',', " "), p[1].replace(',', " ")),
        )
    })
}

/// `font-size="16.129032258064516"` → `font-size="16.13"` inside one tag.
fn round_font_sizes(tag: &str) -> String {
    const KEY: &str = "font-size=\"";
    match tag.find(KEY) {
        Some(i) => {
            let from = i + KEY.len();
            let Some(end) = tag[from..].find('"') else {
                return tag.to_string();
            };
            match tag[from..from + end].parse::<f64>() {
                Ok(v) => format!(
                    "{}{}{}",
                    &tag[..from],
                    format_real((v * 100.0).round() / 100.0),
                    &tag[from + end..]
                ),
                Err(_) => tag.to_string(),
            }
        }
        None => tag.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dots_and_segments_of_one_style_become_one_path_and_text_keeps_its_words() {
        let svg = "<svg width='10' height='10' xmlns='http://www.w3.org/2000/svg'>\n\
<circle cx='1' cy='2' r='2' fill='#C44660'/>\n<circle cx='3' cy='4' r='2' fill='#C44660'/>\n\
<circle cx='5' cy='6' r='2' fill='#000000' opacity='0.6'/>\n\
<polyline fill='none' stroke='#000000' stroke-width='1' points='1,2 3,4 '/>\n\
<polyline fill='none' stroke='#000000' stroke-width='1' points='5,6 7,8 '/>\n\
<text x='1' y='2' font-family='sans-serif' font-size='9.68' fill='#000000'>\nДоля, %\n</text>\n</svg>\n";
        let c = compact_elements(svg);
        assert!(c.starts_with("<svg width='10' height='10' xmlns='http://www.w3.org/2000/svg' font-family='sans-serif'>"), "{c}");
        assert!(
            c.contains(
                "<path stroke='#C44660' stroke-width='4' stroke-linecap='round' d='M1 2h0M3 4h0'/>"
            ),
            "{c}"
        );
        assert!(
            c.contains("<path stroke='#000000' opacity='0.6' stroke-width='4' stroke-linecap='round' d='M5 6h0'/>"),
            "{c}"
        );
        assert!(
            c.contains(
                "<path stroke='#000000' stroke-width='1' fill='none' d='M1 2L3 4M5 6L7 8'/>"
            ),
            "{c}"
        );
        assert!(
            c.contains("<text x='1' y='2' font-size='9.68'>Доля, %</text></svg>"),
            "{c}"
        );
        assert_eq!(c.lines().count(), 1);
    }
}
