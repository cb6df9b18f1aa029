#!/usr/bin/env bash
# The README's test command: installs what the tests need on Debian 12 + Node 20, then runs every test.
# System packages come from apt only when missing; npm packages from the lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package -> a file it installs; install only the packages whose file is missing.
declare -A NEEDS=(
  [mosquitto]=/usr/sbin/mosquitto
  [chromium]=/usr/bin/chromium
  [postgresql-15]=/usr/lib/postgresql/15/bin/postgres
  [victoria-metrics]=/usr/bin/victoria-metrics
  [influxdb]=/usr/bin/influxd
  [ffmpeg]=/usr/bin/ffmpeg
  # test/docs runs the README's commands as written in a network namespace of its own (ip) and the HTTP
  # examples of docs/edge.md with curl
  [iproute2]=/sbin/ip
  [curl]=/usr/bin/curl
  # test/security makes its PKI with openssl; test/proof/bench-signals looks for leftover workers with pgrep
  [openssl]=/usr/bin/openssl
  [procps]=/usr/bin/pgrep
  # test/docs/systemd-units checks the units the docs give with systemd-analyze verify
  [systemd]=/usr/bin/systemd-analyze
)
missing=()
for pkg in "${!NEEDS[@]}"; do
  [ -e "${NEEDS[$pkg]}" ] || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts system-wide services on their default ports; the tests start their own on free ports.
  if command -v systemctl >/dev/null 2>&1; then
    for svc in mosquitto postgresql victoria-metrics influxdb; do $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true; done
  fi
fi

# A service that is still missing fails the run here, by name, instead of failing tests one by one later.
absent=()
for pkg in "${!NEEDS[@]}"; do
  [ -e "${NEEDS[$pkg]}" ] || absent+=("$pkg (${NEEDS[$pkg]})")
done
if [ "${#absent[@]}" -gt 0 ]; then
  echo "missing after install: ${absent[*]}" >&2
  exit 1
fi

npm ci --no-audit --no-fund
npm run typecheck
npm run lint
# npm ci built dist/ (prepare); this rebuilds only if the sources changed since, so no test runs stale code.
node scripts/build.mjs --if-stale
npm test
