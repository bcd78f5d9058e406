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

# The version every artifact reports: a git-ignored header read by Sources/CBuildStamp (a plain `swift build` has none).
stamp=Sources/CBuildStamp/release-stamp.h
unstamp() { rm -f "$root/$stamp"; touch "$root/Sources/CBuildStamp/stamp.c"; }
trap unstamp EXIT
printf '#define VL_STAMP_VERSION "%s"\n#define VL_STAMP_COMMIT "%s"\n' "$VERSION" "$COMMIT" >"$stamp"
touch Sources/CBuildStamp/stamp.c

# libgit2, its dependencies and libyaml from their static archives (packaging/pkgconfig/*.pc), and stand-ins for what
# libgit2 would otherwise load or need and verify-layers never uses (packaging/libgit2-unused.c).
mkdir -p "$work/lib" "$work/pkgconfig"
# The Swift toolchain's clang (the swift:*-bookworm images have no gcc), else the system's cc.
c_compiler=$(command -v clang || command -v cc)
"$c_compiler" -O2 -Wall -Wextra -Werror -fPIC -c packaging/libgit2-unused.c -o "$work/lib/libgit2-unused.o"
ar rcsD "$work/lib/libverify_layers_libgit2_unused.a" "$work/lib/libgit2-unused.o"
for pc in packaging/pkgconfig/*.pc; do sed "s|@STUBDIR@|$work/lib|g" "$pc" >"$work/pkgconfig/$(basename "$pc")"; done
export PKG_CONFIG_PATH=$work/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

step "release binary $VERSION ($COMMIT), static Swift runtime"
# No $ORIGIN RUNPATH: the binary must not pick up libraries from wherever it is copied to. Linked as a position-
# dependent executable: as PIE, the Swift metadata needs ~100,000 relative relocations at every start, which alone
# took about half of `--version`'s time in the dynamic loader (LD_DEBUG=statistics); start-up is what a pre-push hook
# pays on every push (BENCHMARKS.md). The shared libraries stay position independent.
# --wrap: libgit2's mbedTLS init does not parse the CA bundle, and git_libgit2_init leaves its TLS set-up to the first
# TLS stream and libssh2's to the first SSH session (packaging/libgit2-unused.c). -u keeps the wrapped set-up itself
# linked: nothing but the wrappers (in an archive after libgit2.a) refers to it any more.
build=(swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$scratch" -Xlinker -no-pie
  -Xlinker --wrap=mbedtls_x509_crt_parse_file -Xlinker --wrap=mbedtls_x509_crt_parse_path
  -Xlinker --wrap=git_mbedtls_stream_global_init -Xlinker --wrap=git_mbedtls_stream_new
  -Xlinker --wrap=git_mbedtls_stream_wrap -Xlinker --wrap=git_mbedtls__set_cert_location
  -Xlinker --wrap=git_transport_ssh_global_init -Xlinker --undefined=git_mbedtls_stream_global_init)
"${build[@]}" --product verify-layers
built=$("${build[@]}" --show-bin-path)/verify-layers
mkdir -p "$work/files/completions" "$work/files/man"
strip --strip-all -o "$out/verify-layers" "$built"
binary=$out/verify-layers
bash packaging/check-binary.sh "$binary"

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
