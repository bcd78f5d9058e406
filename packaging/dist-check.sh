#!/usr/bin/env bash
# make dist-check (root; run by .ci/run): proves the artifacts in dist/ where the build machine cannot lend a hand.
#   - Portability: a minimal Debian 13 root (debootstrap --variant=minbase trixie, plus only libcurl4t64 and
#     ca-certificates: another libgit2, curl and glibc than the build machine) runs the tarball's binary through chroot:
#     `--version`, and a real `check` against the ECR Public emulator on loopback.
#   - The .deb: `apt-get install ./verify-layers_*.deb`, `verify-layers --version`, `man -w verify-layers`, then
#     `dpkg -r` leaves the package list and the files it touched as they were.
#   - The image: `umoci unpack`, then its root file system runs `verify-layers --version` and a real `check` as the
#     image's user, through `sh -c` as GitLab would.
# The Debian 13 root is kept in packaging/work/trixie (git-ignored) and reused while it is complete.
# Prints `N passed, N failed` last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=packaging/testlib.sh
. packaging/testlib.sh
[ "$(id -u)" = 0 ] || { echo "dist-check: needs root (debootstrap, chroot, apt-get)" >&2; exit 1; }
# The version the artifacts were stamped with when make dist built them.
[ -f packaging/work/dist/version.env ] || { echo "$(basename "$0"): no build to test; run make dist" >&2; exit 1; }
# shellcheck source=/dev/null
. packaging/work/dist/version.env
arch=$(dpkg --print-architecture)
dist=$root/dist
tarball=$dist/verify-layers-$VERSION-linux-$arch.tar.gz
deb=$dist/verify-layers_${DEB_VERSION}_$arch.deb
layout=$dist/verify-layers-$VERSION-oci-$arch
expected="verify-layers $VERSION ($COMMIT)"
for artifact in "$tarball" "$deb" "$layout/index.json"; do
  [ -e "$artifact" ] || { echo "dist-check: $artifact is missing; run make dist" >&2; exit 1; }
