//! The F29 domain, free of I/O: everything here is a pure function of its arguments, so the
//! service, the offline CLI and the tests compute exactly the same numbers.
//!
//! * [`mapping`]: the document → código mapping, read from YAML and validated.
//! * [`compute`]: documents + inputs → every código; [`context`]: what else it reads;
//!   [`accumulate`]: the one pass over the documents.
//! * [`inputs`], [`options`]: what the accountant gives; the OPEN points' settings.
//! * [`remanente`], [`utm`]: código 504 and the UTM table (and the rules new values obey).
//! * [`calendar`]: due dates over weekends and holidays, days left, late declarations.
//! * [`validate`]: the chain's consistency and the import's freshness.
//! * [`lifecycle`]: draft → ready → sent → paid.
//! * [`reconcile`]: differences against SII's summary and proposal.
//! * [`fingerprint`]: which documents a version was computed from.
//! * [`example`]: the reference page's worked example (tests and golden files use it).
//! * [`export`]: CSV, JSON, XML and proposal renderings.
//! * [`decimal`], [`form`]: exact rates; the form and its findings.
//! * [`bounds`]: how large document amounts may be (no overflow on absurd input).

pub mod accumulate;
pub mod bounds;
pub mod calendar;
pub mod compute;
pub mod context;
pub mod decimal;
pub mod example;
pub mod export;
pub mod fingerprint;
pub mod form;
pub mod inputs;
pub mod lifecycle;
pub mod mapping;
pub mod options;
pub mod reconcile;
pub mod remanente;
pub mod uso_comun;
pub mod utm;
pub mod validate;
mod yaml_lines;
