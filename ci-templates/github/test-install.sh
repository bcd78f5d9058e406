#!/usr/bin/env bash
# Tests ci-templates/github/install.sh against a release served by `python3 -m http.server` on loopback:
# it installs a verified download, uses its cache on a second run (with the server gone), rejects a tarball whose
# checksum does not match (clear error, nothing installed), and exits 3 for a ref without a release.
# Prints `N passed, N failed` last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=""
stop_server() { if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; fi; }
trap 'stop_server; rm -rf "$work"' EXIT
passed=0
failed=0
check() {
  local what=$1
  shift
  if "$@" >"$work/check.log" 2>&1; then passed=$((passed + 1)); echo "ok - $what"; else
    failed=$((failed + 1)); echo "not ok - $what"; sed 's/^/    /' "$work/check.log" | tail -20
  fi
}
case $(uname -m) in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac

# A release v1.2.3 of acme/verify-layers whose "binary" is a script, and a tampered release v1.2.4.
make_release() {
  local tag=$1 version=${1#v} dir
  dir=$work/www/acme/verify-layers/releases/download/$tag
  mkdir -p "$dir" "$work/build/verify-layers-$version-linux-$arch"
  printf '#!/bin/sh\necho "verify-layers %s (test)"\n' "$version" >"$work/build/verify-layers-$version-linux-$arch/verify-layers"
  chmod 0755 "$work/build/verify-layers-$version-linux-$arch/verify-layers"
  tar -czf "$dir/verify-layers-$version-linux-$arch.tar.gz" -C "$work/build" "verify-layers-$version-linux-$arch"
  (cd "$dir" && sha256sum "verify-layers-$version-linux-$arch.tar.gz" >SHA256SUMS)
}
make_release v1.2.3
make_release v1.2.4
printf 'tampered' | gzip >>"$work/www/acme/verify-layers/releases/download/v1.2.4/verify-layers-1.2.4-linux-$arch.tar.gz"

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/www" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'port [0-9]' "$work/server.log" 2>/dev/null && break; sleep 0.05; done
port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$work/server.log" | head -n 1)
[ -n "$port" ] || { echo "test-install: the HTTP server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

install_ref() { # REF DEST CACHE
  env VERIFY_LAYERS_REPOSITORY=acme/verify-layers VERIFY_LAYERS_REF="$1" VERIFY_LAYERS_INSTALL_DIR="$2" \
    VERIFY_LAYERS_CACHE_DIR="$3" VERIFY_LAYERS_DOWNLOAD_URL="http://127.0.0.1:$port" bash "$here/install.sh"
}
installs() { install_ref "$@" && [ "$("$2/verify-layers")" = "verify-layers ${1#v} (test)" ]; }
check "downloads, verifies and installs v1.2.3" installs v1.2.3 "$work/bin1" "$work/cache"
stop_server
cached_run() {
  local output
  output=$(install_ref v1.2.3 "$work/bin2" "$work/cache") && grep -q 'using the cached' <<<"$output" && [ -x "$work/bin2/verify-layers" ]
}
check "a second run uses the cache (the server is gone)" cached_run
python3 -u -m http.server "$port" --bind 127.0.0.1 --directory "$work/www" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q 'port [0-9]' "$work/server.log" 2>/dev/null && break; sleep 0.05; done
rejects() {
  local status=0
  install_ref v1.2.4 "$work/bin3" "$work/cache3" 2>"$work/stderr" || status=$?
  [ "$status" = 1 ] && grep -q 'checksum mismatch' "$work/stderr" && [ ! -e "$work/bin3/verify-layers" ] && [ ! -e "$work/cache3/1.2.4-$arch" ]
}
check "a tarball whose checksum does not match is rejected and nothing is installed" rejects
no_release() { local status=0; install_ref "$1" "$work/bin4" "" || status=$?; [ "$status" = 3 ] && [ ! -e "$work/bin4/verify-layers" ]; }
check "a branch ref has no release (exit 3: build from source)" no_release main
check "a tag without a published release has none either (exit 3)" no_release v9.9.9
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
