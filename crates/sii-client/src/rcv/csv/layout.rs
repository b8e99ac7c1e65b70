//! The five layouts, recognised by their exact header row.

use ofitec_domain::rcv::{Operation, PurchaseState};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Col {
    Nro,
    TipoDoc,
    TipoTransaccion,
    Rut,
    RazonSocial,
    Folio,
    FechaDocto,
    FechaRecepcion,
    FechaAcuse,
    FechaReclamo,
    Exento,
    Neto,
    Iva,
    IvaNoRec,
    CodIvaNoRec,
    Total,
    ActivoFijoNeto,
    ActivoFijoIva,
    IvaUsoComun,
    SinDerecho,
    IvaNoRetenido,
    IvaRetTotal,
    IvaRetParcial,
    TipoDocRef,
    FolioDocRef,
    OtroCodigo,
    OtroValor,
    OtroTasa,
    /// An amount without a field of its own: kept in `extra` under this name.
    Extra(&'static str),
    /// Not an amount (identifiers, indicators, free text SII adds).
    Ignore,
}

/// One of SII's CSV layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Compras, REGISTRO (27 columns).
    CompraRegistro,
    /// Compras, NO_INCLUIR (24).
    CompraNoIncluir,
    /// Compras, RECLAMADO (24).
    CompraReclamado,
    /// Compras, PENDIENTE (23).
    CompraPendiente,
    /// Ventas (43).
    Venta,
}

use Col::*;

const COMPRA_HEAD: [(&str, Col); 9] = [
    ("Nro", Nro),
    ("Tipo Doc", TipoDoc),
    ("Tipo Compra", TipoTransaccion),
    ("RUT Proveedor", Rut),
    ("Razon Social", RazonSocial),
    ("Folio", Folio),
    ("Fecha Docto", FechaDocto),
    ("Fecha Recepcion", FechaRecepcion),
    ("Fecha Acuse", FechaAcuse),
];

const COMPRA_AMOUNTS: [(&str, Col); 11] = [
    ("Monto Exento", Exento),
    ("Monto Neto", Neto),
    ("Monto IVA Recuperable", Iva),
    ("Monto Iva No Recuperable", IvaNoRec),
    ("Codigo IVA No Rec.", CodIvaNoRec),
    ("Monto Total", Total),
    ("Monto Neto Activo Fijo", ActivoFijoNeto),
    ("IVA Activo Fijo", ActivoFijoIva),
    ("IVA uso Comun", IvaUsoComun),
    ("Impto. Sin Derecho a Credito", SinDerecho),
    ("IVA No Retenido", IvaNoRetenido),
];

const TABACOS: [(&str, Col); 3] = [
    ("Tabacos Puros", Extra("tabacos_puros")),
    ("Tabacos Cigarrillos", Extra("tabacos_cigarrillos")),
    ("Tabacos Elaborados", Extra("tabacos_elaborados")),
];

const COMPRA_TAIL: [(&str, Col); 4] = [
    (
        "NCE o NDE sobre Fact. de Compra",
        Extra("nce_nde_sobre_factura_compra"),
    ),
    ("Codigo Otro Impuesto", OtroCodigo),
    ("Valor Otro Impuesto", OtroValor),
    ("Tasa Otro Impuesto", OtroTasa),
];

