//! Authentication and authorisation in one place: the [`Authorized`] extractor.
//!
//! Every protected handler takes `Authorized<Viewer>`, `Authorized<Operator>` or
//! `Authorized<Admin>` as its FIRST argument (so credentials are checked before the body is
//! read); the type is the route's declared role. Handlers then call
//! [`Authorized::require_company`] for every company named in the path, query or body, and
//! pass [`Authorized::context`] to internal services, which scope lists to the caller.

use ofitec_domain::ErrorCode;
use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::time::Instant;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use ofitec_domain::Rut;
use ofitec_domain::identity::Role;
use ofitec_platform::grpc::CallContext;

use super::api_keys::{KEY_PREFIX, KeyRejection};
use super::jwt::TokenRejection;
use super::principal::Principal;
use super::state::AuthState;
use crate::error::ApiError;
use crate::metrics::HttpMetrics;
use crate::middleware::observe::request_id;

/// A route's requirement: the least role, and whether browser-style tokens (cookie or
/// `access_token` query parameter) are accepted, which only the event stream needs.
pub trait Requirement {
    /// Least role.
    const ROLE: Role;
    /// Accept the token from a cookie or `access_token` (EventSource cannot send headers).
    const BROWSER_TOKEN: bool = false;
}

/// Read access.
#[derive(Debug)]
pub struct Viewer;
/// Imports and computations.
#[derive(Debug)]
pub struct Operator;
/// Configuration, sessions, backups.
#[derive(Debug)]
pub struct Admin;
/// Read access to the event stream.
#[derive(Debug)]
pub struct StreamViewer;

impl Requirement for Viewer {
    const ROLE: Role = Role::Viewer;
}
impl Requirement for Operator {
    const ROLE: Role = Role::Operator;
}
impl Requirement for Admin {
    const ROLE: Role = Role::Admin;
}
impl Requirement for StreamViewer {
    const ROLE: Role = Role::Viewer;
    const BROWSER_TOKEN: bool = true;
}

/// Companies a state-changing request touched, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditCompanies(pub Vec<Rut>);

/// An authenticated principal holding at least `R::ROLE`.
pub struct Authorized<R> {
    principal: Principal,
    request: HttpRequest,
    _requirement: PhantomData<R>,
}

impl<R> std::fmt::Debug for Authorized<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorized")
            .field("principal", &self.principal)
            .finish()
    }
}

impl<R> Authorized<R> {
    /// The principal.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// 403 `forbidden_company` unless `company` is visible to the principal.
    pub fn require_company(&self, company: &Rut) -> Result<(), ApiError> {
        if !self.principal.can_see(company) {
            count_rejection(&self.request, "forbidden_company");
            return Err(ApiError::new(
                ErrorCode::ForbiddenCompany,
                format!("company {company} is not among the companies you may access"),
            ));
        }
        let mut extensions = self.request.extensions_mut();
        match extensions.get_mut::<AuditCompanies>() {
            Some(list) => list.0.push(*company),
            None => {
                extensions.insert(AuditCompanies(vec![*company]));
            }
        }
        Ok(())
    }

    /// Request id and caller identity for internal calls.
    pub fn context(&self) -> CallContext {
        CallContext {
            request_id: request_id(&self.request),
            caller: Some(self.principal.caller.clone()),
        }
    }
}

impl<R: Requirement> FromRequest for Authorized<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(authorize::<R>(request))
    }
}

fn authorize<R: Requirement>(request: &HttpRequest) -> Result<Authorized<R>, ApiError> {
    let Some(state) = request.app_data::<web::Data<AuthState>>() else {
        return Err(ApiError::internal(
            "authorization",
            &anyhow::anyhow!("auth state missing"),
        ));
    };
    let principal = match authenticate(state, request, R::BROWSER_TOKEN) {
        Ok(principal) => principal,
        Err(error) => {
            count_rejection(request, error.code().as_str());
            return Err(error);
        }
    };
    if !principal.caller.has_role(R::ROLE) {
        count_rejection(request, "forbidden_role");
        return Err(ApiError::new(
            ErrorCode::ForbiddenRole,
            format!(
                "this operation needs the {} role; you have {}",
                R::ROLE,
                principal.caller.role
            ),
        ));
    }
    if let Err(wait) = state
        .principal_limiter
        .check(principal.sub(), Instant::now())
    {
        if let Some(metrics) = request.app_data::<web::Data<HttpMetrics>>() {
            metrics.rate_limited.with_label_values(&["principal"]).inc();
        }
        return Err(crate::middleware::rate_limit::too_many(wait));
    }
    request.extensions_mut().insert(principal.clone());
    Ok(Authorized {
        principal,
        request: request.clone(),
        _requirement: PhantomData,
    })
}

/// Finds and checks the caller's credentials.
pub fn authenticate(
    state: &AuthState,
    request: &HttpRequest,
    browser_token: bool,
) -> Result<Principal, ApiError> {
    let credential = credential(state, request, browser_token)?;
    if credential.starts_with(KEY_PREFIX) {
        return state
            .api_keys
            .verify(&credential, chrono::Utc::now())
            .map_err(|rejection| match rejection {
                KeyRejection::Unknown => {
                    ApiError::unauthorized(ErrorCode::AuthInvalid, "unknown API key")
                }
                KeyRejection::Expired => {
                    ApiError::unauthorized(ErrorCode::AuthExpired, "API key has expired")
                }
            });
    }
    state
        .jwt
        .verify(&credential)
        .map_err(|rejection| match rejection {
            TokenRejection::Expired => {
                ApiError::unauthorized(ErrorCode::AuthExpired, "token has expired")
            }
            TokenRejection::Invalid(why) => {
                ApiError::unauthorized(ErrorCode::AuthInvalid, format!("invalid token: {why}"))
            }
        })
}

fn credential(
    state: &AuthState,
    request: &HttpRequest,
    browser_token: bool,
) -> Result<String, ApiError> {
    if let Some(value) = request
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
    {
        let text = value.to_str().map_err(|_| {
            ApiError::unauthorized(ErrorCode::AuthInvalid, "Authorization header is not text")
        })?;
        let (scheme, token) = text.trim().split_once(' ').ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::AuthInvalid,
                "Authorization header must be `Bearer <token>`",
            )
        })?;
        if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
            return Err(ApiError::unauthorized(
                ErrorCode::AuthInvalid,
                "Authorization header must be `Bearer <token>`",
            ));
        }
        return Ok(token.trim().to_owned());
    }
    if let Some(value) = request.headers().get("x-api-key") {
        return value.to_str().map(|v| v.trim().to_owned()).map_err(|_| {
            ApiError::unauthorized(ErrorCode::AuthInvalid, "X-Api-Key header is not text")
        });
    }
    if browser_token {
        if let Some(cookie) = request.cookie(&state.sse_cookie) {
            return Ok(cookie.value().to_owned());
        }
        if let Some(token) = query_access_token(request.query_string()) {
            return Ok(token);
        }
    }
    Err(ApiError::unauthorized(
        ErrorCode::AuthMissing,
        "authentication required: send `Authorization: Bearer <token>` or `X-Api-Key`",
    ))
}

fn query_access_token(query: &str) -> Option<String> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(query)
        .ok()
        .and_then(|q| q.get("access_token").cloned())
        .filter(|t| !t.is_empty())
}

fn count_rejection(request: &HttpRequest, code: &str) {
    if let Some(metrics) = request.app_data::<web::Data<HttpMetrics>>() {
        metrics.auth_rejections.with_label_values(&[code]).inc();
    }
}
