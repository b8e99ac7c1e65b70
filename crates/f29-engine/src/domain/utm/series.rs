//! The rules new UTM values obey before anything is written: every month once, no month
//! missing between the first and the last, a positive value, and at most
//! [`MAX_MONTHLY_CHANGE_PERCENT`] from the month before. The UTM follows the IPC with a
//! two-month lag, and Chile's monthly IPC has not moved 2 % in decades, so a larger jump is a
//! typo (a digit lost or doubled) or a value from another table, not news.

use std::collections::BTreeMap;

use ofitec_domain::Period;

use super::{UtmError, UtmTable};

/// The largest accepted change from one month to the next, in percent.
pub const MAX_MONTHLY_CHANGE_PERCENT: i64 = 5;

/// One month to add, with the line it came from (for the error message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtmEntry {
    /// The month.
    pub period: Period,
    /// Pesos.
    pub pesos: i64,
    /// 1-based line of the file it came from, when it came from one.
    pub line: Option<usize>,
}

/// A month of the table being checked.
#[derive(Debug, Clone, Copy)]
struct Month {
    pesos: i64,
    /// Where a new month came from.
    line: Option<usize>,
    /// Whether it is one of the values being added (only those are judged).
    new: bool,
}

/// Whether going from `before` to `after` pesos moves more than the rule allows.
fn jumps(before: i64, after: i64) -> bool {
    let (before, after) = (i128::from(before), i128::from(after));
    (after - before).abs() * 100 > i128::from(MAX_MONTHLY_CHANGE_PERCENT) * before
}

fn percent(before: i64, after: i64) -> String {
    // Display only: the decision above is exact.
    #[allow(clippy::cast_precision_loss)]
    let change = (after - before) as f64 * 100.0 / before as f64;
    format!("{change:+.1} %")
}

/// Checks `entries` on their own: the rules of a file.
pub fn check(entries: &[UtmEntry]) -> Result<(), UtmError> {
    check_with(&UtmTable::default(), entries)
}

