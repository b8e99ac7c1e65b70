//! Generated registers kept in memory, bounded by the number of documents held (least
//! recently used first out). A register asked for by several requests at once is
//! generated once, on the blocking pool (a 200,000-document period takes a moment).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use ofitec_domain::rcv::Operation;
use ofitec_domain::{Period, Rut};
use tokio::sync::OnceCell;

use super::PeriodData;

/// Which register, at which volume and revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey {
    /// Company.
    pub company: Rut,
    /// Period.
    pub period: Period,
    /// Register.
    pub operation: Operation,
    /// Detail documents at revision 0.
    pub volume: u32,
    /// Revision.
    pub revision: u32,
}

/// Generation failed (it panicked: a bug, reported instead of taking the server down).
#[derive(Debug, thiserror::Error)]
#[error("generating the register failed: {0}")]
pub struct GenerationError(String);

type Slot = Arc<OnceCell<Arc<PeriodData>>>;

/// The cache.
#[derive(Debug)]
pub struct PeriodCache {
    seed: u64,
    max_documents: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    slots: HashMap<CacheKey, Slot>,
    /// Documents held per generated key (counted once generated).
    sizes: HashMap<CacheKey, usize>,
    /// Least recently used first.
    order: VecDeque<CacheKey>,
    total: usize,
}

impl PeriodCache {
    /// A cache for data generated from `seed`, holding at most `max_documents` documents
    /// (the register being served is always kept, however large).
    pub fn new(seed: u64, max_documents: usize) -> PeriodCache {
        PeriodCache {
            seed,
            max_documents,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The register, generated on first use.
    pub async fn get(&self, key: CacheKey) -> Result<Arc<PeriodData>, GenerationError> {
        let slot = {
            let mut inner = self.lock();
            let slot = inner.slots.entry(key).or_default().clone();
            inner.order.retain(|k| *k != key);
            inner.order.push_back(key);
            slot
        };
        let seed = self.seed;
        let data = slot
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || {
                    Arc::new(PeriodData::generate(
                        seed,
                        key.company,
                        key.period,
                        key.operation,
                        key.volume,
                        key.revision,
                    ))
                })
                .await
                .map_err(|e| GenerationError(e.to_string()))
            })
            .await?
            .clone();
        let mut inner = self.lock();
        if inner.slots.contains_key(&key) && !inner.sizes.contains_key(&key) {
            inner.sizes.insert(key, data.documents().len());
            inner.total += data.documents().len();
        }
        while inner.total > self.max_documents && inner.order.len() > 1 {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if oldest == key {
                inner.order.push_back(oldest);
                continue;
            }
            inner.slots.remove(&oldest);
            if let Some(size) = inner.sizes.remove(&oldest) {
                inner.total -= size;
            }
        }
        Ok(data)
    }

    /// Forgets everything.
    pub fn clear(&self) {
        *self.lock() = Inner::default();
    }

    /// Documents held.
    pub fn documents_held(&self) -> usize {
        self.lock().total
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means a panic elsewhere mid-update of plain maps: keep going.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bounded_and_shared() {
        let (Ok(company), Ok(period)) = (Rut::parse("76123456-0"), Period::parse("2024-11")) else {
            panic!("fixtures")
        };
        let cache = PeriodCache::new(7, 250);
        let key = |volume, revision| CacheKey {
            company,
            period,
            operation: Operation::Compra,
            volume,
            revision,
        };
        let a = cache.get(key(100, 0)).await.map_err(|e| e.to_string());
        let b = cache.get(key(100, 0)).await.map_err(|e| e.to_string());
        let (Ok(a), Ok(b)) = (a, b) else {
            panic!("generation")
        };
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.documents_held(), 100);
        for revision in 1..5 {
            let _ = cache.get(key(100, revision)).await;
        }
        assert!(cache.documents_held() <= 250, "{}", cache.documents_held());
        cache.clear();
        assert_eq!(cache.documents_held(), 0);
    }
}
