#!/usr/bin/env bash
# Builds every benchmark in release mode and runs each at a tiny size, so CI notices a broken
# benchmark without spending minutes timing anything. Real figures: see BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product wgsim
for bench in RoutingBench PcapBench CryptoBench SimBench ReportBench; do
  swift build -c release --product "$bench"
  echo "== $bench (smoke)"
  ".build/release/$bench" --smoke
done
echo "== SimBench --threads 2 (smoke)"
.build/release/SimBench --smoke --threads 2
