#!/bin/bash
# The sweeper on igb, where a VF survives its netns: deleting the netns brings the VF netdev home
# (as net1) with the pod's settings still on it, and no DEL ever comes.
#  a) vfnet's attachment, netns deleted: vfnet sweep restores the VF, releases its IP and claim;
#     a live attachment next to it is untouched.
#  b) sriov-cni v2.4's attachment (cache, no marker), netns deleted: the same, from its cache.
#  c) a record of a previous boot (boot id changed under it) is settled with its netns alive.
#  d) vfnet doctor: exit 0 once all is swept (the guest has no IOMMU, which nothing here needs);
#     exit 1, naming the VF, while a VF no one holds carries a VLAN, or has its netdev in a netns
#     no record names; exit 0 again once it is reset.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/peer.sh"
DEAD=$(vf_pci "$PFB" 2) LIVE=$(vf_pci "$PFB" 3) GOV=$(vf_pci "$PFB" 1)
for p in "$DEAD" "$LIVE" "$GOV"; do snap "$p" > "$WORK/sw.before.$p"; done
mk() { netconf04 "$1" "{\"type\":\"sriov\",\"deviceID\":\"$2\",\"mac\":\"$3\",\"vlan\":$4,\"spoofchk\":\"off\",\"trust\":\"on\",\"ipam\":$(hostlocal "$5")}"; }
mk swd "$DEAD" 02:00:00:0d:00:01 501 10.50.1.0/24
mk swl "$LIVE" 02:00:00:0d:00:02 502 10.50.2.0/24
mk swg "$GOV" 02:00:00:0d:00:03 503 10.50.3.0/24
use_vfnet
newns swd; newns swl
cni add swd swd net1 || result a-add fail "$CNI_ERR"
cni add swl swl net1 || result a-add-live fail "$CNI_ERR"
ip netns del swd
wait_host_netdev "$DEAD" 10
log "VF back in the host as $(vf_netdev "$DEAD"), vlan still: $(ip -d link show "$PFB" | grep -o 'vf 2 .*vlan [0-9]*' | grep -o 'vlan [0-9]*')"
out=$(sweep 2>&1); rc=$?
log "$out"
same a-sweep-exit 0 "$rc" "$out"
check a-sweep-reports-it "sweep did not report $DEAD: $out" grep -q "swept   $DEAD" <<<"$out"
restored a-restored "$WORK/sw.before.$DEAD" "$DEAD"
same a-ip-released "" "$(ips_left swd)"
podvars swl "$LIVE"
same a-live-untouched net1 "${POD_name:-}"
out=$(sweep 2>&1); check a-second-sweep-quiet "second sweep: $out" grep -q "^0 swept" <<<"$out"

# b) sriov-cni's attachment, netns deleted, then the node is swept by vfnet.
use_go; newns swg
cni add swg swg net1 || result b-go-add fail "$CNI_ERR"
ip netns del swg
wait_host_netdev "$GOV" 10
out=$(sweep 2>&1); rc=$?
log "$out"
check b-sweep-reports-go "sweep did not report $GOV: $out" grep -q "swept   $GOV  sriov-cni" <<<"$out"
restored b-restored "$WORK/sw.before.$GOV" "$GOV"
same b-ip-released "" "$(ips_left swg)"
same b-cache-gone "" "$(grep -l "$GOV" "$SRIOV_CNI_DIR"/* 2>/dev/null | tr '\n' ' ')"

# c) previous boot: the live attachment's record says another boot id.
rec=$(ls "$VFNET_STATE_DIR"/att-*.json | head -1)
sed -i 's/"bootId":"[^"]*"/"bootId":"00000000-0000-0000-0000-000000000000"/' "$rec"
out=$(sweep 2>&1); rc=$?
log "$out"
check c-previous-boot-swept "no previous-boot sweep: $out" grep -q "previous boot" <<<"$out"
wait_host_netdev "$LIVE" 10
restored c-restored "$WORK/sw.before.$LIVE" "$LIVE"
ip netns del swl

# d) the doctor on a clean node, then on VF 0 of the second PF dirtied by hand.
doctor_exit d-doctor-clean 0
IDLE=$(vf_pci "$PFB" 0) IDLEDEV=$(vf_netdev "$(vf_pci "$PFB" 0)")
snap "$IDLE" > "$WORK/sw.before.idle"
ip link set "$PFB" vf 0 vlan 999
doctor_exit d-doctor-fails-on-idle-vlan 1 "idle-vfs fail.*($IDLE): VLAN 999"
ip link set "$PFB" vf 0 vlan 0
newns swx
ip link set "$IDLEDEV" netns swx
doctor_exit d-doctor-fails-on-idle-netns 1 "idle-vfs fail.*($IDLE): its netdev is not in the host namespace"
ip netns del swx
wait_host_netdev "$IDLE" 10
restored d-reset "$WORK/sw.before.idle" "$IDLE"
doctor_exit d-doctor-clean-again 0
