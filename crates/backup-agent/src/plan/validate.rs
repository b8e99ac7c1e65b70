//! From [`PlanSpec`] to [`Plan`]: every rule a plan must satisfy, with messages naming the
//! plan and the key.

use std::collections::{BTreeMap, BTreeSet};

use super::spec::{PlanSpec, RepositorySpec, SourceSpec};
use super::{
    CronSchedule, Drill, Maintenance, Plan, Repository, Retention, Secret, SecretSource, Source,
    SourceKind,
};

/// A plan that cannot be used, named by plan and key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("plan `{plan}`: `{key}`: {message}")]
pub struct PlanError {
    /// Plan name (or `#index` when the name itself is wrong).
    pub plan: String,
    /// Dotted key inside the plan.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// Validates every plan; the first problem found is returned.
pub fn validate_plans(specs: &[PlanSpec]) -> Result<Vec<Plan>, PlanError> {
    let mut seen = BTreeSet::new();
    let mut plans = Vec::with_capacity(specs.len());
    for (index, spec) in specs.iter().enumerate() {
        let label = if valid_name(&spec.name) {
            spec.name.clone()
        } else {
            format!("#{index}")
        };
        let err = |key: &str, message: String| PlanError {
            plan: label.clone(),
            key: key.to_owned(),
            message,
        };
        if !valid_name(&spec.name) {
            return Err(err("name", name_rule(&spec.name)));
        }
        if !seen.insert(spec.name.clone()) {
            return Err(err("name", "another plan has the same name".to_owned()));
        }
        plans.push(validate_plan(spec, &err)?);
    }
    Ok(plans)
}

fn validate_plan(
    spec: &PlanSpec,
    err: &dyn Fn(&str, String) -> PlanError,
) -> Result<Plan, PlanError> {
    let cron =
        |key: &str, text: &str| CronSchedule::parse(text).map_err(|m| err(key, m.to_string()));
    if spec.sources.is_empty() {
        return Err(err(
            "sources",
            "a plan needs at least one source".to_owned(),
        ));
    }
    let mut names = BTreeSet::new();
    let mut sources = Vec::new();
    for (i, source) in spec.sources.iter().enumerate() {
        let key = format!("sources[{i}]");
        if !valid_name(&source.name) {
            return Err(err(&format!("{key}.name"), name_rule(&source.name)));
        }
        if !names.insert(source.name.clone()) {
            return Err(err(
                &format!("{key}.name"),
                format!("source name `{}` is used twice", source.name),
            ));
        }
        sources.push(validate_source(source, &key, err)?);
    }
    let r = &spec.retention;
    let retention = Retention {
        last: r.last,
        hourly: r.hourly,
        daily: r.daily,
        weekly: r.weekly,
        monthly: r.monthly,
        yearly: r.yearly,
    };
    if retention.last
        + retention.hourly
        + retention.daily
        + retention.weekly
        + retention.monthly
        + retention.yearly
        == 0
    {
        return Err(err(
            "retention",
            "every keep count is 0: forget would delete every snapshot".to_owned(),
        ));
    }
    if spec.alert_after_hours == 0 {
        return Err(err(
            "alert_after_hours",
            "must be at least 1 (hours without a successful backup before an alert)".to_owned(),
        ));
    }
    if spec.maintenance.read_data_cycle == 0 {
        return Err(err(
            "maintenance.read_data_cycle",
            "must be at least 1".to_owned(),
        ));
    }
    let maintenance = Maintenance {
        prune: cron(
            "maintenance.prune_schedule",
            &spec.maintenance.prune_schedule,
        )?,
        check: cron(
            "maintenance.check_schedule",
            &spec.maintenance.check_schedule,
        )?,
        read_data_cycle: spec.maintenance.read_data_cycle,
    };
    let scratch_postgres = match &spec.drill.scratch_postgres_url_env {
        Some(var) => Some(
            SecretSource::Env(var.clone())
                .read()
                .map_err(|m| err("drill.scratch_postgres_url_env", m.to_string()))?,
        ),
        None => None,
    };
    let drill = Drill {
        schedule: cron("drill.schedule", &spec.drill.schedule)?,
        max_snapshot_age: chrono::Duration::hours(i64::from(spec.drill.max_snapshot_age_hours)),
        scratch_postgres,
    };
    let primary = validate_repository(&spec.repositories.primary, "repositories.primary", err)?;
    let mut repo_names = BTreeSet::from([primary.name.clone()]);
    let mut offsite = Vec::new();
    for (i, repo) in spec.repositories.offsite.iter().enumerate() {
        let key = format!("repositories.offsite[{i}]");
        let repo = validate_repository(repo, &key, err)?;
        if !repo_names.insert(repo.name.clone()) {
            return Err(err(
                &format!("{key}.name"),
                format!("repository name `{}` is used twice", repo.name),
            ));
        }
        offsite.push(repo);
    }
    Ok(Plan {
        name: spec.name.clone(),
        schedule: cron("schedule", &spec.schedule)?,
        sources,
        retention,
        maintenance,
        drill,
        primary,
        offsite,
        alert_after_hours: spec.alert_after_hours,
    })
}

fn validate_source(
    source: &SourceSpec,
    key: &str,
    err: &dyn Fn(&str, String) -> PlanError,
) -> Result<Source, PlanError> {
    let kinds = usize::from(source.postgres.is_some())
        + usize::from(source.sqlite.is_some())
        + usize::from(source.directory.is_some());
    if kinds != 1 {
        return Err(err(
            key,
            format!(
                "source `{}` must have exactly one of `postgres`, `sqlite`, `directory`",
                source.name
            ),
        ));
    }
    let kind = if let Some(pg) = &source.postgres {
        let key = format!("{key}.postgres");
        let given = UrlGiven {
            url: pg.url.as_deref(),
            url_env: pg.url_env.as_deref(),
            url_file: pg.url_file.as_deref(),
        };
        let whose = format!("source `{}`", source.name);
        let (url, _) = given.read(&key, &whose, err, |url| {
            has_password(url).then(|| "the URL contains a password; passwords never live in the YAML: use `url_env`, `url_file` or a PGPASSFILE".to_owned())
        })?;
        if !(url.expose().starts_with("postgres://") || url.expose().starts_with("postgresql://")) {
            return Err(err(
                &key,
                "the URL must start with postgres:// or postgresql://".to_owned(),
            ));
        }
        if pg.compression > 9 {
            return Err(err(
                &format!("{key}.compression"),
                "must be 0-9 (pg_dump -Z)".to_owned(),
            ));
        }
        SourceKind::Postgres {
            url,
            compression: pg.compression,
        }
    } else if let Some(path) = &source.sqlite {
        SourceKind::Sqlite { path: path.clone() }
    } else if let Some(path) = &source.directory {
        SourceKind::Directory { path: path.clone() }
    } else {
        return Err(err(key, "no kind".to_owned()));
    };
    Ok(Source {
        name: source.name.clone(),
        kind,
    })
}

fn validate_repository(
    spec: &RepositorySpec,
    key: &str,
    err: &dyn Fn(&str, String) -> PlanError,
) -> Result<Repository, PlanError> {
    if spec.password.is_some() {
        return Err(err(
            &format!("{key}.password"),
            "a literal password is not allowed in the YAML: use `password_file` or `password_env`"
                .to_owned(),
        ));
    }
    if !valid_name(&spec.name) {
        return Err(err(&format!("{key}.name"), name_rule(&spec.name)));
    }
    let password = match (&spec.password_file, &spec.password_env) {
        (Some(file), None) => SecretSource::File(file.clone()),
        (None, Some(var)) => SecretSource::Env(var.clone()),
        _ => {
            return Err(err(
                key,
                format!(
                    "repository `{}` needs exactly one of `password_file` or `password_env`",
                    spec.name
                ),
            ));
        }
    };
    let given = UrlGiven {
        url: spec.url.as_deref(),
        url_env: spec.url_env.as_deref(),
        url_file: spec.url_file.as_deref(),
    };
    let whose = format!("repository `{}`", spec.name);
    let (location, url_key) = given.read(key, &whose, err, |url| {
        // Never echo the URL: it holds the credentials.
        has_userinfo(url).then(|| format!("{whose}: the URL contains credentials (`user:password@`); secrets never live in the YAML: put the URL in `url_env` or `url_file`"))
    })?;
    let url = location.expose().trim();
    let scheme_ok = url.starts_with("s3:")
        || url.starts_with("rest:")
        || url.starts_with('/')
        || url.starts_with("./")
        || url.starts_with("local:")
        || !url.contains(':');
    if url.is_empty() || !scheme_ok {
        return Err(err(
            &url_key,
            format!(
                "`{}` is not a supported restic location (a path, `s3:…` or `rest:…`)",
                ofitec_domain::redact::url(url)
            ),
        ));
    }
    if spec.timeout_s == 0 {
        return Err(err(
            &format!("{key}.timeout_s"),
            "must be at least 1".to_owned(),
        ));
    }
    let mut env = BTreeMap::new();
    for (name, source) in &spec.env {
        if name.starts_with("RESTIC_") {
            return Err(err(
                &format!("{key}.env.{name}"),
                "RESTIC_* variables are set by the agent".to_owned(),
            ));
        }
        env.insert(name.clone(), source.clone());
    }
    Ok(Repository {
        name: spec.name.clone(),
        url: Secret::new(url.to_owned()),
        password,
        env,
        timeout: std::time::Duration::from_secs(spec.timeout_s),
        limit_upload_kib: spec.limit_upload_kib,
    })
}

/// Names end up in restic tags, file names and metric labels: keep them plain.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn name_rule(name: &str) -> String {
    format!("name `{name}` must be 1-64 characters of a-z, 0-9, `-` or `_`")
}

