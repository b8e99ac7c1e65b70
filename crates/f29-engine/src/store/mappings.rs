//! Stored mapping documents: scope `""` replaces the shipped default for everyone, a
//! company RUT overrides it for that company. The YAML is stored as given (comments and
//! all) after the service validated it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use ofitec_platform::db::DbConnection;

use super::schema::mappings;
use super::{StoreError, naive, utc};

/// A stored mapping document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMapping {
    /// `""` (default) or a company RUT.
    pub scope: String,
    /// The YAML.
    pub yaml: String,
    /// When it was stored.
    pub updated_at: DateTime<Utc>,
    /// Who stored it.
    pub updated_by: String,
}

/// The document of `scope`, if one is stored.
pub fn get(conn: &mut DbConnection, scope: &str) -> Result<Option<StoredMapping>, StoreError> {
    let row: Option<(String, String, chrono::NaiveDateTime, String)> = mappings::table
        .find(scope)
        .select((
            mappings::scope,
            mappings::yaml,
            mappings::updated_at,
            mappings::updated_by,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(scope, yaml, at, by)| StoredMapping {
        scope,
        yaml,
        updated_at: utc(at),
        updated_by: by,
    }))
}

/// Stores (or replaces) the document of `scope`.
pub fn put(
    conn: &mut DbConnection,
    scope: &str,
    yaml: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        // Delete then insert: the portable upsert for both backends.
        diesel::delete(mappings::table.find(scope)).execute(conn)?;
        diesel::insert_into(mappings::table)
            .values((
                mappings::scope.eq(scope),
                mappings::yaml.eq(yaml),
                mappings::updated_at.eq(naive(at)),
                mappings::updated_by.eq(by),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Removes the document of `scope`; returns whether one existed.
pub fn delete(conn: &mut DbConnection, scope: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(mappings::table.find(scope)).execute(conn)? > 0)
}
