//! The engine's own types on the wire (`ofitec.f29.v1`), and what it reads from
//! sii-gateway's answers (`ofitec.sii.v1`) into them. The shared vocabulary (documents,
//! registers, states, times) is converted by the contract crate (`ofitec_proto::convert`).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use ofitec_domain::rcv::Operation;
use ofitec_domain::{Period, Rut};
use ofitec_proto::convert;
use ofitec_proto::f29::v1 as pb;
use ofitec_proto::sii::v1 as sii;

use crate::domain::decimal::Decimal;
use crate::domain::export::CodeLine;
use crate::domain::form::Finding;
use crate::domain::inputs::{Adjustment, InputError, Inputs};
use crate::domain::lifecycle::Status;
use crate::domain::reconcile::{Difference, SummaryRow};
use crate::domain::remanente::RemanenteMethod;
use crate::domain::validate::{ImportFacts, ImportInfo};
use crate::store::declarations::{Declaration, StoredVersion, Transition};

fn input_error(field: impl Into<String>, message: impl Into<String>) -> InputError {
    InputError {
        field: field.into(),
        message: message.into(),
    }
}

fn decimal(field: &str, text: &str) -> Result<Option<Decimal>, InputError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Decimal::parse(text)
        .map(Some)
        .map_err(|e| input_error(field, e.to_string()))
}

fn codigo(field: String, value: i32) -> Result<u16, InputError> {
    u16::try_from(value).map_err(|_| input_error(field, format!("código {value} does not exist")))
}

/// The wire inputs as domain inputs (shapes only; [`Inputs::check`] judges the meaning).
pub fn inputs_from_pb(p: &pb::DeclarationInputs) -> Result<Inputs, InputError> {
    let mut other = BTreeMap::new();
    for (&code, &value) in &p.other {
        other.insert(codigo(format!("other.{code}"), code)?, value);
    }
    let adjustments = p
        .adjustments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(Adjustment {
                codigo: codigo(format!("adjustments[{i}].codigo"), a.codigo)?,
                delta: a.delta,
                reason: a.reason.trim().to_owned(),
            })
        })
        .collect::<Result<Vec<_>, InputError>>()?;
    Ok(Inputs {
        ppm_rate: decimal("ppm_rate", &p.ppm_rate)?,
        ppm_credit: p.ppm_credit,
        impuesto_unico: p.impuesto_unico,
        honorarios_withholding: p.honorarios_withholding,
        honorarios_gross: (p.honorarios_gross != 0).then_some(p.honorarios_gross),
        honorarios_rate: decimal("honorarios_rate", &p.honorarios_rate)?,
        other,
        iva_uso_comun_factor: decimal("iva_uso_comun_factor", &p.iva_uso_comun_factor)?,
        previous_remanente: p.previous_remanente,
        adjustments,
        remanente_method: RemanenteMethod::parse(&p.remanente_method).ok_or_else(|| {
            input_error(
                "remanente_method",
                format!("`{}` is not sii or exact", p.remanente_method),
            )
        })?,
    })
}

/// Domain inputs on the wire.
pub fn inputs_to_pb(i: &Inputs) -> pb::DeclarationInputs {
    let text = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    pb::DeclarationInputs {
        ppm_rate: text(i.ppm_rate),
        ppm_credit: i.ppm_credit,
        impuesto_unico: i.impuesto_unico,
        honorarios_withholding: i.honorarios_withholding,
        honorarios_gross: i.honorarios_gross.unwrap_or(0),
        honorarios_rate: text(i.honorarios_rate),
        other: i
            .other
            .iter()
            .map(|(&c, &v)| (i32::from(c), v))
            .collect::<HashMap<_, _>>(),
        iva_uso_comun_factor: text(i.iva_uso_comun_factor),
        previous_remanente: i.previous_remanente,
        adjustments: i
            .adjustments
            .iter()
            .map(|a| pb::Adjustment {
                codigo: i32::from(a.codigo),
                delta: a.delta,
                reason: a.reason.clone(),
            })
            .collect(),
        remanente_method: i.remanente_method.as_str().to_owned(),
    }
}

/// A domain status on the wire.
pub fn status_to_pb(s: Status) -> pb::DeclarationStatus {
    match s {
        Status::Draft => pb::DeclarationStatus::Draft,
        Status::Ready => pb::DeclarationStatus::Ready,
        Status::Sent => pb::DeclarationStatus::Sent,
        Status::Paid => pb::DeclarationStatus::Paid,
    }
}

