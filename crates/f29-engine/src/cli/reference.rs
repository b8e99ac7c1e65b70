//! `f29-engine utm …` and `f29-engine holidays …`: the reference data in the engine's
//! database (the one `--config` / `DATABASE_URL` names), kept current without a release.
//!
//! ```text
//! f29-engine utm import utm2026.htm            SII's yearly UTM-UTA-IPC page, saved as HTML
//! f29-engine utm import utm.csv                `month,utm` lines
//! f29-engine utm list
//! f29-engine holidays import holidays.yaml     whole years, in data/holidays.yaml's format
//! ```
//!
//! An import is checked whole before anything is written (a gap, a duplicate month, a value
//! that is not positive or moves more than 5 % from its neighbour, a holiday outside its year
//! are refused naming the line) and lands in one transaction. The running service reads the
//! new months at its next computation.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use ofitec_platform::db::Db;

use super::compute::CliError;
use crate::config::Config;
use crate::domain::calendar::holidays::HolidayTable;
use crate::domain::utm::{self, UtmEntry, csv_file, series, sii_html};
use crate::store::{self, MIGRATIONS};

/// `f29-engine utm …`.
#[derive(Debug, Clone, Subcommand)]
pub enum UtmCommand {
    /// Adds or corrects months from SII's yearly UTM page (HTML), a `month,utm` CSV or a
    /// YAML table like data/utm.yaml.
    Import(UtmImportArgs),
    /// Prints the stored table.
    List,
}

/// How the file to import is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UtmFormat {
    /// By its content: HTML when it has tags, YAML for `.yaml`/`.yml`, else CSV.
    Auto,
    /// SII's page `utmYYYY.htm` as saved from the browser.
    Html,
    /// `month,utm` lines.
    Csv,
    /// `"YYYY-MM": pesos`, like the shipped data/utm.yaml.
    Yaml,
}

