#!/usr/bin/env bash
# Installs what the real-world test suites need from Debian, and builds cnitool from
# Debian's libcni source package (Debian ships no cnitool binary). Idempotent: each
# step runs only when its result is missing. Everything lands under $VFNET_TOOLS
# (default /var/tmp/vfnet-tools) except the apt packages.
#   install-deps.sh          everything the test suites need
#   install-deps.sh demo     what `npm start` (the demo on the simulated host) needs, including
#                            every tool whose command it prints: cnitool, openstack (with
#                            osc-placement) and curl; test/client/start.test.ts runs them all
set -euo pipefail
PROFILE=${1:-all}
TOOLS=${VFNET_TOOLS:-/var/tmp/vfnet-tools}
mkdir -p "$TOOLS/bin"
APT=(apt-get -o DPkg::Lock::Timeout=600 -y -q --no-install-recommends)

need=()
command -v ip >/dev/null || need+=(iproute2)
[ -x /usr/lib/cni/host-local ] || need+=(containernetworking-plugins)
[ -x /bin/busybox ] || need+=(busybox-static)          # ping in the demo and in containers
command -v ebtables >/dev/null || need+=(iptables)       # ebtables: the lab switch's spoofchk
command -v curl >/dev/null || need+=(curl)
# `openstack resource provider ...` needs both the client and the placement plugin; Debian's
# interpreter is the one that sees them, as /usr/bin/openstack's shebang says.
command -v openstack >/dev/null || need+=(python3-openstackclient)
/usr/bin/python3 -c 'import osc_placement' 2>/dev/null || need+=(python3-osc-placement)
# cnitool is built below from source: Go and libcni's packaged sources.
if [ ! -x "$TOOLS/bin/cnitool" ]; then
  command -v go >/dev/null || need+=(golang-go)
  [ -d /usr/share/gocode/src/github.com/containernetworking/cni/libcni ] || need+=(golang-github-appc-cni-dev)
fi
if [ "$PROFILE" = all ]; then
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v catatonit >/dev/null || need+=(catatonit)  # podman's pod infra (deploy suite: kube play)
command -v xz >/dev/null || need+=(xz-utils)
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v ethtool >/dev/null || need+=(ethtool)
command -v strace >/dev/null || need+=(strace)        # the plugin benchmark's breakdown
command -v systemd-analyze >/dev/null || need+=(systemd)  # the deploy suite: unit verify and security
command -v dpkg-deb >/dev/null || need+=(dpkg)           # the deploy suite: the Debian package
[ -x /usr/bin/chromium ] || need+=(chromium)             # the client suite: the dashboard in a real browser
fi
if ((${#need[@]})); then
  echo "install-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${APT[@]}" update >/dev/null || true
  "${APT[@]}" install "${need[@]}" >/dev/null
fi

# cnitool 1.1.2 from the Debian source package golang-github-appc-cni (the -dev binary
# package leaves cnitool/ out). A private deb-src list keeps /etc/apt untouched.
if [ ! -x "$TOOLS/bin/cnitool" ]; then
  echo "install-deps: building cnitool from golang-github-appc-cni" >&2
  work=$(mktemp -d)
  S=$work/aptsrc; mkdir -p "$S/lists/partial" "$S/cache"
  ARCHIVE=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$ARCHIVE" ] || ARCHIVE=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$ARCHIVE" ] || { echo "install-deps: no Debian archive found in apt sources" >&2; exit 1; }
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $ARCHIVE bookworm main" > "$S/sources.list"
  APTO=(-o Dir::Etc::SourceList="$S/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists="$S/lists" -o Dir::Cache="$S/cache")
  (cd "$work" && apt-get "${APTO[@]}" -q update >/dev/null && apt-get "${APTO[@]}" -q source --download-only golang-github-appc-cni >/dev/null)
  tar -C "$work" -xf "$work"/golang-github-appc-cni_*.orig.tar.*
  mkdir -p "$work/gopath/src"
  cp -r "$work"/golang-github-appc-cni-*/cnitool "$work/gopath/src/"
  (cd "$work/gopath/src/cnitool" && GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOCACHE="$work/gocache" go build -o "$TOOLS/bin/cnitool" .)
  rm -rf "$work"
fi
if [ "$PROFILE" != all ]; then
  echo "install-deps: ok (demo: $TOOLS/bin/cnitool, /usr/lib/cni, $(command -v openstack), $(command -v curl))" >&2
  exit 0
fi
echo "install-deps: ok ($TOOLS/bin/cnitool, /usr/lib/cni, podman $(podman --version 2>/dev/null | awk '{print $3}'))" >&2
