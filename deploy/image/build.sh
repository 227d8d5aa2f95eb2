#!/usr/bin/env bash
# Builds the vfnet node image offline: a root filesystem from three Debian packages (libc6 and
# libgcc-s1 for the Bun executables, busybox-static for the installer's shell), the built `sriov`
# plugin, and `vfnet` compiled by Bun, imported with `podman build` FROM scratch.
#   deploy/image/build.sh [TAG]     prints the image reference it built or found
# The tag defaults to a hash of everything the image is made from (sources, lockfile, this
# directory, the package versions), so an unchanged tree reuses the image already built.
# Needs: npm run build (dist/bin/sriov), podman, apt (the Debian packages are downloaded, not installed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
NAME=${VFNET_IMAGE_NAME:-localhost/vfnet-node}
# PODMAN: the podman command with its global options (the tests keep a store of their own).
PODMAN=${PODMAN:-podman}
DEBS=${VFNET_TOOLS:-/var/tmp/vfnet-tools}/image-debs
PACKAGES=(libc6 libgcc-s1 busybox-static)

[ -x "$root/dist/bin/sriov" ] || { echo "build.sh: no dist/bin/sriov; run npm run build first" >&2; exit 1; }

# The packages as apt resolves them now; their file names carry the versions, so they go into the tag.
mkdir -p "$DEBS"
uris() { apt-get download --print-uris "${PACKAGES[@]}" 2>/dev/null; }
list=$(uris) || true
if [ -z "$list" ]; then apt-get -o DPkg::Lock::Timeout=600 -q update >/dev/null; list=$(uris); fi
files=$(awk '{print $2}' <<<"$list")
missing=()
for f in $files; do [ -f "$DEBS/$f" ] || missing+=("$f"); done
if ((${#missing[@]})); then (cd "$DEBS" && apt-get download "${PACKAGES[@]}" >/dev/null 2>&1); fi

# dist/bin/sriov too: a build older than the sources must not pass for their image.
hash=$( { cd "$root" && find src deploy/image deploy/compile-vfnet.sh scripts/build.mjs package-lock.json dist/bin/sriov -type f -print0 | sort -z | xargs -0 sha256sum; echo "$files"; } | sha256sum | cut -c1-16)
ref=$NAME:${1:-$hash}
if $PODMAN image exists "$ref"; then echo "$ref"; exit 0; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fs=$work/rootfs
mkdir -p "$fs"
for f in $files; do dpkg-deb -x "$DEBS/$f" "$fs"; done
# Keep the licences, drop the rest of /usr/share: nothing in the image reads it.
find "$fs/usr/share" -mindepth 1 -maxdepth 1 ! -name doc -exec rm -rf {} +
find "$fs/usr/share/doc" -type f ! -name copyright -delete
# busybox's applets as links, the way `busybox --install -s` would lay them out.
for applet in $("$fs/bin/busybox" --list); do
  [ -e "$fs/bin/$applet" ] || ln -s busybox "$fs/bin/$applet"
done
install -d "$fs/usr/bin" "$fs/usr/lib/vfnet" "$fs/etc/vfnet" "$fs/var/lib/vfnet" "$fs/var/lib/cni/sriov" "$fs/host" "$fs/run/netns"
install -d -m 1777 "$fs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$fs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$fs/etc/group"
install -m 0755 "$root/dist/bin/sriov" "$fs/usr/lib/vfnet/sriov"
install -D -m 0644 "$root/dist/dashboard/app.js" "$fs/usr/lib/vfnet/dashboard/app.js"
ln -s ../lib/vfnet/sriov "$fs/usr/bin/sriov"
"$root/deploy/compile-vfnet.sh" "$fs/usr/bin/vfnet"
install -m 0755 "$here/install-cni.sh" "$fs/usr/bin/vfnet-install-cni"
install -m 0644 "$here/vfnet.json" "$fs/etc/vfnet/vfnet.json"
tar -C "$fs" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf "$work/rootfs.tar" .
cp "$here/Containerfile" "$work/Containerfile"
$PODMAN build -q --network=none -t "$ref" -f "$work/Containerfile" "$work" >/dev/null
# A hash-tagged image is a cache entry: the older ones go, or every source change keeps ~240 MB.
if [ -z "${1:-}" ]; then
  for old in $($PODMAN images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$NAME"); do
    [[ $old != "$ref" && ${old##*:} =~ ^[0-9a-f]{16}$ ]] && $PODMAN rmi "$old" >/dev/null 2>&1 || true
  done
fi
echo "$ref"
