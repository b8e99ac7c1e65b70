#!/usr/bin/env bash
# edge-api's OpenAPI document as a contract a frontend can generate a client from:
#  1. writes it with `edge-api openapi` (from the code alone: no configuration, no platform);
#  2. validates it with openapi-spec-validator (PyPI), which also refuses shared operationIds;
#  3. generates the TypeScript types with openapi-typescript (npm) and compiles them with
#     tsc --strict together with scripts/openapi/frontend_usage.ts, a typed openapi-fetch
#     client using them.
# OPENAPI_OUT=FILE keeps the document. The tools are pinned below and installed once under
# $OFITEC_TOOLS_DIR (default ~/.cache/ofitec-tools); a changed pin installs again.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

SPEC_VALIDATOR_VERSION=0.9.0
OPENAPI_TYPESCRIPT_VERSION=7.13.0
OPENAPI_FETCH_VERSION=0.17.0
TYPESCRIPT_VERSION=5.9.3

WORK=$(mktemp -d /tmp/ofitec-openapi.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

log "writing the OpenAPI document (edge-api openapi)"
cargo run --quiet --locked -p edge-api --bin edge-api -- openapi >"$WORK/openapi.json"
if [ -n "${OPENAPI_OUT:-}" ]; then cp "$WORK/openapi.json" "$OPENAPI_OUT"; fi

validator=$(ensure_python_tool openapi-spec-validator "openapi-spec-validator==$SPEC_VALIDATOR_VERSION")
log "validating it (openapi-spec-validator $SPEC_VALIDATOR_VERSION)"
"$validator/openapi-spec-validator" "$WORK/openapi.json"

node=$(ensure_npm_tools openapi-client "openapi-typescript@$OPENAPI_TYPESCRIPT_VERSION" \
  "openapi-fetch@$OPENAPI_FETCH_VERSION" "typescript@$TYPESCRIPT_VERSION")
log "generating the TypeScript client (openapi-typescript $OPENAPI_TYPESCRIPT_VERSION)"
"$node/node_modules/.bin/openapi-typescript" "$WORK/openapi.json" --output "$WORK/schema.d.ts" >&2
cp scripts/openapi/frontend_usage.ts "$WORK/"
ln -s "$node/node_modules" "$WORK/node_modules"  # tsc resolves openapi-fetch from here
log "compiling it (tsc $TYPESCRIPT_VERSION --strict)"
"$node/node_modules/.bin/tsc" --noEmit --strict --target es2022 --lib es2022,dom \
  --module esnext --moduleResolution bundler \
  "$WORK/schema.d.ts" "$WORK/frontend_usage.ts"
log "OpenAPI: the document validates and its generated TypeScript client compiles"
