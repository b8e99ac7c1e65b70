//! Loading and validating mapping documents.

use super::*;

fn issues_of(text: &str) -> Vec<MappingIssue> {
    match Mapping::parse(text) {
        Ok(_) => Vec::new(),
        Err(e) => e.issues,
    }
}

/// The default mapping with `rules:` replaced by `rules` (so each test states only the
/// rules it is about, and still has every código and total).
fn with_rules(rules: &str) -> String {
    let start = DEFAULT_YAML.find("\nrules:").expect("rules section");
    let end = DEFAULT_YAML.find("\ntotals:").expect("totals section");
    format!(
        "{}\nrules:\n{rules}{}",
        &DEFAULT_YAML[..start],
        &DEFAULT_YAML[end..]
    )
}

fn line_containing(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .expect("needle present")
}

#[test]
fn default_mapping_is_valid() {
    let mapping = Mapping::default_mapping().expect("valid default mapping");
    assert!(mapping.is_derived(538));
    assert!(mapping.is_rule_target(502));
    assert_eq!(mapping.glosa(538), "Total débitos");
    let slot = mapping
        .slot(Operation::Venta, 33, Some(TransactionType::DelGiro))
        .expect("facturas are mapped");
    assert!(slot.amounts.iter().any(|a| a.codigo == 502));
    // A document without a transaction type is matched as del giro.
    assert_eq!(
        mapping.slot(Operation::Venta, 33, None),
        mapping.slot(Operation::Venta, 33, Some(TransactionType::DelGiro))
    );
    assert!(mapping.slot(Operation::Compra, 999, None).is_none());
    // Derived códigos come after everything they read.
    let pos = |code: u16| {
        mapping
            .order()
            .iter()
            .position(|s| match s {
                Step::Total(i) => mapping.totals()[*i].codigo == code,
                Step::Formula(f) => f.codigo() == code,
            })
            .expect("in order")
    };
    assert!(pos(538) < pos(89));
    assert!(pos(89) < pos(595));
    assert!(pos(62) < pos(595));
    assert!(pos(595) < pos(547));
    assert!(pos(547) < pos(91));
}

#[test]
fn unknown_codigo_names_its_line() {
    let text = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts:\n      - {field: iva, codigo: 998}\n",
    );
    let issues = issues_of(&text);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].line, Some(line_containing(&text, "codigo: 998")));
    assert!(issues[0].message.contains("unknown código 998"));
    assert_eq!(issues[0].path, "rules[0].amounts[0].codigo");
}

#[test]
fn bad_sign_is_rejected_with_its_line() {
    let text = with_rules(
        "  - operation: venta\n    tipo_dte: 61\n    amounts:\n      - field: iva\n        codigo: 510\n        sign: minus\n",
    );
    let issues = issues_of(&text);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].line, Some(line_containing(&text, "sign: minus")));
    assert!(issues[0].message.contains("bad sign `minus`"));
}

#[test]
fn duplicate_and_conflicting_rules_are_rejected() {
    let dup = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte: [34, 33]\n    amounts: [{field: iva, codigo: 502}]\n",
    );
    let issues = issues_of(&dup);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(issues[0].message.starts_with("duplicate"), "{issues:?}");
    assert_eq!(
        issues[0].line,
        Some(line_containing(&dup, "tipo_dte: [34, 33]") - 1)
    );

    let opposite = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502, sign: \"-\"}]\n",
    );
    assert!(issues_of(&opposite)[0].message.contains("opposite sign"));

    let twice = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 513}]\n",
    );
    assert!(
        issues_of(&twice)[0]
            .message
            .contains("total 538 would count it twice")
    );

    let ignore_vs_map = with_rules(
        "  - operation: compra\n    tipo_dte: 33\n    transaction_type: no_incluir\n    ignore: true\n  - operation: compra\n    tipo_dte: 33\n    count: 519\n",
    );
    assert!(issues_of(&ignore_vs_map)[0].message.contains("ignores"));
}

#[test]
fn rules_may_not_move_totals_or_inputs() {
    let text = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 538}, {field: iva, codigo: 151}]\n    count: 502\n",
    );
    let messages: Vec<String> = issues_of(&text).into_iter().map(|i| i.message).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("538 is computed")));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("151 comes from the declaration's inputs"))
    );
    assert!(messages.iter().any(|m| m.contains("502 is not a count")));
}

#[test]
fn shape_errors_carry_serde_yaml_lines() {
    let text = with_rules("  - operation: ventas\n    tipo_dte: 33\n    count: 503\n");
    let issues = issues_of(&text);
    assert_eq!(issues.len(), 1);
    assert_eq!(
        issues[0].line,
        Some(line_containing(&text, "operation: ventas"))
    );
    assert!(issues[0].message.contains("unknown variant"), "{issues:?}");
}

#[test]
fn cyclic_totals_are_rejected() {
    let text = DEFAULT_YAML.replace(
        "  91:\n    plus: [547]",
        "  91:\n    plus: [547]\n  92:\n    plus: [94]",
    );
    let issues = issues_of(&text);
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("depends on itself")),
        "{issues:?}"
    );
}

#[test]
fn missing_engine_codigo_is_reported() {
    let text = DEFAULT_YAML.replace("  89: {", "  889: {");
    let issues = issues_of(&text);
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("código 89 is missing")),
        "{issues:?}"
    );
}

#[test]
fn an_out_of_range_codigo_names_its_line() {
    // The document edge-api's e2e test sends: código 99999 does not fit a código.
    let issues = issues_of("version: 1\ncodigos: {99999: {glosa: x}}\nrules: []\n");
    assert!(!issues.is_empty());
    assert_eq!(issues[0].line, Some(2), "{issues:?}");
    let text = MappingError { issues }.to_string();
    assert!(text.contains("line 2"), "{text}");
}

#[test]
fn repeats_inside_one_rule_are_duplicates_with_their_line() {
    // Only a count: before, the repeated tipo was counted twice without a word.
    let text = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}]\n  - operation: venta\n    tipo_dte:\n      - 39\n      - 39\n    count: 110\n",
    );
    let issues = issues_of(&text);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert!(issues[0].message.starts_with("duplicate"), "{issues:?}");
    assert!(issues[0].message.contains("tipo DTE 39"), "{issues:?}");
    assert_eq!(issues[0].path, "rules[1].tipo_dte[1]");
    let first = line_containing(&text, "      - 39");
    assert_eq!(issues[0].line, Some(first + 1));

    let flow = with_rules("  - operation: venta\n    tipo_dte: [33, 33]\n    count: 503\n");
    let issues = issues_of(&flow);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].path, "rules[0].tipo_dte[1]");
    assert_eq!(
        issues[0].line,
        Some(line_containing(&flow, "tipo_dte: [33, 33]"))
    );

    let types = with_rules(
        "  - operation: compra\n    tipo_dte: 33\n    transaction_type: [del_giro, supermercado, del_giro]\n    count: 519\n",
    );
    let issues = issues_of(&types);
    assert_eq!(issues.len(), 1, "{issues:?}");
    assert_eq!(issues[0].path, "rules[0].transaction_type[2]");
    assert!(issues[0].message.contains("del_giro"), "{issues:?}");

    let amounts = with_rules(
        "  - operation: venta\n    tipo_dte: 33\n    amounts: [{field: iva, codigo: 502}, {field: iva, codigo: 502}]\n",
    );
    let issues = issues_of(&amounts);
    assert!(!issues.is_empty());
    assert!(
        issues[0]
            .message
            .contains("this rule moves iva into código 502 twice"),
        "{issues:?}"
    );
}