/// Whether a network repository URL (`rest:`, `s3:`) has a `user[:password]@` part.
/// A URL given in the YAML as exactly one of `url` (in clear: `refused` says why it may
/// not be, e.g. it holds a secret), `url_env` or `url_file`.
struct UrlGiven<'a> {
    url: Option<&'a str>,
    url_env: Option<&'a str>,
    url_file: Option<&'a std::path::Path>,
}

impl UrlGiven<'_> {
    /// The URL, and the key it came from (for later messages about it).
    fn read(
        &self,
        key: &str,
        whose: &str,
        err: &dyn Fn(&str, String) -> PlanError,
        refused: impl Fn(&str) -> Option<String>,
    ) -> Result<(Secret, String), PlanError> {
        match (self.url, self.url_env, self.url_file) {
            (Some(url), None, None) => {
                let url_key = format!("{key}.url");
                if let Some(why) = refused(url) {
                    return Err(err(&url_key, why));
                }
                Ok((Secret::new(url.trim().to_owned()), url_key))
            }
            (None, Some(var), None) => {
                let url_key = format!("{key}.url_env");
                let url = SecretSource::Env(var.to_owned())
                    .read()
                    .map_err(|m| err(&url_key, m.to_string()))?;
                Ok((url, url_key))
            }
            (None, None, Some(file)) => {
                let url_key = format!("{key}.url_file");
                let url = SecretSource::File(file.to_path_buf())
                    .read()
                    .map_err(|m| err(&url_key, m.to_string()))?;
                Ok((url, url_key))
            }
            _ => Err(err(
                key,
                format!("{whose} needs exactly one of `url`, `url_env` or `url_file`"),
            )),
        }
    }
}

