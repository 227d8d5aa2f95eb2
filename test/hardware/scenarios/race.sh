#!/bin/bash
# Both plugins racing ADDs on one PF (igb PF B), sriov-cni v2.4 next to vfnet:
#  a) deviceID: both told the same VF (a device plugin would tell both the same deviceID only by
#     mistake) — the VF ends up in one pod at most, never two; afterwards it is restored.
#  b) master vs deviceID: vfnet picks any free VF while sriov-cni takes a named one.
#  c) the flock: while another process (as sriov-cni >= v2.7 does) holds pci/vf_lock/<pci>.lock,
#     vfnet's ADD of that VF waits; while vfnet's ADD runs, nobody else gets the flock.
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/peer.sh"
PCI=$(vf_pci "$PFB" 0)
snap "$PCI" > "$WORK/race.before"
add_bg() { # <plugin-dir> <net> <ns> <tag>: cnitool ADD in the background, status in $WORK/race.<tag>.rc
  ( CNI_PATH=$1:/usr/lib/cni CNI_IFNAME=net1 "$CNITOOL" add "$2" "/run/netns/$3" > "$WORK/race.$4.out" 2>&1; echo $? > "$WORK/race.$4.rc" ) &
}
netconf04 race-go "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",\"vlan\":301,\"ipam\":$(hostlocal 10.30.1.0/24)}"
netconf04 race-vf "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",\"vlan\":302,\"ipam\":$(hostlocal 10.30.2.0/24)}"
twice=0 won_go=0 won_vf=0 none=0
for i in 1 2 3 4 5; do
  newns rg; newns rv
  add_bg "$WORK/gobin" race-go rg go; add_bg "$WORK/bin" race-vf rv vf; wait
  n=$(in_pods "$PCI" rg rv)
  [ "$n" -gt 1 ] && twice=$((twice + 1))
  [ "$(cat "$WORK/race.go.rc")" = 0 ] && won_go=$((won_go + 1))
  [ "$(cat "$WORK/race.vf.rc")" = 0 ] && won_vf=$((won_vf + 1))
  [ "$n" = 0 ] && none=$((none + 1))
  log "round $i: go rc=$(cat "$WORK/race.go.rc") vfnet rc=$(cat "$WORK/race.vf.rc") pods holding the VF: $n; vlan now $(ip -d link show "$PFB" | grep -o 'vf 0 .*vlan [0-9]*' | grep -o 'vlan [0-9]*')"
  log "  go: $(head -c 300 "$WORK/race.go.out" | tr '\n' ' ')"; log "  vfnet: $(head -c 300 "$WORK/race.vf.out" | tr '\n' ' ')"
  # vfnet tears down both, whichever made them (it reads sriov-cni's cache for the Go one).
  use_vfnet; cni del race-go rg net1 || log "del go: $CNI_ERR"; cni del race-vf rv net1 || log "del vf: $CNI_ERR"
  ip netns del rg; ip netns del rv
  wait_host_netdev "$PCI" 10
done
same a-never-twice 0 $twice "(go won $won_go, vfnet won $won_vf, neither $none of 5)"
check a-someone-won "neither plugin got the VF in any round" test $((won_go + won_vf)) -gt 0
restored a-restored-after-races "$WORK/race.before" "$PCI"
echo "TIME race/deviceid-go-won $won_go"; echo "TIME race/deviceid-vfnet-won $won_vf"

# b) master (vfnet, any free VF of PF B) against deviceID (sriov-cni, VF 0 of PF B).
netconf04 race-m "{\"type\":\"sriov\",\"master\":\"$PFB\",\"vlan\":303,\"ipam\":$(hostlocal 10.30.3.0/24)}"
twice=0
for i in 1 2 3; do
  newns rg; newns rv
  add_bg "$WORK/gobin" race-go rg go; add_bg "$WORK/bin" race-m rv vf; wait
  t=$(vfs_twice rg rv); [ -n "$t" ] && twice=$((twice + 1))
  log "round $i: go rc=$(cat "$WORK/race.go.rc") vfnet(master) rc=$(cat "$WORK/race.vf.rc") $(head -c 200 "$WORK/race.vf.out" | tr '\n' ' ')"
  use_vfnet; cni del race-go rg net1 || log "del go: $CNI_ERR"; cni del race-m rv net1 || log "del m: $CNI_ERR"
  ip netns del rg; ip netns del rv
done
same b-never-twice 0 $twice
sleep 1; restored b-restored "$WORK/race.before" "$PCI"

# c) the flock, both ways.
LOCK=$SRIOV_CNI_DIR/pci/vf_lock/$PCI.lock
mkdir -p "$(dirname "$LOCK")"
newns rv
( flock -x "$LOCK" sleep 4 ) & holder=$!
sleep 0.5
add_bg "$WORK/bin" race-vf rv vf
sleep 2
check c-add-waits-for-their-flock "vfnet's ADD got the VF while another process held its flock" test -n "$(vf_netdev "$PCI")"
wait $holder; wait
same c-add-after-their-flock 0 "$(cat "$WORK/race.vf.rc")" "$(cat "$WORK/race.vf.out")"
use_vfnet; cni del race-vf rv net1
ip netns del rv
# A slow IPAM keeps vfnet's ADD (and its flock) busy for a while.
printf '#!/bin/sh\nsleep 3\nexec /usr/lib/cni/host-local "$@"\n' > "$WORK/bin/slow-ipam"; chmod +x "$WORK/bin/slow-ipam"
netconf04 race-slow "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",\"ipam\":{\"type\":\"slow-ipam\",\"subnet\":\"10.30.4.0/24\",\"dataDir\":\"$IPAMDIR\"}}"
newns rv
add_bg "$WORK/bin" race-slow rv vf
sleep 1.5
if flock -n "$LOCK" true; then result c-their-flock-held-during-add fail "flock -n got $LOCK during vfnet's ADD"; else result c-their-flock-held-during-add ok; fi
wait
same c-slow-add 0 "$(cat "$WORK/race.vf.rc")" "$(cat "$WORK/race.vf.out")"
use_vfnet; cni del race-slow rv net1
ip netns del rv
sleep 1; restored c-restored "$WORK/race.before" "$PCI"
