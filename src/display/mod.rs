//! Rich display for notebooks: [`Table`] (HTML + text) and [`Figure`] (SVG).
//!
//! Both implement evcxr's display protocol (`evcxr_display`), so the last expression of
//! a cell shows as a formatted table or an inline chart. evcxr keeps one output per MIME
//! type per cell: show one table or figure per cell.

use std::fmt;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::labels;

/// Rows shown at each end of a long frame.
const EDGE_ROWS: usize = 5;
/// Frames up to this height are shown whole.
const SHOW_ALL: usize = 30;

/// A table ready to display: a caption, column headers (with dtypes) and formatted cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Caption shown above the table.
    pub title: Option<String>,
    /// Column headers.
    pub columns: Vec<String>,
    /// A second header line, e.g. dtypes (empty for none).
    pub dtypes: Vec<String>,
    /// Formatted cells, row by row.
    pub rows: Vec<Vec<String>>,
    /// Right-align this column (numbers).
    pub numeric: Vec<bool>,
    /// Row index after which `…` marks skipped rows, and how many were skipped.
    pub gap: Option<(usize, usize)>,
    /// The full size, e.g. `(1296, 18)`.
    pub shape: Option<(usize, usize)>,
}

impl Table {
    /// A table from headers and rows of already formatted cells.
    pub fn from_rows(columns: Vec<String>, rows: Vec<Vec<String>>) -> Table {
        let numeric = (0..columns.len())
            .map(|j| {
                !rows.is_empty()
                    && rows.iter().all(|r| {
                        r.get(j).is_some_and(|c| {
                            let t = c.replace([' ', '\u{a0}', '%', '−'], "");
                            t.is_empty() || t.parse::<f64>().is_ok() || t == "—"
                        })
                    })
            })
            .collect();
        Table {
            title: None,
            columns,
            dtypes: Vec::new(),
            rows,
            numeric,
            gap: None,
            shape: None,
        }
    }

    /// A frame: whole if short, else its first and last five rows.
    pub fn frame(df: &DataFrame) -> Table {
        if df.height() <= SHOW_ALL {
            Self::rows_of(df, (0..df.height()).collect(), None)
        } else {
            Self::head_tail(df, EDGE_ROWS, EDGE_ROWS)
        }
    }

    /// The first `n` rows of a frame.
    pub fn head(df: &DataFrame, n: usize) -> Table {
        let n = n.min(df.height());
        let skipped = df.height() - n;
        Self::rows_of(df, (0..n).collect(), (skipped > 0).then_some((n, skipped)))
    }

    /// The first `head` and last `tail` rows of a frame.
    pub fn head_tail(df: &DataFrame, head: usize, tail: usize) -> Table {
        let h = df.height();
        if head + tail >= h {
            return Self::rows_of(df, (0..h).collect(), None);
        }
        let mut idx: Vec<usize> = (0..head).collect();
        idx.extend(h - tail..h);
        Self::rows_of(df, idx, Some((head, h - head - tail)))
    }

    fn rows_of(df: &DataFrame, idx: Vec<usize>, gap: Option<(usize, usize)>) -> Table {
        let cols = df.columns();
        let rows = idx
            .iter()
            .map(|&i| {
                cols.iter()
                    .map(|c| c.get(i).map(|v| format_value(&v)).unwrap_or_default())
                    .collect()
            })
            .collect();
        Table {
            title: None,
            columns: cols.iter().map(|c| c.name().to_string()).collect(),
            dtypes: cols.iter().map(|c| dtype_name(c.dtype())).collect(),
            rows,
            numeric: cols
                .iter()
                .map(|c| c.dtype().is_primitive_numeric())
                .collect(),
            gap,
            shape: Some((df.height(), df.width())),
        }
    }

    /// Sets the caption.
    pub fn title(mut self, title: impl Into<String>) -> Table {
        self.title = Some(title.into());
        self
    }

