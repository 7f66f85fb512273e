#!/usr/bin/env bash
# What the test suite needs beyond npm: pg_dump (15 or newer: `db schema` reads the PostgreSQL 15 sandbox
# with it) and Chromium (browser tests, through playwright-core). Run by `npm test` before the tests; it
# installs them with apt-get on Debian/Ubuntu when run as root, and otherwise says the exact command to run.
# Optional: Debian's postgresql-15-cron, which gives the sandbox's Supabase side pg_cron; installed with the
# rest when apt can, else only named (the tests that need it skip, and the sandbox reports it unavailable).
set -euo pipefail

need=()
pg_dump_major() { pg_dump --version 2>/dev/null | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/'; }
if ! command -v pg_dump >/dev/null 2>&1 || [ "$(pg_dump_major)" -lt 15 ]; then need+=(postgresql-client); fi
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium_path" ] || need+=(chromium)
optional=()
[ -f /usr/lib/postgresql/15/lib/pg_cron.so ] || optional+=(postgresql-15-cron)
[ ${#need[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ] && exit 0

can_install_optional() {
  [ ${#optional[@]} -gt 0 ] && command -v apt-cache >/dev/null 2>&1 &&
    apt-cache policy "${optional[@]}" 2>/dev/null | grep -q 'Candidate: [0-9]'
}
if [ ${#need[@]} -eq 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! can_install_optional; then
    echo "optional: ${optional[*]} gives the sandbox's Supabase side pg_cron; without it, what needs pg_cron is not proven here." >&2
    command -v apt-get >/dev/null 2>&1 &&
      echo "  sudo sh -c 'apt-get update && apt-get install -y --no-install-recommends ${optional[*]}'" >&2
    exit 0
  fi
fi

command_line="apt-get update && apt-get install -y --no-install-recommends ${need[*]} ${optional[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "The tests need ${need[*]} (pg_dump 15+ and Chromium at ${chromium_path}), and this machine has no apt-get." >&2
  echo "Install them with your package manager (or set CHROMIUM_PATH), then run the tests again." >&2
  exit 3
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need ${need[*]} (${optional[*]:-nothing else} is optional). Install them, then run the tests again:" >&2
  echo "  sudo sh -c '${command_line}'" >&2
  exit 3
fi
echo "installing what the tests need: ${need[*]} ${optional[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
[ ${#need[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${need[@]}"
if [ ${#optional[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${optional[@]}" ||
    echo "optional: ${optional[*]} could not be installed; what needs pg_cron is not proven here." >&2
fi
