#!/usr/bin/env bash
# Renders a generated HTML report (the test report of ReportTest: real PostgreSQL, the simulator's deals) with
# headless Chromium and leaves target/report-screenshot/report.png to look at.
# Usage: bench/report-screenshot.sh        (from the project directory; installs chromium with apt-get when missing)
set -euo pipefail
cd "$(dirname "$0")/.."

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing chromium (apt-get)..."
        apt-get update -qq && apt-get install -y -qq chromium >/dev/null
    else
        echo "report-screenshot: $chromium not found; install Chromium (e.g. apt-get install -y chromium) or set CHROMIUM=/path/to/chromium" >&2
        exit 2
    fi
fi

mvn -q ${MVN_OFFLINE:--o} test -Dtest='ReportTest#htmlReportScreenshotIsReadable' -Dchromium="$chromium" -Dsurefire.failIfNoSpecifiedTests=false
png=target/report-screenshot/report.png
test -s "$png" || { echo "report-screenshot: no screenshot was written (see target/report-screenshot/chromium.log)" >&2; exit 1; }
echo "screenshot: $png (from target/report-screenshot/report.html)"
