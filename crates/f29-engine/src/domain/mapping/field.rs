//! The amounts of a document a rule can read, by the names the YAML uses.

use std::fmt;

use ofitec_domain::rcv::RcvDocument;

/// An amount of a document a rule can read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// Exempt amount.
    Exento,
    /// Net amount.
    Neto,
    /// IVA (recoverable IVA for purchases).
    Iva,
    /// Total.
    Total,
    /// Non-recoverable IVA.
    IvaNoRecuperable,
    /// Net amount of fixed assets.
    ActivoFijoNeto,
    /// IVA of fixed assets.
    ActivoFijoIva,
    /// IVA of common use.
    IvaUsoComun,
    /// Tax without credit right.
    SinDerechoCredito,
    /// IVA retained in full.
    IvaRetenidoTotal,
    /// IVA retained partially.
    IvaRetenidoParcial,
    /// IVA not retained.
    IvaNoRetenido,
    /// Sum of the "other taxes" with this SII code.
    OtherTax(u32),
    /// One of the extra amounts by name (`iva_propio`, `iva_terceros`, …).
    Extra(String),
}

impl Field {
    /// Parses the names the YAML uses.
    pub fn parse(name: &str) -> Option<Field> {
        Some(match name.trim() {
            "exento" => Field::Exento,
            "neto" => Field::Neto,
            "iva" => Field::Iva,
            "total" => Field::Total,
            "iva_no_recuperable" => Field::IvaNoRecuperable,
            "activo_fijo_neto" => Field::ActivoFijoNeto,
            "activo_fijo_iva" => Field::ActivoFijoIva,
            "iva_uso_comun" => Field::IvaUsoComun,
            "sin_derecho_credito" => Field::SinDerechoCredito,
            "iva_retenido_total" => Field::IvaRetenidoTotal,
            "iva_retenido_parcial" => Field::IvaRetenidoParcial,
            "iva_no_retenido" => Field::IvaNoRetenido,
            other => {
                if let Some(code) = other.strip_prefix("other_tax:") {
                    Field::OtherTax(code.trim().parse().ok()?)
                } else if let Some(name) = other.strip_prefix("extra:") {
                    let name = name.trim();
                    if name.is_empty() {
                        return None;
                    }
                    Field::Extra(name.to_owned())
                } else {
                    return None;
                }
            }
        })
    }

    /// The amount in `doc`.
    #[inline]
    pub fn value(&self, doc: &RcvDocument) -> i64 {
        match self {
            Field::Exento => doc.exento,
            Field::Neto => doc.neto,
            Field::Iva => doc.iva,
            Field::Total => doc.total,
            Field::IvaNoRecuperable => doc.iva_no_recuperable,
            Field::ActivoFijoNeto => doc.activo_fijo_neto,
            Field::ActivoFijoIva => doc.activo_fijo_iva,
            Field::IvaUsoComun => doc.iva_uso_comun,
            Field::SinDerechoCredito => doc.sin_derecho_credito,
            Field::IvaRetenidoTotal => doc.iva_retenido_total,
            Field::IvaRetenidoParcial => doc.iva_retenido_parcial,
            Field::IvaNoRetenido => doc.iva_no_retenido,
            Field::OtherTax(code) => doc
                .other_taxes
                .iter()
                .filter(|t| t.codigo == *code)
                .map(|t| t.valor)
                .sum(),
            Field::Extra(name) => doc.extra.get(name).copied().unwrap_or(0),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Field::Exento => "exento",
            Field::Neto => "neto",
            Field::Iva => "iva",
            Field::Total => "total",
            Field::IvaNoRecuperable => "iva_no_recuperable",
            Field::ActivoFijoNeto => "activo_fijo_neto",
            Field::ActivoFijoIva => "activo_fijo_iva",
            Field::IvaUsoComun => "iva_uso_comun",
            Field::SinDerechoCredito => "sin_derecho_credito",
            Field::IvaRetenidoTotal => "iva_retenido_total",
            Field::IvaRetenidoParcial => "iva_retenido_parcial",
            Field::IvaNoRetenido => "iva_no_retenido",
            Field::OtherTax(code) => return write!(f, "other_tax:{code}"),
            Field::Extra(name) => return write!(f, "extra:{name}"),
        };
        f.write_str(name)
    }
}
