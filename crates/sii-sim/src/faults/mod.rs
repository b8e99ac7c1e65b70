//! Fault injection per endpoint: rules from the configuration and the admin API, each for
//! the next N requests, with a seeded probability, or until cleared.
//!
//! * `spec`: the rule as written ([`FaultSpec`]: endpoint, kind, parameters, duration);
//! * here: the live rule set and [`Faults::decide`], which says what the next request to
//!   an endpoint suffers (latency rules add up; the first other rule that fires wins);
//! * `respond`: turning a decision into SII-looking answers (HTML pages, SOAP Faults,
//!   ESTADO/codRespuesta answers, truncated bodies).

pub mod respond;
mod spec;

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

pub use spec::{Endpoint, FaultKind, FaultSpec};

use crate::data::rng::Rng;

/// How long a `timeout` fault hangs when the rule gives no `ms`.
pub const DEFAULT_HANG: Duration = Duration::from_secs(600);

/// The live rule set.
#[derive(Debug)]
pub struct Faults {
    seed: u64,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    rules: Vec<Rule>,
    next_id: u64,
}

#[derive(Debug)]
struct Rule {
    id: u64,
    spec: FaultSpec,
    fired: u32,
    rng: Rng,
}

/// A rule as `GET /admin/faults` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ActiveFault {
    /// Id for `DELETE /admin/faults/{id}`.
    pub id: u64,
    /// The rule.
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// How many times it fired.
    pub fired: u32,
}

/// What a request suffers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// Added delay before anything else.
    pub latency: Duration,
    /// The fault that shapes the answer, if any.
    pub action: Option<Action>,
}

/// A fault that shapes the answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Hang this long, then answer normally.
    Timeout(Duration),
    /// HTTP 500.
    Http500,
    /// HTTP 503 HTML page.
    Html503,
    /// HTTP 200 HTML page.
    Html200,
    /// An ESTADO answer.
    Estado {
        /// The code.
        code: String,
        /// GLOSA, when given.
        glosa: Option<String>,
    },
    /// A facade answer with this codRespuesta.
    CodRespuesta {
        /// The code.
        code: i64,
        /// msgeRespuesta, when given.
        message: Option<String>,
    },
    /// "TOKEN NO EXISTE".
    TokenNoExiste,
    /// Kill every token, then answer normally.
    InvalidateTokens,
    /// Cut the normal answer to this fraction.
    Truncated(f64),
}

impl Action {
    /// The stats/metrics outcome of a request this fault answered.
    pub fn outcome(&self) -> String {
        match self {
            Action::Timeout(_) => "fault_timeout".into(),
            Action::Http500 => "fault_http_500".into(),
            Action::Html503 => "fault_html_503".into(),
            Action::Html200 => "fault_html_200".into(),
            Action::Estado { code, .. } => format!("fault_estado_{}", code.trim()),
            Action::CodRespuesta { code, .. } => format!("fault_cod_respuesta_{code}"),
            Action::TokenNoExiste => "fault_token_no_existe".into(),
            Action::InvalidateTokens => "fault_invalidate_tokens".into(),
            Action::Truncated(_) => "fault_truncated".into(),
        }
    }
}

impl Faults {
    /// Starts with `specs` (already validated).
    pub fn new(seed: u64, specs: &[FaultSpec]) -> Faults {
        let faults = Faults {
            seed,
            inner: Mutex::new(Inner::default()),
        };
        faults.reset(specs);
        faults
    }

    /// Adds a rule at the end; returns its id.
    pub fn add(&self, spec: FaultSpec) -> u64 {
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        inner.rules.push(Rule {
            id,
            rng: Rng::from_parts(&[self.seed, id, 0xFA]),
            spec,
            fired: 0,
        });
        id
    }

    /// Removes one rule; false when there is none with that id.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.lock();
        let before = inner.rules.len();
        inner.rules.retain(|r| r.id != id);
        inner.rules.len() != before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Back to `specs` only, ids and random streams from the start.
    pub fn reset(&self, specs: &[FaultSpec]) {
        *self.lock() = Inner::default();
        for spec in specs {
            self.add(spec.clone());
        }
    }

