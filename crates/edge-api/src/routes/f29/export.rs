//! `GET /api/f29/{company}/{period}/export?format=`: the latest version as a file.

use actix_web::http::header::{
    CONTENT_TYPE, ContentDisposition, DispositionParam, DispositionType, HeaderValue,
};
use actix_web::{HttpResponse, get, web};
use ofitec_proto::f29::v1 as pb;
use serde::Deserialize;
use utoipa::IntoParams;

use super::key;
use crate::auth::{Authorized, Viewer};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Which rendering.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (`codigo;glosa;valor`), `json`, `xml` or `proposal` (SII's `[{codigo, valor}]`).
    pub format: String,
}

/// The engine names the file (`F29_<rut>_<yyyymm>.<ext>`); only its safe characters reach
/// the header, so a surprising name can never split or spoof it.
fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        .collect();
    if cleaned.trim_matches('.').is_empty() {
        "F29_export".to_owned()
    } else {
        cleaned
    }
}

/// The latest version rendered by f29-engine, as an attachment named `F29_<rut>_<yyyymm>.<ext>`.
#[utoipa::path(
    operation_id = "exportDeclaration",
    tag = "f29",
    params(
        ("company" = String, Path, description = "Company RUT"),
        ("period" = String, Path, description = "Period `YYYY-MM`"),
        ExportQuery,
    ),
    security(("bearer" = []), ("api_key" = [])),
    extensions(("x-required-role" = json!("viewer"))),
    responses(
        (status = 200, description = "The file, with `Content-Disposition: attachment; filename=…`", content(
            (String = "text/csv"),
            (Object = "application/json"),
            (String = "application/xml"),
        )),
        (status = 400, description = "Invalid company, period or format (`format_invalid`)", body = ErrorBody),
        (status = 401, description = "No or bad credentials", body = ErrorBody),
        (status = 403, description = "A company outside your scope", body = ErrorBody),
        (status = 404, description = "Nothing computed yet (`declaration_not_found`)", body = ErrorBody),
        (status = 503, description = "f29-engine unavailable", body = ErrorBody),
    )
)]
#[get("/f29/{company}/{period}/export")]
pub async fn get(
    auth: Authorized<Viewer>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = key::declaration(&auth, path.into_inner())?;
    let file = state
        .upstreams
        .f29()
        .export(auth.context().request(pb::ExportRequest {
            key: Some(key),
            format: query.into_inner().format,
        }))
        .await
        .map_err(|s| ApiError::from_grpc("f29-engine", &s))?
        .into_inner();
    let content_type = HeaderValue::from_str(&file.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(safe_file_name(&file.file_name))],
        })
        .body(file.content))
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_keep_only_safe_characters() {
        assert_eq!(
            safe_file_name("F29_76123456-0_202411.proposal.json"),
            "F29_76123456-0_202411.proposal.json"
        );
        assert_eq!(safe_file_name("a\"b\r\nc/../d"), "abc..d");
        assert_eq!(safe_file_name("../"), "F29_export");
        assert_eq!(safe_file_name(""), "F29_export");
    }
}
