//! ListUtm / SetUtm, and the UTM table a computation reads: the database's, after the
//! configured seed file (when there is one) has added its new months.

use ofitec_domain::identity::Role;
use ofitec_proto::f29::v1 as pb;
use tonic::{Request, Status};

use super::{F29EngineService, errors, guard};
use crate::domain::utm::{UtmEntry, UtmTable};
use crate::store::{self, utm};

/// What an operator's value is recorded as coming from, when it came through the API.
const API_SOURCE: &str = "api";

fn month_to_pb(stored: utm::StoredUtm) -> pb::UtmMonth {
    pb::UtmMonth {
        period: stored.period.to_string(),
        pesos: stored.pesos,
        source: stored.source,
        set_by: stored.set_by,
        set_at: stored
            .set_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// The table a computation reads now (one read per computation: a month added by the import
/// command in another process counts at once).
pub async fn in_force(service: &F29EngineService) -> Result<UtmTable, Status> {
    if let Some(path) = &service.inner.settings.utm_table {
        // The configured file is re-read so a month appended to it needs no restart; only
        // months the database lacks (or seeded ones it corrects) are written.
        let table = UtmTable::load(path).map_err(errors::utm)?;
        let source = format!("file {}", path.display());
        store::run(&service.inner.db, move |conn| {
            utm::seed(conn, &table, &source, chrono::Utc::now())
        })
        .await
        .map_err(errors::store)?;
    }
    store::run(&service.inner.db, utm::table)
        .await
        .map_err(errors::store)
}

/// ListUtm: every stored month, oldest first.
pub async fn list(
    service: &F29EngineService,
    request: Request<pb::ListUtmRequest>,
) -> Result<pb::ListUtmResponse, Status> {
    let context = guard::context(&request)?;
    guard::allow(&context, None, Role::Viewer)?;
    let months = store::run(&service.inner.db, utm::list)
        .await
        .map_err(errors::store)?;
    Ok(pb::ListUtmResponse {
        months: months.into_iter().map(month_to_pb).collect(),
    })
}

/// SetUtm: one month, checked against its stored neighbours.
pub async fn set(
    service: &F29EngineService,
    request: Request<pb::SetUtmRequest>,
) -> Result<pb::UtmMonth, Status> {
    let context = guard::context(&request)?;
    guard::allow_everyone(&context, Role::Admin)?;
    let message = request.into_inner();
    let period = guard::period(&message.period)?;
    let entry = UtmEntry {
        period,
        pesos: message.pesos,
        line: None,
    };
    let by = guard::actor(&context);
    let now = chrono::Utc::now();
    let stored = store::run(&service.inner.db, move |conn| {
        utm::put(conn, &[entry], API_SOURCE, &by, now)?;
        utm::list(conn)
    })
    .await
    .map_err(errors::store)?;
    service.refresh_gauge().await;
    tracing::info!(period = %period, pesos = message.pesos, by = %guard::actor(&context), "UTM month set");
    stored
        .into_iter()
        .find(|s| s.period == period)
        .map(month_to_pb)
        .ok_or_else(|| {
            errors::store(store::StoreError::Corrupt(format!(
                "UTM of {period} missing right after it was stored"
            )))
        })
}
