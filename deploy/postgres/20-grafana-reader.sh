#!/usr/bin/env bash
# The read-only role Grafana's Business dashboard uses (documents per company, F29 status per
# period). Runs after 10-databases.sh on an empty data volume (docker-entrypoint-initdb.d);
# on an existing volume run it once by hand:
#   docker compose --env-file deploy/state/compose.env -p ofitec -f compose/docker-compose.prod.yml \
#     exec -T postgres bash < deploy/postgres/20-grafana-reader.sh
# Idempotent. Skipped (with a message) when no password file is mounted, e.g. in development.
#
# grafana_reader may SELECT the tables of sii_gateway and f29_engine and nothing else (no
# grant in backup_agent): read-only transactions and a 10 s statement timeout, so a
# dashboard can neither change data nor hold the database busy.
set -euo pipefail
password_file=${GRAFANA_DB_PASSWORD_FILE:-/run/secrets/grafana_db_password}
if [ ! -r "$password_file" ]; then
  echo "grafana_reader: $password_file not readable, role not created"
  exit 0
fi
owner=${POSTGRES_USER:?POSTGRES_USER is the role that owns the services tables}
psql=(psql -v ON_ERROR_STOP=1 -X -q --username "$owner")

"${psql[@]}" --dbname postgres -v password="$(<"$password_file")" <<'SQL'
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grafana_reader') AS create_role \gset
\if :create_role
  CREATE ROLE grafana_reader LOGIN;
\endif
ALTER ROLE grafana_reader WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'password';
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '10s';
SQL

for db in sii_gateway f29_engine; do
  "${psql[@]}" --dbname "$db" -v db="$db" -v owner="$owner" <<'SQL'
GRANT CONNECT ON DATABASE :"db" TO grafana_reader;
GRANT USAGE ON SCHEMA public TO grafana_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO grafana_reader;
-- The services create their tables at start (embedded migrations), after this script.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
SQL
  echo "grafana_reader: SELECT on $db"
done
