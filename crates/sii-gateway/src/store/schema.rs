//! diesel's view of the gateway's tables (kept by hand in step with `migrations/`; the
//! storage tests fail if they drift).

diesel::table! {
    rcv_documents (id) {
        id -> BigInt,
        company -> Text,
        period -> Text,
        operation -> Text,
        tipo_dte -> Integer,
        counterpart_rut -> Text,
        folio -> BigInt,
        state -> Text,
        transaction_type -> Integer,
        counterpart_name -> Text,
        issued_on -> Text,
        received_at -> Nullable<Text>,
        acknowledged_at -> Nullable<Text>,
        claimed_at -> Nullable<Text>,
        exento -> BigInt,
        neto -> BigInt,
        iva -> BigInt,
        iva_no_recuperable -> BigInt,
        iva_no_recuperable_code -> Integer,
        total -> BigInt,
        activo_fijo_neto -> BigInt,
        activo_fijo_iva -> BigInt,
        iva_uso_comun -> BigInt,
        sin_derecho_credito -> BigInt,
        iva_retenido_total -> BigInt,
        iva_retenido_parcial -> BigInt,
        iva_no_retenido -> BigInt,
        document_count -> Integer,
        extra -> Text,
        tasa_iva -> Nullable<Double>,
        other_taxes -> Text,
        doc_references -> Text,
        receiver_event -> Text,
        anulado -> SmallInt,
        vanished -> SmallInt,
        content_hash -> Text,
        last_job_id -> Text,
        updated_at -> Timestamp,
        other_references -> Text,
        warnings -> Text,
    }
}

diesel::table! {
    import_jobs (id) {
        id -> Text,
        batch_id -> Text,
        company -> Text,
        period -> Text,
        operation -> Text,
        status -> Text,
        attempts -> Integer,
        last_error_code -> Text,
        last_error_message -> Text,
        documents_fetched -> BigInt,
        documents_stored -> BigInt,
        documents_vanished -> BigInt,
        total_amount -> BigInt,
        requested_by -> Text,
        request_id -> Text,
        worker -> Text,
        next_attempt_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    import_events (id) {
        id -> BigInt,
        job_id -> Text,
        company -> Text,
        kind -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    period_imports (company, period, operation) {
        company -> Text,
        period -> Text,
        operation -> Text,
        last_imported_at -> Timestamp,
        sii_modified_at -> Text,
        last_job_id -> Text,
    }
}

diesel::table! {
    sii_summaries (company, period, operation, state, tipo_dte) {
        company -> Text,
        period -> Text,
        operation -> Text,
        state -> Text,
        tipo_dte -> Integer,
        documents -> BigInt,
        exento -> BigInt,
        neto -> BigInt,
        iva -> BigInt,
        total -> BigInt,
    }
}

diesel::table! {
    rcv_totals (company, period, operation, tipo_dte, state, anulado) {
        company -> Text,
        period -> Text,
        operation -> Text,
        tipo_dte -> Integer,
        state -> Text,
        anulado -> SmallInt,
        documents -> BigInt,
        lines -> BigInt,
        exento -> BigInt,
        neto -> BigInt,
        iva -> BigInt,
        total -> BigInt,
    }
}
