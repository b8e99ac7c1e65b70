//! The values authentication produces.

use std::fmt;

/// A seed (`SEMILLA`): a digit string kept as text, leading zeros included. Single use,
/// valid for two minutes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Seed(String);

impl Seed {
    /// Accepts one or more ASCII digits (SII sends 12).
    pub fn new(text: &str) -> Option<Seed> {
        let text = text.trim();
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Seed(text.to_owned()))
    }

    /// The digits, as SII sent them.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A session token (`TOKEN`): a secret. `Debug` and `Display` show only its first four
/// characters, enough to tell two tokens apart in a status page.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Token(String);

impl Token {
    /// Accepts a non-empty token of printable ASCII that can travel in a cookie (no space,
    /// `;`, `,`, `"` or `\`). SII's own are 12-13 upper-case letters and digits, but neither
    /// the alphabet nor the length is documented, and browser-session tokens pasted by hand
    /// must fit too.
    pub fn new(text: &str) -> Option<Token> {
        let text = text.trim();
        let cookie_safe = |b: u8| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'"' | b'\\');
        (!text.is_empty() && text.bytes().all(cookie_safe)).then(|| Token(text.to_owned()))
    }

    /// The token itself, for the `Cookie: TOKEN=…` header and `conversationId`. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// At most the first four characters, the most a status may show.
    pub fn prefix(&self) -> &str {
        let end = self
            .0
            .char_indices()
            .nth(4)
            .map_or(self.0.len(), |(i, _)| i);
        &self.0[..end]
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({}…)", self.prefix())
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}…", self.prefix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_keep_leading_zeros() {
        assert_eq!(
            Seed::new(" 000000000078 ")
                .map(|s| s.to_string())
                .as_deref(),
            Some("000000000078")
        );
        assert_eq!(Seed::new("12a"), None);
        assert_eq!(Seed::new(""), None);
    }

    #[test]
    fn tokens_do_not_print() {
        let token = Token::new("XAuSbYXiNh9Ik");
        let Some(token) = token else {
            panic!("valid token")
        };
        assert_eq!(format!("{token:?}"), "Token(XAuS…)");
        assert_eq!(token.to_string(), "XAuS…");
        assert_eq!(token.expose(), "XAuSbYXiNh9Ik");
        assert_eq!(
            Token::new("abc").map(|t| t.prefix().to_owned()).as_deref(),
            Some("abc")
        );
        assert_eq!(Token::new("has space"), None);
        assert_eq!(Token::new("a;b"), None);
        assert!(Token::new("Ab-12_x.Y").is_some());
    }
}
