//! GetMapping / PutMapping, and which mapping is in force for a company: its stored
//! override, else the stored default, else the configured file, else the shipped one.

use ofitec_domain::ErrorCode;
use ofitec_domain::Rut;
use ofitec_domain::identity::Role;
use ofitec_platform::grpc::status;
use ofitec_proto::convert;
use ofitec_proto::f29::v1 as pb;
use tonic::{Request, Status};

use super::{F29EngineService, errors, guard};
use crate::domain::mapping::Mapping;
use crate::store::{self, mappings};

/// Where a mapping in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The company's stored override.
    Company,
    /// The stored default.
    Default,
    /// The configured `mapping_file`.
    File,
    /// The engine's own.
    Shipped,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Company => "company",
            Source::Default => "default",
            Source::File => "file",
            Source::Shipped => "shipped",
        }
    }
}

/// A mapping in force and where it comes from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The mapping.
    pub mapping: Mapping,
    /// Its source.
    pub source: Source,
    /// Stored by whom and when, for stored ones.
    pub stored: Option<mappings::StoredMapping>,
}

fn scope(company: Option<Rut>) -> String {
    company.map(|c| c.to_string()).unwrap_or_default()
}

/// The mapping in force for `company` (`None`: the default for everyone).
pub async fn resolve(service: &F29EngineService, company: Option<Rut>) -> Result<Resolved, Status> {
    let mut scopes = Vec::new();
    if company.is_some() {
        scopes.push((scope(company), Source::Company));
    }
    scopes.push((String::new(), Source::Default));
    for (scope, source) in scopes {
        let key = scope.clone();
        let stored = store::run(&service.inner.db, move |conn| mappings::get(conn, &key))
            .await
            .map_err(errors::store)?;
        if let Some(stored) = stored {
            // Stored documents were validated when stored; a failure here means the engine
            // changed what it accepts, and the administrator must fix the document.
            let mapping = Mapping::parse(&stored.yaml).map_err(|e| {
                status::error(
                    ErrorCode::MappingInvalid,
                    format!(
                        "the stored mapping `{}` is no longer valid: {e}",
                        if scope.is_empty() { "default" } else { &scope }
                    ),
                )
            })?;
            return Ok(Resolved {
                mapping,
                source,
                stored: Some(stored),
            });
        }
    }
    let settings = &service.inner.settings;
    Ok(match &settings.file_mapping {
        Some(m) => Resolved {
            mapping: m.clone(),
            source: Source::File,
            stored: None,
        },
        None => Resolved {
            mapping: settings.shipped_mapping.clone(),
            source: Source::Shipped,
            stored: None,
        },
    })
}

fn to_pb(company: Option<Rut>, resolved: &Resolved) -> pb::Mapping {
    pb::Mapping {
        company: scope(company),
        yaml: resolved.mapping.yaml().to_owned(),
        source: resolved.source.as_str().to_owned(),
        updated_by: resolved
            .stored
            .as_ref()
            .map(|s| s.updated_by.clone())
            .unwrap_or_default(),
        updated_at: convert::instant(resolved.stored.as_ref().map(|s| s.updated_at)),
    }
}

fn optional_company(text: &str) -> Result<Option<Rut>, Status> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        guard::company(text).map(Some)
    }
}

/// GetMapping.
pub async fn get(
    service: &F29EngineService,
    request: Request<pb::GetMappingRequest>,
) -> Result<pb::Mapping, Status> {
    let context = guard::context(&request)?;
    let company = optional_company(&request.get_ref().company)?;
    guard::allow(&context, company, Role::Viewer)?;
    let resolved = resolve(service, company).await?;
    Ok(to_pb(company, &resolved))
}

/// PutMapping: validates and stores; an empty document removes the stored one.
pub async fn put(
    service: &F29EngineService,
    request: Request<pb::Mapping>,
) -> Result<pb::Mapping, Status> {
    let context = guard::context(&request)?;
    let message = request.into_inner();
    let company = optional_company(&message.company)?;
    guard::allow(&context, company, Role::Admin)?;
    let key = scope(company);
    if message.yaml.trim().is_empty() {
        store::run(&service.inner.db, move |conn| mappings::delete(conn, &key))
            .await
            .map_err(errors::store)?;
    } else {
        let mapping = Mapping::parse(&message.yaml)
            .map_err(|e| status::error(ErrorCode::MappingInvalid, e.to_string()))?;
        let by = guard::actor(&context);
        let yaml = mapping.yaml().to_owned();
        let now = chrono::Utc::now();
        store::run(&service.inner.db, move |conn| {
            mappings::put(conn, &key, &yaml, &by, now)
        })
        .await
        .map_err(errors::store)?;
        tracing::info!(scope = %scope(company), "mapping stored");
    }
    let resolved = resolve(service, company).await?;
    Ok(to_pb(company, &resolved))
}
