#!/usr/bin/env python3
"""The port law: only 5555 (edge-api) and 3001 (the frontend) are ever exposed to users.

Fails (exit 1, one line per finding) when any tracked file:
  * mentions a forbidden port (3000, 3002-3009, 8000, 8080) in a port context
    (`:3000`, `port: 8080`, `EXPOSE 8000`, `--port 3005`, `PORT=8080`, ...);
  * publishes a port other than 5555/3001 in a compose file (ports bound to 127.0.0.1 or
    ::1 are operator-only and allowed, as long as they are not forbidden numbers);
  * EXPOSEs a port other than 5555 in a Dockerfile;
  * exposes a port other than 5555 through a Kubernetes NodePort/LoadBalancer Service,
    a hostPort, or an Ingress backend.

Usage: check_ports.py [--self-test] [ROOT]
"""

import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("check_ports.py needs PyYAML (Debian: python3-yaml; pip: pyyaml)")

PUBLIC = {5555, 3001}
FORBIDDEN = {3000, 8000, 8080} | set(range(3002, 3010))
FORBIDDEN_RE = "|".join(str(p) for p in sorted(FORBIDDEN))
PORT_CONTEXT = re.compile(
    r"(?:(?<![A-Za-z]):|[Pp][Oo][Rr][Tt][Ss]?[^0-9\n]{0,20}|EXPOSE\s+|\s-p\s*)"
    rf"(?<![0-9])({FORBIDDEN_RE})(?![0-9])"
)
TEXT_SUFFIXES = (".yml", ".yaml", ".toml", ".rs", ".sh", ".py", ".json", ".md", ".env", ".conf", ".proto", ".txt")
SELF = os.path.basename(__file__)
LOOPBACK = ("127.0.0.1", "::1", "localhost", "[::1]")


