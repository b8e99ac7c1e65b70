//! `getDetalleCompra` / `getDetalleVenta` rows with SII's field names and JSON types:
//! `detRutDoc` a number and `detDvDoc` a string, dates as `dd/mm/yyyy` strings, amounts as
//! numbers, `null` where SII has nothing. Other taxes appear only as their sum
//! (`totalDtoiMontoImp`): SII's JSON has no per-tax list.

use ofitec_domain::rcv::{Operation, RcvDocument, TransactionType};

use super::served_name;
use super::write::{self, json_opt_string, json_string};

/// Appends the JSON array of `docs`.
pub fn rows(out: &mut String, docs: &[RcvDocument]) {
    out.push('[');
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        row(out, doc);
    }
    out.push(']');
}

fn field(out: &mut String, name: &str) {
    out.push('"');
    out.push_str(name);
    out.push_str("\":");
}

fn num(out: &mut String, name: &str, value: i64) {
    field(out, name);
    write::int(out, value);
    out.push(',');
}

fn null(out: &mut String, name: &str) {
    field(out, name);
    out.push_str("null,");
}

fn opt_num(out: &mut String, name: &str, value: Option<i64>) {
    match value {
        Some(v) => num(out, name, v),
        None => null(out, name),
    }
}

fn opt_datetime(out: &mut String, name: &str, value: Option<chrono::NaiveDateTime>) {
    field(out, name);
    match value {
        Some(at) => {
            out.push('"');
            write::datetime(out, at);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    out.push(',');
}

/// "Del Giro", … as `descTipoTransaccion` reads.
pub fn transaction_text(operation: Operation, tx: Option<TransactionType>) -> &'static str {
    match (operation, tx) {
        (_, None | Some(TransactionType::DelGiro)) => "Del Giro",
        (_, Some(TransactionType::Supermercado)) => "Supermercados",
        (_, Some(TransactionType::BienesRaices)) => "Bienes Raíces",
        (_, Some(TransactionType::ActivoFijo)) => "Activo Fijo",
        (_, Some(TransactionType::IvaUsoComun)) => "IVA Uso Común",
        (_, Some(TransactionType::SinDerechoCredito)) => "IVA no Recuperable",
        (_, Some(TransactionType::NoIncluir)) => "No Corresp. Incluir",
    }
}

fn event_legend(event: &str) -> &'static str {
    match event {
        "A" => "No Reclamado en Plazo",
        "C" => "Recibo Otorgado",
        "P" => "Forma de Pago Contado",
        "R" => "Reclamado",
        _ => "",
    }
}

