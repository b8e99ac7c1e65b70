//! SII's yearly UTM-UTA-IPC page (`https://www.sii.cl/valores_y_fechas/utm/utmYYYY.htm`) as a
//! browser saves it: one table, one row per month with the Spanish month name in the row
//! header and the cells UTM | UTA | IPC points | monthly % | year % | 12-month %, numbers in
//! Chilean format (`69.751`, `106,74`). Months not published yet have empty cells.
//!
//! Only the month name and the first number of a row are read, so a column SII adds at the
//! end or a change of style does not break the import; anything that does not look like a
//! whole number of pesos is refused naming its line rather than guessed.

use ofitec_domain::Period;

use super::{UtmEntry, UtmError};

/// The months of one year read from SII's page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiiYear {
    /// The year of the page.
    pub year: u32,
    /// The published months, in page order.
    pub entries: Vec<UtmEntry>,
}

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// 1-based month of a Spanish month name, accents and case ignored ("Setiembre" too).
fn month_number(name: &str) -> Option<u32> {
    let name = fold(name);
    let name = if name == "setiembre" {
        "septiembre"
    } else {
        name.as_str()
    };
    MONTHS
        .iter()
        .position(|m| *m == name)
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// Lower case without Spanish accents, for comparisons.
fn fold(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            'á' | 'Á' => 'a',
            'é' | 'É' => 'e',
            'í' | 'Í' => 'i',
            'ó' | 'Ó' => 'o',
            'ú' | 'Ú' | 'ü' | 'Ü' => 'u',
            'ñ' | 'Ñ' => 'n',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// The text of an HTML fragment: tags removed, the common entities decoded, whitespace
/// collapsed.
fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        rest = rest[open..]
            .find('>')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|e| *e <= 8);
        let decoded = end.and_then(|e| entity(&after[..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(code) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
        return u32::from_str_radix(code, 16).ok().and_then(char::from_u32);
    }
    if let Some(code) = name.strip_prefix('#') {
        return code.parse().ok().and_then(char::from_u32);
    }
    Some(match name {
        "nbsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "aacute" => 'á',
        "eacute" => 'é',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "Aacute" => 'Á',
        "Eacute" => 'É',
        "Iacute" => 'Í',
        "Oacute" => 'Ó',
        "Uacute" => 'Ú',
        "ntilde" => 'ñ',
        "Ntilde" => 'Ñ',
        "uuml" => 'ü',
        _ => return None,
    })
}

/// Byte ranges of the elements `<tag …>…</tag>` in `html` (ASCII case ignored); an element
/// without its closing tag ends where the next one opens, as browsers read it.
fn elements(html: &str, tag: &str) -> Vec<(usize, usize)> {
    let lower = html.to_ascii_lowercase();
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut starts = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find(&open) {
        let at = from + i;
        // `<tr>` or `<tr class=…>`, not `<track>`.
        let next = lower.as_bytes().get(at + open.len()).copied();
        if matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/')) {
            starts.push(at);
        }
        from = at + open.len();
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let limit = starts.get(i + 1).copied().unwrap_or(html.len());
            let end = lower[start..limit]
                .find(&close)
                .map_or(limit, |e| start + e);
            (start, end)
        })
        .collect()
}

/// The cells (`<th>` and `<td>`, in order) of a row, as text.
fn cells(row: &str) -> Vec<String> {
    let lower = row.to_ascii_lowercase();
    let mut starts: Vec<usize> = Vec::new();
    for tag in ["<td", "<th"] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(tag) {
            let at = from + i;
            let next = lower.as_bytes().get(at + tag.len()).copied();
            if matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')) {
                starts.push(at);
            }
            from = at + tag.len();
        }
    }
    starts.sort_unstable();
    starts
        .iter()
        .enumerate()
        .map(|(i, &start)| {
            let limit = starts.get(i + 1).copied().unwrap_or(row.len());
            let body_start = row[start..limit].find('>').map_or(limit, |g| start + g + 1);
            let end = ["</td", "</th"]
                .iter()
                .filter_map(|c| lower[body_start..limit].find(c))
                .min()
                .map_or(limit, |e| body_start + e);
            text_of(&row[body_start..end])
        })
        .collect()
}

/// A whole number of pesos in Chilean format: `69.751`, `$ 69.751` or `69751`.
pub fn chilean_pesos(text: &str) -> Option<i64> {
    let digits = text.trim().trim_start_matches('$').trim();
    let groups: Vec<&str> = digits.split('.').collect();
    let well_grouped = groups.len() == 1
        || (groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups.iter().skip(1).all(|g| g.len() == 3));
    if digits.is_empty()
        || !well_grouped
        || !groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    groups.concat().parse().ok()
}

/// The first year (2000–2100) in `text`.
fn year_in(text: &str) -> Option<u32> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(3)).find_map(|i| {
        let window = &bytes[i..i + 4];
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_digit())
            && bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
        if !bounded || !window.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(window)
            .ok()?
            .parse()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
    })
}

/// The year the page says it is about: in its `<title>`, else its first heading that names
/// one.
fn page_year(html: &str) -> Option<u32> {
    ["title", "h1", "h2", "h3", "h4"].iter().find_map(|tag| {
        elements(html, tag)
            .into_iter()
            .find_map(|(start, end)| year_in(&text_of(&html[start..end])))
    })
}

