#!/usr/bin/env bash
# Make sure a headless-capable Chromium is on PATH for the browser test of the HTML run report
# (tests/browser). Prints the browser's path on success.
#
# - Already there (chromium, chromium-browser, google-chrome, or $CHROMIUM): nothing to do.
# - Missing, and we are root with apt-get (Debian, CI containers): apt-get install chromium.
# - Missing otherwise: exit 3 with the reason (the browser test skips with it; CI installs it).
set -euo pipefail

if [[ -n "${CHROMIUM:-}" ]]; then
  command -v "${CHROMIUM}" && exit 0
  echo "CHROMIUM=${CHROMIUM} is not an executable" >&2
  exit 3
fi

find_browser() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "${name}" && return 0
  done
  return 1
}

if find_browser; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "no Chromium on PATH and no apt-get to install one: install Chromium (or set CHROMIUM)" >&2
  exit 3
fi
if [[ "$(id -u)" != 0 ]]; then
  echo "no Chromium on PATH; installing it needs root: sudo $0 (or: sudo apt-get install chromium)" >&2
  exit 3
fi
started=${SECONDS}
echo "[harness] installing Chromium (apt-get install chromium) for the browser test" >&2
if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; }; then
  echo "apt-get could not install chromium (no package source reachable?)" >&2
  exit 3
fi
echo "[harness] Chromium installed in $((SECONDS - started)) s" >&2
find_browser || {
  echo "apt-get installed chromium but no chromium is on PATH" >&2
  exit 3
}
