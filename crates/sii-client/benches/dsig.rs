//! Signing a getToken request and verifying it (RSA-2048, SHA-1, C14N), per second.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use ofitec_domain::Secret;
use ofitec_testkit::cpu_time;
use sii_client::auth::{self, Seed};
use sii_client::cert::Certificate;
use sii_client::dsig;

/// `_cpu` for the CPU-time run, so both results are kept apart.
fn suffix<M: 'static>() -> &'static str {
    if std::any::TypeId::of::<M>() == std::any::TypeId::of::<cpu_time::ThreadCpuTime>() {
        "_cpu"
    } else {
        ""
    }
}

fn bench<M: criterion::measurement::Measurement + 'static>(c: &mut Criterion<M>) {
    let certs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs");
    let password = Secret::from_file(certs.join("password.txt")).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let cert = Certificate::from_pkcs12_file(certs.join("valid.p12"), &password, now).unwrap();
    let seed = Seed::new("000000000078").unwrap();
    let signed = auth::signed_token_request(&seed, &cert).unwrap();
    assert!(dsig::verify(signed.as_bytes()).is_ok());

    let mut group = c.benchmark_group(format!("dsig{}", suffix::<M>()));
    group.throughput(Throughput::Elements(1));
    group.bench_function("sign_get_token", |b| {
        b.iter(|| auth::signed_token_request(std::hint::black_box(&seed), &cert).unwrap())
    });
    group.bench_function("verify_get_token", |b| {
        b.iter(|| dsig::verify(std::hint::black_box(signed.as_bytes())).unwrap())
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
