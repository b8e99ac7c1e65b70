#!/usr/bin/env bash
# The vocabulary crates stay free of I/O: `ofitec-domain` and `sii-client` (whose pure parts
# the offline CLI and the tests use) must not link a database driver, gRPC, an HTTP server
# framework or telemetry. Fails naming the crate and what it reaches.
set -euo pipefail
cd "$(dirname "$0")/.."
forbidden='^(diesel|pq-sys|libsqlite3-sys|tonic|actix|opentelemetry)'
status=0
for crate in ofitec-domain sii-client; do
  reached=$(cargo tree -p "$crate" -e normal --prefix none --locked | awk '{print $1}' | sort -u | grep -E "$forbidden" || true)
  if [ -n "$reached" ]; then
    echo "error: $crate reaches I/O crates it must not depend on:" >&2
    echo "$reached" | sed 's/^/  /' >&2
    status=1
  else
    echo "$crate: no diesel, pq-sys, libsqlite3-sys, tonic, actix or opentelemetry"
  fi
done
exit $status
