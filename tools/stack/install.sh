#!/usr/bin/env bash
# Installs twinbin's observability backends natively (no Docker), for tools/stack/start.sh and the e2e tier.
#
#   tools/stack/install.sh            # idempotent: anything already built at its pinned version is skipped
#
# Built from the Go module proxy into a cache OUTSIDE the repository (never vendored):
#   OpenTelemetry Collector 0.161.0   ocb (go install …/cmd/builder) + observability/otelcol-builder.yaml
#   Jaeger v2.13.0                    module github.com/jaegertracing/jaeger v1.76.0 (the same release), ./cmd/jaeger
#   Parca v0.28.0                     module github.com/parca-dev/parca v0.28.0, ./cmd/parca
#   VictoriaLogs v1.52.1              go install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.1
# `go install mod/cmd@version` cannot build the last two here (Jaeger's go.mod has replace directives; the
# proxy refuses Parca's @v/list), so each is built inside a writable copy of its downloaded module source,
# with that module's own go.mod/go.sum. Go builds run one after the other (memory); GOFLAGS is left alone, so
# `go` uses every core (set GOFLAGS=-p=1 to be gentler).
# From Debian (apt-get, root or sudo): prometheus (+ promtool), prometheus-alertmanager (+ amtool),
# python3-httpbin + gunicorn (HTTPBin, served by tools/httpbin/app.py), curl (start.sh's health checks),
# ca-certificates (for Go's downloads), each only if missing.
#
# Layout of ${TWINBIN_STACK_DIR:-$HOME/.cache/twinbin/stack}:
#   bin/      otelcol jaeger parca victoria-logs, and links to the Debian tools: prometheus promtool alertmanager amtool gunicorn
#   stamps/   one file per built tool holding what it was built from; a tool is rebuilt when it differs
#   tools/    ocb (the Collector builder)
#   build/    scratch space during a build (removed afterwards)
# Go's own module and build caches are used as configured (GOMODCACHE, GOCACHE).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
STACK_DIR=${TWINBIN_STACK_DIR:-$HOME/.cache/twinbin/stack}
BIN=$STACK_DIR/bin
STAMPS=$STACK_DIR/stamps
SCRATCH=$STACK_DIR/build
MODULE_COMMIT=""

OTELCOL_VERSION=0.161.0
OTELCOL_MANIFEST=$ROOT/observability/otelcol-builder.yaml
JAEGER_VERSION=v2.13.0
JAEGER_MODULE=github.com/jaegertracing/jaeger
JAEGER_MODULE_VERSION=v1.76.0
PARCA_MODULE=github.com/parca-dev/parca
PARCA_VERSION=v0.28.0
VICTORIALOGS_MODULE=github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs
VICTORIALOGS_VERSION=v1.52.1

step() { printf -- '--- %s\n' "$*"; }
die() {
  printf 'install.sh: %s\n' "$*" >&2
  exit 1
}
# timed <label> <command…>: runs the command and prints its wall time.
timed() {
  local label=$1 t0=$SECONDS
  shift
  "$@"
  printf '=== %s: %d s\n' "$label" $((SECONDS - t0))
}
# in_dir <dir> <command…>: runs the command in <dir> (a subshell, so the caller's directory stays).
in_dir() {
  local dir=$1
  shift
  (cd "$dir" && "$@")
}
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

mkdir -p "$BIN" "$STAMPS" "$SCRATCH"
# Two installs into the same cache at once would build into the same scratch directories.
if command -v flock >/dev/null; then
  exec 9>"$STACK_DIR/.lock"
  flock 9
fi

