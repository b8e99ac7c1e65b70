# Shared helpers for the scripts in this directory. Source it; do not run it.
# shellcheck shell=bash

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A free TCP port on 127.0.0.1 (the kernel picks it; a tiny race is acceptable for tests).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command as root: directly when we are root, through sudo otherwise.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (install sudo or run as root)"
  fi
}

# Installs Debian/Ubuntu packages that provide missing commands.
# Usage: ensure_packages "command:package" ...
ensure_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || pg_tool_path "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    die "missing packages: ${missing[*]}. This script installs them with apt on Debian/Ubuntu; elsewhere install them with your package manager (see docs/development.md)."
  fi
  log "installing system packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Path of a PostgreSQL server tool (initdb, pg_ctl, postgres), which Debian keeps out of PATH.
pg_tool_path() {
  local tool=$1 dir
  if command -v "$tool" >/dev/null 2>&1; then command -v "$tool"; return 0; fi
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$tool" ] && { echo "$dir/$tool"; return 0; }
  done
  return 1
}

# Runs a command as the PostgreSQL owner: `postgres` when we are root (PostgreSQL refuses
# to run as root), ourselves otherwise.
as_pg_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts a throwaway PostgreSQL on loopback. Sets PG_DIR, PG_PORT, PG_URL.
start_postgres() {
  local initdb pg_ctl
  initdb=$(pg_tool_path initdb) || die "initdb not found"
  pg_ctl=$(pg_tool_path pg_ctl) || die "pg_ctl not found"
  PG_DIR=$(mktemp -d /tmp/ofitec-pg.XXXXXX)
  PG_PORT=$(free_port)
  [ "$(id -u)" -eq 0 ] && chown postgres "$PG_DIR"
  as_pg_owner "$initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  as_pg_owner "$pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || { cat "$PG_DIR/server.log" >&2; die "PostgreSQL did not start"; }
  PG_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  log "PostgreSQL on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  as_pg_owner "$(pg_tool_path pg_ctl)" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=
}

# PyYAML for the Python checkers: Debian's package, else pip for this user.
ensure_python_yaml() {
  python3 -c 'import yaml' 2>/dev/null && return 0
  if command -v apt-get >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null && return 0
  fi
  python3 -m pip install --quiet --user pyyaml
}

# Where the scripts install their pinned tools (virtualenvs, npm packages), outside the tree.
TOOLS_DIR=${OFITEC_TOOLS_DIR:-$HOME/.cache/ofitec-tools}

# A virtualenv $TOOLS_DIR/NAME holding REQUIREMENT (pip syntax, pinned with ==); made again when
# the pin changes. Prints the virtualenv's bin directory.
ensure_python_tool() {
  local name=$1 requirement=$2 dir
  dir="$TOOLS_DIR/$name"
  if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$requirement" ]; then
    ensure_packages "python3:python3"
    rm -rf "$dir"
    python3 -m venv "$dir" >/dev/null 2>&1 || {
      ensure_packages "python3-venv:python3-venv"  # Debian splits venv out
      rm -rf "$dir"
      python3 -m venv "$dir"
    }
    log "installing $requirement"
    "$dir/bin/pip" install --quiet "$requirement" >&2
    echo "$requirement" >"$dir/.installed"
  fi
  echo "$dir/bin"
}

# npm packages PACKAGE@VERSION ... (exact versions) in $TOOLS_DIR/NAME, installed again when the
# list changes. Prints the directory holding node_modules.
ensure_npm_tools() {
  local name=$1 dir wanted
  shift
  dir="$TOOLS_DIR/$name"
  wanted="$*"
  if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$wanted" ]; then
    ensure_packages "node:nodejs" "npm:npm"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo '{"private": true}' >"$dir/package.json"
    log "installing $wanted"
    npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "$@" >&2
    echo "$wanted" >"$dir/.installed"
  fi
  echo "$dir"
}

# A throwaway RabbitMQ node on loopback (Debian's rabbitmq-server): sets RMQ_DIR and AMQP_URL.
# Runs as the `rabbitmq` user when started as root; its own session so stop_rabbitmq can end
# the whole Erlang process group.
start_rabbitmq() {
  local server=/usr/lib/rabbitmq/bin/rabbitmq-server port dist runner=()
  [ -x "$server" ] || die "rabbitmq-server not found (apt-get install rabbitmq-server)"
  RMQ_DIR=$(mktemp -d /tmp/ofitec-rmq.XXXXXX)
  port=$(free_port)
  dist=$(free_port)
  mkdir -p "$RMQ_DIR/mnesia" "$RMQ_DIR/log"
  echo "[]." >"$RMQ_DIR/enabled_plugins"
  printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$port" >"$RMQ_DIR/rabbitmq.conf"
  if [ "$(id -u)" -eq 0 ] && id rabbitmq >/dev/null 2>&1; then
    chown -R rabbitmq "$RMQ_DIR"
    runner=(runuser -u rabbitmq --)
  fi
  setsid "${runner[@]}" env HOME="$RMQ_DIR" RABBITMQ_NODENAME="ofitec$port@localhost" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$dist" \
    RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia" RABBITMQ_LOG_BASE="$RMQ_DIR/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins" RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq" \
    "$server" >"$RMQ_DIR/server.out" 2>&1 &
  RMQ_PID=$!
  local _
  for _ in $(seq 1 120); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      AMQP_URL="amqp://guest:guest@127.0.0.1:$port/%2f"
      log "RabbitMQ on 127.0.0.1:$port"
      return 0
    fi
    kill -0 "$RMQ_PID" 2>/dev/null || break
    sleep 0.5
  done
  tail -n 30 "$RMQ_DIR/server.out" >&2
  die "RabbitMQ did not start"
}

stop_rabbitmq() {
  [ -n "${RMQ_DIR:-}" ] || return 0
  kill -TERM -- "-$RMQ_PID" 2>/dev/null || true
  sleep 1
  kill -KILL -- "-$RMQ_PID" 2>/dev/null || true
  rm -rf "$RMQ_DIR"
  RMQ_DIR=
}
