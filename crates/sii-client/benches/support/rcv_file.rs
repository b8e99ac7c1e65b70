//! The generated compras REGISTRO file the CSV benchmarks parse (shared by
//! `benches/csv_parse.rs` and `examples/rcv_parse_file.rs`, which the cl-sii comparison
//! script runs): SII's real layout, one document in twenty with a second "other tax" on a
//! continuation row, names in UTF-8 with accents and stray spaces, three suppliers.

use std::fmt::Write;

/// A file with exactly `rows` data rows after the header, ending with a newline.
pub fn generate(rows: usize) -> Vec<u8> {
    let mut text = sii_client::rcv::csv::Layout::CompraRegistro.header();
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
        let _ = write!(
            text,
            "\n{n};33;Del Giro;{};{};{};{:02}/11/2024;{:02}/11/2024 10:{:02}:{:02};;0;{neto};{iva};;;{total};;;;;0;;;;0;{code};{value};{rate};",
            ruts[n % 3],
            names[n % 3],
            1_000_000 + n,
            1 + n % 28,
            1 + n % 28,
            n % 60,
            (n * 7) % 60
        );
        written += 1;
        if with_tax {
            let _ = write!(
                text,
                "\n;33;Del Giro;{};{};{};{:02}/11/2024;;;;;;;;;;;;;;;;;;25;{};20.5;",
                ruts[n % 3],
                names[n % 3],
                1_000_000 + n,
                1 + n % 28,
                neto / 5
            );
            written += 1;
        }
    }
    text.push('\n');
    text.into_bytes()
}
