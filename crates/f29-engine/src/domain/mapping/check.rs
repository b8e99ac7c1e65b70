//! The second pass: what the YAML means. Unknown códigos, bad signs and fields, duplicate
//! or conflicting rules, rules that move totals or inputs, totals that loop — every problem
//! collected with its path, so the whole document is reported at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ofitec_domain::rcv::{Operation, TransactionType};

use super::field::Field;
use super::issues::{Issues, rule_path, with};
use super::model::{AmountAction, CodigoDef, CountAction, Formula, Kind, Share, Slot, Step, Total};
use super::yaml::RawMapping;
use super::{ALL_TX, INPUT_CODIGOS, MAX_CODIGO, MAX_TIPO_DTE, REQUIRED_TOTALS, codigo};
use crate::domain::yaml_lines::Seg;

pub(super) fn check_codigos(raw: &RawMapping, issues: &mut Issues) -> BTreeMap<u16, CodigoDef> {
    let mut codigos = BTreeMap::new();
    for (&code, def) in &raw.codigos {
        let path = vec![Seg::key("codigos"), Seg::key(code)];
        if code == 0 || code > MAX_CODIGO {
            issues.push(
                path.clone(),
                format!("código {code} is outside 1..={MAX_CODIGO}"),
            );
        }
        if def.glosa.trim().is_empty() {
            issues.push(
                with(path, &[Seg::key("glosa")]),
                format!("código {code} has an empty glosa"),
            );
        }
        codigos.insert(
            code,
            CodigoDef {
                glosa: def.glosa.trim().to_owned(),
                kind: def.kind,
                signed: def.signed,
                always: def.always,
            },
        );
    }
    let mut engine_codes: Vec<(u16, Kind)> = vec![
        (codigo::IVA_DETERMINADO, Kind::Amount),
        (codigo::REMANENTE, Kind::Amount),
        (codigo::PPM, Kind::Amount),
        (codigo::PPM_BASE, Kind::Amount),
        (codigo::PPM_TASA, Kind::Rate),
        (codigo::PPM_CREDITO, Kind::Amount),
        (codigo::REMANENTE_ANTERIOR, Kind::Amount),
        (codigo::IMPUESTO_UNICO, Kind::Amount),
        (codigo::HONORARIOS, Kind::Amount),
        (codigo::CREDITO_ELECTRONICO, Kind::Amount),
    ];
    engine_codes.extend(REQUIRED_TOTALS.iter().map(|&c| (c, Kind::Amount)));
    for (code, kind) in engine_codes {
        match codigos.get(&code) {
            None => issues.push(
                vec![Seg::key("codigos")],
                format!("código {code} is missing: the engine writes it and needs its glosa"),
            ),
            Some(def) if def.kind != kind => issues.push(
                vec![Seg::key("codigos"), Seg::key(code), Seg::key("kind")],
                format!("código {code} must be of kind {kind:?}"),
            ),
            Some(_) => {}
        }
    }
    codigos
}

type SlotKey = (Operation, u16, usize);

/// Identity of an amount entry for duplicate detection.
type AmountKey = (Operation, u16, usize, Field, Option<Field>);

