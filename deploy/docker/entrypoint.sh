#!/usr/bin/env bash
# Container entrypoint: turns file-based secrets into the environment variables the
# services read, then becomes the service (exec, so signals reach it directly).
#
# For NAME in DATABASE_URL, AMQP_URL and the names listed in OFITEC_FILE_SECRETS, a set
# NAME_FILE=/run/secrets/x makes NAME the file's content (the convention of the official
# postgres/rabbitmq images). Secrets thus never appear in compose files, `docker inspect` or
# the process list, and the services need no change.
# An explicit list, not every *_FILE variable: SSL_CERT_FILE or RESTIC_PASSWORD_FILE are
# meant as paths, and turning a CA bundle into a variable overflows exec's argument space.
set -euo pipefail

for name in DATABASE_URL AMQP_URL ${OFITEC_FILE_SECRETS:-}; do
  file_var="${name}_FILE"
  path=${!file_var:-}
  [ -n "$path" ] || continue
  if [ ! -e "$path" ]; then
    echo "entrypoint: $file_var=$path does not exist: is the secret listed under this" \
      "service's secrets: and its file present on the host? (deploy/secrets/README.md)" >&2
    exit 2
  fi
  if [ ! -r "$path" ]; then
    # Compose (outside swarm) bind-mounts secret files with the host's owner and mode, so a
    # host file 0400 root:root is unreadable by this image's user.
    uid=$(id -u) gid=$(id -g)
    echo "entrypoint: $file_var=$path is not readable by uid $uid gid $gid" \
      "(the file is owner:group $(stat -L -c %u:%g "$path" 2>/dev/null || echo '?')," \
      "mode $(stat -L -c %a "$path" 2>/dev/null || echo '?')). Expected: readable by group $gid," \
      "e.g. on the host: chown root:$gid FILE && chmod 0440 FILE (deploy/secrets/README.md)" >&2
    exit 2
  fi
  if [ -n "${!name:-}" ]; then
    echo "entrypoint: both $name and $file_var are set; refusing to guess which wins" >&2
    exit 2
  fi
  value=$(<"$path")
  export "$name=$value"
  unset "$file_var"
done

exec "$@"
