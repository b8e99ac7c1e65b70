//! "SII changed its data": each revision of a (company, period, register) applies, on top of
//! the previous one, a deterministic set of changes — some PENDIENTE purchases accepted
//! (→ REGISTRO), some amounts corrected, some documents gone, a few late ones arriving.

use std::collections::HashMap;

use chrono::Duration;
use ofitec_domain::Rut;
use ofitec_domain::rcv::{PurchaseState, RcvDocument};

use super::amounts::set_amounts;
use super::generate::{self, Context, RefBook};

/// What one revision did, for logs and the admin answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RevisionChanges {
    /// PENDIENTE → REGISTRO.
    pub accepted: usize,
    /// Amounts changed in place.
    pub amended: usize,
    /// Documents removed.
    pub removed: usize,
    /// Documents added.
    pub added: usize,
}

/// Applies revision `revision` (≥ 1) to `docs`.
pub(super) fn apply(ctx: &Context, docs: &mut Vec<RcvDocument>, revision: u32) -> RevisionChanges {
    let mut rng = ctx.rng(&[0x7E5, u64::from(revision)]);
    let mut changes = RevisionChanges::default();
    let detail: Vec<usize> = (0..docs.len()).filter(|i| !docs[*i].is_summary()).collect();
    if detail.is_empty() {
        return changes;
    }

    // 1. Accepted purchases: 40 % of the pending ones, at least one.
    let pending: Vec<usize> = detail
        .iter()
        .copied()
        .filter(|i| docs[*i].state == Some(PurchaseState::Pendiente))
        .collect();
    for (n, &i) in pending.iter().enumerate() {
        if n == 0 || rng.chance(400) {
            let doc = &mut docs[i];
            doc.state = Some(PurchaseState::Registro);
            doc.acknowledged_at = doc.received_at.map(|r| {
                r + Duration::days(rng.between(1, 8)) + Duration::seconds(rng.between(0, 36_000))
            });
            doc.receiver_event = Some("C".to_owned());
            changes.accepted += 1;
        }
    }

    // 2. Corrected amounts: 1 %, at least one; ±5-30 % of the net (or the exempt amount).
    let amend = (detail.len() / 100).max(1);
    for _ in 0..amend {
        let i = detail[rng.below(detail.len() as u64) as usize];
        let doc = &mut docs[i];
        let factor =
            1.0 + (rng.between(5, 30) as f64 / 100.0) * if rng.chance(500) { 1.0 } else { -1.0 };
        let (exento, neto) = if doc.neto > 0 {
            (
                doc.exento,
                ((doc.neto as f64 * factor).round() as i64).max(1),
            )
        } else {
            (((doc.exento as f64 * factor).round() as i64).max(1), 0)
        };
        set_amounts(doc, exento, neto);
        changes.amended += 1;
    }

    // 3. Removed documents: 0.5 %, at least one when there are ten or more.
    let remove = if detail.len() >= 10 {
        (detail.len() / 200).max(1)
    } else {
        0
    };
    let mut gone = vec![false; docs.len()];
    for _ in 0..remove {
        let i = detail[rng.below(detail.len() as u64) as usize];
        if !gone[i] {
            gone[i] = true;
            changes.removed += 1;
        }
    }
    let mut keep = gone.iter().map(|g| !g);
    docs.retain(|_| keep.next().unwrap_or(true));

    // 4. Late documents: 0.5 %, at least one; indices far above any base volume so their
    // folios never collide with existing ones.
    let add = (detail.len() / 200).max(1);
    let positions: HashMap<Rut, usize> = ctx
        .pool
        .iter()
        .enumerate()
        .map(|(i, c)| (c.rut, i))
        .collect();
    let mut refs = RefBook::new(ctx.pool.len());
    for doc in docs.iter().filter(|d| d.tipo_dte == 33) {
        if let Some(i) = doc.counterpart.and_then(|r| positions.get(&r)) {
            refs.record(*i, doc.folio);
        }
    }
    for k in 0..add {
        let index = 500_000_000 + u64::from(revision) * 1_000_000 + k as u64;
        docs.push(generate::document(ctx, index, &mut refs));
        changes.added += 1;
    }
    changes
}
