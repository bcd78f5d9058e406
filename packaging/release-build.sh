# shellcheck shell=bash
# shellcheck disable=SC2154  # root, work, scratch, VERSION and COMMIT come from the sourcing script
# Sourced by packaging/dist.sh and packaging/release-binary.sh: how the shipped binary is built (one place, so the
# binary `make bench` measures is the one users get). Needs: root, work, scratch, VERSION, COMMIT; defines `build`
# (the swift build command line) and build_release_binary OUT. Stamps the version while the sourcing script runs.
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
# libstdc++ (what the Swift runtime uses of it) from its static archive: a directory holding only libstdc++.a, searched
# first, so the toolchain's `-lstdc++` finds no .so. The binary then needs no libstdc++.so.6, whose mapping (~2 MiB
# file, about 1 MiB of it resident) every run paid for a few hundred functions.
mkdir -p "$work/static-cxx"
cxx_archive=$("$c_compiler" -print-file-name=libstdc++.a)
[ -f "$cxx_archive" ] || { echo "release-build: $c_compiler finds no libstdc++.a (Debian: libstdc++-12-dev)" >&2; exit 1; }
ln -sf "$cxx_archive" "$work/static-cxx/libstdc++.a"

# No $ORIGIN RUNPATH: the binary must not pick up libraries from wherever it is copied to. Linked as a position-
# dependent executable: as PIE, the Swift metadata needs ~100,000 relative relocations at every start, which alone
# took about half of `--version`'s time in the dynamic loader (LD_DEBUG=statistics); start-up is what a pre-push hook
# pays on every push (BENCHMARKS.md). The shared libraries stay position independent.
# --wrap: libgit2's mbedTLS init does not parse the CA bundle, and git_libgit2_init leaves its TLS set-up to the first
# TLS stream and libssh2's to the first SSH session (packaging/libgit2-unused.c). -u keeps the wrapped set-up itself
# linked: nothing but the wrappers (in an archive after libgit2.a) refers to it any more.
# --no-export-dynamic undoes the toolchain's -export-dynamic (static-stdlib-args.lnk): nothing loads a library that
# links against the executable, and exporting every Swift symbol made .dynsym/.dynstr/.gnu.hash 0.8 MB that the loader
# searched for each symbol libcurl's closure binds (1.4 MB smaller binary, 0.5 MiB less peak RSS, start-up -0.7 ms).
build=(swift build -c release --static-swift-stdlib --disable-local-rpath --scratch-path "$scratch" -Xlinker -no-pie
  -Xlinker -L"$work/static-cxx" -Xlinker --no-export-dynamic
  -Xlinker --wrap=mbedtls_x509_crt_parse_file -Xlinker --wrap=mbedtls_x509_crt_parse_path
  -Xlinker --wrap=git_mbedtls_stream_global_init -Xlinker --wrap=git_mbedtls_stream_new
  -Xlinker --wrap=git_mbedtls_stream_wrap -Xlinker --wrap=git_mbedtls__set_cert_location
  -Xlinker --wrap=git_transport_ssh_global_init -Xlinker --undefined=git_mbedtls_stream_global_init)
# build_release_binary OUT: the stripped, checked binary at OUT.
build_release_binary() {
  "${build[@]}" --product verify-layers
  mkdir -p "$(dirname "$1")"
  strip --strip-all -o "$1" "$("${build[@]}" --show-bin-path)/verify-layers"
  bash packaging/check-binary.sh "$1"
}
