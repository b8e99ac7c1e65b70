//! The RCV (Registro de Compras y Ventas) as the platform understands it: one [`RcvDocument`]
//! per document (or per summary line, for boletas and vouchers that SII only totals), keeping
//! every amount SII gives. sii-client parses SII's JSON and CSV into it, sii-gateway stores it,
//! f29-engine computes from it.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::period::Period;
use crate::rut::Rut;

/// Which register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Purchases.
    Compra,
    /// Sales.
    Venta,
}

impl Operation {
    /// `compra` / `venta` (our storage and API form).
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Compra => "compra",
            Operation::Venta => "venta",
        }
    }

    /// `COMPRA` / `VENTA` (SII's form).
    pub fn sii_name(self) -> &'static str {
        match self {
            Operation::Compra => "COMPRA",
            Operation::Venta => "VENTA",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Operation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "compra" | "compras" => Ok(Operation::Compra),
            "venta" | "ventas" => Ok(Operation::Venta),
            other => Err(format!(
                "unknown operation `{other}` (expected compra or venta)"
            )),
        }
    }
}

/// Accounting state of a purchase (`estadoContab`). Sales have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PurchaseState {
    /// The official register; the only state that gives VAT credit.
    Registro,
    /// Received, awaiting acceptance or claim.
    Pendiente,
    /// Declared unrelated to the business.
    NoIncluir,
    /// Claimed.
    Reclamado,
}

impl PurchaseState {
    /// Every state, in SII's order.
    pub const ALL: [PurchaseState; 4] = [
        PurchaseState::Registro,
        PurchaseState::Pendiente,
        PurchaseState::NoIncluir,
        PurchaseState::Reclamado,
    ];

    /// SII's name (`REGISTRO`, `PENDIENTE`, `NO_INCLUIR`, `RECLAMADO`).
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseState::Registro => "REGISTRO",
            PurchaseState::Pendiente => "PENDIENTE",
            PurchaseState::NoIncluir => "NO_INCLUIR",
            PurchaseState::Reclamado => "RECLAMADO",
        }
    }
}

impl fmt::Display for PurchaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PurchaseState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s
            .trim()
            .to_ascii_uppercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "REGISTRO" => Ok(PurchaseState::Registro),
            "PENDIENTE" => Ok(PurchaseState::Pendiente),
            "NO_INCLUIR" => Ok(PurchaseState::NoIncluir),
            "RECLAMADO" => Ok(PurchaseState::Reclamado),
            other => Err(format!(
                "unknown purchase state `{other}` (expected REGISTRO, PENDIENTE, NO_INCLUIR or RECLAMADO)"
            )),
        }
    }
}

/// Purchase or sale type (`detTipoTransaccion`, "Tipo Compra" / "Tipo Venta").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionType {
    /// 1: of the business ("Del Giro").
    DelGiro,
    /// 2: supermarket purchases.
    Supermercado,
    /// 3: real estate.
    BienesRaices,
    /// 4: fixed assets.
    ActivoFijo,
    /// 5: IVA of common use (proportional credit).
    IvaUsoComun,
    /// 6: without credit right ("IVA no Recuperable").
    SinDerechoCredito,
    /// 7: not to be included ("No Corresp. Incluir").
    NoIncluir,
}

impl TransactionType {
    /// SII's numeric code.
    pub fn code(self) -> u8 {
        match self {
            TransactionType::DelGiro => 1,
            TransactionType::Supermercado => 2,
            TransactionType::BienesRaices => 3,
            TransactionType::ActivoFijo => 4,
            TransactionType::IvaUsoComun => 5,
            TransactionType::SinDerechoCredito => 6,
            TransactionType::NoIncluir => 7,
        }
    }

    /// From SII's numeric code.
    pub fn from_code(code: u8) -> Option<TransactionType> {
        Some(match code {
            1 => TransactionType::DelGiro,
            2 => TransactionType::Supermercado,
            3 => TransactionType::BienesRaices,
            4 => TransactionType::ActivoFijo,
            5 => TransactionType::IvaUsoComun,
            6 => TransactionType::SinDerechoCredito,
            7 => TransactionType::NoIncluir,
            _ => return None,
        })
    }

