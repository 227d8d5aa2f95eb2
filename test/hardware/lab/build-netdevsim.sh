#!/usr/bin/env bash
# netdevsim, the kernel's simulated netdev with PF-level VF settings, for the lab's guest kernel.
# Debian builds its kernels without it (CONFIG_NETDEVSIM is not set), so it is compiled out of
# tree: the driver's sources from linux-source-X.Y, against that ABI's linux-headers and
# linux-kbuild packages, all unpacked under $LAB (nothing installed but what make and gcc need).
# Product: $LAB/nds/netdevsim.ko; in the guest: modprobe psample; insmod $LAB/nds/netdevsim.ko
set -euo pipefail
LAB=${LAB:-/var/tmp/sriovlab}
KVER=$(basename "$(readlink -f "$LAB/modules")")      # e.g. 6.1.0-41-amd64, from setup.sh
ABI=${KVER%-amd64}                                     # 6.1.0-41
SERIES=$(echo "$ABI" | cut -d. -f1,2)                  # 6.1
command -v make >/dev/null && command -v gcc >/dev/null ||
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 -y -q install --no-install-recommends make gcc >&2
cd "$LAB/debs"
for p in "linux-source-$SERIES" "linux-headers-$ABI-amd64" "linux-headers-$ABI-common" "linux-kbuild-$SERIES"; do
  compgen -G "${p}_*.deb" >/dev/null || apt-get -q download "$p" >&2
done
cd "$LAB"
rm -rf hdr nds src-nds; mkdir -p hdr src-nds
for p in "linux-headers-$ABI-amd64" "linux-headers-$ABI-common" "linux-kbuild-$SERIES"; do dpkg-deb -x debs/"${p}"_*.deb hdr; done
KBUILD=$LAB/hdr/usr/src/linux-headers-$ABI-amd64
# The arch headers' Makefile includes the common ones by their installed path; point it here.
sed -i "s|include /usr/src/|include $LAB/hdr/usr/src/|" "$KBUILD/Makefile"
# Only the one driver directory out of the whole source tarball.
dpkg-deb --fsys-tarfile debs/"linux-source-$SERIES"_*.deb | tar -xO "./usr/src/linux-source-$SERIES.tar.xz" |
  tar -xJ -C src-nds "linux-source-$SERIES/drivers/net/netdevsim"
mv "src-nds/linux-source-$SERIES/drivers/net/netdevsim" nds; rm -rf src-nds
make -C "$KBUILD" M="$LAB/nds" CONFIG_NETDEVSIM=m -j"$(nproc)" modules >&2
ls -l "$LAB/nds/netdevsim.ko"
