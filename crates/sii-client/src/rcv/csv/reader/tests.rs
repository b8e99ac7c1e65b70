use super::*;
use crate::rcv::csv::Layout;
use ofitec_domain::rcv::{DocumentReference, OtherTax, TransactionType};

fn company() -> Rut {
    Rut::parse("76123456-0").unwrap_or_else(|e| panic!("{e}"))
}

fn period() -> Period {
    Period::parse("2024-11").unwrap_or_else(|e| panic!("{e}"))
}

fn parse(bytes: &[u8]) -> CsvOutcome {
    parse_reader(bytes, company(), period(), None).unwrap_or_else(|e| panic!("{e}"))
}

fn compra_registro(rows: &[&str]) -> Vec<u8> {
    let mut text = Layout::CompraRegistro.header();
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.into_bytes()
}

#[test]
fn continuation_rows_become_other_taxes() {
    // Two other taxes on one invoice: the second on a row with empty Nro, reception and total.
    let file = compra_registro(&[
        "1;33;Del Giro;12345678-5;Distribuidora de Licores;4411;02/11/2024;03/11/2024 10:00:00;;0;100000;19000;;;150500;;;;;0;;;;0;24;31500;31.5;",
        ";33;Del Giro;12345678-5;Distribuidora de Licores;4411;02/11/2024;;;;;;;;;;;;;;;;;;25;20500;20.5;",
        "2;33;Del Giro;11111111-1;Otro;7;05/11/2024;06/11/2024 11:00:00;;0;1000;190;;;1190;;;;;0;;;;0;;;;",
    ]);
    let out = parse(&file);
    assert_eq!(out.errors, vec![]);
    assert_eq!(out.documents.len(), 2);
    let doc = &out.documents[0];
    assert_eq!(doc.folio, 4411);
    assert_eq!(doc.total, 150_500);
    assert_eq!(
        doc.other_taxes,
        vec![
            OtherTax {
                codigo: 24,
                valor: 31_500,
                tasa: Some(31.5)
            },
            OtherTax {
                codigo: 25,
                valor: 20_500,
                tasa: Some(20.5)
            },
        ]
    );
    assert_eq!(out.documents[1].other_taxes, vec![]);
    assert_eq!(out.documents[1].total, 1190);
}

#[test]
fn orphan_continuation_is_reported() {
    let file = compra_registro(&[
        "1;33;Del Giro;12345678-5;A;1;02/11/2024;03/11/2024 10:00:00;;0;100;19;;;119;;;;;0;;;;0;;;;",
        ";33;Del Giro;12345678-5;A;2;02/11/2024;;;;;;;;;;;;;;;;;;25;20500;20.5;",
    ]);
    let out = parse(&file);
    assert_eq!(out.documents.len(), 1);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].line, 3);
    assert!(
        out.errors[0].message.contains("does not follow"),
        "{}",
        out.errors[0]
    );
}

#[test]
fn venta_multi_folio_references_and_latin1_names() {
    let mut file = Layout::Venta.header().into_bytes();
    file.extend_from_slice(
        b"\n1;61;Del Giro;12345678-5;Comercial Pe\xf1a Ltda.;90;10/11/2024;10/11/2024 12:00:00;;;0;1000;190;1190;0;0;0;0;0;-;0;0;0;0;33;506-508;;;0;;0;;;0;0;;;;0;;;;;\n",
    );
    let out = parse(&file);
    assert_eq!(out.layout, Layout::Venta);
    assert_eq!(out.errors, vec![]);
    let doc = &out.documents[0];
    assert_eq!(doc.counterpart_name, "Comercial Peña Ltda.");
    assert_eq!(
        doc.references,
        vec![
            DocumentReference {
                tipo_dte: 33,
                folio: 506
            },
            DocumentReference {
                tipo_dte: 33,
                folio: 508
            },
        ]
    );
    assert_eq!(doc.transaction_type, Some(TransactionType::DelGiro));
    assert_eq!(doc.state, None);
}

#[test]
fn quotes_crlf_bom_and_blank_lines() {
    let mut text = String::from("\u{feff}");
    text.push_str(&Layout::CompraPendiente.header());
    text.push_str("\r\n\r\n1;\"33\";Del Giro;12345678-5;\"Quoted; name\";9;01/11/2024;02/11/2024 09:00:00;0;10;2;;;12;;;;;0;0;;;;\r\n");
    let out = parse(text.as_bytes());
    assert_eq!(out.errors, vec![]);
    assert_eq!(out.documents.len(), 1);
    assert_eq!(out.documents[0].counterpart_name, "Quoted; name");
    assert_eq!(out.documents[0].state, Some(PurchaseState::Pendiente));
}

#[test]
fn state_hint_overrides_the_layout() {
    let file = compra_registro(&[
        "1;33;Del Giro;12345678-5;A;1;02/11/2024;03/11/2024 10:00:00;;0;100;19;;;119;;;;;0;;;;0;;;;",
    ]);
    let out = parse_reader(
        file.as_slice(),
        company(),
        period(),
        Some(PurchaseState::Pendiente),
    );
    let state = out.map(|o| o.documents[0].state);
    assert_eq!(state, Ok(Some(PurchaseState::Pendiente)));
}

#[test]
fn bad_fields_are_located() {
    let file = compra_registro(&[
        "1;33;Del Giro;12345678-6;A;1;32/11/2024;03/11/2024 10:00:00;;0;1O0;19;;;119;;;;;0;;;;0;;;;",
        "2;33;Del Giro;12345678-5;A;1;02/11/2024",
    ]);
    let out = parse(&file);
    assert!(out.documents.is_empty());
    let located: Vec<(u64, Option<&str>)> = out
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(
        located,
        vec![
            (2, Some("RUT Proveedor")),
            (2, Some("Fecha Docto")),
            (2, Some("Monto Neto")),
            (3, None),
        ]
    );
    assert!(
        out.errors[0].message.contains("check digit"),
        "{}",
        out.errors[0]
    );
}

#[test]
fn unknown_header_and_empty_file() {
    assert_eq!(
        parse_reader(&b""[..], company(), period(), None).err(),
        Some(CsvError::Empty)
    );
    let err = parse_reader(&b"a;b;c\n1;2;3\n"[..], company(), period(), None).err();
    assert_eq!(err, Some(CsvError::UnknownHeader("a;b;c".into())));
}

proptest::proptest! {
    #[test]
    fn garbage_rows_never_panic(rows in proptest::collection::vec("[0-9a-z;\"/:. -]{0,80}", 0..8)) {
        let mut text = Layout::Venta.header();
        for row in rows {
            text.push('\n');
            text.push_str(&row);
        }
        let _ = parse_reader(text.as_bytes(), company(), period(), None);
    }

    #[test]
    fn garbage_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        let mut file = Layout::CompraReclamado.header().into_bytes();
        file.push(b'\n');
        file.extend(bytes);
        let _ = parse_reader(file.as_slice(), company(), period(), None);
    }
}

#[test]
fn accented_purchase_types_are_read_in_utf8_and_latin1() {
    // SII's own "Tipo Compra" texts carry accents (docs/reference/sii.md#type-texts); the sii-sim
    // export sends them.
    let rows = [
        "1;33;Bienes Raíces;12345678-5;Inmobiliaria;10;02/11/2024;03/11/2024 10:00:00;;0;1000;190;;;1190;;;;;0;;;;0;;;;",
        "2;33;IVA Uso Común;12345678-5;Comercial;11;02/11/2024;03/11/2024 10:00:00;;0;1000;190;;;1190;;;;;0;;;;0;;;;",
    ];
    let utf8 = compra_registro(&rows);
    let (latin1, _, _) = encoding_rs::WINDOWS_1252
        .encode(std::str::from_utf8(&utf8).unwrap_or_else(|e| panic!("{e}")));
    for file in [utf8.clone(), latin1.into_owned()] {
        let out = parse(&file);
        assert_eq!(out.errors, vec![]);
        let types: Vec<_> = out.documents.iter().map(|d| d.transaction_type).collect();
        assert_eq!(
            types,
            vec![
                Some(TransactionType::BienesRaices),
                Some(TransactionType::IvaUsoComun)
            ]
        );
    }
}

#[test]
fn a_read_error_ends_the_stream_after_the_last_document() {
    // A source that fails after its first block: the documents read so far still come
    // out, then the error, then nothing. A last row without its line end may be cut short
    // by the failure: it is not handed out.
    struct Failing(Option<Vec<u8>>);
    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            match self.0.take() {
                Some(bytes) => {
                    out[..bytes.len()].copy_from_slice(&bytes);
                    Ok(bytes.len())
                }
                None => Err(std::io::Error::other("disk gone")),
            }
        }
    }
    let file = compra_registro(&[
        "1;33;Del Giro;12345678-5;A;1;02/11/2024;03/11/2024 10:00:00;;0;100;19;;;119;;;;;0;;;;0;;;;",
        "2;33;Del Giro;12345678-5;A;2;02/11/2024;03/11/2024 10:00:00;;0;100;19;;;119;;;;;0;;;;0;;;;",
    ]);
    let folios = |bytes: Vec<u8>| -> Vec<Result<i64, CsvError>> {
        CsvReader::new(Failing(Some(bytes)), company(), period(), None)
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|i| i.map(|d| d.folio))
            .collect()
    };
    let gone = || Err(CsvError::Read("disk gone".into()));
    let mut ended = file.clone();
    ended.push(b'\n');
    assert_eq!(folios(ended), vec![Ok(1), Ok(2), gone()]);
    assert_eq!(folios(file), vec![Ok(1), gone()]);
}
