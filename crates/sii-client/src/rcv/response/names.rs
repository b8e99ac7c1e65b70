//! Names for amounts that have no field of their own in `RcvDocument`: they go to `extra`
//! under stable snake_case names, the same ones the CSV parser uses.

/// SII JSON detail field → `extra` key, for the amounts we know.
pub(super) const DETAIL_EXTRA: &[(&str, &str)] = &[
    ("detIVAPropio", "iva_propio"),
    ("detIVATerceros", "iva_terceros"),
    ("detLiqValComNeto", "liquidacion_comision_neto"),
    ("detLiqValComExe", "liquidacion_comision_exento"),
    ("detLiqValComIVA", "liquidacion_comision_iva"),
    ("detIVAFueraPlazo", "iva_fuera_de_plazo"),
    ("detCredEc", "credito_empresa_constructora"),
    ("detLey18211", "impuesto_zona_franca"),
    ("detDepEnvase", "garantia_deposito_envases"),
    ("detMntNoFact", "monto_no_facturable"),
    ("detMntPeriodo", "total_monto_periodo"),
    ("detPsjNac", "venta_pasajes_nacional"),
    ("detPsjInt", "venta_pasajes_internacional"),
    ("detTabPuros", "tabacos_puros"),
    ("detTabCigarrillos", "tabacos_cigarrillos"),
    ("detTabElaborado", "tabacos_elaborados"),
    ("detImpVehiculo", "impuesto_vehiculos"),
    ("totalDtoiMontoImp", "otros_impuestos_total"),
    ("totalDinrMontoIVANoR", "iva_no_recuperable_total"),
];

/// Numeric fields that are identifiers, codes or flags, not amounts: never in `extra`.
pub(super) const DETAIL_NOT_AMOUNTS: &[&str] = &[
    "dhdrCodigo",
    "dcvCodigo",
    "detCodigo",
    "detPcarga",
    "detTpoImp",
    "cambiarTipoTran",
    "detEmisorNota",
    "detIndSinCosto",
    "detIndServicio",
    "detExpNacionalidad",
    "detExpNumId",
    "detCdgSIISucur",
    "detNumInt",
    "detLiqRutEmisor",
    "detLiqDvEmisor",
    "emisorAgresivo",
    "descTipoTransaccion",
    "detEventoReceptorLeyenda",
    "fechaActivacionAnotacion",
];

/// Summary fields that are identifiers or counts, not amounts.
pub(super) const SUMMARY_NOT_AMOUNTS: &[&str] = &[
    "rsmnCodigo",
    "dcvCodigo",
    "rsmnLink",
    "rsmnTotalRutEmisor",
    "rsmnTipoDocInteger",
    "rsmnTotDoc",
];

/// `detMntIVAActFijo` → `det_mnt_iva_act_fijo`: an underscore before an upper-case letter
/// that follows a lower-case letter or digit, or that starts a word after an acronym.
pub(super) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_handles_acronyms() {
        assert_eq!(snake_case("detMntIVAActFijo"), "det_mnt_iva_act_fijo");
        assert_eq!(snake_case("detLey18211"), "det_ley18211");
        assert_eq!(snake_case("rsmnMntIVANoRec"), "rsmn_mnt_iva_no_rec");
        assert_eq!(snake_case("detNuevoMonto"), "det_nuevo_monto");
    }
}
