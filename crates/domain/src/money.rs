//! Money as whole Chilean pesos. There are no cents anywhere in SII's forms.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use serde::{Deserialize, Serialize};

/// An amount in whole pesos (CLP). Negative values are allowed: some F29 códigos are signed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Clp(pub i64);

impl Clp {
    /// Zero pesos.
    pub const ZERO: Clp = Clp(0);

    /// The amount as an integer.
    pub fn pesos(self) -> i64 {
        self.0
    }

    /// `max(self, 0)`.
    pub fn at_least_zero(self) -> Clp {
        Clp(self.0.max(0))
    }
}

impl Add for Clp {
    type Output = Clp;
    fn add(self, rhs: Clp) -> Clp {
        Clp(self.0 + rhs.0)
    }
}

impl Sub for Clp {
    type Output = Clp;
    fn sub(self, rhs: Clp) -> Clp {
        Clp(self.0 - rhs.0)
    }
}

impl Neg for Clp {
    type Output = Clp;
    fn neg(self) -> Clp {
        Clp(-self.0)
    }
}

impl AddAssign for Clp {
    fn add_assign(&mut self, rhs: Clp) {
        self.0 += rhs.0;
    }
}

impl SubAssign for Clp {
    fn sub_assign(&mut self, rhs: Clp) {
        self.0 -= rhs.0;
    }
}

impl Sum for Clp {
    fn sum<I: Iterator<Item = Clp>>(iter: I) -> Clp {
        Clp(iter.map(|c| c.0).sum())
    }
}

impl fmt::Display for Clp {
    /// `$1.234.567`, the way Chilean documents print pesos.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}${}", group_thousands(self.0.unsigned_abs()))
    }
}

/// `1234567` → `1.234.567`: the Chilean thousands separator.
pub(crate) fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(c);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_thousands_dots() {
        assert_eq!(Clp(0).to_string(), "$0");
        assert_eq!(Clp(999).to_string(), "$999");
        assert_eq!(Clp(1_000).to_string(), "$1.000");
        assert_eq!(Clp(2_511_532).to_string(), "$2.511.532");
        assert_eq!(Clp(-43_700).to_string(), "-$43.700");
    }

    #[test]
    fn arithmetic() {
        let total: Clp = [Clp(3_800), Clp(1_900), -Clp(1_900)].into_iter().sum();
        assert_eq!(total, Clp(3_800));
        assert_eq!((Clp(10) - Clp(25)).at_least_zero(), Clp::ZERO);
    }
}
