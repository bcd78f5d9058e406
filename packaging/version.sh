#!/usr/bin/env bash
# Prints, as shell assignments, what every artifact of one build is stamped with, all from git:
#   VERSION            0.3.0 on tag v0.3.0; 0.3.0+5.gabc1234 five commits later; 0.0.0+gabc1234 before any tag;
#                      a trailing .dirty when the work tree has uncommitted changes (semver build metadata, also a valid
#                      Debian version and file name)
#   COMMIT             the abbreviated commit (abc1234)
#   REVISION           the full commit id (the image's org.opencontainers.image.revision)
#   SOURCE_DATE_EPOCH  the commit time: every timestamp in the artifacts, so the same commit gives the same bytes
#   IMAGE_TAG          VERSION with + replaced by - (a registry tag cannot hold +)
#   DEB_VERSION        VERSION-1: the Debian package's version (upstream version, Debian revision 1)
# Usage: eval "$(packaging/version.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
describe=$(git describe --tags --always --dirty --match 'v[0-9]*')
commit=$(git rev-parse --short=7 HEAD)
dirty=""
case $describe in *-dirty) dirty=".dirty"; describe=${describe%-dirty} ;; esac
if [[ $describe =~ ^v([0-9]+\.[0-9]+\.[0-9]+[^-]*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
  version="${BASH_REMATCH[1]}+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}${dirty}"
elif [[ $describe =~ ^v([0-9]+\.[0-9]+\.[0-9]+.*)$ ]]; then
  version="${BASH_REMATCH[1]}"
  [ -z "$dirty" ] || version="$version+dirty"
else
  version="0.0.0+g${commit}${dirty}"
fi
printf 'VERSION=%q\nCOMMIT=%q\nREVISION=%q\nSOURCE_DATE_EPOCH=%q\nIMAGE_TAG=%q\nDEB_VERSION=%q\n' \
  "$version" "$commit" "$(git rev-parse HEAD)" "$(git log -1 --format=%ct HEAD)" "${version//+/-}" "$version-1"
