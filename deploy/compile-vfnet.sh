#!/usr/bin/env bash
# Compiles the vfnet CLI into one executable with Bun, as scripts/build.mjs compiles `sriov`: the
# image and the Debian package then need no Node. SQLite is then bun:sqlite (src/store/sqlite-driver.ts
# picks the driver by runtime), since better-sqlite3's addon does not load under Bun; pg is
# bundled (pure JavaScript) and its optional native binding left out.
#   deploy/compile-vfnet.sh OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/node_modules/.bin/bun" build --compile --minify --external better-sqlite3 --external pg-native \
  "$root/src/bin/vfnet.ts" --outfile "$1" >/dev/null
