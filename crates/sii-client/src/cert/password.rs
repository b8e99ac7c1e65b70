//! The PKCS#12 password: read from a file or an environment variable, never printed.

use std::fmt;
use std::path::{Path, PathBuf};

/// A certificate password. `Debug` and `Display` print `***`; the only way to the text is
/// [`Password::expose`], which the loader calls.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Why a password could not be read. Names where it was looked for, never the value.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The password file could not be read.
    #[error("cannot read the certificate password file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The password file is not UTF-8 text.
    #[error("the certificate password file {0} is not UTF-8 text")]
    FileNotText(PathBuf),
    /// The environment variable is unset.
    #[error("the environment variable {0} (certificate password) is not set")]
    EnvMissing(String),
    /// The environment variable is not Unicode.
    #[error("the environment variable {0} (certificate password) is not valid Unicode")]
    EnvNotText(String),
}

impl Password {
    /// Wraps a password already in memory.
    pub fn new(value: impl Into<String>) -> Password {
        Password(value.into())
    }

    /// Reads the password from a file; one trailing line end (LF or CRLF) is dropped, since
    /// editors and `echo` add one, but other whitespace is kept: it may be part of it.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Password, PasswordError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|source| PasswordError::File {
            path: path.to_owned(),
            source,
        })?;
        let mut text =
            String::from_utf8(bytes).map_err(|_| PasswordError::FileNotText(path.to_owned()))?;
        if text.ends_with('\n') {
            text.pop();
            if text.ends_with('\r') {
                text.pop();
            }
        }
        Ok(Password(text))
    }

    /// Reads the password from an environment variable.
    pub fn from_env(var: &str) -> Result<Password, PasswordError> {
        match std::env::var(var) {
            Ok(value) => Ok(Password(value)),
            Err(std::env::VarError::NotPresent) => Err(PasswordError::EnvMissing(var.to_owned())),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(PasswordError::EnvNotText(var.to_owned()))
            }
        }
    }

    /// The secret itself, for the PKCS#12 decoder. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let password = Password::new("s3cr3t-value");
        assert_eq!(format!("{password:?}"), "Password(***)");
        assert_eq!(password.to_string(), "***");
        assert!(!format!("{password:?} {password} {password:#?}").contains("s3cr3t"));
        assert_eq!(password.expose(), "s3cr3t-value");
    }

    #[test]
    fn file_drops_one_line_end_only() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("pw");
        std::fs::write(&path, " spaced pw \r\n")?;
        assert_eq!(Password::from_file(&path)?.expose(), " spaced pw ");
        std::fs::write(&path, "a\n\n")?;
        assert_eq!(Password::from_file(&path)?.expose(), "a\n");
        let missing = Password::from_file(dir.path().join("nope"));
        assert!(matches!(missing, Err(PasswordError::File { .. })));
        std::fs::write(&path, b"\xff\xfe")?;
        let err = Password::from_file(&path).err().map(|e| e.to_string());
        assert!(err.is_some_and(|m| m.contains("not UTF-8") && !m.contains('\u{fffd}')));
        Ok(())
    }

    #[test]
    fn env_missing_names_the_variable() {
        let err = Password::from_env("OFITEC_SURELY_UNSET_PASSWORD_VAR");
        assert_eq!(
            err.err().map(|e| e.to_string()).as_deref(),
            Some(
                "the environment variable OFITEC_SURELY_UNSET_PASSWORD_VAR (certificate password) is not set"
            )
        );
    }
}
