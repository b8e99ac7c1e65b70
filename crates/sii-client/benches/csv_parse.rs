//! CSV parsing throughput on a generated 200,000-row compras REGISTRO file
//! (`support/rcv_file.rs`: one document in twenty carries a second "other tax" on a
//! continuation row; names in UTF-8 with accents), two ways:
//!
//! * `parse_200k_rows`: `parse_reader` over the bytes in memory, collecting every document;
//! * `stream_200k_rows_from_file`: what an import does, `CsvReader` streaming the file from
//!   disk, each document dropped once counted.
//!
//! Target (issue 16): at least 1,000,000 rows per CPU-second streamed from a file, and at
//! least 250 times cl-sii (`scripts/bench/rcv_parse_vs_cl_sii.sh` measures both in one run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use ofitec_domain::{Period, Rut};
use ofitec_testkit::cpu_time;
use sii_client::rcv::csv::{CsvReader, parse_reader};

#[path = "support/rcv_file.rs"]
mod rcv_file;

const ROWS: usize = 200_000;

/// `_cpu` for the CPU-time run, so both results are kept apart.
fn suffix<M: 'static>() -> &'static str {
    if std::any::TypeId::of::<M>() == std::any::TypeId::of::<cpu_time::ThreadCpuTime>() {
        "_cpu"
    } else {
        ""
    }
}

fn bench<M: criterion::measurement::Measurement + 'static>(c: &mut Criterion<M>) {
    let file = rcv_file::generate(ROWS);
    let company = Rut::parse("76123456-0").unwrap();
    let period = Period::parse("2024-11").unwrap();
    // Sanity: every row parsed, continuation rows merged, nothing refused.
    let outcome = parse_reader(file.as_slice(), company, period, None).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", &outcome.errors[..1]);
    assert_eq!(outcome.documents.len(), ROWS - ROWS / 21, "documents");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rcv-compra-registro.csv");
    std::fs::write(&path, &file).unwrap();

    let mut group = c.benchmark_group(format!("rcv_csv{}", suffix::<M>()));
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(20);
    group.bench_function("parse_200k_rows", |b| {
        b.iter(|| {
            let out =
                parse_reader(std::hint::black_box(file.as_slice()), company, period, None).unwrap();
            std::hint::black_box(out.documents.len())
        })
    });
    group.bench_function("stream_200k_rows_from_file", |b| {
        b.iter(|| {
            let reader = CsvReader::new(File::open(&path).unwrap(), company, period, None).unwrap();
            let mut documents = 0;
            for item in reader {
                std::hint::black_box(item.unwrap());
                documents += 1;
            }
            assert_eq!(documents, ROWS - ROWS / 21);
        })
    });
    group.finish();
}

/// The same benchmarks measured in thread CPU time (see `ofitec_testkit::cpu_time`).
fn cpu() -> Criterion<cpu_time::ThreadCpuTime> {
    Criterion::default().with_measurement(cpu_time::ThreadCpuTime)
}

criterion_group!(benches, bench::<criterion::measurement::WallTime>);
criterion_group! {
    name = cpu_benches;
    config = cpu();
    targets = bench::<cpu_time::ThreadCpuTime>
}
criterion_main!(benches, cpu_benches);