/// A wire status in the domain; `None` for unspecified or unknown values.
pub fn status_from_pb(value: i32) -> Option<Status> {
    match pb::DeclarationStatus::try_from(value).ok()? {
        pb::DeclarationStatus::Draft => Some(Status::Draft),
        pb::DeclarationStatus::Ready => Some(Status::Ready),
        pb::DeclarationStatus::Sent => Some(Status::Sent),
        pb::DeclarationStatus::Paid => Some(Status::Paid),
        pb::DeclarationStatus::Unspecified => None,
    }
}

fn code_to_pb(line: &CodeLine) -> pb::CodeValue {
    pb::CodeValue {
        codigo: i32::from(line.codigo),
        glosa: line.glosa.clone(),
        valor: line.valor.int(),
        text: line.valor.to_string(),
    }
}

fn finding_to_pb(f: &Finding) -> pb::Finding {
    pb::Finding {
        code: f.code.clone(),
        message: f.message.clone(),
        codigo: f.codigo.map_or(0, i32::from),
        severity: f.severity.as_str().to_owned(),
    }
}

fn transition_to_pb(t: &Transition) -> pb::Transition {
    pb::Transition {
        status: status_to_pb(t.status) as i32,
        by: t.by.clone(),
        at: convert::instant(Some(t.at)),
    }
}

/// One version as a wire declaration.
pub fn version_to_pb(
    company: Rut,
    period: Period,
    status: Status,
    version: &StoredVersion,
    transitions: &[Transition],
) -> pb::Declaration {
    pb::Declaration {
        key: Some(pb::DeclarationKey {
            company: company.to_string(),
            period: period.to_string(),
        }),
        version: version.version,
        status: status_to_pb(status) as i32,
        codes: version.codes.iter().map(code_to_pb).collect(),
        inputs: Some(inputs_to_pb(&version.inputs)),
        findings: version.findings.iter().map(finding_to_pb).collect(),
        transitions: transitions.iter().map(transition_to_pb).collect(),
        computed_at: convert::instant(Some(version.computed_at)),
        computed_by: version.computed_by.clone(),
        documents: version.documents,
        // Serialising plain data cannot fail; an empty explanation would only hide detail.
        explanation_json: serde_json::to_string(&version.details).unwrap_or_default(),
    }
}

/// The latest version of a stored declaration on the wire.
pub fn declaration_to_pb(company: Rut, period: Period, d: &Declaration) -> pb::Declaration {
    version_to_pb(company, period, d.status, &d.latest, &d.transitions)
}

/// A reconciliation difference on the wire.
pub fn difference_to_pb(d: &Difference) -> pb::Difference {
    pb::Difference {
        source: d.source.as_str().to_owned(),
        codigo: d.codigo.map_or(0, i32::from),
        tipo_dte: d.tipo_dte.map_or(0, i32::from),
        ours: d.ours,
        theirs: d.theirs,
        documents: d.documents.clone(),
        message: d.message.clone(),
        operation: d
            .operation
            .map(|o| o.as_str().to_owned())
            .unwrap_or_default(),
        state: d.state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        field: d.field.clone(),
        ours_text: d.ours_text.clone(),
        theirs_text: d.theirs_text.clone(),
    }
}

/// sii-gateway's summary rows of `period` in the domain.
fn summary_rows(rows: &[sii::SummaryRow], period: Period) -> Vec<SummaryRow> {
    let wanted = period.to_string();
    rows.iter()
        .filter(|r| Period::parse(&r.period).is_ok_and(|p| p.to_string() == wanted))
        .filter_map(|r| {
            Some(SummaryRow {
                operation: convert::required_operation("operation", r.operation).ok()?,
                tipo_dte: u16::try_from(r.tipo_dte).ok()?,
                // An unknown state reads as none, as an unknown tipo or register drops the row.
                state: convert::purchase_state("state", r.state).ok().flatten(),
                documents: r.count,
                exento: r.exento,
                neto: r.neto,
                iva: r.iva,
                total: r.total,
            })
        })
        .collect()
}

/// What a declaration is reconciled against for `period`: per register, SII's own totals
/// (`getResumen`) as sii-gateway kept them at the last import, or, for a register imported
/// before the gateway kept them, the totals of its stored documents.
pub fn reconciliation_rows(summary: &sii::GetSummaryResponse, period: Period) -> Vec<SummaryRow> {
    let from_sii = summary_rows(&summary.sii_rows, period);
    let with_sii: std::collections::BTreeSet<Operation> =
        from_sii.iter().map(|r| r.operation).collect();
    let stored = summary_rows(&summary.rows, period)
        .into_iter()
        .filter(|r| !with_sii.contains(&r.operation));
    from_sii.into_iter().chain(stored).collect()
}