/// Checks `entries` as they would sit in `known` (the stored table): besides the rules of a
/// file, the months next to the new ones must not leave a gap or jump. Only a problem that
/// involves a new month is reported (a stored table is not re-judged); each names the line
/// of the new month concerned.
pub fn check_with(known: &UtmTable, entries: &[UtmEntry]) -> Result<(), UtmError> {
    let mut seen: BTreeMap<Period, Option<usize>> = BTreeMap::new();
    for entry in entries {
        if entry.pesos <= 0 {
            return Err(UtmError::invalid(
                entry.line,
                format!(
                    "the UTM of {} must be a positive number of pesos, not {}",
                    entry.period, entry.pesos
                ),
            ));
        }
        if let Some(first) = seen.insert(entry.period, entry.line) {
            let earlier = first
                .map(|l| format!(" (first on line {l})"))
                .unwrap_or_default();
            return Err(UtmError::invalid(
                entry.line,
                format!("{} appears more than once{earlier}", entry.period),
            ));
        }
    }
    // The table as it would be: stored months (no line) overridden by the new ones.
    let mut merged: BTreeMap<Period, Month> = known
        .months()
        .map(|(p, pesos)| {
            (
                p,
                Month {
                    pesos,
                    line: None,
                    new: false,
                },
            )
        })
        .collect();
    for entry in entries {
        merged.insert(
            entry.period,
            Month {
                pesos: entry.pesos,
                line: entry.line,
                new: true,
            },
        );
    }
    let mut previous: Option<(Period, Month)> = None;
    for (&period, &current) in &merged {
        if let Some((before, earlier)) = previous
            && (current.new || earlier.new)
        {
            let line = if current.new {
                current.line
            } else {
                earlier.line
            };
            if before.next() != Some(period) {
                let missing: Vec<String> = before
                    .next()
                    .into_iter()
                    .flat_map(|first| first.through(period.previous().unwrap_or(first)))
                    .map(|p| p.to_string())
                    .collect();
                return Err(UtmError::invalid(
                    line,
                    format!(
                        "{period} follows {before}: the table would have a gap ({} missing); add the months in between too",
                        missing.join(", ")
                    ),
                ));
            }
            if jumps(earlier.pesos, current.pesos) {
                return Err(UtmError::invalid(
                    line,
                    format!(
                        "the UTM of {period} ({}) is {} from {before} ({}): more than {MAX_MONTHLY_CHANGE_PERCENT} % in a month is not a UTM value (a digit lost or doubled?)",
                        current.pesos,
                        percent(earlier.pesos, current.pesos),
                        earlier.pesos
                    ),
                ));
            }
        }
        previous = Some((period, current));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(period: &str, pesos: i64, line: usize) -> UtmEntry {
        UtmEntry {
            period: Period::parse(period).expect("period"),
            pesos,
            line: Some(line),
        }
    }

    fn line_of(result: Result<(), UtmError>) -> (Option<usize>, String) {
        match result {
            Err(UtmError::Invalid { line, message }) => (line, message),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_clean_series_passes_even_when_the_utm_falls_or_repeats() {
        let entries = [
            entry("2025-01", 67_429, 1),
            entry("2025-02", 67_294, 2),
            entry("2025-03", 68_034, 3),
            entry("2025-04", 68_034, 4),
        ];
        check(&entries).expect("clean");
    }

    #[test]
    fn each_rule_names_the_line() {
        let (line, message) = line_of(check(&[
            entry("2026-01", 69_751, 1),
            entry("2026-03", 69_889, 2),
        ]));
        assert_eq!(line, Some(2));
        assert!(message.contains("gap (2026-02 missing)"), "{message}");

        let (line, message) = line_of(check(&[
            entry("2026-01", 69_751, 1),
            entry("2026-02", 69_611, 2),
            entry("2026-01", 69_751, 3),
        ]));
        assert_eq!(line, Some(3));
        assert!(
            message.contains("more than once (first on line 1)"),
            "{message}"
        );

        let (line, message) = line_of(check(&[
            entry("2026-01", 69_751, 1),
            entry("2026-02", 0, 2),
        ]));
        assert_eq!(line, Some(2));
        assert!(message.contains("positive"), "{message}");

        // 69,751 → 6,961: a digit lost.
        let (line, message) = line_of(check(&[
            entry("2026-01", 69_751, 1),
            entry("2026-02", 6_961, 2),
            entry("2026-03", 6_988, 3),
        ]));
        assert_eq!(line, Some(2));
        assert!(message.contains("-90.0 %"), "{message}");
    }

    #[test]
    fn five_percent_is_the_limit_both_ways() {
        check(&[entry("2026-01", 100_000, 1), entry("2026-02", 105_000, 2)]).expect("+5 %");
        check(&[entry("2026-01", 100_000, 1), entry("2026-02", 95_000, 2)]).expect("-5 %");
        assert!(check(&[entry("2026-01", 100_000, 1), entry("2026-02", 105_001, 2)]).is_err());
        assert!(check(&[entry("2026-01", 100_000, 1), entry("2026-02", 94_999, 2)]).is_err());
    }

    #[test]
    fn the_stored_neighbours_count_too() {
        let known = UtmTable::from_months([
            (Period::parse("2026-06").expect("p"), 71_506),
            (Period::parse("2026-07").expect("p"), 71_649),
        ]);
        check_with(&known, &[entry("2026-08", 71_649, 1)]).expect("next month");
        // Replacing a stored month is fine when it fits.
        check_with(&known, &[entry("2026-07", 71_700, 1)]).expect("a correction");

        let (line, message) = line_of(check_with(&known, &[entry("2026-10", 72_151, 4)]));
        assert_eq!(line, Some(4));
        assert!(message.contains("2026-08, 2026-09 missing"), "{message}");

        let (line, _) = line_of(check_with(&known, &[entry("2026-08", 80_000, 7)]));
        assert_eq!(line, Some(7));
        // A correction that no longer fits the stored month after it.
        let (line, message) = line_of(check_with(&known, &[entry("2026-06", 60_000, 9)]));
        assert_eq!(line, Some(9));
        assert!(message.contains("2026-07"), "{message}");
        // A month before the stored ones must join them.
        let (line, _) = line_of(check_with(&known, &[entry("2026-01", 69_751, 2)]));
        assert_eq!(line, Some(2));
    }
}
