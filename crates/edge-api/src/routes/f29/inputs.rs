//! What the accountant provides that the RCV cannot know, as JSON, both ways. The engine
//! judges the meaning (`inputs_invalid` names the input); this only translates shapes.

use std::collections::BTreeMap;

use ofitec_proto::f29::v1 as pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A decimal written as a string (`"0.125"`) or a JSON number (`0.125`); strings are exact,
/// so they are what the API answers with.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum DecimalText {
    /// `"0.125"`.
    Text(String),
    /// `0.125`.
    Number(serde_json::Number),
}

impl DecimalText {
    fn into_text(self) -> String {
        match self {
            DecimalText::Text(text) => text,
            DecimalText::Number(number) => number.to_string(),
        }
    }
}

fn decimal(value: Option<DecimalText>) -> String {
    value.map(DecimalText::into_text).unwrap_or_default()
}

fn optional_text(text: String) -> Option<DecimalText> {
    (!text.is_empty()).then_some(DecimalText::Text(text))
}

/// A manual change to one código with its reason.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    /// Código adjusted (not a total; the totals follow).
    #[schema(example = 502)]
    pub codigo: i32,
    /// Pesos added (negative subtracts).
    #[schema(example = -100)]
    pub delta: i64,
    /// Why (required).
    #[schema(example = "factura anulada fuera de plazo")]
    pub reason: String,
}

/// Inputs of a declaration. Absent fields are "not given" (some become warnings).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputsBody {
    /// PPM rate in percent (código 115), e.g. `"0.125"`.
    #[schema(value_type = Option<String>, example = "0.125")]
    pub ppm_rate: Option<DecimalText>,
    /// Credit against PPM (código 68), pesos.
    pub ppm_credit: Option<i64>,
    /// Impuesto único withheld from salaries (código 48), pesos.
    pub impuesto_unico: Option<i64>,
    /// Honorarios withholding (código 151), pesos; used when no gross honorarios are given.
    pub honorarios_withholding: Option<i64>,
    /// Gross honorarios paid in the month; with `honorarios_rate` gives código 151.
    pub honorarios_gross: Option<i64>,
    /// Honorarios withholding rate in percent, e.g. `"13.75"`.
    #[schema(value_type = Option<String>, example = "13.75")]
    pub honorarios_rate: Option<DecimalText>,
    /// Other withholdings, taxes and surcharges by código (153, 49, 155, …), pesos.
    #[serde(default)]
    pub other: BTreeMap<i32, i64>,
    /// IVA uso común factor in [0, 1]; computed from the year's sales when absent.
    #[schema(value_type = Option<String>, example = "0.6")]
    pub iva_uso_comun_factor: Option<DecimalText>,
    /// The previous period's código 77 when no stored declaration has it.
    pub previous_remanente: Option<i64>,
    /// Manual adjustments, each with a reason.
    #[serde(default)]
    pub adjustments: Vec<AdjustmentBody>,
    /// `sii` (UTM rounded to 2 decimals, the default) or `exact`.
    #[schema(example = "sii")]
    pub remanente_method: Option<String>,
}

impl InputsBody {
    /// On the wire.
    pub fn into_proto(self) -> pb::DeclarationInputs {
        pb::DeclarationInputs {
            ppm_rate: decimal(self.ppm_rate),
            ppm_credit: self.ppm_credit.unwrap_or(0),
            impuesto_unico: self.impuesto_unico,
            honorarios_withholding: self.honorarios_withholding,
            honorarios_gross: self.honorarios_gross.unwrap_or(0),
            honorarios_rate: decimal(self.honorarios_rate),
            other: self.other.into_iter().collect(),
            iva_uso_comun_factor: decimal(self.iva_uso_comun_factor),
            previous_remanente: self.previous_remanente,
            adjustments: self
                .adjustments
                .into_iter()
                .map(|a| pb::Adjustment {
                    codigo: a.codigo,
                    delta: a.delta,
                    reason: a.reason,
                })
                .collect(),
            remanente_method: self.remanente_method.unwrap_or_default(),
        }
    }
}

impl From<pb::DeclarationInputs> for InputsBody {
    fn from(p: pb::DeclarationInputs) -> InputsBody {
        InputsBody {
            ppm_rate: optional_text(p.ppm_rate),
            ppm_credit: (p.ppm_credit != 0).then_some(p.ppm_credit),
            impuesto_unico: p.impuesto_unico,
            honorarios_withholding: p.honorarios_withholding,
            honorarios_gross: (p.honorarios_gross != 0).then_some(p.honorarios_gross),
            honorarios_rate: optional_text(p.honorarios_rate),
            other: p.other.into_iter().collect(),
            iva_uso_comun_factor: optional_text(p.iva_uso_comun_factor),
            previous_remanente: p.previous_remanente,
            adjustments: p
                .adjustments
                .into_iter()
                .map(|a| AdjustmentBody {
                    codigo: a.codigo,
                    delta: a.delta,
                    reason: a.reason,
                })
                .collect(),
            remanente_method: (!p.remanente_method.is_empty()).then_some(p.remanente_method),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_strings_or_numbers_reach_the_wire_as_written() {
        let body: InputsBody = serde_json::from_value(serde_json::json!({
            "ppm_rate": 0.125,
            "honorarios_rate": "13.75",
            "other": {"153": 500},
            "adjustments": [{"codigo": 502, "delta": -100, "reason": "nota"}]
        }))
        .expect("valid inputs");
        let wire = body.into_proto();
        assert_eq!(wire.ppm_rate, "0.125");
        assert_eq!(wire.honorarios_rate, "13.75");
        assert_eq!(wire.other.get(&153), Some(&500));
        assert_eq!(wire.adjustments[0].delta, -100);
        assert_eq!(wire.impuesto_unico, None);
        let back = InputsBody::from(wire);
        assert_eq!(back.ppm_rate, Some(DecimalText::Text("0.125".into())));
        assert_eq!(back.iva_uso_comun_factor, None);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let result: Result<InputsBody, _> =
            serde_json::from_value(serde_json::json!({"ppm": "0.125"}));
        assert!(result.is_err());
    }
}
