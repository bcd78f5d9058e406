#!/usr/bin/env bash
# Installs the released verify-layers binary of one repository and tag: downloads the release's SHA256SUMS and the
# tarball for this machine (verify-layers-<version>-linux-<amd64|arm64>.tar.gz), verifies the tarball against
# SHA256SUMS, and puts the binary in the install directory. A verified binary is kept in the cache directory
# (the composite action saves it with actions/cache), and a later run with the same cache downloads nothing.
#
# Environment:
#   VERIFY_LAYERS_REPOSITORY   owner/name of the repository whose release to use (the action passes its own)
#   VERIFY_LAYERS_REF          the tag, e.g. v0.3.0 (the action passes the ref it was used at)
#   VERIFY_LAYERS_INSTALL_DIR  where to put the binary (created if missing)
#   VERIFY_LAYERS_CACHE_DIR    where verified binaries are kept between runs (optional)
#   VERIFY_LAYERS_DOWNLOAD_URL base of release downloads (default https://github.com; the tests use a loopback server)
# Exit codes: 0 installed; 3 the ref has no release (not a v<version> tag, or no SHA256SUMS there): build from source;
# 1 anything else, including a checksum mismatch (then nothing is installed).
set -euo pipefail

repository=${VERIFY_LAYERS_REPOSITORY:?set VERIFY_LAYERS_REPOSITORY to owner/name}
ref=${VERIFY_LAYERS_REF:?set VERIFY_LAYERS_REF to a release tag such as v0.3.0}
install_dir=${VERIFY_LAYERS_INSTALL_DIR:?set VERIFY_LAYERS_INSTALL_DIR}
cache_dir=${VERIFY_LAYERS_CACHE_DIR:-}
base=${VERIFY_LAYERS_DOWNLOAD_URL:-https://github.com}

say() { echo "verify-layers install: $*"; }
fail() { echo "verify-layers install: error: $*" >&2; exit 1; }

case $ref in
  v[0-9]*.[0-9]*.[0-9]*) version=${ref#v} ;;
  *) say "$ref is not a release tag (v<major>.<minor>.<patch>); no prebuilt binary"; exit 3 ;;
esac
case $(uname -m) in
  x86_64 | amd64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) say "no prebuilt binary for $(uname -m)"; exit 3 ;;
esac
asset=verify-layers-$version-linux-$arch.tar.gz
cached=${cache_dir:+$cache_dir/$version-$arch}

install_binary() {
  mkdir -p "$install_dir"
  install -m 0755 "$1" "$install_dir/verify-layers.partial"
  mv -f "$install_dir/verify-layers.partial" "$install_dir/verify-layers"
  say "installed $("$install_dir/verify-layers" --version) in $install_dir"
}

# A cached binary is used when it still matches the checksum recorded beside it.
if [ -n "$cached" ] && [ -f "$cached/verify-layers" ] && [ -f "$cached/verify-layers.sha256" ] &&
  (cd "$cached" && sha256sum --quiet -c verify-layers.sha256 >/dev/null 2>&1); then
  say "using the cached $asset"
  install_binary "$cached/verify-layers"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
release=$base/$repository/releases/download/$ref
fetch() { curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 10 -o "$2" "$1"; }

if ! fetch "$release/SHA256SUMS" "$work/SHA256SUMS"; then
  say "$repository has no release $ref (no SHA256SUMS at $release)"
  exit 3
fi
expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$work/SHA256SUMS")
[ -n "$expected" ] || fail "release $ref has no $asset (SHA256SUMS lists: $(awk '{print $2}' "$work/SHA256SUMS" | tr '\n' ' '))"
fetch "$release/$asset" "$work/$asset" || fail "cannot download $release/$asset"
actual=$(sha256sum "$work/$asset" | cut -d' ' -f1)
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $asset: SHA256SUMS says $expected, the download is $actual; nothing was installed"
fi
tar -xzf "$work/$asset" -C "$work"
binary=$work/verify-layers-$version-linux-$arch/verify-layers
[ -x "$binary" ] || fail "$asset holds no verify-layers-$version-linux-$arch/verify-layers"
if [ -n "$cached" ]; then
  mkdir -p "$cached"
  install -m 0755 "$binary" "$cached/verify-layers"
  (cd "$cached" && sha256sum verify-layers >verify-layers.sha256)
fi
install_binary "$binary"
