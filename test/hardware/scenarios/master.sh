#!/bin/bash
# master (the original 2016 form): the plugin picks a free VF of the second PF itself. Two pods get
# two different VFs of that PF; master + vf picks exactly that index; CHECK and DEL; every VF of the
# PF is back as it was.
. "$(dirname "$0")/lib.sh"
for i in 0 1 2 3; do P[$i]=$(vf_pci "$PFB" $i); snap "${P[$i]}" > "$WORK/master.before.$i"; done
netconf hw-master "{\"type\":\"sriov\",\"master\":\"$PFB\",\"vlan\":42,\"ipam\":$(hostlocal 10.11.0.0/24)}"
netconf hw-master-vf "{\"type\":\"sriov\",\"master\":\"$PFB\",\"vf\":3,\"ipam\":$(hostlocal 10.12.0.0/24)}"
owner() { # which VF of PFB is in netns $1, by PCI address (the netdev's parentdev)
  ip -n "$1" -d -j link show | grep -o '"parentdev":"[^"]*"' | cut -d'"' -f4 | grep -Fx -e "${P[0]}" -e "${P[1]}" -e "${P[2]}" -e "${P[3]}" || echo none
}
newns m1; newns m2; newns m3
# The fixed index first, so the free-VF picks below cannot have taken it.
if cni add hw-master-vf m3 net1; then result add-with-vf-index ok; else result add-with-vf-index fail "$CNI_ERR"; fi
same vf-index-honoured "${P[3]}" "$(owner m3)"
if cni add hw-master m1 net1; then result add-first ok; else result add-first fail "$CNI_ERR"; fi
if cni add hw-master m2 net1; then result add-second ok; else result add-second fail "$CNI_ERR"; fi
o1=$(owner m1) o2=$(owner m2)
log "m1 holds $o1, m2 holds $o2"
check picked-vfs-of-master "m1 holds $o1, m2 holds $o2 (want VFs of $PFB: ${P[*]})" test "$o1" != none -a "$o2" != none
check picked-distinct-vfs "both pods hold $o1" test "$o1" != "$o2"
check picked-free-vfs "a pick took VF 3 (${P[3]}), which m3 holds" test "$o1" != "${P[3]}" -a "$o2" != "${P[3]}"
n=0
for o in "$o1" "$o2"; do
  n=$((n + 1)); got=none
  for i in 0 1 2 3; do [ "${P[$i]}" = "$o" ] && { vfvars "$PFB" $i; got=$VF_vlan_list; }; done
  same "vlan-on-pick-$n" '[{"vlan":42}]' "$got" "($o)"
done
if cni check hw-master m1 net1; then result check ok; else result check fail "$CNI_ERR"; fi
for n in m1 m2; do if cni del hw-master $n net1; then result "del-$n" ok; else result "del-$n" fail "$CNI_ERR"; fi; done
if cni del hw-master-vf m3 net1; then result del-m3 ok; else result del-m3 fail "$CNI_ERR"; fi
for i in 0 1 2 3; do restored "restored-vf$i" "$WORK/master.before.$i" "${P[$i]}"; done
ip netns del m1; ip netns del m2; ip netns del m3
