#!/usr/bin/env bash
# Tests of what `make dist` built (run by `make test` after `make dist`; no root needed):
#   - every artifact is in dist/ and SHA256SUMS verifies them all; the tarball holds what the issue lists;
#   - the binary is relocatable (packaging/check-binary.sh: readelf NEEDED, no toolchain, no libgit2, no ICU, size budget);
#   - one version everywhere: the binary, the tarball's, the .deb's and the image's are the same bytes and print
#     `verify-layers <VERSION> (<COMMIT>)`;
#   - the .deb is clean under lintian (no errors) and its Depends came from dpkg-shlibdeps (libcurl among them);
#   - the image layout is reproducible (assembled twice from the same binary: the same manifest digest) and has its labels;
#   - dogfood: the tool's own image layout, committed to a scratch repository outside the checkout, passes `check` with
#     `env -i PATH=/usr/bin:/bin` against the ECR Public emulator holding its blobs, and fails when one is dropped;
#   - libcurl.so.4 is loaded on first use only: with a fake one that aborts when loaded, what needs no network (a no-op
#     pre-push, list, --version, --help, install, uninstall) works; with one that cannot be loaded, check exits 69
#     naming libcurl.so.4 and its packages, and --version --verbose says why.
# Prints `N passed, N failed` last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=packaging/testlib.sh
. packaging/testlib.sh
# The version the artifacts were stamped with when make dist built them.
[ -f packaging/work/dist/version.env ] || { echo "$(basename "$0"): no build to test; run make dist" >&2; exit 1; }
# shellcheck source=/dev/null
. packaging/work/dist/version.env
export SOURCE_DATE_EPOCH VERSION COMMIT REVISION IMAGE_TAG
arch=$(dpkg --print-architecture)
dist=$root/dist
binary=$dist/verify-layers
tarball=$dist/verify-layers-$VERSION-linux-$arch.tar.gz
deb=$dist/verify-layers_${DEB_VERSION}_$arch.deb
layout=$dist/verify-layers-$VERSION-oci-$arch
work=$(mktemp -d)
trap 'stop_emulator; rm -rf "$work"' EXIT

echo "test-dist: artifacts of $VERSION ($COMMIT) for $arch"
for artifact in "$binary" "$tarball" "$deb" "$layout/index.json" "$layout.tar" "$dist/SHA256SUMS"; do
  check "artifact $(basename "$artifact") exists" test -s "$artifact"
done
check "SHA256SUMS verifies every artifact" bash -c "cd '$dist' && sha256sum --quiet -c SHA256SUMS && [ \$(wc -l <SHA256SUMS) -ge 4 ]"
tar -tzf "$tarball" | sed 's|^[^/]*/||' | sort >"$work/tar-list"
for member in verify-layers hooks/pre-push completions/verify-layers.bash completions/_verify-layers \
  completions/verify-layers.fish man/verify-layers.1 LICENSE README.md; do
  check "tarball holds $member" grep -qx "$member" "$work/tar-list"
done

check "the binary is relocatable, stripped, without ICU and within budget" bash packaging/check-binary.sh "$binary"
expected="verify-layers $VERSION ($COMMIT)"
check "--version prints '$expected'" bash -c "[ \"\$('$binary' --version)\" = '$expected' ]"
check "--version --verbose names libgit2 and libcurl" bash -c "'$binary' --version --verbose | grep -q 'libgit2 1\.' && '$binary' --version --verbose | grep -q 'libcurl [0-9]'"

mkdir -p "$work/tar" "$work/deb"
tar -xzf "$tarball" -C "$work/tar"
dpkg-deb -x "$deb" "$work/deb"
umoci unpack --rootless --image "$layout:$IMAGE_TAG" "$work/bundle" >/dev/null
check "the tarball's binary is the release binary" cmp -s "$binary" "$work/tar/verify-layers-$VERSION-linux-$arch/verify-layers"
check "the .deb's binary is the release binary" cmp -s "$binary" "$work/deb/usr/bin/verify-layers"
check "the image's binary is the release binary" cmp -s "$binary" "$work/bundle/rootfs/usr/bin/verify-layers"
check "the .deb has completions, a gzipped man page, copyright and changelog" bash -c "cd '$work/deb/usr/share' && test -s bash-completion/completions/verify-layers && test -s zsh/vendor-completions/_verify-layers && test -s fish/vendor_completions.d/verify-layers.fish && gzip -t man/man1/verify-layers.1.gz && test -s doc/verify-layers/copyright && gzip -t doc/verify-layers/changelog.Debian.gz"
check "the .deb's Depends (dpkg-shlibdeps) has libc6 and libcurl4 (>= 7.86.0)" bash -c "dpkg-deb -f '$deb' Depends | grep -q 'libc6' && dpkg-deb -f '$deb' Depends | grep -qF 'libcurl4 (>= 7.86.0)'"
check "lintian reports no errors on the .deb" lintian --fail-on error "$deb"