    /// From the CSV text ("Del Giro", "Supermercados", "Bienes Raíces", …), accent- and
    /// case-insensitive.
    pub fn from_text(text: &str) -> Option<TransactionType> {
        let folded: String = text
            .trim()
            .to_lowercase()
            .chars()
            .map(|c| match c {
                'á' => 'a',
                'é' => 'e',
                'í' => 'i',
                'ó' => 'o',
                'ú' => 'u',
                other => other,
            })
            .filter(|c| c.is_alphanumeric())
            .collect();
        Some(match folded.as_str() {
            "delgiro" => TransactionType::DelGiro,
            "supermercado" | "supermercados" => TransactionType::Supermercado,
            "bienesraices" => TransactionType::BienesRaices,
            "activofijo" => TransactionType::ActivoFijo,
            "ivausocomun" => TransactionType::IvaUsoComun,
            "ivanorecuperable" | "sinderechoacredito" | "sinderechocredito" => {
                TransactionType::SinDerechoCredito
            }
            "nocorrespincluir" | "nocorrespondeincluir" | "noincluir" => TransactionType::NoIncluir,
            _ => return None,
        })
    }
}

/// One "other tax" of a document (tobacco, alcohol, fuel specific taxes, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OtherTax {
    /// SII tax code.
    pub codigo: u32,
    /// Amount in pesos.
    pub valor: i64,
    /// Rate in percent, when given.
    pub tasa: Option<f64>,
}

/// The highest folio SII assigns: a DTE's folio has at most 10 digits.
pub const FOLIO_MAX: i64 = 9_999_999_999;

/// Whether `folio` is in SII's folio range (1 to [`FOLIO_MAX`]).
pub fn is_folio(folio: i64) -> bool {
    (1..=FOLIO_MAX).contains(&folio)
}

/// A reference to another DTE (credit notes reference the invoice they correct): a
/// numeric type and a folio in SII's range, so it may name a document of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentReference {
    /// Tipo DTE of the referenced document.
    pub tipo_dte: u16,
    /// Folio of the referenced document.
    pub folio: i64,
}

/// A reference that cannot name a DTE, kept as SII gives it: purchase orders, HES, contracts
/// and the like carry alphanumeric folios (a DTE's `FolioRef` is text of up to 18
/// characters), numbers beyond the folio range, or a type that is not a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OtherReference {
    /// The referenced document's type, as given (`801`, `HES`, …).
    pub tipo: String,
    /// Its folio, as given (trimmed).
    pub folio: String,
}

/// Something odd in what SII gave that does not make the document wrong (a reference type
/// without its folio, say): kept on the document so that it is not lost in silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentWarning {
    /// The field it is about (CSV column or JSON field name).
    pub field: String,
    /// What is odd.
    pub message: String,
}