    /// The rules in force.
    pub fn list(&self) -> Vec<ActiveFault> {
        self.lock()
            .rules
            .iter()
            .map(|r| ActiveFault {
                id: r.id,
                spec: r.spec.clone(),
                fired: r.fired,
            })
            .collect()
    }

    /// What the next request to `endpoint` suffers; consumes the rules that fire.
    pub fn decide(&self, endpoint: Endpoint) -> Decision {
        let mut inner = self.lock();
        let mut decision = Decision::default();
        for rule in inner
            .rules
            .iter_mut()
            .filter(|r| r.spec.endpoint == endpoint)
        {
            let latency = rule.spec.kind == FaultKind::Latency;
            if !latency && decision.action.is_some() {
                continue;
            }
            let fires = match rule.spec.probability {
                Some(p) => rule.rng.unit() < p,
                None => true,
            };
            if !fires {
                continue;
            }
            rule.fired += 1;
            if latency {
                decision.latency += Duration::from_millis(rule.spec.ms.unwrap_or(0));
            } else {
                decision.action = Some(action(&rule.spec));
            }
        }
        inner
            .rules
            .retain(|r| r.spec.times.is_none_or(|times| r.fired < times));
        decision
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn action(spec: &FaultSpec) -> Action {
    match spec.kind {
        // Latency never reaches here (handled by the caller); answering normally is safe.
        FaultKind::Latency | FaultKind::Timeout => {
            Action::Timeout(spec.ms.map(Duration::from_millis).unwrap_or(DEFAULT_HANG))
        }
        FaultKind::Http500 => Action::Http500,
        FaultKind::Html503 => Action::Html503,
        FaultKind::Html200 => Action::Html200,
        FaultKind::Estado => Action::Estado {
            code: spec.code.clone().unwrap_or_else(|| "-2".into()),
            glosa: spec.message.clone(),
        },
        FaultKind::CodRespuesta => Action::CodRespuesta {
            code: spec
                .code
                .as_deref()
                .and_then(|c| c.trim().parse().ok())
                .unwrap_or(99),
            message: spec.message.clone(),
        },
        FaultKind::TokenNoExiste => Action::TokenNoExiste,
        FaultKind::InvalidateTokens => Action::InvalidateTokens,
        FaultKind::Truncated => Action::Truncated(spec.keep.unwrap_or(0.5)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(endpoint: Endpoint, kind: FaultKind) -> FaultSpec {
        FaultSpec::new(endpoint, kind)
    }

    #[test]
    fn next_n_then_gone() {
        let faults = Faults::new(1, &[]);
        let mut s = spec(Endpoint::Seed, FaultKind::Html503);
        s.times = Some(2);
        faults.add(s);
        assert_eq!(faults.decide(Endpoint::Token).action, None);
        assert_eq!(faults.decide(Endpoint::Seed).action, Some(Action::Html503));
        assert_eq!(faults.decide(Endpoint::Seed).action, Some(Action::Html503));
        assert_eq!(faults.decide(Endpoint::Seed).action, None);
        assert!(faults.list().is_empty());
    }

    #[test]
    fn latency_adds_up_and_first_action_wins() {
        let mut a = spec(Endpoint::Export, FaultKind::Latency);
        a.ms = Some(100);
        let mut b = a.clone();
        b.ms = Some(50);
        let c = spec(Endpoint::Export, FaultKind::Http500);
        let mut d = spec(Endpoint::Export, FaultKind::Truncated);
        d.times = Some(1);
        let faults = Faults::new(1, &[a, c, b, d]);
        let decision = faults.decide(Endpoint::Export);
        assert_eq!(decision.latency, Duration::from_millis(150));
        assert_eq!(decision.action, Some(Action::Http500));
        // The truncation was not consumed: the 500 came first.
        assert_eq!(faults.list().len(), 4);
    }

    #[test]
    fn probability_is_seeded() {
        let run = || {
            let mut s = spec(Endpoint::Detalle, FaultKind::Html200);
            s.probability = Some(0.3);
            let faults = Faults::new(42, &[s]);
            (0..200)
                .map(|_| faults.decide(Endpoint::Detalle).action.is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let fired = a.iter().filter(|f| **f).count();
        assert!((30..90).contains(&fired), "{fired}");
    }

    #[test]
    fn validation_explains() {
        let mut s = spec(Endpoint::Resumen, FaultKind::Estado);
        s.code = Some("05".into());
        assert!(s.validate().is_err_and(|e| e.contains("cod_respuesta")));
        let s = spec(Endpoint::Seed, FaultKind::Latency);
        assert!(s.validate().is_err());
        let mut s = spec(Endpoint::Seed, FaultKind::Estado);
        s.code = Some("-2".into());
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn kinds_are_written_as_documented() {
        // The README, the configuration file and the stats outcomes (`fault_http_500`)
        // all spell the kinds this way.
        let names = [
            (FaultKind::Latency, "latency"),
            (FaultKind::Timeout, "timeout"),
            (FaultKind::Http500, "http_500"),
            (FaultKind::Html503, "html_503"),
            (FaultKind::Html200, "html_200"),
            (FaultKind::Estado, "estado"),
            (FaultKind::CodRespuesta, "cod_respuesta"),
            (FaultKind::TokenNoExiste, "token_no_existe"),
            (FaultKind::InvalidateTokens, "invalidate_tokens"),
            (FaultKind::Truncated, "truncated"),
        ];
        for (kind, name) in names {
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::json!(name))
            );
            let back: Result<FaultKind, _> = serde_json::from_value(serde_json::json!(name));
            assert_eq!(back.ok(), Some(kind));
            // Parameterised kinds add their code to the outcome; latency has none.
            if !matches!(
                kind,
                FaultKind::Latency | FaultKind::Estado | FaultKind::CodRespuesta
            ) {
                let spec = FaultSpec::new(Endpoint::Resumen, kind);
                assert_eq!(action(&spec).outcome(), format!("fault_{name}"));
            }
        }
        // The spelling without underscore is still accepted.
        let old: Result<FaultKind, _> = serde_json::from_value(serde_json::json!("http500"));
        assert_eq!(old.ok(), Some(FaultKind::Http500));
    }

    #[test]
    fn invalid_rules_are_refused_with_a_reason() {
        let with = |kind, change: &dyn Fn(&mut FaultSpec)| {
            let mut s = spec(Endpoint::Detalle, kind);
            change(&mut s);
            s.validate()
        };
        assert!(
            with(FaultKind::Html503, &|s| s.times = Some(0)).is_err_and(|e| e.contains("times"))
        );
        assert!(
            with(FaultKind::Html503, &|s| s.probability = Some(1.5))
                .is_err_and(|e| e.contains("probability"))
        );
        assert!(
            with(FaultKind::Truncated, &|s| s.keep = Some(1.0)).is_err_and(|e| e.contains("keep"))
        );
        assert_eq!(with(FaultKind::Truncated, &|s| s.keep = Some(0.0)), Ok(()));
        assert!(
            with(FaultKind::CodRespuesta, &|s| s.code = Some("x".into()))
                .is_err_and(|e| e.contains("numeric"))
        );
        assert_eq!(
            with(FaultKind::CodRespuesta, &|s| s.code = Some("99".into())),
            Ok(())
        );
        let mut estado = spec(Endpoint::Token, FaultKind::Estado);
        assert!(estado.validate().is_err_and(|e| e.contains("code")));
        estado.code = Some("05".into());
        assert_eq!(estado.validate(), Ok(()));
        let unknown: Result<FaultSpec, _> = serde_json::from_value(serde_json::json!(
            {"endpoint": "resumen", "kind": "html_503", "tmes": 1}
        ));
        assert!(unknown.is_err(), "unknown fields are refused");
    }
}
