#!/usr/bin/env bash
# Runs a script as root in a throw-away QEMU guest with emulated Intel 82576 NICs (QEMU's igb:
# a PF with SR-IOV, up to 7 VFs each), on the Debian kernel setup.sh unpacked. The guest sees the
# host's whole filesystem read-only at the same paths (writes land in a tmpfs and vanish), so the
# host's node, ip, cnitool and the build run there unchanged.
#   run-in-guest.sh SCRIPT [ARGS...]     prints what the script printed; exits with its status
# env: LAB=/var/tmp/sriovlab   IGB_COUNT=1 (NICs)   MEM=2048 (MiB)   TIMEOUT=300 (s, then 124)
#      ACCEL=auto|kvm|tcg      SMP (default 2 with KVM, 1 with TCG)   VERBOSE=1 (console to stderr)
#      SHARE_RW=/host/dir      also mounted read-write at the same path (e.g. for reports)
#      GUEST_ENV="NAME ..."    these host variables are exported to the script in the guest
# Status 125: the lab is not set up; 124: the guest did not finish (its console is printed).
set -uo pipefail
LAB=${LAB:-/var/tmp/sriovlab}
HERE=$(cd "$(dirname "$0")" && pwd)
IGB_COUNT=${IGB_COUNT:-1} MEM=${MEM:-2048} TIMEOUT=${TIMEOUT:-300} ACCEL=${ACCEL:-auto} VERBOSE=${VERBOSE:-0}
[ $# -ge 1 ] || { echo "usage: run-in-guest.sh SCRIPT [ARGS...]" >&2; exit 125; }
[ -e "$LAB/vmlinuz" ] && [ -d "$LAB/modules" ] || { echo "run-in-guest: no lab in $LAB (setup.sh)" >&2; exit 125; }
CPIO=$LAB/vfnet-initramfs.cpio
if [ ! -s "$CPIO" ] || [ "$HERE/initramfs.sh" -nt "$CPIO" ] || [ "$(readlink -f "$LAB/vmlinuz")" -nt "$CPIO" ]; then
  LAB=$LAB bash "$HERE/initramfs.sh" || exit 125
fi

JOB=$(mktemp -d "$LAB/job.XXXXXX")
trap 'rm -rf "$JOB"' EXIT
cp "$1" "$JOB/script"; shift
{
  for v in ${GUEST_ENV:-}; do printf 'export %s=%q\n' "$v" "${!v-}"; done
  printf 'exec /bin/sh %s/script' /run/lab-job; printf ' %q' "$@"; echo
} > "$JOB/cmd.sh"

if [ "$ACCEL" = auto ]; then
  ACCEL=tcg
  # KVM only where it can boot a stock kernel: a /dev/kvm backed by kvm_pvm (some nested
  # sandboxes) runs only PVM-enabled guests, and a Debian kernel stalls early in boot there.
  if [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] &&
     timeout 10 qemu-system-x86_64 -accel kvm -cpu host,-arch-capabilities -M q35 -display none -nodefaults \
       -S -monitor none -serial none -daemonize -pidfile "$JOB/probe.pid" 2>/dev/null; then
    kill "$(cat "$JOB/probe.pid")" 2>/dev/null; ACCEL=kvm
  fi
fi
if [ "$ACCEL" = kvm ]; then
  # -arch-capabilities: nested KVM refuses that MSR with -cpu host
  CPU=(-accel kvm -cpu host,-arch-capabilities); SMP=${SMP:-2}
else
  # One vCPU under TCG: multi-threaded TCG with two once hit an iotlb assertion in PCI setup.
  CPU=(-accel tcg -cpu max); SMP=${SMP:-1}
fi

share() {  # share TAG HOSTDIR [ro]
  local opts="local,id=fs_$1,path=$2,security_model=none"; [ "${3:-}" = ro ] && opts+=",readonly=on"
  DEV+=(-fsdev "$opts" -device "virtio-9p-pci,fsdev=fs_$1,mount_tag=$1")
}
DEV=()
share hostroot / ro
share modules "$(readlink -f "$LAB/modules")" ro
share job "$JOB"
if [ -n "${SHARE_RW:-}" ]; then
  mkdir -p "$SHARE_RW"; rw=$(readlink -f "$SHARE_RW"); printf '%s' "$rw" > "$JOB/rwpath"; share rwshare "$rw"
fi
for i in $(seq "$IGB_COUNT"); do
  # Each NIC behind its own PCIe root port (SR-IOV needs PCIe); user-mode networking, no way out.
  DEV+=(-device "pcie-root-port,id=port$i,chassis=$i,slot=$i" -netdev "user,id=net$i,restrict=on"
        -device "igb,netdev=net$i,bus=port$i,mac=52:54:00:12:34:$(printf %02x $((16 + i)))")
done

started=$(date +%s%N)
timeout "$TIMEOUT" qemu-system-x86_64 "${CPU[@]}" -M q35 -m "$MEM" -smp "$SMP" \
  -nodefaults -display none -no-reboot -monitor none -serial stdio \
  -kernel "$LAB/vmlinuz" -initrd "$CPIO" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3 tsc=reliable mitigations=off" \
  "${DEV[@]}" > "$JOB/console" 2>&1 &
qemu=$!
[ "$VERBOSE" = 1 ] && tail -n +1 -F --pid=$qemu "$JOB/console" >&2 &
wait $qemu; qrc=$?
secs=$(( ($(date +%s%N) - started) / 1000000 ))

if [ -f "$JOB/out" ]; then cat "$JOB/out"; [ -n "$(tail -c1 "$JOB/out")" ] && echo; fi
if [ -f "$JOB/rc" ]; then rc=$(cat "$JOB/rc"); else
  echo "sriovlab: the guest did not finish (qemu exit $qrc); its console:" >&2; cat "$JOB/console" >&2; rc=124
fi
ready=$(grep -ao 'LAB-GUEST-READY uptime=[0-9.]*' "$JOB/console" | cut -d= -f2)
echo "sriovlab: accel=$ACCEL rc=$rc wall=$((secs / 1000)).$(printf %03d $((secs % 1000)))s guest-ready-at-uptime=${ready:-?}s" >&2
exit "$rc"