fn line_at(html: &str, offset: usize) -> usize {
    html[..offset].bytes().filter(|b| *b == b'\n').count() + 1
}

/// Reads the page. `year` is the year the caller says it is (the `--year` option or the file
/// name `utmYYYY.htm`); the page's own title wins when it names one, and the two must agree.
pub fn parse(html: &str, year: Option<u32>) -> Result<SiiYear, UtmError> {
    let year = match (page_year(html), year) {
        (Some(page), Some(given)) if page != given => {
            return Err(UtmError::invalid(
                None,
                format!("the page is SII's table of {page}, not {given}"),
            ));
        }
        (Some(y), _) | (None, Some(y)) => y,
        (None, None) => {
            return Err(UtmError::invalid(
                None,
                "the page does not say its year: give it (`--year YYYY`) or keep SII's file name utmYYYY.htm",
            ));
        }
    };
    let mut entries = Vec::new();
    let mut month_rows = 0;
    for (start, end) in elements(html, "tr") {
        let row = cells(&html[start..end]);
        let Some(month) = row.first().and_then(|name| month_number(name)) else {
            continue;
        };
        month_rows += 1;
        let line = Some(line_at(html, start));
        let value = row.get(1).map(String::as_str).unwrap_or_default().trim();
        if value.is_empty() || value == "-" {
            // Not published yet.
            continue;
        }
        let period = Period::new(year, month)
            .map_err(|e| UtmError::invalid(line, format!("year {year}: {e}")))?;
        let pesos = chilean_pesos(value).ok_or_else(|| {
            UtmError::invalid(
                line,
                format!(
                    "the UTM of {period} is `{value}`, not a whole number of pesos such as 69.751"
                ),
            )
        })?;
        entries.push(UtmEntry {
            period,
            pesos,
            line,
        });
    }
    if month_rows == 0 {
        return Err(UtmError::invalid(
            None,
            "no row starts with a month name (Enero … Diciembre): is this SII's UTM-UTA-IPC page?",
        ));
    }
    Ok(SiiYear { year, entries })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chilean_numbers() {
        assert_eq!(chilean_pesos("69.751"), Some(69_751));
        assert_eq!(chilean_pesos(" $ 69.751 "), Some(69_751));
        assert_eq!(chilean_pesos("69751"), Some(69_751));
        assert_eq!(chilean_pesos("1.069.751"), Some(1_069_751));
        for bad in [
            "", "106,74", "69.75", "69..751", "6975.1", "abc", "-69.751", "0069.751",
        ] {
            assert_eq!(chilean_pesos(bad), None, "{bad}");
        }
    }

    #[test]
    fn month_names_ignore_case_and_accents() {
        assert_eq!(month_number("Enero"), Some(1));
        assert_eq!(month_number(" SEPTIEMBRE "), Some(9));
        assert_eq!(month_number("Setiembre"), Some(9));
        assert_eq!(month_number("Mes"), None);
    }

    #[test]
    fn entities_and_tags_become_text() {
        assert_eq!(text_of("<b>Enero</b>&nbsp;"), "Enero");
        assert_eq!(
            text_of("Variaci&oacute;n &#37; <br/>mensual"),
            "Variación % mensual"
        );
        assert_eq!(text_of("a &unknown; b"), "a &unknown; b");
    }

    #[test]
    fn rows_cells_and_the_year() {
        let html = "<html><head><title>SII | UTM - UTA - IPC 2026</title></head><body>\n<table>\n<tr><th>Mes</th><th>UTM</th></tr>\n<TR><TH>Enero</TH><TD>69.751</TD><td>837.012</td></TR>\n<tr><th>Febrero<td>69.611<td>835.332\n<tr><th>Marzo</th><td>&nbsp;</td></tr>\n</table></body></html>";
        let year = parse(html, None).expect("page");
        assert_eq!(year.year, 2026);
        let got: Vec<(String, i64, Option<usize>)> = year
            .entries
            .iter()
            .map(|e| (e.period.to_string(), e.pesos, e.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2026-01".into(), 69_751, Some(4)),
                ("2026-02".into(), 69_611, Some(5)),
            ]
        );
        let err = parse(html, Some(2025)).expect_err("another year");
        assert!(err.to_string().contains("not 2025"), "{err}");
    }

    #[test]
    fn a_page_without_year_or_months_is_refused() {
        let err =
            parse("<table><tr><th>Enero</th><td>1</td></tr></table>", None).expect_err("no year");
        assert!(err.to_string().contains("--year"), "{err}");
        let err = parse(
            "<title>UF 2026</title><table><tr><td>1</td></tr></table>",
            None,
        )
        .expect_err("not the UTM page");
        assert!(err.to_string().contains("month name"), "{err}");
        let err = parse(
            "<title>UTM 2026</title><table>\n<tr><th>Enero</th><td>69,751</td></tr></table>",
            None,
        )
        .expect_err("decimal comma");
        assert!(
            matches!(err, UtmError::Invalid { line: Some(2), .. }),
            "{err:?}"
        );
    }
}