#[allow(clippy::type_complexity)]
pub(super) fn check_rules(
    raw: &RawMapping,
    codigos: &BTreeMap<u16, CodigoDef>,
    derived: &BTreeSet<u16>,
    issues: &mut Issues,
) -> (BTreeMap<SlotKey, Slot>, BTreeSet<u16>, Vec<String>) {
    let mut slots: BTreeMap<SlotKey, Slot> = BTreeMap::new();
    let mut targets = BTreeSet::new();
    let mut names = Vec::with_capacity(raw.rules.len());
    // Where each expanded entry came from, to report duplicates against the first rule.
    let mut amount_seen: HashMap<AmountKey, Vec<(u16, i64, usize)>> = HashMap::new();
    let mut count_seen: HashMap<(SlotKey, u16, Option<Field>), usize> = HashMap::new();
    let mut ignore_seen: HashMap<SlotKey, usize> = HashMap::new();
    let mut mapped_seen: HashMap<SlotKey, usize> = HashMap::new();

    for (i, rule) in raw.rules.iter().enumerate() {
        let path = rule_path(i);
        names.push(rule.name.clone().unwrap_or_else(|| format!("rules[{i}]")));
        let tipos = without_repeats(rule.tipo_dte.to_vec(), &path, "tipo_dte", issues, |t| {
            format!(
                "duplicate: tipo DTE {t} is listed twice in this rule (its documents would count twice)"
            )
        });
        if tipos.is_empty() {
            issues.push(
                with(path.clone(), &[Seg::key("tipo_dte")]),
                "names no tipo DTE",
            );
        }
        for &tipo in &tipos {
            if tipo == 0 || tipo > MAX_TIPO_DTE {
                issues.push(
                    with(path.clone(), &[Seg::key("tipo_dte")]),
                    format!("tipo DTE {tipo} is outside 1..={MAX_TIPO_DTE}"),
                );
            }
        }
        let txs: Vec<TransactionType> = match &rule.transaction_type {
            None => ALL_TX.to_vec(),
            Some(list) => without_repeats(list.to_vec(), &path, "transaction_type", issues, |t| {
                format!(
                    "duplicate: transaction type {} is listed twice in this rule (its documents would count twice)",
                    serde_plain_tx(*t)
                )
            }),
        };
        if txs.is_empty() {
            issues.push(
                with(path.clone(), &[Seg::key("transaction_type")]),
                "lists no transaction type (omit the key to match any)",
            );
        }
        let when = match &rule.when_nonzero {
            None => None,
            Some(name) => match Field::parse(name) {
                Some(f) => Some(f),
                None => {
                    issues.push(
                        with(path.clone(), &[Seg::key("when_nonzero")]),
                        format!("unknown amount field `{name}`"),
                    );
                    None
                }
            },
        };

        if rule.ignore && (rule.count.is_some() || !rule.amounts.is_empty()) {
            issues.push(path.clone(), "an `ignore` rule cannot move códigos");
            continue;
        }
        if !rule.ignore && rule.count.is_none() && rule.amounts.is_empty() {
            issues.push(
                path.clone(),
                "moves no código (add `count`/`amounts`, or `ignore: true` to leave these documents out on purpose)",
            );
            continue;
        }

        if let Some(count) = rule.count {
            let count_path = with(path.clone(), &[Seg::key("count")]);
            match codigos.get(&count) {
                None => issues.push(count_path, format!("unknown código {count}")),
                Some(def) if def.kind != Kind::Count => {
                    issues.push(count_path, format!("código {count} is not a count código"))
                }
                Some(_) => {
                    targets.insert(count);
                }
            }
        }

        let mut actions = Vec::new();
        for (j, amount) in rule.amounts.iter().enumerate() {
            let apath = with(path.clone(), &[Seg::key("amounts"), Seg::Index(j)]);
            let field = Field::parse(&amount.field);
            if field.is_none() {
                issues.push(
                    with(apath.clone(), &[Seg::key("field")]),
                    format!("unknown amount field `{}`", amount.field),
                );
            }
            let sign = match amount.sign.as_deref().map(str::trim) {
                None | Some("+") => 1,
                Some("-") => -1,
                Some(other) => {
                    issues.push(
                        with(apath.clone(), &[Seg::key("sign")]),
                        format!("bad sign `{other}` (expected \"+\" or \"-\")"),
                    );
                    1
                }
            };
            let share = match amount.share.as_deref().map(str::trim) {
                None | Some("full") => Share::Full,
                Some("uso_comun_credited") => Share::UsoComunCredited,
                Some(other) => {
                    issues.push(
                        with(apath.clone(), &[Seg::key("share")]),
                        format!("unknown share `{other}` (expected full or uso_comun_credited)"),
                    );
                    Share::Full
                }
            };
            let code_path = with(apath.clone(), &[Seg::key("codigo")]);
            match codigos.get(&amount.codigo) {
                None => issues.push(code_path, format!("unknown código {}", amount.codigo)),
                Some(def) if def.kind != Kind::Amount => issues.push(
                    code_path,
                    format!("código {} is not an amount código", amount.codigo),
                ),
                Some(_) if derived.contains(&amount.codigo) => issues.push(
                    code_path,
                    format!(
                        "código {} is computed from other códigos; a rule must move one of its terms",
                        amount.codigo
                    ),
                ),
                Some(_) if INPUT_CODIGOS.contains(&amount.codigo) => issues.push(
                    code_path,
                    format!("código {} comes from the declaration's inputs", amount.codigo),
                ),
                Some(_) => {
                    targets.insert(amount.codigo);
                }
            }
            if let Some(field) = field {
                actions.push(AmountAction {
                    field,
                    codigo: amount.codigo,
                    sign,
                    share,
                    when: when.clone(),
                    rule: i,
                });
            }
        }

        for &tipo in &tipos {
            if tipo == 0 || tipo > MAX_TIPO_DTE {
                continue;
            }
            for &tx in &txs {
                let key: SlotKey = (rule.operation, tipo, usize::from(tx.code()));
                // The transaction type is named only when the rule names types, so a rule
                // matching any type reports one problem, not seven.
                let describe = if rule.transaction_type.is_some() {
                    format!("{} tipo {tipo} {}", rule.operation, serde_plain_tx(tx))
                } else {
                    format!("{} tipo {tipo}", rule.operation)
                };
                if rule.ignore {
                    if let Some(&other) = mapped_seen.get(&key) {
                        issues.push(
                            path.clone(),
                            format!("ignores {describe}, which rules[{other}] maps"),
                        );
                    }
                    ignore_seen.entry(key).or_insert(i);
                    slots.entry(key).or_default().ignore = true;
                    continue;
                }
                if let Some(&other) = ignore_seen.get(&key) {
                    issues.push(
                        path.clone(),
                        format!("maps {describe}, which rules[{other}] ignores"),
                    );
                }
                mapped_seen.entry(key).or_insert(i);
                let slot = slots.entry(key).or_default();
                if let Some(count) = rule.count {
                    match count_seen.get(&(key, count, when.clone())) {
                        Some(&other) if other != i => issues.push(
                            with(path.clone(), &[Seg::key("count")]),
                            format!("duplicate: rules[{other}] already counts {describe} in código {count}"),
                        ),
                        _ => {
                            count_seen.insert((key, count, when.clone()), i);
                            slot.counts.push(CountAction {
                                codigo: count,
                                when: when.clone(),
                                rule: i,
                            });
                        }
                    }
                }
                for action in &actions {
                    let akey: AmountKey = (
                        rule.operation,
                        tipo,
                        key.2,
                        action.field.clone(),
                        when.clone(),
                    );
                    let seen = amount_seen.entry(akey).or_default();
                    let mut clash = None;
                    for &(code, sign, other) in seen.iter() {
                        if code == action.codigo && sign == action.sign && other == i {
                            clash = Some(format!(
                                "duplicate: this rule moves {} into código {code} twice",
                                action.field
                            ));
                        } else if code == action.codigo && sign == action.sign {
                            clash = Some(format!(
                                "duplicate: rules[{other}] already moves {} of {describe} into código {code}",
                                action.field
                            ));
                        } else if code == action.codigo {
                            clash = Some(format!(
                                "conflict: rules[{other}] moves {} of {describe} into código {code} with the opposite sign",
                                action.field
                            ));
                        } else if let Some(total) = shared_total(raw, code, action.codigo) {
                            clash = Some(format!(
                                "conflict: rules[{other}] moves {} of {describe} into código {code}, and total {total} would count it twice with código {}",
                                action.field, action.codigo
                            ));
                        }
                        if clash.is_some() {
                            break;
                        }
                    }
                    match clash {
                        Some(message) => issues.push(path.clone(), message),
                        None => {
                            seen.push((action.codigo, action.sign, i));
                            slot.amounts.push(action.clone());
                        }
                    }
                }
            }
        }
    }
    (slots, targets, names)
}

