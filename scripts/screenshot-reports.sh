#!/usr/bin/env bash
# Takes one screenshot (PNG) of every shipped report page, captures/golden/*/report.html, with
# headless Chromium's own --screenshot, for people to look at (CI keeps them; nothing compares
# them pixel by pixel: the DOM checks of Tests/Browser/report_check.py carry the tests).
#
#   scripts/screenshot-reports.sh [OUTPUT_FOLDER]     (default: .build/report-screenshots)
#
# Writes OUTPUT_FOLDER/SCENARIO.png, one per golden folder that holds a report.html. Fails when
# there is no report at all, when Chromium is missing, or when a screenshot is not written.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-.build/report-screenshots}
chromium=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$chromium" ]; then
  echo "screenshot-reports: no chromium on PATH (scripts/setup.sh installs Debian's chromium)" >&2
  exit 1
fi
shopt -s nullglob
reports=(captures/golden/*/report.html)
if [ ${#reports[@]} -eq 0 ]; then
  echo "screenshot-reports: no captures/golden/*/report.html to photograph" >&2
  exit 1
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sandbox=()
[ "$(id -u)" -eq 0 ] && sandbox=(--no-sandbox)  # Chromium refuses to run as root with its sandbox
failed=0
for report in "${reports[@]}"; do
  name=$(basename "$(dirname "$report")")
  png="$out/$name.png"
  rm -f "$png"
  # A fresh profile per page; Chromium's stderr (D-Bus chatter on a server) is kept for failures.
  if ! timeout 120 "$chromium" --headless "${sandbox[@]}" --disable-gpu --hide-scrollbars \
        --no-first-run --user-data-dir="$work/profile-$name" --window-size=1280,2400 \
        --screenshot="$png" "file://$(pwd)/$report" >"$work/$name.log" 2>&1 || [ ! -s "$png" ]; then
    echo "screenshot-reports: no screenshot of $report:" >&2
    tail -n 5 "$work/$name.log" >&2
    failed=1
    continue
  fi
  echo "screenshot-reports: $png"
done
exit $failed
