#!/usr/bin/env bash
# Installs the Kubernetes checking tools the k8s tier uses, pinned, from their Go modules, into a cache outside
# the repository (rerunning is fast: Go's build cache), and fetches Kubernetes' own OpenAPI document:
#
#   helm         helm.sh/helm/v3/cmd/helm                v3.22.0   lint + template
#   kubeconform  github.com/yannh/kubeconform            v0.8.0    strict schema validation
#   kube-score   github.com/zegl/kube-score              v1.20.0   best-practice checks
#   OpenAPI      k8s.io/kubernetes (module download)     v1.34.4   api/openapi-spec/swagger.json
#
# Prints shell assignments for the paths (HELM=…, KUBECONFORM=…, KUBE_SCORE=…, K8S_SWAGGER=…) on the last lines.
# A kube-apiserver cannot be built this way (k8s.io/kubernetes uses replace directives to its staging modules, which
# `go install mod@version` refuses), so there is no server-side dry run.
set -euo pipefail

GOBIN_DIR=${TWINBIN_GOBIN:-$HOME/.cache/twinbin/gobin}
HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
KUBE_SCORE_VERSION=v1.20.0
KUBERNETES_VERSION=v1.34.4

GO=$(command -v go || true)
[ -n "$GO" ] || GO=/usr/local/go/bin/go
[ -x "$GO" ] || {
  echo "tools/k8s/install.sh: no Go toolchain (looked in PATH and /usr/local/go/bin)" >&2
  exit 1
}
mkdir -p "$GOBIN_DIR"

# install <binary> <module path> <version>: `go install` unless <binary> already reports <version>.
install() {
  local name=$1 pkg=$2 version=$3 stamp="$GOBIN_DIR/.$1.version"
  if [ -x "$GOBIN_DIR/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then return; fi
  echo "--- go install $pkg@$version" >&2
  local t0=$SECONDS
  GOBIN=$GOBIN_DIR "$GO" install "$pkg@$version" >&2
  echo "$version" >"$stamp"
  echo "=== $name $version: $((SECONDS - t0)) s" >&2
}

install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
install kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"
install kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION"

# The module zip is cached by Go (GOMODCACHE); `Dir` is where it was extracted.
module_dir=$("$GO" mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
swagger="$module_dir/api/openapi-spec/swagger.json"
[ -s "$swagger" ] || {
  echo "tools/k8s/install.sh: $swagger missing" >&2
  exit 1
}

echo "HELM=$GOBIN_DIR/helm"
echo "KUBECONFORM=$GOBIN_DIR/kubeconform"
echo "KUBE_SCORE=$GOBIN_DIR/kube-score"
echo "K8S_SWAGGER=$swagger"
echo "K8S_VERSION=$KUBERNETES_VERSION"
