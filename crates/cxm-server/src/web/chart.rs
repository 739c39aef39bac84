//! Charts drawn as SVG in Rust: a series with its confidence band, and a stacked share bar.
//! Labels are escaped; numbers are formatted here, so templates insert the markup as is.

use std::fmt::Write;

/// One point of a series: label, value, interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// The x label, e.g. `2025-03`.
    pub label: String,
    /// The value, if the period had data.
    pub value: Option<f64>,
    /// Lower limit of the interval.
    pub lower: Option<f64>,
    /// Upper limit of the interval.
    pub upper: Option<f64>,
}

/// Escapes text for SVG and HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A line with its interval band over `points`, y from `y_min` to `y_max`.
pub fn band(points: &[Point], y_min: f64, y_max: f64, title: &str) -> String {
    let (width, height, left, right, top, bottom) = (720.0, 260.0, 44.0, 12.0, 12.0, 36.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let n = points.len().max(1);
    let x = |i: usize| {
        left + if n == 1 {
            plot_w / 2.0
        } else {
            plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = |v: f64| top + plot_h * (1.0 - ((v - y_min) / (y_max - y_min)).clamp(0.0, 1.0));
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    for step in 0..=4 {
        let value = y_min + (y_max - y_min) * f64::from(step) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e7eb"/><text x="{}" y="{:.1}" font-size="11" text-anchor="end" fill="#6b7280">{value:.0}</text>"##,
            width - right,
            left - 6.0,
            y(value) + 4.0,
            y = y(value)
        );
    }
    let with_band: Vec<(usize, f64, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, p.lower?, p.upper?)))
        .collect();
    if with_band.len() > 1 {
        let mut path = String::new();
        for (k, (i, _, upper)) in with_band.iter().enumerate() {
            let _ = write!(
                path,
                "{}{:.1},{:.1} ",
                if k == 0 { "M" } else { "L" },
                x(*i),
                y(*upper)
            );
        }
        for (i, lower, _) in with_band.iter().rev() {
            let _ = write!(path, "L{:.1},{:.1} ", x(*i), y(*lower));
        }
        let _ = write!(
            svg,
            r##"<path class="band" d="{path}Z" fill="#bfdbfe" opacity="0.6"/>"##
        );
    }
    let mut line = String::new();
    for (i, p) in points.iter().enumerate() {
        if let Some(value) = p.value {
            let _ = write!(
                line,
                "{}{:.1},{:.1} ",
                if line.is_empty() { "M" } else { "L" },
                x(i),
                y(value)
            );
        }
    }
    if !line.is_empty() {
        let _ = write!(
            svg,
            r##"<path class="line" d="{line}" fill="none" stroke="#1d4ed8" stroke-width="2"/>"##
        );
    }
    for (i, p) in points.iter().enumerate() {
        if let Some(value) = p.value {
            let _ = write!(
                svg,
                r##"<circle cx="{:.1}" cy="{:.1}" r="3" fill="#1d4ed8"><title>{} {value:.1}</title></circle>"##,
                x(i),
                y(value),
                escape(&p.label)
            );
        }
        if n <= 13 || i % 2 == 0 {
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{}" font-size="11" text-anchor="middle" fill="#6b7280">{}</text>"##,
                x(i),
                height - 12.0,
                escape(&p.label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal bar of shares (percentages) with their colours and labels.
pub fn stacked(parts: &[(f64, &str, &str)]) -> String {
    let mut svg = String::from(
        r#"<svg class="mix" viewBox="0 0 100 8" preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">"#,
    );
    let mut at = 0.0;
    for (share, colour, label) in parts {
        let width = share.clamp(0.0, 100.0);
        let _ = write!(
            svg,
            r#"<rect x="{at:.2}" y="0" width="{width:.2}" height="8" fill="{colour}"><title>{} {share:.1}%</title></rect>"#,
            escape(label)
        );
        at += width;
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_labels_and_draw_every_point() {
        let points: Vec<Point> = (0..3)
            .map(|i| Point {
                label: format!("<m{i}>"),
                value: Some(10.0 * f64::from(i)),
                lower: Some(0.0),
                upper: Some(40.0),
            })
            .collect();
        let svg = band(&points, -100.0, 100.0, "NPS <trend>");
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains("&lt;m1&gt;") && !svg.contains("<m1>"));
        assert!(svg.contains("class=\"band\""));
        let bar = stacked(&[(60.0, "#16a34a", "P"), (40.0, "#dc2626", "D")]);
        assert_eq!(bar.matches("<rect").count(), 2);
    }
}
