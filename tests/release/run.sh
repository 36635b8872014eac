#!/usr/bin/env bash
# `npm run test:dist`: builds the release for every target (tools/dist.ts) and checks it: headers, embedded
# addons, checksums, bad input, and the linux-arm64 binaries served under qemu-user.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

# Debian: qemu-user for arm64 plus the arm64 C, C++ and libgcc runtimes a Bun binary links against (-L below).
need_apt=()
command -v qemu-aarch64-static >/dev/null || need_apt+=(qemu-user-static)
for pkg in libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    printf 'missing Debian packages: %s. Install them with:\n  sudo apt-get update && sudo apt-get install -y %s\n' \
      "${need_apt[*]}" "${need_apt[*]}" >&2
    exit 1
  fi
  echo "--- apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

set +e
bun test --timeout 600000 tests/release
code=$?
set -e
echo "test:dist took $(($(date +%s) - started)) s"
exit "$code"
