//! gRPC plumbing shared by the internal services.

pub mod guard;
pub mod health;
pub mod host;
pub mod metadata;
pub mod observe;
pub mod require_caller;
pub mod status;
pub mod tls;

pub use host::{GrpcServerConfig, MetricsConfig, ServiceHost};
pub use metadata::{CallContext, RequestId};
