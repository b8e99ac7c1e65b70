//! Compute: fetch the period's documents and import facts from sii-gateway, compute with
//! the mapping in force and the inputs, validate, store a new version.

use std::collections::BTreeSet;
use std::time::Instant;

use ofitec_domain::Period;
use ofitec_domain::identity::Role;
use ofitec_domain::rcv::Operation;
use ofitec_proto::convert;
use ofitec_proto::f29::v1 as pb;
use ofitec_proto::sii::v1 as sii;
use tonic::{Request, Status};

use super::convert::{declaration_to_pb, import_facts, inputs_from_pb};
use super::gateway::expected_documents;
use super::{F29EngineService, errors, guard, mapping};
use crate::domain::compute::{self, Computation};
use crate::domain::context::{Context, SalesSplit};
use crate::domain::export::lines;
use crate::domain::fingerprint::fingerprint;
use crate::domain::form::Finding;
use crate::domain::form::has_errors;
use crate::domain::inputs::Inputs;
use crate::domain::lifecycle::check_recompute;
use crate::domain::mapping::codigo;
use crate::domain::uso_comun::FactorSource;
use crate::domain::validate::validate;
use crate::store::{self, StoreError, declarations};

/// Sales from January through `period` from sii-gateway's stored totals of the sales an
/// F29 counts (cancelled ones left out, as this period's own sales are), and the months of
/// that range whose sales register was never imported (the cumulated factor would silently
/// leave them out).
fn cumulative_sales(
    summary: &sii::GetSummaryResponse,
    period: Period,
) -> (SalesSplit, Vec<Period>) {
    let january = period.january();
    let is_sale =
        |operation: i32| convert::operation("operation", operation) == Ok(Some(Operation::Venta));
    let mut split = SalesSplit::default();
    for row in &summary.counted_sales {
        let in_range = Period::parse(&row.period).is_ok_and(|p| p >= january && p <= period);
        if let (true, true, Ok(tipo)) = (
            in_range,
            is_sale(row.operation),
            u16::try_from(row.tipo_dte),
        ) {
            split.add(tipo, row.neto, row.exento);
        }
    }
    let imported: BTreeSet<Period> = summary
        .imports
        .iter()
        .filter(|i| is_sale(i.operation) && !i.last_imported_at.is_empty())
        .filter_map(|i| Period::parse(&i.period).ok())
        .collect();
    let missing = january
        .through(period)
        .filter(|p| !imported.contains(p))
        .collect();
    (split, missing)
}

/// A warning when the cumulated IVA uso común factor lacks months of sales.
fn history_finding(computation: &Computation, missing: &[Period]) -> Option<Finding> {
    let detail = computation.details.uso_comun.as_ref()?;
    if detail.source != FactorSource::Cumulative || missing.is_empty() {
        return None;
    }
    let months: Vec<String> = missing.iter().map(ToString::to_string).collect();
    Some(Finding::warning(
        "uso_comun_history_incomplete",
        format!(
            "IVA uso común factor {} is cumulated from January without the sales of {} (never imported): import those months or give iva_uso_comun_factor",
            detail.factor,
            months.join(", ")
        ),
        Some(codigo::FACTURAS_RECIBIDAS),
    ))
}

