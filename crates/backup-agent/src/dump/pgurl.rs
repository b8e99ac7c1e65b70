//! Handing a PostgreSQL URL to pg_dump/pg_restore without its password in `argv` (where `ps`
//! shows it): the password moves to `PGPASSWORD` in the child's environment.

use ofitec_domain::Secret;

/// A URL split for a child process.
#[derive(Debug, Clone)]
pub struct PgTarget {
    /// The URL without a password.
    pub url: String,
    /// The password, for `PGPASSWORD`.
    pub password: Option<Secret>,
}

/// Splits `url` into a password-free URL and the password.
pub fn split(url: &Secret) -> PgTarget {
    let text = url.expose();
    let Some((scheme, rest)) = text.split_once("://") else {
        return PgTarget {
            url: text.to_owned(),
            password: None,
        };
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let mut password = None;
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, pw)) => {
                password = Some(Secret::new(percent_decode(pw)));
                format!("{user}@{host}")
            }
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    // `?password=…` is the other place libpq accepts one.
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|kv| {
                    if let Some(pw) = kv.strip_prefix("password=") {
                        password = Some(Secret::new(percent_decode(pw)));
                        false
                    } else {
                        true
                    }
                })
                .collect();
            if kept.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_owned(),
    };
    PgTarget {
        url: format!("{scheme}://{authority}{tail}"),
        password,
    }
}

/// The same server, another database: `postgres://u@h/x?q` → `postgres://u@h/<name>?q`.
pub fn with_database(url: &Secret, name: &str) -> Secret {
    let text = url.expose();
    let (base, query) = match text.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (text, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    Secret::new(match query {
        Some(q) => format!("{host_part}/{name}?{q}"),
        None => format!("{host_part}/{name}"),
    })
}

/// The database name of a URL.
pub fn database_name(url: &Secret) -> Option<String> {
    let text = url.expose();
    let base = text.split('?').next()?;
    let after = base.split_once("://")?.1;
    let (_, db) = after.split_once('/')?;
    (!db.is_empty()).then(|| percent_decode(db))
}

/// The URL with the password shown as `***`.
pub fn redacted(url: &Secret) -> String {
    ofitec_platform::db::DatabaseUrl::Postgres(url.expose().to_owned()).redacted()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(value) = u8::from_str_radix(hex, 16)
        {
            out.push(value);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url() {
        let t = split(&Secret::new(
            "postgres://u:p%40ss@h:5432/db?sslmode=disable",
        ));
        assert_eq!(t.url, "postgres://u@h:5432/db?sslmode=disable");
        assert_eq!(
            t.password.map(|p| p.expose().to_owned()).as_deref(),
            Some("p@ss")
        );
        let q = split(&Secret::new("postgres://u@h/db?password=x&a=b"));
        assert_eq!(q.url, "postgres://u@h/db?a=b");
        let none = split(&Secret::new("postgres://u@h/db"));
        assert!(none.password.is_none());
    }

    #[test]
    fn database_is_replaced_and_read() {
        let url = Secret::new("postgres://u:p@h:1/app?x=1");
        assert_eq!(
            with_database(&url, "s").expose(),
            "postgres://u:p@h:1/s?x=1"
        );
        assert_eq!(database_name(&url).as_deref(), Some("app"));
    }
}
