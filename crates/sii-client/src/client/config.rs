//! How patient the client is with SII.

use std::time::Duration;

/// Timeouts, retries and limits of the HTTP client.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Deadline of one HTTP call (SII sometimes hangs).
    pub timeout: Duration,
    /// Deadline of establishing a connection.
    pub connect_timeout: Duration,
    /// Attempts of a call whose failure is transient (SII down, HTML page, truncated body).
    /// Mature clients use 10-20 against the real SII.
    pub max_attempts: u32,
    /// First delay between attempts; it doubles up to `max_backoff`.
    pub backoff: Duration,
    /// Longest delay between attempts.
    pub max_backoff: Duration,
    /// How long a token from the certificate is used (SII does not document its lifetime).
    pub token_lifetime: Duration,
    /// Above this many documents of one type the synchronous detail is unreliable and the
    /// CSV export is used instead.
    pub detail_sync_limit: u32,
    /// Most requests per second this client sends to SII (all callers together); 0 means
    /// no limit. Politeness: a bulk import must never flood SII.
    pub max_requests_per_second: f64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            max_attempts: 10,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            token_lifetime: Duration::from_secs(50 * 60),
            detail_sync_limit: 400,
            max_requests_per_second: 0.0,
        }
    }
}

impl ClientConfig {
    /// The delay before attempt `attempt` (1-based; the first attempt has none).
    pub fn delay_before(&self, attempt: u32) -> Duration {
        if attempt <= 1 {
            return Duration::ZERO;
        }
        let factor = 2u32.saturating_pow(attempt.saturating_sub(2).min(16));
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let config = ClientConfig {
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5),
            ..ClientConfig::default()
        };
        let delays: Vec<u64> = (1..=6).map(|a| config.delay_before(a).as_secs()).collect();
        assert_eq!(delays, vec![0, 1, 2, 4, 5, 5]);
    }
}