/// Arguments of `f29-engine utm import`.
#[derive(Debug, Clone, Args)]
pub struct UtmImportArgs {
    /// The file.
    pub file: PathBuf,
    /// The year of an HTML page that does not say it (else its title or `utmYYYY.htm`).
    #[arg(long)]
    pub year: Option<u32>,
    /// How the file is written.
    #[arg(long, value_enum, default_value_t = UtmFormat::Auto)]
    pub format: UtmFormat,
    /// Check the file against the stored table, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// `f29-engine holidays …`.
#[derive(Debug, Clone, Subcommand)]
pub enum HolidaysCommand {
    /// Replaces the years a YAML file lists (data/holidays.yaml's format).
    Import(HolidaysImportArgs),
}

/// Arguments of `f29-engine holidays import`.
#[derive(Debug, Clone, Args)]
pub struct HolidaysImportArgs {
    /// The file.
    pub file: PathBuf,
    /// Check the file, write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

fn failed(message: impl Into<String>) -> CliError {
    CliError::Failed(message.into())
}

/// Who a command's writes are recorded as: the operating-system user.
fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("cli:{user}")
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The year in a file name like SII's `utm2026.htm`.
fn year_from_name(path: &Path) -> Option<u32> {
    let name = file_name(path).to_ascii_lowercase();
    let digits: String = name
        .strip_prefix("utm")?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (digits.len() == 4).then(|| digits.parse().ok()).flatten()
}

/// The months of `text`, read as `format`.
pub fn utm_entries(
    text: &str,
    path: &Path,
    format: UtmFormat,
    year: Option<u32>,
) -> Result<Vec<UtmEntry>, utm::UtmError> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let format = match format {
        UtmFormat::Auto if matches!(extension.as_str(), "yaml" | "yml") => UtmFormat::Yaml,
        UtmFormat::Auto if text.contains('<') && text.to_ascii_lowercase().contains("<tr") => {
            UtmFormat::Html
        }
        UtmFormat::Auto => UtmFormat::Csv,
        other => other,
    };
    match format {
        UtmFormat::Html => {
            sii_html::parse(text, year.or_else(|| year_from_name(path))).map(|y| y.entries)
        }
        UtmFormat::Yaml => utm::yaml_entries(text),
        UtmFormat::Csv | UtmFormat::Auto => csv_file::parse(text),
    }
}

async fn open(config: Option<&Path>) -> Result<(Config, Db), CliError> {
    let config = Config::load(config).map_err(|e| usage(e.to_string()))?;
    let db = Db::connect(&config.database, MIGRATIONS)
        .await
        .map_err(|e| failed(format!("opening {}: {e}", config.database.url.redacted())))?;
    // The same seed the service runs at start, so an import is checked against the table the
    // service will have (and does not leave a gap below the shipped months).
    crate::app::seed_reference_data(&db, &config)
        .await
        .map_err(|e| failed(format!("{e:#}")))?;
    Ok((config, db))
}

fn refused(path: &Path, e: impl std::fmt::Display) -> CliError {
    usage(format!("{}: {e}; nothing was imported", path.display()))
}

/// Runs a `utm` subcommand; `config` is the `--config` file, if any.
pub async fn run_utm(command: &UtmCommand, config: Option<&Path>) -> Result<(), CliError> {
    match command {
        UtmCommand::List => {
            let (_, db) = open(config).await?;
            let months = store::run(&db, store::utm::list)
                .await
                .map_err(|e| failed(e.to_string()))?;
            for m in months {
                println!("{}\t{}\t{}\t{}", m.period, m.pesos, m.set_by, m.source);
            }
            Ok(())
        }
        UtmCommand::Import(args) => {
            let text = utm::read(&args.file).map_err(|e| usage(e.to_string()))?;
            let entries = utm_entries(&text, &args.file, args.format, args.year)
                .map_err(|e| refused(&args.file, e))?;
            if entries.is_empty() {
                return Err(refused(&args.file, "no published month in the file"));
            }
            series::check(&entries).map_err(|e| refused(&args.file, e))?;
            let (_, db) = open(config).await?;
            let first = entries.iter().map(|e| e.period).min();
            let last = entries.iter().map(|e| e.period).max();
            let count = entries.len();
            let (source, by, dry_run) = (
                format!("import {}", file_name(&args.file)),
                actor(),
                args.dry_run,
            );
            let written = store::run(&db, move |conn| {
                if dry_run {
                    let known = store::utm::table(conn)?;
                    series::check_with(&known, &entries)?;
                    Ok(0)
                } else {
                    store::utm::put(conn, &entries, &source, &by, chrono::Utc::now())
                }
            })
            .await
            .map_err(|e| match e {
                store::StoreError::Utm(u) => refused(&args.file, u),
                other => failed(other.to_string()),
            })?;
            let range = match (first, last) {
                (Some(f), Some(l)) => format!("{f} … {l}"),
                _ => String::new(),
            };
            if dry_run {
                println!(
                    "{count} month(s) checked ({range}): they fit the stored table; nothing written (--dry-run)"
                );
            } else {
                println!("{written} month(s) imported ({range})");
            }
            Ok(())
        }
    }
}

/// Runs a `holidays` subcommand.
pub async fn run_holidays(
    command: &HolidaysCommand,
    config: Option<&Path>,
) -> Result<(), CliError> {
    let HolidaysCommand::Import(args) = command;
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| usage(format!("cannot read {}: {e}", args.file.display())))?;
    let table = HolidayTable::parse(&text).map_err(|e| refused(&args.file, e))?;
    let years: Vec<String> = table.years().map(|(y, _)| y.to_string()).collect();
    if years.is_empty() {
        return Err(refused(&args.file, "no year in the file"));
    }
    if args.dry_run {
        println!(
            "{} checked: years {}; nothing written (--dry-run)",
            args.file.display(),
            years.join(", ")
        );
        return Ok(());
    }
    let (_, db) = open(config).await?;
    let by = actor();
    store::run(&db, move |conn| {
        store::holidays::put(conn, &table, &by, chrono::Utc::now())
    })
    .await
    .map_err(|e| match e {
        store::StoreError::Holidays(h) => refused(&args.file, h),
        other => failed(other.to_string()),
    })?;
    println!("holidays of {} replaced", years.join(", "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_of_sii_file_names() {
        assert_eq!(year_from_name(Path::new("/tmp/utm2026.htm")), Some(2026));
        assert_eq!(year_from_name(Path::new("UTM2025.html")), Some(2025));
        assert_eq!(year_from_name(Path::new("valores.htm")), None);
        assert_eq!(year_from_name(Path::new("utm20261.htm")), None);
    }

    #[test]
    fn formats_are_told_apart() {
        let csv =
            utm_entries("2026-07,71649\n", Path::new("x.csv"), UtmFormat::Auto, None).expect("csv");
        assert_eq!(csv.len(), 1);
        let yaml = utm_entries(
            "\"2026-07\": 71649\n",
            Path::new("x.yaml"),
            UtmFormat::Auto,
            None,
        )
        .expect("yaml");
        assert_eq!(yaml.len(), 1);
        let html = utm_entries(
            "<table><tr><th>Julio</th><td>71.649</td></tr></table>",
            Path::new("utm2026.htm"),
            UtmFormat::Auto,
            None,
        )
        .expect("html");
        assert_eq!(html[0].period.to_string(), "2026-07");
    }
}
