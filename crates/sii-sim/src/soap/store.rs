//! Seeds and tokens the simulator handed out: seeds are single use and expire, tokens
//! expire and can all be killed at once (`POST /admin/tokens/invalidate`, or a fault).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use ofitec_domain::Rut;

use crate::data::rng::Rng;

/// Above this many entries, stale ones are dropped on insertion.
const PRUNE_ABOVE: usize = 50_000;

/// Why a seed cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedProblem {
    /// Never handed out (or forgotten by a reset).
    Unknown,
    /// Already used for a getToken.
    Used,
    /// Older than the seed lifetime.
    Expired,
}

#[derive(Debug)]
struct SeedEntry {
    issued: DateTime<Utc>,
    used: bool,
}

#[derive(Debug)]
struct TokenEntry {
    expires: DateTime<Utc>,
    holder: Rut,
}

/// The store.
#[derive(Debug)]
pub struct AuthStore {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    seeds: HashMap<String, SeedEntry>,
    tokens: HashMap<String, TokenEntry>,
    rng: Rng,
    issued: u64,
}

impl AuthStore {
    /// An empty store; `seed` and the start time seed its random values (tokens of one
    /// run never coincide with a previous run's).
    pub fn new(seed: u64) -> AuthStore {
        let started = Utc::now().timestamp_nanos_opt().unwrap_or_default() as u64;
        AuthStore {
            inner: Mutex::new(Inner {
                seeds: HashMap::new(),
                tokens: HashMap::new(),
                rng: Rng::from_parts(&[seed, started, 0x70C]),
                issued: 0,
            }),
        }
    }

    /// A new seed: 12 digits, leading zeros kept (one in four is small, so clients that
    /// turn it into a number and back lose them and fail).
    pub fn new_seed(&self, now: DateTime<Utc>, lifetime: Duration) -> String {
        let mut inner = self.lock();
        if inner.seeds.len() > PRUNE_ABOVE {
            inner.seeds.retain(|_, s| now - s.issued < lifetime * 2);
        }
        loop {
            inner.issued += 1;
            let n = inner.rng.below(1_000_000_000_000);
            let n = if inner.issued.is_multiple_of(4) {
                n % 1_000_000
            } else {
                n
            };
            let seed = format!("{n:012}");
            if !inner.seeds.contains_key(&seed) {
                inner.seeds.insert(
                    seed.clone(),
                    SeedEntry {
                        issued: now,
                        used: false,
                    },
                );
                return seed;
            }
        }
    }

    /// Uses a seed: fine once, within its lifetime.
    pub fn take_seed(
        &self,
        seed: &str,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> Result<(), SeedProblem> {
        let mut inner = self.lock();
        let entry = inner
            .seeds
            .get_mut(seed.trim())
            .ok_or(SeedProblem::Unknown)?;
        if entry.used {
            return Err(SeedProblem::Used);
        }
        entry.used = true;
        if now - entry.issued > lifetime {
            return Err(SeedProblem::Expired);
        }
        Ok(())
    }

    /// A new token for `holder`: 12 or 13 upper-case letters and digits.
    pub fn issue_token(&self, holder: Rut, now: DateTime<Utc>, lifetime: Duration) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let mut inner = self.lock();
        if inner.tokens.len() > PRUNE_ABOVE {
            inner.tokens.retain(|_, t| t.expires > now);
        }
        loop {
            let len = 12 + inner.rng.below(2) as usize;
            let token: String = (0..len)
                .map(|_| char::from(ALPHABET[inner.rng.below(ALPHABET.len() as u64) as usize]))
                .collect();
            if !inner.tokens.contains_key(&token) {
                inner.tokens.insert(
                    token.clone(),
                    TokenEntry {
                        expires: now + lifetime,
                        holder,
                    },
                );
                return token;
            }
        }
    }

    /// The holder of a current token, `None` when unknown, expired or invalidated.
    pub fn token_holder(&self, token: &str, now: DateTime<Utc>) -> Option<Rut> {
        self.lock()
            .tokens
            .get(token)
            .filter(|t| t.expires > now)
            .map(|t| t.holder)
    }

    /// Kills every token; returns how many were current.
    pub fn invalidate_tokens(&self) -> usize {
        let mut inner = self.lock();
        let n = inner.tokens.len();
        inner.tokens.clear();
        n
    }

    /// Forgets every seed and token.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.seeds.clear();
        inner.tokens.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_single_use_and_expire() {
        let store = AuthStore::new(1);
        let now = Utc::now();
        let life = Duration::seconds(120);
        let seeds: Vec<String> = (0..8).map(|_| store.new_seed(now, life)).collect();
        assert!(
            seeds
                .iter()
                .all(|s| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()))
        );
        assert!(seeds.iter().any(|s| s.starts_with("000000")));
        assert_eq!(store.take_seed(&seeds[0], now, life), Ok(()));
        assert_eq!(
            store.take_seed(&seeds[0], now, life),
            Err(SeedProblem::Used)
        );
        assert_eq!(
            store.take_seed(&seeds[1], now + Duration::seconds(121), life),
            Err(SeedProblem::Expired)
        );
        assert_eq!(store.take_seed("123", now, life), Err(SeedProblem::Unknown));
    }

    #[test]
    fn tokens_expire_and_die() {
        let store = AuthStore::new(1);
        let now = Utc::now();
        let holder = Rut::parse("12345678-5").unwrap_or_else(|e| panic!("{e}"));
        let token = store.issue_token(holder, now, Duration::seconds(60));
        assert!((12..=13).contains(&token.len()));
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        assert_eq!(store.token_holder(&token, now), Some(holder));
        assert_eq!(
            store.token_holder(&token, now + Duration::seconds(61)),
            None
        );
        assert_eq!(store.invalidate_tokens(), 1);
        assert_eq!(store.token_holder(&token, now), None);
    }
}
