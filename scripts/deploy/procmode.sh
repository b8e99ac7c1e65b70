#!/usr/bin/env bash
# Process mode for scripts/deploy/bluegreen.py: starts and stops one edge-api colour as a
# plain process instead of a container, so the blue/green logic is tested against real
# binaries on a machine without a Docker engine (scripts/deploy/test_bluegreen.py).
#
#   procmode.sh start COLOUR TAG    start edge-api on $PROC_<COLOUR>_PORT (pid in $PROC_DIR)
#   procmode.sh stop COLOUR         SIGTERM, then wait for the exit (edge-api drains first)
#
# Environment: PROC_DIR, PROC_BIN (the edge-api binary), PROC_BLUE_PORT, PROC_GREEN_PORT,
# PROC_ENV (common variables, one NAME=value per line in a file), and optionally
# $PROC_DIR/tag-TAG.env to give one tag its own variables (a tag that points edge-api at a
# dead sii-gateway, for example). Every action is appended to $PROC_DIR/events.log.
set -euo pipefail

action=${1:?usage: procmode.sh start|stop COLOUR [TAG]}
colour=${2:?colour}
tag=${3:-}
dir=${PROC_DIR:?PROC_DIR is not set}
port_var="PROC_${colour^^}_PORT"
port=${!port_var:?$port_var is not set}
pidfile="$dir/edge-$colour.pid"

event() { echo "$(date +%s.%N) $*" >>"$dir/events.log"; echo "procmode: $*" >&2; }

case "$action" in
  start)
    env_args=("OFITEC__HTTP__LISTEN=127.0.0.1:$port")
    for file in "${PROC_ENV:-}" "$dir/tag-$tag.env"; do
      if [ -z "$file" ] || [ ! -f "$file" ]; then continue; fi
      while IFS= read -r line; do [ -n "$line" ] && env_args+=("$line"); done <"$file"
    done
    env "${env_args[@]}" "${PROC_BIN:?PROC_BIN is not set}" >>"$dir/edge-$colour.log" 2>&1 &
    echo $! >"$pidfile"
    event "start $colour $tag pid=$! port=$port"
    ;;
  stop)
    [ -f "$pidfile" ] || { event "stop $colour: not running"; exit 0; }
    pid=$(cat "$pidfile")
    event "stop $colour pid=$pid (SIGTERM)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 600); do
      kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; event "stopped $colour"; exit 0; }
      sleep 0.1
    done
    event "stop $colour: still running after 60 s, SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    exit 1
    ;;
  *) echo "unknown action $action" >&2; exit 2 ;;
esac
