#!/bin/bash
# netdevsim: the settings igb refuses (link_state auto/enable/disable, min_tx_rate, vlanProto
# 802.1ad). netdevsim implements the PF-level VF operations but has no PCI VFs and no VF netdevs.
#  1) the kernel side: each setting applied with ip(8), read back, reset, read back.
#  2) the plugin side: a hand-made sysfs tree (VFNET_SYSFS_ROOT) presents the netdevsim PF as a PCI
#     PF whose VFs are bound to vfio-pci, so the plugin runs its real DPDK-mode path: resolve the
#     VF, apply PF-level settings through `ip link set <pf> vf N`, and restore them on DEL.
. "$(dirname "$0")/lib.sh"
KO=${SRIOVLAB_DIR:-/var/tmp/sriovlab}/nds/netdevsim.ko
if [ ! -f "$KO" ]; then result module fail "no $KO (test/hardware/lab/build-netdevsim.sh did not build it)"; exit 0; fi
modprobe psample; insmod "$KO" || { result module fail "insmod $KO failed"; exit 0; }
echo "77 1" > /sys/bus/netdevsim/new_device
i=0; until ls /sys/bus/netdevsim/devices/netdevsim77/net/ >/dev/null 2>&1 || [ $i -gt 50 ]; do sleep 0.1; i=$((i + 1)); done
N=$(ls /sys/bus/netdevsim/devices/netdevsim77/net/ | head -1)
echo 4 > /sys/bus/netdevsim/devices/netdevsim77/sriov_numvfs
result module ok "PF $N with $(cat /sys/bus/netdevsim/devices/netdevsim77/sriov_numvfs) VFs"
# field <vf> <names...>: the VF's vfinfo fields (JSON), space separated, e.g. field 0 link_state rate
field() { local v=$1 out=() f; shift; vfvars "$N" "$v"; for f in "$@"; do local n=VF_$f; out+=("${!n:-absent}"); done; echo "${out[*]}"; }

# 1) kernel side
ipset() { # <check> <vf> <expected> <field> <ip vf args...>
  local name=$1 v=$2 want=$3 f=$4; shift 4
  if ! out=$(ip link set "$N" vf "$v" "$@" 2>&1); then result "kernel-$name" fail "ip link set $N vf $v $*: $out"; return; fi
  same "kernel-$name" "$want" "$(field "$v" "$f")"
}
ipset link-state-enable 0 '"enable"' link_state state enable
ipset link-state-disable 0 '"disable"' link_state state disable
ipset link-state-auto 0 '"auto"' link_state state auto
ipset min-tx-rate 1 '{"max_tx":100,"min_tx":10}' rate min_tx_rate 10 max_tx_rate 100
ipset min-tx-rate-reset 1 '{"max_tx":0,"min_tx":0}' rate min_tx_rate 0 max_tx_rate 0
ipset vlan-802.1ad 2 '[{"vlan":100,"qos":3,"protocol":"802.1ad"}]' vlan_list vlan 100 qos 3 proto 802.1ad
ipset vlan-reset 2 '[{}]' vlan_list vlan 0

# 2) plugin side
T=$WORK/nds-sysfs PFPCI=0000:ee:00.0
mkdir -p "$T/sys/bus/pci/devices/$PFPCI/net/$N" "$T/sys/class/net/$N"
echo 4 > "$T/sys/bus/pci/devices/$PFPCI/sriov_totalvfs"; echo 4 > "$T/sys/bus/pci/devices/$PFPCI/sriov_numvfs"
ln -s "../../../bus/pci/devices/$PFPCI" "$T/sys/class/net/$N/device"
for i in 0 1 2 3; do
  V=0000:ee:10.$i
  mkdir -p "$T/sys/bus/pci/devices/$V"
  ln -s "../$V" "$T/sys/bus/pci/devices/$PFPCI/virtfn$i"
  ln -s "../$PFPCI" "$T/sys/bus/pci/devices/$V/physfn"
  ln -s ../../../../bus/pci/drivers/vfio-pci "$T/sys/bus/pci/devices/$V/driver"
done
export VFNET_SYSFS_ROOT=$T
plugin_case() { # <name> <vf> <settings json fragment> <fields> <expected while held>
  local name=$1 v=$2 settings=$3 fields=$4 want=$5
  local before; before=$(field "$v" all)
  netconf "hw-nds-$name" "{\"type\":\"sriov\",\"deviceID\":\"0000:ee:10.$v\",$settings,\"ipam\":$(hostlocal 10.16.0.0/24)}"
  newns nds
  if cni add "hw-nds-$name" nds net1; then
    result "plugin-$name-add" ok
    same "plugin-$name-applied" "$want" "$(field "$v" $fields)"
    if cni del "hw-nds-$name" nds net1; then result "plugin-$name-del" ok; else result "plugin-$name-del" fail "$CNI_ERR"; fi
  else
    result "plugin-$name-add" fail "$CNI_ERR"
  fi
  same "plugin-$name-restored" "$before" "$(field "$v" all)"
  ip netns del nds
}
plugin_case link-state-enable 0 '"link_state":"enable"' link_state '"enable"'
plugin_case link-state-disable 1 '"link_state":"disable"' link_state '"disable"'
# auto is netdevsim's default: set enable behind the plugin's back first, so auto is a change.
ip link set "$N" vf 2 state enable
plugin_case link-state-auto 2 '"link_state":"auto"' link_state '"auto"'
ip link set "$N" vf 2 state auto
plugin_case min-tx-rate 3 '"min_tx_rate":10,"max_tx_rate":100' rate '{"max_tx":100,"min_tx":10}'
plugin_case vlan-802.1ad 0 '"vlan":100,"vlanQoS":3,"vlanProto":"802.1ad"' vlan_list '[{"vlan":100,"qos":3,"protocol":"802.1ad"}]'
plugin_case all-at-once 1 '"mac":"02:00:00:0f:00:01","vlan":10,"vlanQoS":1,"vlanProto":"802.1ad","spoofchk":"on","trust":"on","link_state":"disable","min_tx_rate":5,"max_tx_rate":50' \
  'address vlan_list spoofchk trust link_state rate' \
  '"02:00:00:0f:00:01" [{"vlan":10,"qos":1,"protocol":"802.1ad"}] true true "disable" {"max_tx":50,"min_tx":5}'
echo 77 > /sys/bus/netdevsim/del_device
