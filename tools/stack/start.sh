#!/usr/bin/env bash
# Starts twinbin's observability stack natively on 127.0.0.1, with the configs in observability/ used verbatim
# (binaries from tools/stack/install.sh):
#
#   HTTPBin       :8080                   tools/httpbin/app.py under gunicorn
#   Jaeger        :16686 UI/API, :14317/:14318 OTLP in, :14133 health, :18888 metrics   observability/jaeger.yaml
#   VictoriaLogs  :9428 OTLP logs in, LogsQL, UI at /select/vmui/   (flags below)
#   Collector     :4317/:4318 OTLP in, :13133 health, :8888 own metrics, :8889 OTLP metrics   observability/otelcol.yaml
#   Prometheus    :9090                   observability/prometheus.yml, exemplar storage on (targets/*.json: first :5000, second :5001)
#   Alertmanager  :9093                   observability/alertmanager.yml
#   Parca         :7070                   observability/parca.yaml
#
# Runtime directory ${TWINBIN_STACK_RUN:-/tmp/twinbin-stack}: pids/<name>.pid, logs/<name>.log, data/ (TSDB,
# Alertmanager state, Parca's object storage and debuginfo cache; emptied on every start, so each run begins
# with no traces, series, alerts or profiles). All backends must answer their health/ready endpoints within
# ${TWINBIN_STACK_TIMEOUT:-90} s of the start (usually 1-5 s); otherwise the end of the late one's log is printed,
# everything started is stopped again, and the exit status is 1. Refuses to start when a port is taken or the stack already runs.
# Stop with tools/stack/stop.sh.
set -euo pipefail
# shellcheck source=tools/stack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TIMEOUT=${TWINBIN_STACK_TIMEOUT:-90}
OBS=$ROOT/observability
DATA=$RUN/data

declare -A PORTS=(
  [httpbin]="8080"
  [jaeger]="14317 14318 16686 16685 14133 18888"
  [victorialogs]="9428"
  [otelcol]="4317 4318 13133 8888 8889"
  [prometheus]="9090"
  [alertmanager]="9093"
  [parca]="7070"
)
# Health checks: each URL must answer 2xx.
declare -A HEALTH=(
  [httpbin]="http://127.0.0.1:8080/get"
  [jaeger]="http://127.0.0.1:14133/status http://127.0.0.1:16686/api/services"
  [victorialogs]="http://127.0.0.1:9428/health"
  [otelcol]="http://127.0.0.1:13133/"
  [prometheus]="http://127.0.0.1:9090/-/ready"
  [alertmanager]="http://127.0.0.1:9093/-/ready"
  [parca]="http://127.0.0.1:7070/api/targets"
)

fail() {
  printf '\nstack: FAILED: %s\n' "$1" >&2
  if [ -n "${2:-}" ] && [ -f "$LOGS/$2.log" ]; then
    printf -- '----- last 40 lines of %s\n' "$LOGS/$2.log" >&2
    tail -n 40 "$LOGS/$2.log" >&2
    printf -- '-----\n' >&2
  fi
  exit 1
}

# ------------------------------------------------------------------------------------------------ preconditions
for tool in otelcol jaeger victoria-logs parca prometheus alertmanager gunicorn; do
  [ -x "$BIN/$tool" ] || fail "$BIN/$tool is missing: run tools/stack/install.sh (TWINBIN_STACK_DIR=$STACK_DIR)"
done
command -v curl >/dev/null || fail "curl is missing: run tools/stack/install.sh"

running=()
for name in "${SERVICES[@]}"; do
  if pid=$(pid_of "$name"); then running+=("$name (pid $pid)"); else rm -f "$PIDS/$name.pid"; fi
