#!/usr/bin/env bash
# The Business dashboard's SQL panels against the real schema, as the real role:
#   1. every dashboard target is PromQL (`expr`) or SQL (`rawSql`) on a datasource uid that
#      deploy/grafana/provisioning/datasources/ provisions;
#   2. a throwaway PostgreSQL (loopback, random port) gets the production init scripts
#      (deploy/postgres/init-databases.sh, 20-grafana-reader.sh) and then the services'
#      own PostgreSQL migrations, in the order a fresh production host runs them;
#   3. every rawSql runs as grafana_reader (Grafana macros expanded) on its database;
#   4. grafana_reader cannot write, and cannot read backup-agent's database.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

WORK=$(mktemp -d /tmp/ofitec-grafana-sql.XXXXXX)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() { stop_postgres; rm -rf "$WORK"; }
trap cleanup EXIT

python3 - "$WORK/queries.tsv" <<'PY'
import glob, json, re, sys, yaml
uids = {}
for path in glob.glob("deploy/grafana/provisioning/datasources/*.yml"):
    for ds in yaml.safe_load(open(path))["datasources"]:
        uids[ds["uid"]] = ds
bad, rows = [], []
for path in sorted(glob.glob("deploy/grafana/dashboards/*.json")):
    for panel in json.load(open(path))["panels"]:
        for t in panel.get("targets", []):
            uid = (t.get("datasource") or panel.get("datasource") or {}).get("uid")
            where = f"{path}: panel '{panel.get('title')}'"
            if uid not in uids:
                bad.append(f"{where}: datasource uid {uid!r} is not provisioned")
            elif "rawSql" in t:
                db = uids[uid].get("jsonData", {}).get("database")
                if not db:
                    bad.append(f"{where}: SQL on {uid}, which names no database")
                    continue
                sql = t["rawSql"]
                sql = re.sub(r"\$__timeFilter\(([^)]+)\)",
                             r"\1 BETWEEN '2024-01-01T00:00:00Z' AND '2030-01-01T00:00:00Z'", sql)
                sql = re.sub(r"\$__timeGroupAlias\(([^,]+),\s*1d\)", "date_trunc('day', \\1) AS \"time\"", sql)
                if "$" in sql:
                    bad.append(f"{where}: unexpanded macro or variable in {sql!r}")
                rows.append(f"{db}\t{panel.get('title')}\t{sql}")
            elif not t.get("expr"):
                bad.append(f"{where}: target has neither expr nor rawSql")
for b in bad:
    print(b)
open(sys.argv[1], "w").write("".join(r + "\n" for r in rows))
print(f"grafana: {len(rows)} SQL queries to run")
sys.exit(1 if bad else 0)
PY

start_postgres >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PG_PORT
echo "reader-test-password" >"$WORK/grafana_db_password"
# As in the postgres image: POSTGRES_USER is the superuser that owns the databases.
POSTGRES_USER=postgres deploy/postgres/init-databases.sh >/dev/null
POSTGRES_USER=postgres GRAFANA_DB_PASSWORD_FILE="$WORK/grafana_db_password" deploy/postgres/20-grafana-reader.sh
# Twice: the script must be idempotent (it is also run by hand on existing volumes).
POSTGRES_USER=postgres GRAFANA_DB_PASSWORD_FILE="$WORK/grafana_db_password" deploy/postgres/20-grafana-reader.sh >/dev/null

for pair in sii_gateway:sii-gateway f29_engine:f29-engine backup_agent:backup-agent; do
  db=${pair%%:*} crate=${pair#*:}
  for up in crates/"$crate"/migrations/postgres/*/up.sql; do
    psql -X -q -v ON_ERROR_STOP=1 -U postgres -d "$db" -f "$up" >/dev/null
  done
done

failed=0
while IFS=$'\t' read -r db title sql; do
  if out=$(psql -X -q -v ON_ERROR_STOP=1 -U grafana_reader -d "$db" -c "$sql" 2>&1); then
    echo "ok    $db: $title"
  else
    echo "FAIL  $db: $title"; printf '      %s\n' "$out"; failed=1
  fi
done <"$WORK/queries.tsv"

if psql -X -q -U grafana_reader -d f29_engine -c "DELETE FROM declarations" >/dev/null 2>&1; then
  echo "FAIL  grafana_reader could delete from f29_engine.declarations"; failed=1
else
  echo "ok    grafana_reader cannot write"
fi
table=$(psql -X -qAt -U postgres -d backup_agent \
  -c "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1 LIMIT 1")
if [ -n "$table" ] && psql -X -q -U grafana_reader -d backup_agent -c "SELECT 1 FROM \"$table\" LIMIT 1" >/dev/null 2>&1; then
  echo "FAIL  grafana_reader can read backup_agent.$table"; failed=1
else
  echo "ok    grafana_reader cannot read backup_agent${table:+ ($table)}"
fi
exit "$failed"
