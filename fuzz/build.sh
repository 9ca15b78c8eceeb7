#!/usr/bin/env bash
# Builds the libFuzzer binary fuzz/.build/wgsim-fuzz and one link to it per target,
# fuzz/.build/fuzz-NAME (see docs/fuzzing.md; the name the binary runs under picks the target).
#
# SwiftPM cannot instrument targets for libFuzzer without also turning the CLI and the test
# bundles into fuzzers, so this script compiles the package's modules itself, in dependency
# order, each with `swiftc -sanitize=fuzzer,address -enable-testing` (the harness uses
# `@testable import` exactly as the tests do). Yams comes from SwiftPM's checkout
# (.build/checkouts/Yams, made by any `swift build`); its C part, CYaml, is compiled with
# `clang -fsanitize=fuzzer-no-link,address`. From the wgsim executable only the `wgsim table`
# line reader and session are taken: TableCommand.swift without its ArgumentParser command.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fuzz/.build"
mods="$out/modules"
objs="$out/objects"
yams="$root/.build/checkouts/Yams/Sources"
if [ ! -d "$yams/Yams" ]; then
    echo "fuzz/build.sh: $yams is missing; run 'swift build' once so SwiftPM checks out Yams" >&2
    exit 2
fi
# Modules are rebuilt from the first one whose sources are newer than its object (or
# everything with --clean); a module's object is otherwise reused.
if [ "${1:-}" = "--clean" ]; then rm -rf "$mods" "$objs" "$out/src"; fi
mkdir -p "$mods" "$objs" "$out/src"
stale=0

includes=(-I "$mods" -I "$root/Sources/CPcap" -I "$root/Sources/CSodium" -I "$root/Sources/CBlake2" -I "$yams/CYaml/include")
swift_flags=(-parse-as-library -O -g -wmo -swift-version 5 -sanitize=fuzzer,address -enable-testing "${includes[@]}")

# module NAME FILES...: one Swift module as a .swiftmodule and one object file.
module() {
    local name="$1"; shift
    if [ "$stale" = 0 ] && [ -f "$objs/$name.o" ] && [ -z "$(find "$@" -newer "$objs/$name.o")" ]; then
        echo "  $name (up to date)"; return
    fi
    stale=1
    swiftc -module-name "$name" "${swift_flags[@]}" -emit-module -emit-module-path "$mods/$name.swiftmodule" \
        -c "$@" -o "$objs/$name.o" 2> >(grep -v 'Cannot export local symbol' >&2)
    echo "  $name"
}

echo "compiling:"
for c in "$yams"/CYaml/src/*.c; do
    [ -f "$objs/CYaml-$(basename "$c" .c).o" ] && continue
    clang -c -O1 -g -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_EXPORT -I "$yams/CYaml/include" \
        "$c" -o "$objs/CYaml-$(basename "$c" .c).o"
done
echo "  CYaml"
# Yams imports CYaml only when built as a package (`#if SWIFT_PACKAGE`), as here.
# Its warnings are not ours to fix: silenced for Yams only.
swift_flags+=(-DSWIFT_PACKAGE)
plain_flags=("${swift_flags[@]}")
swift_flags+=(-suppress-warnings)
module Yams "$yams"/Yams/*.swift
swift_flags=("${plain_flags[@]}")
for name in NetAddress Packet Pcap Routing WireGuard Sim Report Scenario; do
    module "$name" "$root"/Sources/"$name"/*.swift
done
# TableCommand.swift minus `import ArgumentParser` and the `struct TableCommand: ParsableCommand`
# block (up to its closing brace in column 0): the rest, the line reader and session, is plain Swift.
awk '/^import ArgumentParser$/ { next }
     /^struct TableCommand: ParsableCommand/ { skipping = 1 }
     skipping { if ($0 == "}") skipping = 0; next }
     { print }' "$root/Sources/wgsim/TableCommand.swift" > "$out/src/TableCommand.swift.new"
grep -q 'struct TableSession' "$out/src/TableCommand.swift.new" || { echo "fuzz/build.sh: TableCommand.swift changed shape" >&2; exit 2; }
# Replaced only when it changed, so an unchanged wgsim module is not rebuilt.
cmp -s "$out/src/TableCommand.swift.new" "$out/src/TableCommand.swift" || mv -f "$out/src/TableCommand.swift.new" "$out/src/TableCommand.swift"
module wgsim "$out/src/TableCommand.swift"
module WgsimFuzz "$root/Tests/PcapTests/FuzzTarget.swift" "$root/Tests/ScenarioTests/FuzzScenarioTargets.swift" \
    "$root/Tests/WireGuardTests/FuzzDecodeTargets.swift" "$root/Tests/wgsimTests/FuzzTableTarget.swift" "$root/fuzz/main.swift"

# Linked beside and moved into place, so a fuzzer running in fork mode never sees half a binary.
swiftc -sanitize=fuzzer,address "$objs"/*.o -lpcap -lsodium -lb2 -o "$out/wgsim-fuzz.new" \
    2> >(grep -v 'Cannot export local symbol' >&2)
mv -f "$out/wgsim-fuzz.new" "$out/wgsim-fuzz"
for target in wire scenario wgquick command time keylog decode table; do
    ln -sf wgsim-fuzz "$out/fuzz-$target"
done
echo "built $out/wgsim-fuzz and fuzz/.build/fuzz-{wire,scenario,wgquick,command,time,keylog,decode,table}"
