#!/usr/bin/env bash
# Checks that a release binary is relocatable and lean (run by `make dist` on what it built, and by the dist tests):
#   - its dynamic section needs only glibc's libraries and libgcc_s: no libstdc++ (linked from its archive: the Swift
#     runtime uses a few hundred of its functions, where mapping the .so cost ~1 MiB of RSS), nothing from the Swift
#     toolchain, no libgit2 (whose soname changes with each release), no ICU, and no RPATH/RUNPATH. Not libcurl
#     either: the binary loads libcurl.so.4 on first use (Sources/CCurl/shim.c), so a run that never talks to the
#     network (a no-op pre-push, list, --version) does not pay for loading it and the ~30 libraries it needs;
#   - it exports no symbols of its own (the toolchain's -export-dynamic is undone: packaging/release-build.sh);
#   - it holds no ICU data (FoundationInternationalization is never linked: the sources import FoundationEssentials);
#   - it is stripped and within the size budget below.
# Usage: packaging/check-binary.sh path/to/verify-layers
set -euo pipefail
binary=$1
# Measured: 24.9 MB stripped on amd64 with Swift 6.3.1 (Swift runtime + FoundationEssentials + swift-crypto's BoringSSL
# + libgit2, libssh2, OpenSSL's libcrypto, mbedTLS, PCRE2, zlib + libyaml); the budget leaves ~15 % room. With
# Foundation (ICU data) the same binary was 64 MB stripped.
budget_bytes=${VERIFY_LAYERS_SIZE_BUDGET:-30000000}
allowed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|ld-linux[-a-z0-9_]*\.so\.[0-9]+|libgcc_s\.so\.1)$'
status=0
fail() { echo "check-binary: $*" >&2; status=1; }

while read -r needed; do
  [[ $needed =~ $allowed ]] || fail "$binary needs $needed (allowed: glibc, libgcc_s)"
done < <(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if readelf -d "$binary" | grep -Eq '\((RPATH|RUNPATH)\)'; then fail "$binary has an RPATH/RUNPATH"; fi
# Defined dynamic symbols: only copy-relocated data of glibc (stdout) when linked with --no-export-dynamic.
exported=$(readelf --dyn-syms -W "$binary" | awk 'NR > 3 && $7 != "UND" && $8 !~ /@GLIBC_/' | wc -l)
[ "$exported" -eq 0 ] || fail "$binary exports $exported dynamic symbols (link with --no-export-dynamic)"
if readelf -d "$binary" | grep -Eqi 'swift|git2|icu'; then fail "$binary's dynamic section names the Swift toolchain, libgit2 or ICU"; fi
if grep -aq 'icudt[0-9][0-9]' "$binary"; then fail "$binary contains ICU data"; fi
if readelf -S "$binary" | grep -q '\.symtab'; then fail "$binary is not stripped"; fi
size=$(stat -c %s "$binary")
if [ "$size" -gt "$budget_bytes" ]; then fail "$binary is $size bytes, over the budget of $budget_bytes"; fi
[ "$status" = 0 ] && echo "check-binary: $binary: $size bytes (budget $budget_bytes); needs $(readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
exit "$status"
