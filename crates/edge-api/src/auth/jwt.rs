//! Bearer JWT verification.
//!
//! Algorithms are configured explicitly. HS256 is accepted only with the development secret
//! and only outside production; RS*/ES* only with configured public keys (PEM files or a
//! JWKS file). A token's key is chosen from its header's algorithm *family* (and `kid`), so a
//! token "signed" with HS256 using an RSA public key as the secret is checked against the
//! development secret, never against the RSA key (the classic algorithm-confusion attack);
//! `alg: none` does not even parse.

use std::path::Path;

use anyhow::{Context as _, bail};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey, Header, Validation};
use ofitec_domain::identity::{Caller, Role};
use ofitec_platform::config::Environment;
use serde::{Deserialize, Serialize};

use super::config::AuthConfig;
use super::principal::{AuthKind, Principal, company_scope, highest_role};

/// Why a token was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRejection {
    /// Signature, format, issuer, audience, algorithm or claims are wrong.
    Invalid(String),
    /// `exp` has passed (beyond the leeway).
    Expired,
}

/// A public key with the facts that select it.
struct VerifyingKey {
    kid: Option<String>,
    family: AlgorithmFamily,
    key: DecodingKey,
}

/// Verifies bearer tokens.
pub struct JwtVerifier {
    dev_key: Option<(DecodingKey, EncodingKey)>,
    keys: Vec<VerifyingKey>,
    algorithms: Vec<Algorithm>,
    issuer: Option<String>,
    audience: Option<String>,
    leeway_s: u64,
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtVerifier")
            .field("dev_key", &self.dev_key.is_some())
            .field("keys", &self.keys.len())
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

/// The claims edge-api reads.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// Subject.
    pub sub: String,
    /// Role names (`viewer`, `operator`, `admin`); a single string is accepted too.
    #[serde(default, deserialize_with = "one_or_many")]
    pub roles: Vec<String>,
    /// Visible companies: RUTs, or `*`.
    #[serde(default, deserialize_with = "one_or_many")]
    pub companies: Vec<String>,
    /// Expiry (Unix seconds).
    pub exp: u64,
    /// Issued at (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// Not before (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

impl JwtVerifier {
    /// Builds the verifier, refusing a development secret in production and keys without
    /// an explicitly accepted algorithm.
    pub fn from_config(auth: &AuthConfig, environment: Environment) -> anyhow::Result<JwtVerifier> {
        let dev_key = match &auth.dev_secret {
            Some(_) if environment == Environment::Production => {
                bail!(
                    "auth.dev_secret is set but environment is production: development tokens are refused in production (configure auth.jwt with your SSO's public keys)"
                )
            }
            Some(secret) if secret.expose().len() < 32 => {
                bail!("auth.dev_secret must be at least 32 characters")
            }
            Some(secret) => Some((
                DecodingKey::from_secret(secret.expose().as_bytes()),
                EncodingKey::from_secret(secret.expose().as_bytes()),
            )),
            None => None,
        };

        let mut algorithms = Vec::new();
        for name in &auth.jwt.algorithms {
            let alg: Algorithm = name
                .parse()
                .map_err(|_| anyhow::anyhow!("auth.jwt.algorithms: unknown algorithm `{name}`"))?;
            if matches!(alg.family(), AlgorithmFamily::Hmac) {
                bail!(
                    "auth.jwt.algorithms: `{name}` is a shared-secret algorithm; only the development secret uses HS256"
                );
            }
            algorithms.push(alg);
        }

        let mut keys = Vec::new();
        for path in &auth.jwt.public_key_files {
            keys.push(load_pem(path)?);
        }
        if let Some(path) = &auth.jwt.jwks_file {
            keys.extend(load_jwks(path)?);
        }
        if !keys.is_empty() && algorithms.is_empty() {
            bail!(
                "auth.jwt has public keys but no `algorithms`: list the accepted ones explicitly (e.g. [RS256])"
            );
        }
        for alg in &algorithms {
            if !keys.iter().any(|k| k.family == alg.family()) {
                bail!(
                    "auth.jwt.algorithms lists {alg:?} but no configured key belongs to its family"
                );
            }
        }
        Ok(JwtVerifier {
            dev_key,
            keys,
            algorithms,
            issuer: auth.jwt.issuer.clone(),
            audience: auth.jwt.audience.clone(),
            leeway_s: auth.jwt.leeway_s,
        })
    }

    /// Whether any token could ever be accepted.
    pub fn is_configured(&self) -> bool {
        self.dev_key.is_some() || !self.keys.is_empty()
    }

