#!/bin/bash
# Guest-side driver for one boot of the hardware lab: prepares the igb PFs once, then runs each
# named scenario script in turn, each under its own timeout so one hang cannot eat the others.
# usage (through run-in-guest.sh): run-group.sh <repo> <cnitool> <plugin> <vfs-per-pf> <scenario>...
# Prints the lib.sh protocol plus, per scenario: SCENARIO <name> rc=<rc> secs=<s>
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"   # run-in-guest.sh starts scripts with /bin/sh
set -u
export REPO=$1 CNITOOL=$2 PLUGIN=$3 NVFS=$4; shift 4
export WORK=/run/vfnet-hw
SCEN_DIR=$REPO/test/hardware/scenarios
mkdir -p "$WORK/bin" "$WORK/net.d" "$WORK/state" "$WORK/ipam"
# Private copies of the plugin (under the name runtimes look for, first on CNI_PATH; Debian's
# plugins after it) and of the guest tool: the guest sees the host's files live, and a build on
# the host (`npm run build` empties dist/ first) would pull them away mid-run.
cp "$PLUGIN" "$WORK/bin/sriov"
cp "$REPO/dist/test/hardware/guest-tool.js" "$WORK/guest-tool.mjs"   # .mjs: it is an ES module

echo "SETUP kernel=$(uname -r) plugin=$("$WORK/bin/sriov" </dev/null 2>&1 | head -c 200 | tr '\n' ' ')"
# How slow this guest is against the one the scenarios' timeouts were set on: TCG's speed varies
# several-fold from host to host. The yardstick is the plugin's VERSION exec (what every scenario
# step is made of), ≈ 60 ms there; the first exec above paged the executable in. Timeouts are
# multiplied by GUEST_SLOWNESS (at least 1), and chaos-swap runs fewer rounds on a slow guest.
times=()
for _ in 1 2 3 4 5; do
  t=$(date +%s%N); CNI_COMMAND=VERSION "$WORK/bin/sriov" </dev/null >/dev/null 2>&1
  times+=($(( ($(date +%s%N) - t) / 1000000 )))
done
version_ms=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
export GUEST_SLOWNESS
GUEST_SLOWNESS=$(awk -v m="$version_ms" 'BEGIN { f = m / 60; if (f < 1) f = 1; printf "%.2f", f }')
echo "SETUP speed version-ms=$version_ms slowness=$GUEST_SLOWNESS"
modprobe igb; modprobe igbvf
pfs=()
for d in /sys/class/net/*; do
  [ "$(basename "$(readlink -f "$d/device/driver" 2>/dev/null)")" = igb ] && pfs+=("$(basename "$d")")
done
export PFA=${pfs[0]:-} PFB=${pfs[1]:-}
t0=$(date +%s%N)
for pf in "${pfs[@]}"; do echo "$NVFS" > "/sys/class/net/$pf/device/sriov_numvfs"; ip link set "$pf" up; done
# max_tx_rate is refused (EINVAL) until the PF has carrier: wait for it once, here.
for pf in "${pfs[@]}"; do
  i=0; until [ "$(cat "/sys/class/net/$pf/carrier" 2>/dev/null)" = 1 ] || [ $i -gt 300 ]; do sleep 0.1; i=$((i + 1)); done
done
echo "SETUP pfs=${pfs[*]} vfs-per-pf=$NVFS ready-ms=$(( ($(date +%s%N) - t0) / 1000000 ))"
for pf in "${pfs[@]}"; do
  for v in /sys/class/net/$pf/device/virtfn*; do echo "SETUP $pf $(basename "$v") $(basename "$(readlink "$v")") $(ls "$v/net" 2>/dev/null)"; done
done

for s in "$@"; do
  t=$(date +%s)
  # A scenario that loops longer says so in a '# timeout: <seconds>' line.
  limit=$(sed -n 's/^# timeout: \([0-9]*\)$/\1/p' "$SCEN_DIR/$s.sh" | head -1)
  limit=$(awk -v l="${limit:-${SCENARIO_TIMEOUT:-240}}" -v f="$GUEST_SLOWNESS" 'BEGIN { printf "%d", l * f + 0.5 }')
  SCEN=$s timeout -k 5 "$limit" bash "$SCEN_DIR/$s.sh"
  rc=$?
  echo "SCENARIO $s rc=$rc secs=$(( $(date +%s) - t ))"
done