/// `list` without its repeated entries, each repeat reported at its own index: a rule that
/// names a tipo or type twice would move its documents twice.
fn without_repeats<T: PartialEq + Copy>(
    list: Vec<T>,
    rule: &[Seg],
    key: &str,
    issues: &mut Issues,
    message: impl Fn(&T) -> String,
) -> Vec<T> {
    let mut kept: Vec<T> = Vec::with_capacity(list.len());
    for (k, item) in list.into_iter().enumerate() {
        if kept.contains(&item) {
            issues.push(
                with(rule.to_vec(), &[Seg::key(key), Seg::Index(k)]),
                message(&item),
            );
        } else {
            kept.push(item);
        }
    }
    kept
}

fn serde_plain_tx(tx: TransactionType) -> &'static str {
    match tx {
        TransactionType::DelGiro => "del_giro",
        TransactionType::Supermercado => "supermercado",
        TransactionType::BienesRaices => "bienes_raices",
        TransactionType::ActivoFijo => "activo_fijo",
        TransactionType::IvaUsoComun => "iva_uso_comun",
        TransactionType::SinDerechoCredito => "sin_derecho_credito",
        TransactionType::NoIncluir => "no_incluir",
    }
}

/// A total that has both `a` and `b` among its direct terms.
fn shared_total(raw: &RawMapping, a: u16, b: u16) -> Option<u16> {
    raw.totals.iter().find_map(|(&code, t)| {
        let has = |c: u16| t.plus.contains(&c) || t.minus.contains(&c);
        (has(a) && has(b)).then_some(code)
    })
}

