use super::*;

fn c14n(input: &str) -> String {
    let doc = crate::xml::parse(input).map_err(|e| e.to_string());
    match doc {
        Ok(doc) => canonicalize_document(&doc, Comments::Without),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn empty_elements_become_pairs_and_declaration_goes() {
    assert_eq!(
        c14n("<?xml version=\"1.0\"?>\n<a><b/><c x='1'/></a>\n"),
        "<a><b></b><c x=\"1\"></c></a>"
    );
}

#[test]
fn attributes_sorted_by_namespace_uri_then_local_name() {
    assert_eq!(
        c14n(r#"<e xmlns:b="http://b" xmlns:a="http://z" b:x="1" a:x="2" z="3" a="4"/>"#),
        r#"<e xmlns:a="http://z" xmlns:b="http://b" a="4" z="3" b:x="1" a:x="2"></e>"#
    );
}

#[test]
fn redundant_declarations_are_dropped_and_undeclarations_kept() {
    assert_eq!(
        c14n(
            r#"<a xmlns="http://d" xmlns:p="http://p"><p:b xmlns:p="http://p"><c xmlns=""/></p:b></a>"#
        ),
        r#"<a xmlns="http://d" xmlns:p="http://p"><p:b><c xmlns=""></c></p:b></a>"#
    );
    assert_eq!(c14n(r#"<a xmlns=""><b/></a>"#), "<a><b></b></a>");
}

#[test]
fn escaping_of_text_and_attributes() {
    assert_eq!(
        c14n("<a t=\"&lt;&amp;&quot;&#9;&#10;&#13;'>\">&lt;&amp;&gt;&#13;\"'<![CDATA[<&>]]></a>"),
        "<a t=\"&lt;&amp;&quot;&#x9;&#xA;&#xD;'>\">&lt;&amp;&gt;&#xD;\"'&lt;&amp;&gt;</a>"
    );
}

#[test]
fn pis_and_comments_around_the_root() {
    let input = "<?pi-before data?><!-- c --><a><!--in--><?p?></a><?after?>";
    assert_eq!(c14n(input), "<?pi-before data?>\n<a><?p?></a>\n<?after?>");
    let doc = crate::xml::parse(input).map_err(|e| e.to_string());
    let with = doc.map(|d| canonicalize_document(&d, Comments::With));
    assert_eq!(
        with.as_deref(),
        Ok("<?pi-before data?>\n<!-- c -->\n<a><!--in--><?p?></a>\n<?after?>")
    );
}

#[test]
fn subtree_inherits_namespaces_and_xml_attributes() {
    let input = r#"<r xmlns="http://d" xmlns:p="http://p" xml:lang="es" xml:space="preserve"><p:s xml:lang="en"><t/></p:s></r>"#;
    let doc = crate::xml::parse(input).map_err(|e| e.to_string());
    let Ok(doc) = doc else { panic!("parse") };
    let s = doc.descendants().find(|n| n.has_tag_name("s"));
    let Some(s) = s else { panic!("no s") };
    assert_eq!(
        canonicalize_subtree(s, Comments::Without),
        r#"<p:s xmlns="http://d" xmlns:p="http://p" xml:lang="en" xml:space="preserve"><t></t></p:s>"#
    );
}

#[test]
fn excluding_a_subtree_keeps_surrounding_text() {
    let input = "<a>x<S><b/></S>y</a>";
    let doc = crate::xml::parse(input).map_err(|e| e.to_string());
    let Ok(doc) = doc else { panic!("parse") };
    let sig = doc
        .descendants()
        .find(|n| n.has_tag_name("S"))
        .map(|n| n.id());
    assert_eq!(
        canonicalize_excluding(doc.root(), sig, Comments::Without),
        "<a>xy</a>"
    );
}

#[test]
fn same_uri_two_prefixes_keeps_the_written_prefix() {
    assert_eq!(
        c14n(r#"<a xmlns:x="http://u" xmlns:y="http://u"><y:b x:c="1" y:d="2"/></a>"#),
        r#"<a xmlns:x="http://u" xmlns:y="http://u"><y:b x:c="1" y:d="2"></y:b></a>"#
    );
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let depth = 20_000;
    let input = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    if let Ok(doc) = crate::xml::parse(&input) {
        assert_eq!(
            canonicalize_document(&doc, Comments::Without).len(),
            depth * 7
        );
    }
}

proptest::proptest! {
    #[test]
    fn garbage_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
        let _ = canonicalize_bytes(&bytes, Comments::Without);
    }

    #[test]
    fn xmlish_garbage_never_panics(text in r#"[<>/a-c:="' &;#x0-9!\[\]?-]{0,120}"#) {
        let _ = canonicalize_bytes(text.as_bytes(), Comments::With);
    }
}
