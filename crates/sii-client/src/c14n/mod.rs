//! Inclusive Canonical XML 1.0 (<http://www.w3.org/TR/2001/REC-xml-c14n-20010315>) over a
//! parsed `roxmltree` document: the whole document, or one element's subtree in document
//! context, optionally leaving out one element (the enveloped signature).
//!
//! What C14N fixes, and where it is done here:
//! * `escape`: text and attribute escaping (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#xD;`, …);
//! * `element`: start tags with namespace declarations (only those not already in force in
//!   the output parent) and attributes in canonical order, `xml:*` attributes inherited by a
//!   subtree's apex, empty elements written as start/end pairs;
//! * `qname`: the prefixes as written in the source (roxmltree resolves them away);
//! * this file: the traversal, and processing instructions / comments around the root.
//!
//! Output is always UTF-8; the XML declaration and the DTD are dropped, entities and
//! character references are expanded, CDATA sections become escaped text.

mod element;
mod escape;
mod qname;

use roxmltree::{Document, Node, NodeId, NodeType};

use crate::xml;

/// Whether comments are kept (`…#WithComments`) or dropped (the plain algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Comments {
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315`.
    #[default]
    Without,
    /// `http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments`.
    With,
}

/// Why bytes could not be canonicalised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    /// The bytes are not text in the declared encoding.
    #[error(transparent)]
    Decode(#[from] xml::DecodeError),
    /// The text is not well-formed XML.
    #[error(transparent)]
    Xml(#[from] xml::XmlError),
}

/// Canonicalises a whole document given as bytes (UTF-8, ISO-8859-1 or windows-1252 as
/// declared). Convenience for tests and tools; signature code works on parsed documents.
pub fn canonicalize_bytes(bytes: &[u8], comments: Comments) -> Result<String, C14nError> {
    let text = xml::decode(bytes)?;
    let doc = xml::parse(&text)?;
    Ok(canonicalize_document(&doc, comments))
}

/// Canonicalises the whole document.
pub fn canonicalize_document(doc: &Document<'_>, comments: Comments) -> String {
    render(doc.root(), None, comments)
}

/// Canonicalises the subtree rooted at `node` in the context of its document: the apex
/// element carries every namespace in scope and the `xml:*` attributes of its ancestors.
/// When `node` is the document node, this is the whole document.
pub fn canonicalize_subtree(node: Node<'_, '_>, comments: Comments) -> String {
    render(node, None, comments)
}

/// Canonicalises the subtree rooted at `apex` (element or document node) without the
/// subtree rooted at `excluded`: what the enveloped-signature transform produces.
pub fn canonicalize_excluding(
    apex: Node<'_, '_>,
    excluded: Option<NodeId>,
    comments: Comments,
) -> String {
    render(apex, excluded, comments)
}

/// One step of the explicit traversal stack (no recursion: hostile documents may nest
/// deeper than the thread's stack).
enum Step<'a, 'input> {
    Enter(Node<'a, 'input>),
    Leave(Node<'a, 'input>),
}

fn render(apex: Node<'_, '_>, excluded: Option<NodeId>, comments: Comments) -> String {
    let mut out = String::with_capacity(apex.range().len() + 64);
    if apex.node_type() == NodeType::Root {
        render_document_children(apex, excluded, comments, &mut out);
    } else {
        render_tree(apex, apex.id(), excluded, comments, &mut out);
    }
    out
}

/// The document node's children: the root element, and the PIs (and comments) around it,
/// separated from it by line feeds as C14N prescribes.
fn render_document_children(
    root: Node<'_, '_>,
    excluded: Option<NodeId>,
    comments: Comments,
    out: &mut String,
) {
    let mut seen_element = false;
    for child in root.children() {
        if Some(child.id()) == excluded {
            continue;
        }
        match child.node_type() {
            NodeType::Element => {
                render_tree(child, child.id(), excluded, comments, out);
                seen_element = true;
            }
            NodeType::PI | NodeType::Comment => {
                if child.is_comment() && comments == Comments::Without {
                    continue;
                }
                if seen_element {
                    out.push('\n');
                }
                render_leaf(child, out);
                if !seen_element {
                    out.push('\n');
                }
            }
            // Whitespace outside the root element is not part of the canonical form.
            NodeType::Text | NodeType::Root => {}
        }
    }
}

fn render_tree(
    start: Node<'_, '_>,
    apex: NodeId,
    excluded: Option<NodeId>,
    comments: Comments,
    out: &mut String,
) {
    let mut stack = vec![Step::Enter(start)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Enter(node) => {
                if Some(node.id()) == excluded {
                    continue;
                }
                match node.node_type() {
                    NodeType::Element => {
                        element::start_tag(node, node.id() == apex, out);
                        stack.push(Step::Leave(node));
                        // Children pushed in reverse so they pop in document order.
                        let children: Vec<_> = node.children().collect();
                        stack.extend(children.into_iter().rev().map(Step::Enter));
                    }
                    NodeType::Text => escape::text(node.text().unwrap_or(""), out),
                    NodeType::Comment if comments == Comments::Without => {}
                    NodeType::PI | NodeType::Comment => render_leaf(node, out),
                    NodeType::Root => {}
                }
            }
            Step::Leave(node) => {
                out.push_str("</");
                out.push_str(&qname::element(node));
                out.push('>');
            }
        }
    }
}

/// A processing instruction or a comment.
fn render_leaf(node: Node<'_, '_>, out: &mut String) {
    if let Some(pi) = node.pi() {
        out.push_str("<?");
        out.push_str(pi.target);
        if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
            out.push(' ');
            escape::pi_or_comment(value, out);
        }
        out.push_str("?>");
    } else if node.is_comment() {
        out.push_str("<!--");
        escape::pi_or_comment(node.text().unwrap_or(""), out);
        out.push_str("-->");
    }
}

#[cfg(test)]
mod tests;
