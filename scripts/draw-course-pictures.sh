#!/usr/bin/env bash
# Redraws the course's pictures (Scenarios/pictures/*.svg) with the built wgsim: one key picture
# per lesson of Scenarios/README.md. Run it after changing a scenario or the drawing code, and
# commit the result; `swift test` (DrawCoursePicturesTests) redraws them in memory and fails when a
# committed picture differs from what wgsim draws now.
#
# Usage: scripts/draw-course-pictures.sh [path/to/wgsim]   (default: .build/debug/wgsim)
set -euo pipefail
cd "$(dirname "$0")/.."
wgsim="${1:-.build/debug/wgsim}"
if [ ! -x "$wgsim" ]; then
  swift build --product wgsim
fi
mkdir -p Scenarios/pictures
# The list the test reads too: picture file, then the arguments of `wgsim draw`.
while read -r name arguments; do
  case "$name" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086 # the arguments are words by design
  "$wgsim" draw $arguments -o "Scenarios/pictures/$name"
  echo "Scenarios/pictures/$name"
done <<'PICTURES'
# pictures:begin
seed-overlap-table.svg table Scenarios/seed-overlap.yaml --node server --at 6s
seed-overlap-timeline.svg timeline Scenarios/seed-overlap.yaml --node server
no-peer-unreachable-table.svg table Scenarios/no-peer-unreachable.yaml --node laptop
spoofed-source-topology.svg topology Scenarios/spoofed-source.yaml
roaming-topology.svg topology Scenarios/roaming.yaml
lossy-handshake-topology.svg topology Scenarios/lossy-handshake.yaml
hub-overlapping-lans-timeline.svg timeline Scenarios/hub-overlapping-lans.yaml --node hub
dual-stack-table.svg table Scenarios/dual-stack.yaml --node client
full-tunnel-split-table.svg table Scenarios/full-tunnel-split.yaml --node laptop
trace-replay-topology.svg topology Scenarios/trace-replay.yaml
site-to-site-topology.svg topology Scenarios/site-to-site.yaml
cookie-under-load-topology.svg topology Scenarios/cookie-under-load.yaml
endpoint-inside-allowed-ips-topology.svg topology Scenarios/endpoint-inside-allowed-ips.yaml
full-tunnel-policy-routing-table.svg table Scenarios/full-tunnel-policy-routing.yaml --node halves-laptop
hq-branch-laptop-topology.svg topology Scenarios/networks/hq-branch-laptop
lint-examples-topology.svg topology Scenarios/networks/lint-examples
hub-spoke-lan-topology.svg topology Scenarios/networks/hub-spoke-lan
# pictures:end
PICTURES
