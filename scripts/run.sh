#!/usr/bin/env bash
# `make run`: the whole platform on one machine with embedded defaults.
#
# Builds the workspace, starts sii-sim, sii-gateway, f29-engine, backup-agent and edge-api
# (SQLite files under ./data, no PostgreSQL, no RabbitMQ), waits until /api/health is
# healthy, prints where to look, and stops everything cleanly on Ctrl-C.
# Needs only the Rust toolchain (protoc and SQLite are vendored).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust from https://rustup.rs"

EDGE_HOST=127.0.0.1
EDGE_PORT=5555
SERVICES=(sii-sim sii-gateway f29-engine backup-agent edge-api)

log "building the services (the first build takes a few minutes)"
cargo build --workspace --bins

mkdir -p data/logs
declare -A PIDS=()

# The certificate sii-gateway signs getToken with against the simulator (kept while valid).
target/debug/sii-sim --config config/dev/sii-sim.yaml dev-cert --out data/dev-cert.p12 \
  --password-file data/dev-cert.pass >>data/logs/sii-sim.log 2>&1 \
  || die "could not write the development certificate; see data/logs/sii-sim.log"

stop_all() {
  trap - INT TERM EXIT
  local name
  if [ ${#PIDS[@]} -gt 0 ]; then
    log "stopping: ${!PIDS[*]}"
    for name in "${!PIDS[@]}"; do kill -TERM "${PIDS[$name]}" 2>/dev/null || true; done
    for name in "${!PIDS[@]}"; do wait "${PIDS[$name]}" 2>/dev/null || true; done
  fi
  log "stopped"
}
trap stop_all INT TERM EXIT

# A plain HTTP GET over bash's /dev/tcp, so `make run` needs neither curl nor python.
http_status() {
  (
    exec 3<>"/dev/tcp/$EDGE_HOST/$EDGE_PORT" || exit 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" "$EDGE_HOST" >&3
    IFS=' ' read -r _ status _ <&3 || true
    echo "${status:-0}"
  ) 2>/dev/null || echo 0
}

for name in "${SERVICES[@]}"; do
  target/debug/"$name" --config "config/dev/$name.yaml" >>"data/logs/$name.log" 2>&1 &
  PIDS[$name]=$!
done

log "waiting for http://$EDGE_HOST:$EDGE_PORT/api/health"
for _ in $(seq 1 120); do
  for name in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$name]}" 2>/dev/null; then
      unset "PIDS[$name]"
      echo "--- last lines of data/logs/$name.log ---" >&2
      tail -n 20 "data/logs/$name.log" >&2
      die "$name exited during start-up (is a port already in use?)"
    fi
  done
  [ "$(http_status /api/health)" = "200" ] && break
  sleep 0.5
done
[ "$(http_status /api/health)" = "200" ] || die "edge-api did not become healthy; see data/logs/"

# Backups need restic and pg_dump/pg_restore; the agent runs without them and says so.
if ! tools=$(target/debug/backup-agent --config config/dev/backup-agent.yaml tools 2>&1); then
  log "backup-agent is missing tools (backups fail until they are installed, then restart):"
  printf '%s\n' "$tools" | grep MISSING >&2 || printf '%s\n' "$tools" >&2
fi

TOKEN=$(target/debug/edge-api --config config/dev/edge-api.yaml token --sub dev --role admin --company '*' --ttl 8h) \
  || die "could not issue a development token"

cat <<BANNER

  OFITEC is running.

  API        http://$EDGE_HOST:$EDGE_PORT/api        (the only exposed port)
  OpenAPI    http://$EDGE_HOST:$EDGE_PORT/api/openapi.json
  Health     curl -s http://$EDGE_HOST:$EDGE_PORT/api/health
  Metrics    curl -s http://$EDGE_HOST:$EDGE_PORT/api/metrics

  Admin token (8 h, every company; make more with
  target/debug/edge-api --config config/dev/edge-api.yaml token --sub ana --role operator --company 76123456-0 --ttl 8h):

  export TOKEN=$TOKEN

  curl -s -H "Authorization: Bearer \$TOKEN" http://$EDGE_HOST:$EDGE_PORT/api/sii/token
  curl -s -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' \\
       -d '{"company": "76123456-0", "year": 2024, "month": 11}' http://$EDGE_HOST:$EDGE_PORT/api/sii/rcv/import
  curl -sN -H "Authorization: Bearer \$TOKEN" http://$EDGE_HOST:$EDGE_PORT/api/sii/events
  curl -s -H "Authorization: Bearer \$TOKEN" "http://$EDGE_HOST:$EDGE_PORT/api/sii/summary?company=76123456-0&period=2024-11"
  curl -s -X POST -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{}' \\
       http://$EDGE_HOST:$EDGE_PORT/api/f29/76123456-0/2024-11/compute
  SII        sii-sim on http://127.0.0.1:50060 (loopback only)
  Data       ./data/*.db (SQLite)
  Logs       tail -f data/logs/*.log

  Press Ctrl-C to stop everything.

BANNER

# Stay up until Ctrl-C (the trap stops everything), or until a service exits on its own.
set +e
wait -n -p exited "${PIDS[@]}"
status=$?
set -e
for name in "${!PIDS[@]}"; do
  if [ "${PIDS[$name]}" = "${exited:-}" ]; then
    unset "PIDS[$name]"
    if [ "$status" -ne 0 ]; then
      echo "--- last lines of data/logs/$name.log ---" >&2
      tail -n 20 "data/logs/$name.log" >&2
      die "$name exited with status $status"
    fi
    log "$name stopped"
  fi
done
