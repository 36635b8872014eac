#!/usr/bin/env bash
# The Debian packages the test tiers use: a real HTTPBin (python3-httpbin, served by gunicorn through
# tools/httpbin/app.py), promtool (prometheus), amtool (prometheus-alertmanager), the Prometheus Python client
# (python3-prometheus-client: its strict OpenMetrics parser checks /metrics) and curl (the README's examples).
# Run before `npm test` and the other tiers (their `pre` scripts) and by the README's set-up: as root it installs
# whatever is missing; otherwise it stops at once with the one command to run.
set -euo pipefail

need=()
[ -x /usr/bin/gunicorn ] || need+=(gunicorn)
/usr/bin/python3 -c 'import httpbin' 2>/dev/null || need+=(python3-httpbin)
command -v promtool >/dev/null || need+=(prometheus)
command -v amtool >/dev/null || need+=(prometheus-alertmanager)
/usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || need+=(python3-prometheus-client)
command -v curl >/dev/null || need+=(curl)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  printf 'missing Debian packages: %s. Install them with:\n  sudo apt-get update && sudo apt-get install -y %s\n' \
    "${need[*]}" "${need[*]}" >&2
  exit 1
fi
echo "--- apt-get install ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