    /// The same table in Russian number notation ([`labels::decimal_comma`] on the caption,
    /// headers and cells but the `id` column's): what both renderings show.
    fn russian(&self) -> Table {
        let ru = |v: &[String]| v.iter().map(|c| labels::decimal_comma(c)).collect();
        Table {
            title: self.title.as_deref().map(labels::decimal_comma),
            columns: ru(&self.columns),
            dtypes: self.dtypes.clone(),
            // identifiers are not numbers: the `id` column is shown as it is
            rows: self
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(&self.columns)
                        .map(|(c, name)| {
                            if name == "id" {
                                c.clone()
                            } else {
                                labels::decimal_comma(c)
                            }
                        })
                        .collect()
                })
                .collect(),
            numeric: self.numeric.clone(),
            gap: self.gap,
            shape: self.shape,
        }
    }

    /// The table as an HTML fragment (decimal commas, as everything a reader sees).
    pub fn to_html(&self) -> String {
        self.russian().html()
    }

    fn html(&self) -> String {
        let mut h = String::with_capacity(256 + self.rows.len() * self.columns.len() * 24);
        h.push_str("<div class=\"oneclick-table\">");
        let mut caption = self.title.clone().map(|t| escape(&t)).unwrap_or_default();
        if let Some((r, c)) = self.shape {
            if !caption.is_empty() {
                caption.push_str(" — ");
            }
            caption.push_str(&labels::table_shape(r, c));
        }
        h.push_str("<table>");
        if !caption.is_empty() {
            h.push_str(&format!(
                "<caption style=\"text-align:left\"><b>{caption}</b></caption>"
            ));
        }
        h.push_str("<thead><tr>");
        for (j, c) in self.columns.iter().enumerate() {
            let align = if self.numeric.get(j) == Some(&true) {
                "right"
            } else {
                "left"
            };
            h.push_str(&format!("<th style=\"text-align:{align}\">{}", escape(c)));
            if let Some(t) = self.dtypes.get(j) {
                h.push_str(&format!("<br><small><i>{}</i></small>", escape(t)));
            }
            h.push_str("</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for (i, row) in self.rows.iter().enumerate() {
            if let Some((at, skipped)) = self.gap
                && at == i
            {
                h.push_str(&format!(
                    "<tr><td colspan=\"{}\" style=\"text-align:center\">{}</td></tr>",
                    self.columns.len(),
                    labels::rows_skipped(skipped)
                ));
            }
            h.push_str("<tr>");
            for (j, cell) in row.iter().enumerate() {
                let align = if self.numeric.get(j) == Some(&true) {
                    "right"
                } else {
                    "left"
                };
                h.push_str(&format!(
                    "<td style=\"text-align:{align}\">{}</td>",
                    escape(cell)
                ));
            }
            h.push_str("</tr>");
        }
        if let Some((at, skipped)) = self.gap
            && at >= self.rows.len()
        {
            h.push_str(&format!(
                "<tr><td colspan=\"{}\" style=\"text-align:center\">{}</td></tr>",
                self.columns.len(),
                labels::rows_skipped_at_end(skipped)
            ));
        }
        h.push_str("</tbody></table></div>");
        h
    }

    /// evcxr's display hook: HTML only (every notebook viewer renders it; a plain-text
    /// copy would double the committed notebooks' tables — `println!("{table}")` prints
    /// one where text is wanted).
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT",
            self.to_html()
        );
    }
}

impl fmt::Display for Table {
    /// Plain text, aligned (decimal commas, as in the HTML).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.russian().plain(f)
    }
}

impl Table {
    fn plain(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = |s: &str| s.chars().count();
        let mut w: Vec<usize> = self.columns.iter().map(|c| width(c)).collect();
        for (j, t) in self.dtypes.iter().enumerate() {
            w[j] = w[j].max(width(t));
        }
        for row in &self.rows {
            for (j, c) in row.iter().enumerate() {
                if j < w.len() {
                    w[j] = w[j].max(width(c));
                }
            }
        }
        let line = |f: &mut fmt::Formatter<'_>, cells: &[String]| -> fmt::Result {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(j, c)| {
                    let pad = w.get(j).copied().unwrap_or(0).saturating_sub(width(c));
                    if self.numeric.get(j) == Some(&true) {
                        format!("{}{c}", " ".repeat(pad))
                    } else {
                        format!("{c}{}", " ".repeat(pad))
                    }
                })
                .collect();
            writeln!(f, "{}", parts.join("  ").trim_end())
        };
        if let Some(t) = &self.title {
            writeln!(f, "{t}")?;
        }
        if let Some((r, c)) = self.shape {
            writeln!(f, "{}", labels::table_shape_plain(r, c))?;
        }
        line(f, &self.columns)?;
        if !self.dtypes.is_empty() {
            line(f, &self.dtypes)?;
        }
        for (i, row) in self.rows.iter().enumerate() {
            if let Some((at, skipped)) = self.gap
                && at == i
            {
                writeln!(f, "{}", labels::rows_skipped(skipped))?;
            }
            line(f, row)?;
        }
        if let Some((at, skipped)) = self.gap
            && at >= self.rows.len()
        {
            writeln!(f, "{}", labels::rows_skipped_at_end(skipped))?;
        }
        Ok(())
    }
}

/// Types that display as a [`Table`].
pub trait ToTable {
    /// The table.
    fn to_table(&self) -> Table;
}

impl ToTable for DataFrame {
    fn to_table(&self) -> Table {
        Table::frame(self)
    }
}

fn dtype_name(d: &DataType) -> String {
    match d {
        DataType::String => "str".into(),
        other => other.to_string(),
    }
}