/// Compute.
pub async fn compute(
    service: &F29EngineService,
    request: Request<pb::ComputeRequest>,
) -> Result<pb::Declaration, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let (company, period) = guard::key(message.key.as_ref())?;
    guard::allow(&context, Some(company), Role::Operator)?;
    let by = guard::actor(&context);
    let inner = &service.inner;

    // Refuse a frozen declaration before fetching anything (the store re-checks atomically).
    let existing = store::run(&inner.db, move |conn| {
        declarations::get(conn, company, period)
    })
    .await
    .map_err(errors::store)?;
    if let Some(d) = &existing {
        check_recompute(d.status).map_err(|e| errors::store(StoreError::Transition(e)))?;
    }
    let inputs: Inputs = match &message.inputs {
        Some(given) => inputs_from_pb(given).map_err(errors::inputs)?,
        None => existing.map(|d| d.latest.inputs).unwrap_or_default(),
    };
    let resolved = mapping::resolve(service, Some(company)).await?;
    inputs.check(&resolved.mapping).map_err(errors::inputs)?;
    let utm = super::utm::in_force(service).await?;

    // The summary first (a few kept rows): its count sizes the deadline of the documents'
    // read, which then streams from one snapshot.
    let fetched = async {
        let summary = inner
            .gateway
            .summary(&context, company, Some(period))
            .await?;
        let expected = expected_documents(&summary);
        let documents = inner
            .gateway
            .documents(&context, company, period, expected)
            .await?;
        Ok((documents, summary))
    };
    let (documents, summary) = match fetched.await {
        Ok(fetched) => fetched,
        Err(e) => {
            inner.metrics.computed(false, None);
            return Err(errors::gateway(e));
        }
    };
    let needs_history = inputs.iva_uso_comun_factor.is_none()
        && documents
            .iter()
            .any(|d| d.operation == Operation::Compra && d.iva_uso_comun != 0);
    let (sales_history, missing_months) = if needs_history {
        match inner.gateway.summary(&context, company, None).await {
            Ok(all) => {
                let (split, missing) = cumulative_sales(&all, period);
                (Some(split), missing)
            }
            Err(e) => {
                tracing::warn!(error = %e, "no sales history for the IVA uso común factor; using this period's sales");
                (None, Vec::new())
            }
        }
    } else {
        (None, Vec::new())
    };
    let previous = match period.previous() {
        Some(p) => store::run(&inner.db, move |conn| {
            declarations::previous(conn, company, p)
        })
        .await
        .map_err(errors::store)?,
        None => None,
    };

    let options = inner.settings.options.clone();
    let facts = import_facts(&summary.imports, period);
    let mapping_in_force = resolved.mapping;
    // 200,000 documents take milliseconds, but that is still too long to hold an async
    // worker: the pure computation runs on the blocking pool.
    let outcome = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let result = compute::compute(
            &documents,
            &Context {
                period,
                mapping: &mapping_in_force,
                options: &options,
                inputs: &inputs,
                utm: &utm,
                previous,
                sales_history,
            },
        );
        let elapsed = started.elapsed().as_secs_f64();
        result.map(|mut computation| {
            computation.details.documents_fingerprint = Some(fingerprint(&documents));
            let mut findings = computation.findings.clone();
            findings.extend(history_finding(&computation, &missing_months));
            findings.extend(validate(
                &computation.form,
                &mapping_in_force,
                &options,
                &inputs,
                period,
                Some(&facts),
            ));
            (computation, findings, elapsed, mapping_in_force, inputs)
        })
    })
    .await
    .map_err(|e| status_internal("compute task", &e))?;
    let (computation, findings, elapsed, mapping_in_force, inputs) = match outcome {
        Ok(v) => v,
        Err(e) => {
            inner.metrics.computed(false, None);
            return Err(errors::compute(e));
        }
    };
    inner.metrics.computed(true, Some(elapsed));
    for (&tipo, &n) in &computation.unmapped {
        inner.metrics.unmapped(tipo, n);
    }

    let new = declarations::NewVersion {
        company,
        period,
        codes: lines(&computation.form, &mapping_in_force),
        inputs,
        findings,
        details: computation.details,
        mapping: mapping_in_force.yaml().to_owned(),
        documents: computation.documents,
        computed_by: by,
        computed_at: chrono::Utc::now(),
    };
    let errors_found = has_errors(&new.findings);
    let saved = store::run(&inner.db, move |conn| {
        declarations::save_version(conn, &new)?;
        declarations::get(conn, company, period)
    })
    .await
    .map_err(errors::store)?;
    service.refresh_gauge().await;
    let declaration = saved.ok_or_else(|| {
        errors::store(StoreError::NotFound {
            company: company.to_string(),
            period: period.to_string(),
        })
    })?;
    tracing::info!(
        company = %company,
        period = %period,
        version = declaration.latest.version,
        documents = declaration.latest.documents,
        errors = errors_found,
        "declaration computed"
    );
    Ok(declaration_to_pb(company, period, &declaration))
}

fn status_internal(context: &str, e: &dyn std::fmt::Display) -> Status {
    ofitec_platform::grpc::status::internal(context, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        period: &str,
        operation: sii::Operation,
        tipo: i32,
        neto: i64,
        exento: i64,
    ) -> sii::SummaryRow {
        sii::SummaryRow {
            period: period.into(),
            operation: operation as i32,
            tipo_dte: tipo,
            neto,
            exento,
            ..Default::default()
        }
    }

    fn imported(period: &str, operation: sii::Operation) -> sii::PeriodImportInfo {
        sii::PeriodImportInfo {
            period: period.into(),
            operation: operation as i32,
            last_imported_at: "2024-04-02T10:00:00Z".into(),
            sii_modified_at: String::new(),
        }
    }

    #[test]
    fn sales_are_cumulated_from_january_and_missing_months_named() {
        use sii::Operation::{Compra, Venta};
        let summary = sii::GetSummaryResponse {
            // Every listed document, cancelled sales included: not what the factor reads.
            rows: vec![row("2024-01", Venta, 33, 50_000, 0)],
            counted_sales: vec![
                // The previous year and later months are outside the range.
                row("2023-12", Venta, 33, 1_000_000, 0),
                row("2024-01", Venta, 33, 600, 0),
                row("2024-01", Venta, 34, 0, 300),
                row("2024-01", Compra, 33, 5_000, 0),
                row("2024-03", Venta, 61, 100, 0),
                row("2024-03", Venta, 110, 0, 200),
                row("2024-04", Venta, 33, 9_999, 0),
            ],
            imports: vec![
                imported("2024-01", Venta),
                imported("2024-02", Compra),
                imported("2024-03", Venta),
            ],
            ..Default::default()
        };
        let march = Period::parse("2024-03").expect("period");
        let (split, missing) = cumulative_sales(&summary, march);
        // Taxed: 600 − 100 (note) + 200 (export); total: 600 + 300 − 100 + 200.
        assert_eq!(
            split,
            SalesSplit {
                taxed: 700,
                total: 1_000
            }
        );
        assert_eq!(missing, vec![Period::parse("2024-02").expect("period")]);
    }
}