done
[ ${#running[@]} -eq 0 ] || fail "the stack already runs: ${running[*]}; stop it with tools/stack/stop.sh"

port_busy() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
busy=()
for name in "${SERVICES[@]}"; do
  for port in ${PORTS[$name]}; do
    if port_busy "$port"; then
      owner=""
      command -v ss >/dev/null && owner=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(.*)' | head -n 1 || true)
      busy+=("$port ($name) ${owner:-held by another process}")
    fi
  done
done
if [ ${#busy[@]} -gt 0 ]; then
  printf 'stack: port in use: %s\n' "${busy[@]}" >&2
  fail "ports taken (a stale stack, or Debian's prometheus/prometheus-alertmanager services: systemctl disable --now …)"
fi

# ------------------------------------------------------------------------------------------------------ start
rm -rf "$DATA"
mkdir -p "$PIDS" "$LOGS" "$DATA/prometheus" "$DATA/alertmanager" "$DATA/parca/debuginfo" "$DATA/victorialogs"

started=()
ok=0
# If anything below fails (or start.sh is interrupted), stop what was started.
on_exit() {
  [ "$ok" = 1 ] || [ ${#started[@]} -eq 0 ] || { stop_services otelcol && stop_services "${started[@]}"; } >&2
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# launch <name> <working dir> <command…>: runs the command detached from this script's stdio.
launch() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec nohup "$@") </dev/null >"$LOGS/$name.log" 2>&1 &
  printf '%s\n' "$!" >"$PIDS/$name.pid"
  started+=("$name")
}

now_ms() { printf '%s\n' $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
DEADLINE=$((SECONDS + TIMEOUT))

# wait_healthy <name>: polls the health URLs until all answer 2xx, the process dies, or DEADLINE passes.
wait_healthy() {
  local name=$1 pid url
  pid=$(<"$PIDS/$name.pid")
  for url in ${HEALTH[$name]}; do
    until curl -fsS -o /dev/null --max-time 2 --noproxy '*' "$url" 2>/dev/null; do
      kill -0 "$pid" 2>/dev/null || fail "$name (pid $pid) exited while starting" "$name"
      [ $SECONDS -lt "$DEADLINE" ] || fail "$name: $url not healthy within ${TIMEOUT} s of the start" "$name"
      sleep 0.2
    done
  done
  printf 'stack: %-12s up after %5d ms  pid %-7s log %s\n' "$name" $(($(now_ms) - T0)) "$pid" "$LOGS/$name.log"
}

# Jaeger first: the Collector exports to it and would otherwise retry for a long while. The rest do not depend
# on each other (Prometheus and Parca just retry scrapes), so they start together.
launch jaeger "$DATA" "$BIN/jaeger" --config "$OBS/jaeger.yaml"
launch httpbin "$ROOT/tools/httpbin" "$BIN/gunicorn" --chdir "$ROOT/tools/httpbin" -k gthread --threads 32 \
  -b 127.0.0.1:8080 app:application
# Exemplar storage: the services' duration histograms carry trace ids (scraped as OpenMetrics, which Prometheus
# asks for first). The external URL is what alerts' generatorURL links point at.
launch prometheus "$DATA" "$BIN/prometheus" --config.file="$OBS/prometheus.yml" \
  --storage.tsdb.path="$DATA/prometheus" --web.listen-address=127.0.0.1:9090 \
  --web.external-url=http://127.0.0.1:9090 --enable-feature=exemplar-storage
# --cluster.listen-address= turns off the gossip listener (0.0.0.0:9094 by default).
launch alertmanager "$DATA" "$BIN/alertmanager" --config.file="$OBS/alertmanager.yml" \
  --storage.path="$DATA/alertmanager" --web.listen-address=127.0.0.1:9093 --cluster.listen-address=
# Parca's object storage (./data/parca in parca.yaml) is relative to its working directory: $DATA/data/parca.
launch parca "$DATA" "$BIN/parca" --config-path="$OBS/parca.yaml" --http-address=127.0.0.1:7070 \
  --debuginfod-upstream-servers= --debuginfo-cache-dir="$DATA/parca/debuginfo"

# The Collector exports logs to VictoriaLogs.
launch victorialogs "$DATA" "$BIN/victoria-logs" -storageDataPath="$DATA/victorialogs" \
  -httpListenAddr=127.0.0.1:9428 -retentionPeriod=7d

wait_healthy jaeger
wait_healthy victorialogs
launch otelcol "$DATA" "$BIN/otelcol" --config "$OBS/otelcol.yaml"
for name in httpbin otelcol prometheus alertmanager parca; do wait_healthy "$name"; done

ok=1
printf 'stack: up in %d ms (stop: tools/stack/stop.sh). Jaeger http://127.0.0.1:16686  Prometheus http://127.0.0.1:9090  VictoriaLogs http://127.0.0.1:9428/select/vmui/  Alertmanager http://127.0.0.1:9093  Parca http://127.0.0.1:7070  HTTPBin http://127.0.0.1:8080  OTLP http://127.0.0.1:4318\n' \
  $(($(now_ms) - T0))
