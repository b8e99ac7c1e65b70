//! The Rust side of `scripts/bench/rcv_parse_vs_cl_sii.sh`: writes the benchmark's RCV CSV
//! file, or streams one from disk through `rcv::csv::CsvReader` and prints the thread CPU
//! time per pass (the best of `REPEAT`), in the same one-line shape as
//! `scripts/bench/cl_sii_parse.py`.
//!
//! ```text
//! cargo run --release -p sii-client --example rcv_parse_file -- generate FILE ROWS
//! cargo run --release -p sii-client --example rcv_parse_file -- parse FILE COMPANY [REPEAT]
//! ```
//!
//! Streaming means what an import does: the file is read through the parser's own buffer and
//! each document is dropped once counted, so memory stays flat whatever the file size.

use std::fs::File;
use std::io::Read;
use std::process::ExitCode;

use criterion::measurement::Measurement;
use ofitec_domain::{Period, Rut};
use ofitec_testkit::cpu_time::ThreadCpuTime;
use sii_client::rcv::csv::{CsvError, CsvReader};

#[path = "../benches/support/rcv_file.rs"]
mod rcv_file;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["generate", path, rows] => generate(path, rows),
        ["parse", path, company] => parse(path, company, "5"),
        ["parse", path, company, repeat] => parse(path, company, repeat),
        _ => Err("usage: rcv_parse_file generate FILE ROWS | parse FILE COMPANY [REPEAT]".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rcv_parse_file: {message}");
            ExitCode::FAILURE
        }
    }
}

fn generate(path: &str, rows: &str) -> Result<(), String> {
    let rows: usize = rows.parse().map_err(|e| format!("ROWS `{rows}`: {e}"))?;
    std::fs::write(path, rcv_file::generate(rows)).map_err(|e| format!("{path}: {e}"))
}

/// One streamed pass: (documents, refused rows).
fn pass(path: &str, company: Rut, period: Period) -> Result<(usize, usize), String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let reader = CsvReader::new(file, company, period, None).map_err(|e| e.to_string())?;
    let (mut documents, mut refused) = (0, 0);
    for item in reader {
        match item {
            Ok(doc) => {
                documents += 1;
                std::hint::black_box(doc);
            }
            Err(CsvError::Row(_)) => refused += 1,
            Err(other) => return Err(other.to_string()),
        }
    }
    Ok((documents, refused))
}

fn parse(path: &str, company: &str, repeat: &str) -> Result<(), String> {
    let company = Rut::parse(company).map_err(|e| format!("COMPANY: {e}"))?;
    let repeat: u32 = repeat
        .parse()
        .map_err(|e| format!("REPEAT `{repeat}`: {e}"))?;
    // The period is a parameter of the parse, not something the file says.
    let period = Period::parse("2024-11").map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| format!("{path}: {e}"))?;
    // Data rows: every line but the header (the file ends with one newline).
    let rows = bytecount(&bytes).saturating_sub(1);
    drop(bytes);

    let clock = ThreadCpuTime;
    let (mut best, mut outcome) = (u64::MAX, (0, 0));
    for _ in 0..repeat.max(1) {
        let start = clock.start();
        outcome = pass(path, company, period)?;
        best = best.min(clock.end(start));
    }
    let cpu_s = best as f64 / 1e9;
    let (documents, refused) = outcome;
    println!(
        "parser=ofitec rows={rows} documents={documents} refused={refused} cpu_s={cpu_s:.3} rows_per_cpu_s={:.0}",
        rows as f64 / cpu_s
    );
    if refused > 0 {
        return Err(format!("{refused} rows refused: not the same work"));
    }
    Ok(())
}

fn bytecount(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}
