#!/usr/bin/env bash
# PostgreSQL container init (runs once, on an empty data volume): one database per service,
# because each service owns its tables and no service reads another's.
set -euo pipefail
for db in sii_gateway f29_engine backup_agent; do
  echo "creating database $db"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE $db OWNER \"$POSTGRES_USER\""
done
