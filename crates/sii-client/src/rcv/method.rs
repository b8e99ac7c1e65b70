//! The facade methods we call.

use std::fmt;

use ofitec_domain::rcv::Operation;

/// A method of `…/facadeService/<method>`; the same name goes in the URL and in
/// `metaData.namespace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FacadeMethod {
    /// Totals per document type.
    GetResumen,
    /// Purchase documents of one type and state.
    GetDetalleCompra,
    /// Sales documents of one type.
    GetDetalleVenta,
    /// Purchases as CSV lines.
    GetDetalleCompraExport,
    /// Sales as CSV lines.
    GetDetalleVentaExport,
}

impl FacadeMethod {
    /// The name SII uses.
    pub fn name(self) -> &'static str {
        match self {
            FacadeMethod::GetResumen => "getResumen",
            FacadeMethod::GetDetalleCompra => "getDetalleCompra",
            FacadeMethod::GetDetalleVenta => "getDetalleVenta",
            FacadeMethod::GetDetalleCompraExport => "getDetalleCompraExport",
            FacadeMethod::GetDetalleVentaExport => "getDetalleVentaExport",
        }
    }

    /// The detail method for a register.
    pub fn detail(operation: Operation) -> FacadeMethod {
        match operation {
            Operation::Compra => FacadeMethod::GetDetalleCompra,
            Operation::Venta => FacadeMethod::GetDetalleVenta,
        }
    }

    /// The export (CSV) method for a register.
    pub fn export(operation: Operation) -> FacadeMethod {
        match operation {
            Operation::Compra => FacadeMethod::GetDetalleCompraExport,
            Operation::Venta => FacadeMethod::GetDetalleVentaExport,
        }
    }

    /// The register a detail or export method reads (`None` for the summary, which
    /// serves both).
    pub fn operation(self) -> Option<Operation> {
        match self {
            FacadeMethod::GetResumen => None,
            FacadeMethod::GetDetalleCompra | FacadeMethod::GetDetalleCompraExport => {
                Some(Operation::Compra)
            }
            FacadeMethod::GetDetalleVenta | FacadeMethod::GetDetalleVentaExport => {
                Some(Operation::Venta)
            }
        }
    }

    /// Whether the answer is CSV lines.
    pub fn is_export(self) -> bool {
        matches!(
            self,
            FacadeMethod::GetDetalleCompraExport | FacadeMethod::GetDetalleVentaExport
        )
    }
}

impl fmt::Display for FacadeMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
