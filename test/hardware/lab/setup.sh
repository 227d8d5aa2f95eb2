#!/usr/bin/env bash
# The hardware lab's one-time preparation, on a Debian bookworm host, as root:
#  1. QEMU >= 8, the first with `-device igb` (an emulated Intel 82576 that has SR-IOV): bookworm
#     has 7.2, bookworm-backports has a newer one. Installed through a private apt configuration
#     that adds backports for this one install, so the machine's own apt sources stay as they are.
#  2. A guest kernel: the Debian package linux-image-amd64 points at today, unpacked (not
#     installed) with its modules decompressed, since busybox's modprobe reads only plain .ko,
#     and indexed with busybox depmod. Its igb and igbvf are the real drivers under test.
#  3. busybox-static, unpacked: the guest's early userspace and its module tools.
#  4. A small initramfs (initramfs.sh) that mounts the host's / read-only over 9p under a tmpfs
#     overlay, so the guest runs the host's node, ip, cnitool and the build with nothing copied.
# Everything goes under $LAB (default /var/tmp/sriovlab), and every step is skipped when its
# product is already there, so a machine set up once (by this script or an earlier one using the
# same layout) is reused as it is.
set -euo pipefail
LAB=${LAB:-/var/tmp/sriovlab}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$LAB/debs"
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q)
say() { echo "lab setup: $*" >&2; }

have_igb() { qemu-system-x86_64 -device help 2>/dev/null | grep -q '"igb"'; }

if ! have_igb; then
  # The machine's archive (deb822 or one-line sources), with the backports suite next to it.
  archive=$( { sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null || true
               awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /:\/\//) {print $i; break}}' /etc/apt/sources.list 2>/dev/null || true; } \
             | tr ' ' '\n' | grep -v -- '-security' | grep . | head -1 || true)
  [ -n "$archive" ] || { say "no Debian archive in the apt sources"; exit 1; }
  priv=$LAB/apt; mkdir -p "$priv/parts" "$priv/lists/partial"
  cp /etc/apt/sources.list.d/*.sources "$priv/parts/" 2>/dev/null || true
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$priv/sources.list" || : > "$priv/sources.list"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$archive" > "$priv/parts/vfnet-lab-backports.sources"
  PRIV=(-o Dir::Etc::SourceList="$priv/sources.list" -o Dir::Etc::SourceParts="$priv/parts" -o Dir::State::Lists="$priv/lists")
  say "installing qemu-system-x86 from bookworm-backports"
  "${APT[@]}" "${PRIV[@]}" update >&2
  DEBIAN_FRONTEND=noninteractive "${APT[@]}" "${PRIV[@]}" install --no-install-recommends -t bookworm-backports qemu-system-x86 >&2
  have_igb || { say "QEMU still has no igb device"; exit 1; }
fi

# The kernel linux-image-amd64 depends on, e.g. linux-image-6.1.0-41-amd64.
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1; }
KPKG=${KPKG:-$(kernel_pkg)}
if [ -z "$KPKG" ]; then "${APT[@]}" update >&2; KPKG=$(kernel_pkg); fi
[ -n "$KPKG" ] || { say "cannot tell which kernel package linux-image-amd64 means"; exit 1; }

cd "$LAB/debs"
compgen -G "${KPKG}_*.deb" >/dev/null || apt-get -q download "$KPKG" >&2
compgen -G 'busybox-static_*.deb' >/dev/null || apt-get -q download busybox-static >&2

KDIR=$LAB/kernel/$KPKG
if [ ! -f "$KDIR/.done" ]; then
  say "unpacking $KPKG"
  rm -rf "$KDIR"; mkdir -p "$KDIR"
  dpkg-deb -x "$LAB/debs/${KPKG}"_*.deb "$KDIR"
  find "$KDIR/lib/modules" -name '*.ko.xz' -print0 | xargs -0 -r -n 100 -P "$(nproc)" unxz
  touch "$KDIR/.done"
fi
BB=$LAB/busybox/bin/busybox
if [ ! -x "$BB" ]; then mkdir -p "$LAB/busybox"; dpkg-deb -x "$LAB/debs"/busybox-static_*.deb "$LAB/busybox"; fi
KVER=$(ls "$KDIR/lib/modules" | head -1)
[ -f "$KDIR/lib/modules/$KVER/modules.dep" ] || "$BB" depmod -b "$KDIR" "$KVER"
ln -sfn "$KDIR/boot/vmlinuz-$KVER" "$LAB/vmlinuz"
ln -sfn "$KDIR/lib/modules/$KVER" "$LAB/modules"

LAB=$LAB bash "$HERE/initramfs.sh"
say "ok: $LAB, kernel $KVER, $(qemu-system-x86_64 --version | head -1)"
