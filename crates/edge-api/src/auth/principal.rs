//! The authenticated caller as edge-api sees it.

use std::collections::BTreeSet;

use ofitec_domain::Rut;
use ofitec_domain::identity::{Caller, CompanyScope, Role};

/// How the caller proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// A bearer JWT (a person, through the frontend or SSO).
    Jwt,
    /// An API key (an integration).
    ApiKey,
}

impl AuthKind {
    /// `jwt` / `api_key`, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Jwt => "jwt",
            AuthKind::ApiKey => "api_key",
        }
    }
}

/// An authenticated principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Identity passed to internal services.
    pub caller: Caller,
    /// How it authenticated.
    pub kind: AuthKind,
}

impl Principal {
    /// Subject (user id, or `apikey:<name>`).
    pub fn sub(&self) -> &str {
        &self.caller.sub
    }

    /// Whether `company` is visible to this principal.
    pub fn can_see(&self, company: &Rut) -> bool {
        self.caller.companies.allows(company)
    }

    /// The explicit companies, `None` meaning all.
    pub fn companies(&self) -> Option<Vec<Rut>> {
        self.caller.companies.list()
    }
}

/// Highest known role in a list of role names; unknown names are ignored so that an SSO
/// provider's extra roles do not lock people out.
pub fn highest_role<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<Role> {
    names
        .into_iter()
        .filter_map(|n| n.parse::<Role>().ok())
        .max()
}

/// Parses a `companies` claim: `"*"`, `["*"]` or a list of RUTs.
pub fn company_scope(values: &[String]) -> Result<CompanyScope, String> {
    if values.iter().any(|v| v.trim() == "*") {
        return Ok(CompanyScope::All);
    }
    let mut set = BTreeSet::new();
    for value in values {
        set.insert(Rut::parse(value).map_err(|e| format!("companies: {e}"))?);
    }
    Ok(CompanyScope::Only(set))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_take_the_highest_known() {
        assert_eq!(
            highest_role(["viewer", "admin", "operator"]),
            Some(Role::Admin)
        );
        assert_eq!(highest_role(["viewer", "superhero"]), Some(Role::Viewer));
        assert_eq!(highest_role(["superhero"]), None);
    }

    #[test]
    fn company_claims() {
        assert_eq!(company_scope(&["*".to_owned()]), Ok(CompanyScope::All));
        let scope = company_scope(&["76.123.456-0".to_owned()]).expect("valid");
        assert!(scope.allows(&Rut::parse("76123456-0").expect("rut")));
        assert!(!scope.allows(&Rut::parse("12345678-5").expect("rut")));
        assert!(company_scope(&["76123456-1".to_owned()]).is_err());
    }
}
