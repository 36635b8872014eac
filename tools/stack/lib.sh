# Shared by start.sh and stop.sh (sourced, not run).
# shellcheck shell=bash disable=SC2034 # the variables are for the scripts that source this file

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_DIR=${TWINBIN_STACK_DIR:-$HOME/.cache/twinbin/stack}
BIN=$STACK_DIR/bin
RUN=${TWINBIN_STACK_RUN:-/tmp/twinbin-stack}
PIDS=$RUN/pids
LOGS=$RUN/logs

# Every backend, in start order, and a word its command line contains (checked before a pid is signalled, so
# that a pid file outliving its process never kills an unrelated one that reused the pid).
SERVICES=(httpbin jaeger victorialogs otelcol prometheus alertmanager parca)
declare -A CMDLINE_WORD=(
  [httpbin]=gunicorn [jaeger]=jaeger [victorialogs]=victoria-logs [otelcol]=otelcol
  [prometheus]=prometheus [alertmanager]=alertmanager [parca]=parca
)

# pid_of <service>: prints the pid recorded for <service> if that process is alive and still ours.
pid_of() {
  local file=$PIDS/$1.pid pid
  [ -f "$file" ] || return 1
  pid=$(<"$file")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "${CMDLINE_WORD[$1]}" || return 1
  printf '%s\n' "$pid"
}

# stop_services <service…>: SIGTERM to each, SIGKILL after TWINBIN_STACK_STOP_TIMEOUT s (10), pid files removed.
stop_services() {
  local name pid deadline alive
  local -A pids=()
  for name in "$@"; do
    if pid=$(pid_of "$name"); then
      kill -TERM "$pid" 2>/dev/null || true
      pids[$name]=$pid
    fi
  done
  deadline=$((SECONDS + ${TWINBIN_STACK_STOP_TIMEOUT:-10}))
  while :; do
    alive=()
    for name in "${!pids[@]}"; do kill -0 "${pids[$name]}" 2>/dev/null && alive+=("$name"); done
    [ ${#alive[@]} -eq 0 ] && break
    if [ $SECONDS -ge "$deadline" ]; then
      for name in "${alive[@]}"; do
        printf 'stack: %s (pid %s) ignored SIGTERM, killing\n' "$name" "${pids[$name]}" >&2
        kill -KILL "${pids[$name]}" 2>/dev/null || true
      done
      sleep 0.2
      break
    fi
    sleep 0.1
  done
  for name in "$@"; do
    [ -n "${pids[$name]:-}" ] && printf 'stack: stopped %-12s (pid %s)\n' "$name" "${pids[$name]}"
    rm -f "$PIDS/$name.pid"
  done
}
