#!/bin/sh
# Installs the `sriov` CNI plugin into the node's CNI bin dir, and the node's vfnet config file,
# from the vfnet image (its DaemonSet's init container runs this). Idempotent: a second run changes
# nothing. A `sriov` there that this installer did not put there (the Go sriov-cni, say) is
# foreign: it is left alone, and the run fails, unless VFNET_REPLACE_FOREIGN=1 (or
# --replace-foreign), which keeps a copy of it in the backup dir for rollback first.
#
# Environment (defaults are the DaemonSet's mount points):
#   CNI_BIN_DIR            /host/opt/cni/bin      where the runtime finds plugins
#   VFNET_CONFIG_DIR       /host/etc/vfnet        where vfnet.json goes ("" skips the config)
#   VFNET_BACKUP_DIR       $CNI_BIN_DIR/.vfnet-backup
#   VFNET_SRIOV_SRC        /usr/lib/vfnet/sriov   the binary to install
#   VFNET_CONFIG_SRC       /etc/vfnet/vfnet.json  the config to install (a ConfigMap may replace it)
#   VFNET_REPLACE_FOREIGN  1: replace a foreign sriov (after backing it up)
# Exit status: 0 installed or already there, 1 refused or failed.
set -eu

CNI_BIN_DIR=${CNI_BIN_DIR:-/host/opt/cni/bin}
VFNET_CONFIG_DIR=${VFNET_CONFIG_DIR-/host/etc/vfnet}
BACKUP_DIR=${VFNET_BACKUP_DIR:-$CNI_BIN_DIR/.vfnet-backup}
SRC=${VFNET_SRIOV_SRC:-/usr/lib/vfnet/sriov}
CONFIG_SRC=${VFNET_CONFIG_SRC:-/etc/vfnet/vfnet.json}
REPLACE=${VFNET_REPLACE_FOREIGN:-0}
for arg in "$@"; do
  case $arg in
    --replace-foreign) REPLACE=1 ;;
    *) echo "install-cni: unknown argument $arg" >&2; exit 1 ;;
  esac
done

say() { echo "install-cni: $*" >&2; }
sum() { sha256sum "$1" | cut -d' ' -f1; }

# The marker names the sha256 of the sriov this installer last wrote: a file with that sum is
# ours (an older vfnet, to upgrade), anything else is someone else's.
DEST=$CNI_BIN_DIR/sriov
MARKER=$CNI_BIN_DIR/.sriov.vfnet-sha256

# Copies beside the target and renames over it: the runtime may exec the plugin at any moment,
# and a rename is atomic where an in-place write would leave it a half-written binary.
place() { # src dest mode
  tmp="$2.vfnet-tmp.$$"
  cp "$1" "$tmp" && chmod "$3" "$tmp" && mv -f "$tmp" "$2"
}

backup() { # file: keeps a copy named by its sum, so repeated runs keep one copy per version
  mkdir -p "$BACKUP_DIR"
  copy=$BACKUP_DIR/$(basename "$1").$(sum "$1" | cut -c1-12)
  # No -p: keeping another owner would need CAP_CHOWN, which the init container does not have.
  [ -e "$copy" ] || cp "$1" "$copy"
  say "kept a copy of $1 at $copy (restore it with: mv $copy $1)"
}

[ -d "$CNI_BIN_DIR" ] || { say "CNI bin dir $CNI_BIN_DIR does not exist (is the host path mounted?)"; exit 1; }
[ -f "$SRC" ] || { say "no plugin binary at $SRC"; exit 1; }
want=$(sum "$SRC")

if [ -e "$DEST" ] && [ "$(sum "$DEST")" = "$want" ]; then
  say "$DEST is already this version ($want)"
else
  if [ -e "$DEST" ]; then
    have=$(sum "$DEST")
    if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$have" ]; then
      say "upgrading vfnet's $DEST"
    elif [ "$REPLACE" = 1 ]; then
      say "replacing a foreign $DEST ($have), as VFNET_REPLACE_FOREIGN asks"
    else
      say "$DEST is not vfnet's (sha256 $have): refusing to overwrite it."
      say "Move it away, or set VFNET_REPLACE_FOREIGN=1 to replace it (a copy is kept in $BACKUP_DIR)."
      exit 1
    fi
    backup "$DEST"
  fi
  place "$SRC" "$DEST" 0755
  echo "$want" > "$MARKER.tmp.$$" && mv -f "$MARKER.tmp.$$" "$MARKER"
  say "installed $DEST ($want)"
fi

# The config is the operator's once it is there: the image's default is written only where
# none is; one the pod was given (VFNET_CONFIG_SRC, from a ConfigMap) replaces a different one,
# keeping a copy of the old.
given=${VFNET_CONFIG_SRC:+1}
if [ -n "$VFNET_CONFIG_DIR" ] && [ -f "$CONFIG_SRC" ]; then
  mkdir -p "$VFNET_CONFIG_DIR"
  conf=$VFNET_CONFIG_DIR/vfnet.json
  if [ -e "$conf" ] && cmp -s "$CONFIG_SRC" "$conf"; then
    say "$conf is up to date"
  elif [ -e "$conf" ] && [ -z "$given" ]; then
    say "$conf is the operator's: kept (set VFNET_CONFIG_SRC to replace it)"
  else
    [ -e "$conf" ] && backup "$conf"
    place "$CONFIG_SRC" "$conf" 0644
    say "installed $conf"
  fi
fi
