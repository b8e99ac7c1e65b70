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
    pacer: Option<Arc<Pacer>>,
}

/// Spaces requests evenly: at most one per `interval`, shared by every clone of the
/// transport (every import job of the process).
#[derive(Debug)]
pub struct Pacer {
    interval: Duration,
    next: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    /// `per_second` requests per second; `None` when it is not a positive number.
    pub fn new(per_second: f64) -> Option<Pacer> {
        (per_second.is_finite() && per_second > 0.0).then(|| Pacer {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next: tokio::sync::Mutex::new(tokio::time::Instant::now()),
        })
    }

    /// Waits for this request's turn.
    pub async fn wait(&self) {
        let turn = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let turn = (*next).max(now);
            *next = turn + self.interval;
            turn
        };
        tokio::time::sleep_until(turn).await;
    }
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
            pacer: Pacer::new(config.max_requests_per_second).map(Arc::new),
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
        if let Some(pacer) = &self.pacer {
            pacer.wait().await;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_requests_evenly() {
        let pacer = Pacer::new(4.0).expect("a limit");
        let start = tokio::time::Instant::now();
        for _ in 0..5 {
            pacer.wait().await;
        }
        // The first goes at once, the next four 250 ms apart (virtual time).
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        assert!(Pacer::new(0.0).is_none());
        assert!(Pacer::new(f64::NAN).is_none());
    }
}
