//! The gRPC contracts of the OFITEC services, generated at build time from
//! `proto/ofitec/<area>/v1/*.proto`. These files are the only coupling between services.
//!
//! [`convert`] turns the wire messages into the `ofitec_domain` vocabulary and back, so every
//! service reads and writes a document, a register or a time the same way.

#![allow(clippy::doc_markdown, clippy::large_enum_variant, missing_docs)]

pub mod convert;

/// SII gateway contract (`ofitec.sii.v1`).
pub mod sii {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("ofitec.sii.v1");
    }
}

/// F29 engine contract (`ofitec.f29.v1`).
pub mod f29 {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("ofitec.f29.v1");
    }
}

/// Backup agent contract (`ofitec.backup.v1`).
pub mod backup {
    /// Version 1.
    pub mod v1 {
        tonic::include_proto!("ofitec.backup.v1");
    }
}
