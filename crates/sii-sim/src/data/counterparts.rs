//! The suppliers (purchases) or customers (sales) a company deals with: the same pool every
//! period, so the same counterparts recur month after month as in a real register.

use std::collections::HashSet;

use ofitec_domain::Rut;
use ofitec_domain::rcv::Operation;

use super::catalog::{self, NAME_FORMS, NAME_KINDS, NAME_PLACES, PERSON_NAMES, SURNAMES};
use super::rng::Rng;

/// One counterpart.
#[derive(Debug, Clone)]
pub struct Counterpart {
    /// Its RUT.
    pub rut: Rut,
    /// Its name as SII holds it (trimmed).
    pub name: String,
}

/// How many counterparts a register of `volume` documents draws from.
pub fn pool_size(volume: u32) -> usize {
    (volume as usize / 8).clamp(3, 4000)
}

/// The first `size` counterparts of `company`'s pool for `operation`.
pub fn pool(seed: u64, company: Rut, operation: Operation, size: usize) -> Vec<Counterpart> {
    let op = match operation {
        Operation::Compra => 1,
        Operation::Venta => 2,
    };
    let mut rng = Rng::from_parts(&[seed, u64::from(company.body()), op, 0xC0]);
    let reserved = [
        company.body(),
        catalog::ADUANAS.0,
        catalog::FOREIGN_CUSTOMER,
    ];
    let mut seen: HashSet<u32> = HashSet::with_capacity(size);
    let mut out = Vec::with_capacity(size);
    while out.len() < size {
        let person = rng.chance(200);
        let body = if person {
            rng.between(5_000_000, 25_999_999)
        } else {
            rng.between(76_000_000, 77_999_999)
        } as u32;
        if reserved.contains(&body) || !seen.insert(body) {
            continue;
        }
        let Some(rut) = catalog::rut(body) else {
            continue;
        };
        let name = if person {
            format!(
                "{} {} {}",
                pick(&mut rng, &PERSON_NAMES),
                pick(&mut rng, &SURNAMES),
                pick(&mut rng, &SURNAMES)
            )
        } else {
            format!(
                "{} {} {}",
                pick(&mut rng, &NAME_KINDS),
                pick(&mut rng, &NAME_PLACES),
                pick(&mut rng, &NAME_FORMS)
            )
        };
        out.push(Counterpart { rut, name });
    }
    out
}

fn pick<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    words[rng.below(words.len() as u64) as usize]
}
