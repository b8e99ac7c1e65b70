//! A UTM table as CSV: `month,utm` per line (`2026-07,71649`; `;` also separates, the month
//! may be `202607`, the value may carry Chilean thousands dots `71.649`). An optional header
//! line, blank lines and `#` comments are skipped.

use ofitec_domain::Period;

use super::sii_html::chilean_pesos;
use super::{UtmEntry, UtmError};

/// Reads every line; the first wrong one is refused with its number.
pub fn parse(text: &str) -> Result<Vec<UtmEntry>, UtmError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        let line = raw.trim().trim_start_matches('\u{feff}');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line
            .split([',', ';'])
            .map(|f| f.trim().trim_matches('"'))
            .collect();
        if entries.is_empty()
            && fields
                .first()
                .is_some_and(|f| f.eq_ignore_ascii_case("month") || f.eq_ignore_ascii_case("mes"))
        {
            continue;
        }
        let at = Some(number);
        let [month, value] = fields.as_slice() else {
            return Err(UtmError::invalid(
                at,
                format!(
                    "expected `month,utm` (two fields), found {} field(s)",
                    fields.len()
                ),
            ));
        };
        let period = Period::parse(month)
            .map_err(|e| UtmError::invalid(at, format!("`{month}` is not a month: {e}")))?;
        let pesos = match value.strip_prefix('-') {
            // Negative numbers reach the series check, which names them as non-positive.
            Some(rest) => chilean_pesos(rest).map(|v| -v),
            None => chilean_pesos(value),
        }
        .ok_or_else(|| {
            UtmError::invalid(
                at,
                format!("the UTM of {period} is `{value}`, not a whole number of pesos"),
            )
        })?;
        entries.push(UtmEntry {
            period,
            pesos,
            line: at,
        });
    }
    if entries.is_empty() {
        return Err(UtmError::invalid(None, "the file has no `month,utm` line"));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_comments_and_formats() {
        let entries = parse("\u{feff}month,utm\n# SII 2026\n2026-06,71506\n\n202607;\"71.649\"\n")
            .expect("csv");
        let got: Vec<(String, i64, Option<usize>)> = entries
            .iter()
            .map(|e| (e.period.to_string(), e.pesos, e.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2026-06".into(), 71_506, Some(3)),
                ("2026-07".into(), 71_649, Some(5)),
            ]
        );
    }

    #[test]
    fn wrong_lines_are_named() {
        for (text, line) in [
            ("2026-06,71506\n2026-13,1\n", 2),
            ("2026-06,71506\n2026-07,71,649\n", 2),
            ("2026-06,71506\n2026-07,71649.5\n", 2),
            ("month,utm\n2026-06\n", 2),
        ] {
            let err = parse(text).expect_err(text);
            assert!(
                matches!(err, UtmError::Invalid { line: Some(l), .. } if l == line),
                "{text}: {err:?}"
            );
        }
        assert_eq!(
            parse("2026-06,-5\n").expect("read")[0].pesos,
            -5,
            "left for the series check"
        );
        assert!(parse("month,utm\n").is_err());
    }
}
