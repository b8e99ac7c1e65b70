#!/usr/bin/env bash
# Fuzzes edge-api from its own OpenAPI document with schemathesis (PyPI) against the real
# platform — sii-sim, sii-gateway, f29-engine, backup-agent and edge-api built by
# `cargo build --workspace --bins`, each on a free loopback port with throwaway SQLite files —
# and fails if any request gets a 5xx. Bounded in time: FUZZ_MAX_TIME seconds (default 120).
#
# The event stream (`/api/sii/events`) is left out: it never ends, which a request-response
# fuzzer reads as a hang; its inputs are covered by the e2e tests.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

MAX_TIME=${FUZZ_MAX_TIME:-120}
SCHEMATHESIS_VERSION=4.32.5

ensure_packages "python3:python3"
ST="$(ensure_python_tool schemathesis "schemathesis==$SCHEMATHESIS_VERSION")/st"

for bin in sii-sim sii-gateway f29-engine backup-agent edge-api; do
  [ -x "target/debug/$bin" ] || die "target/debug/$bin missing: cargo build --workspace --bins"
done

WORK=$(mktemp -d /tmp/ofitec-fuzz.XXXXXX)
declare -a PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

SIM=$(free_port); GW=$(free_port); F29=$(free_port); BK=$(free_port); EDGE=$(free_port)
start() {
  local name=$1; shift
  env "$@" "target/debug/$name" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}
common=(OFITEC__TELEMETRY__FORMAT=compact)
start sii-sim "${common[@]}" OFITEC__LISTEN="127.0.0.1:$SIM"
target/debug/sii-sim dev-cert --out "$WORK/dev-cert.p12" --password-file "$WORK/dev-cert.pass" >/dev/null
start sii-gateway "${common[@]}" DATABASE_URL="$WORK/gw.db" OFITEC__GRPC__LISTEN="127.0.0.1:$GW" \
  OFITEC__METRICS__LISTEN="127.0.0.1:$(free_port)" OFITEC__SII__SIM_URL="http://127.0.0.1:$SIM" \
  OFITEC__SII__CERTIFICATE__FILE="$WORK/dev-cert.p12" OFITEC__SII__CERTIFICATE__PASSWORD_FILE="$WORK/dev-cert.pass"
start f29-engine "${common[@]}" DATABASE_URL="$WORK/f29.db" OFITEC__GRPC__LISTEN="127.0.0.1:$F29" \
  OFITEC__METRICS__LISTEN="127.0.0.1:$(free_port)" SII_GATEWAY_URL="http://127.0.0.1:$GW"
start backup-agent "${common[@]}" DATABASE_URL="$WORK/backup.db" OFITEC__GRPC__LISTEN="127.0.0.1:$BK" \
  OFITEC__METRICS__LISTEN="127.0.0.1:$(free_port)"
start edge-api "${common[@]}" OFITEC_CONFIG=config/dev/edge-api.yaml OFITEC__HTTP__LISTEN="127.0.0.1:$EDGE" \
  SII_GATEWAY_URL="http://127.0.0.1:$GW" F29_ENGINE_URL="http://127.0.0.1:$F29" BACKUP_AGENT_URL="http://127.0.0.1:$BK" \
  OFITEC__RATE_LIMIT__PER_IP_RPS=100000 OFITEC__RATE_LIMIT__PER_IP_BURST=100000 \
  OFITEC__RATE_LIMIT__PER_PRINCIPAL_RPS=100000 OFITEC__RATE_LIMIT__PER_PRINCIPAL_BURST=100000

BASE="http://127.0.0.1:$EDGE/api"
for _ in $(seq 1 120); do
  python3 - "$BASE/health" <<'PY' && break
import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
except Exception:
    sys.exit(1)
PY
  sleep 0.5
done
TOKEN=$(target/debug/edge-api --config config/dev/edge-api.yaml token --sub fuzz --role admin --company '*' --ttl 1h)

log "schemathesis: $MAX_TIME s against $BASE (any 5xx fails)"
status=0
"$ST" run "$BASE/openapi.json" --url "http://127.0.0.1:$EDGE" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error --exclude-path /api/sii/events \
  --max-time "$MAX_TIME" --workers 2 --no-color || status=$?
if [ "$status" -ne 0 ]; then
  for name in edge-api sii-gateway f29-engine backup-agent; do
    echo "--- last lines of $name.log" >&2
    tail -n 15 "$WORK/$name.log" >&2
  done
  die "schemathesis found server errors (exit $status)"
fi
log "fuzz: no 5xx"
