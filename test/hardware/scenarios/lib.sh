# Sourced by every scenario script (run by run-group.sh inside the guest). Provides the result
# protocol, cnitool wrappers and VF helpers. The guest sees the host's / read-only with a tmpfs
# on top, so everything written here vanishes with the guest.
#
# Output protocol read by test/hardware/hardware.test.ts (one line each, anything else is log):
#   RESULT <scenario>/<check> ok|fail|skip <detail>
#   TIME <scenario>/<what> <milliseconds>
# Env from run-group.sh: REPO, CNITOOL, WORK, PFA, PFB (the two igb PF netdevs), SCEN.

: "${REPO:?}" "${CNITOOL:?}" "${WORK:?}" "${SCEN:?}"
export NETCONFPATH=$WORK/net.d CNI_PATH=$WORK/bin:/usr/lib/cni VFNET_STATE_DIR=$WORK/state
BB=/usr/local/lib/sriovlab/busybox
TOOL="node $WORK/guest-tool.mjs"
IPAMDIR=$WORK/ipam

log() { echo "  [$SCEN] $*"; }
# result <check> ok|fail|skip <detail...>: details are squeezed to one line.
result() { local name=$1 st=$2; shift 2; echo "RESULT $SCEN/$name $st $(printf '%s' "$*" | tr '\n' ' ' | cut -c1-600)"; }
# check <name> <detail-on-failure> <command...>: ok when the command succeeds.
check() { local name=$1 detail=$2; shift 2; if "$@"; then result "$name" ok; else result "$name" fail "$detail"; fi; }
# same <name> <expected> <actual> [context]
same() { if [ "$2" = "$3" ]; then result "$1" ok "$3"; else result "$1" fail "expected '$2', got '$3' ${4:-}"; fi; }
notreached() { for n in "$@"; do result "$n" fail "not reached: an earlier step failed"; done; }
ms() { echo $(( $(date +%s%N) / 1000000 )); }

vf_pci() { basename "$(readlink "/sys/class/net/$1/device/virtfn$2")"; }
vf_netdev() { ls "/sys/bus/pci/devices/$1/net" 2>/dev/null | head -1; }
# Each guest-tool call costs ~1 s under TCG, so one call sets many shell variables (see guest-tool.ts).
vfvars() { unset "${!VF_@}"; eval "$($TOOL vfvars "$1" "$2")"; }     # <pf> <vf>: VF_address VF_vlan_list ... (JSON)
podvars() { unset "${!POD_@}"; eval "$($TOOL podvars "$1" "$2")"; }  # <netns> <pci>: POD_found POD_name ...
resvars() { unset "${!RES_@}"; eval "$($TOOL resvars "$1")"; }       # <result file>: RES_ifname RES_mac ...
snap() { $TOOL snapshot "$1"; }
# restored <check> <before-file> <pci>: the VF as the host sees it equals the snapshot.
restored() {
  local d
  if d=$($TOOL compare "$2" "$3"); then result "$1" ok; else result "$1" fail "differs from before ADD: $d"; fi
}

# netconf <net> <plugin-json>: a conflist in NETCONFPATH (cnitool looks networks up by name).
netconf() { mkdir -p "$NETCONFPATH"; printf '{"cniVersion":"1.0.0","name":"%s","plugins":[%s]}\n' "$1" "$2" > "$NETCONFPATH/$1.conflist"; }
hostlocal() { printf '{"type":"host-local","subnet":"%s","dataDir":"%s"}' "$1" "$IPAMDIR"; }
static_ip() { printf '{"type":"static","addresses":[{"address":"%s"}]}' "$1"; }

# cni add|check|del <net> <netns> <ifname>: sets CNI_RC, CNI_OUT (stdout file), CNI_ERR (stderr text).
cni() {
  local t0; t0=$(ms)
  CNI_OUT=$WORK/out.$SCEN.$RANDOM
  CNI_IFNAME=$4 "$CNITOOL" "$1" "$2" "/run/netns/$3" > "$CNI_OUT" 2> "$WORK/err"
  CNI_RC=$?
  CNI_ERR=$(cat "$WORK/err")
  echo "TIME $SCEN/$1 $(( $(ms) - t0 ))"
  log "cnitool $1 $2 $3 $4 -> rc=$CNI_RC $(head -c 400 "$CNI_OUT" | tr '\n' ' ') $CNI_ERR"
  return $CNI_RC
}
newns() { ip netns del "$1" 2>/dev/null; ip netns add "$1" && ip -n "$1" link set lo up; }

# wait_carrier <netns> <ifname> <seconds>: igb VFs take 2-8 s to get carrier after link up.
# Deadlines are by the clock: under TCG one poll costs more than its sleep.
wait_carrier() {
  local end=$(( SECONDS + $3 ))
  [ -n "$(ip -n "$1" link show "$2" 2>/dev/null)" ] || return 1
  until [ "$(ip netns exec "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null)" = 1 ]; do
    [ $SECONDS -ge $end ] && return 1; sleep 0.1
  done
}
# wait_host_netdev <pci> <seconds>: a netdev of the VF shows up in the host namespace.
wait_host_netdev() {
  local end=$(( SECONDS + $2 ))
  until [ -n "$(vf_netdev "$1")" ]; do [ $SECONDS -ge $end ] && return 1; sleep 0.1; done
}
# can_set_own_mac <pci>: the host VF netdev may change its own MAC (it is not admin-locked by the
# PF); the MAC is put back afterwards. igb refuses with EADDRNOTAVAIL when an admin MAC is set.
can_set_own_mac() {
  local dev old; dev=$(vf_netdev "$1"); old=$(cat "/sys/class/net/$dev/address")
  ip link set "$dev" address 02:5e:1f:00:00:01 2>/dev/null || return 1
  ip link set "$dev" address "$old"
}
