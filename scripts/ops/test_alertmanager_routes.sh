#!/usr/bin/env bash
# Routing cases for deploy/alertmanager/alertmanager.yml: each line of
# deploy/alertmanager/tests/routes.txt names the receivers an alert with those labels must
# reach; `amtool config routes test --verify.receivers` fails when it does not.
set -euo pipefail
cd "$(dirname "$0")/../.."

config=deploy/alertmanager/alertmanager.yml
cases=deploy/alertmanager/tests/routes.txt
passed=0 failed=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  expected=$(echo "${line%%|*}" | xargs)
  read -r -a labels <<<"${line#*|}"
  if got=$(amtool config routes test --config.file="$config" --verify.receivers="$expected" "${labels[@]}" 2>/dev/null); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL  ${labels[*]}: expected $expected, got ${got%%$'\n'*}" >&2
  fi
done <"$cases"
echo "alertmanager routes: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