done
work=$root/packaging/work/dist-check
trixie=$root/packaging/work/trixie
mounts=()
cleanup() {
  stop_emulator
  local index
  for ((index = ${#mounts[@]} - 1; index >= 0; index--)); do umount -l "${mounts[index]}" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
rm -rf "$work"
mkdir -p "$work"

# chroot_run ROOTFS USERSPEC COMMAND: `sh -c COMMAND` inside ROOTFS with /proc mounted (a static Swift binary reads its
# arguments from /proc/self/cmdline) and the check environment.
mount_proc() {
  mkdir -p "$1/proc"
  mount -t proc proc "$1/proc"
  mounts+=("$1/proc")
}
chroot=$(command -v chroot)
chroot_run() {
  local rootfs=$1 user=$2 command=$3 environment
  mapfile -t environment < <(check_environment)
  env -i "${environment[@]}" HOME=/tmp "$chroot" --userspec="$user" "$rootfs" /bin/sh -c "$command"
}
# chroot_check ROOTFS USERSPEC BINARY EXPECTED: `verify-layers check` of /tmp/dogfood exits EXPECTED.
chroot_check() {
  local rootfs=$1 user=$2 binary=$3 expected=$4 status=0
  chroot_run "$rootfs" "$user" "cd /tmp/dogfood && $binary check" || status=$?
  [ "$status" = "$expected" ] || { echo "exit $status, expected $expected"; return 1; }
}

echo "dist-check: $VERSION ($COMMIT) for $arch"
make_layout_repo "$work/dogfood" "$layout"
start_emulator "$work" "$(layout_state "$work/dogfood/image")"

# Debian 13, minimal.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${DEBIAN_MIRROR:-${mirror:-http://deb.debian.org/debian}}
if [ ! -f "$trixie/.complete" ]; then
  rm -rf "$trixie"
  echo "dist-check: debootstrap trixie from $mirror (about 2 minutes)"
  debootstrap --variant=minbase --include=libcurl4t64,ca-certificates trixie "$trixie" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; echo "dist-check: debootstrap failed (is the Debian mirror reachable?)" >&2; exit 1; }
  touch "$trixie/.complete"
fi
check "the Debian 13 root has another libgit2 than ours, or none" bash -c "! ls '$trixie'/usr/lib/*/libgit2.so.1.5* >/dev/null 2>&1"
tar -xzf "$tarball" -C "$work"
install -m 0755 "$work/verify-layers-$VERSION-linux-$arch/verify-layers" "$trixie/usr/local/bin/verify-layers"
rm -rf "$trixie/tmp/dogfood"
cp -a "$work/dogfood" "$trixie/tmp/dogfood"
mount_proc "$trixie"
check "Debian 13: the tarball's binary prints '$expected'" bash -c "[ \"\$(chroot '$trixie' /usr/local/bin/verify-layers --version)\" = '$expected' ]"
check "Debian 13: --version --verbose shows the system's libcurl" bash -c "chroot '$trixie' /usr/local/bin/verify-layers --version --verbose | grep -q 'libcurl 8\.'"
check "Debian 13: a real check against the emulator passes" chroot_check "$trixie" 0:0 /usr/local/bin/verify-layers 0
drop_one_blob "$work/dogfood/image"
check "Debian 13: the check fails once a blob is missing" chroot_check "$trixie" 0:0 /usr/local/bin/verify-layers 1
stop_emulator
start_emulator "$work" "$(layout_state "$work/dogfood/image")"

# The .deb on this machine, then removed without a trace.
snapshot() {
  dpkg-query -W -f '${Package} ${Version} ${Status}\n' | sort
  { find /usr/bin /usr/share/man/man1 /usr/share/bash-completion/completions /usr/share/zsh/vendor-completions \
    /usr/share/fish/vendor_completions.d /usr/share/doc /usr/share/lintian/overrides -maxdepth 1 2>/dev/null || true; } | sort
}
if dpkg -s verify-layers >/dev/null 2>&1; then
  echo "dist-check: verify-layers is already installed as a package; not touching it" >&2
  failed=$((failed + 1))
else
  snapshot >"$work/before"
  check "apt-get install ./$(basename "$deb")" bash -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq '$deb' >/dev/null"
  check "installed: /usr/bin/verify-layers --version prints '$expected'" bash -c "[ \"\$(/usr/bin/verify-layers --version)\" = '$expected' ]"
  check "installed: man -w verify-layers finds the page" bash -c "man -w verify-layers | grep -q '/usr/share/man/man1/verify-layers.1.gz'"
  check "installed: completions are in place" test -s /usr/share/bash-completion/completions/verify-layers
  check "dpkg -r verify-layers" dpkg -r verify-layers
  dpkg --purge verify-layers >/dev/null 2>&1 || true
  snapshot >"$work/after"
  check "after dpkg -r the packages and files are as before" diff -u "$work/before" "$work/after"
fi

# The image, as a user of it would run it.
umoci unpack --image "$layout:$IMAGE_TAG" "$work/bundle" >/dev/null
rootfs=$work/bundle/rootfs
cp -a "$work/dogfood" "$rootfs/tmp/dogfood"
chown -R 10001:10001 "$rootfs/tmp/dogfood"
mount_proc "$rootfs"
image_version() { [ "$(chroot_run "$rootfs" 10001:10001 'verify-layers --version')" = "$expected" ]; }
check "image: sh -c 'verify-layers --version' as the image's user prints '$expected'" image_version
check "image: a real check against the emulator passes" chroot_check "$rootfs" 10001:10001 verify-layers 0
drop_one_blob "$work/dogfood/image"
check "image: the check fails once a blob is missing" chroot_check "$rootfs" 10001:10001 verify-layers 1
summary
