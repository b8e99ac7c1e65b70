#!/usr/bin/env python3
"""Consistency of alerts, runbooks, promtool tests, dashboards and the metrics contract.

Fails (exit 1, one line per finding) unless:
  1. every alert rule has a runbook_url pointing at docs/operations/runbooks/<file>.md in this
     repository, the file exists and has the sections "What it means", "How to confirm" and
     "What to do";
  2. every runbook names (in its "Alert:" line) only alerts that exist, and is linked from them;
  3. every alert has a promtool test case where it fires and one where it stays silent;
  4. every metric used by alert rules and Grafana dashboards is in docs/metrics.md (the
     contract) or comes from a known exporter (up, probe_*, node_*, pg_*, rabbitmq_*,
     traefik_*, process_*);
  5. every dashboard query is valid PromQL (parsed by promtool);
  6. every application metric an alert or dashboard uses (and every metric of the contract)
     is really registered by a service: its name appears as a string literal in
     crates/*/src (the contract can drift from the code; the alerts must not);
  7. every label an alert or dashboard selects on, groups by or matches on belongs to the
     metric (the contract's labels column) or is a target label Prometheus adds (job,
     instance, colour, le for histograms).

Usage: check_alerts.py [ROOT]
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

RUNBOOK_BASE = "https://github.com/ofitec/ofitec/blob/main/docs/operations/runbooks/"
SECTIONS = ("What it means", "How to confirm", "What to do")
EXTERNAL_PREFIXES = ("probe_", "node_", "pg_", "rabbitmq_", "traefik_", "process_")
EXTERNAL_NAMES = {"up", "ALERTS", "ALERTS_FOR_STATE"}
PROMQL_WORDS = {
    # aggregations, functions, keywords
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values", "group",
    "rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "histogram_quantile", "absent",
    "absent_over_time", "time", "vector", "scalar", "clamp_min", "clamp_max", "abs", "ceil", "floor", "round",
    "max_over_time", "min_over_time", "avg_over_time", "sum_over_time", "count_over_time", "last_over_time",
    "changes", "resets", "label_replace", "label_join", "sort", "sort_desc", "timestamp", "day_of_month",
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan",
}


def load_rules(root):
    alerts = []
    for path in sorted(glob.glob(os.path.join(root, "deploy/prometheus/rules/*.yml"))):
        with open(path, encoding="utf-8") as f:
            for group in yaml.safe_load(f)["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        alerts.append((os.path.relpath(path, root), rule))
    return alerts


def metric_names(expr):
    """Metric names in a PromQL expression (good enough for our expressions)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)                      # strings
    text = re.sub(r"\{[^}]*\}", "", text)                                  # label matchers
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)                                 # ranges
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)", text):
        word = m.group(1)
        rest = text[m.end():].lstrip()
        if word in PROMQL_WORDS or rest.startswith("("):
            continue
        if re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def contract(root):
    """Metric name -> set of label names, from the tables of docs/metrics.md."""
    names = {}
    with open(os.path.join(root, "docs/metrics.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\|\s*`([a-zA-Z_:][a-zA-Z0-9_:*]*)`", line)
            if m:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                labels = set(re.findall(r"`([a-zA-Z_][a-zA-Z0-9_]*)`", cells[2])) if len(cells) > 2 else set()
                names[m.group(1)] = labels
    return names


# Labels Prometheus itself attaches to every scraped series (job, instance; colour comes from
# the edge-api relabelling in deploy/prometheus/prometheus.yml), and `le` of histogram buckets.
TARGET_LABELS = {"job", "instance", "colour"}


def emitted(root):
    """Every string literal in the services' sources that looks like a metric name."""
    found = set()
    for path in glob.glob(os.path.join(root, "crates/*/src/**/*.rs"), recursive=True):
        with open(path, encoding="utf-8") as f:
            found.update(re.findall(r'"([a-z_][a-z0-9_]*)"', f.read()))
    return found


def base_name(name):
    return re.sub(r"_(bucket|sum|count)$", "", name)


def label_findings(where, expr, names):
    """Labels used with application metrics that the contract does not give them."""
    findings = []
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    metrics = metric_names(expr)
    used = sorted(m for m in metrics if m in names or base_name(m) in names)
    if not used or len(used) != len(metrics):
        return findings  # exporter metrics (up, probe_*, …) carry labels we do not document
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}", text):
        metric = m.group(1)
        labels = names.get(metric, names.get(base_name(metric)))
        if labels is None:
            continue
        allowed = labels | TARGET_LABELS | ({"le"} if metric.endswith("_bucket") else set())
        for label in re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(2)):
            if label not in allowed:
                findings.append(f"{where}: {metric} has no label {label!r} (docs/metrics.md: {sorted(labels)})")
    allowed = set(TARGET_LABELS)
    for metric in used:
        allowed |= names.get(metric, names.get(base_name(metric), set()))
        if metric.endswith("_bucket"):
            allowed.add("le")
    for m in re.finditer(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", text):
        for label in re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", m.group(1)):
            if label not in allowed:
                findings.append(f"{where}: groups or matches on {label!r}, which none of {sorted(used)} has")
    return findings


def in_contract(name, names):
    base = base_name(name)
    if name in names or base in names or name in EXTERNAL_NAMES:
        return True
    return name.startswith(EXTERNAL_PREFIXES)


def dashboard_exprs(root):
    for path in sorted(glob.glob(os.path.join(root, "deploy/grafana/dashboards/*.json"))):
        with open(path, encoding="utf-8") as f:
            board = json.load(f)
        for panel in board.get("panels", []):
            for target in panel.get("targets", []):
                if target.get("expr"):
                    yield os.path.relpath(path, root), panel.get("title", "?"), target["expr"]


def check(root):
    findings = []
    alerts = load_rules(root)
    alert_names = {rule["alert"] for _, rule in alerts}
    runbook_dir = os.path.join(root, "docs/operations/runbooks")
    linked = {}

    # 1. alert -> runbook
    for path, rule in alerts:
        name = rule["alert"]
        url = (rule.get("annotations") or {}).get("runbook_url", "")
        if not url.startswith(RUNBOOK_BASE) or not url.endswith(".md"):
            findings.append(f"{path}: {name}: runbook_url must be {RUNBOOK_BASE}<file>.md, got {url!r}")
            continue
        file = url[len(RUNBOOK_BASE):]
        linked.setdefault(file, set()).add(name)
        full = os.path.join(runbook_dir, file)
        if not os.path.exists(full):
            findings.append(f"{path}: {name}: runbook docs/operations/runbooks/{file} does not exist")
            continue
        text = open(full, encoding="utf-8").read()
        for section in SECTIONS:
            if not re.search(rf"^##\s+{re.escape(section)}\s*$", text, re.MULTILINE):
                findings.append(f"docs/operations/runbooks/{file}: missing section '## {section}'")
        for key in ("summary", "description"):
            if not (rule.get("annotations") or {}).get(key):
                findings.append(f"{path}: {name}: missing annotation {key}")
        if (rule.get("labels") or {}).get("severity") not in ("critical", "warning", "info"):
            findings.append(f"{path}: {name}: severity label must be critical, warning or info")

    # 2. runbook -> alert
    for full in sorted(glob.glob(os.path.join(runbook_dir, "*.md"))):
        file = os.path.basename(full)
        text = open(full, encoding="utf-8").read()
        m = re.search(r"^Alerts?:\s*(.+)$", text, re.MULTILINE)
        if not m:
            findings.append(f"docs/operations/runbooks/{file}: no 'Alert: `Name`' line")
            continue
        named = set(re.findall(r"`([A-Za-z0-9]+)`", m.group(1)))
        for name in sorted(named - alert_names):
            findings.append(f"docs/operations/runbooks/{file}: alert {name} does not exist in deploy/prometheus/rules")
        if file not in linked:
            findings.append(f"docs/operations/runbooks/{file}: no alert links to it (runbook_url)")
        elif named != linked[file]:
            findings.append(f"docs/operations/runbooks/{file}: names {sorted(named)} but is linked from {sorted(linked[file])}")

    # 3. promtool tests: fires and stays silent
    fires, silent = set(), set()
    for path in glob.glob(os.path.join(root, "deploy/prometheus/tests/*_test.yml")):
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for test in doc.get("tests", []):
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    for name in sorted(alert_names - fires):
        findings.append(f"alert {name}: no promtool test where it fires")
    for name in sorted(alert_names - silent):
        findings.append(f"alert {name}: no promtool test where it stays silent")

    # 4. metrics contract
    names = contract(root)
    for path, rule in alerts:
        for metric in sorted(metric_names(rule["expr"])):
            if not in_contract(metric, names):
                findings.append(f"{path}: {rule['alert']}: metric {metric} is not in docs/metrics.md")
    exprs = list(dashboard_exprs(root))
    for path, title, expr in exprs:
        for metric in sorted(metric_names(expr)):
            if not in_contract(metric, names):
                findings.append(f"{path}: panel '{title}': metric {metric} is not in docs/metrics.md")

    # 6. the contract and what alerts/dashboards use exist in the code
    code = emitted(root)
    used = {m for _, rule in alerts for m in metric_names(rule["expr"])}
    used |= {m for _, _, expr in exprs for m in metric_names(expr)}
    for metric in sorted({base_name(m) for m in used if m in names or base_name(m) in names} | set(names)):
        if "*" in metric or in_contract(metric, {}):
            continue
        if metric not in code:
            findings.append(f"metric {metric} (docs/metrics.md) is not registered by any service in crates/*/src")

    # 7. labels
    for path, rule in alerts:
        findings += label_findings(f"{path}: {rule['alert']}", rule["expr"], names)
    for path, title, expr in exprs:
        findings += label_findings(f"{path}: panel '{title}'", expr, names)

    # 5. dashboard PromQL parses
    if exprs:
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tmp:
            yaml.safe_dump({"groups": [{"name": "dashboards", "rules": [
                {"record": f"dashboard:expr{i}", "expr": expr} for i, (_, _, expr) in enumerate(exprs)]}]}, tmp)
        try:
            result = subprocess.run(["promtool", "check", "rules", tmp.name], capture_output=True, text=True)
            if result.returncode != 0:
                findings.append("dashboard queries do not parse:\n" + result.stdout + result.stderr)
        except FileNotFoundError:
            findings.append("promtool not found: cannot parse dashboard queries")
        finally:
            os.unlink(tmp.name)

    print(f"alerts: {len(alert_names)} alerts, {len(glob.glob(os.path.join(runbook_dir, '*.md')))} runbooks, "
          f"{len(exprs)} dashboard queries checked")
    return findings


def main(argv):
    root = argv[0] if argv else os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    findings = check(root)
    for finding in findings:
        print(finding)
    print("alerts/runbooks/dashboards:", "ok" if not findings else f"{len(findings)} problem(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
