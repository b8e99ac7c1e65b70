#!/usr/bin/env python3
"""Inhibition rules of deploy/alertmanager/alertmanager.yml, checked by a real Alertmanager.

`amtool config routes test` covers routing but not inhibition. This starts Alertmanager
(Debian prometheus-alertmanager) on a loopback port with a copy of the production config
whose receivers point at a closed loopback port (nothing leaves the machine), posts alerts
through the API and reads back which ones Alertmanager marks as inhibited.

Usage: test_alertmanager_inhibition.py   Prints "N passed, N failed".
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (name, alerts to post, {alertname/severity key: expected inhibited?})
CASES = [
    ("critical certificate alert inhibits its warning twin",
     [{"alertname": "SiiCertificateExpiring", "severity": "warning", "environment": "production"},
      {"alertname": "SiiCertificateExpiring", "severity": "critical", "environment": "production"}],
     {("SiiCertificateExpiring", "warning", "production"): True, ("SiiCertificateExpiring", "critical", "production"): False}),
    ("a critical alert on another environment does not inhibit",
     [{"alertname": "SiiCertificateExpiring", "severity": "warning", "environment": "certification"}],
     {("SiiCertificateExpiring", "warning", "certification"): False}),
    ("DatabaseUnreachable inhibits the edge error ratio it causes",
     [{"alertname": "DatabaseUnreachable", "severity": "critical", "component": "postgres"},
      {"alertname": "EdgeErrorRatioHigh", "severity": "critical"}],
     {("DatabaseUnreachable", "critical", ""): False, ("EdgeErrorRatioHigh", "critical", ""): True}),
    ("a warning never inhibits another alert",
     [{"alertname": "DiskSpaceLow", "severity": "warning", "mountpoint": "/data", "instance": "host-2"}],
     {("DiskSpaceLow", "warning", ""): False}),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(base, path, data=None):
    request = urllib.request.Request(base + path, method="POST" if data is not None else "GET",
                                     data=json.dumps(data).encode() if data is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as r:
        body = r.read()
        return json.loads(body) if body else None


def main():
    binary = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if not binary:
        sys.exit("alertmanager not found (Debian: prometheus-alertmanager)")
    tmp = tempfile.mkdtemp(prefix="ofitec-am.")
    dead = f"127.0.0.1:{free_port()}"  # nothing listens: notifications fail locally
    with open(os.path.join(ROOT, "deploy/alertmanager/alertmanager.yml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    secrets = os.path.join(tmp, "secrets")
    os.makedirs(secrets)
    with open(os.path.join(secrets, "slack_webhook_url"), "w") as f:
        f.write(f"http://{dead}/slack\n")
    with open(os.path.join(secrets, "smtp_password"), "w") as f:
        f.write("test\n")
    g = config["global"]
    g["smtp_smarthost"] = dead
    g["smtp_require_tls"] = False
    g["slack_api_url_file"] = os.path.join(secrets, "slack_webhook_url")
    g["smtp_auth_password_file"] = os.path.join(secrets, "smtp_password")
    config["templates"] = [os.path.join(ROOT, "deploy/alertmanager/templates/*.tmpl")]
    path = os.path.join(tmp, "alertmanager.yml")
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(config, f)
    port, cluster = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, f"--config.file={path}", f"--storage.path={tmp}/data",
                             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                             f"--log.level=error"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "log"), "w"))
    passed = failed = 0
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                api(base, "/api/v2/status")
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    print(open(os.path.join(tmp, "log")).read())
                    sys.exit("alertmanager did not start")
                time.sleep(0.2)
        for name, alerts, expected in CASES:
            api(base, "/api/v2/alerts", [{"labels": a, "annotations": {"summary": name}} for a in alerts])
        time.sleep(1)
        for name, alerts, expected in CASES:
            got = {}
            for a in api(base, "/api/v2/alerts"):
                l = a["labels"]
                key = (l["alertname"], l.get("severity"), l.get("environment", ""))
                if key in expected:
                    got[key] = bool(a["status"]["inhibitedBy"])
            ok = got == expected
            passed, failed = passed + ok, failed + (not ok)
            print(f"{'ok  ' if ok else 'FAIL'}  {name}" + ("" if ok else f": expected {expected}, got {got}"))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"alertmanager inhibition: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
