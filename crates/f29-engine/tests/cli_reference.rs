//! `f29-engine utm import` and `f29-engine holidays import` against a real database (the
//! backend `OFITEC_TEST_BACKEND` selects): SII's yearly UTM page saved as HTML
//! (`tests/data/utm2026.htm`, ISO-8859-1 as SII serves it), CSV files, and refusals that name
//! the line and write nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use f29_engine::store::{self, MIGRATIONS};
use ofitec_platform::db::{DatabaseConfig, Db};
use ofitec_testkit::TestDatabase;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/utm2026.htm")
}

fn run(database: &TestDatabase, args: &[&str], file: &Path) -> Output {
    let mut all: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    all.push(file.as_os_str());
    run_args(database, &all)
}

fn run_args(database: &TestDatabase, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_f29-engine"))
        .args(args)
        .env_remove("OFITEC_CONFIG")
        .env("DATABASE_URL", database.url_string())
        .env("USER", "ana")
        .output()
        .expect("f29-engine runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn stored_utm(database: &TestDatabase) -> Vec<store::utm::StoredUtm> {
    let db = Db::connect(&DatabaseConfig::new(database.url()), MIGRATIONS)
        .await
        .unwrap();
    store::run(&db, store::utm::list).await.unwrap()
}

#[tokio::test]
async fn sii_yearly_page_saved_as_html_is_imported() {
    let database = TestDatabase::new();
    let output = run(&database, &["utm", "import"], &fixture());
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout).trim(),
        "7 month(s) imported (2026-01 … 2026-07)"
    );
    let stored = stored_utm(&database).await;
    // The shipped seed ran first (2019-01 on), the page's months are now the operator's.
    assert_eq!(stored.first().unwrap().period.to_string(), "2019-01");
    let july = stored
        .iter()
        .find(|s| s.period.to_string() == "2026-07")
        .unwrap();
    assert_eq!(july.pesos, 71_649);
    assert_eq!((july.set_by.as_str(), july.seeded), ("cli:ana", false));
    assert_eq!(july.source, "import utm2026.htm");
    let june = stored
        .iter()
        .find(|s| s.period.to_string() == "2026-06")
        .unwrap();
    assert_eq!(june.set_by, "cli:ana");
}

#[tokio::test]
async fn a_wrong_value_in_the_page_is_refused_naming_its_line() {
    let database = TestDatabase::new();
    // `utm list` seeds the database as the service would.
    let listed = run_args(&database, &["utm".as_ref(), "list".as_ref()]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    assert!(text(&listed.stdout).contains("2026-07\t71649\tseed\tshipped data/utm.yaml"));
    let dir = tempfile::tempdir().unwrap();
    // July typed as 7.649 (a digit lost): the page's row for Julio starts on line 95.
    let page = std::fs::read(fixture()).unwrap();
    let typo = text(&page).replace("<td>71.649</td>", "<td>7.649</td>");
    let path = dir.path().join("utm2026.htm");
    std::fs::write(&path, typo).unwrap();
    let output = run(&database, &["utm", "import"], &path);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("line 95"), "{stderr}");
    assert!(stderr.contains("more than 5 %"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    // Nothing written: the table is the seed alone.
    let stored = stored_utm(&database).await;
    assert_eq!(stored.len(), 91);
    assert!(stored.iter().all(|s| s.set_by == "seed"), "{stored:?}");
}

#[tokio::test]
async fn csv_files_are_checked_against_the_stored_table() {
    let database = TestDatabase::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("utm.csv");

    // October without August and September leaves a gap after the stored July.
    std::fs::write(&path, "month,utm\n2026-10,72151\n2026-11,72367\n").unwrap();
    let output = run(&database, &["utm", "import"], &path);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("2026-08, 2026-09 missing"), "{stderr}");

    // A duplicate month, a value that is not positive: each named by its line.
    std::fs::write(&path, "2026-08,71649\n2026-09,71721\n2026-08,71649\n").unwrap();
    let stderr = text(&run(&database, &["utm", "import"], &path).stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("more than once"),
        "{stderr}"
    );
    std::fs::write(&path, "2026-08,71649\n2026-09,-1\n").unwrap();
    let stderr = text(&run(&database, &["utm", "import"], &path).stderr);
    assert!(
        stderr.contains("line 2") && stderr.contains("positive"),
        "{stderr}"
    );
    let stored = stored_utm(&database).await;
    assert_eq!(stored.len(), 91, "the seed is there");
    assert!(
        stored.iter().all(|s| s.set_by == "seed"),
        "nothing half-imported"
    );

    // Values for this test only (not published in any source we could check).
    std::fs::write(&path, "2026-08,71649\n2026-09,71721\n").unwrap();
    let output = run(&database, &["utm", "import", "--dry-run"], &path);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("nothing written"));
    assert_eq!(
        stored_utm(&database)
            .await
            .last()
            .unwrap()
            .period
            .to_string(),
        "2026-07"
    );
    let output = run(&database, &["utm", "import"], &path);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stored = stored_utm(&database).await;
    assert_eq!(stored.last().unwrap().period.to_string(), "2026-09");
    assert_eq!(stored.last().unwrap().source, "import utm.csv");
}

#[tokio::test]
async fn holiday_years_are_imported_whole_or_refused() {
    let database = TestDatabase::new();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("holidays.yaml");
    std::fs::write(
        &path,
        "\"2028\":\n  - {date: \"2028-01-01\", name: \"Año Nuevo\", source: \"Ley 2.977\"}\n  - {date: \"2029-01-01\", name: \"Año Nuevo\"}\n",
    )
    .unwrap();
    let output = run(&database, &["holidays", "import"], &path);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("line 3") && stderr.contains("listed under 2028"),
        "{stderr}"
    );

    std::fs::write(
        &path,
        "\"2028\":\n  - {date: \"2028-01-01\", name: \"Año Nuevo\", source: \"Ley 2.977\"}\n",
    )
    .unwrap();
    let output = run(&database, &["holidays", "import"], &path);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).trim(), "holidays of 2028 replaced");
    let db = Db::connect(&DatabaseConfig::new(database.url()), MIGRATIONS)
        .await
        .unwrap();
    let years = store::run(&db, |conn| store::holidays::list(conn, Some(2028)))
        .await
        .unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!(years[0].set_by, "cli:ana");
}
