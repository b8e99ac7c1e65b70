//! Internal services trust the caller identity edge-api puts in metadata, and refuse calls
//! that carry none: a request that reached an internal port without passing edge-api's
//! authentication has no business being served. Health checks are exempt (probes, load
//! balancers and edge-api's own health view carry no user).

use ofitec_domain::ErrorCode;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::metadata::{CALLER_SUB, caller_from};

/// Prefix of the gRPC health service's paths.
const HEALTH_PREFIX: &str = "/grpc.health.v1.Health/";

/// The layer; add it inside the observability layer.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequireCallerLayer;

impl<S> tower_layer::Layer<S> for RequireCallerLayer {
    type Service = RequireCaller<S>;
    fn layer(&self, inner: S) -> RequireCaller<S> {
        RequireCaller { inner }
    }
}

/// The service produced by [`RequireCallerLayer`].
#[derive(Debug, Clone)]
pub struct RequireCaller<S> {
    inner: S,
}

impl<S, ReqBody> tower::Service<http::Request<ReqBody>> for RequireCaller<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<tonic::body::Body>> + Send,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        if request.uri().path().starts_with(HEALTH_PREFIX) {
            return Box::pin(self.inner.call(request));
        }
        let metadata = tonic::metadata::MetadataMap::from_headers(request.headers().clone());
        let rejection = match caller_from(&metadata) {
            Ok(Some(_)) => None,
            Ok(None) => Some(format!(
                "no caller identity ({CALLER_SUB} metadata): internal services are reached through edge-api"
            )),
            Err(why) => Some(format!("malformed caller identity: {why}")),
        };
        match rejection {
            None => Box::pin(self.inner.call(request)),
            Some(message) => {
                let status = super::status::error(ErrorCode::AuthMissing, message);
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}