fn row(out: &mut String, doc: &RcvDocument) {
    out.push('{');
    // Internal identifiers SII sends along (sii-client ignores them).
    num(out, "dhdrCodigo", 7_000_000_000 + doc.folio);
    num(
        out,
        "dcvCodigo",
        i64::from(doc.period.year()) * 100 + i64::from(doc.period.month()),
    );
    num(out, "detCodigo", 9_000_000_000 + doc.folio);
    num(out, "detTipoDoc", i64::from(doc.tipo_dte));
    match doc.counterpart {
        Some(rut) => {
            num(out, "detRutDoc", i64::from(rut.body()));
            field(out, "detDvDoc");
            let mut dv = [0u8; 4];
            json_string(out, rut.dv().encode_utf8(&mut dv));
            out.push(',');
        }
        None => {
            null(out, "detRutDoc");
            null(out, "detDvDoc");
        }
    }
    field(out, "detRznSoc");
    out.push('"');
    served_name(out, doc, true);
    out.push_str("\",");
    num(out, "detNroDoc", doc.folio);
    field(out, "detFchDoc");
    match doc.issued_on {
        Some(day) => {
            out.push('"');
            write::date(out, day);
            out.push('"');
        }
        None => out.push_str("null"),
    }
    out.push(',');
    opt_datetime(out, "detFecAcuse", doc.acknowledged_at);
    opt_datetime(out, "detFecReclamado", doc.claimed_at);
    opt_datetime(out, "detFecRecepcion", doc.received_at);
    num(out, "detMntExe", doc.exento);
    num(out, "detMntNeto", doc.neto);
    num(out, "detMntActFijo", doc.activo_fijo_neto);
    num(out, "detMntIVAActFijo", doc.activo_fijo_iva);
    num(out, "detMntIVANoRec", doc.iva_no_recuperable);
    opt_num(
        out,
        "detMntCodNoRec",
        doc.iva_no_recuperable_code.map(i64::from),
    );
    num(out, "detMntSinCredito", doc.sin_derecho_credito);
    num(out, "detMntIVA", doc.iva);
    num(out, "detMntTotal", doc.total);
    match doc.tasa_iva {
        Some(rate) => {
            field(out, "detTasaImp");
            write::rate(out, rate);
            out.push(',');
        }
        None => null(out, "detTasaImp"),
    }
    field(out, "detAnulado");
    out.push_str(if doc.anulado { "\"A\"," } else { "null," });
    num(out, "detIVARetTotal", doc.iva_retenido_total);
    num(out, "detIVARetParcial", doc.iva_retenido_parcial);
    num(out, "detIVANoRetenido", doc.iva_no_retenido);
    num(out, "detIVAPropio", 0);
    num(out, "detIVATerceros", 0);
    num(out, "detIVAUsoComun", doc.iva_uso_comun);
    num(out, "detLiqRutEmisor", 0);
    null(out, "detLiqDvEmisor");
    num(out, "detLiqValComNeto", 0);
    num(out, "detLiqValComExe", 0);
    num(out, "detLiqValComIVA", 0);
    num(out, "detIVAFueraPlazo", 0);
    let reference = doc.references.first();
    opt_num(
        out,
        "detTipoDocRef",
        reference.map(|r| i64::from(r.tipo_dte)),
    );
    opt_num(out, "detFolioDocRef", reference.map(|r| r.folio));
    if doc.tipo_dte == 110 {
        field(out, "detExpNumId");
        json_string(out, &format!("EXT{}", doc.folio % 100_000));
        out.push(',');
        num(out, "detExpNacionalidad", 225);
    } else {
        null(out, "detExpNumId");
        null(out, "detExpNacionalidad");
    }
    num(out, "detCredEc", 0);
    null(out, "detLey18211");
    num(out, "detDepEnvase", 0);
    null(out, "detIndSinCosto");
    null(out, "detIndServicio");
    num(out, "detMntNoFact", 0);
    num(out, "detMntPeriodo", 0);
    num(out, "detPsjNac", 0);
    num(out, "detPsjInt", 0);
    null(out, "detNumInt");
    num(out, "detCdgSIISucur", 0);
    num(out, "detEmisorNota", 0);
    num(out, "detTabPuros", 0);
    num(out, "detTabCigarrillos", 0);
    num(out, "detTabElaborado", 0);
    num(out, "detImpVehiculo", 0);
    num(out, "detTpoImp", 1);
    opt_num(
        out,
        "detTipoTransaccion",
        doc.transaction_type.map(|t| i64::from(t.code())),
    );
    field(out, "detEventoReceptor");
    json_opt_string(out, doc.receiver_event.as_deref());
    out.push(',');
    field(out, "detEventoReceptorLeyenda");
    json_opt_string(out, doc.receiver_event.as_deref().map(event_legend));
    out.push(',');
    num(out, "cambiarTipoTran", 0);
    num(out, "detPcarga", 1);
    field(out, "descTipoTransaccion");
    json_string(out, transaction_text(doc.operation, doc.transaction_type));
    out.push(',');
    let others: i64 = doc.other_taxes.iter().map(|t| t.valor).sum();
    opt_num(out, "totalDtoiMontoImp", (others != 0).then_some(others));
    null(out, "totalDinrMontoIVANoR");
    num(out, "emisorAgresivo", 0);
    null(out, "fechaActivacionAnotacion");
    field(out, "dcvEstadoContab");
    json_opt_string(out, doc.state.map(|s| s.as_str()));
    out.push('}');
}
