#!/usr/bin/env bash
# Builds the vfnet Debian package from the built artifacts with dpkg-deb:
#   /usr/bin/vfnet            the CLI, Bun-compiled (deploy/compile-vfnet.sh)
#   /usr/lib/cni/sriov        the plugin (dist/bin/sriov), in Debian's CNI plugin directory
#   /usr/bin/vfnet-install-cni  the image's installer, to put sriov in another CNI bin dir safely
#   /lib/systemd/system/vfnet-{serve,agent}.service and docs
#   /etc/vfnet/vfnet.json       the configuration both units read, commented (a conffile: an
#                               edited one is kept on upgrade, and removed only by a purge)
#   deploy/debian/build.sh [OUTDIR]    prints the .deb's path (OUTDIR defaults to dist/)
# Needs: npm run build, dpkg-deb.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/dist}
[ -x "$root/dist/bin/sriov" ] || { echo "debian/build.sh: no dist/bin/sriov; run npm run build first" >&2; exit 1; }
version=$(node -p "require('$root/package.json').version")
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$work/vfnet
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/usr/lib/cni" "$pkg/lib/systemd/system" "$pkg/usr/share/doc/vfnet" "$pkg/etc/vfnet"
"$root/deploy/compile-vfnet.sh" "$pkg/usr/bin/vfnet"
install -m 0755 "$root/dist/bin/sriov" "$pkg/usr/lib/cni/sriov"
# The dashboard's page script, where the compiled vfnet looks for it (src/dashboard/routes.ts).
install -D -m 0644 "$root/dist/dashboard/app.js" "$pkg/usr/lib/vfnet/dashboard/app.js"
install -m 0755 "$root/deploy/image/install-cni.sh" "$pkg/usr/bin/vfnet-install-cni"
install -m 0644 "$root"/deploy/systemd/*.service "$pkg/lib/systemd/system/"
install -m 0644 "$here/copyright" "$pkg/usr/share/doc/vfnet/copyright"
# The same default as the image's: the agent on the node store, every other key commented out.
install -m 0644 "$root/deploy/image/vfnet.json" "$pkg/etc/vfnet/vfnet.json"
echo /etc/vfnet/vfnet.json > "$pkg/DEBIAN/conffiles"
[ -f "$root/docs/operator-guide.md" ] && install -m 0644 "$root/docs/operator-guide.md" "$pkg/usr/share/doc/vfnet/"
for s in postinst prerm postrm; do install -m 0755 "$here/$s" "$pkg/DEBIAN/$s"; done
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" "$here/control.in" > "$pkg/DEBIAN/control"
mkdir -p "$out"
deb=$out/vfnet_${version}_${arch}.deb
# gzip -1: the executables barely compress, and xz takes a minute over them.
dpkg-deb --root-owner-group -Zgzip -z1 --build "$pkg" "$deb" >/dev/null
echo "$deb"
