#!/usr/bin/env bash
# The default BG_UPDATE_INTERNAL_CMD of scripts/deploy/bluegreen.py: moves the internal
# services to $TAG with docker compose, keeping the stateless ones answering throughout.
#
#   sii-gateway, f29-engine  rolling: the new replicas start NEXT TO the running ones
#                            (`up --no-recreate --scale S=2N --wait`: compose creates the added
#                            replicas from the new configuration and leaves the running ones
#                            alone), and only once they are healthy do the old ones get SIGTERM
#                            (their stop_grace_period: sii-gateway finishes or requeues its
#                            import jobs) and get removed. If the new replicas never become
#                            healthy they are removed instead and the old ones keep serving.
#   backup-agent             recreated in place (`up --wait`): two agents would run two
#                            schedulers and restic against the same repositories. While it
#                            restarts (seconds) the backup routes answer 503 and edge-api's
#                            /api/health reports it; no user request path needs it.
#
# gRPC clients (edge-api, sii-gateway → f29-engine/backup-agent) keep their connection to an
# old replica until it goes away and then reconnect through Docker's DNS to a new one; a call
# in flight at that moment can fail once (the callers' ordinary retry/error path).
#
# Environment: BG_COMPOSE (the compose command, exported by bluegreen.py), TAG (the internal
# services' target tag; compose interpolates it), and optionally BG_INTERNAL_ROLLING and
# BG_INTERNAL_IN_PLACE (space-separated service lists, defaults above).
set -euo pipefail

: "${BG_COMPOSE:?BG_COMPOSE is not set (bluegreen.py exports the compose command)}"
: "${TAG:?TAG is not set}"
rolling=${BG_INTERNAL_ROLLING:-f29-engine sii-gateway}
in_place=${BG_INTERNAL_IN_PLACE:-backup-agent}

log() { echo "update_internal: $*" >&2; }
# The compose command is a template string (may hold several words and options).
dc() { eval "$BG_COMPOSE" '"$@"'; }

contains() { # needle haystack...
  local needle=$1 item
  shift
  for item in "$@"; do [ "$item" = "$needle" ] && return 0; done
  return 1
}

for svc in $rolling; do
  mapfile -t old < <(dc ps -q "$svc")
  if [ "${#old[@]}" -eq 0 ]; then
    log "$svc: not running; starting it at $TAG"
    dc up -d --no-deps --wait "$svc"
    continue
  fi
  n=${#old[@]}
  log "$svc: starting $n replica(s) at $TAG next to the $n running"
  if ! dc up -d --no-deps --no-recreate --wait --scale "$svc=$((2 * n))" "$svc"; then
    mapfile -t all < <(dc ps -a -q "$svc")
    new=()
    for id in "${all[@]}"; do contains "$id" "${old[@]}" || new+=("$id"); done
    log "$svc: the replicas at $TAG did not become healthy; removing them (${#new[@]}), the old ones keep serving"
    [ "${#new[@]}" -eq 0 ] || docker rm -f "${new[@]}" >/dev/null
    exit 1
  fi
  log "$svc: replicas at $TAG are healthy; stopping the $n old one(s) (SIGTERM, stop_grace_period)"
  docker stop "${old[@]}" >/dev/null
  docker rm "${old[@]}" >/dev/null
done

for svc in $in_place; do
  log "$svc: recreating in place at $TAG (restarts for a few seconds)"
  dc up -d --no-deps --wait "$svc"
done
log "internal services at $TAG"