/// One document of the RCV, or one summary line (boletas and vouchers are only totalled:
/// then `document_count` says how many documents the line stands for). Amounts are whole
/// pesos; a missing amount is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RcvDocument {
    /// Company whose register this is.
    pub company: Rut,
    /// Tax period.
    pub period: Period,
    /// Register.
    pub operation: Operation,
    /// Tipo DTE (33 factura, 34 exenta, 39 boleta, 46 factura de compra, 56 ND, 61 NC, …).
    pub tipo_dte: u16,
    /// Supplier (purchases) or customer (sales); `None` on summary lines.
    pub counterpart: Option<Rut>,
    /// Counterpart name, trimmed.
    pub counterpart_name: String,
    /// Folio; 0 on summary lines.
    pub folio: i64,
    /// Document date.
    pub issued_on: Option<NaiveDate>,
    /// SII reception time.
    pub received_at: Option<NaiveDateTime>,
    /// Acknowledgement (acuse de recibo) time.
    pub acknowledged_at: Option<NaiveDateTime>,
    /// Claim time.
    pub claimed_at: Option<NaiveDateTime>,
    /// Purchase state; `None` for sales.
    pub state: Option<PurchaseState>,
    /// Purchase or sale type, when SII gives one.
    pub transaction_type: Option<TransactionType>,
    /// Exempt amount.
    pub exento: i64,
    /// Net amount.
    pub neto: i64,
    /// IVA (recoverable IVA for purchases).
    pub iva: i64,
    /// Non-recoverable IVA.
    pub iva_no_recuperable: i64,
    /// Code of the non-recoverable IVA (1-9), when any.
    pub iva_no_recuperable_code: Option<u8>,
    /// Total amount.
    pub total: i64,
    /// Net amount of fixed assets.
    pub activo_fijo_neto: i64,
    /// IVA of fixed assets.
    pub activo_fijo_iva: i64,
    /// IVA of common use.
    pub iva_uso_comun: i64,
    /// Tax without credit right.
    pub sin_derecho_credito: i64,
    /// IVA retained in full (facturas de compra).
    pub iva_retenido_total: i64,
    /// IVA retained partially.
    pub iva_retenido_parcial: i64,
    /// IVA not retained.
    pub iva_no_retenido: i64,
    /// Other taxes.
    pub other_taxes: Vec<OtherTax>,
    /// Referenced documents.
    pub references: Vec<DocumentReference>,
    /// References that cannot name a DTE (alphanumeric folios, …); absent from older data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_references: Vec<OtherReference>,
    /// What was odd but kept (see [`DocumentWarning`]); absent from older data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<DocumentWarning>,
    /// Receiver event (A not claimed in time, C receipt granted, P cash, R claimed).
    pub receiver_event: Option<String>,
    /// Cancelled (anulado) according to SII.
    pub anulado: bool,
    /// VAT rate SII states, in percent.
    pub tasa_iva: Option<f64>,
    /// Documents this line stands for: 1 for a document, N for a summary line.
    pub document_count: u32,
    /// Every other amount SII gives, by a stable snake_case name (e.g. `iva_propio`,
    /// `iva_terceros`, `credito_empresa_constructora`, `tabacos_puros`,
    /// `nce_nde_sobre_factura_compra`, `iva_fuera_de_plazo`, `monto_no_facturable`).
    pub extra: BTreeMap<String, i64>,
}

impl RcvDocument {
    /// An empty document with the identifying fields set; everything else zero or absent.
    pub fn new(
        company: Rut,
        period: Period,
        operation: Operation,
        tipo_dte: u16,
        counterpart: Option<Rut>,
        folio: i64,
    ) -> RcvDocument {
        RcvDocument {
            company,
            period,
            operation,
            tipo_dte,
            counterpart,
            counterpart_name: String::new(),
            folio,
            issued_on: None,
            received_at: None,
            acknowledged_at: None,
            claimed_at: None,
            state: None,
            transaction_type: None,
            exento: 0,
            neto: 0,
            iva: 0,
            iva_no_recuperable: 0,
            iva_no_recuperable_code: None,
            total: 0,
            activo_fijo_neto: 0,
            activo_fijo_iva: 0,
            iva_uso_comun: 0,
            sin_derecho_credito: 0,
            iva_retenido_total: 0,
            iva_retenido_parcial: 0,
            iva_no_retenido: 0,
            other_taxes: Vec::new(),
            references: Vec::new(),
            other_references: Vec::new(),
            warnings: Vec::new(),
            receiver_event: None,
            anulado: false,
            tasa_iva: None,
            document_count: 1,
            extra: BTreeMap::new(),
        }
    }

    /// The natural key a stored document is upserted by.
    pub fn key(&self) -> DocumentKey {
        DocumentKey {
            company: self.company,
            period: self.period,
            operation: self.operation,
            tipo_dte: self.tipo_dte,
            counterpart: self.counterpart,
            folio: self.folio,
        }
    }

    /// Whether this line totals several documents instead of being one.
    pub fn is_summary(&self) -> bool {
        self.counterpart.is_none() && self.folio == 0
    }
}

/// (company, period, operation, tipo DTE, counterpart RUT, folio): one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentKey {
    /// Company.
    pub company: Rut,
    /// Period.
    pub period: Period,
    /// Register.
    pub operation: Operation,
    /// Tipo DTE.
    pub tipo_dte: u16,
    /// Counterpart (none on summary lines).
    pub counterpart: Option<Rut>,
    /// Folio.
    pub folio: i64,
}

