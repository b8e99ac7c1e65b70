//! Start tags: namespace declarations, then attributes, both in canonical order.

use std::borrow::Cow;

use roxmltree::Node;

use super::escape;
use super::qname::{self, XML_NS};

/// An attribute ready to be sorted: C14N orders by namespace URI, then local name, with
/// unqualified attributes (empty URI) first.
struct Attr<'a> {
    uri: &'a str,
    local: &'a str,
    qname: Cow<'a, str>,
    value: &'a str,
}

/// Writes `<name xmlns…="…" attr="…">`. `is_apex` marks the first element of the node-set,
/// which has no output parent and so declares every namespace in scope.
pub(super) fn start_tag(node: Node<'_, '_>, is_apex: bool, out: &mut String) {
    out.push('<');
    out.push_str(&qname::element(node));

    // Namespace declarations: those whose binding differs from the output parent's.
    let parent = if is_apex { None } else { node.parent_element() };
    let mut declarations: Vec<(&str, &str)> = node
        .namespaces()
        .filter_map(|ns| {
            let prefix = ns.name().unwrap_or("");
            let uri = ns.uri();
            let inherited = parent.map(|p| in_scope(p, prefix));
            let keep = match inherited {
                // The apex: every binding, except an empty default (`xmlns=""`), which
                // only ever undoes an outer default.
                None => !(prefix.is_empty() && uri.is_empty()),
                Some(parent_uri) => parent_uri.unwrap_or("") != uri,
            };
            keep.then_some((prefix, uri))
        })
        .collect();
    declarations.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (prefix, uri) in declarations {
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape::attribute(uri, out);
        out.push('"');
    }

    let mut attrs: Vec<Attr<'_>> = node
        .attributes()
        .map(|a| Attr {
            uri: a.namespace().unwrap_or(""),
            local: a.name(),
            qname: qname::attribute(node, &a),
            value: a.value(),
        })
        .collect();
    if is_apex {
        inherit_xml_attributes(node, &mut attrs);
    }
    attrs.sort_unstable_by(|a, b| (a.uri, a.local).cmp(&(b.uri, b.local)));
    for attr in attrs {
        out.push(' ');
        out.push_str(&attr.qname);
        out.push_str("=\"");
        escape::attribute(attr.value, out);
        out.push('"');
    }
    out.push('>');
}

/// The URI `prefix` is bound to on `element` (`""` = the default namespace), if any.
fn in_scope<'a>(element: Node<'a, '_>, prefix: &str) -> Option<&'a str> {
    element
        .namespaces()
        .find(|ns| ns.name().unwrap_or("") == prefix)
        .map(|ns| ns.uri())
}

/// C14N 1.0 §2.4: an apex whose ancestors are outside the node-set receives their `xml:*`
/// attributes (`xml:lang`, `xml:space`, `xml:base`, …), the nearest ancestor winning,
/// unless it has its own.
fn inherit_xml_attributes<'a>(node: Node<'a, '_>, attrs: &mut Vec<Attr<'a>>) {
    for ancestor in node.ancestors().skip(1).filter(Node::is_element) {
        for a in ancestor.attributes() {
            if a.namespace() != Some(XML_NS) {
                continue;
            }
            if attrs.iter().any(|x| x.uri == XML_NS && x.local == a.name()) {
                continue;
            }
            attrs.push(Attr {
                uri: XML_NS,
                local: a.name(),
                qname: Cow::Owned(format!("xml:{}", a.name())),
                value: a.value(),
            });
        }
    }
}
