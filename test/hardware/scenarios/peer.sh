# Sourced after lib.sh by the scenarios that run sriov-cni (the Go peer, v2.4) next to vfnet: the
# runtime picks a plugin through CNI_PATH, as a node does when the `sriov` binary is swapped.
# sriov-cni v2.4 hard-codes /var/lib/cni/sriov (a tmpfs in the guest) and speaks CNI <= 0.4.0.
GO_PEER=$REPO/../shared/peers/sriov-cni-v2.4
SRIOV_CNI_DIR=/var/lib/cni/sriov
export VFNET_SRIOV_CNI_DIR=$SRIOV_CNI_DIR
mkdir -p "$WORK/gobin"
[ -x "$WORK/gobin/sriov" ] || cp "$GO_PEER" "$WORK/gobin/sriov"
VFNET="node $REPO/dist/bin/vfnet"
use_go() { export CNI_PATH=$WORK/gobin:/usr/lib/cni; }
use_vfnet() { export CNI_PATH=$WORK/bin:/usr/lib/cni; }
# netconf04 <net> <plugin-json>: as netconf, in CNI 0.4.0 (the newest sriov-cni v2.4 accepts).
netconf04() { mkdir -p "$NETCONFPATH"; printf '{"cniVersion":"0.4.0","name":"%s","plugins":[%s]}\n' "$1" "$2" > "$NETCONFPATH/$1.conflist"; }
# sriov-cni's caches (not its pci/ markers dir).
caches() { ls "$SRIOV_CNI_DIR" 2>/dev/null | grep -v '^pci$' | tr '\n' ' '; }
# ips_left <net>: host-local addresses still allocated.
ips_left() { ls "$IPAMDIR/$1" 2>/dev/null | grep -v -e lock -e last_reserved_ip | tr '\n' ' '; }
sweep() { $VFNET sweep --state-dir "$VFNET_STATE_DIR" --sriov-cni-dir "$SRIOV_CNI_DIR" --cni-path /usr/lib/cni "$@"; }
doctor() { $VFNET doctor --state-dir "$VFNET_STATE_DIR" "$@"; }
# doctor_exit <check> <expected-exit> [grep-pattern]: vfnet doctor's exit status (0 all pass, 1 a
# failure, 2 warnings only), with the findings that did not pass as the detail; with a pattern,
# a second check <check>-names-it that one of those findings matches it.
doctor_exit() {
  local out rc bad
  out=$(doctor --json); rc=$?
  bad=$(node -e 'const r=JSON.parse(process.argv[1]);console.log(r.findings.filter((f)=>f.status!=="pass"&&f.status!=="skip").map((f)=>`${f.check} ${f.status} ${f.subject??""}: ${f.detail}`).join("; "))' "$out" 2>&1)
  same "$1" "$2" "$rc" "$bad"
  [ -z "${3:-}" ] || check "$1-names-it" "no finding matches '$3': $bad" grep -q -- "$3" <<<"$bad"
}
# in_pods <pci> <netns...>: how many of these netns hold a netdev of this VF (by its parent device).
in_pods() {
  local pci=$1 n=0 ns; shift
  for ns in "$@"; do ip netns exec "$ns" true 2>/dev/null || continue; n=$((n + $(ip -n "$ns" -d link show 2>/dev/null | grep -c "parentdev $pci"))); done
  echo $n
}
# vfs_twice <netns...>: VFs (of both PFs) held by more than one of these netns, space separated.
vfs_twice() {
  local out="" pci v pf
  for pf in "$PFA" "$PFB"; do for v in 0 1 2 3; do pci=$(vf_pci "$pf" $v); [ "$(in_pods "$pci" "$@")" -gt 1 ] && out="$out $pci"; done; done
  echo "${out# }"
}
