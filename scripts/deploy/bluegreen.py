#!/usr/bin/env python3
"""Blue/green and canary releases of edge-api behind Traefik (file provider).

    bluegreen.py status
    bluegreen.py deploy TAG      backup, start the idle colour, health gate, shift 10/50/100,
                                 drain and stop the old colour; automatic rollback on failure
    bluegreen.py canary [TAG]    (start the idle colour with TAG and) send it 10 %
    bluegreen.py switch          send everything to the canary colour, drain and stop the old one
    bluegreen.py rollback        back to the previous colour (aborts a canary, or undoes a switch)
    bluegreen.py backup          only the pre-deploy backup (CI runs it as its own step)
    bluegreen.py render          write the Traefik dynamic config from the state, change nothing else

How it works
  * Traffic: Traefik's file provider reads BG_DYNAMIC_FILE. The router `edge` sends the public
    entrypoint to the weighted service `edge` = {edge-blue: w, edge-green: 100-w}. Every change
    is written to a temporary file in the same directory and renamed over the old one, so
    Traefik never reads half a file; then the script polls Traefik's API until the new weights
    are live. Per-colour probe routes on the ops entrypoint (/colour/<c>/...) reach one colour
    directly, through their own services so probes never count as user traffic.
  * Health gate: GET /colour/<c>/api/health must answer 200 (edge-api answers 503 while any
    internal service is not SERVING).
  * During each weight step the new colour is watched for BG_OBSERVE_S seconds: health must
    stay 200 and its 5xx ratio (Traefik's traefik_service_requests_total for edge-<c>@file)
    must stay under BG_MAX_5XX_RATIO once BG_MIN_REQUESTS requests were seen. Any failure
    puts all weight back on the old colour, drains and stops the new one, exits 1.
  * Drain: before a colour is stopped its weight is 0, Traefik has confirmed it, and its
    request counter has been still for BG_DRAIN_QUIET_S; then the stop command sends SIGTERM
    and edge-api itself finishes in-flight requests (http.shutdown_grace_s) before exiting.
  * Internal services (sii-gateway, f29-engine, backup-agent) are shared by both colours and
    run their own tag, kept in the state apart from the colours' tags: `internal_tag` (what
    they run, TAG in compose.env) and `internal_with` (the internal tag each colour was
    deployed with). deploy/canary move them to the new TAG before the new colour starts
    (BG_UPDATE_INTERNAL_CMD, by default scripts/deploy/update_internal.sh: a rolling update
    for the stateless ones); every way back (abort, automatic rollback, rollback) moves them
    back to the tag of the colour that keeps or takes the traffic, after the edge weights
    are back (that pairing, old edge + new internal, was live during the shift).
  * State (active/previous colour, tags, internal tag, weights) is a JSON file in
    BG_STATE_DIR, guarded by a lock file so two deploys never interleave; compose.env beside
    it keeps the tags for `docker compose --env-file` (TAG = the internal tag, never a
    colour's: a later `up` must not move the internal services).

Every side effect is a command template taken from the environment, so the same logic runs
against containers (the defaults: docker compose) and against plain processes (the tests in
scripts/deploy/test_bluegreen.py). Templates are run with bash and may use {colour}, {tag},
{compose} and {plan}; BG_COLOUR, BG_TAG, TAG (the internal services' tag), EDGE_BLUE_TAG,
EDGE_GREEN_TAG and BG_COMPOSE (the resolved compose command) are exported.
"""

import fcntl
import json
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLOURS = ("blue", "green")


def env(name, default):
    value = os.environ.get(name)
    return default if value is None else value


