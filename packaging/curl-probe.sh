#!/usr/bin/env bash
# Builds a tiny ELF linked with -lcurl into DIR and prints its path. verify-layers does not link libcurl (it loads
# libcurl.so.4 on first use: Sources/CCurl/shim.c), so neither `ldd` nor `dpkg-shlibdeps` of the binary sees it; the
# probe stands in for it wherever they must: packaging/deb.sh (Depends: libcurl4 computed, not typed) and
# packaging/image.sh (libcurl.so.4 and its closure in the image). Needs libcurl's headers (libcurl4-openssl-dev).
# Usage: packaging/curl-probe.sh DIR
set -euo pipefail
dir=$1
mkdir -p "$dir"
printf '%s\n' '#include <curl/curl.h>' \
  'int main(void) { return curl_version_info(CURLVERSION_NOW) == NULL; }' >"$dir/curl-probe.c"
# The Swift toolchain's clang (the swift:*-bookworm images have no gcc), else the system's cc.
c_compiler=$(command -v clang || command -v cc)
"$c_compiler" -O2 -o "$dir/curl-probe" "$dir/curl-probe.c" -lcurl
echo "$dir/curl-probe"
