//! URLs shown without their credentials. Database, broker and backup repository URLs may carry
//! a password in three places: `user:password@host`, libpq's `?password=`, and token-like
//! query parameters (`token=`, `access_token=`, `api_key=`, S3 signatures). Logs, errors,
//! metrics and the backup catalog only ever see [`url`]'s result.

/// Query parameters whose value is a credential (compared case-insensitively).
const SECRET_PARAMETERS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
    "key",
    "secret",
    "client_secret",
    "signature",
    "sig",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
];

/// What replaces a credential.
const MASK: &str = "***";

/// `text` with every credential of a URL replaced by `***`: the password of the user info
/// (the user name stays, it tells which account), and the value of every secret query
/// parameter. Text that is not a URL (a path, `sqlite://…`) comes back unchanged.
pub fn url(text: &str) -> String {
    let (head, query) = match text.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (text, None),
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&userinfo(head));
    if let Some(query) = query {
        out.push('?');
        let (query, fragment) = match query.split_once('#') {
            Some((q, f)) => (q, Some(f)),
            None => (query, None),
        };
        out.push_str(&parameters(query));
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
    }
    out
}

/// `scheme://user:password@host/path` → `scheme://user:***@host/path`; also behind a prefix
/// such as restic's `rest:` or `s3:`.
fn userinfo(head: &str) -> String {
    let Some((scheme, rest)) = head.split_once("://") else {
        return head.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((info, host)) => {
            let user = info.split_once(':').map_or(info, |(user, _)| user);
            if info.contains(':') {
                format!("{scheme}://{user}:{MASK}@{host}{path}")
            } else {
                // A lone user info may itself be a token (`https://TOKEN@host`).
                let shown = if looks_like_token(user) { MASK } else { user };
                format!("{scheme}://{shown}@{host}{path}")
            }
        }
        None => head.to_owned(),
    }
}

/// Long opaque user names are tokens (GitHub-style `https://ghp_…@host`).
fn looks_like_token(user: &str) -> bool {
    user.len() >= 32
}

fn parameters(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(name) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_secret(name: &str) -> bool {
    SECRET_PARAMETERS
        .iter()
        .any(|secret| secret.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_forms() {
        assert_eq!(
            url("postgres://ofitec:s3cret@db:5432/x?sslmode=require&password=other"),
            "postgres://ofitec:***@db:5432/x?sslmode=require&password=***"
        );
        assert_eq!(
            url("rest:http://u:secret@h:8200/repo"),
            "rest:http://u:***@h:8200/repo"
        );
        assert_eq!(
            url("amqp://guest:guest@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(
            url("https://h/x?access_token=abc&limit=5#frag"),
            "https://h/x?access_token=***&limit=5#frag"
        );
        assert_eq!(
            url("s3:https://s3.example/b?X-Amz-Signature=abc"),
            "s3:https://s3.example/b?X-Amz-Signature=***"
        );
        assert_eq!(url("/var/backups"), "/var/backups");
        assert_eq!(url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            url("https://ghp_0123456789abcdef0123456789abcdef@github.example/r"),
            "https://***@github.example/r"
        );
    }

    fn word() -> impl Strategy<Value = String> {
        "[A-Za-z0-9%._~-]{1,12}"
    }

    proptest! {
        /// Whatever the URL's shape, neither its password nor a secret parameter survives,
        /// and everything else (scheme, user, host, path, other parameters) does.
        #[test]
        fn secrets_never_survive(
            scheme in prop::sample::select(vec!["postgres", "postgresql", "amqp", "amqps", "rest:http", "s3:https", "https"]),
            user in word(),
            password in "[A-Za-z0-9!$()*+,;]{6,20}",
            host in "[a-z0-9.-]{1,15}",
            port in prop::option::of(1u16..),
            path in prop::option::of("[a-z0-9/_-]{0,20}"),
            secret_name in prop::sample::select(SECRET_PARAMETERS.to_vec()),
            upper in any::<bool>(),
            token in "[A-Za-z0-9]{8,24}",
            other in prop::option::of(("[a-z]{1,8}", word())),
            with_password in any::<bool>(),
        ) {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let path = path.map(|p| format!("/{p}")).unwrap_or_default();
            let info = if with_password { format!("{user}:{password}@") } else { format!("{user}@") };
            let name = if upper { secret_name.to_ascii_uppercase() } else { secret_name.to_owned() };
            let other_pair = other.as_ref().filter(|(n, _)| !is_secret(n)).map(|(n, v)| format!("&{n}={v}"));
            let text = format!("{scheme}://{info}{host}{port}{path}?{name}={token}{}", other_pair.clone().unwrap_or_default());
            let shown = url(&text);
            if with_password {
                prop_assert!(!shown.contains(&format!(":{password}@")), "{shown}");
            }
            prop_assert!(!shown.contains(&format!("={token}")), "{shown}");
            prop_assert!(shown.starts_with(&format!("{scheme}://")), "{shown}");
            prop_assert!(shown.contains(&format!("{host}{port}{path}?")), "{shown}");
            if let Some(pair) = other_pair {
                prop_assert!(shown.ends_with(&pair), "{shown}");
            }
        }

        /// Text without credentials comes back as it was.
        #[test]
        fn clean_text_is_unchanged(text in "[a-z/._:-]{0,40}") {
            prop_assert_eq!(url(&text), text);
        }
    }
}
