//! Fixed facts the generator draws from: SII's document type names, the mix of types and
//! purchase types, other-tax codes, and words for counterpart names.

use ofitec_domain::Rut;
use ofitec_domain::rcv::{Operation, PurchaseState, TransactionType};

/// SII's name for a document type (`dcvNombreTipoDoc`).
pub fn type_name(tipo: u16) -> &'static str {
    match tipo {
        33 => "Factura Electrónica",
        34 => "Factura No Afecta o Exenta Electrónica",
        39 => "Boleta Electrónica",
        43 => "Liquidación-Factura Electrónica",
        46 => "Factura de Compra Electrónica",
        48 => "Comprobante de Pago Electrónico",
        56 => "Nota de Débito Electrónica",
        61 => "Nota de Crédito Electrónica",
        110 => "Factura de Exportación Electrónica",
        914 => "Declaración de Ingreso (DIN)",
        _ => "Documento",
    }
}

/// Types SII only totals (boletas, vouchers): they appear in `getResumen`, never in details.
pub const SUMMARY_ONLY_TYPES: [u16; 2] = [39, 48];

/// Detail document types and their weights, per register.
pub fn type_mix(operation: Operation) -> &'static [(u16, u32)] {
    match operation {
        Operation::Compra => &[
            (33, 700),
            (34, 60),
            (43, 20),
            (46, 30),
            (56, 20),
            (61, 90),
            (914, 30),
        ],
        Operation::Venta => &[
            (33, 720),
            (34, 60),
            (43, 10),
            (46, 20),
            (56, 30),
            (61, 120),
            (110, 40),
        ],
    }
}

/// Purchase states and their weights (DIN are always REGISTRO).
pub const STATE_MIX: [(PurchaseState, u32); 4] = [
    (PurchaseState::Registro, 820),
    (PurchaseState::Pendiente, 100),
    (PurchaseState::NoIncluir, 30),
    (PurchaseState::Reclamado, 50),
];

/// Purchase types of documents in REGISTRO.
pub const REGISTRO_PURCHASE_MIX: [(TransactionType, u32); 6] = [
    (TransactionType::DelGiro, 690),
    (TransactionType::Supermercado, 50),
    (TransactionType::BienesRaices, 30),
    (TransactionType::ActivoFijo, 80),
    (TransactionType::IvaUsoComun, 80),
    (TransactionType::SinDerechoCredito, 70),
];

/// Sale types ("Tipo Venta" has only these three).
pub const SALE_MIX: [(TransactionType, u32); 3] = [
    (TransactionType::DelGiro, 950),
    (TransactionType::BienesRaices, 20),
    (TransactionType::ActivoFijo, 30),
];

/// An other tax: code and rate in percent (`None` for specific taxes charged per unit,
/// such as fuel, whose amount does not follow from the net).
pub const OTHER_TAXES: [(u32, Option<f64>); 7] = [
    (271, Some(18.0)), // bebidas analcohólicas azucaradas
    (27, Some(10.0)),  // bebidas analcohólicas
    (24, Some(31.5)),  // licores, piscos, whisky
    (25, Some(20.5)),  // vinos
    (26, Some(20.5)),  // cervezas
    (28, None),        // impuesto específico gasolina
    (35, None),        // impuesto específico petróleo diésel
];

/// The customs service: the counterpart of import declarations (DIN, 914).
pub const ADUANAS: (u32, &str) = (60_805_000, "Servicio Nacional de Aduanas");

/// The RUT body SII uses for foreign customers (exports, 110).
pub const FOREIGN_CUSTOMER: u32 = 55_555_555;

/// A RUT from a body in `1..=99_999_999`, its check digit computed.
pub fn rut(body: u32) -> Option<Rut> {
    Rut::from_body(body).ok()
}

/// First words of company names.
pub const NAME_KINDS: [&str; 16] = [
    "Comercial",
    "Distribuidora",
    "Inversiones",
    "Constructora",
    "Transportes",
    "Servicios",
    "Ferretería",
    "Panadería",
    "Importadora",
    "Agrícola",
    "Sociedad",
    "Inmobiliaria",
    "Ingeniería",
    "Librería",
    "Frutícola",
    "Viña",
];

/// Middle words (places and family names, some with Spanish letters on purpose).
pub const NAME_PLACES: [&str; 20] = [
    "Los Andes",
    "del Sur",
    "Ñuñoa",
    "San José",
    "Valparaíso",
    "Araucanía",
    "O'Higgins",
    "Peñalolén",
    "Concepción",
    "Biobío",
    "Maipú",
    "Chillán",
    "Patagonia",
    "Atacama",
    "Los Ríos",
    "Pérez y Cía",
    "Muñoz Hermanos",
    "Santa Lucía",
    "El Roble",
    "Pacífico",
];

/// Legal forms.
pub const NAME_FORMS: [&str; 5] = ["SpA", "Ltda.", "S.A.", "E.I.R.L.", "Limitada"];

/// Given names and surnames of people (sole proprietors have RUTs below 30 million).
pub const PERSON_NAMES: [&str; 8] = [
    "Juan",
    "María",
    "José",
    "Carolina",
    "Andrés",
    "Fernanda",
    "Ignacio",
    "Valentina",
];
/// Surnames.
pub const SURNAMES: [&str; 10] = [
    "González",
    "Muñoz",
    "Rojas",
    "Díaz",
    "Pérez",
    "Soto",
    "Contreras",
    "Silva",
    "Martínez",
    "Sepúlveda",
];
