//! diesel table definitions, the same for both backends (see the migrations).

diesel::table! {
    declarations (company, period) {
        company -> Text,
        period -> Text,
        status -> Text,
        latest_version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    declaration_versions (company, period, version) {
        company -> Text,
        period -> Text,
        version -> Integer,
        codes -> Text,
        inputs -> Text,
        findings -> Text,
        details -> Text,
        mapping -> Text,
        documents -> BigInt,
        computed_at -> Timestamp,
        computed_by -> Text,
    }
}

diesel::table! {
    declaration_transitions (id) {
        id -> BigInt,
        company -> Text,
        period -> Text,
        status -> Text,
        version -> Integer,
        changed_by -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    mappings (scope) {
        scope -> Text,
        yaml -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    utm_values (month) {
        month -> Text,
        pesos -> BigInt,
        source -> Text,
        seeded -> Bool,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    holiday_years (year) {
        year -> Integer,
        seeded -> Bool,
        set_by -> Text,
        set_at -> Timestamp,
    }
}

diesel::table! {
    holidays (day) {
        day -> Text,
        year -> Integer,
        name -> Text,
        source -> Text,
    }
}
