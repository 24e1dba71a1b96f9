#!/usr/bin/env bash
# Makes sure a Chromium for the dashboard's browser tests (tests/e2e) is installed: Debian's own
# package, driven by the Playwright driver that the `playwright` wheel ships (Playwright's
# downloaded browsers are never used). Idempotent: does nothing when Chromium is there.
# CI runs as root on a fresh clone; elsewhere it needs root (or passwordless sudo) to install.
set -euo pipefail

found() { command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1; }

if found; then
  echo "chromium: $(command -v "${CHROMIUM:-chromium}")"
  exit 0
fi
echo "chromium not found: installing Debian's chromium package"
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "chromium is missing and this user cannot install it: run as root" \
    "'apt-get install -y chromium' (or set CHROMIUM to a Chromium binary)" >&2
  exit 1
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
found || { echo "chromium is still not on PATH after installing it" >&2; exit 1; }
echo "chromium: $(command -v "${CHROMIUM:-chromium}")"
