#!/usr/bin/env bash
# HAProxy (Debian's haproxy 2.6), the load balancer in front of the replicas in `npm run test:scale`. As root it
# installs it when missing; otherwise it stops at once with the one command to run. Never started as a service
# here: the tier runs its own instances on free ports.
set -euo pipefail
[ -x /usr/sbin/haproxy ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  printf 'missing Debian package haproxy. Install it with:\n  sudo apt-get install -y haproxy\n' >&2
  exit 1
fi
echo "--- apt-get install haproxy"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy
