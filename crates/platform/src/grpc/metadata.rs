//! What travels in gRPC metadata between services: the request id, the caller's identity and
//! the W3C trace context.

use opentelemetry::propagation::{Extractor, Injector};
use tonic::metadata::{MetadataMap, MetadataValue};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use ofitec_domain::identity::{Caller, CompanyScope, Role};

/// Request id header (HTTP) and metadata key (gRPC).
pub const REQUEST_ID: &str = "x-request-id";
/// Caller subject.
pub const CALLER_SUB: &str = "x-ofitec-sub";
/// Caller role.
pub const CALLER_ROLE: &str = "x-ofitec-role";
/// Caller companies (`*` or RUTs joined by commas).
pub const CALLER_COMPANIES: &str = "x-ofitec-companies";

/// The request id a server-side layer extracted or generated, stored in request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

impl RequestId {
    /// A fresh random id.
    pub fn generate() -> RequestId {
        RequestId(uuid::Uuid::new_v4().simple().to_string())
    }

    /// Accepts a caller-provided id only if it is short and plain, so it cannot inject
    /// anything into logs.
    pub fn sanitize(candidate: &str) -> Option<RequestId> {
        let ok = !candidate.is_empty()
            && candidate.len() <= 128
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        ok.then(|| RequestId(candidate.to_owned()))
    }
}

/// Context an incoming request carries into the internal calls it makes.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// Request id of the originating request.
    pub request_id: RequestId,
    /// The authenticated caller, when there is one.
    pub caller: Option<Caller>,
}

impl CallContext {
    /// Wraps `message` in a request carrying this context and the current trace context.
    pub fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        self.apply(request.metadata_mut());
        request
    }

    /// Writes this context into `metadata`.
    pub fn apply(&self, metadata: &mut MetadataMap) {
        insert(metadata, REQUEST_ID, &self.request_id.0);
        if let Some(caller) = &self.caller {
            insert(metadata, CALLER_SUB, &percent_encode(&caller.sub));
            insert(metadata, CALLER_ROLE, caller.role.as_str());
            insert(metadata, CALLER_COMPANIES, &caller.companies.encode());
        }
        let context = tracing::Span::current().context();
        opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.inject_context(&context, &mut MetadataInjector(metadata));
        });
    }
}

/// Reads the caller identity edge-api attached; `None` when absent, an error when malformed.
pub fn caller_from(metadata: &MetadataMap) -> Result<Option<Caller>, String> {
    let get = |key: &str| metadata.get(key).and_then(|v| v.to_str().ok());
    let Some(sub) = get(CALLER_SUB) else {
        return Ok(None);
    };
    let role: Role = get(CALLER_ROLE)
        .ok_or_else(|| format!("{CALLER_ROLE} missing"))?
        .parse()?;
    let companies = CompanyScope::decode(get(CALLER_COMPANIES).unwrap_or(""))?;
    Ok(Some(Caller {
        sub: percent_decode(sub),
        role,
        companies,
    }))
}

fn insert(metadata: &mut MetadataMap, key: &'static str, value: &str) {
    if let Ok(value) = MetadataValue::try_from(value) {
        metadata.insert(key, value);
    }
}

/// Metadata values must be visible ASCII; subjects may not be.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_graphic() && b != b'%' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct MetadataInjector<'a>(&'a mut MetadataMap);

impl Injector for MetadataInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(key), Ok(value)) = (
            tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
            MetadataValue::try_from(value.as_str()),
        ) {
            self.0.insert(key, value);
        }
    }
}

/// Reads W3C trace context from HTTP headers (server side).
pub struct HeaderExtractor<'a>(pub &'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn caller_round_trips_through_metadata() {
        let rut = ofitec_domain::Rut::parse("76123456-0").expect("rut");
        let caller = Caller {
            sub: "ana maría".to_owned(),
            role: Role::Operator,
            companies: CompanyScope::Only(BTreeSet::from([rut])),
        };
        let ctx = CallContext {
            request_id: RequestId("abc".to_owned()),
            caller: Some(caller.clone()),
        };
        let mut metadata = MetadataMap::new();
        ctx.apply(&mut metadata);
        assert_eq!(caller_from(&metadata), Ok(Some(caller)));
        assert_eq!(
            metadata.get(REQUEST_ID).and_then(|v| v.to_str().ok()),
            Some("abc")
        );
    }

    #[test]
    fn absent_caller_is_none_and_bad_role_is_error() {
        let mut metadata = MetadataMap::new();
        assert_eq!(caller_from(&metadata), Ok(None));
        metadata.insert(CALLER_SUB, MetadataValue::from_static("x"));
        metadata.insert(CALLER_ROLE, MetadataValue::from_static("root"));
        assert!(caller_from(&metadata).is_err());
    }

    #[test]
    fn request_ids_are_sanitised() {
        assert!(RequestId::sanitize("req-1.a_B").is_some());
        assert!(RequestId::sanitize("bad\nid").is_none());
        assert!(RequestId::sanitize(&"x".repeat(129)).is_none());
        assert!(RequestId::sanitize("").is_none());
    }
}
