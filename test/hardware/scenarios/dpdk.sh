#!/bin/bash
# DPDK mode: VF 2 of the first PF bound to uio_pci_generic has no netdev. ADD applies the PF-level
# settings and allocates an address (host-local) without touching the pod, DEL restores the VF;
# then the VF goes back to igbvf (under a new netdev name) and a kernel-mode ADD works on it.
# While the DPDK attachment holds the VF, the node's ledger is deleted, then emptied: sysfs shows
# nothing that says the VF is held, so only the attachment record can keep the next ADDs (by
# deviceID, by master + vf) off it; the DEL still restores it exactly, the driver binding included.
. "$(dirname "$0")/lib.sh"
PCI=$(vf_pci "$PFA" 2)
D=/sys/bus/pci/devices/$PCI
bind() { # <driver or empty for the default>: what dpdk-devbind does
  echo "$1" > "$D/driver_override"
  [ -e "$D/driver" ] && echo "$PCI" > "$D/driver/unbind"
  echo "$PCI" > /sys/bus/pci/drivers_probe
}
# ledger_lost deleted|emptied: the node's ledger goes, then two other pods ask for the held VF.
ledger_lost() {
  local db=$VFNET_STATE_DIR/vfnet.db
  rm -f "$db-wal" "$db-shm"
  if [ "$1" = deleted ]; then rm -f "$db"; else : > "$db"; fi
  newns dp2
  if cni add hw-dpdk dp2 net1; then
    result "ledger-$1-same-vf-refused" fail "the held VF was handed out again: $(cat "$CNI_OUT")"
    cni del hw-dpdk dp2 net1 >/dev/null
  else
    check "ledger-$1-same-vf-refused" "not refused as in use: $CNI_ERR" grep -q "$PCI .* is already in use" <<<"$CNI_ERR"
  fi
  if cni add hw-dpdk-vf2 dp2 net1; then
    result "ledger-$1-master-vf-refused" fail "master + vf 2 handed the held VF out again: $(cat "$CNI_OUT")"
    cni del hw-dpdk-vf2 dp2 net1 >/dev/null
  else
    check "ledger-$1-master-vf-refused" "not refused as in use: $CNI_ERR" grep -q "$PCI .* is already in use" <<<"$CNI_ERR"
  fi
  ip netns del dp2
  # The refusals changed nothing: the VF is still as the DPDK attachment configured it.
  vfvars "$PFA" 2
  same "ledger-$1-vf-kept" '"02:00:00:0d:00:01" [{"vlan":300}]' "$VF_address $VF_vlan_list"
}
modprobe uio_pci_generic
snap "$PCI" > "$WORK/dpdk.kernel.before"
bind uio_pci_generic
same bound-uio uio_pci_generic "$(basename "$(readlink "$D/driver")")"
snap "$PCI" > "$WORK/dpdk.before"
netconf hw-dpdk "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",\"mac\":\"02:00:00:0d:00:01\",\"vlan\":300,\"spoofchk\":\"off\",\"trust\":\"on\",\"ipam\":$(hostlocal 10.14.0.0/24)}"
netconf hw-dpdk-vf2 "{\"type\":\"sriov\",\"master\":\"$PFA\",\"vf\":2,\"ipam\":$(hostlocal 10.14.0.0/24)}"
newns dp
if cni add hw-dpdk dp net1; then
  result add ok
  resvars "$CNI_OUT"
  check result-has-ip "no ips in the result: $(cat "$CNI_OUT")" test -n "$RES_ip"
  same pod-untouched "" "$($TOOL links dp)"
  vfvars "$PFA" 2
  same admin-mac '"02:00:00:0d:00:01"' "$VF_address"
  same vlan '[{"vlan":300}]' "$VF_vlan_list"
  same spoofchk false "$VF_spoofchk"
  same trust true "$VF_trust"
  if cni check hw-dpdk dp net1; then result check ok; else result check fail "$CNI_ERR"; fi
  ledger_lost deleted
  ledger_lost emptied
  if cni del hw-dpdk dp net1; then result del ok; else result del fail "$CNI_ERR"; fi
  same ip-released "" "$(ls "$IPAMDIR/hw-dpdk" 2>/dev/null | grep -v -e lock -e last_reserved_ip | tr '\n' ' ')"
else
  result add fail "$CNI_ERR"
  notreached result-has-ip pod-untouched admin-mac vlan spoofchk trust del \
    ledger-deleted-same-vf-refused ledger-deleted-master-vf-refused ledger-emptied-same-vf-refused ledger-emptied-master-vf-refused
fi
restored restored "$WORK/dpdk.before" "$PCI"
bind ""
wait_host_netdev "$PCI" 10
NEWDEV=$(vf_netdev "$PCI")
log "back on igbvf as '$NEWDEV' (before: $(cat "$WORK/dpdk.kernel.before"))"
check rebound-igbvf "no netdev after rebinding igbvf" test -n "$NEWDEV"
snap "$PCI" > "$WORK/dpdk.after-rebind"
netconf hw-dpdk-kernel "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",\"vlan\":300,\"ipam\":$(hostlocal 10.14.0.0/24)}"
if cni add hw-dpdk-kernel dp net1; then
  result kernel-add-after-rebind ok
  podvars dp "$PCI"
  same kernel-pod-netdev net1 "${POD_name:-}"
  if cni del hw-dpdk-kernel dp net1; then result kernel-del ok; else result kernel-del fail "$CNI_ERR"; fi
  restored kernel-restored "$WORK/dpdk.after-rebind" "$PCI"
else
  result kernel-add-after-rebind fail "$CNI_ERR"
fi
ip netns del dp
