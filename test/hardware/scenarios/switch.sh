#!/bin/bash
# The NIC's internal switch: three pods on VFs 1-3 of the second PF, two on VLAN 100 and one on
# VLAN 200 (static addresses in one subnet). Same VLAN pings through the NIC; different VLANs
# cannot. Then every VF is back as it was.
. "$(dirname "$0")/lib.sh"
declare -A VLAN=([1]=100 [2]=100 [3]=200)
for i in 1 2 3; do
  P[$i]=$(vf_pci "$PFB" $i); snap "${P[$i]}" > "$WORK/sw.before.$i"
  netconf "hw-sw$i" "{\"type\":\"sriov\",\"deviceID\":\"${P[$i]}\",\"vlan\":${VLAN[$i]},\"ipam\":$(static_ip 10.20.0.$i/24)}"
  newns "sw$i"
  if cni add "hw-sw$i" "sw$i" net1; then result "add-sw$i" ok; else result "add-sw$i" fail "$CNI_ERR"; fi
done
for i in 1 2 3; do check "carrier-sw$i" "no carrier on sw$i/net1 within 30 s" wait_carrier "sw$i" net1 30; done
ping1() { ip netns exec sw1 $BB ping -c "$2" -W 2 "$1"; }
if out=$(ping1 10.20.0.2 3 2>&1); then result same-vlan-pings ok "$(echo "$out" | tail -2)"
else result same-vlan-pings fail "sw1 -> sw2 (both vlan 100): $out"; fi
if out=$(ping1 10.20.0.3 2 2>&1); then result other-vlan-isolated fail "sw1 (vlan 100) reached sw3 (vlan 200): $out"
else result other-vlan-isolated ok "$(echo "$out" | tail -1)"; fi
for i in 1 2 3; do
  if cni del "hw-sw$i" "sw$i" net1; then result "del-sw$i" ok; else result "del-sw$i" fail "$CNI_ERR"; fi
  restored "restored-sw$i" "$WORK/sw.before.$i" "${P[$i]}"
  ip netns del "sw$i"
done