impl fmt::Display for DocumentKey {
    /// `tipo/folio/counterpart`, the form reconciliation reports use.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.counterpart {
            Some(rut) => write!(f, "{}/{}/{}", self.tipo_dte, self.folio, rut),
            None => write!(f, "{}/{}/-", self.tipo_dte, self.folio),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transaction_type_texts() {
        assert_eq!(
            TransactionType::from_text("Del Giro"),
            Some(TransactionType::DelGiro)
        );
        assert_eq!(
            TransactionType::from_text("Bienes Raíces"),
            Some(TransactionType::BienesRaices)
        );
        assert_eq!(
            TransactionType::from_text("IVA Uso Común"),
            Some(TransactionType::IvaUsoComun)
        );
        assert_eq!(
            TransactionType::from_text("IVA no Recuperable"),
            Some(TransactionType::SinDerechoCredito)
        );
        assert_eq!(
            TransactionType::from_text("No Corresp. Incluir"),
            Some(TransactionType::NoIncluir)
        );
        assert_eq!(
            TransactionType::from_text("Supermercados"),
            Some(TransactionType::Supermercado)
        );
        assert_eq!(TransactionType::from_text("otra cosa"), None);
        for code in 1..=7 {
            assert_eq!(
                TransactionType::from_code(code).map(TransactionType::code),
                Some(code)
            );
        }
    }

    #[test]
    fn states_and_operations_parse() {
        assert_eq!(
            "no_incluir".parse::<PurchaseState>(),
            Ok(PurchaseState::NoIncluir)
        );
        assert_eq!(
            "NO INCLUIR".parse::<PurchaseState>(),
            Ok(PurchaseState::NoIncluir)
        );
        assert!("ACEPTADO".parse::<PurchaseState>().is_err());
        assert_eq!("VENTA".parse::<Operation>(), Ok(Operation::Venta));
        assert_eq!(Operation::Compra.sii_name(), "COMPRA");
    }

    #[test]
    fn folio_range_is_ten_digits() {
        assert!(is_folio(1));
        assert!(is_folio(9_999_999_999));
        assert!(!is_folio(0));
        assert!(!is_folio(-5));
        assert!(!is_folio(10_000_000_000));
    }

    #[test]
    fn documents_stored_before_warnings_existed_still_read() {
        let company = Rut::parse("76123456-0").expect("rut");
        let period = Period::parse("2024-11").expect("period");
        let mut doc = RcvDocument::new(company, period, Operation::Venta, 33, None, 7);
        let plain = serde_json::to_value(&doc).expect("serialises");
        // Nothing new is written for a document without them: older readers see no change.
        assert!(plain.get("other_references").is_none() && plain.get("warnings").is_none());
        let back: RcvDocument = serde_json::from_value(plain).expect("reads");
        assert_eq!(back, doc);

        doc.other_references.push(OtherReference {
            tipo: "801".into(),
            folio: "OC-4500A".into(),
        });
        doc.warnings.push(DocumentWarning {
            field: "Folio Docto. Referencia".into(),
            message: "a reference of type 33 without a folio".into(),
        });
        let text = serde_json::to_string(&doc).expect("serialises");
        let back: RcvDocument = serde_json::from_str(&text).expect("reads");
        assert_eq!(back, doc);
    }

    #[test]
    fn keys_print_for_reports() {
        let company = Rut::parse("76123456-0").expect("rut");
        let supplier = Rut::parse("12345678-5").expect("rut");
        let period = Period::parse("2024-11").expect("period");
        let doc = RcvDocument::new(company, period, Operation::Compra, 33, Some(supplier), 170);
        assert_eq!(doc.key().to_string(), "33/170/12345678-5");
        assert!(!doc.is_summary());
        let summary = RcvDocument::new(company, period, Operation::Venta, 39, None, 0);
        assert!(summary.is_summary());
        assert_eq!(summary.key().to_string(), "39/0/-");
    }
}