/// A recorded instant sii-gateway sent; an unreadable one counts as unknown (the facts only
/// feed warnings).
fn instant(text: &str) -> Option<DateTime<Utc>> {
    convert::instant_from_pb("last_imported_at", text)
        .ok()
        .flatten()
}

/// SII's `dcvFecModificacion` as sii-gateway passes it on: Chilean local time without an
/// offset (`YYYY-MM-DDTHH:MM:SS`). Read in America/Santiago, so it compares with our UTC
/// import times across both of Chile's offsets; in the hour repeated when summer time ends,
/// the earlier instant is taken.
fn sii_instant(text: &str) -> Option<DateTime<Utc>> {
    use chrono::TimeZone as _;
    instant(text).or_else(|| {
        let local = convert::local_time_from_pb("sii_modified_at", text).ok()??;
        chrono_tz::America::Santiago
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// Import facts of `period` from sii-gateway's summary.
pub fn import_facts(imports: &[sii::PeriodImportInfo], period: Period) -> ImportFacts {
    let mut facts = ImportFacts::default();
    for info in imports {
        if Period::parse(&info.period).ok() != Some(period) {
            continue;
        }
        let fact = ImportInfo {
            last_imported_at: instant(&info.last_imported_at),
            sii_modified_at: sii_instant(&info.sii_modified_at),
        };
        match convert::operation("operation", info.operation) {
            Ok(Some(Operation::Compra)) => facts.compra = Some(fact),
            Ok(Some(Operation::Venta)) => facts.venta = Some(fact),
            Ok(None) | Err(_) => {}
        }
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_round_trip_and_refuse_bad_text() {
        let wire = pb::DeclarationInputs {
            ppm_rate: "0.125".into(),
            impuesto_unico: Some(0),
            honorarios_gross: 100_000,
            honorarios_rate: "14,5".into(),
            other: HashMap::from([(153, 10)]),
            remanente_method: "exact".into(),
            ..Default::default()
        };
        let inputs = inputs_from_pb(&wire).expect("inputs");
        assert_eq!(
            inputs.honorarios_rate.map(|d| d.to_string()),
            Some("14.5".into())
        );
        assert_eq!(inputs.remanente_method, RemanenteMethod::Exact);
        let back = inputs_to_pb(&inputs);
        assert_eq!(back.ppm_rate, "0.125");
        assert_eq!(back.impuesto_unico, Some(0));
        assert_eq!(back.honorarios_withholding, None);

        let bad = pb::DeclarationInputs {
            ppm_rate: "doce".into(),
            ..Default::default()
        };
        assert_eq!(
            inputs_from_pb(&bad).map_err(|e| e.field),
            Err("ppm_rate".to_owned())
        );
        let bad = pb::DeclarationInputs {
            remanente_method: "fast".into(),
            ..Default::default()
        };
        assert!(inputs_from_pb(&bad).is_err());
    }

    #[test]
    fn reconciliation_uses_sii_totals_per_register_and_stored_ones_where_sii_has_none() {
        let line = |operation: sii::Operation, tipo: i32, total: i64| sii::SummaryRow {
            period: "2024-11".into(),
            operation: operation as i32,
            tipo_dte: tipo,
            count: 1,
            total,
            ..Default::default()
        };
        let summary = sii::GetSummaryResponse {
            rows: vec![
                line(sii::Operation::Venta, 33, 100),
                line(sii::Operation::Compra, 33, 50),
            ],
            sii_rows: vec![line(sii::Operation::Venta, 33, 119)],
            ..Default::default()
        };
        let period = Period::parse("2024-11").expect("period");
        let rows: Vec<(Operation, i64)> = reconciliation_rows(&summary, period)
            .iter()
            .map(|r| (r.operation, r.total))
            .collect();
        assert_eq!(rows, vec![(Operation::Venta, 119), (Operation::Compra, 50)]);
    }

    #[test]
    fn sii_change_times_are_chilean_local_time() {
        // Winter (UTC-4) and summer (UTC-3) in Santiago.
        assert_eq!(
            sii_instant("2024-07-15T10:00:00").map(|t| t.to_rfc3339()),
            Some("2024-07-15T14:00:00+00:00".to_owned())
        );
        assert_eq!(
            sii_instant("2024-12-02T10:00:00").map(|t| t.to_rfc3339()),
            Some("2024-12-02T13:00:00+00:00".to_owned())
        );
        assert_eq!(
            sii_instant("2024-12-02T10:00:00Z").map(|t| t.to_rfc3339()),
            Some("2024-12-02T10:00:00+00:00".to_owned())
        );
        assert_eq!(sii_instant(""), None);
    }
}
