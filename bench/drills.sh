#!/usr/bin/env bash
# Reliability drills; exit status 1 when any fails. full (default) uses the issue's sizes (10,000 pages, 10 kills) and
# appends its results to bench/RESULTS.md; quick is smaller, for trying things out, and only prints them.
# Names pick drills: kill storm pg-restart webhooks push cluster (default: all). cluster runs two instances on the PostgreSQL
# of this machine (127.0.0.1:5432, user postgres, trust) or on BENCH_DB_URL, in a fresh database.
#   bench/drills.sh [full|quick] [kill] [storm] [pg-restart] [webhooks] [push] [cluster]
set -euo pipefail
mode=full
if [[ ${1:-} == quick || ${1:-} == full ]]; then mode=$1; shift; fi
cd "$(dirname "$0")/.."
source bench/lib.sh
ensure_jar
compile_driver
mkdir -p bench/target/logs
started=$(date +%s)
header="## $(date -u '+%Y-%m-%d %H:%M UTC') · drills $mode${*:+ ($*)} · commit $(commit_id)"
machine_line="Machine: $(machine)"
out=bench/target/drills-$(date -u +%Y%m%d-%H%M%S).md
status=0
driver -Xmx2g "${DRIVER_OPTS[@]}" dev.notionsync.bench.Drills "$mode" "$out" "$@" || status=$?
if [[ $mode == full && -f $out ]]; then
    { echo; echo "$header"; echo; echo "$machine_line"; echo; cat "$out"; echo; echo "Whole run: $(( $(date +%s) - started )) s."; } >> bench/RESULTS.md
    echo "[drills] appended to bench/RESULTS.md"
fi
exit $status