fn has_userinfo(url: &str) -> bool {
    let url = url.trim();
    let Some(rest) = url
        .strip_prefix("rest:")
        .or_else(|| url.strip_prefix("s3:"))
    else {
        return false;
    };
    let after_scheme = rest.split_once("://").map_or(rest, |(_, after)| after);
    after_scheme
        .split('/')
        .next()
        .is_some_and(|authority| authority.contains('@'))
}

fn has_password(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or("");
    let userinfo_password = authority
        .rsplit_once('@')
        .is_some_and(|(userinfo, _)| userinfo.contains(':'));
    userinfo_password || url.contains("password=")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PlansFile;

    fn parse(yaml: &str) -> Result<Vec<Plan>, String> {
        let file: PlansFile = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
        validate_plans(&file.plans).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
plans:
  - name: platform
    schedule: "0 9-18 * * 1-5"
    sources:
      - name: gateway
        sqlite: data/sii-gateway.db
      - name: f29
        postgres: { url: "postgres://ofitec@db:5432/f29" }
      - name: config
        directory: config
    repositories:
      primary: { name: local, url: /var/backups/restic, password_file: /etc/restic.pass }
      offsite:
        - name: s3
          url: "s3:https://s3.example.com/bucket"
          password_env: RESTIC_OFFSITE_PASSWORD
          env: { AWS_SECRET_ACCESS_KEY: { env: OFFSITE_SECRET } }
"#;

    #[test]
    fn a_full_plan_validates_with_defaults() {
        let plans = parse(GOOD).unwrap_or_default();
        assert_eq!(plans.len(), 1);
        let plan = &plans[0];
        assert_eq!(
            plan.retention,
            Retention {
                last: 0,
                hourly: 0,
                daily: 7,
                weekly: 4,
                monthly: 12,
                yearly: 0
            }
        );
        assert_eq!(plan.sources.len(), 3);
        assert_eq!(plan.offsite.len(), 1);
        assert_eq!(plan.maintenance.read_data_cycle, 28);
        assert_eq!(plan.drill.max_snapshot_age, chrono::Duration::hours(26));
        assert_eq!(plan.alert_after_hours, 26);
        assert!(plan.has_postgres());
    }

    #[test]
    fn the_alert_threshold_is_per_plan_and_never_zero() {
        let weekend = GOOD.replace(
            "    repositories:",
            "    alert_after_hours: 64\n    repositories:",
        );
        let plans = parse(&weekend).unwrap_or_default();
        assert_eq!(plans.first().map(|p| p.alert_after_hours), Some(64));
        let zero = GOOD.replace(
            "    repositories:",
            "    alert_after_hours: 0\n    repositories:",
        );
        let err = parse(&zero).err().unwrap_or_default();
        assert!(
            err.contains("plan `platform`: `alert_after_hours`: must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn a_literal_password_is_refused_naming_plan_and_key() {
        let yaml = GOOD.replace("password_file: /etc/restic.pass", "password: hunter2");
        let err = parse(&yaml).err().unwrap_or_default();
        assert!(err.contains("plan `platform`"), "{err}");
        assert!(err.contains("repositories.primary.password"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn mistakes_name_the_plan_and_key() {
        let cases = [
            (GOOD.replace("name: platform", "name: Platform!"), "name"),
            (GOOD.replace("0 9-18 * * 1-5", "0 99 * * *"), "`schedule`"),
            (
                GOOD.replace("postgres://ofitec@db", "postgres://ofitec:pw@db"),
                "sources[1].postgres.url",
            ),
            (
                GOOD.replace(
                    "sqlite: data/sii-gateway.db",
                    "sqlite: a.db\n        directory: b",
                ),
                "sources[0]",
            ),
            (
                GOOD.replace("name: config", "name: gateway"),
                "sources[2].name",
            ),
            (
                GOOD.replace("url: /var/backups/restic", "url: \"ftp:x\""),
                "repositories.primary.url",
            ),
            (
                GOOD.replace(", password_file: /etc/restic.pass", ""),
                "repositories.primary",
            ),
        ];
        for (yaml, needle) in cases {
            let err = parse(&yaml).err().unwrap_or_default();
            assert!(err.contains(needle), "expected `{needle}` in `{err}`");
            assert!(!err.contains(":pw@"), "{err}");
        }
        let unknown = GOOD.replace("schedule:", "schedul:");
        assert!(parse(&unknown).is_err_and(|e| e.contains("unknown field `schedul`")));
    }

    #[test]
    fn repository_credentials_are_refused_in_the_yaml_without_being_shown() {
        for url in [
            "rest:http://backup:s3cr3t-pw@10.0.0.5:5585/ofitec",
            "rest:https://backup@rest.example.com/ofitec",
            "s3:http://key:s3cr3t-pw@minio:9000/bucket",
        ] {
            let yaml = GOOD.replace(
                "url: \"s3:https://s3.example.com/bucket\"",
                &format!("url: \"{url}\""),
            );
            let err = parse(&yaml).err().unwrap_or_default();
            assert!(
                err.contains("plan `platform`: `repositories.offsite[0].url`")
                    && err.contains("repository `s3`")
                    && err.contains("url_env"),
                "{err}"
            );
            assert!(!err.contains("s3cr3t") && !err.contains("backup@"), "{err}");
        }
        // A local path may hold `@` and `:`.
        let path = GOOD.replace("url: /var/backups/restic", "url: \"/srv/a:b@c/restic\"");
        assert!(parse(&path).is_ok());
    }

    #[test]
    fn a_repository_url_can_come_from_a_file_or_the_environment() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { return };
        let file = dir.path().join("offsite-url");
        let secret_url = "rest:https://backup:s3cr3t-pw@rest.example.com/ofitec";
        std::fs::write(&file, format!("{secret_url}\n")).unwrap_or_default();
        let yaml = GOOD.replace(
            "url: \"s3:https://s3.example.com/bucket\"",
            &format!("url_file: \"{}\"", file.display()),
        );
        let plans = parse(&yaml).unwrap_or_default();
        let offsite = plans.first().and_then(|p| p.offsite.first());
        assert_eq!(offsite.map(|r| r.url.expose()), Some(secret_url));
        assert_eq!(
            offsite.map(|r| r.redacted_url()).unwrap_or_default(),
            "rest:https://backup:***@rest.example.com/ofitec"
        );

        let var = "OFITEC_TEST_OFFSITE_URL_VALIDATE";
        let from_env = GOOD.replace(
            "url: \"s3:https://s3.example.com/bucket\"",
            &format!("url_env: {var}"),
        );
        let missing = parse(&from_env).err().unwrap_or_default();
        assert!(
            missing.contains("`repositories.offsite[0].url_env`")
                && missing.contains(&format!("{var} is not set")),
            "{missing}"
        );
        let both = GOOD.replace(
            "url: \"s3:https://s3.example.com/bucket\"",
            &format!("url: \"s3:https://s3.example.com/bucket\"\n          url_env: {var}"),
        );
        let err = parse(&both).err().unwrap_or_default();
        assert!(
            err.contains("exactly one of `url`, `url_env` or `url_file`"),
            "{err}"
        );

        // A bad location read from a file is explained without its credentials.
        std::fs::write(&file, "ftp://backup:s3cr3t-pw@host/x\n").unwrap_or_default();
        let err = parse(&yaml).err().unwrap_or_default();
        assert!(err.contains("not a supported restic location"), "{err}");
        assert!(!err.contains("s3cr3t"), "{err}");
    }
}