digest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$layout/index.json")
for run in 1 2; do
  WORK="$work/image-$run" BINARY="$binary" OUT="$work/out-$run" bash packaging/image.sh >"$work/image-$run.log" 2>&1 ||
    cat "$work/image-$run.log" >&2
done
again() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$work/out-$1/verify-layers-$VERSION-oci-$arch/index.json" 2>/dev/null; }
check "the image is reproducible: two assemblies give $digest" bash -c "[ '$(again 1)' = '$digest' ] && [ '$(again 2)' = '$digest' ]"
config=$(umoci stat --image "$layout:$IMAGE_TAG" --json 2>/dev/null || true)
labels=$(python3 - "$layout" <<'PY'
import json, sys, os
layout = sys.argv[1]
def blob(d): return json.load(open(os.path.join(layout, "blobs", *d.split(":"))))
manifest = blob(json.load(open(os.path.join(layout, "index.json")))["manifests"][0]["digest"])
config = blob(manifest["config"]["digest"])
print(json.dumps(config["config"].get("Labels", {})), config["config"].get("User", ""))
PY
)
: "$config"
for label in version revision source licenses created; do
  check "the image has label org.opencontainers.image.$label" grep -q "org.opencontainers.image.$label" <<<"$labels"
done
check "the image runs as a non-root user" grep -q ' 10001:10001$' <<<"$labels"

# Dogfood: the tool's own image layout committed to a repository outside the checkout, checked by the release binary.
repo=$work/dogfood
make_layout_repo "$repo" "$layout"
start_emulator "$work" "$(layout_state "$repo/image")"
check "a real check with env -i from outside the checkout passes (exit 0)" run_check "$repo" 0 "$binary"
drop_one_blob "$repo/image"
check "the same check fails (exit 1) once the emulator lacks one blob" run_check "$repo" 1 "$binary"

# libcurl.so.4 is loaded on first use, never at start-up. First on the library path: a libcurl.so.4 that aborts when
# loaded (what needs no network must not notice it), then one that cannot be loaded (a check exits 69 saying so).
fakes=$work/fake-curl
mkdir -p "$fakes/aborts" "$fakes/unloadable"
c_compiler=$(command -v clang || command -v cc)
printf '#include <stdlib.h>\n__attribute__((constructor)) static void refuse(void) { abort(); }\n' >"$fakes/aborts.c"
"$c_compiler" -shared -fPIC -o "$fakes/aborts/libcurl.so.4" "$fakes/aborts.c"
printf 'int vl_absent;\n' >"$fakes/absent.c"
"$c_compiler" -shared -fPIC -Wl,-soname,libvl-absent.so.1 -o "$fakes/libvl-absent.so.1" "$fakes/absent.c"
"$c_compiler" -shared -fPIC -Wl,--no-as-needed -o "$fakes/unloadable/libcurl.so.4" "$fakes/absent.c" "$fakes/libvl-absent.so.1"
rm "$fakes/libvl-absent.so.1"
git -C "$repo" -c user.name=dist-test -c user.email=dist-test@example.com commit -q --allow-empty -m "no image change"
printf 'refs/heads/main %s refs/heads/main %s\n' "$(git -C "$repo" rev-parse HEAD)" "$(git -C "$repo" rev-parse HEAD~1)" \
  >"$work/no-op-push"
with_fake() { # with_fake DIR COMMAND...: COMMAND in the dogfood repository, DIR first on the library path
  local environment
  mapfile -t environment < <(check_environment)
  (cd "$repo" && env -i "${environment[@]}" LD_LIBRARY_PATH="$1" "${@:2}")
}
no_network() {
  with_fake "$fakes/aborts" "$binary" --version >/dev/null && with_fake "$fakes/aborts" "$binary" --help >/dev/null &&
    with_fake "$fakes/aborts" "$binary" list >/dev/null &&
    with_fake "$fakes/aborts" "$binary" pre-push origin https://example.invalid/repo.git <"$work/no-op-push" &&
    with_fake "$fakes/aborts" "$binary" install && with_fake "$fakes/aborts" "$binary" uninstall
}
check "--version, --help, list, a no-op pre-push, install, uninstall never load libcurl.so.4" no_network
aborts_when_loaded() { ! with_fake "$fakes/aborts" "$binary" check; }
check "the fake libcurl.so.4 does abort a run that loads it (check)" aborts_when_loaded
unloadable_check() {
  local status=0
  with_fake "$fakes/unloadable" "$binary" check >"$work/unloadable.log" 2>&1 || status=$?
  cat "$work/unloadable.log"
  [ "$status" = 69 ] && grep -q 'cannot load libcurl.so.4' "$work/unloadable.log" && grep -q 'libcurl4t64' "$work/unloadable.log"
}
check "without a loadable libcurl.so.4, check exits 69 naming it and how to install it" unloadable_check
says_why() { with_fake "$fakes/unloadable" "$binary" --version --verbose | grep 'libcurl not available: cannot load libcurl.so.4'; }
check "without a loadable libcurl.so.4, --version --verbose still works and says why" says_why
summary
