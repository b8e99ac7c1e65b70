#!/usr/bin/env bash
# Container HEALTHCHECK: asks the service itself, the same way its callers do.
#   edge-api      GET /api/health   (200 only when every internal service is SERVING)
#   sii-sim       GET /health
#   gRPC services grpc.health.v1 Check on the gRPC port (SERVING only while the database
#                 answers), through grpc_health_probe
# No curl in the image: bash's /dev/tcp is enough for one HTTP/1.0 GET, and one tool less
# in the runtime image is one CVE feed less to follow.
set -euo pipefail

service=${OFITEC_SERVICE:?OFITEC_SERVICE is not set}
timeout_s=${HEALTH_TIMEOUT_S:-4}

http_ok() { # host port path
  local status
  # shellcheck disable=SC2016 # the inner script expands its own positional arguments
  status=$(timeout "$timeout_s" bash -c '
    exec 3<>"/dev/tcp/$1/$2"
    printf "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: healthcheck\r\n\r\n" "$3" "$1" >&3
    IFS=" " read -r _ code _ <&3
    echo "$code"' _ "$1" "$2" "$3" 2>/dev/null) || status=000
  [ "$status" = 200 ] || { echo "unhealthy: GET $3 answered ${status:-nothing}" >&2; return 1; }
  echo "healthy: GET $3 200"
}

case "$service" in
  edge-api) http_ok 127.0.0.1 "${HEALTH_HTTP_PORT:-5555}" /api/health ;;
  sii-sim)  http_ok 127.0.0.1 "${HEALTH_HTTP_PORT:-50060}" /health ;;
  sii-gateway|f29-engine|backup-agent)
    exec grpc_health_probe -addr="${HEALTH_GRPC_ADDR:?HEALTH_GRPC_ADDR is not set}" \
      -connect-timeout "${timeout_s}s" -rpc-timeout "${timeout_s}s" ;;
  *) echo "healthcheck: unknown service $service" >&2; exit 2 ;;
esac