def tracked_files(root):
    try:
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=root,
                             check=True, capture_output=True, text=True).stdout
        files = [f for f in out.splitlines() if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for base, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", "target", "node_modules")]
            files += [os.path.relpath(os.path.join(base, n), root) for n in names]
    return [f for f in files if not f.startswith("target/") and os.path.isfile(os.path.join(root, f))]


def is_text(path):
    name = os.path.basename(path)
    return name.startswith("Dockerfile") or name == "Makefile" or path.endswith(TEXT_SUFFIXES)


def check_mentions(root, path, findings):
    if os.path.basename(path) == SELF:
        return
    try:
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                for match in PORT_CONTEXT.finditer(line):
                    findings.append(f"{path}:{number}: forbidden port {match.group(1)}: {line.strip()[:120]}")
    except OSError as e:
        findings.append(f"{path}: unreadable: {e}")


def parse_short_port(entry):
    """Compose short syntax -> (host_ip, published or None)."""
    text = str(entry).split("/")[0]
    host_ip = None
    if text.startswith("["):  # [::1]:5555:5555
        end = text.find("]")
        host_ip, text = text[1:end], text[end + 2:]
    parts = text.split(":")
    if len(parts) == 3:
        host_ip, published = parts[0], parts[1]
    elif len(parts) == 2:
        published = parts[0]
    else:
        return host_ip, None  # container port only: published on a random host port
    return host_ip, published


def port_numbers(text):
    text = str(text)
    if "-" in text:
        lo, hi = text.split("-", 1)
        return list(range(int(lo), int(hi) + 1))
    return [int(text)] if text.isdigit() else []


def check_compose(root, path, findings):
    try:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            doc = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as e:
        findings.append(f"{path}: cannot parse: {e}")
        return
    for name, service in (doc.get("services") or {}).items():
        for entry in (service or {}).get("ports") or []:
            if isinstance(entry, dict):
                host_ip, published = entry.get("host_ip"), entry.get("published")
            else:
                host_ip, published = parse_short_port(entry)
            if published is None:
                findings.append(f"{path}: service {name} publishes container port {entry} on a random host port")
                continue
            for port in port_numbers(published):
                if port in FORBIDDEN:
                    findings.append(f"{path}: service {name} publishes forbidden port {port}")
                elif host_ip in LOOPBACK:
                    continue
                elif port not in PUBLIC:
                    findings.append(f"{path}: service {name} publishes port {port} to the outside (only 5555/3001 may be)")


def check_dockerfile(root, path, findings):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            m = re.match(r"\s*EXPOSE\s+(.*)", line, re.IGNORECASE)
            if not m:
                continue
            for token in m.group(1).split():
                token = token.split("/")[0]
                if token.startswith("$"):
                    continue
                for port in port_numbers(token):
                    if port != 5555:
                        findings.append(f"{path}:{number}: EXPOSE {port} (only 5555 may be exposed)")


def walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def check_kubernetes(root, path, findings):
    try:
        with open(os.path.join(root, path), encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
    except (OSError, yaml.YAMLError):
        return  # not every YAML file is a manifest; compose and configs are checked elsewhere
    for doc in docs:
        kind = doc.get("kind")
        spec = doc.get("spec") or {}
        name = (doc.get("metadata") or {}).get("name", "?")
        if kind == "Service" and spec.get("type") in ("NodePort", "LoadBalancer"):
            for port in spec.get("ports") or []:
                if port.get("port") != 5555:
                    findings.append(f"{path}: Service {name} exposes port {port.get('port')} outside the cluster")
        for node in walk(doc):
            if "hostPort" in node and node["hostPort"] != 5555:
                findings.append(f"{path}: {kind} {name} uses hostPort {node['hostPort']}")
        if kind == "Ingress":
            for node in walk(spec):
                svc = node.get("service") if isinstance(node.get("service"), dict) else None
                if svc and (svc.get("port") or {}).get("number") not in (5555, None):
                    findings.append(f"{path}: Ingress {name} routes outside traffic to port {svc['port']['number']}")


def check(root):
    findings = []
    for path in tracked_files(root):
        if "/port_law_fixtures/" in f"/{path}":
            continue  # deliberately bad samples for --self-test
        name = os.path.basename(path)
        if is_text(path):
            check_mentions(root, path, findings)
        if name.startswith("Dockerfile"):
            check_dockerfile(root, path, findings)
        if path.endswith((".yml", ".yaml")):
            if "compose" in name or path.startswith("compose/"):
                check_compose(root, path, findings)
            elif "k8s" in path or "kubernetes" in path:
                check_kubernetes(root, path, findings)
    return findings


def self_test(here):
    fixtures = os.path.join(here, "port_law_fixtures")
    bad = check_fixture(os.path.join(fixtures, "bad"))
    good = check_fixture(os.path.join(fixtures, "good"))
    expected = {
        "publishes port 9090 to the outside", "publishes forbidden port 3000", "EXPOSE 50051",
        "forbidden port 8080", "exposes port 50051 outside the cluster", "hostPort 9100",
        "random host port",
    }
    missing = [e for e in expected if not any(e in f for f in bad)]
    ok = not missing and not good
    for e in missing:
        print(f"self-test: the checker missed: {e}")
    for f in good:
        print(f"self-test: false alarm: {f}")
    print("port law self-test:", "ok" if ok else "FAILED")
    return 0 if ok else 1


def check_fixture(root):
    findings = []
    for base, _, names in os.walk(root):
        for n in names:
            rel = os.path.relpath(os.path.join(base, n), root)
            full_root = root
            if n.startswith("Dockerfile"):
                check_dockerfile(full_root, rel, findings)
            if "compose" in n:
                check_compose(full_root, rel, findings)
            elif rel.startswith("k8s"):
                check_kubernetes(full_root, rel, findings)
            # mentions are checked on fixtures too (the real run skips the fixture folder)
            if is_text(rel):
                text = open(os.path.join(root, rel), encoding="utf-8").read()
                findings += [f"{rel}: forbidden port {m.group(1)}" for m in PORT_CONTEXT.finditer(text)]
    return findings


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    if "--self-test" in argv:
        return self_test(here)
    args = [a for a in argv if not a.startswith("--")]
    root = args[0] if args else os.path.dirname(here)
    findings = check(root)
    for finding in findings:
        print(finding)
    if findings:
        print(f"port law: {len(findings)} violation(s); only 5555 and 3001 may be exposed")
        return 1
    print("port law: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
