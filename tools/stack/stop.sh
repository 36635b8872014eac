#!/usr/bin/env bash
# Stops what tools/stack/start.sh started: by the pids in ${TWINBIN_STACK_RUN:-/tmp/twinbin-stack}/pids only
# (never by process name), SIGTERM then SIGKILL after ${TWINBIN_STACK_STOP_TIMEOUT:-10} s. Removes the pid
# files; logs and data stay in the runtime directory for a look afterwards (start.sh clears the data).
# Safe to run when nothing is running.
set -euo pipefail
# shellcheck source=tools/stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -d "$PIDS" ] || exit 0
# The Collector first, while Jaeger still takes what it flushes on the way out; then the rest together.
stop_services otelcol
stop_services "${SERVICES[@]}"
# Anything else left in pids/ (a service no longer in the list) is only reported, never signalled blindly.
for file in "$PIDS"/*.pid; do
  [ -e "$file" ] || continue
  printf 'stack: leaving unknown pid file %s alone\n' "$file" >&2
done