pub(super) fn check_totals(
    raw: &RawMapping,
    codigos: &BTreeMap<u16, CodigoDef>,
    targets: &BTreeSet<u16>,
    issues: &mut Issues,
) -> (Vec<Total>, Vec<Step>) {
    let mut totals = Vec::new();
    for required in REQUIRED_TOTALS {
        if !raw.totals.contains_key(&required) {
            issues.push(
                vec![Seg::key("totals")],
                format!("total {required} is missing: the engine needs it"),
            );
        }
    }
    for (&code, raw_total) in &raw.totals {
        let path = vec![Seg::key("totals"), Seg::key(code)];
        if !codigos.contains_key(&code) {
            issues.push(path.clone(), format!("unknown código {code}"));
        }
        if Formula::ALL.iter().any(|f| f.codigo() == code) {
            issues.push(
                path.clone(),
                format!("código {code} is computed by the engine's formula"),
            );
        }
        if targets.contains(&code) {
            issues.push(
                path.clone(),
                format!("código {code} is a total but a rule also moves it"),
            );
        }
        if raw_total.plus.is_empty() && raw_total.minus.is_empty() {
            issues.push(path.clone(), "has no terms");
        }
        let mut seen = BTreeSet::new();
        for (list, name) in [(&raw_total.plus, "plus"), (&raw_total.minus, "minus")] {
            for (k, &term) in list.iter().enumerate() {
                let tpath = with(path.clone(), &[Seg::key(name), Seg::Index(k)]);
                if !codigos.contains_key(&term) {
                    issues.push(tpath, format!("unknown código {term}"));
                } else if term == code {
                    issues.push(tpath, format!("total {code} cannot include itself"));
                } else if !seen.insert(term) {
                    issues.push(
                        tpath,
                        format!("código {term} appears twice in total {code}"),
                    );
                } else if codigos.get(&term).is_some_and(|d| d.kind != Kind::Amount) {
                    issues.push(tpath, format!("código {term} is not an amount"));
                }
            }
        }
        totals.push(Total {
            codigo: code,
            plus: raw_total.plus.clone(),
            minus: raw_total.minus.clone(),
        });
    }
    let order = evaluation_order(&totals, issues);
    (totals, order)
}

/// Topological order of totals and formulas; a cycle is reported on one of its totals.
fn evaluation_order(totals: &[Total], issues: &mut Issues) -> Vec<Step> {
    let mut nodes: BTreeMap<u16, (Step, Vec<u16>)> = BTreeMap::new();
    for (i, t) in totals.iter().enumerate() {
        let deps = t.plus.iter().chain(&t.minus).copied().collect();
        nodes.insert(t.codigo, (Step::Total(i), deps));
    }
    for f in Formula::ALL {
        nodes.insert(f.codigo(), (Step::Formula(f), f.inputs().to_vec()));
    }
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state: BTreeMap<u16, u8> = BTreeMap::new();
    let mut order = Vec::new();
    let mut cyclic = BTreeSet::new();
    fn visit(
        code: u16,
        nodes: &BTreeMap<u16, (Step, Vec<u16>)>,
        state: &mut BTreeMap<u16, u8>,
        order: &mut Vec<Step>,
        cyclic: &mut BTreeSet<u16>,
    ) {
        match state.get(&code) {
            Some(2) => return,
            Some(1) => {
                cyclic.insert(code);
                return;
            }
            _ => {}
        }
        let Some((step, deps)) = nodes.get(&code) else {
            return;
        };
        state.insert(code, 1);
        for &d in deps {
            if nodes.contains_key(&d) {
                visit(d, nodes, state, order, cyclic);
            }
        }
        state.insert(code, 2);
        order.push(*step);
    }
    let codes: Vec<u16> = nodes.keys().copied().collect();
    for code in codes {
        visit(code, &nodes, &mut state, &mut order, &mut cyclic);
    }
    for code in cyclic {
        issues.push(
            vec![Seg::key("totals"), Seg::key(code)],
            format!("total {code} depends on itself through other totals"),
        );
    }
    order
}
