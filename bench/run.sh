#!/usr/bin/env bash
# Benchmarks B1-B7 in one run: prints the table and appends it to bench/RESULTS.md with the date, the commit and the
# machine. quick (default, < 5 min on 2 cores) uses smaller B1/B2/B5 sizes; full uses the issue's sizes and then runs
# the drills (bench/drills.sh full) too. Exit status: 0 when everything ran (targets missed are reported, not fatal),
# 1 when a benchmark failed to run or a drill failed.
set -euo pipefail
mode=${1:-quick}
[[ $mode == quick || $mode == full ]] || { echo "usage: bench/run.sh [quick|full]" >&2; exit 2; }
cd "$(dirname "$0")/.."
source bench/lib.sh

started=$(date +%s)
stamp=$(date -u +%Y%m%d-%H%M%S)
ensure_jar
compile_driver
mkdir -p bench/target/logs
header="## $(date -u '+%Y-%m-%d %H:%M UTC') · $mode${BENCH_ONLY:+, only $BENCH_ONLY (BENCH_ONLY)} · commit $(commit_id)"
machine_line="Machine: $(machine)"

table=bench/target/results-$stamp.md
heap=$([[ $mode == full ]] && echo 4g || echo 2g)
status=0
driver -Xmx$heap "${DRIVER_OPTS[@]}" dev.notionsync.bench.Bench "$mode" "$table" || status=1
grep -q '| failed |' "$table" && status=1

drills=""
if [[ $mode == full && -z ${BENCH_ONLY:-} ]]; then   # a subset (BENCH_ONLY) is no full run: no drills
    drills=bench/target/drills-$stamp.md
    driver -Xmx2g "${DRIVER_OPTS[@]}" dev.notionsync.bench.Drills full "$drills" || status=1
fi

elapsed=$(( $(date +%s) - started ))
{
    echo
    echo "$header"
    echo
    echo "$machine_line"
    echo
    cat "$table"
    if [[ -n $drills && -f $drills ]]; then
        echo
        echo "Drills:"
        echo
        cat "$drills"
    elif [[ $mode == quick || -n ${BENCH_ONLY:-} ]]; then
        echo
        echo "Drills: not part of a quick or subset run (bench/drills.sh)."
    fi
    echo
    echo "Whole run: ${elapsed} s."
} >> bench/RESULTS.md
echo "[bench] $mode run took ${elapsed} s; appended to bench/RESULTS.md"
exit $status
