//! The crate graph of docs/architecture.md is the workspace's: every workspace crate listed
//! once, with exactly the workspace crates it depends on (normal dependencies) according to
//! `cargo metadata`. A dependency added in a Cargo.toml without its line in the docs, or a line
//! left behind, fails with the difference and the graph to paste.
//!
//! It checks the workspace, not this crate; it lives here because ofitec-domain is the
//! lightest crate to build, so the check runs in seconds.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

/// Crate → the workspace crates it depends on.
type Graph = BTreeMap<String, BTreeSet<String>>;

const DOC: &str = "docs/architecture.md";
const SECTION: &str = "## Crate graph";

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The graph as Cargo sees it: workspace members and their normal dependencies among them.
fn from_cargo() -> Graph {
    // Cargo sets CARGO for the tests it runs: the same toolchain that built them.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("running `{cargo} metadata`: {e}"));
    assert!(
        output.status.success(),
        "`cargo metadata` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"].as_array().expect("a package list");
    let members: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("a package name").to_owned())
        .collect();
    packages
        .iter()
        .map(|package| {
            let deps = package["dependencies"]
                .as_array()
                .expect("a dependency list")
                .iter()
                // `kind` is null for normal dependencies, "dev" or "build" otherwise.
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|name| members.contains(*name))
                .map(str::to_owned)
                .collect();
            (package["name"].as_str().unwrap().to_owned(), deps)
        })
        .collect()
}

/// The graph as the docs draw it: the first ```text block after the section heading, one
/// `crate -> dep, dep` line per crate.
fn from_docs() -> Graph {
    let text = std::fs::read_to_string(workspace_root().join(DOC)).expect("read the docs");
    let section = text
        .split_once(&format!("\n{SECTION}\n"))
        .unwrap_or_else(|| panic!("{DOC} has no `{SECTION}` section"))
        .1;
    let block = section
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .unwrap_or_else(|| panic!("{DOC}: no ```text block under `{SECTION}`"))
        .0;
    let mut graph = Graph::new();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        let (name, deps) = line
            .split_once("->")
            .unwrap_or_else(|| panic!("{DOC}: `{line}` is not `crate -> dep, dep`"));
        let deps = deps
            .split(',')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
        let previous = graph.insert(name.trim().to_owned(), deps);
        assert!(
            previous.is_none(),
            "{DOC}: `{}` is listed twice",
            name.trim()
        );
    }
    graph
}

/// One line per difference: `+` what Cargo has and the docs lack, `-` the reverse.
fn differences(cargo: &Graph, docs: &Graph) -> Vec<String> {
    let mut lines = Vec::new();
    let names: BTreeSet<&String> = cargo.keys().chain(docs.keys()).collect();
    for name in names {
        match (cargo.get(name), docs.get(name)) {
            (Some(_), None) => lines.push(format!("+ {name}: a workspace crate the docs omit")),
            (None, Some(_)) => lines.push(format!("- {name}: in the docs, not in the workspace")),
            (Some(real), Some(drawn)) => {
                for dep in real.difference(drawn) {
                    lines.push(format!("+ {name} -> {dep}: in Cargo.toml, not in the docs"));
                }
                for dep in drawn.difference(real) {
                    lines.push(format!("- {name} -> {dep}: in the docs, not in Cargo.toml"));
                }
            }
            (None, None) => unreachable!("the name comes from one of the graphs"),
        }
    }
    lines
}

fn render(graph: &Graph) -> String {
    let width = graph.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (name, deps) in graph {
        let deps: Vec<&str> = deps.iter().map(String::as_str).collect();
        let line = format!("{name:<width$} -> {}", deps.join(", "));
        writeln!(out, "{}", line.trim_end()).unwrap();
    }
    out
}

#[test]
fn the_documented_crate_graph_is_the_workspace_graph() {
    let cargo = from_cargo();
    let docs = from_docs();
    let differences = differences(&cargo, &docs);
    assert!(
        differences.is_empty(),
        "{DOC}'s crate graph differs from the workspace's (normal dependencies):\n  {}\n\n\
         The workspace's graph, to paste under `{SECTION}`:\n{}",
        differences.join("\n  "),
        render(&cargo)
    );
}

#[test]
fn a_difference_is_named_edge_by_edge() {
    let graph = |edges: &[(&str, &[&str])]| -> Graph {
        edges
            .iter()
            .map(|(n, d)| ((*n).to_owned(), d.iter().map(|s| (*s).to_owned()).collect()))
            .collect()
    };
    let cargo = graph(&[("a", &["b"]), ("b", &[]), ("c", &["a"])]);
    let docs = graph(&[("a", &["c"]), ("b", &[]), ("d", &[])]);
    assert_eq!(
        differences(&cargo, &docs),
        vec![
            "+ a -> b: in Cargo.toml, not in the docs",
            "- a -> c: in the docs, not in Cargo.toml",
            "+ c: a workspace crate the docs omit",
            "- d: in the docs, not in the workspace",
        ]
    );
    assert!(differences(&cargo, &cargo).is_empty());
}