class Settings:
    def __init__(self):
        self.state_dir = env("BG_STATE_DIR", os.path.join(ROOT, "deploy", "state"))
        # Host state, not repository content: compose mounts this directory into Traefik.
        # deploy/traefik/dynamic/edge.yml in the repository is the reference rendering.
        self.dynamic_file = env("BG_DYNAMIC_FILE", os.path.join(self.state_dir, "traefik", "edge.yml"))
        self.urls = {c: env(f"BG_{c.upper()}_URL", f"http://edge-api-{c}:5555") for c in COLOURS}
        self.api = env("BG_TRAEFIK_API", "http://127.0.0.1:8082").rstrip("/")
        self.compose = env("BG_COMPOSE", "docker compose --env-file {state_dir}/compose.env -p ofitec "
                           "-f " + os.path.join(ROOT, "compose", "docker-compose.prod.yml"))
        self.compose = self.compose.replace("{state_dir}", self.state_dir)
        self.start_cmd = env("BG_START_CMD", "{compose} up -d --no-deps edge-api-{colour}")
        # `stop` sends SIGTERM and waits: edge-api drains in-flight requests, then exits.
        self.stop_cmd = env("BG_STOP_CMD", "{compose} stop -t 45 edge-api-{colour}")
        # Through the image's entrypoint so the *_FILE secrets become variables, as for the
        # server; `run` asks the running agent over gRPC (one run per plan at a time).
        self.backup_cmd = env("BG_BACKUP_CMD",
                              "{compose} exec -T backup-agent ofitec-entrypoint backup-agent run --plan {plan} --reason pre-deploy")
        # Rolling for sii-gateway and f29-engine (new replicas next to the old, then the old
        # ones stop), in place for backup-agent; TAG is the target internal tag.
        self.update_internal_cmd = env("BG_UPDATE_INTERNAL_CMD",
                                       "bash " + shlex.quote(os.path.join(ROOT, "scripts", "deploy", "update_internal.sh")))
        # First deploy only: Traefik, the databases and the internal services.
        self.bootstrap_cmd = env("BG_BOOTSTRAP_CMD",
                                 "{compose} up -d --wait traefik sii-gateway f29-engine backup-agent")
        self.plan = env("BG_BACKUP_PLAN", "production")
        self.skip_backup = env("BG_SKIP_BACKUP", "0") == "1"
        self.keep_old = env("BG_KEEP_OLD", "0") == "1"
        self.steps = [int(s) for s in env("BG_STEPS", "10 50 100").split()]
        self.canary_percent = int(env("BG_CANARY_PERCENT", "10"))
        self.health_timeout = float(env("BG_HEALTH_TIMEOUT_S", "120"))
        self.observe = float(env("BG_OBSERVE_S", "30"))
        self.poll = float(env("BG_POLL_S", "1"))
        self.health_failures = int(env("BG_HEALTH_FAILURES", "2"))
        self.max_5xx = float(env("BG_MAX_5XX_RATIO", "0.05"))
        self.min_requests = int(env("BG_MIN_REQUESTS", "20"))
        self.apply_timeout = float(env("BG_APPLY_TIMEOUT_S", "30"))
        self.drain_quiet = float(env("BG_DRAIN_QUIET_S", "3"))
        self.drain_timeout = float(env("BG_DRAIN_TIMEOUT_S", "60"))
        if any(not 0 < s <= 100 for s in self.steps) or self.steps[-1] != 100:
            raise SystemExit("BG_STEPS must be increasing percentages ending at 100")


