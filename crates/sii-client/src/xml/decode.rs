//! Turning XML bytes into text. `roxmltree` only reads `&str` and ignores the declared
//! encoding, so the declaration is honoured here, before parsing.

use std::borrow::Cow;

use encoding_rs::Encoding;

/// Why bytes could not be read as XML text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The declaration names an encoding we do not know.
    #[error("unsupported XML encoding `{0}`")]
    UnsupportedEncoding(String),
    /// The bytes are not valid in the declared (or default UTF-8) encoding.
    #[error("the document is not valid {0}")]
    Malformed(&'static str),
}

/// Decodes an XML document: a byte-order mark wins, then the `encoding` of the XML
/// declaration, else UTF-8 (the XML default). ISO-8859-1 is read as windows-1252, as every
/// browser and SII's own tools do; the two differ only in C1 control characters, which
/// never appear in SII documents.
pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, DecodeError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return decode_with(encoding, &bytes[bom_len..]);
    }
    let encoding = match declared_encoding(bytes) {
        Some(label) => Encoding::for_label(label.as_bytes())
            .ok_or_else(|| DecodeError::UnsupportedEncoding(label.clone()))?,
        None => encoding_rs::UTF_8,
    };
    decode_with(encoding, bytes)
}

fn decode_with<'a>(
    encoding: &'static Encoding,
    bytes: &'a [u8],
) -> Result<Cow<'a, str>, DecodeError> {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(DecodeError::Malformed(encoding.name()));
    }
    Ok(text)
}

/// The `encoding` pseudo-attribute of a leading `<?xml …?>`, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let rest = bytes.strip_prefix(b"<?xml")?;
    let end = rest.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let after = &decl[decl.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(value[..value.find(quote)?].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_the_declaration() {
        let latin1 = b"<?xml version='1.0' encoding='ISO-8859-1'?><a>Mu\xf1oz</a>";
        assert_eq!(
            decode(latin1).as_deref(),
            Ok("<?xml version='1.0' encoding='ISO-8859-1'?><a>Muñoz</a>")
        );
        let cp1252 = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>\x80 Germ\xe1n</a>";
        assert_eq!(
            decode(cp1252).as_deref(),
            Ok("<?xml version=\"1.0\" encoding=\"windows-1252\"?><a>€ Germán</a>")
        );
        assert_eq!(decode("<a>ñ</a>".as_bytes()).as_deref(), Ok("<a>ñ</a>"));
        assert_eq!(decode(b"\xef\xbb\xbf<a/>").as_deref(), Ok("<a/>"));
    }

    #[test]
    fn rejects_what_it_cannot_read() {
        assert_eq!(
            decode(b"<a>Mu\xf1oz</a>"),
            Err(DecodeError::Malformed("UTF-8"))
        );
        assert_eq!(
            decode(b"<?xml version='1.0' encoding='klingon'?><a/>"),
            Err(DecodeError::UnsupportedEncoding("klingon".into()))
        );
    }
}
