#!/usr/bin/env bash
# Builds the libFuzzer binary fuzz/.build/wire-fuzzer from NetAddress, Packet, Pcap and the
# shared FuzzTarget, compiled as one module with `swiftc -sanitize=fuzzer,address`.
# SwiftPM cannot instrument a single target for libFuzzer, so the sources are copied into one
# module with their cross-module imports removed (CPcap stays a module via -I).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/fuzz/.build"
src="$out/src"
rm -rf "$src" && mkdir -p "$src"
for f in "$root"/Sources/NetAddress/*.swift "$root"/Sources/Packet/*.swift "$root"/Sources/Pcap/*.swift \
         "$root"/Tests/PcapTests/FuzzTarget.swift "$root"/fuzz/main.swift; do
    name="$(basename "$(dirname "$f")")-$(basename "$f")"
    grep -v -E '^(@_exported )?import (NetAddress|Packet|Pcap)$' "$f" > "$src/$name"
done
swiftc -module-name WireFuzz -parse-as-library -O -g -sanitize=fuzzer,address \
    -I "$root/Sources/CPcap" -lpcap "$src"/*.swift -o "$out/wire-fuzzer" 2> >(grep -v 'Cannot export local symbol' >&2)
echo "built $out/wire-fuzzer"
