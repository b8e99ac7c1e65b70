//! Decoding fields: SII's exports are UTF-8 from some sources and Latin-1 from others. The
//! first non-ASCII text field decides for the file (valid UTF-8, or else Latin-1); a later
//! field that is not valid UTF-8 is still read as Latin-1, so nothing is ever refused.

use std::borrow::Cow;

/// The file's text encoding, once known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Encoding {
    /// Nothing but ASCII so far.
    #[default]
    Unknown,
    /// UTF-8.
    Utf8,
    /// ISO-8859-1, read as windows-1252 (a superset for printable text).
    Latin1,
}

impl Encoding {
    /// Decodes one field, learning the encoding from the first non-ASCII one.
    pub(super) fn decode<'a>(&mut self, bytes: &'a [u8]) -> Cow<'a, str> {
        if bytes.is_ascii() {
            // ASCII is valid in both; no allocation.
            return Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default());
        }
        match (*self, std::str::from_utf8(bytes)) {
            (Encoding::Latin1, _) => latin1(bytes),
            (_, Ok(text)) => {
                *self = Encoding::Utf8;
                Cow::Borrowed(text)
            }
            (_, Err(_)) => {
                if *self == Encoding::Unknown {
                    *self = Encoding::Latin1;
                }
                latin1(bytes)
            }
        }
    }
}

fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    encoding_rs::WINDOWS_1252
        .decode_without_bom_handling(bytes)
        .0
}

/// A field as text for numbers, dates and codes: ASCII only, trimmed; `None` when the
/// bytes are not ASCII (then the caller reports the field as invalid).
pub(super) fn ascii(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        std::str::from_utf8(bytes).ok().map(str::trim)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_the_encoding() {
        let mut enc = Encoding::default();
        assert_eq!(enc.decode(b"Fake"), "Fake");
        assert_eq!(enc, Encoding::Unknown);
        assert_eq!(enc.decode(b"Mu\xf1oz"), "Muñoz");
        assert_eq!(enc, Encoding::Latin1);
        // Once Latin-1, bytes that happen to be valid UTF-8 stay Latin-1.
        assert_eq!(enc.decode("ñ".as_bytes()), "Ã±");
        let mut enc = Encoding::default();
        assert_eq!(enc.decode("Muñoz".as_bytes()), "Muñoz");
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(enc.decode(b"Pe\xf1a"), "Peña");
    }
}
