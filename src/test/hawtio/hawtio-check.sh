#!/usr/bin/env bash
# Browser check of `notion-sync console`: starts the demo and a console attached to it on free ports, then drives
# Hawtio in headless Chromium (hawtio-check.js) to stop and start a route through the UI. Screenshots and logs go to
# target/hawtio/. Exits non-zero on any failure. Needs Java 17, Maven (only if the jar is missing), Node 18+ and npm;
# installs Chromium (apt) and playwright-core (npm, into target/hawtio/node) when they are missing.
#
#   src/test/hawtio/hawtio-check.sh
set -euo pipefail

cd "$(dirname "$0")/../../.."
ROOT=$PWD
OUT=$ROOT/target/hawtio
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
PLAYWRIGHT_VERSION=1.65.1
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.log

if [ ! -f target/notion-sync.jar ]; then
    echo "hawtio-check: building target/notion-sync.jar"
    mvn -q -DskipTests package
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "hawtio-check: installing Chromium"
    apt-get install -y chromium >"$OUT/apt.log" 2>&1 || { apt-get update >>"$OUT/apt.log" 2>&1 && apt-get install -y chromium >>"$OUT/apt.log" 2>&1; }
fi
if [ ! -d "$OUT/node/node_modules/playwright-core" ]; then
    echo "hawtio-check: installing playwright-core $PLAYWRIGHT_VERSION into $OUT/node"
    npm install --prefix "$OUT/node" --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION"
fi

free_port() {
    node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

# a password for this run only, with a comma, "=" and a backslash (each must work whole); it goes to the processes
# through the environment and is never printed
NOTION_MANAGEMENT_PASSWORD="check,pass=word\\-$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
export NOTION_MANAGEMENT_PASSWORD
export NOTION_MANAGEMENT_USER=${NOTION_MANAGEMENT_USER:-admin}
MANAGEMENT_PORT=$(free_port)
CONSOLE_PORT=$(free_port)
JOLOKIA_URL="http://127.0.0.1:$MANAGEMENT_PORT/observe/jolokia"

echo "hawtio-check: starting the demo (management port $MANAGEMENT_PORT)"
CAMEL_SERVER_PORT=$(free_port) CAMEL_MANAGEMENT_PORT=$MANAGEMENT_PORT NOTION_DEMO_SIMULATOR_PORT=$(free_port) \
    NOTION_DEMO_EMBEDDED_DIR="$OUT/postgres" \
    java -jar target/notion-sync.jar demo >"$OUT/demo.log" 2>&1 &
PIDS+=($!)
echo "hawtio-check: starting the console on port $CONSOLE_PORT"
NOTION_CONSOLE_PORT=$CONSOLE_PORT java -jar target/notion-sync.jar console --jolokia "$JOLOKIA_URL" >"$OUT/console.log" 2>&1 &
PIDS+=($!)

wait_for() { # what, log file, text, seconds
    for _ in $(seq "$4"); do
        if grep -qs "$3" "$2"; then
            return 0
        fi
        for pid in "${PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null || { echo "hawtio-check: FAILED: a process stopped before $1; see $OUT/*.log" >&2; return 1; }
        done
        sleep 1
    done
    echo "hawtio-check: FAILED: $1 not ready after $4 s; see $2" >&2
    return 1
}
wait_for "the demo" "$OUT/demo.log" "notion-sync demo is running" 240
wait_for "the console" "$OUT/console.log" "console (Hawtio) is running" 120
# the demo's first pulls create the tables; the routes exist from the start, so no need to wait for data

CONSOLE_URL="http://127.0.0.1:$CONSOLE_PORT/" JOLOKIA_URL=$JOLOKIA_URL OUT_DIR=$OUT CHROMIUM=$CHROMIUM \
    NODE_PATH="$OUT/node/node_modules" timeout 300 node src/test/hawtio/hawtio-check.js

if grep -qF "$NOTION_MANAGEMENT_PASSWORD" "$OUT/demo.log" "$OUT/console.log"; then
    echo "hawtio-check: FAILED: the management password appears in a log" >&2
    exit 1
fi
echo "hawtio-check: the logs do not contain the management password"