const VENTA: [(&str, Col); 43] = [
    ("Nro", Nro),
    ("Tipo Doc", TipoDoc),
    ("Tipo Venta", TipoTransaccion),
    ("Rut cliente", Rut),
    ("Razon Social", RazonSocial),
    ("Folio", Folio),
    ("Fecha Docto", FechaDocto),
    ("Fecha Recepcion", FechaRecepcion),
    ("Fecha Acuse Recibo", FechaAcuse),
    ("Fecha Reclamo", FechaReclamo),
    ("Monto Exento", Exento),
    ("Monto Neto", Neto),
    ("Monto IVA", Iva),
    ("Monto total", Total),
    ("IVA Retenido Total", IvaRetTotal),
    ("IVA Retenido Parcial", IvaRetParcial),
    ("IVA no retenido", IvaNoRetenido),
    ("IVA propio", Extra("iva_propio")),
    ("IVA Terceros", Extra("iva_terceros")),
    ("RUT Emisor Liquid. Factura", Ignore),
    (
        "Neto Comision Liquid. Factura",
        Extra("liquidacion_comision_neto"),
    ),
    (
        "Exento Comision Liquid. Factura",
        Extra("liquidacion_comision_exento"),
    ),
    (
        "IVA Comision Liquid. Factura",
        Extra("liquidacion_comision_iva"),
    ),
    ("IVA fuera de plazo", Extra("iva_fuera_de_plazo")),
    ("Tipo Docto. Referencia", TipoDocRef),
    ("Folio Docto. Referencia", FolioDocRef),
    ("Num. Ident. Receptor Extranjero", Ignore),
    ("Nacionalidad Receptor Extranjero", Ignore),
    (
        "Credito empresa constructora",
        Extra("credito_empresa_constructora"),
    ),
    (
        "Impto. Zona Franca (Ley 18211)",
        Extra("impuesto_zona_franca"),
    ),
    ("Garantia Dep. Envases", Extra("garantia_deposito_envases")),
    ("Indicador Venta sin Costo", Ignore),
    ("Indicador Servicio Periodico", Ignore),
    ("Monto No facturable", Extra("monto_no_facturable")),
    ("Total Monto Periodo", Extra("total_monto_periodo")),
    (
        "Venta Pasajes Transporte Nacional",
        Extra("venta_pasajes_nacional"),
    ),
    (
        "Venta Pasajes Transporte Internacional",
        Extra("venta_pasajes_internacional"),
    ),
    ("Numero Interno", Ignore),
    ("Codigo Sucursal", Ignore),
    (
        "NCE o NDE sobre Fact. de Compra",
        Extra("nce_nde_sobre_factura_compra"),
    ),
    ("Codigo Otro Imp.", OtroCodigo),
    ("Valor Otro Imp.", OtroValor),
    ("Tasa Otro Imp.", OtroTasa),
];

impl Layout {
    /// Every layout.
    pub const ALL: [Layout; 5] = [
        Layout::CompraRegistro,
        Layout::CompraNoIncluir,
        Layout::CompraReclamado,
        Layout::CompraPendiente,
        Layout::Venta,
    ];

    /// The register.
    pub fn operation(self) -> Operation {
        match self {
            Layout::Venta => Operation::Venta,
            _ => Operation::Compra,
        }
    }

    /// The purchase state the layout implies (`None` for sales).
    pub fn state(self) -> Option<PurchaseState> {
        match self {
            Layout::CompraRegistro => Some(PurchaseState::Registro),
            Layout::CompraNoIncluir => Some(PurchaseState::NoIncluir),
            Layout::CompraReclamado => Some(PurchaseState::Reclamado),
            Layout::CompraPendiente => Some(PurchaseState::Pendiente),
            Layout::Venta => None,
        }
    }

    /// Column names and meanings, in file order.
    pub(super) fn columns(self) -> Vec<(&'static str, Col)> {
        let head = COMPRA_HEAD.iter().copied();
        let without_acuse = COMPRA_HEAD[..8].iter().copied();
        let amounts = COMPRA_AMOUNTS.iter().copied();
        let tail = COMPRA_TAIL.iter().copied();
        match self {
            Layout::CompraRegistro => head
                .chain(amounts)
                .chain(TABACOS.iter().copied())
                .chain(tail)
                .collect(),
            Layout::CompraNoIncluir => head.chain(amounts).chain(tail).collect(),
            Layout::CompraReclamado => without_acuse
                .chain([("Fecha Reclamo", FechaReclamo)])
                .chain(amounts)
                .chain(tail)
                .collect(),
            Layout::CompraPendiente => without_acuse.chain(amounts).chain(tail).collect(),
            Layout::Venta => VENTA.to_vec(),
        }
    }

    /// The header row, `;`-joined, as SII writes it.
    pub fn header(self) -> String {
        self.columns()
            .iter()
            .map(|(name, _)| *name)
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Recognises a header row (names trimmed, case-insensitive; a trailing empty field
    /// from a trailing `;` is ignored).
    pub fn detect(names: &[String]) -> Option<Layout> {
        let mut names: &[String] = names;
        while names.last().is_some_and(|n| n.trim().is_empty()) {
            names = &names[..names.len() - 1];
        }
        Layout::ALL.into_iter().find(|layout| {
            let columns = layout.columns();
            columns.len() == names.len()
                && columns
                    .iter()
                    .zip(names)
                    .all(|((expected, _), got)| expected.eq_ignore_ascii_case(got.trim()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_counts_match_sii() {
        let counts: Vec<usize> = Layout::ALL.iter().map(|l| l.columns().len()).collect();
        assert_eq!(counts, vec![27, 24, 24, 23, 43]);
        assert!(
            Layout::CompraReclamado
                .header()
                .contains(";Fecha Reclamo;Monto Exento;")
        );
        assert!(!Layout::CompraPendiente.header().contains("Fecha Acuse"));
    }
}
