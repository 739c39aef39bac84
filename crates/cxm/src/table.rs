//! Terminal tables whose columns line up with Chinese text (double-width characters).

use unicode_width::UnicodeWidthStr;

/// Renders rows under a header, columns separated by two spaces; numeric-looking cells are
/// right-aligned.
pub fn render(header: &[String], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate().take(columns) {
            widths[index] = widths[index].max(cell.width());
        }
    }
    let numeric: Vec<bool> = (0..columns)
        .map(|index| {
            rows.iter().all(|row| {
                row.get(index).is_none_or(|cell| {
                    cell.is_empty()
                        || cell
                            .trim_start_matches(['+', '-', '−'])
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit())
                })
            }) && !rows.is_empty()
        })
        .collect();
    let mut out = String::new();
    let line = |cells: &[String], out: &mut String| {
        let mut text = String::new();
        for (index, cell) in cells.iter().enumerate().take(columns) {
            let pad = widths[index].saturating_sub(cell.width());
            if index > 0 {
                text.push_str("  ");
            }
            if numeric[index] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header, &mut out);
    let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
    line(&rule, &mut out);
    for row in rows {
        line(row, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn chinese_cells_align_with_latin_ones() {
        let header = vec!["region".to_owned(), "nps".to_owned()];
        let rows = vec![
            vec!["华北".to_owned(), "12.5".to_owned()],
            vec!["east".to_owned(), "3.0".to_owned()],
        ];
        let text = render(&header, &rows);
        let lines: Vec<&str> = text.lines().collect();
        let width = |s: &str| unicode_width::UnicodeWidthStr::width(s);
        assert_eq!(width(lines[2]), width(lines[3]), "{text}");
    }
}
