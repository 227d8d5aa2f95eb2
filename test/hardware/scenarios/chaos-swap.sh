#!/bin/bash
# Chaos: 50 swaps of the `sriov` binary between sriov-cni v2.4 and vfnet, with attachments running
# across every swap on 8 igb VFs. After each swap the installed plugin DELs one attachment (made
# by either) and ADDs a new one; every 5th round a pod dies without a DEL (its netns deleted: the
# VF comes home with the pod's settings) and `vfnet sweep` settles it. After every step no VF is in
# two pods; at the end everything is DELed and swept, every VF is exactly as before, vfnet doctor
# fails nothing but the guest's missing IOMMU. Counts are printed as TIME lines (chaos/<count>) and in the final check's detail.
# timeout: 900
. "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/peer.sh"
# 50 rounds; on a guest slower than the one this was written on (GUEST_SLOWNESS, run-group.sh)
# proportionally fewer, never under 20 (four pods killed and swept, twenty swaps).
ROUNDS=${CHAOS_ROUNDS:-$(awk -v f="${GUEST_SLOWNESS:-1}" 'BEGIN { r = int(50 / f); if (r < 20) r = 20; print r }')}
RANDOM=4242
slots=(); for pf in "$PFA" "$PFB"; do for v in 0 1 2 3; do slots+=("$(vf_pci "$pf" "$v")"); done; done
pods=(); live=()
for k in "${!slots[@]}"; do
  snap "${slots[$k]}" > "$WORK/chaos.before.$k"
  netconf04 "ch$k" "{\"type\":\"sriov\",\"deviceID\":\"${slots[$k]}\",\"vlan\":$((600 + k)),\"vlanQoS\":$((k % 8)),\"spoofchk\":\"off\",\"trust\":\"on\",\"ipam\":$(hostlocal "10.60.$k.0/24")}"
  pods+=("ch$k"); live+=("")
done
swaps=0 adds=0 addfail=0 dels=0 delfail=0 twice=0 killed=0 swept=0 sweepfail=0 errs=""
plugin=go
pick() { # <want: live|free>: a random slot in that state, or nothing
  local c=() k; for k in "${!slots[@]}"; do if [ "$1" = live ] && [ -n "${live[$k]}" ]; then c+=("$k"); elif [ "$1" = free ] && [ -z "${live[$k]}" ]; then c+=("$k"); fi; done
  [ ${#c[@]} -gt 0 ] && echo "${c[$((RANDOM % ${#c[@]}))]}"
}
add() { local k=$1; newns "ch$k"; "use_$plugin"; if cni add "ch$k" "ch$k" net1; then adds=$((adds + 1)); live[$k]=$plugin; else addfail=$((addfail + 1)); errs="$errs add:$plugin:$k:$CNI_ERR"; ip netns del "ch$k"; fi; }
del() { local k=$1; "use_$plugin"; if cni del "ch$k" "ch$k" net1; then dels=$((dels + 1)); else delfail=$((delfail + 1)); errs="$errs del:$plugin(${live[$k]}):$k:$CNI_ERR"; fi; ip netns del "ch$k"; live[$k]=""; wait_host_netdev "${slots[$k]}" 10; }
invariant() { local t; t=$(vfs_twice "${pods[@]}"); [ -n "$t" ] && { twice=$((twice + 1)); errs="$errs twice:$t"; }; }
for k in 0 1 2 3 4; do add "$(pick free)"; done
invariant
for ((i = 1; i <= ROUNDS; i++)); do
  if [ $plugin = go ]; then plugin=vfnet; else plugin=go; fi
  swaps=$((swaps + 1))
  k=$(pick live); [ -n "$k" ] && del "$k"
  if [ $((i % 5)) = 0 ]; then
    k=$(pick live)
    if [ -n "$k" ]; then
      ip netns del "ch$k"; live[$k]=""; killed=$((killed + 1)); wait_host_netdev "${slots[$k]}" 10
      out=$(sweep 2>&1) || { sweepfail=$((sweepfail + 1)); errs="$errs sweep:$out"; }
      swept=$((swept + $(grep -c '^swept' <<<"$out")))
      log "round $i: killed ch$k; sweep: $(tail -1 <<<"$out")"
    fi
  fi
  k=$(pick free); [ -n "$k" ] && add "$k"
  k=$(pick free); [ -n "$k" ] && [ $((RANDOM % 2)) = 0 ] && add "$k"
  invariant
  log "round $i: plugin=$plugin live=[${live[*]}]"
done
for k in "${!slots[@]}"; do [ -n "${live[$k]}" ] && del "$k"; done
out=$(sweep 2>&1); rc=$?
[ $rc = 0 ] || { sweepfail=$((sweepfail + 1)); errs="$errs final-sweep:$out"; }
bad=""
for k in "${!slots[@]}"; do
  wait_host_netdev "${slots[$k]}" 10
  d=$($TOOL compare "$WORK/chaos.before.$k" "${slots[$k]}") || bad="$bad ${slots[$k]}: $d;"
  [ -n "$(ips_left "ch$k")" ] && bad="$bad ${slots[$k]}: ip left $(ips_left "ch$k");"
done
counts="swaps=$swaps adds=$adds add-failures=$addfail dels=$dels del-failures=$delfail killed-without-del=$killed swept=$swept sweep-failures=$sweepfail held-twice=$twice"
for c in swaps adds addfail dels delfail killed swept sweepfail twice; do echo "TIME chaos/$c ${!c}"; done
log "$counts"
same swaps "$ROUNDS" "$swaps" "$counts"
same never-held-twice 0 "$twice" "$counts $errs"
same every-command-succeeded "0 0 0" "$addfail $delfail $sweepfail" "$counts $errs"
same every-vf-as-before "" "$bad" "$counts"
same caches-gone "" "$(caches)"
doctor_exit doctor-exit-0 0
