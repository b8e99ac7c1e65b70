//! The YAML shapes serde reads in the first pass; their meaning is checked in `check`.

use std::collections::BTreeMap;

use ofitec_domain::rcv::{Operation, TransactionType};
use serde::Deserialize;

use super::model::Kind;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMapping {
    pub(super) version: u32,
    pub(super) codigos: BTreeMap<u16, RawCodigo>,
    pub(super) rules: Vec<RawRule>,
    pub(super) totals: BTreeMap<u16, RawTotal>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCodigo {
    pub(super) glosa: String,
    #[serde(default)]
    pub(super) kind: Kind,
    #[serde(default)]
    pub(super) signed: bool,
    #[serde(default)]
    pub(super) always: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    pub(super) fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRule {
    /// Free text for people ("facturas emitidas del giro").
    #[serde(default)]
    #[allow(dead_code)]
    pub(super) name: Option<String>,
    pub(super) operation: Operation,
    pub(super) tipo_dte: OneOrMany<u16>,
    #[serde(default)]
    pub(super) transaction_type: Option<OneOrMany<TransactionType>>,
    #[serde(default)]
    pub(super) when_nonzero: Option<String>,
    #[serde(default)]
    pub(super) count: Option<u16>,
    #[serde(default)]
    pub(super) amounts: Vec<RawAmount>,
    #[serde(default)]
    pub(super) ignore: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAmount {
    pub(super) field: String,
    pub(super) codigo: u16,
    #[serde(default)]
    pub(super) sign: Option<String>,
    #[serde(default)]
    pub(super) share: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTotal {
    #[serde(default)]
    pub(super) plus: Vec<u16>,
    #[serde(default)]
    pub(super) minus: Vec<u16>,
}
