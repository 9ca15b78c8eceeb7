#!/usr/bin/env bash
# Installs what building and testing wgsim need on a fresh Debian/Ubuntu machine, only where it
# is missing:
#   libpcap-dev, libsodium-dev, libb2-dev, pkg-config  the C libraries behind the system-library
#                                                      targets, and how SwiftPM finds them;
#   git, ca-certificates                               SwiftPM clones the package dependencies
#                                                      (swift-argument-parser, Yams, swift-crypto)
#                                                      over https;
#   tshark                                             the tests that compare with Wireshark's
#                                                      dissector run it (they fail, not skip,
#                                                      without it);
#   chromium, python3                                  the report tests open every report.html
#                                                      in headless Chromium, driven by
#                                                      Tests/Browser/report_check.py (Python's
#                                                      standard library only, no pip package).
#   libopenmpi-dev, openmpi-bin                        Open MPI behind the CMPI target (split runs,
#                                                      `mpirun -np K wgsim run`, docs/mpi.md).
# Swift itself is not installed here (see swift.org).
set -euo pipefail
need=()
for pkg in libpcap-dev libsodium-dev libb2-dev pkg-config git ca-certificates tshark chromium python3 libopenmpi-dev openmpi-bin; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || echo "setup: swift is not on PATH; install Swift 6 from swift.org" >&2
