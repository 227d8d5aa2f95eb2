#!/bin/bash
# DEL after the pod's netns is gone. The kernel returns a physical netdev to the host namespace
# when its netns dies, under the pod's name (net1), or dev<ifindex> when that name is taken in the
# host. DEL must succeed and put the VF back under its original name with its original settings.
#  a) VF 3 of the first PF: DEL after the VF is back in the host (as net1).
#  b) VF 0 of the second PF, a host link already named net1: DEL straight after `ip netns del`,
#     as kubelet does, racing the kernel's asynchronous netns cleanup.
. "$(dirname "$0")/lib.sh"
SETTINGS='"logLevel":"debug","mac":"02:00:00:0e:00:01","vlan":77,"vlanQoS":1,"spoofchk":"off","trust":"on","max_tx_rate":200'
gone() { # <case> <pf> <vf> <wait-for-return 0|1>
  local c=$1 pci; pci=$(vf_pci "$2" "$3")
  local orig; orig=$(vf_netdev "$pci")
  snap "$pci" > "$WORK/gone.before.$c"
  netconf "hw-gone-$c" "{\"type\":\"sriov\",\"deviceID\":\"$pci\",$SETTINGS,\"ipam\":$(hostlocal 10.15.0.0/24)}"
  newns "gone$c"
  if ! cni add "hw-gone-$c" "gone$c" net1; then result "$c-add" fail "$CNI_ERR"; ip netns del "gone$c"; return; fi
  result "$c-add" ok
  ip netns del "gone$c"
  log "right after ip netns del: VF in the host as '$(vf_netdev "$pci")'"
  if [ "$4" = 1 ]; then
    wait_host_netdev "$pci" 10
    log "VF back in the host as $(vf_netdev "$pci")"
  fi
  if cni del "hw-gone-$c" "gone$c" net1; then result "$c-del" ok; else result "$c-del" fail "$CNI_ERR"; fi
  log "right after DEL: VF in the host as '$(vf_netdev "$pci")'"
  # The VF may still be on its way home when DEL returns: give the kernel a moment, not the plugin.
  wait_host_netdev "$pci" 10
  same "$c-original-name" "$orig" "$(vf_netdev "$pci")"
  restored "$c-restored" "$WORK/gone.before.$c" "$pci"
  same "$c-ip-released" "" "$(ls "$IPAMDIR/hw-gone-$c" 2>/dev/null | grep -v -e lock -e last_reserved_ip | tr '\n' ' ')"
}
gone returned "$PFA" 3 1
modprobe dummy
ip link add net1 type dummy
gone race-name-taken "$PFB" 0 0
ip link del net1