/// Formats one value: integers as they are, reals with up to four decimals (trailing
/// zeros trimmed), strings unquoted, nulls as `null`.
pub fn format_value(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => "null".into(),
        AnyValue::String(s) => (*s).to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(x) => format_real(*x),
        AnyValue::Float32(x) => format_real(f64::from(*x)),
        AnyValue::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// A real with up to four decimals, trailing zeros trimmed (`4472.0` → `4472`, `0.75`).
pub fn format_real(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// `s` with `&`, `<`, `>` and `"` escaped for HTML text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

mod svg;

/// An SVG chart: shown inline in a notebook and savable to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// The SVG document.
    pub svg: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The drawing area a [`Figure`] hands to the drawing code.
pub type Canvas<'a> =
    plotters::drawing::DrawingArea<plotters::backend::SVGBackend<'a>, plotters::coord::Shift>;

impl Figure {
    /// Renders `draw` onto a `width × height` SVG canvas with a white background.
    pub fn draw<F>(width: u32, height: u32, draw: F) -> Result<Figure>
    where
        F: FnOnce(&Canvas<'_>) -> std::result::Result<(), Box<dyn std::error::Error>>,
    {
        use plotters::prelude::*;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| Error::Plot(e.to_string()))?;
            draw(&root).map_err(|e| Error::Plot(e.to_string()))?;
            root.present().map_err(|e| Error::Plot(e.to_string()))?;
        }
        Ok(Figure {
            svg: svg::compact(&svg),
            width,
            height,
        })
    }

    /// The figures one under another, as one figure (each keeps its own titles and
    /// axes: a nested `<svg>` at its offset).
    pub fn stack(figures: &[Figure]) -> Figure {
        let width = figures.iter().map(|f| f.width).max().unwrap_or(0);
        let height: u32 = figures.iter().map(|f| f.height).sum();
        let mut svg = format!(
            "<svg width='{width}' height='{height}' viewBox='0 0 {width} {height}' xmlns='http://www.w3.org/2000/svg'>"
        );
        let mut y = 0;
        for f in figures {
            svg.push_str(
                &f.svg
                    .trim_end()
                    .replacen("<svg ", &format!("<svg x='0' y='{y}' "), 1),
            );
            y += f.height;
        }
        svg.push_str("</svg>\n");
        Figure { svg, width, height }
    }

    /// Writes the SVG to `path` (parent directories are created).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        std::fs::write(path, &self.svg).map_err(|e| Error::io(path, e))
    }

    /// evcxr's display hook: inline SVG.
    pub fn evcxr_display(&self) {
        println!(
            "EVCXR_BEGIN_CONTENT image/svg+xml\n{}\nEVCXR_END_CONTENT",
            self.svg
        );
    }
}

/// Rich display of any polars [`DataFrame`] in a notebook: with `use
/// oneclick::prelude::*;` a frame as the last expression of a cell renders as an HTML
/// table (the first and last rows of a long frame, with its shape), not as Debug text.
pub trait FrameDisplay {
    /// evcxr's display hook.
    fn evcxr_display(&self);
}

impl FrameDisplay for DataFrame {
    fn evcxr_display(&self) {
        Table::frame(self).evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_are_trimmed() {
        assert_eq!(format_real(4472.0), "4472");
        assert_eq!(format_real(0.75), "0.75");
        assert_eq!(format_real(1.0 / 3.0), "0.3333");
        assert_eq!(format_real(-0.00001), "0");
    }

    #[test]
    fn long_frames_show_head_and_tail() {
        let df = polars::df!("id" => (0..40i64).collect::<Vec<_>>(), "Прибыль" => vec![1.5f64; 40])
            .unwrap();
        let t = Table::frame(&df);
        assert_eq!(t.rows.len(), 10);
        assert_eq!(t.gap, Some((5, 30)));
        assert_eq!(t.rows[5][0], "35");
        let html = t.to_html();
        assert!(html.contains("40 строк × 2 столбца"));
        assert!(
            html.contains(
                "<th style=\"text-align:right\">Прибыль<br><small><i>f64</i></small></th>"
            )
        );
        assert!(html.contains("… ещё 30 строк …"));
        let text = t.to_string();
        assert!(text.contains("размер: 40 строк × 2 столбца"), "{text}");
        assert!(
            text.lines().any(|l| l.trim() == "… ещё 30 строк …"),
            "{text}"
        );
    }

    #[test]
    fn html_is_escaped() {
        let t = Table::from_rows(vec!["a<b".into()], vec![vec!["x & y".into()]]);
        assert!(t.to_html().contains("a&lt;b") && t.to_html().contains("x &amp; y"));
    }

    #[test]
    fn figures_render_cyrillic_text_as_utf8() {
        use plotters::prelude::*;
        let fig = Figure::draw(200, 100, |root| {
            root.draw(&Text::new("Выручка", (10, 10), ("sans-serif", 14)))?;
            Ok(())
        })
        .unwrap();
        assert!(fig.svg.starts_with("<svg"), "{}", &fig.svg[..60]);
        assert!(fig.svg.contains("Выручка"));
        let dir = tempfile::tempdir().unwrap();
        fig.save(dir.path().join("a/b.svg")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a/b.svg")).unwrap(),
            fig.svg
        );
    }
}