# ---------------------------------------------------------------------------------------------------- Debian
install_debian() {
  local need=()
  command -v prometheus >/dev/null && command -v promtool >/dev/null || need+=(prometheus)
  { command -v prometheus-alertmanager || command -v alertmanager; } >/dev/null && command -v amtool >/dev/null ||
    need+=(prometheus-alertmanager)
  [ -x /usr/bin/gunicorn ] || need+=(gunicorn)
  /usr/bin/python3 -c 'import httpbin' 2>/dev/null || need+=(python3-httpbin)
  # The e2e and integration tiers parse /metrics' OpenMetrics with the Prometheus Python client's parser.
  /usr/bin/python3 -c 'import prometheus_client' 2>/dev/null || need+=(python3-prometheus-client)
  command -v curl >/dev/null || need+=(curl)
  # Go verifies the module proxy's TLS certificate against the system's roots (npm brings its own, Go does not).
  [ -s /etc/ssl/certs/ca-certificates.crt ] || need+=(ca-certificates)
  if [ ${#need[@]} -gt 0 ]; then
    step "apt-get install ${need[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    step "Debian packages already installed"
  fi
  # On a host that runs systemd, Debian starts these as services on the very ports the stack uses.
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    local unit
    for unit in prometheus prometheus-alertmanager; do
      if systemctl is-active --quiet "$unit" 2>/dev/null; then
        printf 'install.sh: warning: %s.service is running and holds its port; start.sh will refuse to start.\n' "$unit" >&2
        printf '  stop it with: sudo systemctl disable --now %s\n' "$unit" >&2
      fi
    done
  fi
  ln -sfn "$(command -v prometheus)" "$BIN/prometheus"
  ln -sfn "$(command -v promtool)" "$BIN/promtool"
  ln -sfn "$(command -v prometheus-alertmanager || command -v alertmanager)" "$BIN/alertmanager"
  ln -sfn "$(command -v amtool)" "$BIN/amtool"
  ln -sfn /usr/bin/gunicorn "$BIN/gunicorn"
}

# -------------------------------------------------------------------------------------------------------- Go
GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || die "no Go toolchain (looked in PATH and /usr/local/go/bin)"
GO_DIR=$(dirname "$GO")
export PATH="$GO_DIR:$PATH" # ocb runs `go` from PATH

# current <tool> <stamp text>: true when bin/<tool> exists and was built from exactly <stamp text>.
current() { [ -x "$BIN/$1" ] && [ "$(cat "$STAMPS/$1" 2>/dev/null)" = "$2" ]; }
stamp() { printf '%s\n' "$2" >"$STAMPS/$1"; }

# module_source <module@version> <dest>: a writable copy of the module's source, downloaded via the proxy.
# Sets MODULE_COMMIT to the commit the proxy names as the version's origin (empty if it names none).
module_source() {
  local json dir
  # Outside any module (the scratch dir has no go.mod), so this is a plain download.
  json=$(cd "$SCRATCH" && "$GO" mod download -json "$1")
  dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  MODULE_COMMIT=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p')
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then die "go mod download $1 gave no source directory"; fi
  rm -rf "$2"
  cp -R "$dir" "$2"
  chmod -R u+w "$2"
}

# The Collector's stamp covers the manifest, so adding a component to otelcol-builder.yaml rebuilds it.
manifest_field() { # the dist.<field> value of the ocb manifest
  awk -v key="$1" '/^[^[:space:]#]/ { in_dist = ($1 == "dist:") } in_dist && $1 == key ":" { print $2; exit }' "$OTELCOL_MANIFEST"
}

build_otelcol() {
  local want out_dir name
  want="otelcol $OTELCOL_VERSION manifest-sha256=$(sha256sum "$OTELCOL_MANIFEST" | cut -d' ' -f1)"
  if current otelcol "$want"; then
    step "Collector $OTELCOL_VERSION: up to date"
    return
  fi
  if ! current builder-ocb "ocb v$OTELCOL_VERSION" || [ ! -x "$STACK_DIR/tools/builder" ]; then
    step "go install go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
    mkdir -p "$STACK_DIR/tools"
    timed "ocb (Collector builder) v$OTELCOL_VERSION" \
      env GOBIN="$STACK_DIR/tools" "$GO" install "go.opentelemetry.io/collector/cmd/builder@v$OTELCOL_VERSION"
    stamp builder-ocb "ocb v$OTELCOL_VERSION"
  fi
  out_dir=$(manifest_field output_path)
  name=$(manifest_field name)
  if [ -z "$out_dir" ] || [ -z "$name" ]; then die "cannot read dist.output_path/dist.name from $OTELCOL_MANIFEST"; fi
  step "Collector $OTELCOL_VERSION: ocb --config observability/otelcol-builder.yaml"
  rm -rf "$SCRATCH/otelcol"
  mkdir -p "$SCRATCH/otelcol"
  # output_path is relative to ocb's working directory.
  timed "Collector $OTELCOL_VERSION (ocb build)" \
    in_dir "$SCRATCH/otelcol" "$STACK_DIR/tools/builder" --config "$OTELCOL_MANIFEST"
  cp "$SCRATCH/otelcol/$out_dir/$name" "$BIN/otelcol.tmp"
  mv -f "$BIN/otelcol.tmp" "$BIN/otelcol"
  stamp otelcol "$want"
  rm -rf "$SCRATCH/otelcol"
}

build_jaeger() {
  local want="jaeger $JAEGER_VERSION module $JAEGER_MODULE@$JAEGER_MODULE_VERSION"
  if current jaeger "$want"; then
    step "Jaeger $JAEGER_VERSION: up to date"
    return
  fi
  step "Jaeger $JAEGER_VERSION: go build ./cmd/jaeger in $JAEGER_MODULE@$JAEGER_MODULE_VERSION"
  timed "Jaeger source ($JAEGER_MODULE@$JAEGER_MODULE_VERSION)" \
    module_source "$JAEGER_MODULE@$JAEGER_MODULE_VERSION" "$SCRATCH/jaeger"
  timed "Jaeger $JAEGER_VERSION (go build)" in_dir "$SCRATCH/jaeger" "$GO" build -buildvcs=false -trimpath \
    -ldflags="-s -w -X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION -X github.com/jaegertracing/jaeger/internal/version.commitSHA=$MODULE_COMMIT" \
    -o "$BIN/jaeger.tmp" ./cmd/jaeger
  mv -f "$BIN/jaeger.tmp" "$BIN/jaeger"
  stamp jaeger "$want"
  rm -rf "$SCRATCH/jaeger"
}

build_parca() {
  local want="parca $PARCA_VERSION module $PARCA_MODULE@$PARCA_VERSION"
  if current parca "$want"; then
    step "Parca $PARCA_VERSION: up to date"
    return
  fi
  step "Parca $PARCA_VERSION: go build ./cmd/parca in $PARCA_MODULE@$PARCA_VERSION"
  timed "Parca source ($PARCA_MODULE@$PARCA_VERSION)" module_source "$PARCA_MODULE@$PARCA_VERSION" "$SCRATCH/parca"
  timed "Parca $PARCA_VERSION (go build)" in_dir "$SCRATCH/parca" "$GO" build -buildvcs=false -trimpath \
    -ldflags="-s -w -X main.version=$PARCA_VERSION -X main.commit=${MODULE_COMMIT:-unknown}" -o "$BIN/parca.tmp" ./cmd/parca
  mv -f "$BIN/parca.tmp" "$BIN/parca"
  stamp parca "$want"
  rm -rf "$SCRATCH/parca"
}

# VictoriaLogs installs as a plain `go install` (cgo: its zstd binding needs a C compiler, as Go builds have here).
build_victorialogs() {
  local want="victoria-logs $VICTORIALOGS_MODULE@$VICTORIALOGS_VERSION"
  if current victoria-logs "$want"; then
    step "VictoriaLogs $VICTORIALOGS_VERSION: up to date"
    return
  fi
  step "VictoriaLogs $VICTORIALOGS_VERSION: go install $VICTORIALOGS_MODULE@$VICTORIALOGS_VERSION"
  mkdir -p "$SCRATCH/victoria-logs"
  timed "VictoriaLogs $VICTORIALOGS_VERSION (go install)" \
    env GOBIN="$SCRATCH/victoria-logs" "$GO" install "$VICTORIALOGS_MODULE@$VICTORIALOGS_VERSION"
  mv -f "$SCRATCH/victoria-logs/victoria-logs" "$BIN/victoria-logs"
  stamp victoria-logs "$want"
  rm -rf "$SCRATCH/victoria-logs"
}

step "stack directory: $STACK_DIR ($("$GO" version))"
t_all=$SECONDS
timed "Debian packages" install_debian
timed "Collector" build_otelcol
timed "Jaeger" build_jaeger
timed "Parca" build_parca
timed "VictoriaLogs" build_victorialogs
rmdir "$SCRATCH" 2>/dev/null || true

step "installed"
printf '  %-13s %s\n' \
  otelcol "$("$BIN/otelcol" --version)" \
  jaeger "$("$BIN/jaeger" version 2>/dev/null | tail -n 1)" \
  parca "$("$BIN/parca" --version)" \
  victoria-logs "$(cat "$STAMPS/victoria-logs")" \
  prometheus "$("$BIN/prometheus" --version 2>&1 | head -n 1)" \
  alertmanager "$("$BIN/alertmanager" --version 2>&1 | head -n 1)" \
  gunicorn "$("$BIN/gunicorn" --version 2>&1 | head -n 1)"
printf '=== total: %d s\n' $((SECONDS - t_all))
