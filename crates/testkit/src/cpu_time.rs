//! A criterion measurement of the benchmark thread's CPU time, shared by every crate's
//! benches so the numbers in docs/BENCHMARKS.md compare
//! (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`), so a result means "on one core" even when the
//! shared machine is busy and wall-clock time mostly measures waiting for a core.

use criterion::Throughput;
use criterion::measurement::{Measurement, ValueFormatter};

/// Nanoseconds this thread has spent on a CPU (nanosecond resolution, unlike
/// `/proc/thread-self/schedstat`, which moves in scheduler ticks).
fn thread_cpu_ns() -> u64 {
    // Linux always has this clock; a benchmark cannot run without it anyway.
    let t = nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .expect("CLOCK_THREAD_CPUTIME_ID");
    t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64
}

/// Thread CPU time, in nanoseconds.
pub struct ThreadCpuTime;

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &CpuFormatter
    }
}

struct CpuFormatter;

impl ValueFormatter for CpuFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns cpu")
        } else if typical < 1e6 {
            (1e-3, "µs cpu")
        } else if typical < 1e9 {
            (1e-6, "ms cpu")
        } else {
            (1e-9, "s cpu")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }

    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let (count, unit) = match throughput {
            Throughput::Elements(n) => (*n as f64, "elem/cpu-s"),
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => (*n as f64, "B/cpu-s"),
            Throughput::Bits(n) => (*n as f64, "bit/cpu-s"),
            _ => (1.0, "/cpu-s"),
        };
        values.iter_mut().for_each(|v| *v = count * 1e9 / *v);
        unit
    }

    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}
