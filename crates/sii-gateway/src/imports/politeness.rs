//! How many imports talk to SII at once: a global limit and one per company, so a 500-job
//! bulk import of one office never floods SII nor starves other companies. (The request rate
//! itself is paced in sii-client's transport.)

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use ofitec_domain::Rut;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Both permits of one running job; dropping it frees them.
#[derive(Debug)]
pub struct Permit {
    _global: OwnedSemaphorePermit,
    _company: OwnedSemaphorePermit,
}

/// The limits of this process.
#[derive(Debug)]
pub struct Politeness {
    global: Arc<Semaphore>,
    per_company: usize,
    companies: Mutex<HashMap<Rut, Arc<Semaphore>>>,
}

impl Politeness {
    /// `global` jobs at once, `per_company` of one company (both at least 1).
    pub fn new(global: usize, per_company: usize) -> Politeness {
        Politeness {
            global: Arc::new(Semaphore::new(global.max(1))),
            per_company: per_company.max(1),
            companies: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a slot of `company` first (so a company's backlog does not hold global
    /// slots while it waits), then a global one. `None` only if the limits were closed.
    pub async fn acquire(&self, company: Rut) -> Option<Permit> {
        let semaphore = {
            let mut companies = self
                .companies
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            companies
                .entry(company)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_company)))
                .clone()
        };
        let company = semaphore.acquire_owned().await.ok()?;
        let global = self.global.clone().acquire_owned().await.ok()?;
        Some(Permit {
            _global: global,
            _company: company,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_company_at_a_time_others_proceed() {
        let limits = Politeness::new(2, 1);
        let a = Rut::parse("76123456-0").unwrap();
        let b = Rut::parse("12345678-5").unwrap();
        let first = limits.acquire(a).await;
        // A second job of the same company waits…
        let waiting =
            tokio::time::timeout(std::time::Duration::from_millis(50), limits.acquire(a)).await;
        assert!(waiting.is_err());
        // …while another company gets the second global slot.
        let _other = limits.acquire(b).await;
        drop(first);
        let again =
            tokio::time::timeout(std::time::Duration::from_secs(5), limits.acquire(a)).await;
        assert!(again.is_ok());
    }
}
