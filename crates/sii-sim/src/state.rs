//! Everything the handlers share: configuration, clock, auth store, data cache, revisions,
//! volumes, faults and stats.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use ofitec_domain::rcv::Operation;
use ofitec_domain::{Period, Rut};
use ofitec_platform::metrics::Metrics;
use ofitec_platform::shutdown::CancellationToken;

use crate::clock::Clock;
use crate::config::{Config, ConfigInvalid, Enrolled, Volumes};
use crate::data::PeriodData;
use crate::data::cache::PeriodCache;
use crate::faults::Faults;
use crate::soap::store::AuthStore;
use crate::stats::Stats;

/// Shared state.
#[derive(Debug)]
pub struct SimState {
    /// The configuration read at start.
    pub config: Config,
    /// Who may obtain tokens.
    pub enrolled: Enrolled,
    /// The clock (wall clock + offset).
    pub clock: Clock,
    /// Seeds and tokens.
    pub auth: AuthStore,
    /// Generated registers.
    pub cache: PeriodCache,
    /// Fault rules.
    pub faults: Faults,
    /// Request counters.
    pub stats: Stats,
    /// The Prometheus registry `/metrics` renders.
    pub metrics: Metrics,
    /// Cancelled when the simulator stops (hanging faults give up then).
    pub shutdown: CancellationToken,
    /// Volumes (configured, then changed with `PUT /admin/volume`).
    volumes: RwLock<Volumes>,
    /// Revision per register; absent = 0.
    revisions: Mutex<HashMap<(Rut, Period, Operation), u32>>,
    /// Registers loaded with given documents; they win over generated ones.
    loaded: Mutex<HashMap<(Rut, Period, Operation), Arc<PeriodData>>>,
}

impl SimState {
    /// State for `config` (validated here).
    pub fn new(config: Config, shutdown: CancellationToken) -> Result<SimState, ConfigInvalid> {
        config.validate()?;
        let metrics = Metrics::new();
        Ok(SimState {
            enrolled: config.enrolled()?,
            volumes: RwLock::new(config.volumes()?),
            clock: Clock::new(config.clock_offset_s),
            auth: AuthStore::new(config.seed),
            cache: PeriodCache::new(config.seed, config.cache_max_documents),
            faults: Faults::new(config.seed, &config.faults),
            stats: Stats::new(&metrics),
            metrics,
            shutdown,
            revisions: Mutex::new(HashMap::new()),
            loaded: Mutex::new(HashMap::new()),
            config,
        })
    }

    /// Current volumes.
    pub fn volumes(&self) -> Volumes {
        self.volumes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Detail documents of `company`'s registers in `period`, now.
    pub fn volume(&self, company: Rut, period: Period) -> u32 {
        self.volumes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .for_period(company, period)
    }

    /// Changes one company's volume (of one period, or its default).
    pub fn set_volume(&self, company: Rut, period: Option<Period>, volume: u32) {
        self.volumes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .set(company, period, volume);
    }

    /// Serves `documents` as the register of (company, period, operation) from now on,
    /// instead of generated data (until a reset).
    pub fn load_register(
        &self,
        company: Rut,
        period: Period,
        operation: Operation,
        data: PeriodData,
    ) {
        self.lock_loaded()
            .insert((company, period, operation), Arc::new(data));
    }

    /// A loaded register, if one was given.
    pub fn loaded_register(
        &self,
        company: Rut,
        period: Period,
        operation: Operation,
    ) -> Option<Arc<PeriodData>> {
        self.lock_loaded()
            .get(&(company, period, operation))
            .cloned()
    }

    fn lock_loaded(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<(Rut, Period, Operation), Arc<PeriodData>>> {
        self.loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A register's current revision.
    pub fn revision(&self, company: Rut, period: Period, operation: Operation) -> u32 {
        self.lock_revisions()
            .get(&(company, period, operation))
            .copied()
            .unwrap_or(0)
    }

    /// Moves a register to its next revision; returns it.
    pub fn bump_revision(&self, company: Rut, period: Period, operation: Operation) -> u32 {
        let mut revisions = self.lock_revisions();
        let revision = revisions.entry((company, period, operation)).or_insert(0);
        *revision += 1;
        *revision
    }

    /// Back to the state at start: configured faults, volumes and clock offset, no seeds,
    /// tokens, revisions, cached data or counts.
    pub fn reset(&self) {
        self.faults.reset(&self.config.faults);
        self.auth.reset();
        self.cache.clear();
        self.stats.reset();
        self.clock.set_offset(self.config.clock_offset_s);
        self.lock_revisions().clear();
        self.lock_loaded().clear();
        if let Ok(volumes) = self.config.volumes() {
            *self
                .volumes
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = volumes;
        }
    }

    fn lock_revisions(&self) -> std::sync::MutexGuard<'_, HashMap<(Rut, Period, Operation), u32>> {
        self.revisions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
