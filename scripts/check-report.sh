#!/usr/bin/env bash
# Loads an HTML report of `lsnn-rl report` in headless Chromium and fails on
# a console error, a failed request, or a picture that does not decode.
# With --screenshot FILE it also saves a PNG of the page.
#
#     ./scripts/check-report.sh runs/quickstart/report.html [--screenshot docs/img/report.png]
set -euo pipefail
report="${1:?usage: check-report.sh REPORT.html [--screenshot FILE.png]}"
shot=""
if [[ "${2:-}" == "--screenshot" ]]; then shot="${3:?--screenshot needs a file}"; fi
browser="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$browser" ]]; then
    echo "error: chromium is not installed (apt-get install -y --no-install-recommends chromium)" >&2
    exit 2
fi
[[ -f "$report" ]] || { echo "error: no such file: $report" >&2; exit 2; }
url="file://$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The flags keep Chromium off the network (the page must need none) and
# quiet; the console goes to stderr through --enable-logging.
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
    --disable-background-networking --disable-component-update --disable-sync
    --user-data-dir="$work/profile" --enable-logging=stderr --v=0
    --virtual-time-budget=5000)
timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" >"$work/dom.html" 2>"$work/console.log" || {
    echo "error: chromium failed on $report:" >&2
    tail -n 20 "$work/console.log" >&2
    exit 1
}
status=0
# Console messages of the page: CONSOLE lines of level ERROR, uncaught
# exceptions, and requests that failed (a page without external resources
# makes none).
if grep -E 'CONSOLE.*(ERROR|Uncaught)|Uncaught |net::ERR_|Failed to load resource' "$work/console.log" >&2; then
    echo "error: console errors while loading $report (above)" >&2
    status=1
fi
if grep -o 'data-broken-images="[^"]*"' "$work/dom.html" >&2; then
    echo "error: pictures that do not decode in $report (above)" >&2
    status=1
fi
images="$(grep -o 'data-images-ok="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*' || true)"
if [[ -z "$images" ]]; then
    echo "error: the page's load check did not run in $report" >&2
    status=1
fi
if [[ -n "$shot" && $status -eq 0 ]]; then
    timeout 120 "$browser" "${flags[@]}" --hide-scrollbars --window-size=1200,1700 \
        --screenshot="$shot" "$url" 2>>"$work/console.log" >/dev/null || {
        echo "error: chromium could not take the screenshot" >&2
        exit 1
    }
fi
if [[ $status -eq 0 ]]; then
    echo "ok: $report loads, ${images} picture(s) decoded, no console errors"
fi
exit $status
