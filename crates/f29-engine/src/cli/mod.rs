//! `f29-engine utm` / `f29-engine holidays` (see `reference.rs`) keep the engine's UTM table
//! and holidays current. `f29-engine compute`: the declaration computed offline, straight from the RCV CSV files an
//! accountant downloads from SII, with the same engine the service uses.
//!
//! ```text
//! f29-engine compute --company 76123456-0 --period 2024-11 \
//!     --compras compras.csv [--compras pendientes.csv …] --ventas ventas.csv \
//!     [--ventas-resumen resumen.yaml] [--inputs inputs.yaml] \
//!     [--format table|csv|json|xml|proposal] [--output FILE] [--allow-refused]
//! ```
//!
//! Every compras file may be any of SII's four purchase exports (the header says which
//! state it holds); rows SII's format refuses are reported, never silently dropped: the
//! command ends with a summary of them and fails (exit code 3) unless `--allow-refused` is
//! given (`refused.rs`). The inputs file holds what the RCV cannot know, in the stored form
//! (`ppm_rate: "0.125"`, `impuesto_unico: 250000`, `honorarios_gross: 100000`,
//! `honorarios_rate: "14.5"`, `previous_remanente: 43700`,
//! `adjustments: [{codigo, delta, reason}]`, …). The OPEN
//! points come from the `compute:` section of `--config` when given. Boletas and vouchers
//! have no detail in SII's CSV files: their totals come from `--ventas-resumen` (see
//! `resumen.rs`).

mod compute;
mod reference;
mod refused;
mod resumen;
mod table;

pub use compute::{CliError, ComputeArgs, OutputFormat, run};
pub use reference::{HolidaysCommand, UtmCommand, run_holidays, run_utm};
