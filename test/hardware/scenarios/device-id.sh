#!/bin/bash
# deviceID (the Multus / device-plugin way) on igb VF 0 of the first PF with every setting igb
# supports: ADD, CHECK (also that it notices drift), DEL, every original setting back, DEL again;
# then a second ADD on the same, now used, VF with another MAC (igbvf keeps its old MAC until it
# resets, so a second round catches what a fresh VF hides).
. "$(dirname "$0")/lib.sh"
PCI=$(vf_pci "$PFA" 0)
MAC1=02:00:00:0a:00:01 MAC2=02:00:00:0a:00:02
conf() {
  netconf hw-dev "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",\"mac\":\"$1\",\"vlan\":100,\"vlanQoS\":3,\"spoofchk\":\"off\",\"trust\":\"on\",\"max_tx_rate\":100,\"ipam\":$(hostlocal 10.10.0.0/24)}"
}
log "VF $PCI on $PFA (netdev $(vf_netdev "$PCI"))"
check own-mac-before "the VF could not change its own MAC before the test" can_set_own_mac "$PCI"
snap "$PCI" > "$WORK/dev.before"
newns dev1
conf $MAC1

if cni add hw-dev dev1 net1; then
  result add ok
  resvars "$CNI_OUT"
  same result-ifname net1 "$RES_ifname"
  same result-mac $MAC1 "$RES_mac"
  same result-sandbox /run/netns/dev1 "$RES_sandbox"
  check result-ip "no ips[0] in the result: $(cat "$CNI_OUT")" test -n "$RES_ip"
  podvars dev1 "$PCI"
  same pod-netdev-name net1 "${POD_name:-}"
  same pod-netdev-mac $MAC1 "${POD_address:-}"
  same pod-netdev-up true "${POD_up:-}"
  same pod-netdev-ip "[\"$RES_ip\"]" "${POD_addrs:-}"
  check pod-carrier "no carrier on net1 within 30 s" wait_carrier dev1 net1 30
  check host-netdev-gone "the VF netdev is still in the host namespace" test -z "$(vf_netdev "$PCI")"
  vfvars "$PFA" 0
  log "vfinfo: $VF_all"
  same admin-mac "\"$MAC1\"" "$VF_address"
  same vlan-qos '[{"vlan":100,"qos":3}]' "$VF_vlan_list"
  same spoofchk false "$VF_spoofchk"
  same trust true "$VF_trust"
  same max-tx-rate '{"max_tx":100,"min_tx":0}' "$VF_rate"

  if cni check hw-dev dev1 net1; then result check ok; else result check fail "$CNI_ERR"; fi
  # Drift behind the plugin's back: a real CHECK compares the live VF with what ADD set.
  ip link set "$PFA" vf 0 vlan 200
  if cni check hw-dev dev1 net1; then result check-detects-vlan-drift fail "CHECK passed with vlan 200 instead of 100"
  else result check-detects-vlan-drift ok "$CNI_ERR"; fi
  ip link set "$PFA" vf 0 vlan 100 qos 3

  if cni del hw-dev dev1 net1; then result del ok; else result del fail "$CNI_ERR"; fi
  restored restored "$WORK/dev.before" "$PCI"
  check own-mac-after-del "the VF is admin-MAC-locked after DEL (an admin MAC was left set)" can_set_own_mac "$PCI"
  if cni del hw-dev dev1 net1; then result del-again ok; else result del-again fail "second DEL: $CNI_ERR"; fi
else
  result add fail "$CNI_ERR"
  notreached result-ifname pod-netdev-mac vlan-qos check del restored
fi

# Round two on the same VF: its netdev has now been up once.
snap "$PCI" > "$WORK/dev.before2"
conf $MAC2
if cni add hw-dev dev1 net1; then
  result add-again ok
  podvars dev1 "$PCI"
  same add-again-pod-mac $MAC2 "${POD_address:-}"
  vfvars "$PFA" 0
  same add-again-admin-mac "\"$MAC2\"" "$VF_address"
  if cni del hw-dev dev1 net1; then result del-after-add-again ok; else result del-after-add-again fail "$CNI_ERR"; fi
  restored restored-again "$WORK/dev.before2" "$PCI"
  check own-mac-after-del-again "the VF is admin-MAC-locked after the second DEL" can_set_own_mac "$PCI"
else
  result add-again fail "$CNI_ERR"
  cni del hw-dev dev1 net1 >/dev/null
  restored restored-after-failed-add-again "$WORK/dev.before2" "$PCI"
fi
ip netns del dev1
