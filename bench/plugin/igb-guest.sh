#!/bin/bash
# Guest side of the igb benchmark (bench/plugin/igb.ts): inside one QEMU lab guest, the Go
# sriov-cni v2.4 and vfnet's sriov attach and give back the same igb VF with the same config
# (deviceID, mac, vlan, spoofchk, trust, host-local IPAM) through cnitool, alternating every
# iteration (ABBA) so the slow TCG guest and any drift hit both alike.
# usage (through run-in-guest.sh): igb-guest.sh <cnitool> <vfnet-sriov> <go-sriov> <n> <warmup> [trust on|off]
# Prints: SETUP ..., then one line per ADD+DEL: TIME <contender> <add-ms> <del-ms> <rc-add> <rc-del>
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # run-in-guest.sh starts scripts with /bin/sh
set -u
CNITOOL=$1 VFNET=$2 GOSRIOV=$3 N=$4 WARMUP=$5 TRUST=${6:-on}
WORK=/run/vfnet-igb-bench
mkdir -p "$WORK/vfnet" "$WORK/go" "$WORK/net.d" "$WORK/ipam" "$WORK/state"
# Each contender is `sriov` in its own bin dir, first on CNI_PATH; Debian's host-local after it.
cp "$VFNET" "$WORK/vfnet/sriov"
cp "$GOSRIOV" "$WORK/go/sriov"
modprobe igb; modprobe igbvf
PF=
for d in /sys/class/net/*; do
  [ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = igb ] && { PF=$(basename "$d"); break; }
done
[ -n "$PF" ] || { echo "SETUP no igb PF"; exit 1; }
echo 1 > "/sys/class/net/$PF/device/sriov_numvfs"; ip link set "$PF" up
PCI=$(basename "$(readlink "/sys/class/net/$PF/device/virtfn0")")
# The VF netdev appears a little after sriov_numvfs is written.
for _ in $(seq 100); do [ -n "$(ls "/sys/bus/pci/devices/$PCI/net" 2>/dev/null)" ] && break; sleep 0.1; done
echo "SETUP kernel=$(uname -r) pf=$PF vf=$PCI netdev=$(ls "/sys/bus/pci/devices/$PCI/net" 2>/dev/null)"
# 0.4.0: the newest version sriov-cni v2.4 speaks. trust (default on): igb refuses a VF's own MAC
# change once the PF set an admin MAC, unless the VF is trusted, and both plugins set both.
printf '{"cniVersion":"0.4.0","name":"igb-bench","plugins":[{"type":"sriov","deviceID":"%s","mac":"02:5a:00:00:30:01","vlan":100,"spoofchk":"on","trust":"%s","ipam":{"type":"host-local","subnet":"10.250.30.0/24","dataDir":"%s"}}]}\n' \
  "$PCI" "$TRUST" "$WORK/ipam" > "$WORK/net.d/igb-bench.conflist"
ip netns add bench && ip -n bench link set lo up
ms() { echo $(( $(date +%s%N) / 1000000 )); }

one() { # <contender>: one ADD then one DEL through cnitool
  local dir=$WORK/$1 t0 t1 t2 ra rd
  t0=$(ms)
  CNI_PATH=$dir:/usr/lib/cni NETCONFPATH=$WORK/net.d VFNET_STATE_DIR=$WORK/state CNI_IFNAME=net1 \
    "$CNITOOL" add igb-bench /run/netns/bench > "$WORK/out" 2> "$WORK/err"; ra=$?
  t1=$(ms)
  CNI_PATH=$dir:/usr/lib/cni NETCONFPATH=$WORK/net.d VFNET_STATE_DIR=$WORK/state CNI_IFNAME=net1 \
    "$CNITOOL" del igb-bench /run/netns/bench > "$WORK/out" 2>> "$WORK/err"; rd=$?
  t2=$(ms)
  if [ "$ra" != 0 ] || [ "$rd" != 0 ]; then echo "ERROR $1 $(tr '\n' ' ' < "$WORK/err" | cut -c1-400)"; fi
  echo "$1 $((t1 - t0)) $((t2 - t1)) $ra $rd"
}

for i in $(seq "$WARMUP"); do one go > /dev/null; one vfnet > /dev/null; done
for i in $(seq "$N"); do
  if [ $((i % 2)) = 0 ]; then order="go vfnet"; else order="vfnet go"; fi
  for c in $order; do echo "TIME $(one "$c")"; done
done
echo "DONE"
