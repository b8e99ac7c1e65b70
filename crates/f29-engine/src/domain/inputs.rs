//! What the accountant gives that the RCV cannot know: PPM rate and credit, withholdings,
//! the IVA uso común factor, the previous remanente and manual adjustments. Stored with
//! every version (JSON) and read by the CLI (YAML).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::decimal::Decimal;
use super::mapping::{INPUT_CODIGOS, Kind, Mapping, codigo};
use super::remanente::RemanenteMethod;

/// A manual change to one código, with the reason it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// Código adjusted.
    pub codigo: u16,
    /// Pesos (or documents) added; negative subtracts.
    pub delta: i64,
    /// Why; required so the number can be explained.
    pub reason: String,
}

/// The inputs of one declaration. Every field is optional; what is missing becomes a
/// warning, not a silent zero.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// PPM rate in percent (código 115), e.g. `0.125`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ppm_rate: Option<Decimal>,
    /// Credit against PPM (código 68).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub ppm_credit: i64,
    /// Impuesto único withheld from salaries (código 48).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impuesto_unico: Option<i64>,
    /// Honorarios withholding (código 151), when not computed from `honorarios_gross`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorarios_withholding: Option<i64>,
    /// Gross honorarios paid in the month; with `honorarios_rate` gives código 151.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorarios_gross: Option<i64>,
    /// Honorarios withholding rate in percent (e.g. `14.5` in 2025).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorarios_rate: Option<Decimal>,
    /// Other withholdings and taxes by código (153, 49, 155, 50, 54, 56, 588, 589, 92, 93, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<u16, i64>,
    /// IVA uso común factor in `[0, 1]`; absent means computed from sales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iva_uso_comun_factor: Option<Decimal>,
    /// Previous period's código 77, used when no stored declaration has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_remanente: Option<i64>,
    /// Manual adjustments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// How 504 is readjusted (default SII's method).
    #[serde(default)]
    pub remanente_method: RemanenteMethod,
}

/// Largest amount (in absolute value) an input or the sum of one código's adjustments may
/// hold: 10^15 pesos, several times Chile's yearly GDP, so no real return comes near it.
/// With every input below it the form's sums stay far from `i64::MAX` (a few dozen terms),
/// so the arithmetic of the computation cannot overflow.
pub const MAX_PESOS: i64 = 1_000_000_000_000_000;

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// Why inputs were refused; `field` names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input `{field}`: {message}")]
pub struct InputError {
    /// The input concerned (`ppm_credit`, `adjustments[2].reason`, `other.153`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> InputError {
    InputError {
        field: field.into(),
        message: message.into(),
    }
}

/// Refuses an amount beyond [`MAX_PESOS`] (either sign).
fn check_bound(field: &str, value: i64) -> Result<(), InputError> {
    if value.unsigned_abs() > MAX_PESOS.unsigned_abs() {
        return Err(bad(
            field,
            format!(
                "{value} is beyond the largest amount accepted ({MAX_PESOS} in absolute value)"
            ),
        ));
    }
    Ok(())
}

