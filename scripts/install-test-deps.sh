#!/usr/bin/env bash
# What the test suite needs beyond npm: pg_dump (15 or newer: `db schema` reads the PostgreSQL 15 sandbox
# with it) and Chromium (browser tests, through playwright-core). Run by `npm test` before the tests; it
# installs them with apt-get on Debian/Ubuntu when run as root, and otherwise says the exact command to run.
set -euo pipefail

need=()
pg_dump_major() { pg_dump --version 2>/dev/null | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/'; }
if ! command -v pg_dump >/dev/null 2>&1 || [ "$(pg_dump_major)" -lt 15 ]; then need+=(postgresql-client); fi
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium_path" ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

command_line="apt-get update && apt-get install -y --no-install-recommends ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need ${need[*]} (pg_dump 15+ and Chromium at ${chromium_path}), and this machine has no apt-get." >&2
  echo "Install them with your package manager (or set CHROMIUM_PATH), then run the tests again." >&2
  exit 3
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need ${need[*]}. Install them, then run the tests again:" >&2
  echo "  sudo sh -c '${command_line}'" >&2
  exit 3
fi
echo "installing what the tests need: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
