//! Recognising the HTML error pages SII's front ends serve when a service is down.

/// An HTML page: what SII's front ends serve when the service behind is down.
pub(crate) fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(512)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.contains("<html") || head.contains("<body")
}

/// The page title, or a fixed text: enough for a log line, without dumping the page.
pub(crate) fn html_summary(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let title = lower.find("<title>").and_then(|start| {
        let from = start + "<title>".len();
        lower[from..]
            .find("</title>")
            .and_then(|len| text.get(from..from + len))
    });
    match title.map(str::trim).filter(|t| !t.is_empty()) {
        Some(title) => format!("an HTML page (\"{}\") instead of XML", truncate(title, 120)),
        None => "an HTML page instead of XML".into(),
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}
