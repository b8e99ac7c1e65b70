//! CSV parsing throughput on a generated 200,000-row compras REGISTRO file (one document
//! in twenty carries a second "other tax" on a continuation row; names in UTF-8 with
//! accents). Target: at least 500,000 rows/s on one core.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use ofitec_domain::{Period, Rut};
use ofitec_testkit::cpu_time;
use sii_client::rcv::csv::{Layout, parse_reader};

const ROWS: usize = 200_000;

/// A file with exactly `rows` data rows.
fn generate(rows: usize) -> Vec<u8> {
    let mut text = Layout::CompraRegistro.header();
    let names = [
        "Distribuidora Peñalolén SpA ",
        "  Ferretería Ñuñoa Ltda.",
        "Comercial Andes S.A.",
    ];
    let ruts = ["12345678-5", "11111111-1", "76354771-K"];
    let (mut written, mut n) = (0, 0);
    while written < rows {
        n += 1;
        let neto = 10_000 + (n * 7_919) % 9_000_000;
        let iva = neto * 19 / 100;
        let with_tax = n % 20 == 0 && written + 2 <= rows;
        let (code, value, rate) = if with_tax {
            ("24", (neto * 315 / 1000).to_string(), "31.5")
        } else {
            ("", String::new(), "")
        };
        let total = neto + iva + value.parse::<usize>().unwrap_or(0);
        write!(
            text,
            "\n{n};33;Del Giro;{};{};{};{:02}/11/2024;{:02}/11/2024 10:{:02}:{:02};;0;{neto};{iva};;;{total};;;;;0;;;;0;{code};{value};{rate};",
            ruts[n % 3], names[n % 3], 1_000_000 + n, 1 + n % 28, 1 + n % 28, n % 60, (n * 7) % 60
        )
        .unwrap();
        written += 1;
        if with_tax {
            write!(
                text,
                "\n;33;Del Giro;{};{};{};{:02}/11/2024;;;;;;;;;;;;;;;;;;25;{};20.5;",
                ruts[n % 3],
                names[n % 3],
                1_000_000 + n,
                1 + n % 28,
                neto / 5
            )
            .unwrap();
            written += 1;
        }
    }
    text.push('\n');
    text.into_bytes()
}

/// `_cpu` for the CPU-time run, so both results are kept apart.
fn suffix<M: 'static>() -> &'static str {
    if std::any::TypeId::of::<M>() == std::any::TypeId::of::<cpu_time::ThreadCpuTime>() {
        "_cpu"
    } else {
        ""
    }
}

fn bench<M: criterion::measurement::Measurement + 'static>(c: &mut Criterion<M>) {
    let file = generate(ROWS);
    let company = Rut::parse("76123456-0").unwrap();
    let period = Period::parse("2024-11").unwrap();
    // Sanity: every row parsed, continuation rows merged, nothing refused.
    let outcome = parse_reader(file.as_slice(), company, period, None).unwrap();
    assert!(outcome.errors.is_empty(), "{:?}", &outcome.errors[..1]);
    assert_eq!(outcome.documents.len(), ROWS - ROWS / 21, "documents");

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
