//! Qualified names as written in the source. C14N keeps prefixes, but `roxmltree` only
//! exposes the resolved namespace URI, and a URI may be bound to several prefixes; so the
//! name is read back from the input text at the node's position, checked against what the
//! parser resolved, and only rebuilt from the namespace map when that fails.

use std::borrow::Cow;

use roxmltree::{Attribute, Node};

/// The XML namespace, bound to `xml` by definition.
pub(super) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The element's qualified name (`prefix:local` or `local`).
pub(super) fn element<'input>(node: Node<'_, 'input>) -> Cow<'input, str> {
    let tag = node.tag_name();
    let text = node.document().input_text();
    let written = text
        .get(node.range().start..)
        .and_then(|rest| rest.strip_prefix('<'))
        .map(|rest| {
            let end = rest
                .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
                .unwrap_or(rest.len());
            &rest[..end]
        });
    if let Some(name) = written.filter(|name| matches_element(node, name)) {
        return Cow::Borrowed(name);
    }
    match tag.namespace().and_then(|uri| node.lookup_prefix(uri)) {
        Some(prefix) => Cow::Owned(format!("{prefix}:{}", tag.name())),
        None => Cow::Borrowed(tag.name()),
    }
}

fn matches_element(node: Node<'_, '_>, written: &str) -> bool {
    let tag = node.tag_name();
    match written.split_once(':') {
        Some((prefix, local)) => {
            local == tag.name()
                && tag.namespace().is_some()
                && node.lookup_namespace_uri(Some(prefix)) == tag.namespace()
        }
        None => written == tag.name() && node.default_namespace() == tag.namespace(),
    }
}

/// The attribute's qualified name.
pub(super) fn attribute<'input>(
    element: Node<'_, 'input>,
    attr: &Attribute<'_, 'input>,
) -> Cow<'input, str> {
    let text = element.document().input_text();
    let written = text.get(attr.range_qname());
    let valid = written.is_some_and(|name| match (name.split_once(':'), attr.namespace()) {
        (Some((prefix, local)), Some(uri)) => {
            local == attr.name()
                && (uri == XML_NS && prefix == "xml"
                    || element.lookup_namespace_uri(Some(prefix)) == Some(uri))
        }
        (None, None) => name == attr.name(),
        _ => false,
    });
    if let (true, Some(name)) = (valid, written) {
        return Cow::Borrowed(name);
    }
    match attr.namespace() {
        Some(XML_NS) => Cow::Owned(format!("xml:{}", attr.name())),
        Some(uri) => match element.lookup_prefix(uri) {
            Some(prefix) => Cow::Owned(format!("{prefix}:{}", attr.name())),
            None => Cow::Borrowed(attr.name()),
        },
        None => Cow::Borrowed(attr.name()),
    }
}
