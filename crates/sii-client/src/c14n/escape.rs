//! C14N's escaping rules (spec §2.3): text escapes `&`, `<`, `>` and CR; attribute values
//! escape `&`, `<`, `"`, TAB, LF and CR; PI and comment contents are copied as they are.

/// Appends text-node content.
pub(super) fn text(value: &str, out: &mut String) {
    escape(value, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Appends an attribute (or namespace) value.
pub(super) fn attribute(value: &str, out: &mut String) {
    escape(value, out, |c| match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '"' => Some("&quot;"),
        '\t' => Some("&#x9;"),
        '\n' => Some("&#xA;"),
        '\r' => Some("&#xD;"),
        _ => None,
    });
}

/// Appends PI data or comment text. Nothing is escaped there: references are not expanded
/// inside them and line ends were already normalised to LF by the parser.
pub(super) fn pi_or_comment(value: &str, out: &mut String) {
    out.push_str(value);
}

/// Copies `value`, replacing the characters `rule` maps, in runs (no per-char pushes).
fn escape(value: &str, out: &mut String, rule: impl Fn(char) -> Option<&'static str>) {
    let mut last = 0;
    for (index, c) in value.char_indices() {
        if let Some(replacement) = rule(c) {
            out.push_str(&value[last..index]);
            out.push_str(replacement);
            last = index + c.len_utf8();
        }
    }
    out.push_str(&value[last..]);
}
