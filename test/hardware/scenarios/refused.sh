#!/bin/bash
# Settings igb refuses (link_state: EOPNOTSUPP, min_tx_rate: EINVAL, vlanProto 802.1ad:
# EPROTONOSUPPORT), each after the settings igb accepts, so something was applied before the
# refusal: the ADD fails, the error names the setting and the driver, and the VF is exactly as
# before (everything applied is rolled back, nothing is left in the pod, no address is kept).
. "$(dirname "$0")/lib.sh"
PCI=$(vf_pci "$PFA" 1)
GOOD='"mac":"02:00:00:0b:00:01","vlan":100,"vlanQoS":2,"spoofchk":"off","trust":"on","max_tx_rate":100'
try_refused() { # <name> <key named in the error> <json fragment>
  local name=$1 key=$2 extra=$3
  snap "$PCI" > "$WORK/ref.before"
  netconf "hw-ref-$name" "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",$GOOD,$extra,\"ipam\":$(hostlocal 10.13.0.0/24)}"
  newns ref
  if cni add "hw-ref-$name" ref net1; then
    result "$name-add-fails" fail "ADD succeeded although igb refuses $key"
    cni del "hw-ref-$name" ref net1 >/dev/null
  else
    result "$name-add-fails" ok "$CNI_ERR"
    if grep -q -- "$key" <<<"$CNI_ERR" && grep -qi driver <<<"$CNI_ERR"; then result "$name-error-names-setting-and-driver" ok "$CNI_ERR"
    else result "$name-error-names-setting-and-driver" fail "error does not name '$key' and the driver: $CNI_ERR"; fi
  fi
  restored "$name-rolled-back" "$WORK/ref.before" "$PCI"
  same "$name-pod-empty" "" "$($TOOL links ref)"
  same "$name-no-address-kept" "" "$(ls "$IPAMDIR/hw-ref-$name" 2>/dev/null | grep -v -e lock -e last_reserved_ip | tr '\n' ' ')"
  ip netns del ref
}
try_refused link-state link_state '"link_state":"enable"'
try_refused min-tx-rate min_tx_rate '"min_tx_rate":10'
try_refused vlan-proto vlanProto '"vlanProto":"802.1ad"'
# After three refusals the VF still works.
snap "$PCI" > "$WORK/ref.before"
netconf hw-ref-ok "{\"type\":\"sriov\",\"deviceID\":\"$PCI\",$GOOD,\"ipam\":$(hostlocal 10.13.0.0/24)}"
newns ref
if cni add hw-ref-ok ref net1; then result add-after-refusals ok; else result add-after-refusals fail "$CNI_ERR"; fi
cni del hw-ref-ok ref net1 >/dev/null
restored restored-after-refusals "$WORK/ref.before" "$PCI"
ip netns del ref
