#!/usr/bin/env bash
# Runs one fuzz target (built by fuzz/build.sh) for SECONDS, niced, in libFuzzer's fork mode so
# that a crash, timeout or out-of-memory input is saved and the run goes on:
#   fuzz/run.sh TARGET [SECONDS]        (default 600)
# New inputs go to fuzz/.build/found/TARGET, findings to fuzz/.build/artifacts/TARGET/, the log to
# fuzz/.build/logs/TARGET.log; fuzz/corpus/TARGET is only read. See docs/fuzzing.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:?usage: fuzz/run.sh TARGET [SECONDS]}"
seconds="${2:-600}"
case "$target" in
    time) max_len=512 ;;
    command) max_len=2048 ;;
    wgquick | table) max_len=4096 ;;
    keylog | decode | wire) max_len=8192 ;;
    scenario) max_len=24576 ;;   # the largest shipped scenario is 23.3 KB
    *) echo "fuzz/run.sh: unknown target '$target'" >&2; exit 2 ;;
esac
out="$root/fuzz/.build"
mkdir -p "$out/found/$target" "$out/artifacts/$target" "$out/logs"
cd "$out"
# A dictionary of the format's words, where there is one (fuzz/dict/TARGET.dict).
dict=()
if [ -f "$root/fuzz/dict/$target.dict" ]; then dict=(-dict="$root/fuzz/dict/$target.dict"); fi
# The Swift runtime's own crash backtracer trips AddressSanitizer; libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
exec nice -n 10 "$out/fuzz-$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 -max_total_time="$seconds" -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$out/artifacts/$target/" "$out/found/$target" "$root/fuzz/corpus/$target" \
    > "$out/logs/$target.log" 2>&1