def log(message):
    print(f"==> bluegreen: {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    """A gate failed: the caller rolls back."""


def other(colour):
    return "green" if colour == "blue" else "blue"


# --- state -------------------------------------------------------------------------------

def empty_state():
    return {"active": None, "previous": None, "tags": {"blue": None, "green": None},
            "internal_tag": None, "internal_with": {"blue": None, "green": None},
            "weights": {"blue": 100, "green": 0}, "running": {"blue": False, "green": False},
            "history": []}


def upgrade_state(data):
    """A state written before the internal tag was kept apart: the internal services ran the
    active colour's tag (what compose.env said), and each colour came with its own."""
    tags = data["tags"]
    data.setdefault("internal_tag", tags.get(data.get("active") or "blue"))
    data.setdefault("internal_with", {c: tags.get(c) for c in COLOURS})
    return data


class State:
    def __init__(self, settings):
        self.s = settings
        os.makedirs(settings.state_dir, exist_ok=True)
        self.path = os.path.join(settings.state_dir, "state.json")
        self.lock_file = open(os.path.join(settings.state_dir, "lock"), "w")
        try:
            fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit("another bluegreen operation holds the lock "
                             f"({settings.state_dir}/lock); wait for it to finish")
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as f:
                self.data = upgrade_state(json.load(f))
        else:
            self.data = empty_state()

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def record(self, action, **detail):
        self.data["history"] = (self.data["history"] + [
            {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "action": action, **detail}])[-50:]

    def save(self):
        atomic_write(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")
        tags = self.data["tags"]
        # TAG is what the internal services run (or are being moved to), never a colour's tag:
        # during a deploy the active colour still runs the old tag while the internal services
        # already run the new one, and the next `docker compose up` must not move them back.
        internal = self.data["internal_tag"] or tags.get(self.data["active"] or "blue") or ""
        lines = [f"TAG={internal}"] + [f"EDGE_{c.upper()}_TAG={tags.get(c) or internal}" for c in COLOURS]
        atomic_write(os.path.join(self.s.state_dir, "compose.env"), "\n".join(lines) + "\n")


def atomic_write(path, text):
    """Writes a temp file in the same directory, fsyncs it, renames it over `path`."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    # A leading dot and a non-YAML suffix: Traefik's directory watch ignores the temp file.
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --- Traefik -----------------------------------------------------------------------------

def render_dynamic(settings, weights, note=""):
    lines = [
        "# GENERATED by scripts/deploy/bluegreen.py: do not edit by hand (make canary/switch/rollback).",
        f"# {note}" if note else "#",
        "http:",
        "  routers:",
        "    edge:",
        "      entryPoints: [web]",
        "      rule: PathPrefix(`/`)",
        "      service: edge",
    ]
    for c in COLOURS:
        lines += [
            f"    edge-{c}-probe:",
            "      # Ops entrypoint only: reaches one colour directly for health gates.",
            "      entryPoints: [traefik]",
            f"      rule: PathPrefix(`/colour/{c}/`)",
            "      middlewares: [colour-strip]",
            f"      service: edge-{c}-probe",
        ]
    lines += [
        "  middlewares:",
        "    colour-strip:",
        "      stripPrefixRegex:",
        '        regex: ["^/colour/[a-z]+"]',
        "  services:",
        "    edge:",
        "      weighted:",
        "        services:",
    ]
    for c in COLOURS:
        lines += [f"          - name: edge-{c}", f"            weight: {int(weights[c])}"]
    for c in COLOURS:
        for suffix in ("", "-probe"):
            lines += [
                f"    edge-{c}{suffix}:",
                "      loadBalancer:",
                "        passHostHeader: true",
                "        servers:",
                f"          - url: {json.dumps(settings.urls[c])}",
            ]
    return "\n".join(lines) + "\n"


def http_get(url, timeout=3.0):
    """(status, body); status 0 when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def live_weights(settings):
    status, body = http_get(f"{settings.api}/api/http/services/edge@file")
    if status != 200:
        return None
    try:
        services = json.loads(body)["weighted"]["services"]
    except (ValueError, KeyError, TypeError):
        return None
    return {s["name"].removeprefix("edge-"): int(s.get("weight", 1)) for s in services}


def set_weights(settings, state, weights, note, wait=True):
    weights = {c: int(weights[c]) for c in COLOURS}
    log(f"weights blue={weights['blue']} green={weights['green']} ({note})")
    atomic_write(settings.dynamic_file, render_dynamic(settings, weights, note))
    state["weights"] = weights
    state.save()
    if wait:
        wait_applied(settings, weights)


def wait_applied(settings, weights):
    deadline = time.monotonic() + settings.apply_timeout
    while time.monotonic() < deadline:
        if live_weights(settings) == weights:
            return
        time.sleep(0.25)
    raise Failure(f"Traefik did not apply weights {weights} within {settings.apply_timeout:.0f} s "
                  f"(API {settings.api}; live: {live_weights(settings)})")


def colour_healthy(settings, colour):
    status, _ = http_get(f"{settings.api}/colour/{colour}/api/health")
    return status == 200, status


def request_counts(settings, colour):
    """(total, 5xx) completed requests of the colour's public service, from Traefik."""
    status, body = http_get(f"{settings.api}/metrics")
    if status != 200:
        raise Failure(f"Traefik metrics unavailable at {settings.api}/metrics (HTTP {status})")
    total = errors = 0
    pattern = re.compile(r'^traefik_service_requests_total\{([^}]*)\}\s+([0-9.e+]+)$')
    for line in body.splitlines():
        m = pattern.match(line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        if labels.get("service") != f"edge-{colour}@file":
            continue
        value = float(m.group(2))
        total += value
        if labels.get("code", "").startswith("5"):
            errors += value
    return total, errors


# --- gates -------------------------------------------------------------------------------

def wait_healthy(settings, colour):
    log(f"waiting for {colour} to be healthy (up to {settings.health_timeout:.0f} s)")
    deadline = time.monotonic() + settings.health_timeout
    good = 0
    last = None
    while time.monotonic() < deadline:
        ok, last = colour_healthy(settings, colour)
        good = good + 1 if ok else 0
        if good >= 2:  # two in a row: not a lucky answer during start-up
            log(f"{colour} is healthy")
            return
        time.sleep(settings.poll)
    raise Failure(f"{colour} did not become healthy within {settings.health_timeout:.0f} s "
                  f"(last /api/health status: {last or 'no answer'})")


def observe(settings, colour, seconds):
    """Health and 5xx ratio of `colour` while it takes traffic; raises Failure."""
    log(f"observing {colour} for {seconds:.0f} s (max 5xx ratio {settings.max_5xx:.0%}, "
        f"judged after {settings.min_requests} requests)")
    total0, errors0 = request_counts(settings, colour)
    deadline = time.monotonic() + seconds
    failures = 0
    while True:
        ok, status = colour_healthy(settings, colour)
        failures = 0 if ok else failures + 1
        if failures >= settings.health_failures:
            raise Failure(f"{colour} health check failed {failures} times in a row (HTTP {status or 'no answer'})")
        total, errors = request_counts(settings, colour)
        seen, bad = total - total0, errors - errors0
        if seen >= settings.min_requests and bad / seen > settings.max_5xx:
            raise Failure(f"{colour} 5xx ratio {bad / seen:.1%} over {int(seen)} requests "
                          f"exceeds {settings.max_5xx:.0%}")
        if time.monotonic() >= deadline:
            log(f"{colour} held: {int(seen)} requests, {int(bad)} 5xx")
            return
        time.sleep(settings.poll)


def drain(settings, colour):
    """Waits until no request completes on `colour` for BG_DRAIN_QUIET_S (its weight is 0)."""
    log(f"draining {colour}")
    deadline = time.monotonic() + settings.drain_timeout
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        try:
            total, _ = request_counts(settings, colour)
        except Failure:
            total = None
        if total != last:
            last, quiet_since = total, time.monotonic()
        elif time.monotonic() - quiet_since >= settings.drain_quiet:
            log(f"{colour} drained")
            return
        time.sleep(0.25)
    log(f"{colour} still saw requests after {settings.drain_timeout:.0f} s; stopping it anyway "
        "(SIGTERM still lets in-flight requests finish)")


# --- commands ----------------------------------------------------------------------------

def run(settings, state, template, colour=None, tag=None, what="command"):
    if not template.strip():
        log(f"{what}: not configured, skipped")
        return
    command = template.format(colour=colour or "", tag=tag or "", compose=settings.compose, plan=settings.plan)
    tags = dict(state["tags"])
    if colour and tag:
        tags[colour] = tag
    # TAG: the internal services' tag (compose interpolates it for every command).
    internal = state["internal_tag"] or tag or tags.get(state["active"] or "blue") or ""
    extra = {"BG_COLOUR": colour or "", "BG_TAG": tag or "", "TAG": internal, "BG_COMPOSE": settings.compose,
             "EDGE_BLUE_TAG": tags.get("blue") or internal, "EDGE_GREEN_TAG": tags.get("green") or internal}
    log(f"{what}: {command}")
    result = subprocess.run(["bash", "-c", command], env={**os.environ, **extra}, cwd=ROOT)
    if result.returncode != 0:
        raise Failure(f"{what} failed with exit code {result.returncode}: {command}")


def start_colour(settings, state, colour, tag):
    state["tags"][colour] = tag
    state.save()  # compose.env must carry the new tag before compose reads it
    run(settings, state, settings.start_cmd, colour, tag, f"start {colour} ({tag})")
    state["running"][colour] = True
    state.save()


def stop_colour(settings, state, colour):
    if settings.keep_old:
        log(f"BG_KEEP_OLD=1: {colour} keeps running with weight 0")
        return
    run(settings, state, settings.stop_cmd, colour, state["tags"].get(colour), f"stop {colour}")
    state["running"][colour] = False
    state.save()


def set_internal(settings, state, tag, why):
    """Moves the internal services to `tag` (no-op when they already run it); raises Failure."""
    current = state["internal_tag"]
    if not tag or tag == current:
        return
    log(f"internal services: {current} -> {tag} ({why})")
    # Saved first: compose.env says where the services are going, so a failed update is
    # finished by `docker compose up -d` with the same file.
    state["internal_tag"] = tag
    state.save()
    run(settings, state, settings.update_internal_cmd, tag=tag, what=f"update internal services to {tag}")
    state.record("internal", tag=tag, previous=current, reason=why)
    state.save()


def restore_internal(settings, state, colour, why):
    """Internal services back to the tag `colour` was deployed with; False if that failed."""
    target = state["internal_with"].get(colour)
    if not target or target == state["internal_tag"]:
        return True
    try:
        set_internal(settings, state, target, why)
    except Failure as e:
        log(f"INTERNAL SERVICES NOT ROLLED BACK: {e}; {colour} serves with internal services at "
            f"an unknown mix of tags. compose.env says TAG={target}: finish with "
            f"`{settings.compose} up -d --no-deps sii-gateway f29-engine backup-agent`")
        state.record("internal-rollback-failed", tag=target, reason=str(e))
        state.save()
        return False
    return True


def backup(settings, state):
    if settings.skip_backup:
        log("BG_SKIP_BACKUP=1: pre-deploy backup skipped (the caller took one)")
        return
    run(settings, state, settings.backup_cmd, what="pre-deploy backup")


def auto_rollback(settings, state, active, new, reason):
    log(f"FAILED: {reason}")
    log(f"automatic rollback: all traffic back to {active}")
    set_weights(settings, state, {active: 100, new: 0}, f"automatic rollback: {reason}")
    drain(settings, new)
    stop_colour(settings, state, new)
    restore_internal(settings, state, active, f"automatic rollback to {active}")
    state.record("auto-rollback", colour=new, tag=state["tags"].get(new), reason=reason,
                 internal_tag=state["internal_tag"])
    state.save()
    return 1


def shift(settings, state, active, new, steps):
    """Walks the weight steps with observation; returns 0, or rolls back and returns 1."""
    try:
        for percent in steps:
            set_weights(settings, state, {new: percent, active: 100 - percent}, f"{new} {percent} %")
            observe(settings, new, settings.observe)
    except Failure as e:
        return auto_rollback(settings, state, active, new, str(e))
    return 0


def finish_switch(settings, state, old, new):
    state["previous"], state["active"] = old, new
    state.record("switch", active=new, tag=state["tags"][new], previous=old)
    state.save()
    drain(settings, old)
    stop_colour(settings, state, old)
    log(f"{new} ({state['tags'][new]}) is live; {old} ({state['tags'][old]}) is the rollback target")
    return 0


def first_deploy(settings, state, tag):
    colour = "blue"
    log(f"first deploy: {colour} gets {tag} and all traffic (no backup: nothing to back up yet)")
    state["tags"][colour] = tag
    state["internal_tag"] = tag
    state["internal_with"][colour] = tag
    weights = {colour: 100, other(colour): 0}
    # The routing file exists before Traefik starts, so it never serves without routes.
    set_weights(settings, state, weights, f"first deploy of {tag}", wait=False)
    run(settings, state, settings.bootstrap_cmd, tag=tag, what="start Traefik and the internal services")
    wait_applied(settings, weights)
    start_colour(settings, state, colour, tag)
    wait_healthy(settings, colour)
    state["active"] = colour
    state.record("first-deploy", active=colour, tag=tag)
    state.save()
    return 0


def cmd_deploy(settings, state, tag):
    if not tag:
        raise SystemExit("deploy needs a TAG")
    active = state["active"]
    if active is None:
        return first_deploy(settings, state, tag)
    new = other(active)
    if state["weights"][new] > 0:
        raise SystemExit(f"{new} already takes {state['weights'][new]} % (a canary?): "
                         "finish it with `switch` or abort it with `rollback` first")
    log(f"deploy {tag}: {active} ({state['tags'][active]}) is live, {new} gets {tag}")
    try:
        backup(settings, state)
        state["internal_with"][new] = tag
        set_internal(settings, state, tag, f"deploy {tag}")
        start_colour(settings, state, new, tag)
        wait_healthy(settings, new)
    except Failure as e:
        log(f"FAILED before any traffic moved: {e}")
        if state["running"][new]:
            stop_colour(settings, state, new)
        restore_internal(settings, state, active, f"deploy of {tag} aborted")
        state.record("deploy-aborted", colour=new, tag=tag, reason=str(e))
        state.save()
        return 1
    if shift(settings, state, active, new, settings.steps):
        return 1
    return finish_switch(settings, state, active, new)


def cmd_canary(settings, state, tag):
    active = state["active"]
    if active is None:
        raise SystemExit("nothing is deployed yet: run `deploy TAG` first")
    new = other(active)
    try:
        if tag:
            backup(settings, state)
            # As in deploy: the canary colour runs against the new internal services (the
            # active colour has to work with them too from here on).
            state["internal_with"][new] = tag
            set_internal(settings, state, tag, f"canary {tag}")
            start_colour(settings, state, new, tag)
        elif not state["running"][new]:
            raise SystemExit(f"{new} is not running: give the TAG to start it with")
        wait_healthy(settings, new)
    except Failure as e:
        log(f"FAILED before any traffic moved: {e}")
        if state["running"][new]:
            stop_colour(settings, state, new)
        restore_internal(settings, state, active, f"canary of {tag} aborted")
        state.record("canary-aborted", colour=new, tag=tag, reason=str(e))
        state.save()
        return 1
    if shift(settings, state, active, new, [settings.canary_percent]):
        return 1
    state.record("canary", colour=new, tag=state["tags"][new], percent=settings.canary_percent)
    state.save()
    log(f"canary: {new} ({state['tags'][new]}) takes {settings.canary_percent} %; "
        "`make switch` to finish, `make rollback` to abort")
    return 0


def cmd_switch(settings, state):
    active = state["active"]
    if active is None:
        raise SystemExit("nothing is deployed yet: run `deploy TAG` first")
    new = other(active)
    if not state["running"][new]:
        raise SystemExit(f"{new} is not running: start it with `canary TAG` or use `deploy TAG`")
    try:
        wait_healthy(settings, new)
    except Failure as e:
        return auto_rollback(settings, state, active, new, str(e))
    steps = [s for s in settings.steps if s > state["weights"][new]] or [100]
    if shift(settings, state, active, new, steps):
        return 1
    return finish_switch(settings, state, active, new)


def cmd_rollback(settings, state):
    active = state["active"]
    if active is None:
        raise SystemExit("nothing is deployed yet")
    new = other(active)
    if state["weights"][new] > 0 or state["running"][new]:
        # A canary or an interrupted shift: the active colour never stopped.
        log(f"rollback: aborting {new} ({state['tags'][new]}); {active} keeps serving")
        set_weights(settings, state, {active: 100, new: 0}, f"rollback: {new} aborted")
        drain(settings, new)
        stop_colour(settings, state, new)
        internal_ok = restore_internal(settings, state, active, f"rollback: {new} aborted")
        state.record("rollback", active=active, aborted=new, internal_tag=state["internal_tag"])
        state.save()
        return 0 if internal_ok else 1
    previous = state["previous"]
    if previous is None or not state["tags"].get(previous):
        raise SystemExit("no previous colour to roll back to")
    tag = state["tags"][previous]
    log(f"rollback: {previous} ({tag}) takes over from {active} ({state['tags'][active]})")
    try:
        ok, _ = colour_healthy(settings, previous)
        if not ok:
            start_colour(settings, state, previous, tag)
        wait_healthy(settings, previous)
        # Straight to 100 %: a rollback restores the last known good release now.
        set_weights(settings, state, {previous: 100, active: 0}, f"rollback to {tag}")
    except Failure as e:
        log(f"ROLLBACK FAILED: {e}; {active} keeps serving")
        set_weights(settings, state, {active: 100, previous: 0}, "rollback failed")
        if state["running"][previous]:
            stop_colour(settings, state, previous)
        return 1
    state["active"], state["previous"] = previous, active
    state.save()
    drain(settings, active)
    stop_colour(settings, state, active)
    # Edge first, then the internal services: `previous` with the newer internal services is
    # the pairing the deploy's shift already ran; the reverse never ran.
    internal_ok = restore_internal(settings, state, previous, f"rollback to {tag}")
    state.record("rollback", active=previous, tag=tag, previous=active, internal_tag=state["internal_tag"])
    state.save()
    log(f"{previous} ({tag}) is live again; internal services at {state['internal_tag']}")
    return 0 if internal_ok else 1


def cmd_status(settings, state):
    live = live_weights(settings)
    print(json.dumps({"active": state["active"], "previous": state["previous"], "tags": state["tags"],
                      "internal_tag": state["internal_tag"], "internal_with": state["internal_with"],
                      "weights": state["weights"], "live_weights": live, "running": state["running"],
                      "last": state["history"][-3:]}, indent=2))
    return 0


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, args = argv[0], argv[1:]
    settings = Settings()
    state = State(settings)
    tag = args[0] if args else os.environ.get("TAG") or None
    try:
        if command == "deploy":
            return cmd_deploy(settings, state, tag)
        if command == "canary":
            return cmd_canary(settings, state, tag)
        if command == "switch":
            return cmd_switch(settings, state)
        if command == "rollback":
            return cmd_rollback(settings, state)
        if command == "status":
            return cmd_status(settings, state)
        if command == "backup":
            settings.skip_backup = False
            backup(settings, state)
            return 0
        if command == "render":
            atomic_write(settings.dynamic_file, render_dynamic(settings, state["weights"], "rendered from state"))
            return 0
    except Failure as e:
        log(f"FAILED: {e}")
        return 1
    print(f"unknown command {command!r}; see --help", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
