#!/usr/bin/env bash
# Builds the lab guest's initramfs, $LAB/vfnet-initramfs.cpio, from the kernel and busybox that
# setup.sh unpacked. Cheap (a few seconds), so run-in-guest.sh rebuilds it whenever this script or
# the kernel is newer than the archive: the guest's boot protocol and the host's runner change
# together. Own file name, so an initramfs of another layout in the same $LAB is never used.
#
# The guest, in two stages:
#  /init (in the initramfs): loads the virtio, 9p and overlay modules, mounts the host's / (9p tag
#    hostroot, read-only) under a tmpfs overlay, mounts the guest kernel's modules (tag modules)
#    where modprobe looks, adds busybox's module tools where the host has none, and switch_roots.
#  /usr/local/lib/sriovlab/stage2 (PID 1 on the overlay): /run, /dev/pts, cgroup2, the job
#    directory (tag job, read-write), the optional read-write share (tag rwshare, at the host path
#    named in job/rwpath); runs job/cmd.sh with its output in job/out and its status in job/rc;
#    powers off. Markers on the console say how far it got.
set -euo pipefail
LAB=${LAB:-/var/tmp/sriovlab}
BB=$LAB/busybox/bin/busybox
MODS=$(readlink -f "$LAB/modules")
[ -x "$BB" ] && [ -d "$MODS" ] || { echo "initramfs: run setup.sh first ($LAB)" >&2; exit 1; }
OUT=$LAB/vfnet-initramfs.cpio
ROOT=$(mktemp -d "$LAB/initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,ko,proc,sys,dev,lower,upper,newroot}
cp "$BB" "$ROOT/bin/busybox"

# Load order matters (insmod resolves nothing); a module missing here is built into this kernel.
ORDER="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"
for m in $ORDER; do
  ko=$(find "$MODS/kernel" -name "$m.ko" | head -1)
  [ -n "$ko" ] && cp "$ko" "$ROOT/ko/"
done
echo "$ORDER" > "$ROOT/ko/order"

cat > "$ROOT/init" <<'STAGE1'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
for m in $(cat /ko/order); do [ -f /ko/$m.ko ] && insmod /ko/$m.ko; done
P9=trans=virtio,version=9p2000.L,msize=512000
fail() { echo "LAB-GUEST-FAILED $*"; poweroff -f; }
mount -t 9p -o $P9,ro,cache=loose hostroot /lower || fail "9p hostroot"
mount -t tmpfs -o size=50% tmpfs /upper && mkdir -p /upper/data /upper/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/data,workdir=/upper/work /newroot || fail overlay
mods=/newroot/usr/lib/modules/$(uname -r)
mkdir -p $mods /newroot/usr/local/lib/sriovlab
mount -t 9p -o $P9,ro,cache=loose modules $mods || fail "9p modules"
cp /bin/busybox /newroot/usr/local/lib/sriovlab/busybox
# The host may have no kmod (a container image): busybox's tools read the guest's modules.dep.
for t in modprobe insmod rmmod lsmod depmod modinfo; do
  [ -e /newroot/usr/sbin/$t ] || [ -e /newroot/sbin/$t ] || ln -s /usr/local/lib/sriovlab/busybox /newroot/usr/sbin/$t
done
cp /stage2 /newroot/usr/local/lib/sriovlab/stage2
for d in proc sys dev; do mount --move /$d /newroot/$d; done
exec switch_root /newroot /usr/local/lib/sriovlab/stage2
STAGE1

cat > "$ROOT/stage2" <<'STAGE2'
#!/usr/local/lib/sriovlab/busybox sh
B=/usr/local/lib/sriovlab/busybox
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
P9=trans=virtio,version=9p2000.L,msize=512000
JOB=/run/lab-job
$B mount -t tmpfs tmpfs /run && $B mkdir -p $JOB /run/netns
$B mount -t 9p -o $P9 job $JOB || { echo "LAB-GUEST-FAILED 9p job"; $B poweroff -f; }
$B mkdir -p /dev/pts /dev/shm && $B mount -t devpts devpts /dev/pts && $B mount -t tmpfs tmpfs /dev/shm
$B mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
if [ -s $JOB/rwpath ]; then rw=$($B cat $JOB/rwpath); $B mkdir -p "$rw"; $B mount -t 9p -o $P9 rwshare "$rw"; fi
$B hostname sriovlab
$B ip link set lo up
echo "LAB-GUEST-READY uptime=$($B cut -d' ' -f1 /proc/uptime)"
cd $JOB && /bin/sh $JOB/cmd.sh > $JOB/out 2>&1
echo $? > $JOB/rc
$B sync
echo "LAB-GUEST-DONE"
$B poweroff -f
STAGE2

chmod 755 "$ROOT/init" "$ROOT/stage2"
(cd "$ROOT" && find . | "$BB" cpio -o -H newc 2>/dev/null) > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "initramfs: $OUT" >&2
