#!/usr/bin/env bash
# Installs what wgsim needs on a fresh Debian/Ubuntu machine, only where it is missing:
# the C libraries behind the system-library targets, and tshark for the decryption tests.
set -euo pipefail
need=()
for pkg in libpcap-dev libsodium-dev libb2-dev tshark pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
