#!/usr/bin/env bash
# Builds verify-layers_<version>_<arch>.deb from the release binary and the files make dist generated (packaging/dist.sh
# sets WORK, FILES, BINARY and OUT). Depends comes from dpkg-shlibdeps, never typed; owner root:root via
# --root-owner-group, so no fakeroot; every mtime is SOURCE_DATE_EPOCH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${WORK:?}" "${FILES:?}" "${BINARY:?}" "${OUT:?}" "${VERSION:?}" "${DEB_VERSION:?}" "${COMMIT:?}" "${SOURCE_DATE_EPOCH:?}"
# shellcheck source=packaging/project.env
. "$root/packaging/project.env"
arch=$(dpkg --print-architecture)
pkg=$WORK/root
doc=$pkg/usr/share/doc/verify-layers
rm -rf "$WORK"
mkdir -p "$pkg/DEBIAN" "$doc"

install -D -m 0755 "$BINARY" "$pkg/usr/bin/verify-layers"
# bash-completion sources the file: no #! line (lintian: bash-completion-with-hashbang).
install -d "$pkg/usr/share/bash-completion/completions"
sed '1{/^#!/d}' "$FILES/completions/verify-layers.bash" >"$pkg/usr/share/bash-completion/completions/verify-layers"
chmod 0644 "$pkg/usr/share/bash-completion/completions/verify-layers"
install -D -m 0644 "$FILES/completions/_verify-layers" "$pkg/usr/share/zsh/vendor-completions/_verify-layers"
install -D -m 0644 "$FILES/completions/verify-layers.fish" "$pkg/usr/share/fish/vendor_completions.d/verify-layers.fish"
install -d "$pkg/usr/share/man/man1"
gzip -9 -n -c "$FILES/man/verify-layers.1" >"$pkg/usr/share/man/man1/verify-layers.1.gz"
install -m 0644 "$root/packaging/deb/copyright" "$doc/copyright"
install -D -m 0644 "$root/packaging/deb/lintian-overrides" "$pkg/usr/share/lintian/overrides/verify-layers"
{
  printf 'verify-layers (%s) unstable; urgency=medium\n\n' "$DEB_VERSION"
  printf '  * Release %s (commit %s).\n  * See CHANGELOG.md in the source.\n\n' "$VERSION" "$COMMIT"
  printf ' -- %s  %s\n' "$MAINTAINER" "$(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9 -n >"$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz" "$pkg/usr/share/man/man1/verify-layers.1.gz"

# dpkg-shlibdeps reads package names from a debian/control beside it, and debian/shlibs.local first: libcurl's
# symbols say 7.66, but verify-layers needs 7.86 (CURLOPT_AWS_SIGV4 as the SigV4 code uses it; SPEC §8).
# The binary loads libcurl.so.4 on first use instead of linking it, so it is not in its NEEDED entries: a probe linked
# with -lcurl (packaging/curl-probe.sh) goes through dpkg-shlibdeps with it and brings in libcurl's package.
mkdir -p "$WORK/debian"
printf 'Source: verify-layers\n\nPackage: verify-layers\nArchitecture: any\n' >"$WORK/debian/control"
printf 'libcurl 4 libcurl4 (>= 7.86.0)\n' >"$WORK/debian/shlibs.local"
probe=$(bash "$root/packaging/curl-probe.sh" "$WORK/probe")
depends=$(cd "$WORK" && dpkg-shlibdeps -O -e "$pkg/usr/bin/verify-layers" -e "$probe" 2>"$WORK/shlibdeps.log" |
  sed -n 's/^shlibs:Depends=//p')
case $depends in
  *libcurl4*) ;;
  *) cat "$WORK/shlibdeps.log" >&2; echo "deb: dpkg-shlibdeps computed no libcurl4 dependency: $depends" >&2; exit 1 ;;
esac
[ -n "$depends" ] || { cat "$WORK/shlibdeps.log" >&2; echo "deb: dpkg-shlibdeps computed no Depends" >&2; exit 1; }

installed_kb=$(du -k -s --apparent-size "$pkg/usr" | cut -f1)
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: verify-layers
Version: $DEB_VERSION
Architecture: $arch
Maintainer: $MAINTAINER
Installed-Size: $installed_kb
Depends: $depends
Section: devel
Priority: optional
Homepage: https://github.com/$PROJECT_REPO
Description: check that image layers committed to git exist in Amazon ECR Public
 verify-layers reads container image build outputs (OCI image layouts, skopeo
 directories, image archives, manifests) from git objects and asks Amazon ECR
 Public whether every layer and config blob they reference is there. It runs
 as a git pre-push hook, in CI, or from a Makefile.
CONTROL
(cd "$pkg" && find usr -type f -printf '%P\n' | LC_ALL=C sort | sed 's|^|usr/|' | xargs md5sum >DEBIAN/md5sums)
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"
find "$pkg" -type d -exec chmod 0755 {} +
find "$pkg" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$OUT/verify-layers_${DEB_VERSION}_${arch}.deb" >/dev/null
echo "deb: verify-layers_${DEB_VERSION}_${arch}.deb, Depends: $depends"
