#!/bin/bash
# Takeover from sriov-cni and back, on igb with the real Go plugin (v2.4):
#  a) sriov-cni ADDs (deviceID, vlan 100 qos 3, mac, spoofchk off, trust on); the binary becomes
#     vfnet's; vfnet CHECKs it, notices drift, DELs it: VF fully restored, cache gone, IP released.
#  b) vfnet ADDs with the same settings; the binary goes back to sriov-cni; its DEL restores it
#     from the cache vfnet wrote.
#  c) sriov-cni ADDs, its cache is truncated; vfnet's DEL keeps the file aside, resets the VF to
#     safe defaults (VLAN 0, spoofchk on, trust off, netdev home) and a second DEL has nothing to do.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/peer.sh"
SET='"vlan":100,"vlanQoS":3,"spoofchk":"off","trust":"on"'
conf() { netconf04 "$1" "{\"type\":\"sriov\",\"deviceID\":\"$2\",$SET${3:+,\"mac\":\"$3\"},\"ipam\":$(hostlocal "$4")}"; }

# a) Go ADD, vfnet CHECK and DEL.
PCI=$(vf_pci "$PFA" 0)
snap "$PCI" > "$WORK/to.before.a"
conf to-a "$PCI" 02:00:00:0b:00:01 10.20.1.0/24
newns toa
use_go
if cni add to-a toa net1; then
  result go-add ok
  podvars toa "$PCI"
  same go-pod-netdev net1 "${POD_name:-}"
  check go-cache-written "no cache in $SRIOV_CNI_DIR" test -n "$(caches)"
  use_vfnet
  if cni check to-a toa net1; then result vfnet-check-go-attachment ok; else result vfnet-check-go-attachment fail "$CNI_ERR"; fi
  ip link set "$PFA" vf 0 vlan 200
  if cni check to-a toa net1; then result vfnet-check-detects-drift fail "CHECK passed with vlan 200"; else result vfnet-check-detects-drift ok; fi
  ip link set "$PFA" vf 0 vlan 100 qos 3
  if cni del to-a toa net1; then result vfnet-del ok; else result vfnet-del fail "$CNI_ERR"; fi
  wait_host_netdev "$PCI" 10
  restored go-add-vfnet-del-restored "$WORK/to.before.a" "$PCI"
  same go-cache-removed "" "$(caches)"
  same go-ip-released "" "$(ips_left to-a)"
  check own-mac-after "the VF is admin-MAC-locked after vfnet's DEL" can_set_own_mac "$PCI"
  if cni del to-a toa net1; then result vfnet-del-again ok; else result vfnet-del-again fail "$CNI_ERR"; fi
else
  result go-add fail "$CNI_ERR"
fi
ip netns del toa

# b) vfnet ADD, Go DEL. Twice: with a MAC (sriov-cni v2.4 restores the netdev's MAC before the
# admin MAC, which igb may refuse: shared/peers/README.md), and without.
for c in mac nomac; do
  PCI=$(vf_pci "$PFA" 1)
  snap "$PCI" > "$WORK/to.before.$c"
  if [ $c = mac ]; then conf "to-$c" "$PCI" 02:00:00:0b:00:02 10.20.2.0/24; else conf "to-$c" "$PCI" "" 10.20.3.0/24; fi
  newns "to$c"
  use_vfnet
  if cni add "to-$c" "to$c" net1; then
    result "$c-vfnet-add" ok
    check "$c-rollback-cache-written" "no cache for the Go plugin: '$(caches)'" test -n "$(caches)"
    same "$c-rollback-marker" "/run/netns/to$c" "$(cat "$SRIOV_CNI_DIR/pci/$PCI" 2>/dev/null)"
    use_go
    if cni del "to-$c" "to$c" net1; then result "$c-go-del" ok; else result "$c-go-del" fail "$CNI_ERR"; fi
    wait_host_netdev "$PCI" 10
    restored "$c-vfnet-add-go-del-restored" "$WORK/to.before.$c" "$PCI"
    same "$c-go-ip-released" "" "$(ips_left "to-$c")"
    same "$c-go-removed-cache" "" "$(caches)"
  else
    result "$c-vfnet-add" fail "$CNI_ERR"
  fi
  ip netns del "to$c"
  # Back to vfnet: the marker sriov-cni v2.4 left (it knows none) must not hold the VF.
  use_vfnet
  newns "to$c"
  if cni add "to-$c" "to$c" net1; then result "$c-vfnet-add-after-rollback" ok; cni del "to-$c" "to$c" net1 || result "$c-vfnet-del-after-rollback" fail "$CNI_ERR"
  else result "$c-vfnet-add-after-rollback" fail "$CNI_ERR"; fi
  ip netns del "to$c"
done

# c) Go ADD, its cache truncated, vfnet DEL.
PCI=$(vf_pci "$PFA" 0) ORIG=$(vf_netdev "$(vf_pci "$PFA" 0)")
conf to-c "$PCI" "" 10.20.4.0/24
newns toc
use_go
if cni add to-c toc net1; then
  f=$(ls "$SRIOV_CNI_DIR" | grep -v -e '^pci$' -e damaged | head -1)
  truncate -s 60 "$SRIOV_CNI_DIR/$f"
  use_vfnet
  if cni del to-c toc net1; then result damaged-cache-del ok; else result damaged-cache-del fail "$CNI_ERR"; fi
  check damaged-cache-kept-aside "no $f.damaged-* in $SRIOV_CNI_DIR: $(ls "$SRIOV_CNI_DIR" | tr '\n' ' ')" test -s "$(ls -d "$SRIOV_CNI_DIR/$f".damaged-* 2>/dev/null | head -1)"
  check damaged-cache-del-names-file "DEL's log does not name $f: $CNI_ERR" grep -q "$f.*kept aside" <<<"$CNI_ERR"
  wait_host_netdev "$PCI" 10
  vfvars "$PFA" 0
  same damaged-cache-vf-safe 'vlan=0 spoofchk=true trust=false home=yes' \
    "vlan=$(node -e 'console.log(JSON.parse(process.argv[1])[0]?.vlan ?? 0)' "${VF_vlan_list:-[]}") spoofchk=$VF_spoofchk trust=$VF_trust home=$([ -n "$(vf_netdev "$PCI")" ] && echo yes || echo no)"
  if cni del to-c toc net1; then result damaged-cache-del-again ok; else result damaged-cache-del-again fail "$CNI_ERR"; fi
  # The operator, having read it, removes the kept-aside file: the later scenarios of this group
  # share $SRIOV_CNI_DIR and check that it ends empty.
  rm -f "$SRIOV_CNI_DIR/$f".damaged-*
  now=$(vf_netdev "$PCI"); log "VF home as '$now' (before: '$ORIG')"
  [ -n "$now" ] && [ "$now" != "$ORIG" ] && ip link set "$now" name "$ORIG"
else
  result go-add-c fail "$CNI_ERR"
fi
ip netns del toc
