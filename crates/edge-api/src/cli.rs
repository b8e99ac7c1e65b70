//! The `edge-api` command line: serve (default), issue development tokens, make API keys,
//! print the OpenAPI document.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use ofitec_domain::Rut;
use ofitec_domain::identity::Role;

/// edge-api: REST + SSE for the frontend and integrations on port 5555.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// YAML configuration file; environment variables (OFITEC__…) override it.
    #[arg(long, env = "OFITEC_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// What to do; serving is the default.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Print a development token signed with `auth.dev_secret` (refused in production).
    Token {
        /// Subject (user id).
        #[arg(long)]
        sub: String,
        /// Role: viewer, operator or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A company RUT the token may access (repeat for several), or `*` for all.
        #[arg(long = "company", required = true, value_parser = parse_company)]
        companies: Vec<String>,
        /// Lifetime, e.g. `8h`, `30m`, `1d`, `3600s`.
        #[arg(long, default_value = "8h", value_parser = parse_ttl)]
        ttl: Duration,
    },
    /// Generate a new API key: prints the key once and the entry for the key file.
    ApiKey {
        /// Name of the integration.
        #[arg(long)]
        name: String,
        /// Role: viewer, operator or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// A company RUT the key may access (repeat for several), or `*` for all.
        #[arg(long = "company", required = true, value_parser = parse_company)]
        companies: Vec<String>,
    },
    /// Print the OpenAPI document (the one `GET /api/openapi.json` serves) and exit; needs
    /// no configuration, so a frontend can generate its client without a running platform.
    Openapi,
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}

fn parse_company(text: &str) -> Result<String, String> {
    if text.trim() == "*" {
        return Ok("*".to_owned());
    }
    Rut::parse(text)
        .map(|r| r.to_string())
        .map_err(|e| e.to_string())
}

/// `8h`, `30m`, `1d`, `45s` or plain seconds.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 8h, 30m, 1d or 3600s"))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        "d" => value * 86_400,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use s, m, h or d)"
            ));
        }
    };
    if seconds == 0 {
        return Err("the lifetime must be positive".to_owned());
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("8h"), Ok(Duration::from_secs(28_800)));
        assert_eq!(parse_ttl("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_ttl("90"), Ok(Duration::from_secs(90)));
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("8 hours").is_err());
        assert!(parse_ttl("h").is_err());
    }

    #[test]
    fn companies_are_validated() {
        assert_eq!(parse_company("76.123.456-0"), Ok("76123456-0".to_owned()));
        assert_eq!(parse_company("*"), Ok("*".to_owned()));
        assert!(parse_company("76123456-1").is_err());
    }
}
