#!/bin/bash
# The binary swapped in the middle of 8 running attachments (4 VFs on each igb PF):
# sriov-cni v2.4 ADDs 8; swap to vfnet: it CHECKs all 8, DELs 4 and ADDs 4 anew; swap back to
# sriov-cni: its DEL tears down all 8 (4 its own, 4 vfnet's, through the caches vfnet wrote).
# At every step no VF is in two pods; at the end every VF is exactly as before.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/peer.sh"
slots=()
for pf in "$PFA" "$PFB"; do for v in 0 1 2 3; do slots+=("$pf:$v"); done; done
for k in "${!slots[@]}"; do
  pf=${slots[$k]%:*} v=${slots[$k]#*:} pci=$(vf_pci "$pf" "$v")
  snap "$pci" > "$WORK/swap8.before.$k"
  netconf04 "sw$k" "{\"type\":\"sriov\",\"deviceID\":\"$pci\",\"vlan\":$((400 + k)),\"spoofchk\":\"off\",\"trust\":\"on\",\"ipam\":$(hostlocal "10.40.$k.0/24")}"
done
pods=(); for k in "${!slots[@]}"; do pods+=("sw$k"); done
fails=""
step() { # <what> <plugin> <op> <k...>
  local what=$1 plugin=$2 op=$3 k; shift 3
  for k in "$@"; do
    [ "$op" = add ] && newns "sw$k"
    "use_$plugin"
    cni "$op" "sw$k" "sw$k" net1 || fails="$fails $what:$k:$CNI_ERR"
    [ "$op" = del ] && ip netns del "sw$k"
  done
  same "$what-never-twice" "" "$(vfs_twice "${pods[@]}")"
}
step go-add-8 go add 0 1 2 3 4 5 6 7
use_vfnet; bad=""; for k in 0 1 2 3 4 5 6 7; do cni check "sw$k" "sw$k" net1 || bad="$bad $k:$CNI_ERR"; done
same vfnet-checks-8-go-attachments "" "$bad"
step vfnet-del-4 vfnet del 0 2 4 6
for k in 0 2 4 6; do wait_host_netdev "$(vf_pci "${slots[$k]%:*}" "${slots[$k]#*:}")" 10; restored "vfnet-del-restored-$k" "$WORK/swap8.before.$k" "$(vf_pci "${slots[$k]%:*}" "${slots[$k]#*:}")"; done
step vfnet-add-4 vfnet add 0 2 4 6
step go-del-8 go del 0 1 2 3 4 5 6 7
same swap8-all-commands-ok "" "$fails"
for k in "${!slots[@]}"; do
  pci=$(vf_pci "${slots[$k]%:*}" "${slots[$k]#*:}"); wait_host_netdev "$pci" 10
  restored "restored-$k" "$WORK/swap8.before.$k" "$pci"
  same "ip-released-$k" "" "$(ips_left "sw$k")"
done
same caches-gone "" "$(caches)"
out=$(sweep 2>&1); rc=$?
same sweep-finds-nothing 0 "$rc" "$out"
doctor_exit doctor-exit-0 0