    /// Verifies `token` and returns the principal it names.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenRejection> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| TokenRejection::Invalid("malformed token".to_owned()))?;
        let candidates: Vec<&DecodingKey> = if header.alg == Algorithm::HS256 {
            self.dev_key.iter().map(|(d, _)| d).collect()
        } else if self.algorithms.contains(&header.alg) {
            self.keys
                .iter()
                .filter(|k| k.family == header.alg.family())
                .filter(|k| match (&header.kid, &k.kid) {
                    (Some(wanted), Some(kid)) => wanted == kid,
                    _ => true,
                })
                .map(|k| &k.key)
                .collect()
        } else {
            Vec::new()
        };
        if candidates.is_empty() {
            return Err(TokenRejection::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }

        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.leeway = self.leeway_s;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        match &self.audience {
            Some(audience) => {
                validation.set_audience(&[audience]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        validation.set_required_spec_claims(&required);

        let mut last = TokenRejection::Invalid("signature does not verify".to_owned());
        for key in candidates {
            match jsonwebtoken::decode::<Claims>(token, key, &validation) {
                Ok(data) => return principal(data.claims),
                Err(e) => {
                    last = match e.kind() {
                        ErrorKind::ExpiredSignature => return Err(TokenRejection::Expired),
                        ErrorKind::ImmatureSignature => {
                            TokenRejection::Invalid("token is not valid yet (nbf)".to_owned())
                        }
                        ErrorKind::InvalidIssuer => {
                            TokenRejection::Invalid("wrong issuer".to_owned())
                        }
                        ErrorKind::InvalidAudience => {
                            TokenRejection::Invalid("wrong audience".to_owned())
                        }
                        ErrorKind::MissingRequiredClaim(c) => {
                            TokenRejection::Invalid(format!("missing claim `{c}`"))
                        }
                        ErrorKind::Json(_) => TokenRejection::Invalid(
                            "claims are not what edge-api expects".to_owned(),
                        ),
                        _ => TokenRejection::Invalid("signature does not verify".to_owned()),
                    };
                }
            }
        }
        Err(last)
    }

    /// Signs a development token (HS256 with the development secret).
    pub fn issue_dev_token(
        &self,
        sub: &str,
        role: Role,
        companies: &[String],
        ttl_s: u64,
    ) -> anyhow::Result<String> {
        let Some((_, encoding)) = &self.dev_key else {
            bail!("no auth.dev_secret configured: development tokens cannot be issued");
        };
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: sub.to_owned(),
            roles: vec![role.as_str().to_owned()],
            companies: companies.to_vec(),
            exp: now + ttl_s,
            iat: Some(now),
            nbf: Some(now),
            iss: self.issuer.clone(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, encoding)
            .context("signing the token")
    }
}

fn principal(claims: Claims) -> Result<Principal, TokenRejection> {
    if claims.sub.trim().is_empty() {
        return Err(TokenRejection::Invalid("empty `sub`".to_owned()));
    }
    let role = highest_role(claims.roles.iter().map(String::as_str)).ok_or_else(|| {
        TokenRejection::Invalid("no known role in `roles` (viewer, operator, admin)".to_owned())
    })?;
    let companies = company_scope(&claims.companies).map_err(TokenRejection::Invalid)?;
    Ok(Principal {
        caller: Caller {
            sub: claims.sub,
            role,
            companies,
        },
        kind: AuthKind::Jwt,
    })
}

fn load_pem(path: &Path) -> anyhow::Result<VerifyingKey> {
    let pem = std::fs::read(path)
        .with_context(|| format!("reading JWT public key {}", path.display()))?;
    if let Ok(key) = DecodingKey::from_rsa_pem(&pem) {
        return Ok(VerifyingKey {
            kid: None,
            family: AlgorithmFamily::Rsa,
            key,
        });
    }
    if let Ok(key) = DecodingKey::from_ec_pem(&pem) {
        return Ok(VerifyingKey {
            kid: None,
            family: AlgorithmFamily::Ec,
            key,
        });
    }
    bail!(
        "{} is not an RSA or EC public key in PEM form",
        path.display()
    )
}

fn load_jwks(path: &Path) -> anyhow::Result<Vec<VerifyingKey>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading JWKS {}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a JWKS document", path.display()))?;
    let mut keys = Vec::new();
    for jwk in &set.keys {
        let key = DecodingKey::from_jwk(jwk)
            .with_context(|| format!("unusable key in {}", path.display()))?;
        keys.push(VerifyingKey {
            kid: jwk.common.key_id.clone(),
            family: key.family(),
            key,
        });
    }
    Ok(keys)
}
