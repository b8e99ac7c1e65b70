#!/usr/bin/env bash
# `make test`: everything the suite needs, on a fresh machine.
#
# 1. installs the system tools the tests use when they are missing (apt on Debian/Ubuntu);
# 2. starts throwaway PostgreSQL (and, for the queue tests, RabbitMQ) instances on loopback,
#    unless OFITEC_TEST_POSTGRES_URL points at one already (CI service containers);
# 3. builds the service binaries (process-level tests start them);
# 4. runs the whole suite on SQLite, then on PostgreSQL;
# 5. tears the instances down, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ensure_packages "python3:python3"
# sii-client's oracles: xmllint (C14N), xmlsec1 (XML-DSig), openssl (test certificates).
ensure_packages "xmlsec1:xmlsec1" "xmllint:libxml2-utils" "openssl:openssl"
# backup-agent: real restic, pg_dump/pg_restore (same major as the server, 15 on Debian 12)
# and an S3 server (moto, from PyPI) for the offsite tests.
ensure_packages "restic:restic" "pg_dump:postgresql-client" "pg_restore:postgresql-client"
if ! python3 -c 'import moto.server' 2>/dev/null; then
  ensure_packages "pip3:python3-pip"
  log "installing moto[server] (S3 test server) from PyPI"
  python3 -m pip install --quiet --user 'moto[server]' 2>/dev/null \
    || python3 -m pip install --quiet --user --break-system-packages 'moto[server]'
fi

trap 'stop_postgres; stop_rabbitmq' EXIT INT TERM
if [ -n "${OFITEC_TEST_POSTGRES_URL:-}" ]; then
  PG_URL=$OFITEC_TEST_POSTGRES_URL
  log "using the PostgreSQL server given in OFITEC_TEST_POSTGRES_URL"
else
  ensure_packages "initdb:postgresql" "pg_ctl:postgresql"
  start_postgres
fi
# sii-gateway's queue-mode tests need a broker; the broker-restart test starts its own node,
# so the server is installed even when OFITEC_TEST_AMQP_URL names one.
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || ensure_packages "rabbitmq-server:rabbitmq-server"
if [ -n "${OFITEC_TEST_AMQP_URL:-}" ]; then
  log "using the RabbitMQ server given in OFITEC_TEST_AMQP_URL"
else
  start_rabbitmq
  export OFITEC_TEST_AMQP_URL=$AMQP_URL
fi
# backup-agent's PostgreSQL *source* databases live here in both suite runs.
export OFITEC_TEST_PG_ADMIN_URL="${OFITEC_TEST_PG_ADMIN_URL:-$PG_URL}"

log "building the workspace"
cargo build --workspace --bins --tests --locked

run_suite() {
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast --profile ci
  else
    cargo test --workspace --locked --no-fail-fast
  fi
}

log "test suite on SQLite"
OFITEC_TEST_BACKEND=sqlite run_suite

log "test suite on PostgreSQL"
OFITEC_TEST_BACKEND=postgres OFITEC_TEST_POSTGRES_URL="$PG_URL" run_suite

log "all tests passed on SQLite and PostgreSQL"
