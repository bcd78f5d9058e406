#!/usr/bin/env bash
# Assembles an OCI image layout of verify-layers itself with umoci, offline (no daemon, no base image):
#   /usr/bin/verify-layers, the shared libraries it loads (its ldd closure: glibc, libgcc_s; and libcurl.so.4 with what
#   it needs: the binary loads it on first use, so ldd of a probe linked with -lcurl names them),
#   /etc/ssl/certs/ca-certificates.crt, busybox-static as /bin/sh (GitLab runs job scripts through a shell),
#   /etc/passwd with the non-root user it runs as, and org.opencontainers.image.* labels.
# Reproducible: every mtime and every timestamp umoci records is SOURCE_DATE_EPOCH (the commit time), so the same
# commit gives the same manifest digest. packaging/dist.sh sets WORK, BINARY and OUT.
# Output: OUT/verify-layers-<version>-oci-<arch>/ (layout, tag <IMAGE_TAG>) and the same layout as a .tar.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${WORK:?}" "${BINARY:?}" "${OUT:?}" "${VERSION:?}" "${REVISION:?}" "${IMAGE_TAG:?}" "${SOURCE_DATE_EPOCH:?}"
# shellcheck source=packaging/project.env
. "$root/packaging/project.env"
arch=$(dpkg --print-architecture)
name=verify-layers-$VERSION-oci-$arch
layout=$OUT/$name
created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
user_id=10001
rm -rf "$WORK" "$layout"
mkdir -p "$WORK"

# The root file system, staged first so its content (not the order files were copied in) defines the layer.
rootfs=$WORK/stage
mkdir -p "$rootfs/usr/bin" "$rootfs/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp"
install -m 0755 "$BINARY" "$rootfs/usr/bin/verify-layers"
# The dynamic loader and every library ldd resolves, each at the path the binary or its libraries ask for; the probe
# (packaging/curl-probe.sh) adds libcurl.so.4 and its closure, found the way the binary's dlopen will find them.
probe=$(bash "$root/packaging/curl-probe.sh" "$WORK/probe")
grep -q 'libcurl\.so\.4 => /' <(ldd "$probe") || { echo "image: ldd of the libcurl probe finds no libcurl.so.4" >&2; exit 1; }
{ ldd "$BINARY"; ldd "$probe"; } | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | sort -u | while read -r library; do
  install -D -m 0644 "$(readlink -f "$library")" "$rootfs$library"
done
# The kernel executes the loader for the binary: it needs the execute bits a non-root user's exec checks.
find "$rootfs" -name 'ld-linux*' -exec chmod 0755 {} +
install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
install -m 0755 /bin/busybox "$rootfs/bin/busybox"
for applet in sh cat echo env grep head id ls mkdir printf rm sed tail test tr wc; do ln -s busybox "$rootfs/bin/$applet"; done
printf 'root:x:0:0:root:/root:/bin/sh\nverify-layers:x:%s:%s:verify-layers:/tmp:/bin/sh\n' "$user_id" "$user_id" >"$rootfs/etc/passwd"
printf 'root:x:0:\nverify-layers:x:%s:\n' "$user_id" >"$rootfs/etc/group"
printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n::1 localhost\n' >"$rootfs/etc/hosts"
chmod 1777 "$rootfs/tmp"

umoci init --layout "$layout"
umoci new --image "$layout:$IMAGE_TAG"
umoci unpack --rootless --image "$layout:$IMAGE_TAG" "$WORK/bundle" >/dev/null
cp -a "$rootfs/." "$WORK/bundle/rootfs/"
find "$WORK/bundle/rootfs" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
umoci repack --image "$layout:$IMAGE_TAG" --history.created "$created" --history.created_by "make dist ($VERSION)" \
  --history.comment "verify-layers $VERSION" "$WORK/bundle"
umoci config --image "$layout:$IMAGE_TAG" --no-history --created "$created" --author "verify-layers contributors" \
  --os linux --architecture "$arch" \
  --config.user "$user_id:$user_id" --config.workingdir / \
  --config.env PATH=/usr/bin:/bin --config.env HOME=/tmp --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
  --config.entrypoint /usr/bin/verify-layers --config.cmd --help \
  --config.label "org.opencontainers.image.title=verify-layers" \
  --config.label "org.opencontainers.image.description=Check that image layers committed to git exist in Amazon ECR Public" \
  --config.label "org.opencontainers.image.version=$VERSION" \
  --config.label "org.opencontainers.image.revision=$REVISION" \
  --config.label "org.opencontainers.image.source=https://github.com/$PROJECT_REPO" \
  --config.label "org.opencontainers.image.licenses=$LICENSE_ID" \
  --config.label "org.opencontainers.image.created=$created"
umoci gc --layout "$layout"
find "$layout" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --format=gnu -C "$OUT" -cf "$OUT/$name.tar" "$name"
manifest=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$layout/index.json")
echo "image: $name ($IMAGE_REPO:$IMAGE_TAG), manifest $manifest"
