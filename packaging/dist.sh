#!/usr/bin/env bash
# make dist: builds every release artifact into dist/ from the checked-out commit, offline:
#   verify-layers                                    relocatable binary (static Swift runtime, libgit2 and libyaml), stripped
#                                                    (man page: swift-argument-parser's generate-manual on it)
#   verify-layers-<version>-linux-<arch>.tar.gz      binary, hooks/pre-push, completions, man page, LICENSE, README.md
#   verify-layers_<version>-1_<arch>.deb             Debian package (packaging/deb.sh)
#   verify-layers-<version>-oci-<arch>/              OCI image layout of the tool itself (packaging/image.sh)
#   verify-layers-<version>-oci-<arch>.tar           the same layout as one file, for a release asset
#   SHA256SUMS                                       over all of the above
# Every artifact carries one version (packaging/version.sh) and one timestamp (the commit time, SOURCE_DATE_EPOCH).
# Needs: the Swift toolchain and the packages in the Makefile's APT_PACKAGES (`make deps-apt`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(packaging/version.sh)"
export SOURCE_DATE_EPOCH VERSION COMMIT REVISION IMAGE_TAG DEB_VERSION
arch=$(dpkg --print-architecture)
out=${DIST_DIR:-$root/dist}
work=$root/packaging/work/dist
scratch=${DIST_SCRATCH_PATH:-$root/.build-dist}
name=verify-layers-$VERSION-linux-$arch

step() { printf 'dist: %s\n' "$*"; }

rm -rf "$out" "$work"
mkdir -p "$out" "$work"
# What this build is stamped with, for the tests of its artifacts (packaging/test-dist.sh, dist-check.sh).
packaging/version.sh >"$work/version.env"

step "release binary $VERSION ($COMMIT), static Swift runtime"
# shellcheck source=packaging/release-build.sh
source packaging/release-build.sh
binary=$out/verify-layers
build_release_binary "$binary"
mkdir -p "$work/files/completions" "$work/files/man"

step "completions and man page"
# The man page: swift-argument-parser's generate-manual (the tool behind its `swift package plugin generate-manual`,
# which `make install` uses), run on the stamped release binary; the plugin would rebuild the whole package without
# --static-swift-stdlib first.
"${build[@]}" --product generate-manual >"$work/generate-manual.log" 2>&1 || { cat "$work/generate-manual.log" >&2; exit 1; }
"$("${build[@]}" --show-bin-path)/generate-manual" "$binary" --date "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" \
  --authors "verify-layers contributors" --output-directory "$work/files/man"
"$binary" --generate-completion-script bash >"$work/files/completions/verify-layers.bash"
"$binary" --generate-completion-script zsh >"$work/files/completions/_verify-layers"
"$binary" --generate-completion-script fish >"$work/files/completions/verify-layers.fish"
[ -s "$work/files/man/verify-layers.1" ] || { echo "dist: generate-manual wrote no verify-layers.1" >&2; exit 1; }

# Fixed owner, mode and mtime for every file that goes into an archive.
normalise() { find "$@" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

step "tarball $name.tar.gz"
tree=$work/tar/$name
mkdir -p "$tree/hooks" "$tree/completions" "$tree/man"
install -m 0755 "$binary" "$tree/verify-layers"
install -m 0755 hooks/pre-push "$tree/hooks/pre-push"
install -m 0644 "$work/files/completions/"* "$tree/completions/"
install -m 0644 "$work/files/man/verify-layers.1" "$tree/man/verify-layers.1"
install -m 0644 LICENSE README.md "$tree/"
normalise "$tree"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --format=gnu \
  -C "$work/tar" -cf - "$name" | gzip -9 -n >"$out/$name.tar.gz"

step "Debian package"
WORK="$work/deb" FILES="$work/files" BINARY="$binary" OUT="$out" bash packaging/deb.sh

step "OCI image layout"
WORK="$work/image" BINARY="$binary" OUT="$out" bash packaging/image.sh

step "SHA256SUMS"
(cd "$out" && find . -maxdepth 1 -type f -printf '%P\n' | LC_ALL=C sort | xargs sha256sum >"$work/SHA256SUMS")
mv "$work/SHA256SUMS" "$out/SHA256SUMS"
ls -l "$out"
