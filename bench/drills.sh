#!/usr/bin/env bash
# Reliability drills; exit status 1 when any fails. full (default) uses the issue's sizes (10,000 pages, 10 kills);
# quick is smaller, for trying things out. Names pick drills: kill storm pg-restart webhooks (default: all).
#   bench/drills.sh [full|quick] [kill] [storm] [pg-restart] [webhooks]
set -euo pipefail
mode=full
if [[ ${1:-} == quick || ${1:-} == full ]]; then mode=$1; shift; fi
cd "$(dirname "$0")/.."
source bench/lib.sh
ensure_jar
compile_driver
mkdir -p bench/target/logs
out=bench/target/drills-$(date -u +%Y%m%d-%H%M%S).md
driver -Xmx2g "${DRIVER_OPTS[@]}" dev.notionsync.bench.Drills "$mode" "$out" "$@"
