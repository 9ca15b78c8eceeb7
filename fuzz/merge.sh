#!/usr/bin/env bash
# Folds what runs of TARGET found (fuzz/.build/found/TARGET) into the committed corpus
# fuzz/corpus/TARGET with libFuzzer's -merge=1: an input is added only if it reaches coverage
# the corpus does not, so the seeds and finding-* inputs stay and the corpus stays small.
#   fuzz/merge.sh TARGET
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: fuzz/merge.sh TARGET}"
out="$root/fuzz/.build"
export SWIFT_BACKTRACE=enable=no
mkdir -p "$out/logs"
mkdir -p "$out/artifacts/$target"
nice -n 10 "$out/fuzz-$target" -merge=1 -max_len=32768 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$out/artifacts/$target/" \
    "$root/fuzz/corpus/$target" "$out/found/$target" > "$out/logs/$target-merge.log" 2>&1
tail -n 2 "$out/logs/$target-merge.log"
echo "fuzz/corpus/$target: $(ls "$root/fuzz/corpus/$target" | wc -l) files, $(du -sh --apparent-size "$root/fuzz/corpus/$target" | cut -f1)"