impl Inputs {
    /// Checks the inputs against `mapping`: amounts not negative where the form forbids it,
    /// `other` only for códigos no rule or formula fills, adjustments only on códigos that
    /// are not computed from others (adjust a term, and the totals follow), each with a reason.
    pub fn check(&self, mapping: &Mapping) -> Result<(), InputError> {
        for (field, value) in [
            ("ppm_credit", Some(self.ppm_credit)),
            ("impuesto_unico", self.impuesto_unico),
            ("honorarios_withholding", self.honorarios_withholding),
            ("honorarios_gross", self.honorarios_gross),
            ("previous_remanente", self.previous_remanente),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(bad(field, "must not be negative"));
            }
            check_bound(field, value.unwrap_or(0))?;
        }
        if self.honorarios_withholding.is_some() && self.honorarios_gross.is_some() {
            // One would silently win over the other: say which one counts.
            return Err(bad(
                "honorarios_withholding",
                "give either honorarios_withholding or honorarios_gross with honorarios_rate, not both",
            ));
        }
        if self.honorarios_gross.is_some_and(|g| g > 0) && self.honorarios_rate.is_none() {
            return Err(bad(
                "honorarios_rate",
                "is required when honorarios_gross is given (e.g. 14.5)",
            ));
        }
        if self
            .honorarios_rate
            .is_some_and(|r| !r.at_most_one_hundred())
        {
            return Err(bad(
                "honorarios_rate",
                "is a percentage and cannot exceed 100",
            ));
        }
        if self.ppm_rate.is_some_and(|r| !r.at_most_one_hundred()) {
            return Err(bad("ppm_rate", "is a percentage and cannot exceed 100"));
        }
        if self.iva_uso_comun_factor.is_some_and(|f| !f.at_most_one()) {
            return Err(bad("iva_uso_comun_factor", "must be between 0 and 1"));
        }
        for (&code, &value) in &self.other {
            let field = format!("other.{code}");
            check_bound(&field, value)?;
            let def = mapping
                .codigo(code)
                .ok_or_else(|| bad(&field, format!("unknown código {code}")))?;
            if def.kind != Kind::Amount {
                return Err(bad(&field, format!("código {code} is not an amount")));
            }
            if mapping.is_derived(code) {
                return Err(bad(
                    &field,
                    format!("código {code} is computed from other códigos"),
                ));
            }
            if mapping.is_rule_target(code) || code == codigo::PPM_BASE {
                return Err(bad(
                    &field,
                    format!(
                        "código {code} comes from the documents; use an adjustment with a reason"
                    ),
                ));
            }
            if INPUT_CODIGOS.contains(&code) {
                return Err(bad(&field, format!("código {code} has its own input")));
            }
            if value < 0 && !def.signed {
                return Err(bad(&field, "must not be negative"));
            }
        }
        let mut adjusted: BTreeMap<u16, i128> = BTreeMap::new();
        for (i, adjustment) in self.adjustments.iter().enumerate() {
            let field = format!("adjustments[{i}]");
            check_bound(&format!("{field}.delta"), adjustment.delta)?;
            let sum = adjusted.entry(adjustment.codigo).or_default();
            *sum += i128::from(adjustment.delta);
            if sum.unsigned_abs() > MAX_PESOS.unsigned_abs().into() {
                return Err(bad(
                    format!("{field}.delta"),
                    format!(
                        "the adjustments of código {} add up to more than {MAX_PESOS} in absolute value",
                        adjustment.codigo
                    ),
                ));
            }
            if adjustment.reason.trim().is_empty() {
                return Err(bad(
                    format!("{field}.reason"),
                    "every adjustment needs a reason",
                ));
            }
            let code = adjustment.codigo;
            let def = mapping
                .codigo(code)
                .ok_or_else(|| bad(format!("{field}.codigo"), format!("unknown código {code}")))?;
            if def.kind == Kind::Rate {
                return Err(bad(
                    format!("{field}.codigo"),
                    "a rate is set with its input",
                ));
            }
            if mapping.is_derived(code) {
                return Err(bad(
                    format!("{field}.codigo"),
                    format!(
                        "código {code} is computed from other códigos; adjust one of its terms"
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> Mapping {
        Mapping::default_mapping().expect("default mapping")
    }

    #[test]
    fn reads_yaml_with_decimals_as_text_or_numbers() {
        let inputs: Inputs = serde_yaml::from_str(
            "ppm_rate: 0.125\nhonorarios_gross: 100000\nhonorarios_rate: \"13.75\"\nother: {153: 500}\nadjustments:\n  - {codigo: 502, delta: -100, reason: factura anulada fuera de plazo}\n",
        )
        .expect("inputs");
        assert_eq!(
            inputs.ppm_rate.map(|r| r.to_string()),
            Some("0.125".to_owned())
        );
        assert_eq!(inputs.other.get(&153), Some(&500));
        assert!(inputs.check(&mapping()).is_ok());
        let json = serde_json::to_string(&inputs).expect("json");
        let back: Inputs = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, inputs);
    }

    #[test]
    fn refuses_what_the_form_cannot_hold() {
        let m = mapping();
        let cases: Vec<(Inputs, &str)> = vec![
            (
                Inputs {
                    ppm_credit: -1,
                    ..Inputs::default()
                },
                "ppm_credit",
            ),
            (
                Inputs {
                    adjustments: vec![Adjustment {
                        codigo: 502,
                        delta: 1,
                        reason: " ".into(),
                    }],
                    ..Inputs::default()
                },
                "adjustments[0].reason",
            ),
            (
                Inputs {
                    adjustments: vec![Adjustment {
                        codigo: 538,
                        delta: 1,
                        reason: "x".into(),
                    }],
                    ..Inputs::default()
                },
                "adjustments[0].codigo",
            ),
            (
                Inputs {
                    other: BTreeMap::from([(502, 1)]),
                    ..Inputs::default()
                },
                "other.502",
            ),
            (
                Inputs {
                    other: BTreeMap::from([(151, 1)]),
                    ..Inputs::default()
                },
                "other.151",
            ),
            (
                Inputs {
                    other: BTreeMap::from([(9, 1)]),
                    ..Inputs::default()
                },
                "other.9",
            ),
            (
                Inputs {
                    honorarios_gross: Some(10),
                    ..Inputs::default()
                },
                "honorarios_rate",
            ),
            (
                Inputs {
                    iva_uso_comun_factor: Decimal::parse("1.5").ok(),
                    ..Inputs::default()
                },
                "iva_uso_comun_factor",
            ),
            (
                Inputs {
                    honorarios_withholding: Some(1_000),
                    honorarios_gross: Some(10_000),
                    honorarios_rate: Decimal::parse("14.5").ok(),
                    ..Inputs::default()
                },
                "honorarios_withholding",
            ),
        ];
        for (inputs, field) in cases {
            let err = inputs.check(&m).expect_err(field);
            assert_eq!(err.field, field, "{err}");
        }
    }

    #[test]
    fn refuses_amounts_beyond_the_bound_naming_the_field() {
        let m = mapping();
        let huge = MAX_PESOS + 1;
        let cases: Vec<(Inputs, &str)> = vec![
            (
                Inputs {
                    impuesto_unico: Some(i64::MAX),
                    ..Inputs::default()
                },
                "impuesto_unico",
            ),
            (
                Inputs {
                    ppm_credit: huge,
                    ..Inputs::default()
                },
                "ppm_credit",
            ),
            (
                Inputs {
                    honorarios_gross: Some(huge),
                    honorarios_rate: Decimal::parse("14.5").ok(),
                    ..Inputs::default()
                },
                "honorarios_gross",
            ),
            (
                Inputs {
                    previous_remanente: Some(huge),
                    ..Inputs::default()
                },
                "previous_remanente",
            ),
            (
                Inputs {
                    other: BTreeMap::from([(153, i64::MAX)]),
                    ..Inputs::default()
                },
                "other.153",
            ),
            (
                Inputs {
                    adjustments: vec![Adjustment {
                        codigo: 502,
                        delta: i64::MIN,
                        reason: "x".into(),
                    }],
                    ..Inputs::default()
                },
                "adjustments[0].delta",
            ),
            // Each within the bound, together beyond it.
            (
                Inputs {
                    adjustments: vec![
                        Adjustment {
                            codigo: 502,
                            delta: MAX_PESOS,
                            reason: "x".into(),
                        },
                        Adjustment {
                            codigo: 520,
                            delta: MAX_PESOS,
                            reason: "x".into(),
                        },
                        Adjustment {
                            codigo: 502,
                            delta: 1,
                            reason: "x".into(),
                        },
                    ],
                    ..Inputs::default()
                },
                "adjustments[2].delta",
            ),
        ];
        for (inputs, field) in cases {
            let err = inputs.check(&m).expect_err(field);
            assert_eq!(err.field, field, "{err}");
        }
        // The bound itself is accepted.
        let at_bound = Inputs {
            impuesto_unico: Some(MAX_PESOS),
            other: BTreeMap::from([(153, MAX_PESOS)]),
            adjustments: vec![Adjustment {
                codigo: 502,
                delta: -MAX_PESOS,
                reason: "x".into(),
            }],
            ..Inputs::default()
        };
        assert_eq!(at_bound.check(&m), Ok(()));
    }
}
