//! Exports of a declaration: CSV (`codigo;glosa;valor`), JSON, XML and SII's proposal shape
//! (`[{codigo, valor}]` with string values). File names are `F29_<rut>_<yyyymm>.<ext>`.
//!
//! No public specification exists for the file authorised software uploads to SII
//! (docs/reference/f29.md#open-points), so these formats are ours: keyed by código, with period,
//! company and status.

use std::fmt::Write as _;
use std::str::FromStr;

use ofitec_domain::{Period, Rut};
use serde::{Deserialize, Serialize};

use super::form::{Form, Valor};
use super::lifecycle::Status;
use super::mapping::Mapping;

/// One código as stored and exported: with its glosa, so a version explains itself even if
/// the mapping changes later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeLine {
    /// Código.
    pub codigo: u16,
    /// Glosa at the time of the computation.
    pub glosa: String,
    /// Value.
    pub valor: Valor,
}

/// The form's códigos with the mapping's glosas, ordered by código.
pub fn lines(form: &Form, mapping: &Mapping) -> Vec<CodeLine> {
    form.codes
        .iter()
        .map(|(&codigo, &valor)| CodeLine {
            codigo,
            glosa: mapping.glosa(codigo).to_owned(),
            valor,
        })
        .collect()
}

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `codigo;glosa;valor`.
    Csv,
    /// Period, company, status, version and códigos.
    Json,
    /// `<F29 periodo rut estado>` with `<Codigo num glosa>valor</Codigo>`.
    Xml,
    /// SII's proposal shape `[{codigo, valor}]`.
    Proposal,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "xml" => Ok(Format::Xml),
            "proposal" => Ok(Format::Proposal),
            other => Err(format!(
                "unknown export format `{other}` (expected csv, json, xml or proposal)"
            )),
        }
    }
}

impl Format {
    /// File extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Xml => "xml",
            Format::Proposal => "proposal.json",
        }
    }

    /// MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Json | Format::Proposal => "application/json",
            Format::Xml => "application/xml",
        }
    }
}

/// A declaration as exports see it.
#[derive(Debug, Clone, Copy)]
pub struct Declared<'a> {
    /// Company.
    pub company: Rut,
    /// Period.
    pub period: Period,
    /// Status.
    pub status: Status,
    /// Version exported.
    pub version: u32,
    /// Its códigos.
    pub lines: &'a [CodeLine],
}

/// A rendered export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `F29_<rut>_<yyyymm>.<ext>`.
    pub file_name: String,
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes (UTF-8).
    pub content: Vec<u8>,
}

/// `F29_76123456-0_202411.csv`.
pub fn file_name(company: Rut, period: Period, format: Format) -> String {
    format!("F29_{company}_{}.{}", period.compact(), format.extension())
}

/// Renders `declared` in `format`.
pub fn render(format: Format, declared: &Declared<'_>) -> Rendered {
    let content = match format {
        Format::Csv => csv(declared),
        Format::Json => json(declared),
        Format::Xml => xml(declared),
        Format::Proposal => proposal(declared.lines),
    };
    Rendered {
        file_name: file_name(declared.company, declared.period, format),
        content_type: format.content_type(),
        content: content.into_bytes(),
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv(declared: &Declared<'_>) -> String {
    let mut out = String::from("codigo;glosa;valor\n");
    for line in declared.lines {
        let _ = writeln!(
            out,
            "{};{};{}",
            line.codigo,
            csv_field(&line.glosa),
            line.valor
        );
    }
    out
}

/// A JSON number for the value. Rates are written through their shortest decimal text
/// (`0.125`), which is exactly what the parsed `f64` prints back; pesos are integers.
fn json_number(valor: Valor) -> serde_json::Value {
    match valor {
        Valor::Int(v) => serde_json::Value::from(v),
        Valor::Rate(d) => d
            .to_string()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(
                || serde_json::Value::String(d.to_string()),
                serde_json::Value::Number,
            ),
    }
}

/// The JSON export, fields in reading order.
#[derive(Serialize)]
struct JsonExport<'a> {
    period: String,
    company: String,
    status: &'a str,
    version: u32,
    codigos: Vec<JsonCode<'a>>,
}

#[derive(Serialize)]
struct JsonCode<'a> {
    codigo: u16,
    glosa: &'a str,
    valor: serde_json::Value,
}

fn json(declared: &Declared<'_>) -> String {
    let export = JsonExport {
        period: declared.period.to_string(),
        company: declared.company.to_string(),
        status: declared.status.as_str(),
        version: declared.version,
        codigos: declared
            .lines
            .iter()
            .map(|l| JsonCode {
                codigo: l.codigo,
                glosa: &l.glosa,
                valor: json_number(l.valor),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&export).unwrap_or_default();
    text.push('\n');
    text
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

fn xml(declared: &Declared<'_>) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<F29 periodo=\"{}\" rut=\"{}\" estado=\"{}\" version=\"{}\">",
        declared.period.compact(),
        declared.company,
        declared.status,
        declared.version
    );
    for line in declared.lines {
        let _ = writeln!(
            out,
            "  <Codigo num=\"{}\" glosa=\"{}\">{}</Codigo>",
            line.codigo,
            xml_escape(&line.glosa),
            line.valor
        );
    }
    out.push_str("</F29>\n");
    out
}

/// `[{"codigo": 502, "valor": "5700"}, …]`: the shape SII's proposal service returns, so a
/// proposal export can be compared with SII's own.
pub fn proposal(lines: &[CodeLine]) -> String {
    let items: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::json!({"codigo": l.codigo, "valor": l.valor.to_string()}))
        .collect();
    let mut text = serde_json::to_string_pretty(&items).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_escapes() {
        let rut = Rut::parse("76123456-0").expect("rut");
        let period = Period::parse("2024-11").expect("period");
        assert_eq!(
            file_name(rut, period, Format::Csv),
            "F29_76123456-0_202411.csv"
        );
        assert_eq!(
            file_name(rut, period, Format::Proposal),
            "F29_76123456-0_202411.proposal.json"
        );
        assert_eq!(csv_field("a;b"), "\"a;b\"");
        assert_eq!(csv_field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert!("pdf".parse::<Format>().is_err());
    }
}
