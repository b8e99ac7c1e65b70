//! One HTTP POST with deadlines, turning transport problems into [`SiiError`]s. Bodies are
//! returned whatever the status when they may explain the failure (SII's HTML error pages
//! come with 200 and 503 alike); the parsers decide.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::config::ClientConfig;
use super::error::SiiError;
use super::observer::Observer;

/// The shared HTTP client.
#[derive(Clone)]
pub struct Transport {
    client: reqwest::Client,
    timeout: Duration,
    observer: Arc<dyn Observer>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// An answer with a body.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Transport {
    /// A client with the configured deadlines.
    pub fn new(config: &ClientConfig, observer: Arc<dyn Observer>) -> Result<Transport, SiiError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(concat!("ofitec/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SiiError::Request(format!("HTTP client: {e}")))?;
        Ok(Transport {
            client,
            timeout: config.timeout,
            observer,
        })
    }

    /// The observer calls are reported to.
    pub fn observer(&self) -> &Arc<dyn Observer> {
        &self.observer
    }

    /// POSTs `body` to `url`. Connection failures, timeouts and bodies cut short are errors;
    /// any status with a complete body is a [`Reply`].
    pub async fn post(
        &self,
        call: &'static str,
        url: &str,
        headers: &[(&str, String)],
        body: String,
    ) -> Result<Reply, SiiError> {
        let started = Instant::now();
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let result: Result<Reply, SiiError> = async {
            let response = request
                .send()
                .await
                .map_err(|e| self.transport_error(call, &e))?;
            let status = response.status().as_u16();
            let body = response
                .bytes()
                .await
                .map_err(|e| self.transport_error(call, &e))?;
            Ok(Reply {
                status,
                body: body.to_vec(),
            })
        }
        .await;
        if let Err(e) = &result {
            self.observer.call(call, e.outcome(), started.elapsed());
        }
        result
    }

    fn transport_error(&self, call: &'static str, error: &reqwest::Error) -> SiiError {
        if error.is_timeout() {
            SiiError::Timeout {
                call,
                // Rounded up: a 500 ms deadline is not "0 s".
                seconds: self.timeout.as_secs() + u64::from(self.timeout.subsec_nanos() > 0),
            }
        } else {
            // The error names the URL (no secret in it), never headers or the body (the token).
            SiiError::Unavailable {
                call,
                detail: error.to_string(),
            }
        }
    }
}

/// For a non-2xx status whose body is not something the parsers recognise as SII's own
/// answer: SII answering an HTTP error is SII being unavailable.
pub fn http_error(call: &'static str, reply: &Reply) -> SiiError {
    SiiError::Unavailable {
        call,
        detail: format!("HTTP {}", reply.status),
    }
}
